/**
 * Scheduler throughput on workloads shaped like upstream scheduler_perf
 * (`test/integration/scheduler_perf/{misc,affinity,topology_spreading,default_preemption}`): node and
 * pod templates of the same shape (4 CPU / 32Gi / 110 pods nodes, 100m / 500Mi pods), the default
 * profile and the adaptive `percentageOfNodesToScore`.
 *
 * Each workload creates its nodes, lets the scheduler place the initial pods (not measured, as
 * upstream's `createPods` without `collectMetrics`), then measures the scheduling of the measured
 * pods from their arrival in the queue to the end of their binding cycles: pods/s, peak heap used and
 * peak RSS (sampled with `process.memoryUsage()` every few hundred cycles), and how many pods were
 * scheduled. The harness is the `Scheduler` class driven directly, as `runWhatIf` drives it, with an
 * in-memory client that binds at once and deletes preemption victims at once, and an indexed object
 * lister (as an informer cache is); no I/O, one thread. Every object is built fresh for each run and
 * shares nothing with other pods, as objects decoded from the API would.
 *
 * Each workload runs `BENCH_REPEAT` times (default 3) in the same process; the table shows the
 * median throughput (min and max next to it) and the largest memory peaks. The runs must place
 * every measured pod on the same node (same seed ⇒ same placements), or the benchmark fails.
 *
 * A hand-written loop that does only resource fit, taints and LeastAllocated over the SchedulingBasic
 * input, with the same sampling rule, runs in the same process; SchedulingBasic's throughput is
 * reported as a ratio of it, i.e. what the framework costs over the bare arithmetic.
 *
 * Sizes scale with `BENCH_SCALE` (default 1; e.g. `BENCH_SCALE=0.1` for a quick run; node counts
 * keep at least 100 so the sampling rule still applies), `BENCH_PER_SET` sets SchedulingReplicaSets'
 * pods per ReplicaSet (default 34), and `BENCH_WORKLOADS` (comma-separated substrings of workload
 * names) picks workloads.
 */
import type { BenchResult } from './bench-result.js';
import { collectGarbage, MemoryPeak } from './bench-support.js';
import {
  ActionType,
  defaultSchedulerConfig,
  numFeasibleNodesToFind,
  pluginRegistry,
  podRequests,
  resourceVectorFromList,
  Rng,
  Scheduler,
  Status,
  toleratesTaint,
  VirtualClock,
  type DeepReadonly,
  type EventResource,
  type KubeObject,
  type Node,
  type ObjectLister,
  type Pod,
  type SchedulerClient,
} from '../core/index.js';
import { defaultSchedulerPlugins } from '../plugins/index.js';

type Registry = ReturnType<typeof pluginRegistry>;

const SCALE = Number(process.env['BENCH_SCALE'] ?? '1');
const REPEAT = Math.max(1, Number(process.env['BENCH_REPEAT'] ?? '3'));
const ONLY = (process.env['BENCH_WORKLOADS'] ?? '')
  .split(',')
  .map((s) => s.trim().toLowerCase())
  .filter((s) => s !== '');
/** How many groups SchedulingPodAntiAffinity's pods form (anti-affinity holds within a group). */
const ANTI_AFFINITY_GROUPS = Number(process.env['BENCH_ANTI_AFFINITY_GROUPS'] ?? '10');
const SEED = 42;
const MB = 1024 * 1024;
/** Cycles between memory samples: often enough to see the peak, rarely enough to cost nothing. */
const SAMPLE_EVERY = 250;

function scaled(n: number, min: number): number {
  return Math.max(min, Math.round(n * SCALE));
}

// ---------------------------------------------------------------------------------------------
// Object templates (shapes of upstream's templates/node-default.yaml and pod-*.yaml)
// ---------------------------------------------------------------------------------------------

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

function node(i: number, labels: Record<string, string> = {}): DeepReadonly<Node> {
  const name = `node-${i}`;
  const resources = (): Record<string, string> => ({ cpu: '4', memory: '32Gi', pods: '110' });
  return deepFreeze({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `node-uid-${i}`, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: {},
    status: { capacity: resources(), allocatable: resources(), conditions: [{ type: 'Ready', status: 'True' }], phase: 'Running' },
  } as Node) as DeepReadonly<Node>;
}

interface PodShape {
  readonly cpu?: string;
  readonly memory?: string;
  readonly priority?: number;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly affinity?: NonNullable<Pod['spec']>['affinity'];
  readonly topologySpreadConstraints?: NonNullable<Pod['spec']>['topologySpreadConstraints'];
  /** The ReplicaSet that controls the pod (its controller owner reference). */
  readonly owner?: { readonly name: string; readonly uid: string };
}

/** Builds pods with uids from a counter, so every run of a workload builds identical pods. */
class PodFactory {
  private seq = 0;

  pod(prefix: string, shape: PodShape = {}): DeepReadonly<Pod> {
    const n = this.seq++;
    const requests = (): Record<string, string> => ({ cpu: shape.cpu ?? '100m', memory: shape.memory ?? '500Mi' });
    // Nested parts are copied, so no two pods share an object (as pods decoded from the API).
    return deepFreeze({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${prefix}-${n}`,
        namespace: shape.namespace ?? 'default',
        uid: `pod-uid-${n}`,
        creationTimestamp: '2026-01-01T00:00:00Z',
        ...(shape.labels ? { labels: { ...shape.labels } } : {}),
        ...(shape.owner
          ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: shape.owner.name, uid: shape.owner.uid, controller: true, blockOwnerDeletion: true }] }
          : {}),
      },
      spec: {
        schedulerName: 'default-scheduler',
        ...(shape.priority !== undefined ? { priority: shape.priority } : {}),
        containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', ports: [{ containerPort: 80 }], resources: { requests: requests(), limits: requests() } }],
        ...(shape.affinity ? { affinity: structuredClone(shape.affinity) } : {}),
        ...(shape.topologySpreadConstraints ? { topologySpreadConstraints: structuredClone(shape.topologySpreadConstraints) } : {}),
      },
      status: { phase: 'Pending' },
    } as Pod) as DeepReadonly<Pod>;
  }
}

/** One run's input, built fresh for each run. */
interface WorkloadInput {
  readonly nodes: readonly DeepReadonly<Node>[];
  readonly objects: readonly DeepReadonly<KubeObject>[];
  readonly initPods: readonly DeepReadonly<Pod>[];
  readonly measurePods: readonly DeepReadonly<Pod>[];
}

interface Workload {
  readonly name: string;
  readonly build: () => WorkloadInput;
  /**
   * Whether each bound pod's status then changes to Running, as its kubelet would report it (the
   * scheduler cache sees one more update per pod, and the node's view changes again).
   */
  readonly kubelet?: boolean;
}

function range<T>(n: number, f: (i: number) => T): T[] {
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

function namespace(name: string): DeepReadonly<KubeObject> {
  return deepFreeze({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
}

/** SchedulingBasic's input (also the hand-written loop's). */
function basicInput(): WorkloadInput {
  const f = new PodFactory();
  return {
    nodes: range(scaled(5000, 100), (i) => node(i)),
    objects: [],
    initPods: range(scaled(1000, 20), () => f.pod('init')),
    measurePods: range(scaled(10_000, 200), () => f.pod('pod')),
  };
}

const NODE_AFFINITY: NonNullable<Pod['spec']>['affinity'] = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone1', 'zone2'] }] }],
    },
  },
};

function antiAffinity(group: string): NonNullable<Pod['spec']>['affinity'] {
  return {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { color: group } }, topologyKey: 'kubernetes.io/hostname', namespaces: ['sched-0', 'sched-1'] },
      ],
    },
  };
}

const ZONES = ['moon-1', 'moon-2', 'moon-3'];

const WORKLOADS: readonly Workload[] = [
  { name: 'SchedulingBasic', build: basicInput },
  {
    // Upstream labels every node `zone1` and requires zone1 or zone2.
    name: 'SchedulingNodeAffinity',
    build: () => {
      const f = new PodFactory();
      return {
        nodes: range(scaled(5000, 100), (i) => node(i, { 'topology.kubernetes.io/zone': 'zone1' })),
        objects: [],
        initPods: range(scaled(5000, 100), () => f.pod('init', { affinity: NODE_AFFINITY })),
        measurePods: range(scaled(10_000, 200), () => f.pod('node-affinity', { affinity: NODE_AFFINITY })),
      };
    },
  },
  {
    name: 'TopologySpreading',
    build: () => {
      const f = new PodFactory();
      return {
        nodes: range(scaled(5000, 100), (i) => node(i, { 'topology.kubernetes.io/zone': ZONES[i % ZONES.length]! })),
        objects: [],
        initPods: range(scaled(5000, 100), () => f.pod('init')),
        measurePods: range(scaled(5000, 100), () =>
          f.pod('spreading', {
            labels: { color: 'blue' },
            topologySpreadConstraints: [
              { maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } },
            ],
          }),
        ),
      };
    },
  },
  {
    // Upstream's template names namespaces that do not exist, so its constraint never matches;
    // here the term names the two namespaces in use, so pods of a group really repel each other.
    name: 'SchedulingPodAntiAffinity',
    build: () => {
      const f = new PodFactory();
      const group = (i: number): string => `group-${i % ANTI_AFFINITY_GROUPS}`;
      return {
        nodes: range(scaled(5000, 100), (i) => node(i)),
        objects: [namespace('sched-0'), namespace('sched-1')],
        initPods: range(scaled(1000, 20), (i) => f.pod('init', { namespace: 'sched-0', labels: { color: group(i) }, affinity: antiAffinity(group(i)) })),
        measurePods: range(scaled(2000, 40), (i) =>
          f.pod('anti-affinity', { namespace: 'sched-1', labels: { color: group(i) }, affinity: antiAffinity(group(i)) }),
        ),
      };
    },
  },
  {
    // Not an upstream workload: what a cluster of Deployments looks like to the scheduler. Pods are
    // owned by ReplicaSets, so the system default spreading constraints (hostname and zone, soft)
    // apply with each ReplicaSet's selector; the ReplicaSets' pods arrive interleaved, as their
    // controllers create them side by side, and each bound pod then turns Running.
    name: 'SchedulingReplicaSets',
    kubelet: true,
    build: () => {
      const f = new PodFactory();
      const sets = scaled(300, 10);
      const perSet = Number(process.env['BENCH_PER_SET'] ?? 34);
      const rs = range(sets, (i) => {
        const app = `app-${i}`;
        const hash = `h${(i * 7919).toString(36)}`;
        return { name: `${app}-${hash}`, uid: `rs-uid-${i}`, labels: { app, 'pod-template-hash': hash } };
      });
      return {
        nodes: range(scaled(1000, 100), (i) => node(i, { 'topology.kubernetes.io/zone': ZONES[i % ZONES.length]! })),
        objects: rs.map((r) =>
          deepFreeze({
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            metadata: { name: r.name, namespace: 'default', uid: r.uid, labels: { ...r.labels } },
            spec: { replicas: perSet, selector: { matchLabels: { ...r.labels } } },
          } as KubeObject),
        ),
        initPods: [],
        measurePods: range(sets * perSet, (i) => {
          const r = rs[i % sets]!;
          return f.pod(r.name, { labels: r.labels, owner: r });
        }),
      };
    },
  },
  {
    // Four 900m pods fill 3.6 of 4 CPUs; each 3-CPU high-priority pod must evict three of them.
    name: 'PreemptionBasic',
    build: () => {
      const f = new PodFactory();
      const n = scaled(500, 100);
      return {
        nodes: range(n, (i) => node(i)),
        objects: [],
        initPods: range(n * 4, () => f.pod('low', { cpu: '900m' })),
        measurePods: range(n, () => f.pod('high', { cpu: '3000m', priority: 10 })),
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------


// ---------------------------------------------------------------------------------------------
// The harness: the scheduler over an in-memory cluster
// ---------------------------------------------------------------------------------------------

/** The lister's kind key: `Kind` for the core group, `group/Kind` otherwise (`apps/ReplicaSet`). */
function kindKey(o: DeepReadonly<KubeObject>): string {
  const slash = o.apiVersion.indexOf('/');
  return slash < 0 ? o.kind : `${o.apiVersion.slice(0, slash)}/${o.kind}`;
}

function nsName(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? 'default'}/${name ?? ''}`;
}

class Cluster {
  readonly clock = new VirtualClock();
  readonly scheduler: Scheduler;
  /** The current version of every pod, by uid, and its uid by namespace/name. */
  readonly pods = new Map<string, DeepReadonly<Pod>>();
  private readonly uidByName = new Map<string, string>();
  readonly memory = new MemoryPeak();
  cycles = 0;
  victims = 0;

  constructor(registry: Registry, nodes: readonly DeepReadonly<Node>[], others: readonly DeepReadonly<KubeObject>[], kubelet = false) {
    const pods = this.pods;
    const uidByName = this.uidByName;
    // Other objects by kind and name, as an informer cache indexes them.
    const byName = new Map(others.map((o) => [`${kindKey(o)}/${nsName(o.metadata.namespace, o.metadata.name)}`, o]));
    const objects: ObjectLister = {
      list(kind, ns) {
        if (kind === 'Pod') return [...pods.values()].filter((p) => ns === undefined || p.metadata?.namespace === ns) as unknown as DeepReadonly<KubeObject>[];
        if (kind === 'Node') return nodes as unknown as DeepReadonly<KubeObject>[];
        return others.filter((o) => kindKey(o) === kind && (ns === undefined || o.metadata.namespace === ns));
      },
      get(kind, ns, name) {
        if (kind === 'Pod') {
          const uid = uidByName.get(nsName(ns, name));
          return uid === undefined ? undefined : (pods.get(uid) as unknown as DeepReadonly<KubeObject> | undefined);
        }
        return byName.get(`${kind}/${nsName(ns, name)}`);
      },
    };
    const current = (p: DeepReadonly<Pod>): DeepReadonly<Pod> | undefined => pods.get(p.metadata?.uid ?? '');
    const replace = (cur: DeepReadonly<Pod>, next: DeepReadonly<Pod>): void => {
      pods.set(next.metadata!.uid!, next);
      this.scheduler.onPodUpdate(cur, next);
    };
    const client: SchedulerClient = {
      bind: (p, nodeName) => {
        const cur = current(p);
        if (!cur) return Status.error(`pods "${p.metadata?.name}" not found`);
        if (cur.spec?.nodeName) return Status.error(`pod ${p.metadata?.name} is already assigned to node "${cur.spec.nodeName}"`);
        const bound = Object.freeze({ ...cur, spec: Object.freeze({ ...cur.spec!, nodeName }) }) as DeepReadonly<Pod>;
        replace(cur, bound);
        if (kubelet) replace(bound, Object.freeze({ ...bound, status: Object.freeze({ phase: 'Running', hostIP: '10.0.0.1' }) }) as DeepReadonly<Pod>);
        return Status.success();
      },
      // Preemption victims terminate at once, as in `runWhatIf`.
      deletePod: (p) => {
        const cur = current(p);
        if (!cur) return Status.success();
        pods.delete(cur.metadata!.uid!);
        uidByName.delete(nsName(cur.metadata?.namespace, cur.metadata?.name));
        this.victims++;
        this.scheduler.onPodDelete(cur);
        return Status.success();
      },
      setNominatedNodeName: (p, nodeName) => {
        const cur = current(p);
        if (!cur) return Status.success();
        const status: Record<string, unknown> = { ...(cur.status ?? {}) };
        if (nodeName === undefined) delete status['nominatedNodeName'];
        else status['nominatedNodeName'] = nodeName;
        replace(cur, Object.freeze({ ...cur, status: Object.freeze(status) }) as DeepReadonly<Pod>);
        return Status.success();
      },
      // A condition is not a scheduling-relevant update (the informer would not requeue on it).
      setPodCondition: () => Status.success(),
    };
    this.scheduler = new Scheduler({ config: defaultSchedulerConfig(), registry, clock: this.clock, rng: new Rng(SEED).fork('scheduler'), client, objects });
    for (const n of nodes) this.scheduler.onNodeAdd(n);
    for (const o of others) this.scheduler.onObjectEvent({ resource: o.kind as EventResource, actionType: ActionType.Add }, undefined, o);
  }

  add(list: readonly DeepReadonly<Pod>[]): void {
    for (const p of list) {
      this.pods.set(p.metadata!.uid!, p);
      this.uidByName.set(nsName(p.metadata?.namespace, p.metadata?.name), p.metadata!.uid!);
      this.scheduler.onPodAdd(p);
    }
  }

  /** Schedules until nothing more can be scheduled, letting virtual time pass for backoffs. */
  drain(): void {
    const s = this.scheduler;
    const q = s.queue;
    const maxCycles = this.cycles + 50 * (q.len() + 100);
    while (this.cycles < maxCycles) {
      if (!q.canPop()) {
        const next = q.nextBackoffFlushMs();
        if (next === undefined) break;
        this.clock.advanceTo(Math.max(next, this.clock.nowMs()));
        q.flushBackoffQCompleted();
        if (!q.canPop()) continue;
      }
      const attempt = s.scheduleOne();
      if (!attempt) break;
      this.cycles++;
      if (attempt.kind === 'assumed') for (const b of s.readyBindings()) s.runBindingCycle(b);
      if (this.cycles % SAMPLE_EVERY === 0) this.memory.sample();
    }
  }
}

interface RunResult {
  readonly nodes: number;
  readonly initPods: number;
  readonly measured: number;
  readonly seconds: number;
  /** Process CPU time (user + system) over the same interval: unaffected by waiting for a core. */
  readonly cpuSeconds: number;
  readonly scheduled: number;
  readonly cycles: number;
  readonly victims: number;
  readonly heapPeakMb: number;
  readonly rssPeakMb: number;
  readonly pluginErrors: number;
  /** A digest of the node of every measured pod, for the determinism check. */
  readonly placements: string;
}

function runOnce(registry: Registry, w: Workload): RunResult {
  collectGarbage();
  const input = w.build();
  const cluster = new Cluster(registry, input.nodes, input.objects, w.kubelet === true);
  cluster.add(input.initPods);
  cluster.drain();
  const cyclesBefore = cluster.cycles;
  const victimsBefore = cluster.victims;
  cluster.memory.sample();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  cluster.add(input.measurePods);
  cluster.drain();
  const t1 = performance.now();
  const c1 = process.cpuUsage(c0);
  cluster.memory.sample();
  let scheduled = 0;
  const placements: string[] = [];
  for (const p of input.measurePods) {
    const n = cluster.pods.get(p.metadata!.uid!)?.spec?.nodeName;
    if (n) scheduled++;
    placements.push(n ?? '-');
  }
  return {
    nodes: input.nodes.length,
    initPods: input.initPods.length,
    measured: input.measurePods.length,
    seconds: (t1 - t0) / 1000,
    cpuSeconds: (c1.user + c1.system) / 1e6,
    scheduled,
    cycles: cluster.cycles - cyclesBefore,
    victims: cluster.victims - victimsBefore,
    heapPeakMb: cluster.memory.heapUsed / MB,
    rssPeakMb: cluster.memory.rss / MB,
    pluginErrors: cluster.scheduler.allPluginErrors().length,
    placements: digest(placements.join(',')),
  };
}

/** A short FNV-1a digest of a string. */
function digest(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// The hand-written loop: resource fit + taints + LeastAllocated, same sampling rule
// ---------------------------------------------------------------------------------------------

/**
 * Schedules `initPods` (not measured) then `measurePods` over `nodes` with only what matters for
 * these pods: pod count, cpu and memory fit, NoSchedule/NoExecute taints, and the LeastAllocated
 * score (cpu and memory, weight 1, with the non-zero request defaults); nodes are scanned from a
 * rotating start until `numFeasibleNodesToFind` fit, and the first best score wins.
 */
function handWritten(input: WorkloadInput): { seconds: number; scheduled: number } {
  const nodes = input.nodes;
  const n = nodes.length;
  const allocCpu = new Float64Array(n);
  const allocMem = new Float64Array(n);
  const allocPods = new Float64Array(n);
  const reqCpu = new Float64Array(n);
  const reqMem = new Float64Array(n);
  const nzCpu = new Float64Array(n);
  const nzMem = new Float64Array(n);
  const podCount = new Int32Array(n);
  const taints = nodes.map((nd) => (nd.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'));
  for (let i = 0; i < n; i++) {
    const a = resourceVectorFromList(nodes[i]!.status?.allocatable);
    allocCpu[i] = a.milliCPU;
    allocMem[i] = a.memory;
    allocPods[i] = a.allowedPodNumber;
  }
  const toFind = numFeasibleNodesToFind(undefined, n);
  let next = 0;
  const scheduleAll = (pods: readonly DeepReadonly<Pod>[]): number => {
    let scheduled = 0;
    for (const p of pods) {
      const r = podRequests(p);
      const pzCpu = r.milliCPU === 0 ? 100 : r.milliCPU;
      const pzMem = r.memory === 0 ? 200 * MB : r.memory;
      const tolerations = p.spec?.tolerations ?? [];
      let found = 0;
      let processed = 0;
      let best = -1;
      let bestScore = -1;
      for (let k = 0; k < n && found < toFind; k++) {
        const i = (next + k) % n;
        processed++;
        if (podCount[i]! + 1 > allocPods[i]!) continue;
        if (r.milliCPU > allocCpu[i]! - reqCpu[i]!) continue;
        if (r.memory > allocMem[i]! - reqMem[i]!) continue;
        const ts = taints[i]!;
        let tolerated = true;
        for (let t = 0; t < ts.length && tolerated; t++) tolerated = tolerations.some((tol) => toleratesTaint(tol, ts[t]!));
        if (!tolerated) continue;
        found++;
        const cpuLeft = allocCpu[i]! - nzCpu[i]! - pzCpu;
        const memLeft = allocMem[i]! - nzMem[i]! - pzMem;
        const cpuScore = cpuLeft < 0 ? 0 : Math.trunc((cpuLeft * 100) / allocCpu[i]!);
        const memScore = memLeft < 0 ? 0 : Math.trunc((memLeft * 100) / allocMem[i]!);
        const score = Math.trunc((cpuScore + memScore) / 2);
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      }
      next = (next + processed) % n;
      if (best < 0) continue;
      podCount[best]!++;
      reqCpu[best]! += r.milliCPU;
      reqMem[best]! += r.memory;
      nzCpu[best]! += pzCpu;
      nzMem[best]! += pzMem;
      scheduled++;
    }
    return scheduled;
  };
  scheduleAll(input.initPods);
  const t0 = performance.now();
  const scheduled = scheduleAll(input.measurePods);
  return { seconds: (performance.now() - t0) / 1000, scheduled };
}

// ---------------------------------------------------------------------------------------------

const TARGETS: Readonly<Record<string, number>> = {
  SchedulingBasic: 5000,
  SchedulingNodeAffinity: 1000,
  TopologySpreading: 1000,
  SchedulingPodAntiAffinity: 1000,
};

/** Upstream's thresholds for the real scheduler (scheduler_perf `threshold`, pods/s). */
const UPSTREAM_THRESHOLDS: Readonly<Record<string, number>> = {
  SchedulingBasic: 270,
  SchedulingNodeAffinity: 220,
  TopologySpreading: 85,
  SchedulingPodAntiAffinity: 60,
  PreemptionBasic: 18,
};

export async function run(): Promise<BenchResult[]> {
  return runWithRegistry(pluginRegistry(defaultSchedulerPlugins));
}

/** The benchmark over a plugin registry (the default plugins for `run()`). */
export function runWithRegistry(registry: Registry): BenchResult[] {
  const results: BenchResult[] = [];
  let basicRate: number | undefined;
  for (const w of WORKLOADS) {
    if (ONLY.length > 0 && !ONLY.some((s) => w.name.toLowerCase().includes(s))) continue;
    const runs: RunResult[] = [];
    for (let i = 0; i < REPEAT; i++) runs.push(runOnce(registry, w));
    const first = runs[0]!;
    if (runs.some((r) => r.placements !== first.placements)) {
      throw new Error(`${w.name}: runs with the same seed placed pods differently (${runs.map((r) => r.placements).join(' ')})`);
    }
    const rates = runs.map((r) => r.measured / r.seconds);
    const rate = median(rates);
    if (w.name === 'SchedulingBasic') basicRate = rate;
    const target = TARGETS[w.name];
    const name = `scheduler: ${w.name}`;
    results.push({
      name,
      metric: 'throughput',
      value: Math.round(rate),
      unit: 'pods/s',
      extra: {
        min: Math.round(Math.min(...rates)),
        max: Math.round(Math.max(...rates)),
        'µs/pod': Math.round(1e6 / rate),
        'per cpu-s': Math.round(median(runs.map((r) => r.measured / r.cpuSeconds))),
        nodes: first.nodes,
        init: first.initPods,
        measured: first.measured,
        scheduled: first.scheduled,
        unschedulable: first.measured - first.scheduled,
        cycles: first.cycles,
        ...(first.victims > 0 ? { victims: first.victims } : {}),
        ...(first.pluginErrors > 0 ? { pluginErrors: first.pluginErrors } : {}),
        ...(target !== undefined ? { target } : {}),
        upstream: UPSTREAM_THRESHOLDS[w.name] ?? 0,
        placements: first.placements,
      },
    });
    results.push({
      name,
      metric: 'peak heap used',
      value: Math.round(Math.max(...runs.map((r) => r.heapPeakMb))),
      unit: 'MB',
      extra: { 'peak rss': `${Math.round(Math.max(...runs.map((r) => r.rssPeakMb)))}MB`, runs: REPEAT },
    });
  }
  if (basicRate !== undefined) {
    const rates: number[] = [];
    let input: WorkloadInput | undefined;
    let scheduled = 0;
    for (let i = 0; i < REPEAT; i++) {
      collectGarbage();
      input = basicInput();
      const r = handWritten(input);
      rates.push(input.measurePods.length / r.seconds);
      scheduled = r.scheduled;
    }
    const rate = median(rates);
    results.push({
      name: 'scheduler: SchedulingBasic, hand-written loop',
      metric: 'throughput',
      value: Math.round(rate),
      unit: 'pods/s',
      extra: { min: Math.round(Math.min(...rates)), max: Math.round(Math.max(...rates)), nodes: input!.nodes.length, measured: input!.measurePods.length, scheduled },
    });
    results.push({
      name: 'scheduler: SchedulingBasic / hand-written loop',
      metric: 'ratio',
      value: basicRate / rate,
      unit: '×',
      extra: { framework: `${(rate / basicRate).toFixed(1)}× slower than the bare loop` },
    });
  }
  return results;
}
