/**
 * Whole-cluster throughput: `createSimulation` with every component it wires, measured in host
 * time. Each scenario is one function that describes its cluster (manifests, options) and its goal
 * to `measure`, which builds the cluster, runs it until the goal holds and returns a
 * `ScenarioMeasurement`; `scenarios()` lists them and `run()` turns the measurements into rows. A
 * new scenario is a function like `kubeletScenario` plus a line in `scenarios()`.
 *
 * Scenarios:
 * - `kubelets`: N nodes with their kubelets and kube-proxies, and M pods created already bound
 *   (`spec.nodeName` set, spread round-robin), no controllers; the scheduler runs but has nothing
 *   to place. Goal: every pod Ready. This is the watch fan-out of pod writes to node-filtered pod
 *   informers (one per kubelet) plus the kubelets' own work. Sizes: 1,000 nodes / 30,000 pods and
 *   5,000 nodes / 150,000 pods.
 *
 * Figures per scenario: wall time (creating the cluster, i.e. applying every manifest through the
 * API server, plus running it; the CPU time next to it is the steadier figure on a busy machine),
 * simulated time until the goal held, simulation events per wall
 * second (`sim.steps` / wall), and the peak RSS and heap used, sampled with `process.memoryUsage()`
 * at every goal check (every `CHECK_EVERY_MS` of simulated time) and around cluster creation.
 * Memory peaks are process-wide: scenarios run smallest first, and a full collection runs between
 * them (where the runtime allows it), so a larger scenario's peak is its own.
 *
 * The trace keeps only its last `TRACE_LIMIT` entries (the digest still covers every entry), so
 * what is measured is the cluster, not a growing trace.
 *
 * Environment: `BENCH_SCALE` (default 1) scales node and pod counts (e.g. `0.1` for a quick run);
 * `BENCH_CLUSTER` (comma-separated substrings of scenario names, e.g. `1000n`) picks scenarios;
 * `BENCH_CLUSTER_NODES` and `BENCH_CLUSTER_PODS` replace the sizes of the `kubelets` scenarios
 * with a single custom one.
 */
import type { BenchResult } from './bench-result.js';
import { collectGarbage, MemoryPeak } from './bench-support.js';
import { createSimulation, type ClusterSimulation, type CreateSimulationOptions, type DeepReadonly, type KubeObject, type Pod } from '../core/index.js';
// Registers the default scheduler plugins (and controllers) as createSimulation's defaults.
import '../plugins/index.js';

const SCALE = Number(process.env['BENCH_SCALE'] ?? '1');
const ONLY = (process.env['BENCH_CLUSTER'] ?? '')
  .split(',')
  .map((s) => s.trim().toLowerCase())
  .filter((s) => s !== '');
/** How often (simulated time) the goal is checked and memory sampled. */
const CHECK_EVERY_MS = 200;
/** Give up after this much simulated time: a scenario that does not converge is a failure. */
const MAX_SIM_MS = 30 * 60_000;
const TRACE_LIMIT = 10_000;

/** What one scenario run measured. */
export interface ScenarioMeasurement {
  readonly name: string;
  /** Host time to build the cluster (createSimulation with every manifest), in ms. */
  readonly createMs: number;
  /** Host time to run the simulation until the goal held, in ms. */
  readonly runMs: number;
  /** Simulated time when the goal held, in ms. */
  readonly simMs: number;
  /** Simulation events delivered (`sim.steps`). */
  readonly steps: number;
  readonly peakRssBytes: number;
  readonly peakHeapBytes: number;
  /** Host time spent checking the goal (included in `runMs`), in ms. */
  readonly checkMs: number;
  /**
   * CPU time (user + system) of creating and running, in ms: close to the wall time on an idle
   * machine, and the steadier figure when other processes compete for the CPU.
   */
  readonly cpuMs: number;
  readonly extra: Readonly<Record<string, string | number>>;
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by scenarios
// ---------------------------------------------------------------------------------------------


function scaled(n: number, min: number): number {
  return Math.max(min, Math.round(n * SCALE));
}

function envInt(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${text}`);
  return n;
}

function nodeManifest(i: number): KubeObject {
  const name = `node-${i}`;
  const resources = { cpu: '32', memory: '128Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
    status: { capacity: { ...resources }, allocatable: { ...resources } },
  };
}

/** A pod already bound to `nodeName`, shaped like a ReplicaSet's pod. */
function boundPodManifest(i: number, nodeName: string): KubeObject {
  const app = `web-${i % 50}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${app}-${i.toString(36)}`, namespace: 'default', labels: { app, 'pod-template-hash': '7d9f8c6b5' } },
    spec: {
      nodeName,
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/web:1.25.3',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
        },
      ],
    },
  };
}

function isReady(pod: DeepReadonly<Pod>): boolean {
  const conditions = pod.status?.conditions;
  if (conditions === undefined) return false;
  for (const c of conditions) if (c.type === 'Ready') return c.status === 'True';
  return false;
}

/**
 * Runs `cluster` until `goal()` holds, checking it every `CHECK_EVERY_MS` of simulated time (not
 * after every event: a check that walks every pod would cost more than the events between checks).
 */
function runUntilGoal(cluster: ClusterSimulation, goal: () => boolean, memory: MemoryPeak): { simMs: number; checkMs: number } {
  let nextCheckMs = 0;
  let checkMs = 0;
  const predicate = (): boolean => {
    if (cluster.nowMs < nextCheckMs) return false;
    nextCheckMs = cluster.nowMs + CHECK_EVERY_MS;
    const t0 = performance.now();
    memory.sample();
    const done = goal();
    checkMs += performance.now() - t0;
    return done;
  };
  const res = cluster.runUntil(predicate, { maxMs: MAX_SIM_MS });
  if (res.outcome !== 'predicate') throw new Error(`the goal did not hold within ${MAX_SIM_MS} ms of simulated time (outcome ${res.outcome})`);
  return { simMs: cluster.nowMs, checkMs };
}

/**
 * A goal: every pod of `namespace` that exists when it is built is Ready. A pod never goes back
 * in these scenarios, so a check resumes where the last one stopped and stops at the first pod
 * still not Ready: every pod is read Ready once, plus one read per check.
 */
function podsReady(cluster: ClusterSimulation, namespace: string): () => boolean {
  const waiting: string[] = [];
  for (const p of cluster.state.list('Pod', namespace)) waiting.push(p.metadata?.name ?? '');
  let next = 0;
  return () => {
    while (next < waiting.length) {
      const p = cluster.state.get('Pod', namespace, waiting[next] as string) as DeepReadonly<Pod> | undefined;
      if (p === undefined || !isReady(p)) return false;
      next++;
    }
    return true;
  };
}

/** What a scenario hands `measure`: its cluster's input and options, and when it is done. */
interface ScenarioSetup {
  /** The objects applied at time 0; built before the clock starts, and dropped once applied. */
  readonly manifests: () => KubeObject[];
  /** Options of `createSimulation` besides the manifests; seed 1 and `TRACE_LIMIT` by default. */
  readonly options?: Omit<CreateSimulationOptions, 'manifests'>;
  /** The goal for the created cluster (building it is not timed), checked every `CHECK_EVERY_MS`. */
  readonly goal: (cluster: ClusterSimulation) => () => boolean;
  /** Sizes and other context for the report. */
  readonly extra?: Readonly<Record<string, string | number>>;
}

/** Builds a scenario's cluster, runs it until its goal holds, and measures both. */
function measure(name: string, setup: ScenarioSetup): ScenarioMeasurement {
  let manifests = setup.manifests();
  const memory = new MemoryPeak();
  memory.sample();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const cluster = createSimulation({ seed: 1, traceLimit: TRACE_LIMIT, ...setup.options, manifests });
  const t1 = performance.now();
  manifests = [];
  memory.sample();
  const goal = setup.goal(cluster);
  const t2 = performance.now();
  const { simMs, checkMs } = runUntilGoal(cluster, goal, memory);
  const t3 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  memory.sample();
  const stats = cluster.store.stats();
  const net = cluster.network.stats();
  return {
    name,
    createMs: t1 - t0,
    runMs: t3 - t2,
    simMs,
    steps: cluster.sim.steps,
    peakRssBytes: memory.rss,
    peakHeapBytes: memory.heapUsed,
    checkMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    extra: {
      ...setup.extra,
      revision: stats.revision,
      watchers: stats.watchers,
      pumps: net.pumps,
      polls: net.polls,
      traceEntries: cluster.trace.count,
      // Same seed and sizes give the same digest: a change that alters it changed behaviour.
      digest: cluster.trace.digest().slice(0, 16),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

/**
 * `nodes` kubelets and `pods` pods created bound to them (round-robin), no controllers: time
 * until every pod is Ready.
 */
function kubeletScenario(name: string, nodes: number, pods: number): ScenarioMeasurement {
  return measure(name, {
    manifests: () => {
      const out: KubeObject[] = [];
      for (let i = 0; i < nodes; i++) out.push(nodeManifest(i));
      for (let i = 0; i < pods; i++) out.push(boundPodManifest(i, `node-${i % nodes}`));
      return out;
    },
    options: { controllers: [] },
    goal: (cluster) => podsReady(cluster, 'default'),
    extra: { nodes, pods },
  });
}

interface Scenario {
  readonly name: string;
  readonly run: () => ScenarioMeasurement;
}

function scenarios(): Scenario[] {
  const customNodes = envInt('BENCH_CLUSTER_NODES');
  const customPods = envInt('BENCH_CLUSTER_PODS');
  const kubelet = (nodes: number, pods: number): Scenario => {
    const name = `cluster: kubelets ${nodes}n/${pods}p`;
    return { name, run: () => kubeletScenario(name, nodes, pods) };
  };
  if (customNodes !== undefined || customPods !== undefined) {
    return [kubelet(customNodes ?? scaled(1000, 1), customPods ?? scaled(30_000, 1))];
  }
  return [kubelet(scaled(1000, 1), scaled(30_000, 1)), kubelet(scaled(5000, 1), scaled(150_000, 1))];
}

const MB = 1024 * 1024;

function rows(m: ScenarioMeasurement): BenchResult[] {
  const wallS = (m.createMs + m.runMs) / 1000;
  const extra = { ...m.extra, createS: m.createMs / 1000, runS: m.runMs / 1000, checkS: m.checkMs / 1000, cpuS: m.cpuMs / 1000, steps: m.steps };
  return [
    { name: m.name, metric: 'wall', value: wallS, unit: 's', extra },
    { name: m.name, metric: 'simulated', value: m.simMs / 1000, unit: 's' },
    { name: m.name, metric: 'events/s', value: Math.round(m.steps / wallS), unit: 'ev/s' },
    { name: m.name, metric: 'peak RSS', value: Math.round(m.peakRssBytes / MB), unit: 'MB' },
    { name: m.name, metric: 'peak heap', value: Math.round(m.peakHeapBytes / MB), unit: 'MB' },
  ];
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const s of scenarios()) {
    if (ONLY.length > 0 && !ONLY.some((o) => s.name.toLowerCase().includes(o))) continue;
    collectGarbage();
    process.stderr.write(`  ${s.name} ...\n`);
    const m = s.run();
    const r = rows(m);
    process.stderr.write(`  ${r.map((x) => `${x.metric}=${x.value}${x.unit}`).join(' ')}\n`);
    out.push(...r);
  }
  return out;
}
