/**
 * Label selectors, field selectors and the label/DNS name validation rules they depend on, with
 * Kubernetes v1.35 semantics.
 *
 * Mirrors apimachinery `pkg/labels/selector.go` (string syntax, `Requirement`, `Selector`,
 * `SelectorFromSet`), `pkg/apis/meta/v1/helpers.go` (`LabelSelectorAsSelector`,
 * `LabelSelectorAsMap`, `FormatLabelSelector`), `pkg/api/validate/content/{kube,dns,errors}.go`
 * (label key/value and DNS-1123 checks) and `pkg/fields/selector.go` (field selectors).
 *
 * Selectors are compiled once into small matcher objects: matching a label map never allocates, never
 * runs a regular expression and never re-parses a value, because these matchers sit in the
 * scheduler's per-node filter loops.
 */
import type { DeepReadonly, LabelSelector } from './types.js';
import { ConfigError } from '../errors.js';

// ---------------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------------

/** A label map as found in `metadata.labels`. */
export type Labels = Readonly<Record<string, string>>;

const EMPTY_LABELS: Labels = Object.freeze({});

/**
 * Compares two strings in Unicode code point order, which is the order Go's byte-wise string
 * comparison gives for UTF-8. Plain `<` compares UTF-16 code units and disagrees for characters
 * above U+FFFF; the canonical `toString()` forms must sort exactly as upstream does.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Lift surrogates above the rest of the BMP so that code unit order becomes code point order.
    if (x >= 0xd800) x += x <= 0xdfff ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y <= 0xdfff ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

/** Sorts a copy of `values` in code point order and drops duplicates (Go `sets.String.List()`). */
function sortedUnique(values: readonly string[]): string[] {
  const out = [...values].sort(compareCodePoints);
  let w = 0;
  for (let r = 0; r < out.length; r++) {
    if (w === 0 || out[r] !== out[w - 1]) out[w++] = out[r] as string;
  }
  out.length = w;
  return out;
}

/** Number of bytes of `s` in UTF-8: Go's `len(string)`, used by the length limits. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Go `%q` for the strings that appear in messages (printable text stays as it is). */
function goQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i] as string;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** Go `json.Marshal` of a string slice or string as the field errors print bad values. */
function goJson(value: readonly string[] | string | null | undefined): string {
  if (value === undefined || value === null) return 'null';
  // encoding/json escapes HTML-significant characters by default.
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Field paths as apimachinery `field.Path` prints them. The empty string stands for the nil path;
 * a child of the nil path is a root, an index of it prints as `[i]`.
 */
function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
function indexPath(path: string, index: number | string): string {
  return `${path}[${index}]`;
}

/**
 * One `field.Error` rendered as upstream's `Error()`: `path: Invalid value: "v": detail`. The nil
 * path prints as `<nil>` upstream; that prefix carries no information, so it is left out here.
 */
function fieldError(path: string, kind: 'Invalid value' | 'Unsupported value', badValue: string, detail: string): string {
  const body = `${kind}: ${badValue}${detail === '' ? '' : `: ${detail}`}`;
  return path === '' ? body : `${path}: ${body}`;
}

/**
 * Upstream `utilerrors.NewAggregate(...).Error()`: one message as is, several deduplicated and
 * bracketed as `[a, b]`.
 */
export function aggregateErrorMessage(errors: readonly string[]): string {
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const e of errors) {
    if (!seen.has(e)) {
      seen.add(e);
      unique.push(e);
    }
  }
  if (unique.length === 1) return unique[0] as string;
  return `[${unique.join(', ')}]`;
}

// ---------------------------------------------------------------------------------------------------
// Name and value validation (apimachinery pkg/api/validate/content)
// ---------------------------------------------------------------------------------------------------

const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_ERR =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/** Label keys' name part and label values are at most this many bytes. */
export const LABEL_VALUE_MAX_LENGTH = 63;
/** A DNS-1123 label is at most this many bytes. */
export const DNS1123_LABEL_MAX_LENGTH = 63;
/** A DNS-1123 subdomain is at most this many bytes. */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

function maxLenError(n: number): string {
  return `must be no more than ${n} bytes`;
}

function regexError(msg: string, re: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${re}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((ex, i) => {
    if (i > 0) out += ' or ';
    out += `'${ex}', `;
  });
  return `${out}regex used for validation is '${re}')`;
}

function isAsciiAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
function isLowerAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a);
}

/** `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, anchored, without a regex. */
function matchesLabelKeyFmt(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  if (!isAsciiAlnum(s.charCodeAt(0)) || !isAsciiAlnum(s.charCodeAt(n - 1))) return false;
  for (let i = 1; i < n - 1; i++) {
    const c = s.charCodeAt(i);
    if (!isAsciiAlnum(c) && c !== 0x2d && c !== 0x5f && c !== 0x2e) return false;
  }
  return true;
}

/** `[a-z0-9]([-a-z0-9]*[a-z0-9])?` over `s[from, to)`, anchored. */
function matchesDns1123LabelFmt(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  if (!isLowerAlnum(s.charCodeAt(from)) || !isLowerAlnum(s.charCodeAt(to - 1))) return false;
  for (let i = from + 1; i < to - 1; i++) {
    const c = s.charCodeAt(i);
    if (!isLowerAlnum(c) && c !== 0x2d) return false;
  }
  return true;
}

/** DNS-1123 subdomain format: dot-separated DNS-1123 labels. */
function matchesDns1123SubdomainFmt(s: string): boolean {
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    if (i === s.length || s.charCodeAt(i) === 0x2e) {
      if (!matchesDns1123LabelFmt(s, start, i)) return false;
      start = i + 1;
    }
  }
  return true;
}

/**
 * Whether `value` is a DNS-1123 label (RFC 1123 lowercase label, at most 63 bytes).
 * Returns the list of problems in upstream's wording; empty when valid.
 * Mirrors apimachinery `pkg/api/validate/content/dns.go` `IsDNS1123Label`.
 */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!matchesDns1123LabelFmt(value, 0, value.length)) {
    // A valid subdomain that is not a valid label can only be failing because of its dots.
    if (matchesDns1123SubdomainFmt(value)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

/**
 * Whether `value` is a DNS-1123 subdomain (lowercase, dot-separated labels, at most 253 bytes).
 * Returns the list of problems in upstream's wording; empty when valid.
 * Mirrors apimachinery `pkg/api/validate/content/dns.go` `IsDNS1123Subdomain`.
 */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!matchesDns1123SubdomainFmt(value)) {
    errs.push(regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  }
  return errs;
}

/**
 * Whether `value` is a qualified name, i.e. a valid label key: an optional DNS-1123 subdomain
 * prefix and `/`, then a name of at most 63 bytes of `[-A-Za-z0-9_.]` that starts and ends with an
 * alphanumeric character. Returns the list of problems in upstream's wording; empty when valid.
 * Mirrors apimachinery `pkg/api/validate/content/kube.go` `IsLabelKey` (alias `IsQualifiedName`).
 */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] as string;
  } else if (parts.length === 2) {
    const prefix = parts[0] as string;
    name = parts[1] as string;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (utf8Length(name) > LABEL_VALUE_MAX_LENGTH) errs.push(`name part ${maxLenError(LABEL_VALUE_MAX_LENGTH)}`);
  if (!matchesLabelKeyFmt(name)) {
    errs.push(`name part ${regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

/**
 * Whether `value` is a valid label value: empty, or at most 63 bytes of `[-A-Za-z0-9_.]` starting
 * and ending with an alphanumeric character. Returns the list of problems in upstream's wording;
 * empty when valid. Mirrors apimachinery `pkg/api/validate/content/kube.go` `IsLabelValue`
 * (alias `validation.IsValidLabelValue`).
 */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (value.length !== 0 && !matchesLabelKeyFmt(value)) {
    errs.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------------
// Integers as Go's strconv.ParseInt(s, 10, 64) reads them
// ---------------------------------------------------------------------------------------------------

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Parses `s` as `strconv.ParseInt(s, 10, 64)` does: an optional `+`/`-`, then one or more ASCII
 * digits (leading zeros allowed), within the int64 range. Returns a `number` when the value is
 * exactly representable (so the common case does no BigInt work), a `bigint` otherwise, and
 * `undefined` for anything ParseInt rejects.
 */
export function parseGoInt64(s: string): number | bigint | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  let i = 0;
  let negative = false;
  const first = s.charCodeAt(0);
  if (first === 0x2b || first === 0x2d) {
    negative = first === 0x2d;
    i = 1;
    if (n === 1) return undefined;
  }
  // Skip leading zeros so that the length check below counts significant digits only.
  while (i < n - 1 && s.charCodeAt(i) === 0x30) i++;
  const digits = n - i;
  if (digits <= 15) {
    let v = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i) - 0x30;
      if (c < 0 || c > 9) return undefined;
      v = v * 10 + c;
    }
    return negative ? -v : v;
  }
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  if (digits > 19) return undefined;
  let big = BigInt(s.slice(i));
  if (negative) big = -big;
  if (big < INT64_MIN || big > INT64_MAX) return undefined;
  return big;
}

/** Three-way comparison of two parsed int64 values, mixing number and bigint exactly. */
function compareInt64(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = typeof a === 'bigint' ? a : BigInt(a);
  const y = typeof b === 'bigint' ? b : BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------

/**
 * An invalid label selector (string syntax, requirement validation, `LabelSelector` conversion) or
 * field selector. It is a `ConfigError`: selectors come from user input (manifests, configuration,
 * command lines). `reason` is upstream's error text; `position` is the 0-based offset in the
 * selector string of the offending token, when the error comes from the string parser.
 */
export class SelectorParseError extends ConfigError {
  constructor(
    /** Which grammar failed. */
    readonly selectorKind: 'label' | 'field' | 'LabelSelector',
    /** The input, rendered as a string (a `LabelSelector` is shown as JSON). */
    readonly selector: string,
    /** Upstream's error text. */
    readonly reason: string,
    /** Offset of the offending token in `selector` (string syntax only). */
    readonly position?: number,
  ) {
    const what =
      selectorKind === 'label' ? 'label selector' : selectorKind === 'field' ? 'field selector' : 'LabelSelector';
    super(
      `invalid ${what} ${JSON.stringify(selector)}: ${reason}` +
        (position === undefined ? '' : ` (at position ${position})`),
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Requirements
// ---------------------------------------------------------------------------------------------------

/**
 * A requirement operator, spelled as upstream `selection.Operator`: `in`, `notin`, `=`, `==`, `!=`,
 * `exists`, `!` (does not exist), `gt`, `lt`.
 */
export type SelectionOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

const VALID_OPERATORS: readonly SelectionOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt', 'exists', '!'];

/**
 * One label requirement (`key op values`). Mirrors apimachinery `labels.Requirement`.
 * - `in`, `=`, `==`: the key is present and its value is one of `values`.
 * - `notin`, `!=`: the key is absent, or its value is not one of `values`.
 * - `exists` / `!`: the key is present / absent.
 * - `gt` / `lt`: the key is present, its value parses as a base-10 int64, and it is greater / less
 *   than the single operand; a non-integer label value never matches.
 */
export interface Requirement {
  readonly key: string;
  readonly operator: SelectionOperator;
  /** The values as given (the string parser sorts and deduplicates them, as upstream does). */
  readonly values: readonly string[];
  /** Whether `labels` satisfy this requirement (`undefined`/`null` is the empty label map). */
  matches(labels: Labels | null | undefined): boolean;
  /** Upstream `Requirement.String()`: `k=v`, `k in (a,b)`, `!k`, `k>5`, values sorted when several. */
  toString(): string;
}

const OP_IN = 0;
const OP_NOT_IN = 1;
const OP_EXISTS = 2;
const OP_NOT_EXISTS = 3;
const OP_GT = 4;
const OP_LT = 5;

/** Above this many values a `Set` lookup beats a linear scan. */
const SET_THRESHOLD = 6;

class LabelRequirement implements Requirement {
  readonly key: string;
  readonly operator: SelectionOperator;
  readonly values: readonly string[];
  /** Matching strategy, precomputed so that `matches` is a single switch with no allocation. */
  private readonly code: number;
  private readonly single: string | undefined;
  private readonly set: ReadonlySet<string> | undefined;
  private readonly bound: number | bigint | undefined;

  constructor(key: string, operator: SelectionOperator, values: readonly string[]) {
    this.key = key;
    this.operator = operator;
    this.values = Object.freeze([...values]);
    let code: number;
    switch (operator) {
      case 'in':
      case '=':
      case '==':
        code = OP_IN;
        break;
      case 'notin':
      case '!=':
        code = OP_NOT_IN;
        break;
      case 'exists':
        code = OP_EXISTS;
        break;
      case '!':
        code = OP_NOT_EXISTS;
        break;
      case 'gt':
        code = OP_GT;
        break;
      case 'lt':
        code = OP_LT;
        break;
    }
    this.code = code;
    this.single = values.length === 1 ? values[0] : undefined;
    this.set = values.length > SET_THRESHOLD ? new Set(values) : undefined;
    // Upstream requires exactly one integer operand for gt/lt; anything else never matches.
    this.bound = (code === OP_GT || code === OP_LT) && values.length === 1 ? parseGoInt64(values[0] as string) : undefined;
  }

  private hasValue(v: string): boolean {
    if (this.single !== undefined) return v === this.single;
    if (this.set !== undefined) return this.set.has(v);
    const vs = this.values;
    for (let i = 0; i < vs.length; i++) if (vs[i] === v) return true;
    return false;
  }

  matches(labels: Labels | null | undefined): boolean {
    // A label is present only as an own string value; inherited members such as `constructor` are
    // not labels even though `labels['constructor']` is defined.
    const raw = labels === undefined || labels === null ? undefined : (labels[this.key] as unknown);
    const v = typeof raw === 'string' ? raw : undefined;
    switch (this.code) {
      case OP_IN:
        return v !== undefined && this.hasValue(v);
      case OP_NOT_IN:
        return v === undefined || !this.hasValue(v);
      case OP_EXISTS:
        return v !== undefined;
      case OP_NOT_EXISTS:
        return v === undefined;
      default: {
        if (v === undefined || this.bound === undefined) return false;
        const n = parseGoInt64(v);
        if (n === undefined) return false;
        const c = compareInt64(n, this.bound);
        return this.code === OP_GT ? c > 0 : c < 0;
      }
    }
  }

  toString(): string {
    const op = this.operator;
    let out = op === '!' ? `!${this.key}` : this.key;
    switch (op) {
      case 'exists':
      case '!':
        return out;
      case 'in':
        out += ' in (';
        break;
      case 'notin':
        out += ' notin (';
        break;
      case 'gt':
        out += '>';
        break;
      case 'lt':
        out += '<';
        break;
      default:
        out += op;
    }
    out += this.values.length === 1 ? (this.values[0] as string) : [...this.values].sort(compareCodePoints).join(',');
    if (op === 'in' || op === 'notin') out += ')';
    return out;
  }
}

/**
 * Validates a requirement as upstream `NewRequirement` does and returns the field errors, in order
 * (key, operator/value count, then each value). `path` prefixes the field paths (`''` is the nil
 * path, giving `key`, `values`, `values[0][key]`).
 */
function validateRequirement(
  key: string,
  operator: string,
  values: readonly string[] | null | undefined,
  path: string,
): string[] {
  const errs: string[] = [];
  const vals = values ?? [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) {
    errs.push(fieldError(childPath(path, 'key'), 'Invalid value', goQuote(key), keyErrs.join('; ')));
  }
  const valuesPath = childPath(path, 'values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (vals.length === 0) {
        errs.push(
          fieldError(valuesPath, 'Invalid value', goJson(values), "for 'in', 'notin' operators, values set can't be empty"),
        );
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) {
        errs.push(fieldError(valuesPath, 'Invalid value', goJson(values), 'exact-match compatibility requires one single value'));
      }
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) {
        errs.push(
          fieldError(valuesPath, 'Invalid value', goJson(values), 'values set must be empty for exists and does not exist'),
        );
      }
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) {
        errs.push(
          fieldError(valuesPath, 'Invalid value', goJson(values), "for 'Gt', 'Lt' operators, exactly one value is required"),
        );
      }
      vals.forEach((v, i) => {
        if (parseGoInt64(v) === undefined) {
          errs.push(
            fieldError(indexPath(valuesPath, i), 'Invalid value', goQuote(v), "for 'Gt', 'Lt' operators, the value must be an integer"),
          );
        }
      });
      break;
    default:
      errs.push(
        fieldError(
          childPath(path, 'operator'),
          'Unsupported value',
          goJson(operator),
          `supported values: ${VALID_OPERATORS.map((o) => goQuote(o)).join(', ')}`,
        ),
      );
  }
  vals.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length > 0) {
      errs.push(fieldError(indexPath(indexPath(valuesPath, i), key), 'Invalid value', goQuote(v), valueErrs.join('; ')));
    }
  });
  return errs;
}

/** Outcome of building a requirement without throwing. */
export type RequirementResult =
  | { readonly ok: true; readonly requirement: Requirement }
  | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Builds and validates a requirement as upstream `labels.NewRequirement`: the key must be a
 * qualified name; `in`/`notin` need at least one value, `=`/`==`/`!=` exactly one,
 * `exists`/`!` none, `gt`/`lt` exactly one base-10 int64; every value must be a valid label value
 * (the empty string is valid). Field errors are returned in upstream's wording, with `path` (default:
 * the nil path) as their prefix.
 */
export function tryNewRequirement(
  key: string,
  operator: string,
  values: readonly string[] | null | undefined,
  path = '',
): RequirementResult {
  const errors = validateRequirement(key, operator, values, path);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, requirement: new LabelRequirement(key, operator as SelectionOperator, values ?? []) };
}

/**
 * Like {@link tryNewRequirement} but throws a {@link SelectorParseError} whose reason is the
 * aggregated upstream error text. Mirrors apimachinery `labels.NewRequirement`.
 */
export function newRequirement(key: string, operator: string, values: readonly string[] | null | undefined): Requirement {
  const r = tryNewRequirement(key, operator, values);
  if (!r.ok) {
    throw new SelectorParseError('label', `${key} ${operator} ${goJson(values)}`, aggregateErrorMessage(r.errors));
  }
  return r.requirement;
}

// ---------------------------------------------------------------------------------------------------
// Selectors
// ---------------------------------------------------------------------------------------------------

/**
 * A compiled label selector: an AND of requirements, sorted by key. Mirrors apimachinery
 * `labels.Selector`.
 */
export interface Selector {
  /** Whether every requirement matches `labels` (`undefined`/`null` is the empty label map). */
  matches(labels: Labels | null | undefined): boolean;
  /**
   * Upstream `String()`: the requirements' strings joined by `,` in key order, e.g.
   * `a=b,c in (x,y),!h`. `everything()` and `nothing()` both print `''`.
   */
  toString(): string;
  /** Upstream `Empty()`: true when the selector does not restrict anything (`everything()`). */
  isEmpty(): boolean;
  /** The requirements, sorted by key (empty for `nothing()`, see {@link matchesNothing}). */
  requirements(): readonly Requirement[];
  /** A new selector with `reqs` added, re-sorted by key (upstream `Add`; `nothing()` stays nothing). */
  add(...reqs: Requirement[]): Selector;
  /**
   * Upstream `RequiresExactMatch`: the value the first requirement on `label` pins it to (only for
   * `=`, `==` and single-value `in`), or `undefined`.
   */
  requiresExactMatch(label: string): string | undefined;
}

/** Stable sort by key (code point order); input order breaks ties, so the order is total. */
function sortByKey(reqs: Requirement[]): Requirement[] {
  const indexed = reqs.map((r, i) => ({ r, i }));
  indexed.sort((a, b) => compareCodePoints(a.r.key, b.r.key) || a.i - b.i);
  return indexed.map((x) => x.r);
}

class RequirementsSelector implements Selector {
  private readonly reqs: readonly Requirement[];
  /** `toString()`, computed on first use (selectors are immutable; their text keys caches). */
  private text: string | undefined = undefined;

  constructor(sortedReqs: readonly Requirement[]) {
    this.reqs = Object.freeze([...sortedReqs]);
  }

  matches(labels: Labels | null | undefined): boolean {
    const ls = labels ?? EMPTY_LABELS;
    const reqs = this.reqs;
    for (let i = 0; i < reqs.length; i++) {
      if (!(reqs[i] as Requirement).matches(ls)) return false;
    }
    return true;
  }

  toString(): string {
    return (this.text ??= this.reqs.map((r) => r.toString()).join(','));
  }

  isEmpty(): boolean {
    return this.reqs.length === 0;
  }

  requirements(): readonly Requirement[] {
    return this.reqs;
  }

  add(...reqs: Requirement[]): Selector {
    return new RequirementsSelector(sortByKey([...this.reqs, ...reqs]));
  }

  requiresExactMatch(label: string): string | undefined {
    for (const r of this.reqs) {
      if (r.key !== label) continue;
      return exactMatchValue(r);
    }
    return undefined;
  }
}

class NothingSelector implements Selector {
  matches(): boolean {
    return false;
  }
  toString(): string {
    return '';
  }
  isEmpty(): boolean {
    return false;
  }
  requirements(): readonly Requirement[] {
    return [];
  }
  add(): Selector {
    return this;
  }
  requiresExactMatch(): string | undefined {
    return undefined;
  }
}

const EVERYTHING: Selector = new RequirementsSelector([]);
const NOTHING: Selector = new NothingSelector();

/** The selector that matches every label map (upstream `labels.Everything()`); `isEmpty()` is true. */
export function everything(): Selector {
  return EVERYTHING;
}

/**
 * The selector that matches nothing (upstream `labels.Nothing()`): `toString()` is `''` and
 * `isEmpty()` is false.
 */
export function nothing(): Selector {
  return NOTHING;
}

/** Upstream `labels.MatchesNothing`: true only for {@link nothing}. */
export function matchesNothing(selector: Selector): boolean {
  return selector === NOTHING;
}

/**
 * The one value a requirement pins its key to (`=`, `==`, or `in` with a single value), or
 * `undefined`: a pod it selects carries exactly that label.
 */
export function exactMatchValue(r: Requirement): string | undefined {
  const op = r.operator;
  return (op === '=' || op === '==' || op === 'in') && r.values.length === 1 ? r.values[0] : undefined;
}

/**
 * Whether two label maps hold the same keys and values; a missing map equals an empty one, as in
 * apimachinery's semantic equality.
 */
export function sameLabelMaps(a: Labels | null | undefined, b: Labels | null | undefined): boolean {
  if (a === b) return true;
  const la = a ?? EMPTY_LABELS;
  const lb = b ?? EMPTY_LABELS;
  let n = 0;
  for (const k in la) {
    if (la[k] !== lb[k]) return false;
    n++;
  }
  for (const _ in lb) n--;
  return n === 0;
}

/**
 * A selector requiring every `key=value` of `set` (upstream `labels.SelectorFromSet`). Like upstream
 * it does not validate keys or values; `undefined`, `null` and `{}` give {@link everything}.
 */
export function selectorFromSet(set: Labels | null | undefined): Selector {
  if (set === undefined || set === null) return EVERYTHING;
  const keys = Object.keys(set);
  if (keys.length === 0) return EVERYTHING;
  keys.sort(compareCodePoints);
  return new RequirementsSelector(keys.map((k) => new LabelRequirement(k, '=', [set[k] as string])));
}

/**
 * A selector from explicit requirements (upstream `NewSelector().Add(reqs...)`), sorted by key with
 * ties kept in the given order.
 */
export function selectorFromRequirements(reqs: readonly Requirement[]): Selector {
  return new RequirementsSelector(sortByKey([...reqs]));
}

/** Outcome of a conversion that reports errors as values. */
export type SelectorResult =
  | { readonly ok: true; readonly selector: Selector }
  | { readonly ok: false; readonly error: string };

/**
 * Converts a `metav1.LabelSelector` like upstream `LabelSelectorAsSelector`, reporting the first
 * error as a value instead of throwing.
 * - `undefined`/`null` ⇒ {@link nothing}; `{}` (no matchLabels, no matchExpressions) ⇒
 *   {@link everything}.
 * - `matchLabels` become `=` requirements, `matchExpressions` accept only `In`, `NotIn`, `Exists`,
 *   `DoesNotExist` (`"X" is not a valid pod selector operator` otherwise); all are validated.
 */
export function tryLabelSelectorAsSelector(ls: DeepReadonly<LabelSelector> | null | undefined): SelectorResult {
  if (ls === undefined || ls === null) return { ok: true, selector: NOTHING };
  // Objects from the store and informer caches are deeply frozen and converted again and again
  // (controllers, scheduler plugins): their results are kept. Anything that could still change is
  // converted each time.
  if (!isFrozenSelector(ls)) return convertLabelSelector(ls);
  let result = converted.get(ls);
  if (result === undefined) {
    result = convertLabelSelector(ls);
    converted.set(ls, result);
  }
  return result;
}

/** Conversions of frozen label selectors, by object. */
const converted = new WeakMap<DeepReadonly<LabelSelector>, SelectorResult>();

/** Whether nothing in `ls` that the conversion reads can change. */
function isFrozenSelector(ls: DeepReadonly<LabelSelector>): boolean {
  if (!Object.isFrozen(ls)) return false;
  if (ls.matchLabels !== undefined && ls.matchLabels !== null && !Object.isFrozen(ls.matchLabels)) return false;
  const exprs = ls.matchExpressions;
  if (exprs === undefined || exprs === null) return true;
  if (!Object.isFrozen(exprs)) return false;
  for (const e of exprs) if (!Object.isFrozen(e) || (e.values !== undefined && e.values !== null && !Object.isFrozen(e.values))) return false;
  return true;
}

function convertLabelSelector(ls: DeepReadonly<LabelSelector>): SelectorResult {
  const matchLabels = ls.matchLabels ?? {};
  const exprs = ls.matchExpressions ?? [];
  const labelKeys = Object.keys(matchLabels);
  if (labelKeys.length + exprs.length === 0) return { ok: true, selector: EVERYTHING };
  // Upstream iterates a Go map (random order) and stops at the first error; sorted keys make the
  // reported error deterministic.
  labelKeys.sort(compareCodePoints);
  const reqs: Requirement[] = [];
  for (const k of labelKeys) {
    const r = tryNewRequirement(k, '=', [matchLabels[k] as string]);
    if (!r.ok) return { ok: false, error: aggregateErrorMessage(r.errors) };
    reqs.push(r.requirement);
  }
  for (const expr of exprs) {
    let op: SelectionOperator;
    switch (expr.operator) {
      case 'In':
        op = 'in';
        break;
      case 'NotIn':
        op = 'notin';
        break;
      case 'Exists':
        op = 'exists';
        break;
      case 'DoesNotExist':
        op = '!';
        break;
      default:
        return { ok: false, error: `${goQuote(String(expr.operator))} is not a valid pod selector operator` };
    }
    // Upstream copies the values with append([]string(nil), ...), so an empty list prints as null.
    const values = expr.values !== undefined && expr.values.length > 0 ? expr.values : null;
    const r = tryNewRequirement(expr.key, op, values);
    if (!r.ok) return { ok: false, error: aggregateErrorMessage(r.errors) };
    reqs.push(r.requirement);
  }
  return { ok: true, selector: new RequirementsSelector(sortByKey(reqs)) };
}

/**
 * Converts a `metav1.LabelSelector` into a {@link Selector}. Mirrors apimachinery
 * `pkg/apis/meta/v1/helpers.go` `LabelSelectorAsSelector`: `undefined`/`null` ⇒ matches nothing,
 * `{}` ⇒ matches everything, `matchLabels` ANDed with `matchExpressions` (operators In, NotIn,
 * Exists, DoesNotExist only). Throws {@link SelectorParseError} on an invalid selector.
 */
export function labelSelectorAsSelector(ls: DeepReadonly<LabelSelector> | null | undefined): Selector {
  const r = tryLabelSelectorAsSelector(ls);
  if (!r.ok) throw new SelectorParseError('LabelSelector', JSON.stringify(ls), r.error);
  return r.selector;
}

/**
 * Converts a `metav1.LabelSelector` to a plain label map. Mirrors upstream `LabelSelectorAsMap`:
 * `undefined`/`null` ⇒ `undefined`; `In` with exactly one value becomes `key: value`; any other
 * expression throws {@link SelectorParseError} with upstream's message.
 */
export function labelSelectorAsMap(ls: DeepReadonly<LabelSelector> | null | undefined): Record<string, string> | undefined {
  if (ls === undefined || ls === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) out[k] = v;
  for (const expr of ls.matchExpressions ?? []) {
    const op = String(expr.operator);
    let reason: string | undefined;
    if (op === 'In') {
      if (expr.values?.length === 1) out[expr.key] = expr.values[0] as string;
      else reason = `operator ${goQuote(op)} without a single value cannot be converted into the old label selector format`;
    } else if (op === 'NotIn' || op === 'Exists' || op === 'DoesNotExist') {
      reason = `operator ${goQuote(op)} cannot be converted into the old label selector format`;
    } else {
      reason = `${goQuote(op)} is not a valid selector operator`;
    }
    if (reason !== undefined) throw new SelectorParseError('LabelSelector', JSON.stringify(ls), reason);
  }
  return out;
}

/**
 * Upstream `FormatLabelSelector`: the selector's string form, `<none>` when that is empty (both
 * `{}` and `null`), `<error>` when the selector is invalid.
 */
export function formatLabelSelector(ls: DeepReadonly<LabelSelector> | null | undefined): string {
  const r = tryLabelSelectorAsSelector(ls);
  if (!r.ok) return '<error>';
  const s = r.selector.toString();
  return s === '' ? '<none>' : s;
}

// ---------------------------------------------------------------------------------------------------
// The label selector string syntax (upstream Lexer/Parser)
// ---------------------------------------------------------------------------------------------------

/** Token kinds of upstream's lexer. */
type Tok =
  | 'error'
  | 'end'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

const STRING_TO_TOKEN: ReadonlyMap<string, Tok> = new Map<string, Tok>([
  [')', 'closedPar'],
  [',', 'comma'],
  ['!', 'doesNotExist'],
  ['==', 'doubleEquals'],
  ['=', 'equals'],
  ['>', 'greaterThan'],
  ['in', 'in'],
  ['<', 'lessThan'],
  ['!=', 'notEquals'],
  ['notin', 'notIn'],
  ['(', 'openPar'],
]);

/** Upstream lists the binary operators in this order in its "expected:" message. */
const BINARY_OPERATORS_TEXT = 'in, notin, =, ==, !=, gt, lt';

interface Item {
  readonly tok: Tok;
  readonly lit: string;
  /** Offset of the token's first character. */
  readonly pos: number;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

function isSpecialSymbol(c: number): boolean {
  // = ! ( ) , > <
  return c === 0x3d || c === 0x21 || c === 0x28 || c === 0x29 || c === 0x2c || c === 0x3e || c === 0x3c;
}

/**
 * Splits the selector into tokens like upstream's `Lexer`. A NUL character reads as the end of the
 * input, as upstream's `read()` returns 0 for both: it ends the current token, and ends the token
 * list when it is the first non-blank character.
 */
function lex(s: string): Item[] {
  let pos = 0;
  const read = (): number => (pos < s.length ? s.charCodeAt(pos++) : 0);
  const items: Item[] = [];
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === 0) {
      items.push({ tok: 'end', lit: '', pos });
      return items;
    }
    pos--;
    const start = pos;
    if (isSpecialSymbol(ch)) {
      // Longest run of special symbols that still spells a token.
      let buf = '';
      let last: { tok: Tok; lit: string } | undefined;
      for (;;) {
        const c = read();
        if (c === 0) break;
        if (!isSpecialSymbol(c)) {
          pos--;
          break;
        }
        buf += String.fromCharCode(c);
        const t = STRING_TO_TOKEN.get(buf);
        if (t !== undefined) last = { tok: t, lit: buf };
        else if (last !== undefined) {
          pos--;
          break;
        }
      }
      items.push(
        last === undefined
          ? { tok: 'error', lit: `error expected: keyword found '${buf}'`, pos: start }
          : { tok: last.tok, lit: last.lit, pos: start },
      );
    } else {
      for (;;) {
        const c = read();
        if (c === 0) break;
        if (isSpecialSymbol(c) || isWhitespace(c)) {
          pos--;
          break;
        }
      }
      let end = pos;
      // A NUL was consumed without being part of the identifier.
      if (end > start && s.charCodeAt(end - 1) === 0) end--;
      const lit = s.slice(start, end);
      items.push({ tok: STRING_TO_TOKEN.get(lit) ?? 'identifier', lit, pos: start });
    }
  }
}

class ParseFailure {
  constructor(
    readonly reason: string,
    readonly pos: number,
  ) {}
}

/** Upstream `Parser` over the scanned items; `Values` context reads `in`/`notin` as identifiers. */
class SelectorParser {
  private p = 0;
  constructor(private readonly items: readonly Item[]) {}

  private item(): Item {
    return this.items[Math.min(this.p, this.items.length - 1)] as Item;
  }

  private lookahead(values: boolean): Item {
    const it = this.item();
    if (values && (it.tok === 'in' || it.tok === 'notIn')) return { ...it, tok: 'identifier' };
    return it;
  }

  private consume(values: boolean): Item {
    const it = this.lookahead(values);
    this.p++;
    return it;
  }

  parse(): Requirement[] | ParseFailure {
    const reqs: Requirement[] = [];
    for (;;) {
      const la = this.lookahead(true);
      switch (la.tok) {
        case 'identifier':
        case 'doesNotExist': {
          const r = this.parseRequirement();
          if (r instanceof ParseFailure) return new ParseFailure(`unable to parse requirement: ${r.reason}`, r.pos);
          reqs.push(r);
          const t = this.consume(true);
          if (t.tok === 'end') return reqs;
          if (t.tok === 'comma') {
            const t2 = this.lookahead(true);
            if (t2.tok !== 'identifier' && t2.tok !== 'doesNotExist') {
              return new ParseFailure(`found '${t2.lit}', expected: identifier after ','`, t2.pos);
            }
            break;
          }
          return new ParseFailure(`found '${t.lit}', expected: ',' or 'end of string'`, t.pos);
        }
        case 'end':
          return reqs;
        default:
          return new ParseFailure(`found '${la.lit}', expected: !, identifier, or 'end of string'`, la.pos);
      }
    }
  }

  private parseRequirement(): Requirement | ParseFailure {
    const start = this.item().pos;
    let notExists = false;
    let t = this.consume(true);
    if (t.tok === 'doesNotExist') {
      notExists = true;
      t = this.consume(true);
    }
    if (t.tok !== 'identifier') return new ParseFailure(`found '${t.lit}', expected: identifier`, t.pos);
    const key = t.lit;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) return new ParseFailure(fieldError('', 'Invalid value', goQuote(key), keyErrs.join('; ')), t.pos);
    const next = this.lookahead(true).tok;
    let op: SelectionOperator | undefined;
    if (notExists) op = '!';
    else if (next === 'end' || next === 'comma') op = 'exists';
    if (op !== undefined) return this.build(key, op, [], start);

    const opItem = this.consume(false);
    switch (opItem.tok) {
      case 'in':
        op = 'in';
        break;
      case 'equals':
        op = '=';
        break;
      case 'doubleEquals':
        op = '==';
        break;
      case 'greaterThan':
        op = 'gt';
        break;
      case 'lessThan':
        op = 'lt';
        break;
      case 'notIn':
        op = 'notin';
        break;
      case 'notEquals':
        op = '!=';
        break;
      default:
        return new ParseFailure(`found '${opItem.lit}', expected: ${BINARY_OPERATORS_TEXT}`, opItem.pos);
    }
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    if (values instanceof ParseFailure) return values;
    return this.build(key, op, sortedUnique(values), start);
  }

  private build(key: string, op: SelectionOperator, values: string[], start: number): Requirement | ParseFailure {
    const r = tryNewRequirement(key, op, values);
    return r.ok ? r.requirement : new ParseFailure(aggregateErrorMessage(r.errors), start);
  }

  private parseValues(): string[] | ParseFailure {
    const open = this.consume(true);
    if (open.tok !== 'openPar') return new ParseFailure(`found '${open.lit}' expected: '('`, open.pos);
    const la = this.lookahead(true);
    switch (la.tok) {
      case 'identifier':
      case 'comma': {
        const s = this.parseIdentifiersList();
        if (s instanceof ParseFailure) return s;
        const close = this.consume(true);
        // Upstream reports the literal seen before the list here; the list only returns on ')'.
        if (close.tok !== 'closedPar') return new ParseFailure(`found '${la.lit}', expected: ')'`, close.pos);
        return s;
      }
      case 'closedPar':
        this.consume(true);
        return [''];
      default:
        return new ParseFailure(`found '${la.lit}', expected: ',', ')' or identifier`, la.pos);
    }
  }

  private parseIdentifiersList(): string[] | ParseFailure {
    const s: string[] = [];
    for (;;) {
      const t = this.consume(true);
      switch (t.tok) {
        case 'identifier': {
          s.push(t.lit);
          const t2 = this.lookahead(true);
          if (t2.tok === 'comma') continue;
          if (t2.tok === 'closedPar') return s;
          return new ParseFailure(`found '${t2.lit}', expected: ',' or ')'`, t2.pos);
        }
        case 'comma': {
          // A comma with nothing before or after it contributes the empty value.
          if (s.length === 0) s.push('');
          const t2 = this.lookahead(true);
          if (t2.tok === 'closedPar') {
            s.push('');
            return s;
          }
          if (t2.tok === 'comma') s.push('');
          continue;
        }
        default:
          return new ParseFailure(`found '${t.lit}', expected: ',', or identifier`, t.pos);
      }
    }
  }

  private parseExactValue(): string[] | ParseFailure {
    const la = this.lookahead(true);
    if (la.tok === 'end' || la.tok === 'comma') return [''];
    const t = this.consume(true);
    if (t.tok === 'identifier') return [t.lit];
    return new ParseFailure(`found '${t.lit}', expected: identifier`, t.pos);
  }
}

/** Outcome of parsing without throwing. */
export type ParseSelectorResult =
  | { readonly ok: true; readonly selector: Selector }
  | { readonly ok: false; readonly error: SelectorParseError };

/** Like {@link parseSelector} but returns the error as a value. */
export function tryParseSelector(s: string): ParseSelectorResult {
  const r = new SelectorParser(lex(s)).parse();
  if (r instanceof ParseFailure) return { ok: false, error: new SelectorParseError('label', s, r.reason, r.pos) };
  return { ok: true, selector: r.length === 0 ? EVERYTHING : new RequirementsSelector(sortByKey(r)) };
}

/**
 * Parses the label selector string syntax. Mirrors apimachinery `labels.Parse`:
 * comma-separated (ANDed) requirements `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`,
 * `!k`, `k>N`, `k<N`; `k=` and `k in ()` mean the empty value; blanks (space, tab, CR, LF) around
 * tokens are ignored; `in`/`notin` values are sorted and deduplicated; requirements are sorted by
 * key. The empty string gives a selector that matches everything. Throws {@link SelectorParseError}
 * (upstream's message plus the offending position) on invalid input.
 */
export function parseSelector(s: string): Selector {
  const r = tryParseSelector(s);
  if (!r.ok) throw r.error;
  return r.selector;
}

// ---------------------------------------------------------------------------------------------------
// Field selectors (apimachinery pkg/fields/selector.go)
// ---------------------------------------------------------------------------------------------------

/** Reads a field (`metadata.name`, `status.phase`, ...) of some object; `undefined` if it has none. */
export type FieldGetter = (path: string) => string | undefined;

/** One field requirement: `field=value` (`=` and `==` alike) or `field!=value`. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

/**
 * A compiled field selector (an AND of field requirements). A field the object does not have reads
 * as the empty string, as upstream's `fields.Set.Get` does. Mirrors apimachinery `fields.Selector`.
 */
export interface FieldSelector {
  /** Whether the object read through `get` satisfies every requirement. */
  matches(get: FieldGetter): boolean;
  /** Whether a flat field map (`{'metadata.name': 'x'}`) satisfies every requirement. */
  matchesFields(fields: Readonly<Record<string, string>>): boolean;
  /** Upstream `String()`: terms joined by `,`, values escaped (`\\`, `\,`, `\=`). */
  toString(): string;
  /** True when the selector has no requirement. */
  isEmpty(): boolean;
  requirements(): readonly FieldRequirement[];
  /** The value an `=` requirement on `field` pins it to, or `undefined`. */
  requiresExactMatch(field: string): string | undefined;
}

/** Upstream `fields.EscapeValue`: escapes `\`, `,` and `=` with a backslash. */
export function escapeFieldValue(s: string): string {
  let out = '';
  for (const ch of s) out += ch === '\\' || ch === ',' || ch === '=' ? `\\${ch}` : ch;
  return out;
}

function unescapeFieldValue(s: string): string | { readonly error: string } {
  if (!s.includes('\\') && !s.includes(',') && !s.includes('=')) return s;
  let out = '';
  let inSlash = false;
  for (const ch of s) {
    if (inSlash) {
      if (ch === '\\' || ch === ',' || ch === '=') out += ch;
      else return { error: `invalid field selector: invalid escape sequence: \\${ch}` };
      inSlash = false;
      continue;
    }
    if (ch === '\\') inSlash = true;
    else if (ch === ',' || ch === '=') {
      // Upstream prints the rune with %v, which is its code point number.
      return { error: `invalid field selector: unescaped character in value: ${ch.codePointAt(0)}` };
    } else out += ch;
  }
  if (inSlash) return { error: 'invalid field selector: invalid escape sequence: \\' };
  return out;
}

class FieldSelectorImpl implements FieldSelector {
  constructor(private readonly reqs: readonly FieldRequirement[]) {}

  matches(get: FieldGetter): boolean {
    for (const r of this.reqs) {
      const v = get(r.field) ?? '';
      if ((v === r.value) !== (r.operator === '=')) return false;
    }
    return true;
  }

  matchesFields(fields: Readonly<Record<string, string>>): boolean {
    for (const r of this.reqs) {
      const raw = fields[r.field] as unknown;
      const v = typeof raw === 'string' ? raw : '';
      if ((v === r.value) !== (r.operator === '=')) return false;
    }
    return true;
  }

  toString(): string {
    return this.reqs.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
  }

  isEmpty(): boolean {
    return this.reqs.length === 0;
  }

  requirements(): readonly FieldRequirement[] {
    return this.reqs;
  }

  requiresExactMatch(field: string): string | undefined {
    for (const r of this.reqs) if (r.field === field && r.operator === '=') return r.value;
    return undefined;
  }
}

/**
 * Parses a field selector such as `metadata.name=x,metadata.namespace!=y,spec.nodeName=`. Mirrors
 * apimachinery `fields.ParseSelector`: terms are split on unescaped commas and sorted; each term is
 * split at its first `!=`, `==` or `=`; the value is unescaped (`\\`, `\,`, `\=`; a bare `,` or `=`
 * in a value is an error); empty terms are skipped, and a term with an empty field and value (`=`)
 * selects everything.
 *
 * When `supportedFields` is given, a field outside it is rejected with the API server's message
 * `field label not supported: <field>`. Throws {@link SelectorParseError}.
 */
export function parseFieldSelector(s: string, supportedFields?: readonly string[]): FieldSelector {
  const terms: string[] = [];
  if (s.length > 0) {
    let start = 0;
    let inSlash = false;
    for (let i = 0; i < s.length; i++) {
      const ch = s[i];
      if (inSlash) inSlash = false;
      else if (ch === '\\') inSlash = true;
      else if (ch === ',') {
        terms.push(s.slice(start, i));
        start = i + 1;
      }
    }
    terms.push(s.slice(start));
  }
  terms.sort(compareCodePoints);
  const reqs: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    let split: { field: string; op: '=' | '!='; rhs: string } | undefined;
    for (let i = 0; i < term.length && split === undefined; i++) {
      if (term.startsWith('!=', i)) split = { field: term.slice(0, i), op: '!=', rhs: term.slice(i + 2) };
      else if (term.startsWith('==', i)) split = { field: term.slice(0, i), op: '=', rhs: term.slice(i + 2) };
      else if (term[i] === '=') split = { field: term.slice(0, i), op: '=', rhs: term.slice(i + 1) };
    }
    if (split === undefined) {
      throw new SelectorParseError('field', s, `invalid selector: '${s}'; can't understand '${term}'`);
    }
    const value = unescapeFieldValue(split.rhs);
    if (typeof value !== 'string') throw new SelectorParseError('field', s, value.error);
    if (split.field === '' && value === '') continue;
    if (supportedFields !== undefined && !supportedFields.includes(split.field)) {
      throw new SelectorParseError('field', s, `field label not supported: ${split.field}`);
    }
    reqs.push(Object.freeze({ field: split.field, operator: split.op, value }));
  }
  return new FieldSelectorImpl(Object.freeze(reqs));
}

/**
 * A {@link FieldGetter} over a plain object: a dotted path (`spec.nodeName`) walks nested objects;
 * strings are returned as they are, booleans and finite numbers as `String(v)`, anything else (or a
 * missing field) as `undefined`. Fields whose API value is defaulted (for example `spec.hostNetwork`
 * reads `false` when unset) need a getter that applies the default.
 */
export function objectFieldGetter(obj: unknown): FieldGetter {
  return (path: string) => {
    let cur: unknown = obj;
    for (const part of path.split('.')) {
      if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
      cur = (cur as Record<string, unknown>)[part];
    }
    if (typeof cur === 'string') return cur;
    if (typeof cur === 'boolean') return String(cur);
    if (typeof cur === 'number' && Number.isFinite(cur)) return String(cur);
    return undefined;
  };
}
