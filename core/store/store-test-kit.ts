/**
 * Shared fixtures for the store's specs and property suite: a settable clock, a store with two
 * custom kinds registered, and object builders. Test-only (imported by `*.spec.ts` and
 * `*.property.ts`).
 */
import type { KindInfo } from '../api/kinds.js';
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { ApiError } from './api-error.js';
import type { ApiResult } from './api-result.js';
import { Store } from './store.js';

/** A virtual clock the test moves by hand. */
export class TestClock {
  ms = 0;
  nowMs(): number {
    return this.ms;
  }
}

/** A custom resource with a status subresource (as most CRDs declare). */
export const WIDGET: KindInfo = {
  group: 'example.com',
  versions: ['v1', 'v1beta1'],
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
  hasStatusSubresource: true,
  allowUnconditionalUpdate: false,
  tracksGeneration: true,
};

/** A cluster-scoped custom resource without a status subresource. */
export const GADGET: KindInfo = {
  group: 'example.com',
  versions: ['v1'],
  kind: 'Gadget',
  plural: 'gadgets',
  namespaced: false,
  hasStatusSubresource: false,
  allowUnconditionalUpdate: false,
  tracksGeneration: true,
};

/** A store on a test clock with the built-in kinds plus `WIDGET` and `GADGET`. */
export function newStore(): { store: Store; clock: TestClock } {
  const clock = new TestClock();
  const store = new Store({ clock });
  store.registerKind(WIDGET);
  store.registerKind(GADGET);
  return { store, clock };
}

type Json = Record<string, unknown>;

/** A pod manifest in `default` (or `namespace`). */
export function pod(name: string, extra: { namespace?: string; labels?: Record<string, string>; finalizers?: string[]; spec?: Json; status?: Json } = {}): KubeObject {
  const metadata: Json = { name, namespace: extra.namespace ?? 'default' };
  if (extra.labels) metadata.labels = extra.labels;
  if (extra.finalizers) metadata.finalizers = extra.finalizers;
  const obj: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata, spec: extra.spec ?? { containers: [{ name: 'app', image: 'nginx' }] } };
  if (extra.status) obj.status = extra.status;
  return obj;
}

/** A `Widget` custom resource. */
export function widget(name: string, spec: Json = { size: 1 }, namespace = 'default'): KubeObject {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, namespace }, spec };
}

/** The value of a result that must be ok; fails the test with the API message otherwise. */
export function ok<T>(r: ApiResult<T>): T {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code} ${r.error.reason}: ${r.error.message}`);
  return r.value;
}

/** The error of a result that must have failed. */
export function fail<T>(r: ApiResult<T>): ApiError {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}

/** A mutable deep copy of a stored object, for building updates the old-fashioned way. */
export function thaw<T>(obj: DeepReadonly<T> | T): T {
  return structuredClone(obj) as T;
}

/** `metadata` of a stored object, loosely typed for assertions. */
export function metaOf(obj: DeepReadonly<KubeObject> | KubeObject): Readonly<Record<string, unknown>> {
  return obj.metadata as Readonly<Record<string, unknown>>;
}
