/**
 * One handled API request, as the control plane reports it to its `onRequest` hook (the
 * simulation records these in its trace; upstream's counterpart is an audit event).
 */

/** Upstream's request verbs (`staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go`). */
export type ApiVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** The subresources kubeprop serves. */
export type ApiSubresource = 'status' | 'binding' | 'eviction';

/** See the module comment. */
export interface ApiRequestRecord {
  /** The instance that handled it: `apiserver-0`. */
  readonly instance: string;
  readonly userAgent: string;
  readonly verb: ApiVerb;
  readonly subresource?: ApiSubresource;
  /** The kind as admission policies name it: `Pod`, `apps/Deployment` (as sent, even if not served). */
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
  /** The HTTP status: 200, 201 (create, binding, eviction), or the error's code. */
  readonly code: number;
}
