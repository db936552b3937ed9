/**
 * Turns JSON Schema validator errors (ajv's `ErrorObject`s, also produced by the precompiled
 * validators shipped in `kubernetes-models`) into upstream-style {@link FieldError}s.
 *
 * The wording follows kube-openapi `pkg/validation/errors/schema.go` as converted by
 * apiextensions-apiserver (`kubeOpenAPIErrorToFieldError`): a type error becomes
 * `spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`,
 * a missing field `Required value`, an enum mismatch `Unsupported value: "x": supported values: ...`.
 */
import {
  formatFieldPath,
  invalidError,
  jsonTypeName,
  notSupportedError,
  OMIT_VALUE,
  pointerToPath,
  renderBadValue,
  requiredError,
  tooLongError,
  tooManyError,
  typeInvalidError,
  valueAtPath,
  type FieldError,
  type PathSegment,
} from './validation-errors.js';
import { parseQuantity, QuantityParseError } from './quantity.js';

/** The subset of ajv's `ErrorObject` this module reads. */
export interface SchemaErrorObject {
  readonly keyword: string;
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly params: Record<string, unknown>;
  readonly message?: string | undefined;
}

/**
 * Upstream's message for a string that is not a quantity (apimachinery `resource.ErrFormatWrong`).
 * It quotes the grammar regex upstream prints, which is looser than what it accepts.
 */
export const QUANTITY_FORMAT_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const QUANTITY_EXPECTED = 'a quantity such as 500m, 1Gi or 2';

/** The parser's reason for a bad quantity string (format, numeric part, suffix or range). */
function quantityDetail(value: unknown): string {
  if (typeof value !== 'string') return QUANTITY_FORMAT_MESSAGE;
  try {
    parseQuantity(value);
  } catch (err) {
    if (err instanceof QuantityParseError) {
      const prefix = `cannot parse quantity ${JSON.stringify(value)}: `;
      return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    }
  }
  return QUANTITY_FORMAT_MESSAGE;
}

const COMBINATORS = new Set(['oneOf', 'anyOf', 'not']);

function quoteValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(renderBadValue(value));
}

/**
 * Converts schema errors to field errors.
 *
 * @param errors the validator's errors, in the validator's (deterministic) order.
 * @param data the validated value, to read bad values and to tell array indices from map keys.
 * @param basePath prefix for every path (when `data` is a part of a larger object).
 */
export function convertSchemaErrors(
  errors: readonly SchemaErrorObject[],
  data: unknown,
  basePath: readonly PathSegment[] = [],
): FieldError[] {
  // A failed oneOf/anyOf also reports each branch's own failure; upstream reports one error for the
  // field, so the branch errors are folded into the combinator's error.
  const combinators = errors.filter((e) => COMBINATORS.has(e.keyword));
  const branchErrors = new Map<SchemaErrorObject, SchemaErrorObject[]>();
  const folded = new Set<SchemaErrorObject>();
  for (const c of combinators) {
    const branches: SchemaErrorObject[] = [];
    for (const e of errors) {
      if (e === c) continue;
      const underSchema = e.schemaPath.startsWith(`${c.schemaPath}/`);
      // The precompiled validators compile each branch into its own function, so branch errors carry
      // a branch-relative schemaPath (`#/type`); they are recognisable by sitting on the same value.
      const sameValueTypeCheck = e.instancePath === c.instancePath && (e.keyword === 'type' || e.keyword === 'format');
      if (underSchema || sameValueTypeCheck) {
        branches.push(e);
        folded.add(e);
      }
    }
    branchErrors.set(c, branches);
  }

  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (folded.has(e)) continue;
    const fe = convertOne(e, data, basePath, branchErrors.get(e) ?? []);
    if (fe === undefined) continue;
    const key = `${fe.field}\u0000${fe.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(fe);
  }
  return out;
}

function convertOne(
  e: SchemaErrorObject,
  data: unknown,
  basePath: readonly PathSegment[],
  branches: readonly SchemaErrorObject[],
): FieldError | undefined {
  const rel = pointerToPath(e.instancePath, data);
  const path = [...basePath, ...rel];
  const name = formatFieldPath(path);
  const value = valueAtPath(data, rel);
  const p = e.params;
  switch (e.keyword) {
    case 'required': {
      const missing = String(p['missingProperty']);
      return requiredError([...path, missing]);
    }
    case 'type': {
      const want = Array.isArray(p['type']) ? (p['type'] as unknown[]).join(',') : String(p['type']);
      const observed = jsonTypeName(value);
      return typeInvalidError(path, observed, `${name} in body must be of type ${want}: "${observed}"`, want);
    }
    case 'enum': {
      const allowed = Array.isArray(p['allowedValues']) ? (p['allowedValues'] as unknown[]) : [];
      return notSupportedError(path, value, allowed);
    }
    case 'const':
      return notSupportedError(path, value, [p['allowedValue']]);
    case 'format': {
      const format = String(p['format']);
      if (format === 'quantity') {
        return invalidError(path, value, quantityDetail(value), QUANTITY_EXPECTED);
      }
      return typeInvalidError(path, value, `${name} in body must be of type ${format}: ${quoteValue(value)}`, format);
    }
    case 'pattern':
      return invalidError(path, value, `${name} in body should match '${String(p['pattern'])}'`, `a string matching '${String(p['pattern'])}'`);
    case 'maximum':
      return invalidError(path, value, `${name} in body should be less than or equal to ${String(p['limit'])}`, `at most ${String(p['limit'])}`);
    case 'exclusiveMaximum':
      return invalidError(path, value, `${name} in body should be less than ${String(p['limit'])}`, `less than ${String(p['limit'])}`);
    case 'minimum':
      return invalidError(path, value, `${name} in body should be greater than or equal to ${String(p['limit'])}`, `at least ${String(p['limit'])}`);
    case 'exclusiveMinimum':
      return invalidError(path, value, `${name} in body should be greater than ${String(p['limit'])}`, `more than ${String(p['limit'])}`);
    case 'multipleOf':
      return invalidError(path, value, `${name} in body should be a multiple of ${String(p['multipleOf'])}`, `a multiple of ${String(p['multipleOf'])}`);
    case 'maxLength':
      return tooLongError(path, Number(p['limit']));
    case 'minLength':
      return invalidError(path, value, `${name} in body should be at least ${String(p['limit'])} chars long`, `at least ${String(p['limit'])} characters`);
    case 'maxItems':
      return tooManyError(path, Array.isArray(value) ? value.length : -1, Number(p['limit']));
    case 'minItems':
      return invalidError(path, Array.isArray(value) ? value.length : OMIT_VALUE, `${name} in body should have at least ${String(p['limit'])} items`, `at least ${String(p['limit'])} items`);
    case 'uniqueItems':
      return invalidError(path, OMIT_VALUE, `${name} in body shouldn't contain duplicates`, 'no duplicate items');
    case 'maxProperties': {
      const n = value !== null && typeof value === 'object' ? Object.keys(value).length : -1;
      return tooManyError(path, n, Number(p['limit']));
    }
    case 'minProperties':
      return invalidError(path, OMIT_VALUE, `${name} in body should have at least ${String(p['limit'])} properties`, `at least ${String(p['limit'])} properties`);
    case 'additionalProperties': {
      // Not reached with pruning (unknown fields are removed first); kept for completeness.
      const prop = String(p['additionalProperty']);
      return invalidError(path, prop, `${formatFieldPath([...path, prop])} in body is a forbidden property`);
    }
    case 'oneOf':
    case 'anyOf':
    case 'not':
      return convertCombinator(e, path, name, value, branches);
    default:
      return invalidError(path, OMIT_VALUE, `${name} in body ${e.message ?? `failed ${e.keyword} validation`}`);
  }
}

function convertCombinator(
  e: SchemaErrorObject,
  path: readonly PathSegment[],
  name: string,
  value: unknown,
  branches: readonly SchemaErrorObject[],
): FieldError {
  const sameValue = branches.filter((b) => b.instancePath === e.instancePath);
  // Quantity (`oneOf: [number, string with format quantity]`): a string that does not parse.
  if (sameValue.some((b) => b.keyword === 'format' && b.params['format'] === 'quantity')) {
    if (typeof value === 'string') {
      return invalidError(path, value, quantityDetail(value), QUANTITY_EXPECTED);
    }
    const observed = jsonTypeName(value);
    return typeInvalidError(path, observed, `${name} in body must be of type string or number: "${observed}"`, 'a quantity (string or number)');
  }
  // Int-or-string and other type unions: one error naming every accepted type.
  if (sameValue.length > 0 && sameValue.every((b) => b.keyword === 'type' || b.keyword === 'format')) {
    const types = [...new Set(sameValue.filter((b) => b.keyword === 'type').map((b) => String(b.params['type'])))];
    const want = types.join(' or ');
    const observed = jsonTypeName(value);
    if (types.length > 0 && !types.includes(observed) && !(observed === 'integer' && types.includes('number'))) {
      return typeInvalidError(path, observed, `${name} in body must be of type ${want}: "${observed}"`, want);
    }
    const formats = sameValue.filter((b) => b.keyword === 'format').map((b) => String(b.params['format']));
    return typeInvalidError(path, value, `${name} in body must be of type ${formats.join(' or ') || want}: ${quoteValue(value)}`, formats.join(' or ') || want);
  }
  switch (e.keyword) {
    case 'oneOf': {
      const passing = e.params['passingSchemas'];
      const found = Array.isArray(passing) ? `Found ${passing.length} valid alternatives` : 'Found none valid';
      return invalidError(path, OMIT_VALUE, `${name} in body must validate one and only one schema (oneOf). ${found}`, 'exactly one of the alternatives');
    }
    case 'anyOf':
      return invalidError(path, OMIT_VALUE, `${name} in body must validate at least one schema (anyOf)`, 'at least one of the alternatives');
    default:
      return invalidError(path, OMIT_VALUE, `${name} in body must not validate the schema (not)`);
  }
}
