import { createSimulation, type KubeObject } from 'kubeprop';
import { defaultSchedulerPlugins } from '../../index.js';
import { deploymentController } from '../deployment/deployment.js';
import { replicaSetController } from '../replicaset/replicaset.js';

const NODES = Number(process.env['NODES'] ?? 30);
const DEPLOYS = Number(process.env['DEPLOYS'] ?? 30);
const REPLICAS = Number(process.env['REPLICAS'] ?? 100);
const manifests: KubeObject[] = [];
for (let i = 0; i < NODES; i++) {
  const name = `node-${i}`;
  const r = { cpu: '32', memory: '128Gi', pods: '110' };
  manifests.push({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, status: { capacity: { ...r }, allocatable: { ...r } } });
}
for (let i = 0; i < DEPLOYS; i++) {
  manifests.push({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `web-${i}`, namespace: 'default' },
    spec: { replicas: REPLICAS, selector: { matchLabels: { app: `web-${i}` } }, template: { metadata: { labels: { app: `web-${i}` } }, spec: { containers: [{ name: 'app', image: 'registry.example.com/web:1.25.3', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } } },
  });
}
const t0 = performance.now();
const cluster = createSimulation({ manifests, seed: 1, schedulerPlugins: defaultSchedulerPlugins, controllers: [deploymentController, replicaSetController], traceLimit: 10_000 });
const t1 = performance.now();
const total = DEPLOYS * REPLICAS;
const goal = () => {
  const ds = cluster.state.list('apps/Deployment', 'default') as any[];
  return ds.every((d) => d.status?.availableReplicas === REPLICAS && d.status?.updatedReplicas === REPLICAS);
};
let last = 0;
const res = cluster.runUntil(() => { if (cluster.nowMs - last < 200) return false; last = cluster.nowMs; return goal(); }, { maxMs: 30 * 60_000 });
const t2 = performance.now();
const pods = cluster.state.list('Pod', 'default');
console.log({ outcome: res.outcome, simMs: cluster.nowMs, createMs: Math.round(t1 - t0), runMs: Math.round(t2 - t1), pods: pods.length, total });
const cm = cluster.controllerManagers[0]!;
console.log(cm.counts('deployment-controller'), cm.counts('replicaset-controller'));
console.log(cm.reports.slice(0, 5).map((r) => JSON.stringify(r)));
const d0: any = cluster.state.get('apps/Deployment', 'default', 'web-0');
console.log(JSON.stringify(d0.metadata), JSON.stringify(d0.status));
