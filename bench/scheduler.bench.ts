/**
 * Scheduler throughput on workloads shaped like upstream scheduler_perf
 * (`test/integration/scheduler_perf/{misc,affinity,topology_spreading,default_preemption}`): node and
 * pod templates of the same shape (4 CPU / 32Gi / 110 pods nodes, 100m / 500Mi pods), the default
 * profile and the adaptive `percentageOfNodesToScore`.
 *
 * Each workload creates its nodes, lets the scheduler place the initial pods (not measured, as
 * upstream's `createPods` without `collectMetrics`), then measures the scheduling of the measured
 * pods from their arrival in the queue to the end of their binding cycles: pods/s, peak heap used and
 * peak RSS (sampled with `process.memoryUsage()`), and how many pods were scheduled. The harness is the
 * `Scheduler` class driven directly, as `runWhatIf` drives it, with an in-memory client that binds at
 * once and deletes preemption victims at once; no I/O, one thread.
 *
 * A hand-written loop that does only resource fit, taints and LeastAllocated over the SchedulingBasic
 * input, with the same sampling rule, runs in the same process; SchedulingBasic's throughput is
 * reported as a ratio of it, i.e. what the framework costs over the bare arithmetic.
 *
 * Sizes scale with `BENCH_SCALE` (default 1; e.g. `BENCH_SCALE=0.1` for a quick run; node counts
 * keep at least 100 so the sampling rule still applies), and `BENCH_WORKLOADS` (a comma-separated
 * list of substrings) picks workloads.
 */
import type { BenchResult } from './bench-result.js';
import {
  ActionType,
  defaultSchedulerConfig,
  numFeasibleNodesToFind,
  podRequests,
  resourceVectorFromList,
  pluginRegistry,
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

const SCALE = Number(process.env['BENCH_SCALE'] ?? '1');
const ONLY = (process.env['BENCH_WORKLOADS'] ?? '')
  .split(',')
  .map((s) => s.trim().toLowerCase())
  .filter((s) => s !== '');
/** How many groups SchedulingPodAntiAffinity's pods form (anti-affinity holds within a group). */
const ANTI_AFFINITY_GROUPS = Number(process.env['BENCH_ANTI_AFFINITY_GROUPS'] ?? '10');
const SEED = 42;

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
  const resources = { cpu: '4', memory: '32Gi', pods: '110' };
  return deepFreeze({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `node-uid-${i}`, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: {},
    status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True' }], phase: 'Running' },
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
}

let podSeq = 0;

function pod(prefix: string, shape: PodShape = {}): DeepReadonly<Pod> {
  const n = podSeq++;
  const requests = { cpu: shape.cpu ?? '100m', memory: shape.memory ?? '500Mi' };
  return deepFreeze({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${prefix}-${n}`,
      namespace: shape.namespace ?? 'default',
      uid: `pod-uid-${n}`,
      creationTimestamp: '2026-01-01T00:00:00Z',
      ...(shape.labels ? { labels: shape.labels } : {}),
    },
    spec: {
      schedulerName: 'default-scheduler',
      ...(shape.priority !== undefined ? { priority: shape.priority } : {}),
      containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', ports: [{ containerPort: 80 }], resources: { requests, limits: requests } }],
      ...(shape.affinity ? { affinity: shape.affinity } : {}),
      ...(shape.topologySpreadConstraints ? { topologySpreadConstraints: shape.topologySpreadConstraints } : {}),
    },
    status: { phase: 'Pending' },
  } as Pod) as DeepReadonly<Pod>;
}

interface Workload {
  readonly name: string;
  readonly nodes: readonly DeepReadonly<Node>[];
  readonly initPods: () => DeepReadonly<Pod>[];
  readonly measurePods: () => DeepReadonly<Pod>[];
  readonly objects?: readonly DeepReadonly<KubeObject>[];
}

function range<T>(n: number, f: (i: number) => T): T[] {
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

function namespace(name: string): DeepReadonly<KubeObject> {
  return deepFreeze({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
}

function basicInput(): { nodes: DeepReadonly<Node>[]; init: number; measure: number } {
  return { nodes: range(scaled(5000, 100), (i) => node(i)), init: scaled(1000, 20), measure: scaled(10_000, 200) };
}

function workloads(): Workload[] {
  const basic = basicInput();
  const nodeAffinityNodes = scaled(5000, 100);
  const spreadNodes = scaled(5000, 100);
  const antiNodes = scaled(5000, 100);
  const preemptNodes = scaled(500, 100);
  const antiTerm = (group: string): NonNullable<Pod['spec']>['affinity'] => ({
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { color: group } }, topologyKey: 'kubernetes.io/hostname', namespaces: ['sched-0', 'sched-1'] },
      ],
    },
  });
  const zones = ['moon-1', 'moon-2', 'moon-3'];
  return [
    {
      name: 'SchedulingBasic',
      nodes: basic.nodes,
      initPods: () => range(basic.init, () => pod('init')),
      measurePods: () => range(basic.measure, () => pod('pod')),
    },
    {
      // Upstream labels every node `zone1` and requires zone1 or zone2.
      name: 'SchedulingNodeAffinity',
      nodes: range(nodeAffinityNodes, (i) => node(i, { 'topology.kubernetes.io/zone': 'zone1' })),
      initPods: () => range(scaled(5000, 100), () => pod('init', { affinity: nodeAffinity })),
      measurePods: () => range(scaled(10_000, 200), () => pod('node-affinity', { affinity: nodeAffinity })),
    },
    {
      name: 'TopologySpreading',
      nodes: range(spreadNodes, (i) => node(i, { 'topology.kubernetes.io/zone': zones[i % zones.length]! })),
      initPods: () => range(scaled(5000, 100), () => pod('init')),
      measurePods: () =>
        range(scaled(5000, 100), () =>
          pod('spreading', {
            labels: { color: 'blue' },
            topologySpreadConstraints: [
              { maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } },
            ],
          }),
        ),
    },
    {
      // Upstream's template names namespaces that do not exist, so its constraint never matches;
      // here the term names the two namespaces in use, so pods of a group really repel each other.
      name: 'SchedulingPodAntiAffinity',
      nodes: range(antiNodes, (i) => node(i)),
      objects: [namespace('sched-0'), namespace('sched-1')],
      initPods: () =>
        range(scaled(1000, 20), (i) => {
          const g = `group-${i % ANTI_AFFINITY_GROUPS}`;
          return pod('init', { namespace: 'sched-0', labels: { color: g }, affinity: antiTerm(g) });
        }),
      measurePods: () =>
        range(scaled(2000, 40), (i) => {
          const g = `group-${i % ANTI_AFFINITY_GROUPS}`;
          return pod('anti-affinity', { namespace: 'sched-1', labels: { color: g }, affinity: antiTerm(g) });
        }),
    },
    {
      // Four 900m pods fill 3.6 of 4 CPUs; each 3-CPU high-priority pod must evict three of them.
      name: 'PreemptionBasic',
      nodes: range(preemptNodes, (i) => node(i)),
      initPods: () => range(preemptNodes * 4, () => pod('low', { cpu: '900m' })),
      measurePods: () => range(preemptNodes, () => pod('high', { cpu: '3000m', priority: 10 })),
    },
  ].filter((w) => ONLY.length === 0 || ONLY.some((s) => w.name.toLowerCase().includes(s)));
}

const nodeAffinity: NonNullable<Pod['spec']>['affinity'] = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone1', 'zone2'] }] }],
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Memory sampling
// ---------------------------------------------------------------------------------------------

class MemoryPeak {
  heapUsed = 0;
  rss = 0;
  sample(): void {
    const m = process.memoryUsage();
    if (m.heapUsed > this.heapUsed) this.heapUsed = m.heapUsed;
    if (m.rss > this.rss) this.rss = m.rss;
  }
}

const MB = 1024 * 1024;
/** Cycles between memory samples: often enough to see the peak, rarely enough to cost nothing. */
const SAMPLE_EVERY = 250;

// ---------------------------------------------------------------------------------------------
// The harness: the scheduler over an in-memory cluster
// ---------------------------------------------------------------------------------------------

class Cluster {
  readonly clock = new VirtualClock();
  readonly scheduler: Scheduler;
  /** Current version of every pod, by uid. */
  readonly pods = new Map<string, DeepReadonly<Pod>>();
  readonly memory = new MemoryPeak();
  cycles = 0;
  bound = 0;
  preemptions = 0;

  constructor(
    registry: ReturnType<typeof pluginRegistry>,
    nodes: readonly DeepReadonly<Node>[],
    others: readonly DeepReadonly<KubeObject>[],
  ) {
    const pods = this.pods;
    const objects: ObjectLister = {
      list(kind, ns) {
        if (kind === 'Pod') return [...pods.values()].filter((p) => ns === undefined || p.metadata?.namespace === ns) as unknown as DeepReadonly<KubeObject>[];
        if (kind === 'Node') return nodes as unknown as DeepReadonly<KubeObject>[];
        return others.filter((o) => o.kind === kind && (ns === undefined || o.metadata.namespace === ns));
      },
      get(kind, ns, name) {
        return this.list(kind, ns).find((o) => o.metadata?.name === name);
      },
    };
    const replace = (cur: DeepReadonly<Pod>, next: DeepReadonly<Pod>): void => {
      pods.set(next.metadata!.uid!, next);
      this.scheduler.onPodUpdate(cur, next);
    };
    const client: SchedulerClient = {
      bind: (p, nodeName) => {
        const cur = pods.get(p.metadata?.uid ?? '');
        if (!cur) return Status.error(`pod ${p.metadata?.name} not found`);
        if (cur.spec?.nodeName) return Status.error(`pod ${p.metadata?.name} is already assigned`);
        replace(cur, Object.freeze({ ...cur, spec: Object.freeze({ ...cur.spec!, nodeName }) }) as DeepReadonly<Pod>);
        this.bound++;
        return Status.success();
      },
      deletePod: (p) => {
        const cur = pods.get(p.metadata?.uid ?? '');
        if (!cur) return Status.success();
        pods.delete(cur.metadata!.uid!);
        this.preemptions++;
        this.scheduler.onPodDelete(cur);
        return Status.success();
      },
      setNominatedNodeName: (p, nodeName) => {
        const cur = pods.get(p.metadata?.uid ?? '');
        if (!cur) return Status.success();
        const status: Record<string, unknown> = { ...(cur.status ?? {}) };
        if (nodeName === undefined) delete status['nominatedNodeName'];
        else status['nominatedNodeName'] = nodeName;
        replace(cur, Object.freeze({ ...cur, status: Object.freeze(status) }) as DeepReadonly<Pod>);
        return Status.success();
      },
      // Conditions do not matter to scheduling; the informer would not requeue on them.
      setPodCondition: () => Status.success(),
    };
    this.scheduler = new Scheduler({ config: defaultSchedulerConfig(), registry, clock: this.clock, rng: new Rng(SEED).fork('scheduler'), client, objects });
    for (const n of nodes) this.scheduler.onNodeAdd(n);
    for (const o of others) this.scheduler.onObjectEvent({ resource: o.kind as EventResource, actionType: ActionType.Add }, undefined, o);
  }

  add(list: readonly DeepReadonly<Pod>[]): void {
    for (const p of list) {
      this.pods.set(p.metadata!.uid!, p);
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

interface WorkloadResult {
  readonly name: string;
  readonly nodes: number;
  readonly initPods: number;
  readonly measured: number;
  readonly seconds: number;
  readonly scheduled: number;
  readonly unschedulable: number;
  readonly cycles: number;
  readonly preemptions: number;
  readonly heapPeakMb: number;
  readonly rssPeakMb: number;
  readonly pluginErrors: number;
  /** Node name per measured pod, for the determinism check. */
  readonly placements: string;
}

function runWorkload(registry: ReturnType<typeof pluginRegistry>, w: Workload): WorkloadResult {
  (globalThis as { gc?: () => void }).gc?.();
  const cluster = new Cluster(registry, w.nodes, w.objects ?? []);
  const init = w.initPods();
  cluster.add(init);
  cluster.drain();
  const measure = w.measurePods();
  const cyclesBefore = cluster.cycles;
  const preemptionsBefore = cluster.preemptions;
  cluster.memory.sample();
  const t0 = performance.now();
  cluster.add(measure);
  cluster.drain();
  const t1 = performance.now();
  cluster.memory.sample();
  let scheduled = 0;
  const placements: string[] = [];
  for (const p of measure) {
    const cur = cluster.pods.get(p.metadata!.uid!);
    const n = cur?.spec?.nodeName;
    if (n) scheduled++;
    placements.push(n ?? '-');
  }
  return {
    name: w.name,
    nodes: w.nodes.length,
    initPods: init.length,
    measured: measure.length,
    seconds: (t1 - t0) / 1000,
    scheduled,
    unschedulable: measure.length - scheduled,
    cycles: cluster.cycles - cyclesBefore,
    preemptions: cluster.preemptions - preemptionsBefore,
    heapPeakMb: cluster.memory.heapUsed / MB,
    rssPeakMb: cluster.memory.rss / MB,
    pluginErrors: cluster.scheduler.allPluginErrors().length,
    placements: placements.join(','),
  };
}

// ---------------------------------------------------------------------------------------------
// The hand-written baseline: resource fit + taints + LeastAllocated, same sampling rule
// ---------------------------------------------------------------------------------------------

interface BaselineResult {
  readonly seconds: number;
  readonly scheduled: number;
}

function baseline(nodes: readonly DeepReadonly<Node>[], initPods: readonly DeepReadonly<Pod>[], measurePods: readonly DeepReadonly<Pod>[]): BaselineResult {
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
      // Scoring counts at least 100m / 200Mi per pod, as the non-zero defaults do.
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
  scheduleAll(initPods);
  const t0 = performance.now();
  const scheduled = scheduleAll(measurePods);
  return { seconds: (performance.now() - t0) / 1000, scheduled };
}

// ---------------------------------------------------------------------------------------------

const TARGETS: Readonly<Record<string, number>> = {
  SchedulingBasic: 5000,
  SchedulingNodeAffinity: 1000,
  TopologySpreading: 1000,
  SchedulingPodAntiAffinity: 1000,
};
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

/** The benchmark over a given plugin registry (the default plugins for `run()`). */
export function runWithRegistry(registry: ReturnType<typeof pluginRegistry>): BenchResult[] {
  const results: BenchResult[] = [];
  let basicRate: number | undefined;
  for (const w of workloads()) {
    const r = runWorkload(registry, w);
    const rate = r.measured / r.seconds;
    if (w.name === 'SchedulingBasic') basicRate = rate;
    const target = TARGETS[w.name];
    results.push({
      name: `scheduler: ${w.name}`,
      metric: 'throughput',
      value: Math.round(rate),
      unit: 'pods/s',
      extra: {
        nodes: r.nodes,
        init: r.initPods,
        measured: r.measured,
        scheduled: r.scheduled,
        unschedulable: r.unschedulable,
        cycles: r.cycles,
        ...(r.preemptions > 0 ? { victims: r.preemptions } : {}),
        ...(r.pluginErrors > 0 ? { pluginErrors: r.pluginErrors } : {}),
        ...(target !== undefined ? { target } : {}),
        upstream: UPSTREAM_THRESHOLDS[w.name] ?? 0,
      },
    });
    results.push({ name: `scheduler: ${w.name}`, metric: 'peak heap used', value: Math.round(r.heapPeakMb), unit: 'MB', extra: { rss: `${Math.round(r.rssPeakMb)}MB` } });
    if (process.env['BENCH_PLACEMENTS']) process.stderr.write(`placements ${w.name} ${digest(r.placements)}\n`);
  }
  if (basicRate !== undefined) {
    // Same nodes, same pods (fresh objects of the same shape), same sampling rule.
    const input = basicInput();
    const init = range(input.init, () => pod('init'));
    const measure = range(input.measure, () => pod('pod'));
    const b = baseline(input.nodes, init, measure);
    const rate = measure.length / b.seconds;
    results.push({
      name: 'scheduler: SchedulingBasic hand-written loop',
      metric: 'throughput',
      value: Math.round(rate),
      unit: 'pods/s',
      extra: { nodes: input.nodes.length, measured: measure.length, scheduled: b.scheduled },
    });
    results.push({ name: 'scheduler: SchedulingBasic vs hand-written loop', metric: 'ratio', value: basicRate / rate, unit: 'x', extra: { overhead: `${(rate / basicRate).toFixed(1)}x slower` } });
  }
  return results;
}

/** A short FNV-1a digest of a string (placements), to compare runs. */
function digest(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
export const __testing = { Cluster, workloads };
