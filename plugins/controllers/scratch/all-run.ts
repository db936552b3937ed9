import { createSimulation, type KubeObject } from 'kubeprop';
import { defaultSchedulerPlugins } from '../../index.js';
import { daemonSetController } from '../daemonset/daemonset.js';
import { deploymentController } from '../deployment/deployment.js';
import { endpointSliceController } from '../endpointslice/endpointslice.js';
import { garbageCollectorController } from '../garbage-collector/garbage-collector.js';
import { jobController } from '../job/job.js';
import { nodeLifecycleController } from '../node-lifecycle/node-lifecycle.js';
import { taintEvictionController } from '../node-lifecycle/taint-eviction.js';
import { podGcController } from '../pod-gc/pod-gc.js';
import { replicaSetController } from '../replicaset/replicaset.js';

const manifests: KubeObject[] = [];
for (let i = 0; i < 5; i++) {
  const name = `node-${i}`;
  const r = { cpu: '32', memory: '128Gi', pods: '110' };
  manifests.push({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, status: { capacity: { ...r }, allocatable: { ...r } } });
}
manifests.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 6, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1' }] } } } });
manifests.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', namespace: 'default', labels: { app: 'other' } }, spec: { containers: [{ name: 'app', image: 'nginx:1' }] } });
const cluster = createSimulation({ manifests, seed: 3, schedulerPlugins: defaultSchedulerPlugins, controllers: [deploymentController, replicaSetController, daemonSetController, endpointSliceController, garbageCollectorController, jobController, nodeLifecycleController, taintEvictionController, podGcController] });
cluster.runFor(20_000);
const kubectl = cluster.client();
const d: any = cluster.state.get('apps/Deployment', 'default', 'web');
const containers = d.spec.template.spec.containers.map((c: any) => ({ ...c, image: 'nginx:2' }));
console.log(JSON.stringify(kubectl.patch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' }, { spec: { template: { spec: { containers } } } }).ok));
cluster.runFor(60_000);
const pods = cluster.state.list('Pod', 'default') as any[];
console.log(pods.map((p) => `${p.metadata.name} ${p.spec.containers[0].image} ${p.status?.phase} del=${p.metadata.deletionTimestamp ?? ''}`).join('\n'));
const d2: any = cluster.state.get('apps/Deployment', 'default', 'web');
console.log(JSON.stringify(d2.metadata.generation), JSON.stringify(d2.status));
const rss = cluster.state.list('apps/ReplicaSet', 'default') as any[];
console.log(rss.map((r) => `${r.metadata.name} ${r.spec.replicas} ${JSON.stringify(r.status)}`).join('\n'));
console.log(cluster.controllerManagers[0]!.reports.map((r) => JSON.stringify(r)).slice(0, 5));
// delete the deployment: GC cascades
console.log(JSON.stringify(kubectl.delete({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' }).ok));
cluster.runFor(60_000);
console.log('after delete', cluster.state.list('apps/ReplicaSet', 'default').length, cluster.state.list('Pod', 'default').map((p: any) => p.metadata.name));
