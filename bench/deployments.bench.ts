/**
 * The control plane from apply to all Ready: N nodes, D Deployments × R replicas, with every
 * component `createSimulation` wires (API server pipeline, scheduler with the default profile,
 * controller-manager with the built-in controllers, a kubelet and kube-proxy per node). Default:
 * 1,000 nodes and 300 Deployments × 100 replicas (30,000 pods). `BENCH_SCALE=5` runs Kubernetes'
 * scalability limit, 5,000 nodes and 150,000 pods (1,500 Deployments × 100), through the same
 * control plane (the bench script allows the heap 8 GiB).
 *
 * Figures: wall time (building the cluster and applying the manifests, plus running it), CPU time,
 * simulated time until every Deployment reports all replicas available, simulation events per wall
 * second, and peak RSS / heap (sampled every `CHECK_EVERY_MS` of simulated time). `digest` hashes
 * the outcome (every pod's node, phase and start time, every Deployment's status): with the event
 * count it shows that a change to the code left the behaviour as it was.
 *
 * Environment: `BENCH_SCALE` scales nodes and Deployments (e.g. `0.1`); `BENCH_DEPLOY_NODES`,
 * `BENCH_DEPLOYMENTS`, `BENCH_REPLICAS` set the sizes directly.
 */
import { createHash } from 'node:crypto';
import type { BenchResult } from './bench-result.js';
import { MemoryPeak } from './bench-support.js';
import { createSimulation, type KubeObject } from '../core/index.js';
import '../plugins/index.js';

const SCALE = Number(process.env['BENCH_SCALE'] ?? '1');
const NODES = Number(process.env['BENCH_DEPLOY_NODES'] ?? Math.max(10, Math.round(1000 * SCALE)));
const DEPLOYMENTS = Number(process.env['BENCH_DEPLOYMENTS'] ?? Math.max(3, Math.round(300 * SCALE)));
const REPLICAS = Number(process.env['BENCH_REPLICAS'] ?? 100);
const CHECK_EVERY_MS = 1000;
const MAX_SIM_MS = 30 * 60_000;

function nodes(n: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let i = 0; i < n; i++) {
    const name = `node-${String(i).padStart(5, '0')}`;
    out.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
      status: { capacity: { cpu: '32', memory: '128Gi', pods: '110' }, allocatable: { cpu: '32', memory: '128Gi', pods: '110' } },
    });
  }
  return out;
}

function deployments(d: number, replicas: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let i = 0; i < d; i++) {
    const name = `app-${String(i).padStart(4, '0')}`;
    out.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'default' },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
        },
      },
    });
  }
  return out;
}

export async function run(): Promise<BenchResult[]> {
  const label = `control plane: ${NODES} nodes, ${DEPLOYMENTS} Deployments × ${REPLICAS}`;
  const peak = new MemoryPeak();
  const sample = (): void => peak.sample();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const cluster = createSimulation({
    seed: 1,
    manifests: [...nodes(NODES), ...deployments(DEPLOYMENTS, REPLICAS)],
    traceLimit: 10_000,
    traceExcludeKinds: ['api', 'pod-event', 'reconcile', 'event', 'slow-start', 'watch-pump', 'worker-wake', 'informer-events', 'informer-list', 'leader-election'],
  });
  sample();
  const want = DEPLOYMENTS * REPLICAS;
  const allAvailable = (): boolean => {
    let available = 0;
    for (const d of cluster.state.list('apps/Deployment', 'default')) {
      available += ((d as { status?: { availableReplicas?: number } }).status?.availableReplicas ?? 0);
    }
    return available >= want;
  };
  let done = false;
  while (!done && cluster.nowMs < MAX_SIM_MS) {
    cluster.runFor(CHECK_EVERY_MS);
    sample();
    done = allAvailable();
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const readyPods = cluster.state.list('Pod', 'default').filter((p) =>
    ((p as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
  const steps = cluster.sim.steps;
  // What the run decided, so that an optimization can be checked to leave the behaviour unchanged:
  // every pod's node, phase and start time, and every Deployment's status.
  const hash = createHash('sha256');
  for (const p of cluster.state.list('Pod', 'default')) {
    const pod = p as { metadata?: { name?: string }; spec?: { nodeName?: string }; status?: { phase?: string; startTime?: string } };
    hash.update(`${pod.metadata?.name ?? ''} ${pod.spec?.nodeName ?? ''} ${pod.status?.phase ?? ''} ${pod.status?.startTime ?? ''}\n`);
  }
  for (const d of cluster.state.list('apps/Deployment', 'default')) hash.update(`${JSON.stringify((d as { status?: unknown }).status)}\n`);
  const digest = hash.digest('hex').slice(0, 16);
  return [
    { name: label, metric: 'wall time to all Available', value: Math.round(wallMs), unit: 'ms', extra: { converged: done ? 'yes' : 'NO', readyPods, pods: want } },
    { name: label, metric: 'cpu time', value: Math.round((cpu.user + cpu.system) / 1000), unit: 'ms' },
    { name: label, metric: 'simulated time', value: cluster.nowMs, unit: 'ms' },
    { name: label, metric: 'events/s', value: Math.round(steps / (wallMs / 1000)), unit: 'events/s', extra: { events: steps, digest } },
    { name: label, metric: 'peak RSS', value: Math.round(peak.rss / 2 ** 20), unit: 'MB' },
    { name: label, metric: 'peak heap used', value: Math.round(peak.heapUsed / 2 ** 20), unit: 'MB' },
  ];
}
