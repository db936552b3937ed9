/**
 * How an admission rejection reaches the client.
 *
 * Upstream in-process admission plugins reject with `admission.NewForbidden(attributes, err)`
 * (`staging/src/k8s.io/apiserver/pkg/admission/errors.go`): 403 Forbidden,
 * `pods "web" is forbidden: <err>`, where the name is the object's name, else its `generateName`,
 * else `Unknown` (the name is generated only later). Webhooks use another text
 * (`admission webhook "x" denied the request: ...`); kubeprop's policies run in-process, so they
 * get the in-process form. A rejection with another code carries the plugin's message as is, with
 * the status reason upstream derives from the code (`NewGenericServerResponse`).
 */
import type { ApiError, GroupResource, StatusReason } from '../store/api-error.js';
import { forbidden } from '../store/api-error.js';

/** Upstream `extractResourceName`: the name an admission error shows. */
export function admissionObjectName(name: string, generateName: string | undefined): string {
  if (name !== '') return name;
  if (generateName !== undefined && generateName !== '') return generateName;
  return 'Unknown';
}

/** The status reason upstream associates with an HTTP code in error responses. */
export function statusReasonForCode(code: number): StatusReason {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 406:
      return 'NotAcceptable';
    case 409:
      return 'Conflict';
    case 410:
      return 'Gone';
    case 413:
      return 'RequestEntityTooLarge';
    case 415:
      return 'UnsupportedMediaType';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return '';
  }
}

/**
 * The error for an admission rejection with `reason`: 403 in upstream's `NewForbidden` form, or
 * (another code) the reason as message.
 */
export function admissionDeniedError(resource: GroupResource, name: string, reason: string, code = 403): ApiError {
  if (code === 403) return forbidden(resource, name, reason);
  return Object.freeze({ code, reason: statusReasonForCode(code), message: reason });
}
