/**
 * The least an object must have to be stored: apiVersion, kind and (for a name) metadata. Built-in
 * types from `core/api/types.ts` (`Pod`, `Deployment`, ...), `KubeObject`, their `DeepReadonly`
 * forms and object literals with any further fields (`spec`, `data`, ...) all satisfy it, so the
 * store's methods accept what a caller naturally has in hand.
 */
import type { DeepReadonly, ObjectMeta } from '../api/types.js';

/** The fields the store itself reads. */
export interface StorableShape {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: DeepReadonly<ObjectMeta> | undefined;
}

/**
 * Any Kubernetes object the store can hold, typed or unstructured. The second member admits object
 * literals with extra fields; the first admits interfaces (which have no index signature).
 */
export type StorableObject = StorableShape | (StorableShape & { readonly [field: string]: unknown });
