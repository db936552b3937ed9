/**
 * Shared fixtures for the API server specs: a control plane on a hand-moved clock, object
 * builders, and result helpers. Test-only (imported by `*.spec.ts`).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { PluginError } from '../errors.js';
import type { ApiError } from '../store/api-error.js';
import type { ApiResult } from '../store/api-result.js';
import { Store } from '../store/store.js';
import type { AdmissionPolicy } from './admission-policy.js';
import type { ApiClient } from './api-client.js';
import type { ApiRequestRecord } from './api-request-record.js';
import { createControlPlaneApi, type ControlPlaneApi, type ControlPlaneApiOptions } from './control-plane-api.js';

/** A virtual clock the test moves by hand. */
export class TestClock {
  ms = 0;
  nowMs(): number {
    return this.ms;
  }
}

/** A control plane with its store, clock, a client, and what its hooks saw. */
export interface Harness {
  readonly api: ControlPlaneApi;
  readonly store: Store;
  readonly clock: TestClock;
  readonly client: ApiClient;
  readonly records: ApiRequestRecord[];
  readonly pluginErrors: PluginError[];
}

/** A fresh control plane (one instance unless `instances` says otherwise). */
export function harness(options: Partial<Omit<ControlPlaneApiOptions, 'store' | 'clock'>> & { readonly policies?: readonly AdmissionPolicy[] } = {}): Harness {
  const clock = new TestClock();
  const store = new Store({ clock });
  const records: ApiRequestRecord[] = [];
  const pluginErrors: PluginError[] = [];
  const { policies, ...rest } = options;
  const api = createControlPlaneApi({
    store,
    clock,
    onRequest: (r) => records.push(r),
    onPluginError: (e) => pluginErrors.push(e),
    ...(policies === undefined ? {} : { admissionPolicies: policies }),
    ...rest,
  });
  return { api, store, clock, client: api.client('test'), records, pluginErrors };
}

type Json = Record<string, unknown>;

/** A minimal pod in `default` (or `namespace`). */
export function pod(name: string, extra: { namespace?: string; labels?: Record<string, string>; spec?: Json; status?: Json } = {}): KubeObject {
  const metadata: Json = { name, namespace: extra.namespace ?? 'default' };
  if (extra.labels !== undefined) metadata.labels = extra.labels;
  const obj: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...(extra.spec ?? {}) } };
  if (extra.status !== undefined) obj.status = extra.status;
  return obj;
}

/** A Deployment selecting `app: <name>`. */
export function deployment(name: string, spec: Json = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
      ...spec,
    },
  };
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

/** A field of a stored object, loosely typed for assertions. */
export function field(obj: DeepReadonly<KubeObject> | KubeObject, ...path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** `../shared/fixtures/` next to the repository, or `undefined` when it is not there. */
export function fixturesDir(): string | undefined {
  const dir = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
  return existsSync(dir) ? dir : undefined;
}
