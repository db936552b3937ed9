/**
 * The NamespaceLifecycle admission plugin: namespaced objects can be created or updated only in a
 * namespace that exists, new objects cannot enter a namespace that is being terminated, and the
 * system namespaces cannot be deleted.
 *
 * Upstream: `plugin/pkg/admission/namespace/lifecycle/admission.go`. A namespace counts as
 * terminating when its phase is `Terminating` or it carries a `deletionTimestamp` (the model has
 * no namespace controller yet to set the phase).
 */
import type { Store } from '../store/store.js';
import { forbidden, notFound, type ApiError, type GroupResource } from '../store/api-error.js';
import type { AdmissionOperation } from './admission-policy.js';
import { admissionObjectName } from './admission-denial.js';
import { objAt, strAt } from './json-fields.js';

/** The namespaces the plugin never lets anyone delete (upstream `immortalNamespaces`). */
export const IMMORTAL_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public']);

/** Upstream `v1.NamespaceTerminatingCause`. */
export const NAMESPACE_TERMINATING_CAUSE = 'NamespaceTerminating';

/** The request facts the plugin looks at. */
export interface NamespaceLifecycleRequest {
  readonly operation: AdmissionOperation;
  /** Whether the object is a core/v1 Namespace. */
  readonly isNamespace: boolean;
  /** Whether the kind is namespaced. */
  readonly namespaced: boolean;
  readonly namespace: string;
  readonly name: string;
  readonly generateName: string | undefined;
  readonly resource: GroupResource;
}

const NAMESPACES: GroupResource = { group: '', resource: 'namespaces' };

/** Runs the plugin; returns the rejection, if any. */
export function namespaceLifecycle(store: Store, req: NamespaceLifecycleRequest): ApiError | undefined {
  if (req.isNamespace) {
    if (req.operation === 'DELETE' && IMMORTAL_NAMESPACES.has(req.name)) return forbidden(NAMESPACES, req.name, 'this namespace may not be deleted');
    return undefined;
  }
  if (!req.namespaced || req.namespace === '' || req.operation === 'DELETE') return undefined;
  const ns = store.get({ apiVersion: 'v1', kind: 'Namespace', name: req.namespace });
  if (!ns.ok) return notFound(NAMESPACES, req.namespace);
  if (req.operation !== 'CREATE') return undefined;
  const phase = strAt(objAt(ns.value, 'status'), 'phase');
  const terminating = phase === 'Terminating' || ns.value.metadata.deletionTimestamp !== undefined;
  if (!terminating) return undefined;
  const err = forbidden(
    req.resource,
    admissionObjectName(req.name, req.generateName),
    `unable to create new content in namespace ${req.namespace} because it is being terminated`,
  );
  const details = err.details ?? {};
  return Object.freeze({
    ...err,
    details: Object.freeze({
      ...details,
      causes: Object.freeze([
        Object.freeze({ reason: NAMESPACE_TERMINATING_CAUSE, message: `namespace ${req.namespace} is being terminated`, field: 'metadata.namespace' }),
      ]),
    }),
  });
}
