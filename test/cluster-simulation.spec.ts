import assert from 'node:assert/strict';
import { ConfigError, createSimulation, loadManifests, parseFaultPlan, type KubeObject } from 'kubeprop';
import { defaultControllers, defaultSchedulerPlugins } from '../plugins/index.js';

function node(name: string, zone = 'zone-a'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone } },
    status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
  };
}

function pod(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'demo' } },
    spec: { containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '64Mi' } } }], ...extra },
  };
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const base = { schedulerPlugins: defaultSchedulerPlugins, controllers: defaultControllers };

function phaseOf(c: ReturnType<typeof createSimulation>, name: string): string | undefined {
  return (c.state.get('Pod', 'default', name) as Any | undefined)?.['status']?.['phase'];
}

describe('createSimulation: the whole cluster in virtual time', () => {
  it('a pod goes through the API server, the scheduler and the kubelet to Running and Ready', () => {
    const c = createSimulation({ ...base, seed: 1, manifests: [node('n1'), node('n2'), pod('web')] });
    c.runFor(30_000);
    const p = c.state.get('Pod', 'default', 'web') as Any;
    assert.ok(['n1', 'n2'].includes(p['spec']['nodeName']));
    assert.equal(p['status']['phase'], 'Running');
    const ready = (p['status']['conditions'] as Any[]).find((x) => x['type'] === 'Ready');
    assert.equal(ready?.['status'], 'True');
    // The scheduler's binding went through the API server, and its leader holds the Lease.
    const lease = c.state.get('coordination.k8s.io/Lease', 'kube-system', 'kube-scheduler') as Any;
    assert.match(lease['spec']['holderIdentity'], /^scheduler-0_/);
    const binds = c.trace.entries().filter((e) => e.kind === 'api' && e['verb'] === 'bind');
    assert.equal(binds.length, 1);
  });

  it('is deterministic: the same seed and inputs give the same trace digest; another seed differs', () => {
    const run = (seed: number): string => {
      const c = createSimulation({ ...base, seed, manifests: [node('n1'), node('n2'), node('n3'), pod('a'), pod('b'), pod('c')] });
      c.runFor(20_000);
      return c.trace.digest();
    };
    assert.equal(run(7), run(7));
    assert.notEqual(run(7), run(8));
  });

  it('HA: with three API servers, crashing one leaves clients to fail over; nothing acknowledged is lost', () => {
    const c = createSimulation({ ...base, seed: 3, controlPlane: { apiservers: 3 }, manifests: [node('n1'), node('n2'), pod('before')] });
    c.runFor(10_000);
    assert.equal(phaseOf(c, 'before'), 'Running');
    c.crash('apiserver-0');
    const created = c.client('kubectl').create(pod('after'));
    assert.ok(created.ok, 'the failover client reaches a healthy instance');
    c.runFor(30_000);
    assert.equal(phaseOf(c, 'after'), 'Running');
    assert.equal(phaseOf(c, 'before'), 'Running');
    assert.ok(c.trace.entries().some((e) => e.kind === 'api' && e.actor !== 'apiserver-0'), 'requests served by another instance');
  });

  it('HA: crashing the leading scheduler hands over to the other replica within one lease duration', () => {
    const c = createSimulation({ ...base, seed: 5, controlPlane: { schedulers: 2 }, manifests: [node('n1'), node('n2')] });
    c.runFor(5_000);
    const leader = c.schedulers.find((s) => s.leading)!;
    const other = c.schedulers.find((s) => s !== leader)!;
    assert.ok(leader && other && !other.leading);
    c.crash(leader.name);
    const crashedAt = c.nowMs;
    const r = c.runUntil(() => other.leading, { maxMs: crashedAt + 30_000 });
    assert.equal(r.outcome, 'predicate');
    // Lease duration 15 s plus the candidate's retry period (2 s with up to 1.2× jitter).
    assert.ok(c.nowMs - crashedAt <= 15_000 + 2 * 2_200 + 100, `took ${c.nowMs - crashedAt} ms`);
    c.client().create(pod('late'));
    c.runFor(10_000);
    assert.equal(phaseOf(c, 'late'), 'Running');
  });

  it('a crashed node kills its containers; the kubelet restarts them when the node comes back', () => {
    const faults = parseFaultPlan('- {at: 20s, kind: NodeCrash, target: n1, for: 30s}\n', 'faults.yaml');
    const c = createSimulation({ ...base, seed: 2, faults, manifests: [node('n1'), pod('web', { nodeName: 'n1' })] });
    c.runFor(19_000);
    assert.equal(phaseOf(c, 'web'), 'Running');
    c.runFor(60_000);
    const p = c.state.get('Pod', 'default', 'web') as Any;
    assert.equal(p['status']['phase'], 'Running');
    assert.ok(((p['status']['containerStatuses'] as Any[])[0]?.['restartCount'] ?? 0) >= 1);
    assert.ok(c.trace.entries().some((e) => e.kind === 'fault-start'));
  });

  it('rejects bad input clearly: an unknown fault target, an invalid manifest, an unknown component', () => {
    assert.throws(
      () => createSimulation({ ...base, manifests: [node('n1')], faults: parseFaultPlan('- {at: 1s, kind: NodeCrash, target: nope}\n', 'f.yaml') }),
      (e: unknown) => e instanceof ConfigError && /unknown node "nope"/.test(e.message),
    );
    assert.throws(
      () => createSimulation({ ...base, manifests: [node('n1')], faults: parseFaultPlan('- {at: 1s, kind: ComponentCrash, target: etcd-0}\n', 'f.yaml') }),
      (e: unknown) => e instanceof ConfigError && /unknown target "etcd-0"/.test(e.message) && /scheduler-0/.test(e.message),
    );
    assert.throws(
      () => createSimulation({ ...base, manifests: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'missing' }, spec: { containers: [{ name: 'c', image: 'i' }] } }] }),
      (e: unknown) => e instanceof ConfigError && /rejected by the API server/.test(e.message) && /missing/.test(e.message),
    );
    const c = createSimulation({ ...base, manifests: [node('n1')] });
    assert.throws(() => c.crash('nobody'), /no component named "nobody"/);
    assert.throws(() => c.partition('nobody', 1000), /no node named "nobody"/);
  });

  it('a partitioned node cannot reach the API servers until the partition heals', () => {
    const c = createSimulation({ ...base, seed: 4, manifests: [node('n1')] });
    c.runFor(15_000);
    const renewed = (): string => (c.state.get('coordination.k8s.io/Lease', 'kube-node-lease', 'n1') as Any)['spec']['renewTime'];
    const before = renewed();
    c.partition('n1', 60_000);
    c.runFor(30_000);
    assert.equal(renewed(), before, 'no heartbeat gets through a partition');
    c.runFor(60_000);
    assert.notEqual(renewed(), before, 'heartbeats resume after it heals');
  });

  it('loads real manifests from examples/', () => {
    const { manifests, errors } = loadManifests({ files: ['examples/simulate/cluster.yaml'] });
    assert.deepEqual(errors, []);
    const c = createSimulation({ ...base, seed: 1, manifests: manifests.map((m) => m.object) });
    c.runFor(5_000);
    assert.deepEqual([...c.nodeNames()], ['node-1', 'node-2', 'node-3']);
    assert.ok(c.state.get('apps/Deployment', 'default', 'web'));
    assert.ok((c.state.get('Service', 'default', 'web') as Any)['spec']['clusterIP']);
  });
});
