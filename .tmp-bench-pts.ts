import { CycleState, createTestHandle, decodePodTopologySpreadArgs, type Node, type Pod } from 'kubeprop';
import { podTopologySpreadPlugin } from './plugins/scheduler/pod-topology-spread/pod-topology-spread.js';

const zones = ['moon-1', 'moon-2', 'moon-3'];
const nodes: Node[] = Array.from({ length: 5000 }, (_, i) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: `n${i}`, labels: { 'kubernetes.io/hostname': `n${i}`, 'topology.kubernetes.io/zone': zones[i % 3]! } }, status: { allocatable: { cpu: '4', memory: '32Gi', pods: '110' } } }));
const mk = (name: string, node: string | undefined, soft: boolean): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: name, labels: { color: 'blue' } }, spec: { ...(node ? { nodeName: node } : {}), containers: [{ name: 'c', image: 'x' }], topologySpreadConstraints: [{ maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: soft ? 'ScheduleAnyway' : 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } }] } });
for (const soft of [false, true]) {
  const existing = Array.from({ length: 5000 }, (_, i) => mk(`e${i}`, `n${(i * 7) % 5000}`, soft));
  const handle = createTestHandle({ nodes, pods: existing });
  const pl = podTopologySpreadPlugin.create(decodePodTopologySpreadArgs(undefined, 'a'), handle);
  const N = 1000;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const pod = mk(`p${i}`, undefined, soft);
    const st = new CycleState();
    const all = handle.snapshot().list();
    pl.preFilter!(st, pod, all);
    let feasible = all;
    if (!soft) feasible = all.filter((ni) => pl.filter!(st, pod, ni) == null);
    const ps = pl.preScore!(st, pod, feasible);
    let best = feasible[0]!.name;
    if (ps == null) {
      const scores = feasible.map((ni) => ({ name: ni.name, score: pl.score!(st, pod, ni) as number }));
      pl.normalizeScore!(st, pod, scores);
      best = scores.reduce((a, b) => (b.score > a.score ? b : a)).name;
    }
    handle.cache.addPod({ ...pod, spec: { ...pod.spec!, nodeName: best } });
  }
  const dt = performance.now() - t0;
  console.log(soft ? 'soft' : 'hard', `${(dt / N).toFixed(3)} ms/pod`, `${Math.round((N * 1000) / dt)} pods/s`);
}
