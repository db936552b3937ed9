/**
 * Test support for the built-in controllers' specs: a test cluster with one controller manager
 * running the controllers under test, object builders, and the parts of the kubelet and the
 * scheduler a spec plays by hand (binding pods, reporting readiness, finishing pods). Test support
 * only: no controller imports this file.
 */
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import {
  ControllerManager,
  formatRfc3339,
  loadManifests,
  newTestCluster,
  unwrap,
  type ControllerDefinition,
  type DeepReadonly,
  type DelayRange,
  type KubeObject,
  type Node,
  type Pod,
  type RuntimePayload,
  type Taint,
  type TestCluster,
} from 'kubeprop';

/** A test cluster with a controller manager (no leader election) running `controllers`. */
export interface Harness {
  readonly c: TestCluster<RuntimePayload>;
  readonly manager: ControllerManager;
}

/**
 * Starts a harness; nothing runs until the spec advances the simulation. `informerLatencyMs` slows
 * the manager's caches down (stale reads).
 */
export function startHarness(seed: number, controllers: readonly ControllerDefinition[], opts: { readonly informerLatencyMs?: DelayRange } = {}): Harness {
  const c = newTestCluster(seed, { traceLimit: 0 });
  const manager = new ControllerManager({
    sim: c.sim,
    network: c.network,
    name: 'kube-controller-manager-0',
    client: c.raw,
    controllers,
    leaderElection: false,
    ...(opts.informerLatencyMs !== undefined ? { informerLatencyMs: opts.informerLatencyMs } : {}),
  });
  manager.start();
  return { c, manager };
}

/** `apiVersion` of a kind key used by the specs. */
function apiVersionOf(kind: string): string {
  switch (kind) {
    case 'DaemonSet':
    case 'ControllerRevision':
      return 'apps/v1';
    case 'Job':
      return 'batch/v1';
    case 'EndpointSlice':
      return 'discovery.k8s.io/v1';
    default:
      return 'v1';
  }
}

/** Creates an object (must succeed). */
export function create<T extends object = KubeObject>(h: Harness, obj: object): DeepReadonly<T> {
  return unwrap(h.c.client.create<KubeObject>(obj as KubeObject)) as unknown as DeepReadonly<T>;
}

/** Reads an object from the store (`undefined` when absent). */
export function get<T extends object = KubeObject>(h: Harness, kind: string, namespace: string | undefined, name: string): DeepReadonly<T> | undefined {
  const res = h.c.store.get({ apiVersion: apiVersionOf(kind), kind, namespace, name });
  return res.ok ? (res.value as unknown as DeepReadonly<T>) : undefined;
}

/** Lists a kind from the store, optionally in one namespace, in key order. */
export function list<T extends object = KubeObject>(h: Harness, kind: string, namespace?: string): DeepReadonly<T>[] {
  const res = unwrap(h.c.store.list({ apiVersion: apiVersionOf(kind), kind, ...(namespace !== undefined ? { namespace } : {}) }));
  return res.items as unknown as DeepReadonly<T>[];
}

/** Merge-patches an object (or its status). */
export function patch(h: Harness, kind: string, namespace: string | undefined, name: string, body: unknown, status = false): void {
  const ref = { apiVersion: apiVersionOf(kind), kind, namespace, name };
  unwrap(status ? h.c.client.patch(ref, body, { subresource: 'status' }) : h.c.client.patch(ref, body));
}

/** Deletes an object (ignoring NotFound). */
export function remove(h: Harness, kind: string, namespace: string | undefined, name: string): void {
  h.c.client.delete({ apiVersion: apiVersionOf(kind), kind, namespace, name });
}

/** A Node with labels, taints and a Ready condition. */
export function node(name: string, opts: { labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(opts.labels ?? {}) } },
    spec: { ...(opts.taints !== undefined ? { taints: opts.taints } : {}), ...(opts.unschedulable === true ? { unschedulable: true } : {}) },
    status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
  } as Node;
}

/** What the kubelet would report for a running pod: phase, IPs and the Ready condition. */
export function setPodRunning(h: Harness, namespace: string, name: string, opts: { ready: boolean; ip?: string }): void {
  const now = formatRfc3339(h.c.sim.nowMs);
  const status: Record<string, unknown> = {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False', lastTransitionTime: now }],
  };
  if (opts.ip !== undefined) {
    status.podIP = opts.ip;
    status.podIPs = [{ ip: opts.ip }];
  }
  patch(h, 'Pod', namespace, name, { status }, true);
}

/** What the kubelet would report for a pod whose containers exited (Succeeded or Failed). */
export function finishPod(h: Harness, namespace: string, name: string, phase: 'Succeeded' | 'Failed'): void {
  const now = formatRfc3339(h.c.sim.nowMs);
  const pod = get<Pod>(h, 'Pod', namespace, name);
  const containers = pod?.spec?.containers ?? [];
  patch(
    h,
    'Pod',
    namespace,
    name,
    {
      status: {
        phase,
        conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }],
        containerStatuses: containers.map((c) => ({
          name: c.name,
          ready: false,
          restartCount: 0,
          image: c.image ?? '',
          imageID: '',
          state: { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, finishedAt: now, startedAt: now } },
        })),
      },
    },
    true,
  );
}

/** What the scheduler's binding does: sets `spec.nodeName`. */
export function bindPod(h: Harness, namespace: string, name: string, nodeName: string): void {
  const res = h.c.client.bind({ namespace, podName: name, nodeName });
  unwrap(res);
}

/** The node a DaemonSet pod targets through its `metadata.name` node affinity term. */
export function targetNodeOf(pod: DeepReadonly<Pod>): string | undefined {
  if ((pod.spec?.nodeName ?? '') !== '') return pod.spec?.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/** The objects of a fixture file under `shared/fixtures/` next to the repository, or `undefined` when the fixtures are not there. */
export function loadFixture(relative: string): KubeObject[] | undefined {
  const path = fileURLToPath(new URL(`../../../shared/fixtures/${relative}`, import.meta.url));
  if (!existsSync(path)) return undefined;
  const loaded = loadManifests({ files: [path] });
  if (loaded.errors.length > 0) throw new Error(`fixture ${relative}: ${loaded.errors.map((e) => e.message).join('; ')}`);
  return loaded.manifests.map((m) => m.object);
}
