/**
 * Test support for the workload controllers' specs: a cluster with a controller manager, objects
 * carrying the defaults the API server would give them, and a stand-in for the kubelets that
 * marks pods running and ready. Test support only: no controller imports this file.
 */
import {
  ControllerManager,
  formatRfc3339,
  newTestCluster,
  unwrap,
  type ControllerDefinition,
  type DeepReadonly,
  type DelayRange,
  type Deployment,
  type KubeObject,
  type Pod,
  type ReplicaSet,
  type RuntimePayload,
  type TestCluster,
} from 'kubeprop';

/** A cluster and a controller manager (always leading) running `controllers`. */
export interface ControllerCluster {
  readonly c: TestCluster<RuntimePayload>;
  readonly manager: ControllerManager;
}

/** Options of {@link startControllers}. */
export interface StartOptions {
  readonly informerLatencyMs?: DelayRange;
  readonly reconcileDurationMs?: DelayRange;
}

/** Starts a controller manager without leader election over a fresh test cluster. */
export function startControllers(seed: number, controllers: readonly ControllerDefinition[], options: StartOptions = {}): ControllerCluster {
  const c = newTestCluster(seed, { traceLimit: 200_000 });
  const manager = new ControllerManager({
    sim: c.sim,
    network: c.network,
    name: 'kube-controller-manager-0',
    client: c.raw,
    controllers,
    leaderElection: false,
    ...(options.informerLatencyMs !== undefined ? { informerLatencyMs: options.informerLatencyMs } : {}),
  });
  manager.start();
  return { c, manager };
}

/** The pod template every test workload uses (with the API server's pod defaults). */
export function podTemplate(labels: Readonly<Record<string, string>>, image = 'nginx:1.27'): Record<string, unknown> {
  return {
    metadata: { labels: { ...labels } },
    spec: {
      containers: [{ name: 'app', image, imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      securityContext: {},
      schedulerName: 'default-scheduler',
    },
  };
}

/** Options of {@link replicaSetObject}. */
export interface ReplicaSetShape {
  readonly replicas?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly minReadySeconds?: number;
  readonly namespace?: string;
}

/** A ReplicaSet selecting `app: <name>` as the API server stores it (defaults applied). */
export function replicaSetObject(name: string, shape: ReplicaSetShape = {}): KubeObject {
  const labels = shape.labels ?? { app: name };
  const spec: Record<string, unknown> = { replicas: shape.replicas ?? 1, selector: { matchLabels: { ...labels } }, template: podTemplate(labels) };
  if (shape.minReadySeconds !== undefined) spec.minReadySeconds = shape.minReadySeconds;
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: shape.namespace ?? 'default' }, spec, status: { replicas: 0 } };
}

/** Options of {@link deploymentObject}. */
export interface DeploymentShape {
  readonly replicas?: number;
  readonly image?: string;
  readonly strategy?: 'RollingUpdate' | 'Recreate';
  readonly maxSurge?: number | string;
  readonly maxUnavailable?: number | string;
  readonly revisionHistoryLimit?: number;
  readonly progressDeadlineSeconds?: number;
  readonly minReadySeconds?: number;
  readonly paused?: boolean;
}

/**
 * A Deployment selecting `app: <name>` with the apps/v1 defaults the API server would set:
 * 1 replica, RollingUpdate 25%/25%, 10 revisions of history, 600 s progress deadline.
 */
export function deploymentObject(name: string, shape: DeploymentShape = {}): KubeObject {
  const type = shape.strategy ?? 'RollingUpdate';
  const strategy: Record<string, unknown> =
    type === 'RollingUpdate' ? { type, rollingUpdate: { maxUnavailable: shape.maxUnavailable ?? '25%', maxSurge: shape.maxSurge ?? '25%' } } : { type };
  const spec: Record<string, unknown> = {
    replicas: shape.replicas ?? 1,
    selector: { matchLabels: { app: name } },
    template: podTemplate({ app: name }, shape.image),
    strategy,
    revisionHistoryLimit: shape.revisionHistoryLimit ?? 10,
    progressDeadlineSeconds: shape.progressDeadlineSeconds ?? 600,
  };
  if (shape.minReadySeconds !== undefined) spec.minReadySeconds = shape.minReadySeconds;
  if (shape.paused !== undefined) spec.paused = shape.paused;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' }, spec, status: {} };
}

/** A stored pod. */
export type StoredPod = DeepReadonly<Pod & KubeObject>;
/** A stored ReplicaSet. */
export type StoredReplicaSet = DeepReadonly<ReplicaSet & KubeObject>;
/** A stored Deployment. */
export type StoredDeployment = DeepReadonly<Deployment & KubeObject>;

/** The pods of a namespace in the store (the truth, not a cache), by name. */
export function storedPods(c: TestCluster<RuntimePayload>, namespace = 'default'): StoredPod[] {
  return unwrap(c.store.list<Pod & KubeObject>({ apiVersion: 'v1', kind: 'Pod', namespace })).items as StoredPod[];
}

/** The ReplicaSets of a namespace in the store, by name. */
export function storedReplicaSets(c: TestCluster<RuntimePayload>, namespace = 'default'): StoredReplicaSet[] {
  return unwrap(c.store.list<ReplicaSet & KubeObject>({ apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace })).items as StoredReplicaSet[];
}

/** One stored object, or `undefined`. */
export function stored<T extends KubeObject>(c: TestCluster<RuntimePayload>, apiVersion: string, kind: string, name: string, namespace = 'default'): DeepReadonly<T> | undefined {
  const got = c.store.get<T>({ apiVersion, kind, namespace, name });
  return got.ok ? got.value : undefined;
}

/** Whether a stored pod is ready. */
export function podIsReady(pod: StoredPod): boolean {
  return (pod.status?.conditions ?? []).some((cond) => cond.type === 'Ready' && cond.status === 'True');
}

/**
 * What a kubelet would report for a started pod: bound to `node`, `Running`, ready since now. A
 * status patch, as the kubelet's status manager sends it.
 */
export function markReady(c: TestCluster<RuntimePayload>, pod: StoredPod, node = 'node-1'): void {
  const ref = { apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '' };
  if ((pod.spec?.nodeName ?? '') === '') unwrap(c.client.patch(ref, { spec: { nodeName: node } }));
  const now = formatRfc3339(c.sim.nowMs);
  unwrap(
    c.client.patch(
      ref,
      {
        status: {
          phase: 'Running',
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
            { type: 'Initialized', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: 'True', lastTransitionTime: now },
          ],
        },
      },
      { subresource: 'status' },
    ),
  );
}

/** Marks every live, not yet ready pod of the namespace ready; returns how many. */
export function readyAll(c: TestCluster<RuntimePayload>, namespace = 'default', filter: (pod: StoredPod) => boolean = () => true): number {
  let n = 0;
  for (const pod of storedPods(c, namespace)) {
    if (pod.metadata.deletionTimestamp !== undefined || podIsReady(pod) || !filter(pod)) continue;
    markReady(c, pod);
    n++;
  }
  return n;
}

/**
 * Runs the cluster for `durationMs` in slices of `sliceMs`, marking new pods ready after each
 * slice (a kubelet that starts every pod within one slice), and calling `check` after every event.
 */
export function runWithKubelet(
  cluster: ControllerCluster,
  durationMs: number,
  options: { readonly sliceMs?: number; readonly check?: () => void; readonly ready?: (pod: StoredPod) => boolean } = {},
): void {
  const { c } = cluster;
  const slice = options.sliceMs ?? 200;
  const end = c.sim.nowMs + durationMs;
  while (c.sim.nowMs < end) {
    const target = c.sim.nowMs + Math.min(slice, end - c.sim.nowMs);
    if (options.check !== undefined) {
      const check = options.check;
      c.sim.runUntil(
        () => {
          check();
          return false;
        },
        { maxMs: target - c.sim.nowMs },
      );
    }
    // A quiet run stops at its last event: let the rest of the slice pass.
    if (c.sim.nowMs < target) c.sim.runFor(target - c.sim.nowMs);
    readyAll(c, 'default', options.ready);
    options.check?.();
  }
}

/** The plugin errors (reconciles that threw) the manager reported, by message; none expected. */
export function pluginErrors(cluster: ControllerCluster): string[] {
  return cluster.manager.reports.flatMap((r) => (r.kind === 'plugin-error' ? [r.error.message] : []));
}

/** The trace entries of `kind`, as objects. */
export function traceOf(c: TestCluster<RuntimePayload>, kind: string): Record<string, unknown>[] {
  return c.sim.trace.entries().filter((e) => e.kind === kind) as unknown as Record<string, unknown>[];
}
