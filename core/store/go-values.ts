/**
 * Bad values rendered as Go prints them in API error messages. Upstream formats a field error's
 * value with Go's `fmt` (`%q` for strings, `%v` for numbers, `%#v` for other types), which cannot
 * be derived from a JavaScript value alone: an unset `uint64` resourceVersion prints as `0x0`, a
 * `[]string` as `[]string{"a", "b"}`, a `*metav1.Time` as `2026-01-01 00:00:00 +0000 UTC`.
 */
import { invalidError, type FieldError, type PathSegment } from '../api/validation-errors.js';

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

/** Go's `%#v` of an unset `uint64` (the resourceVersion of an update that has none). */
export const GO_UINT64_ZERO = '0x0';

/**
 * Upstream `field.Invalid(path, value, detail)` whose value is already rendered Go-style (see the
 * helpers above), as a `core/api` `FieldError`.
 */
export function goInvalid(path: readonly PathSegment[], goValue: string, detail: string): FieldError {
  return { ...invalidError(path, goValue, detail), value: goValue, message: detail === '' ? `Invalid value: ${goValue}` : `Invalid value: ${goValue}: ${detail}` };
}
