/**
 * Field-level validation errors, formatted exactly as the API server prints them inside an
 * `Invalid` (422) message: `metadata.resourceVersion: Invalid value: 0x0: must be specified for an
 * update`.
 *
 * Upstream: `staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go`. The bad value is
 * printed with Go's formatting rules (`%q` for strings, `%v` for numbers and booleans, `%#v` for
 * everything else), which cannot be derived from a JavaScript value alone (a Go `uint64` zero prints
 * as `0x0`, an `int64` zero as `0`), so callers pass the value already rendered; the helpers below
 * render the common Go shapes.
 */

/** Upstream `field.ErrorType`: the machine-readable cause type of a field error. */
export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

/** One field-level validation error (upstream `field.Error`). */
export interface FieldError {
  readonly type: FieldErrorType;
  /** The field path, e.g. `metadata.finalizers`. */
  readonly field: string;
  /** The bad value as Go prints it (see `goQuote`, `goStringSlice`, `goTime`); absent when not shown. */
  readonly value?: string;
  readonly detail: string;
}

/** Upstream `field.Invalid(path, value, detail)`; `value` is the Go rendering of the bad value. */
export function fieldInvalid(field: string, value: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, value, detail };
}

/** Upstream `field.Required(path, detail)`. */
export function fieldRequired(field: string, detail: string): FieldError {
  return { type: 'FieldValueRequired', field, detail };
}

/** Upstream `field.Forbidden(path, detail)`. */
export function fieldForbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail };
}

/** Upstream `ErrorType.String()`: the human-readable type that starts the error body. */
export function fieldErrorTypeText(type: FieldErrorType): string {
  switch (type) {
    case 'FieldValueNotFound':
      return 'Not found';
    case 'FieldValueRequired':
      return 'Required value';
    case 'FieldValueDuplicate':
      return 'Duplicate value';
    case 'FieldValueInvalid':
    case 'FieldValueTypeInvalid':
      return 'Invalid value';
    case 'FieldValueNotSupported':
      return 'Unsupported value';
    case 'FieldValueForbidden':
      return 'Forbidden';
    case 'FieldValueTooLong':
      return 'Too long';
    case 'FieldValueTooMany':
      return 'Too many';
    case 'InternalError':
      return 'Internal error';
  }
}

/**
 * Upstream `field.Error.ErrorBody()`: the message without the field path. Required, Forbidden,
 * TooLong and Internal errors never show the value, as upstream.
 */
export function fieldErrorBody(err: FieldError): string {
  let text = fieldErrorTypeText(err.type);
  const hidesValue =
    err.type === 'FieldValueRequired' ||
    err.type === 'FieldValueForbidden' ||
    err.type === 'FieldValueTooLong' ||
    err.type === 'InternalError';
  if (!hidesValue && err.value !== undefined) text += `: ${err.value}`;
  if (err.detail !== '') text += `: ${err.detail}`;
  return text;
}

/** Upstream `field.Error.Error()`: `path: body`. */
export function fieldErrorText(err: FieldError): string {
  return `${err.field}: ${fieldErrorBody(err)}`;
}

/**
 * Upstream `ErrorList.ToAggregate().Error()`: one error prints alone, several print as
 * `[a, b]`; duplicates (same text) are dropped, as upstream does.
 */
export function aggregateFieldErrors(errs: readonly FieldError[]): string {
  const seen = new Set<string>();
  const texts: string[] = [];
  for (const err of errs) {
    const text = fieldErrorText(err);
    if (seen.has(text)) continue;
    seen.add(text);
    texts.push(text);
  }
  return texts.length === 1 ? (texts[0] as string) : `[${texts.join(', ')}]`;
}

/** Go's `%q` for the strings the API carries (names, UIDs, finalizers: printable ASCII). */
export function goQuote(s: string): string {
  // JSON escaping agrees with Go's %q on printable ASCII, quotes and backslashes, which is every
  // string that can reach these messages (DNS names, UIDs, qualified finalizer names).
  return JSON.stringify(s);
}

/** Go's `%#v` of a `[]string`: `[]string{"a", "b"}`. */
export function goStringSlice(items: readonly string[]): string {
  return `[]string{${items.map(goQuote).join(', ')}}`;
}

/**
 * Go's `time.Time.String()` of an RFC 3339 UTC timestamp (`2026-01-01T00:00:00Z` becomes
 * `2026-01-01 00:00:00 +0000 UTC`), which is how a `*metav1.Time` bad value prints.
 */
export function goTime(rfc3339: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})Z$/.exec(rfc3339);
  return m ? `${m[1]} ${m[2]} +0000 UTC` : goQuote(rfc3339);
}
