/**
 * The outcome of an API request as a value. Expected failures (conflict, not found, invalid) are
 * `{ ok: false, error }`, never exceptions: a controller branches on them exactly as a Go controller
 * checks `err` and `apierrors.IsConflict(err)`.
 */
import { ModelBug } from '../errors.js';
import type { ApiError } from './api-error.js';

/** Success carrying `value`, or failure carrying an upstream-shaped `ApiError`. */
export type ApiResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError };

/** A successful result. */
export function apiOk<T>(value: T): ApiResult<T> {
  return { ok: true, value };
}

/** A failed result (assignable to any `ApiResult<T>`). */
export function apiErr(error: ApiError): { readonly ok: false; readonly error: ApiError } {
  return { ok: false, error };
}

/**
 * The value of a result that must have succeeded; a failure here is a bug in the caller (tests,
 * setup code), so it throws `ModelBug` with the API message.
 */
export function unwrap<T>(result: ApiResult<T>): T {
  if (result.ok) return result.value;
  throw new ModelBug(`unexpected API error ${result.error.code} ${result.error.reason}: ${result.error.message}`);
}
