/**
 * API errors as values: the `metav1.Status` failures the API server returns, with upstream's
 * reasons, HTTP codes and message texts, so that a controller written against kubeprop reacts to
 * exactly what it would see from a real cluster (`IsConflict`, `IsNotFound`, ...).
 *
 * Upstream: `staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go` (constructors and `Is*`
 * predicates) and `staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go` (`StatusReason`).
 */
import { fieldErrorString, type FieldError, type FieldErrorType } from '../api/validation-errors.js';

/** Upstream `metav1.StatusReason`; `''` is `StatusReasonUnknown`. */
export type StatusReason =
  | ''
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'ServerTimeout'
  | 'StoreReadError'
  | 'Timeout'
  | 'TooManyRequests'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'Expired'
  | 'ServiceUnavailable';

/** Upstream `metav1.StatusCause`: one cause of a failure (for `Invalid`, one per field error). */
export interface StatusCause {
  /** Upstream `CauseType`: a field error type, or another machine-readable cause. */
  readonly reason: FieldErrorType | string;
  readonly message: string;
  /** The field path, e.g. `metadata.finalizers`; empty when the cause is not about one field. */
  readonly field: string;
}

/** Upstream `metav1.StatusDetails`. `kind` holds the resource (`pods`) for most errors, as upstream. */
export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

/**
 * A failed API request: upstream's `StatusError` without the wire boilerplate. Returned inside
 * `ApiResult` (never thrown) and inside watch `ERROR` events. `toStatus` gives the wire shape.
 */
export interface ApiError {
  /** The HTTP status code, e.g. 409. */
  readonly code: number;
  readonly reason: StatusReason;
  /** The exact upstream message, e.g. `pods "web-1" not found`. */
  readonly message: string;
  readonly details?: StatusDetails;
}

/** Upstream `schema.GroupResource`: `{ group: 'apps', resource: 'deployments' }`. */
export interface GroupResource {
  readonly group: string;
  readonly resource: string;
}

/** Upstream `schema.GroupKind`: `{ group: 'apps', kind: 'Deployment' }`. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** Upstream `GroupResource.String()`: `pods`, `deployments.apps`. */
export function groupResourceString(gr: GroupResource): string {
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

/** Upstream `GroupKind.String()`: `Pod`, `Deployment.apps`. */
export function groupKindString(gk: GroupKind): string {
  return gk.group === '' ? gk.kind : `${gk.kind}.${gk.group}`;
}

function make(code: number, reason: StatusReason, message: string, details?: StatusDetails): ApiError {
  return Object.freeze(details === undefined ? { code, reason, message } : { code, reason, message, details: Object.freeze(details) });
}

function resourceDetails(gr: GroupResource, name: string): StatusDetails {
  return { name, group: gr.group, kind: gr.resource };
}

/** Upstream `NewNotFound`: 404, `pods "web-1" not found`. */
export function notFound(gr: GroupResource, name: string): ApiError {
  return make(404, 'NotFound', `${groupResourceString(gr)} ${JSON.stringify(name)} not found`, resourceDetails(gr, name));
}

/**
 * The API server's answer for a path it does not serve (an unknown kind or version, or a `/status`
 * subresource the kind does not have): 404 `the server could not find the requested resource`.
 */
export function resourceNotServed(): ApiError {
  return make(404, 'NotFound', 'the server could not find the requested resource');
}

/** Upstream `NewAlreadyExists`: 409, `pods "web" already exists`. */
export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return make(409, 'AlreadyExists', `${groupResourceString(gr)} ${JSON.stringify(name)} already exists`, resourceDetails(gr, name));
}

/** Upstream `NewGenerateNameConflict`: 409 AlreadyExists after `generateName` ran out of attempts. */
export function generateNameConflict(gr: GroupResource, name: string, retryAfterSeconds: number): ApiError {
  return make(
    409,
    'AlreadyExists',
    `${groupResourceString(gr)} ${JSON.stringify(name)} already exists, the server was not able to generate a unique name for the object`,
    { ...resourceDetails(gr, name), retryAfterSeconds },
  );
}

/**
 * Upstream `NewConflict`: 409, `Operation cannot be fulfilled on pods "web": <cause>`. The
 * optimistic-concurrency cause is `OPTIMISTIC_LOCK_ERROR_MSG`.
 */
export function conflict(gr: GroupResource, name: string, cause: string): ApiError {
  return make(409, 'Conflict', `Operation cannot be fulfilled on ${groupResourceString(gr)} ${JSON.stringify(name)}: ${cause}`, resourceDetails(gr, name));
}

/** Upstream `registry.OptimisticLockErrorMsg`, the cause of a stale-resourceVersion conflict. */
export const OPTIMISTIC_LOCK_ERROR_MSG =
  'the object has been modified; please apply your changes to the latest version and try again';

/** Upstream `NewForbidden`: 403, `pods "web" is forbidden: <cause>`. */
export function forbidden(gr: GroupResource, name: string, cause: string): ApiError {
  const qualified = groupResourceString(gr);
  const message =
    qualified === '' ? `forbidden: ${cause}` : name === '' ? `${qualified} is forbidden: ${cause}` : `${qualified} ${JSON.stringify(name)} is forbidden: ${cause}`;
  return make(403, 'Forbidden', message, resourceDetails(gr, name));
}

/**
 * Upstream `ErrorList.ToAggregate().Error()`: one error prints alone, several print as `[a, b]`;
 * duplicates (same text) are dropped, as upstream does.
 */
export function aggregateFieldErrors(errs: readonly FieldError[]): string {
  const seen = new Set<string>();
  const texts: string[] = [];
  for (const err of errs) {
    const text = fieldErrorString(err);
    if (seen.has(text)) continue;
    seen.add(text);
    texts.push(text);
  }
  return texts.length === 1 ? (texts[0] as string) : `[${texts.join(', ')}]`;
}

/**
 * Upstream `NewInvalid`: 422, `Pod "web" is invalid: <field errors>`, with one cause per field
 * error (field errors are `core/api`'s, as validation produces them). Note that upstream passes a
 * kind here (`Pod`), except for the missing-resourceVersion error where it passes the resource
 * (`widgets.example.com`).
 */
export function invalid(gk: GroupKind, name: string, errs: readonly FieldError[]): ApiError {
  const causes = errs.map((e) => Object.freeze({ reason: e.type, message: e.message, field: e.field }));
  const head = `${groupKindString(gk)} ${JSON.stringify(name)} is invalid`;
  return make(422, 'Invalid', errs.length === 0 ? head : `${head}: ${aggregateFieldErrors(errs)}`, {
    name,
    group: gk.group,
    kind: gk.kind,
    causes: Object.freeze(causes),
  });
}

/** Upstream `NewBadRequest`: 400 with the given message. */
export function badRequest(message: string): ApiError {
  return make(400, 'BadRequest', message);
}

/** Upstream `NewResourceExpired`: 410 Expired, e.g. `too old resource version: 5 (10)`. */
export function resourceExpired(message: string): ApiError {
  return make(410, 'Expired', message);
}

/** Upstream `NewGone` (deprecated upstream in favour of `resourceExpired`): 410 Gone. */
export function gone(message: string): ApiError {
  return make(410, 'Gone', message);
}

/** Upstream `NewMethodNotSupported`: 405, `<action> is not supported on resources of kind "pods"`. */
export function methodNotSupported(gr: GroupResource, action: string): ApiError {
  return make(405, 'MethodNotAllowed', `${action} is not supported on resources of kind ${JSON.stringify(groupResourceString(gr))}`, {
    group: gr.group,
    kind: gr.resource,
  });
}

/** Upstream `NewTooManyRequests`: 429 with the given message and a retry hint. */
export function tooManyRequests(message: string, retryAfterSeconds: number): ApiError {
  return make(429, 'TooManyRequests', message, { retryAfterSeconds });
}

/** Upstream `NewServiceUnavailable`: 503 with the given message. */
export function serviceUnavailable(message: string): ApiError {
  return make(503, 'ServiceUnavailable', message);
}

/**
 * Upstream `NewServerTimeout`: 500 ServerTimeout, `The <op> operation against <resource> could not
 * be completed at this time, please try again.`
 */
export function serverTimeout(gr: GroupResource, operation: string, retryAfterSeconds: number): ApiError {
  return make(
    500,
    'ServerTimeout',
    `The ${operation} operation against ${groupResourceString(gr)} could not be completed at this time, please try again.`,
    { name: operation, group: gr.group, kind: gr.resource, retryAfterSeconds },
  );
}

/** Upstream `NewTimeoutError`: 504 Timeout, `Timeout: <message>`. */
export function timeoutError(message: string, retryAfterSeconds: number): ApiError {
  return make(504, 'Timeout', `Timeout: ${message}`, { retryAfterSeconds });
}

/**
 * Upstream `NewInternalError`: 500, `Internal error occurred: <cause>`. (Named apart from `core/api`'s
 * field-level `internalError`.)
 */
export function internalServerError(cause: string): ApiError {
  return make(500, 'InternalError', `Internal error occurred: ${cause}`, {
    causes: Object.freeze([Object.freeze({ reason: '', message: cause, field: '' })]),
  });
}

/** Anything an `is*` predicate accepts: an error, a result, or nothing. */
export type ApiErrorLike = ApiError | { readonly ok: boolean; readonly error?: ApiError } | undefined | null;

function errorOf(x: ApiErrorLike): ApiError | undefined {
  if (x === undefined || x === null) return undefined;
  if ('ok' in x) return x.ok ? undefined : x.error;
  return x;
}

/**
 * Upstream `ReasonForError` with its fallback: when the reason is unknown, the HTTP code decides
 * (`reasonAndCodeForError`), as client-go does for statuses from older servers.
 */
function hasReason(x: ApiErrorLike, reason: StatusReason, code: number): boolean {
  const err = errorOf(x);
  if (err === undefined) return false;
  return err.reason === reason || (err.reason === '' && err.code === code);
}

/** Upstream `IsNotFound`. */
export function isNotFound(x: ApiErrorLike): boolean {
  return hasReason(x, 'NotFound', 404);
}
/** Upstream `IsAlreadyExists`. */
export function isAlreadyExists(x: ApiErrorLike): boolean {
  return hasReason(x, 'AlreadyExists', 409);
}
/** Upstream `IsConflict`. */
export function isConflict(x: ApiErrorLike): boolean {
  return hasReason(x, 'Conflict', 409);
}
/** Upstream `IsInvalid`. */
export function isInvalid(x: ApiErrorLike): boolean {
  return hasReason(x, 'Invalid', 422);
}
/** Upstream `IsGone`. */
export function isGone(x: ApiErrorLike): boolean {
  return hasReason(x, 'Gone', 410);
}
/** Upstream `IsResourceExpired`. Informers treat this and `isGone` alike: relist. */
export function isResourceExpired(x: ApiErrorLike): boolean {
  return hasReason(x, 'Expired', 410);
}
/** Upstream `IsBadRequest`. */
export function isBadRequest(x: ApiErrorLike): boolean {
  return hasReason(x, 'BadRequest', 400);
}
/** Upstream `IsForbidden`. */
export function isForbidden(x: ApiErrorLike): boolean {
  return hasReason(x, 'Forbidden', 403);
}
/** Upstream `IsMethodNotSupported`. */
export function isMethodNotSupported(x: ApiErrorLike): boolean {
  return hasReason(x, 'MethodNotAllowed', 405);
}
/** Upstream `IsTooManyRequests`. */
export function isTooManyRequests(x: ApiErrorLike): boolean {
  return hasReason(x, 'TooManyRequests', 429);
}
/** Upstream `IsInternalError`. */
export function isInternalError(x: ApiErrorLike): boolean {
  return hasReason(x, 'InternalError', 500);
}
/** Upstream `IsTimeout`. */
export function isTimeout(x: ApiErrorLike): boolean {
  return hasReason(x, 'Timeout', 504);
}
/** Upstream `IsServerTimeout`. */
export function isServerTimeout(x: ApiErrorLike): boolean {
  return hasReason(x, 'ServerTimeout', 500);
}
/** Upstream `IsServiceUnavailable`. */
export function isServiceUnavailable(x: ApiErrorLike): boolean {
  return hasReason(x, 'ServiceUnavailable', 503);
}

/** The wire shape of a failure: a `v1 Status` object, as the API server serializes it. */
export interface StatusObject {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Readonly<Record<string, never>>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason: StatusReason;
  readonly details?: StatusDetails;
  readonly code: number;
}

/** The `v1 Status` object of an error (what `kubectl` and client-go decode). */
export function toStatus(err: ApiError): StatusObject {
  const base = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message, reason: err.reason } as const;
  return err.details === undefined ? { ...base, code: err.code } : { ...base, details: err.details, code: err.code };
}
