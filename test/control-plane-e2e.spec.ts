/**
 * End-to-end stories of the whole control plane, as a cluster runs them: the Deployment workflow
 * step by step, self-healing after a node failure, a rolling update within its bounds, and Service
 * routing on every node.
 */
import assert from 'node:assert/strict';
import { createSimulation, parseFaultPlan, parseRfc3339, type KubeObject, type TraceEntry } from 'kubeprop';
import { defaultControllers, defaultSchedulerPlugins } from '../plugins/index.js';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const base = { schedulerPlugins: defaultSchedulerPlugins, controllers: defaultControllers };

function node(name: string, zone: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone } },
    status: { capacity: { cpu: '8', memory: '16Gi', pods: '110' }, allocatable: { cpu: '8', memory: '16Gi', pods: '110' } },
  };
}

function deployment(name: string, replicas: number, image = 'nginx:1.27', strategy?: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      ...(strategy ? { strategy } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080, name: 'http' }], resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
      },
    },
  };
}

function service(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 'http' }] } };
}

function first(entries: readonly TraceEntry[], pred: (e: TraceEntry) => boolean, what: string): TraceEntry {
  const e = entries.find(pred);
  assert.ok(e, `expected a trace entry: ${what}`);
  return e;
}

function readyPods(c: ReturnType<typeof createSimulation>, app: string): Any[] {
  return (c.state.list('Pod', 'default') as unknown as Any[]).filter(
    (p) => p['metadata']['labels']?.['app'] === app && !p['metadata']['deletionTimestamp'] && (p['status']?.['conditions'] ?? []).some((x: Any) => x['type'] === 'Ready' && x['status'] === 'True'),
  );
}

describe('control plane end to end', () => {
  it('the Deployment workflow happens in order: submit, store, ReplicaSet and Pods, bind, start containers, Available', () => {
    const c = createSimulation({ ...base, seed: 11, manifests: [node('n1', 'a'), node('n2', 'b'), node('n3', 'a')] });
    c.runFor(2_000);
    const submittedAt = c.nowMs;
    const created = c.client('kubectl').create(deployment('web', 3));
    assert.ok(created.ok);
    c.runUntil(() => ((c.state.get('apps/Deployment', 'default', 'web') as Any)?.['status']?.['availableReplicas'] ?? 0) === 3, { maxMs: submittedAt + 120_000 });
    const t = c.trace.entries();
    // (1) the manifest is submitted to the API server, (2) validated and stored (201).
    const stored = first(t, (e) => e.kind === 'api' && e['by'] === 'kubectl' && e['verb'] === 'create' && e['resource'] === 'apps/Deployment' && e['code'] === 201, 'Deployment stored');
    // (3) the controller-manager creates the ReplicaSet, and it the Pods.
    const rs = first(t, (e) => e.kind === 'api' && e['by'] === 'kube-controller-manager' && e['verb'] === 'create' && e['resource'] === 'apps/ReplicaSet', 'ReplicaSet created');
    const pods = t.filter((e) => e.kind === 'api' && e['by'] === 'kube-controller-manager' && e['verb'] === 'create' && e['resource'] === 'Pod');
    assert.equal(pods.length, 3);
    // (4) the scheduler binds each Pod to a node.
    const binds = t.filter((e) => e.kind === 'api' && e['by'] === 'kube-scheduler' && e['verb'] === 'bind' && e['code'] === 201);
    assert.equal(binds.length, 3);
    // (5) the kubelet pulls images and starts containers through the container runtime.
    const pulls = t.filter((e) => e.kind === 'pod-event' && e['reason'] === 'Pulling');
    const started = t.filter((e) => e.kind === 'pod-event' && e['reason'] === 'Started');
    assert.equal(started.length, 3);
    // (6) the kubelet reports Pod status back, and the Deployment becomes Available.
    const statusWrites = t.filter((e) => e.kind === 'api' && String(e['by']).startsWith('kubelet/') && e['verb'] === 'update/status' && e['resource'] === 'Pod');
    const available = c.state.get('apps/Deployment', 'default', 'web') as Any;
    const cond = (available['status']['conditions'] as Any[]).find((x) => x['type'] === 'Available');
    assert.equal(cond?.['status'], 'True');
    const seqs = [stored.seq, rs.seq, Math.min(...pods.map((e) => e.seq)), Math.min(...binds.map((e) => e.seq)), Math.min(...pulls.map((e) => e.seq)), Math.min(...started.map((e) => e.seq)), Math.max(...statusWrites.map((e) => e.seq))];
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i - 1]! <= seqs[i]!, `step ${i} happens before step ${i + 1}: ${seqs.join(' ≤ ')}`);
    // Each pod's bind precedes its containers' start.
    for (const b of binds) {
      const s = started.find((e) => e['pod'] === `default/${String(b['name'])}`);
      assert.ok(s && s.seq > b.seq);
    }
  });

  it('self-healing: a node that stops heartbeating goes NotReady after the grace period, is tainted, and its pods are replaced after tolerationSeconds', () => {
    const faults = parseFaultPlan('- {at: 60s, kind: NodeCrash, target: n1}\n', 'faults.yaml');
    const c = createSimulation({ ...base, seed: 12, faults, manifests: [node('n1', 'a'), node('n2', 'b'), node('n3', 'c'), deployment('api', 6)] });
    c.runFor(59_000);
    const onN1 = (c.state.list('Pod', 'default') as unknown as Any[]).filter((p) => p['spec']['nodeName'] === 'n1').map((p) => p['metadata']['name'] as string);
    assert.ok(onN1.length > 0, 'some pods run on n1');
    c.runFor(10 * 60_000);
    const t = c.trace.entries();
    // The node's Lease keeps the time of the last heartbeat before the crash.
    const lease = c.state.get('coordination.k8s.io/Lease', 'kube-node-lease', 'n1') as Any;
    const lastLease = (parseRfc3339(lease['spec']['renewTime']) ?? Number.NaN) as number;
    assert.ok(lastLease > 40_000 && lastLease <= 60_000, `last heartbeat at ${lastLease}`);
    const notReady = first(t, (e) => e.kind === 'api' && e['by'] === 'kube-controller-manager' && e['resource'] === 'Node' && e['name'] === 'n1' && e.atMs > 60_000, 'n1 status set by the node lifecycle controller');
    // node-monitor-grace-period is 50 s (v1.35), checked every 5 s.
    assert.ok(notReady.atMs - lastLease >= 50_000 && notReady.atMs - lastLease <= 50_000 + 5_000 + 100, `NotReady at ${notReady.atMs}, last heartbeat ${lastLease}`);
    const n1 = c.state.get('Node', undefined, 'n1') as Any;
    assert.ok((n1['spec']['taints'] as Any[]).some((x) => x['key'] === 'node.kubernetes.io/unreachable' && x['effect'] === 'NoExecute'));
    // DefaultTolerationSeconds: the pods tolerate unreachable:NoExecute for 300 s, then are evicted.
    const evictions = t.filter((e) => e.kind === 'taint-eviction');
    assert.equal(evictions.length, onN1.length);
    for (const e of evictions) assert.ok(e.atMs - notReady.atMs >= 300_000 - 1_000 && e.atMs - notReady.atMs <= 300_000 + 15_000, `evicted at ${e.atMs}`);
    // Replacements run on healthy nodes; the Deployment is whole again.
    const ready = readyPods(c, 'api');
    assert.equal(ready.length, 6);
    assert.ok(ready.every((p) => p['spec']['nodeName'] !== 'n1'));
  });

  it('a rolling update never exceeds replicas + maxSurge pods nor drops below replicas − maxUnavailable available', () => {
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } };
    const c = createSimulation({ ...base, seed: 13, manifests: [node('n1', 'a'), node('n2', 'b'), deployment('web', 4, 'nginx:1.27', strategy)] });
    c.runUntil(() => readyPods(c, 'web').length === 4, { maxMs: 120_000 });
    const cur = c.state.get('apps/Deployment', 'default', 'web') as Any;
    const next = structuredClone(cur) as Any;
    next['spec']['template']['spec']['containers'][0]['image'] = 'nginx:1.28';
    assert.ok(c.client().update(next as KubeObject).ok);
    let maxPods = 0;
    let minAvailable = Number.POSITIVE_INFINITY;
    const deadline = c.nowMs + 300_000;
    while (c.nowMs < deadline) {
      c.runFor(250);
      const pods = (c.state.list('Pod', 'default') as unknown as Any[]).filter((p) => p['metadata']['labels']?.['app'] === 'web' && !p['metadata']['deletionTimestamp']);
      maxPods = Math.max(maxPods, pods.length);
      minAvailable = Math.min(minAvailable, readyPods(c, 'web').length);
      const d = c.state.get('apps/Deployment', 'default', 'web') as Any;
      const done = d['status']['updatedReplicas'] === 4 && d['status']['availableReplicas'] === 4 && pods.length === 4;
      if (done && pods.every((p) => p['spec']['containers'][0]['image'] === 'nginx:1.28')) break;
    }
    assert.ok(c.nowMs < deadline, 'the rollout finished');
    assert.ok(maxPods <= 4 + 1, `at most replicas + maxSurge pods (saw ${maxPods})`);
    assert.ok(minAvailable >= 4 - 1, `at least replicas − maxUnavailable available (saw ${minAvailable})`);
    const rs = c.state.list('apps/ReplicaSet', 'default') as unknown as Any[];
    assert.equal(rs.length, 2);
    assert.deepEqual(rs.map((r) => r['metadata']['annotations']['deployment.kubernetes.io/revision']).sort(), ['1', '2']);
  });

  it('Service routing: every kube-proxy table eventually equals the ready pods behind the Service', () => {
    const c = createSimulation({ ...base, seed: 14, manifests: [node('n1', 'a'), node('n2', 'b'), deployment('web', 3), service('web')] });
    c.runUntil(() => readyPods(c, 'web').length === 3, { maxMs: 120_000 });
    c.runFor(5_000);
    const svc = c.state.get('Service', 'default', 'web') as Any;
    const want = readyPods(c, 'web')
      .map((p) => `${p['status']['podIP']}:8080`)
      .sort();
    for (const n of c.nodeNames()) {
      const table = c.routingTable(n);
      assert.deepEqual([...(table.get(`${svc['spec']['clusterIP']}:80/TCP`) ?? [])], want, `kube-proxy on ${n}`);
    }
    // A crashed pod drops out of the tables while it is not ready, and comes back.
    const victim = readyPods(c, 'web')[0]!;
    c.crashPod(`default/${victim['metadata']['name']}`);
    c.runFor(60_000);
    const again = readyPods(c, 'web')
      .map((p) => `${p['status']['podIP']}:8080`)
      .sort();
    for (const n of c.nodeNames()) assert.deepEqual([...(c.routingTable(n).get(`${svc['spec']['clusterIP']}:80/TCP`) ?? [])], again);
  });

  it('HA: crashing the leading controller-manager hands over within one lease duration', () => {
    const c = createSimulation({ ...base, seed: 15, controlPlane: { controllerManagers: 2 }, manifests: [node('n1', 'a')] });
    c.runFor(5_000);
    const leader = c.controllerManagers.find((m) => m.leading)!;
    const other = c.controllerManagers.find((m) => m !== leader)!;
    c.crash(leader.name);
    const at = c.nowMs;
    c.runUntil(() => other.leading, { maxMs: at + 30_000 });
    assert.ok(other.leading && c.nowMs - at <= 15_000 + 2 * 2_200 + 100, `took ${c.nowMs - at} ms`);
    c.client().create(deployment('late', 2));
    c.runFor(60_000);
    assert.equal(readyPods(c, 'late').length, 2);
  });
});
