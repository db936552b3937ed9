/**
 * Field-level validation errors, rendered the way the API server renders them.
 *
 * Mirrors apimachinery `pkg/util/validation/field` (`errors.go`, `path.go`): an error has a type
 * (`Required value`, `Invalid value`, `Unsupported value`, ...), the field path (`spec.replicas`),
 * the offending value and a detail. `message` is upstream's `ErrorBody()` (everything after
 * `<field>: `), so `${field}: ${message}` is exactly upstream's `Error()` string.
 *
 * Errors are values: validation never throws for bad input.
 */

/** One step of a path into an object: a property name or an array index. */
export type PathSegment = string | number;

/** Upstream `field.ErrorType` values. */
export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueNotFound'
  | 'InternalError';

/**
 * A validation failure at one field (upstream `field.Error`). `type`, `field`, `value` and `detail`
 * are upstream's parts; `message` is their rendering without the field.
 */
export interface FieldError {
  readonly type: FieldErrorType;
  /** Upstream field path string: `spec.template.spec.containers[0].ports[0].containerPort`. */
  readonly field: string;
  /** The same path as segments, for locating the field in the source manifest. */
  readonly path: readonly PathSegment[];
  /** The bad value as upstream prints it (`"x"`, `3`, `{"app":"web"}`); absent when not shown. */
  readonly value?: string;
  /** Upstream's detail (`spec.replicas in body must be of type integer: "string"`); may be empty. */
  readonly detail: string;
  /** Upstream `ErrorBody()`: `Invalid value: "x": spec.replicas in body must be of type integer: "string"`. */
  readonly message: string;
  /** What would have been accepted, in words (`integer`, `one of "A", "B"`), when known. */
  readonly expected?: string;
}

/** Marker for "render the error type without a value" (upstream `field.OmitValueType`). */
export const OMIT_VALUE: unique symbol = Symbol('omitValue');

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueTypeInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueNotFound: 'Not found',
  InternalError: 'Internal error',
};

/** Whether a property name can be shown as `.name` in a path (otherwise it is shown as `[name]`). */
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Formats path segments as upstream `field.Path.String()` does: properties joined with `.`, array
 * indices as `[0]`. Map keys that are not plain identifiers (label keys such as
 * `app.kubernetes.io/name`) are shown in brackets, as upstream `Path.Key()` does.
 */
export function formatFieldPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${seg}]`;
  }
  return out;
}

/**
 * Renders a bad value the way `ErrorBody()` does: strings quoted, numbers and booleans plain,
 * everything else as JSON (`null`, `{"app":"web"}`).
 */
export function renderBadValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
      return 'null';
    default:
      try {
        return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
      } catch {
        return String(value);
      }
  }
}

function make(
  type: FieldErrorType,
  path: readonly PathSegment[],
  value: unknown,
  detail: string,
  expected?: string,
): FieldError {
  let body: string;
  let rendered: string | undefined;
  switch (type) {
    case 'FieldValueRequired':
    case 'FieldValueForbidden':
    case 'FieldValueTooLong':
    case 'InternalError':
      body = TYPE_TEXT[type];
      break;
    default:
      if (value === OMIT_VALUE) {
        body = TYPE_TEXT[type];
      } else {
        rendered = renderBadValue(value);
        body = `${TYPE_TEXT[type]}: ${rendered}`;
      }
  }
  if (detail !== '') body += `: ${detail}`;
  const err: FieldError = { type, field: formatFieldPath(path), path: [...path], detail, message: body };
  const withValue = rendered === undefined ? err : { ...err, value: rendered };
  return expected === undefined ? withValue : { ...withValue, expected };
}

/** Upstream `field.Required`: `Required value[: detail]`. */
export function requiredError(path: readonly PathSegment[], detail = '', expected?: string): FieldError {
  return make('FieldValueRequired', path, '', detail, expected);
}

/** Upstream `field.Invalid`: `Invalid value: <value>[: detail]`. */
export function invalidError(path: readonly PathSegment[], value: unknown, detail: string, expected?: string): FieldError {
  return make('FieldValueInvalid', path, value, detail, expected);
}

/** Upstream `field.TypeInvalid`: rendered like `Invalid value`, typed for blocking-error checks. */
export function typeInvalidError(path: readonly PathSegment[], value: unknown, detail: string, expected?: string): FieldError {
  return make('FieldValueTypeInvalid', path, value, detail, expected);
}

/** Upstream `field.NotSupported`: `Unsupported value: "Foo": supported values: "A", "B"`. */
export function notSupportedError(path: readonly PathSegment[], value: unknown, supported: readonly unknown[]): FieldError {
  const quoted = supported.map((v) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(renderBadValue(v))));
  const detail = quoted.length > 0 ? `supported values: ${quoted.join(', ')}` : '';
  return make('FieldValueNotSupported', path, value, detail, quoted.length > 0 ? `one of ${quoted.join(', ')}` : undefined);
}

/** Upstream `field.Forbidden`. */
export function forbiddenError(path: readonly PathSegment[], detail: string): FieldError {
  return make('FieldValueForbidden', path, '', detail);
}

/** Upstream `field.Duplicate`. */
export function duplicateError(path: readonly PathSegment[], value: unknown): FieldError {
  return make('FieldValueDuplicate', path, value, '');
}

/** Upstream `field.TooLong`: `Too long: may not be more than N bytes`. */
export function tooLongError(path: readonly PathSegment[], maxLength: number): FieldError {
  const unit = maxLength === 1 ? 'byte' : 'bytes';
  return make('FieldValueTooLong', path, '', `may not be more than ${maxLength} ${unit}`, `at most ${maxLength} ${unit}`);
}

/** Upstream `field.TooMany`: `Too many: 5: must have at most 4 items`. */
export function tooManyError(path: readonly PathSegment[], actual: number, max: number): FieldError {
  const unit = max === 1 ? 'item' : 'items';
  return make('FieldValueTooMany', path, actual, `must have at most ${max} ${unit}`, `at most ${max} ${unit}`);
}

/** Upstream `field.InternalError`. */
export function internalError(path: readonly PathSegment[], detail: string): FieldError {
  return make('InternalError', path, '', detail);
}

/**
 * A field the schema does not declare. Upstream does not report these as field errors: the API
 * server prunes them, and with kubectl's default strict field validation the request fails with
 * `strict decoding error: unknown field "spec.replica"` (or, with `Warn`, gets a warning).
 */
export interface UnknownField {
  /** Upstream path string: `spec.template.spec.containers[0].imagePullPolicyy`. */
  readonly field: string;
  readonly path: readonly PathSegment[];
}

/** An {@link UnknownField} at `path`. */
export function unknownField(path: readonly PathSegment[]): UnknownField {
  return { field: formatFieldPath(path), path: [...path] };
}

/** `unknown field "spec.replica"`: the warning (and strict error) text for one unknown field. */
export function unknownFieldMessage(u: UnknownField): string {
  return `unknown field ${JSON.stringify(u.field)}`;
}

/** The API server's strict-decoding rejection: `strict decoding error: unknown field "a", unknown field "b"`. */
export function strictDecodingMessage(unknown: readonly UnknownField[]): string {
  return `strict decoding error: ${unknown.map(unknownFieldMessage).join(', ')}`;
}

/** An error of the given type with a custom detail, for CEL rules that set `reason`. */
export function fieldErrorOfType(
  type: FieldErrorType,
  path: readonly PathSegment[],
  value: unknown,
  detail: string,
): FieldError {
  return make(type, path, value, detail);
}

/** Upstream `Error()`: `spec.replicas: Invalid value: ...` (just the body when the path is empty). */
export function fieldErrorString(err: FieldError): string {
  return err.field === '' ? err.message : `${err.field}: ${err.message}`;
}

/**
 * Upstream's "blocking" errors (apiextensions-apiserver `customresource/strategy.go`
 * `hasBlockingErr`): after one of these, CEL rules are not evaluated because the object does not have
 * the shape the rules were written for.
 */
export function isBlockingError(err: FieldError): boolean {
  switch (err.type) {
    case 'FieldValueNotSupported':
    case 'FieldValueRequired':
    case 'FieldValueTooLong':
    case 'FieldValueTooMany':
    case 'FieldValueTypeInvalid':
      return true;
    default:
      return false;
  }
}

/** Parses a JSON Pointer (`/spec/containers/0/name`) against data, so array indices become numbers. */
export function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^(0|[1-9][0-9]*)$/.test(key)) {
      const idx = Number(key);
      out.push(idx);
      cur = cur[idx];
    } else {
      out.push(key);
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

/** The value at a path, or `undefined`. */
export function valueAtPath(data: unknown, path: readonly PathSegment[]): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** The JSON type name of a value as kube-openapi names it (`string`, `integer`, `number`, `object`...). */
export function jsonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'bigint') return 'integer';
  return typeof value;
}
