import { CycleState, createTestHandle, decodePodTopologySpreadArgs, type Node, type Pod } from 'kubeprop';
import { podTopologySpreadPlugin } from './plugins/scheduler/pod-topology-spread/pod-topology-spread.js';

const zones = ['moon-1', 'moon-2', 'moon-3'];
const nodes: Node[] = Array.from({ length: 5000 }, (_, i) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: `n${i}`, labels: { 'kubernetes.io/hostname': `n${i}`, 'topology.kubernetes.io/zone': zones[i % 3]! } }, status: { allocatable: { cpu: '4', memory: '32Gi', pods: '110' } } }));
const mk = (name: string, node: string | undefined, soft: boolean): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: name, labels: { color: 'blue' } }, spec: { ...(node ? { nodeName: node } : {}), containers: [{ name: 'c', image: 'x' }], topologySpreadConstraints: [{ maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: soft ? 'ScheduleAnyway' : 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } }] } });
for (const soft of [false, true]) {
  const existing = Array.from({ length: 5000 }, (_, i) => mk(`e${i}`, `n${(i * 7) % 5000}`, soft));
  const handle = createTestHandle({ nodes, pods: existing });
  const pl = podTopologySpreadPlugin.create(decodePodTopologySpreadArgs(undefined, 'a'), handle);
  const all = handle.snapshot().list();
  const N = 500;
  const pod = mk(`p`, undefined, soft);
  const t: Record<string, number> = { pf: 0, f: 0, ps: 0, s: 0 };
  for (let i = 0; i < N; i++) {
    const st = new CycleState();
    let t0 = performance.now();
    pl.preFilter!(st, pod, all);
    t.pf! += performance.now() - t0; t0 = performance.now();
    if (!soft) for (const ni of all) pl.filter!(st, pod, ni);
    t.f! += performance.now() - t0; t0 = performance.now();
    const ps = pl.preScore!(st, pod, all);
    t.ps! += performance.now() - t0; t0 = performance.now();
    if (ps == null) {
      const scores = all.map((ni) => ({ name: ni.name, score: pl.score!(st, pod, ni) as number }));
      pl.normalizeScore!(st, pod, scores);
    }
    t.s! += performance.now() - t0;
  }
  console.log(soft ? 'soft' : 'hard', Object.entries(t).map(([k, v]) => `${k}=${(v / N).toFixed(3)}ms`).join(' '));
}
