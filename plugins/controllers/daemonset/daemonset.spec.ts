import assert from 'node:assert/strict';
import type { DaemonSet, DeepReadonly, KubeObject, Node, Pod, Taint } from 'kubeprop';
import { bindPod, create, finishPod, get, list, loadFixture, node, patch, remove, setPodRunning, startHarness, targetNodeOf, type Harness } from '../controller-spec-kit.js';
import { isPodAvailable } from '../pod-state.js';
import { computeHash } from './controller-history.js';
import { daemonSetController } from './daemonset.js';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  daemonPlacement,
  nodeShouldRunDaemonPod,
  scaledValue,
  surgeCount,
  targetNodeName,
  unavailableCount,
  withDaemonTolerations,
  type DaemonSetView,
  type NodeView,
} from './daemonset-util.js';

const NS = 'kube-system';

function daemonSet(name: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image: `${name}:1` }], ...podSpec } },
      ...spec,
    },
  } as DaemonSet;
}

function podsOf(h: Harness, ds: string, namespace = NS): DeepReadonly<Pod>[] {
  return list<Pod>(h, 'Pod', namespace).filter((p) => p.metadata?.ownerReferences?.[0]?.name === ds);
}

function nodesWithPods(h: Harness, ds: string, namespace = NS): string[] {
  return podsOf(h, ds, namespace)
    .filter((p) => p.metadata?.deletionTimestamp === undefined)
    .map((p) => targetNodeOf(p) ?? '?')
    .sort();
}

/** Plays scheduler and kubelet: binds pending daemon pods to their target node and reports them running and ready. */
function settle(h: Harness, namespace = NS): void {
  for (const p of list<Pod>(h, 'Pod', namespace)) {
    const name = p.metadata?.name ?? '';
    if (p.metadata?.deletionTimestamp !== undefined) continue;
    if ((p.spec?.nodeName ?? '') === '') {
      const target = targetNodeOf(p);
      if (target === undefined || get<Node>(h, 'Node', undefined, target) === undefined) continue;
      bindPod(h, namespace, name, target);
    }
    if (p.status?.phase === undefined) setPodRunning(h, namespace, name, { ready: true, ip: `10.0.${name.length}.${name.charCodeAt(name.length - 1)}` });
  }
}

function dsStatus(h: Harness, name: string, namespace = NS) {
  return get<DaemonSet>(h, 'DaemonSet', namespace, name)?.status;
}

const taint = (key: string, effect: string, value?: string): Taint => ({ key, effect, ...(value !== undefined ? { value } : {}) }) as Taint;
const nodeView = (n: Node) => n as unknown as NodeView;
const dsView = (d: DaemonSet) => d as unknown as DaemonSetView;

describe('DaemonSet controller', () => {
  describe('nodeShouldRunDaemonPod (table)', () => {
    const rows: { name: string; node: Node; ds?: DaemonSet; want: [boolean, boolean] }[] = [
      { name: 'plain node', node: node('n'), want: [true, true] },
      { name: 'nodeSelector matches', node: node('n', { labels: { disk: 'ssd' } }), ds: daemonSet('d', {}, { nodeSelector: { disk: 'ssd' } }), want: [true, true] },
      { name: 'nodeSelector does not match', node: node('n'), ds: daemonSet('d', {}, { nodeSelector: { disk: 'ssd' } }), want: [false, false] },
      {
        name: 'required node affinity does not match',
        node: node('n', { labels: { zone: 'b' } }),
        ds: daemonSet('d', {}, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }),
        want: [false, false],
      },
      { name: 'template nodeName names another node', node: node('n'), ds: daemonSet('d', {}, { nodeName: 'other' }), want: [false, false] },
      { name: 'untolerated NoSchedule taint: no new pod, a running one stays', node: node('n', { taints: [taint('dedicated', 'NoSchedule', 'gpu')] }), want: [false, true] },
      { name: 'untolerated NoExecute taint: evicted', node: node('n', { taints: [taint('dedicated', 'NoExecute', 'gpu')] }), want: [false, false] },
      { name: 'PreferNoSchedule does not matter', node: node('n', { taints: [taint('dedicated', 'PreferNoSchedule')] }), want: [true, true] },
      {
        name: 'tolerated taint',
        node: node('n', { taints: [taint('dedicated', 'NoSchedule', 'gpu')] }),
        ds: daemonSet('d', {}, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }),
        want: [true, true],
      },
      { name: 'not-ready node: tolerated by the daemon tolerations', node: node('n', { taints: [taint('node.kubernetes.io/not-ready', 'NoExecute')] }), want: [true, true] },
      { name: 'unreachable node: tolerated', node: node('n', { taints: [taint('node.kubernetes.io/unreachable', 'NoExecute')] }), want: [true, true] },
      { name: 'cordoned node: tolerated', node: node('n', { taints: [taint('node.kubernetes.io/unschedulable', 'NoSchedule')] }), want: [true, true] },
      { name: 'memory pressure: tolerated', node: node('n', { taints: [taint('node.kubernetes.io/memory-pressure', 'NoSchedule')] }), want: [true, true] },
      { name: 'disk pressure: tolerated', node: node('n', { taints: [taint('node.kubernetes.io/disk-pressure', 'NoSchedule')] }), want: [true, true] },
      { name: 'pid pressure: tolerated', node: node('n', { taints: [taint('node.kubernetes.io/pid-pressure', 'NoSchedule')] }), want: [true, true] },
      { name: 'network unavailable: not tolerated without hostNetwork', node: node('n', { taints: [taint('node.kubernetes.io/network-unavailable', 'NoSchedule')] }), want: [false, true] },
      {
        name: 'network unavailable: tolerated with hostNetwork',
        node: node('n', { taints: [taint('node.kubernetes.io/network-unavailable', 'NoSchedule')] }),
        ds: daemonSet('d', {}, { hostNetwork: true }),
        want: [true, true],
      },
    ];
    for (const r of rows) {
      it(r.name, () => {
        const v = nodeShouldRunDaemonPod(nodeView(r.node), daemonPlacement(dsView(r.ds ?? daemonSet('d'))));
        assert.deepEqual([v.shouldRun, v.shouldContinueRunning], r.want);
      });
    }
  });

  describe('update arithmetic (table)', () => {
    const rows: { name: string; strategy: Record<string, unknown> | undefined; total: number; unavailable: number; surge: number }[] = [
      { name: 'defaults: one unavailable, no surge', strategy: undefined, total: 10, unavailable: 1, surge: 0 },
      { name: 'integer maxUnavailable', strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 3 } }, total: 10, unavailable: 3, surge: 0 },
      { name: 'percentages round up', strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: '25%' } }, total: 25, unavailable: 3, surge: 7 },
      { name: 'OnDelete: neither', strategy: { type: 'OnDelete' }, total: 10, unavailable: 0, surge: 0 },
    ];
    for (const r of rows) {
      it(r.name, () => {
        const ds = dsView(daemonSet('d', r.strategy === undefined ? {} : { updateStrategy: r.strategy }));
        assert.equal(unavailableCount(ds, r.total), r.unavailable);
        assert.equal(surgeCount(ds, r.total), r.surge);
      });
    }
    it('rejects a malformed percentage', () => assert.throws(() => scaledValue('ten', 10, 1), /IntOrString/));

    it('adds the daemon tolerations once, replacing an equal key/operator/effect', () => {
      const t = withDaemonTolerations([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { key: 'x', operator: 'Exists' }], false);
      assert.equal(t.length, 7);
      assert.deepEqual(t[0], { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' });
      assert.equal(withDaemonTolerations(undefined, true).some((x) => x.key === 'node.kubernetes.io/network-unavailable'), true);
    });

    it('the template hash depends on the template and the collision count', () => {
      const a = computeHash({ spec: { containers: [{ image: 'a' }] } }, undefined);
      assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
      assert.equal(computeHash({ spec: { containers: [{ image: 'a' }] } }, undefined), a);
      assert.notEqual(computeHash({ spec: { containers: [{ image: 'b' }] } }, undefined), a);
      assert.notEqual(computeHash({ spec: { containers: [{ image: 'a' }] } }, 1), a);
    });

    it('reads the target node from spec.nodeName or the metadata.name affinity term', () => {
      const pending = { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } } } };
      assert.equal(targetNodeName(pending as never), 'n1');
      assert.equal(targetNodeName({ spec: { ...pending.spec, nodeName: 'n2' } } as never), 'n2');
      assert.equal(targetNodeName({ spec: {} } as never), undefined);
    });
  });

  describe('scenarios', () => {
    it('runs one pod on each eligible node only, placed by node affinity, and follows node changes', () => {
      const h = startHarness(1, [daemonSetController]);
      create(h, node('n1'));
      create(h, node('n2', { taints: [taint('dedicated', 'NoSchedule', 'db')] }));
      create(h, node('n3', { labels: { 'kubernetes.io/os': 'windows' } }));
      create(h, node('n4', { taints: [taint('node.kubernetes.io/unschedulable', 'NoSchedule')] }));
      create(h, daemonSet('agent', {}, { nodeSelector: { 'kubernetes.io/os': 'linux' } }));
      h.c.sim.runFor(2_000);
      assert.deepEqual(nodesWithPods(h, 'agent'), ['n1', 'n4']);
      const pod = podsOf(h, 'agent')[0] as DeepReadonly<Pod>;
      assert.equal(pod.spec?.nodeName, undefined, 'the scheduler binds it, not the controller');
      assert.match(pod.metadata?.name ?? '', /^agent-[a-z0-9]{5}$/);
      const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      assert.equal(terms?.length, 1);
      assert.equal(terms?.[0]?.matchFields?.[0]?.key, 'metadata.name');
      assert.deepEqual(
        pod.spec?.tolerations?.map((t) => t.key),
        ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable', 'node.kubernetes.io/disk-pressure', 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure', 'node.kubernetes.io/unschedulable'],
      );
      const ds = get<DaemonSet>(h, 'DaemonSet', NS, 'agent');
      assert.equal(pod.metadata?.ownerReferences?.[0]?.uid, ds?.metadata?.uid);
      const revisions = list<KubeObject>(h, 'ControllerRevision', NS);
      assert.equal(revisions.length, 1);
      const hash = pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
      assert.equal(revisions[0]?.metadata.name, `agent-${hash}`);
      assert.equal((revisions[0] as unknown as { revision: number }).revision, 1);

      settle(h);
      h.c.sim.runFor(2_000);
      assert.deepEqual(
        { ...dsStatus(h, 'agent') },
        { currentNumberScheduled: 2, desiredNumberScheduled: 2, numberMisscheduled: 0, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 2, observedGeneration: 1 },
      );

      // A new node gets a pod; a node that stops matching loses its pod.
      create(h, node('n5'));
      h.c.sim.runFor(2_000);
      assert.deepEqual(nodesWithPods(h, 'agent'), ['n1', 'n4', 'n5']);
      patch(h, 'Node', undefined, 'n1', { metadata: { labels: { 'kubernetes.io/os': 'windows' } } });
      h.c.sim.runFor(2_000);
      assert.deepEqual(nodesWithPods(h, 'agent'), ['n4', 'n5']);
      // A NoExecute taint evicts; tolerating it again brings the pod back.
      patch(h, 'Node', undefined, 'n4', { spec: { taints: [taint('maintenance', 'NoExecute')] } });
      h.c.sim.runFor(2_000);
      assert.deepEqual(nodesWithPods(h, 'agent'), ['n5']);
      patch(h, 'Node', undefined, 'n4', { spec: { taints: null } });
      h.c.sim.runFor(2_000);
      assert.deepEqual(nodesWithPods(h, 'agent'), ['n4', 'n5']);
      // A node that goes away: its pending pod is removed and the counts follow.
      remove(h, 'Node', undefined, 'n4');
      h.c.sim.runFor(2_000);
      settle(h);
      h.c.sim.runFor(2_000);
      assert.deepEqual(nodesWithPods(h, 'agent'), ['n5']);
      assert.equal(dsStatus(h, 'agent')?.desiredNumberScheduled, 1);
      assert.ok(h.manager.reports.every((r) => r.kind !== 'plugin-error'), JSON.stringify(h.manager.reports));
    });

    it('runs the node-exporter fixture on every linux node, tainted or not', function () {
      const objects = loadFixture('apps/node-exporter-daemonset.yaml');
      if (objects === undefined) this.skip();
      const h = startHarness(2, [daemonSetController]);
      create(h, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } });
      create(h, node('linux-1'));
      create(h, node('linux-2', { taints: [taint('dedicated', 'NoExecute', 'gpu'), taint('node.kubernetes.io/network-unavailable', 'NoSchedule')] }));
      create(h, node('win-1', { labels: { 'kubernetes.io/os': 'windows' } }));
      for (const o of objects ?? []) create(h, o);
      h.c.sim.runFor(2_000);
      assert.deepEqual(nodesWithPods(h, 'node-exporter', 'monitoring'), ['linux-1', 'linux-2']);
      const pod = podsOf(h, 'node-exporter', 'monitoring')[0];
      // `operator: Exists` tolerates everything; hostNetwork adds network-unavailable.
      assert.ok(pod?.spec?.tolerations?.some((t) => t.key === 'node.kubernetes.io/network-unavailable'));
      assert.ok(pod?.spec?.tolerations?.some((t) => t.operator === 'Exists' && t.key === undefined));
      assert.equal(pod?.spec?.nodeSelector?.['kubernetes.io/os'], 'linux');
      settle(h, 'monitoring');
      h.c.sim.runFor(2_000);
      assert.equal(dsStatus(h, 'node-exporter', 'monitoring')?.numberAvailable, 2);
    });

    for (const [label, maxUnavailable, nodes, bound] of [
      ['maxUnavailable 2', 2, 8, 2],
      ["maxUnavailable '25%' of 10 rounds up to 3", '25%', 10, 3],
    ] as const) {
      it(`rolls to a new template within ${label}`, () => {
        const h = startHarness(3, [daemonSetController]);
        for (let i = 0; i < nodes; i++) create(h, node(`n${i}`));
        create(h, daemonSet('agent', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } } }));
        h.c.sim.runFor(2_000);
        settle(h);
        h.c.sim.runFor(2_000);
        assert.equal(dsStatus(h, 'agent')?.numberAvailable, nodes);
        const oldHash = podsOf(h, 'agent')[0]?.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
        patch(h, 'DaemonSet', NS, 'agent', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
        let worst = 0;
        for (let step = 0; step < 60; step++) {
          h.c.sim.runFor(500);
          const available = new Set(
            podsOf(h, 'agent')
              .filter((p) => isPodAvailable(p, 0, h.c.sim.nowMs) && p.metadata?.deletionTimestamp === undefined)
              .map((p) => p.spec?.nodeName),
          );
          worst = Math.max(worst, nodes - available.size);
          settle(h);
        }
        const pods = podsOf(h, 'agent');
        assert.equal(pods.length, nodes);
        const newHash = pods[0]?.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
        assert.notEqual(newHash, oldHash);
        assert.ok(pods.every((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === newHash && p.spec?.containers?.[0]?.image === 'agent:2'));
        assert.ok(worst <= bound, `up to ${worst} nodes were without an available pod (bound ${bound})`);
        assert.ok(worst >= 1, 'the update did make nodes unavailable');
        const st = dsStatus(h, 'agent');
        assert.equal(st?.updatedNumberScheduled, nodes);
        assert.equal(st?.observedGeneration, 2);
        assert.equal(list<KubeObject>(h, 'ControllerRevision', NS).length, 2);
      });
    }

    it('surges with maxSurge: never below the desired number of available pods', () => {
      const h = startHarness(4, [daemonSetController]);
      for (let i = 0; i < 5; i++) create(h, node(`n${i}`));
      create(h, daemonSet('agent', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }));
      h.c.sim.runFor(2_000);
      settle(h);
      h.c.sim.runFor(2_000);
      patch(h, 'DaemonSet', NS, 'agent', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
      let minAvailable = Infinity;
      let maxPods = 0;
      for (let step = 0; step < 60; step++) {
        h.c.sim.runFor(500);
        const live = podsOf(h, 'agent').filter((p) => p.metadata?.deletionTimestamp === undefined);
        maxPods = Math.max(maxPods, live.length);
        minAvailable = Math.min(minAvailable, new Set(live.filter((p) => isPodAvailable(p, 0, h.c.sim.nowMs)).map((p) => p.spec?.nodeName)).size);
        settle(h);
      }
      assert.equal(minAvailable, 5);
      assert.equal(maxPods, 6);
      assert.ok(podsOf(h, 'agent').every((p) => p.spec?.containers?.[0]?.image === 'agent:2'));
      assert.equal(podsOf(h, 'agent').length, 5);
    });

    it('OnDelete: a template change replaces only pods the user deletes', () => {
      const h = startHarness(5, [daemonSetController]);
      for (let i = 0; i < 3; i++) create(h, node(`n${i}`));
      create(h, daemonSet('agent', { updateStrategy: { type: 'OnDelete' } }));
      h.c.sim.runFor(2_000);
      settle(h);
      h.c.sim.runFor(2_000);
      patch(h, 'DaemonSet', NS, 'agent', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
      h.c.sim.runFor(5_000);
      assert.ok(podsOf(h, 'agent').every((p) => p.spec?.containers?.[0]?.image === 'agent:1'));
      assert.equal(dsStatus(h, 'agent')?.updatedNumberScheduled, undefined);
      const victim = podsOf(h, 'agent').find((p) => p.spec?.nodeName === 'n1');
      remove(h, 'Pod', NS, victim?.metadata?.name ?? '');
      h.c.sim.runFor(2_000);
      const replaced = podsOf(h, 'agent').find((p) => targetNodeOf(p) === 'n1');
      assert.equal(replaced?.spec?.containers?.[0]?.image, 'agent:2');
      settle(h);
      h.c.sim.runFor(2_000);
      assert.equal(dsStatus(h, 'agent')?.updatedNumberScheduled, 1);
    });

    it('replaces a failed daemon pod, backing off (1 s, 2 s, ...) between kills on the same node', () => {
      const h = startHarness(6, [daemonSetController]);
      create(h, node('n0'));
      create(h, daemonSet('agent'));
      h.c.sim.runFor(1_000);
      const kills: number[] = [];
      for (let round = 0; round < 4; round++) {
        h.c.sim.runUntil(() => podsOf(h, 'agent').some((p) => p.status?.phase === undefined), { maxMs: 60_000 });
        const pod = podsOf(h, 'agent').find((p) => p.status?.phase === undefined);
        const name = pod?.metadata?.name ?? '';
        bindPod(h, NS, name, 'n0');
        // The kubelet rejects it at once.
        finishPod(h, NS, name, 'Failed');
        const start = h.c.sim.nowMs;
        h.c.sim.runUntil(() => podsOf(h, 'agent').every((p) => p.metadata?.name !== name), { maxMs: 60_000 });
        kills.push(h.c.sim.nowMs - start);
      }
      assert.ok((kills[0] ?? Infinity) < 500, JSON.stringify(kills));
      // Each later failure comes within the back-off of the previous kill, so it waits it out.
      assert.ok((kills[1] ?? 0) >= 500 && (kills[1] ?? 0) < 1_500, JSON.stringify(kills));
      assert.ok((kills[2] ?? 0) >= 1_500 && (kills[2] ?? 0) < 2_500, JSON.stringify(kills));
      assert.ok((kills[3] ?? 0) >= 3_500 && (kills[3] ?? 0) < 4_500, JSON.stringify(kills));
    });

    it('deletes surplus pods on a node, keeping the oldest', () => {
      const h = startHarness(7, [daemonSetController]);
      create(h, node('n0'));
      create(h, daemonSet('agent'));
      h.c.sim.runFor(1_000);
      settle(h);
      const [first] = podsOf(h, 'agent');
      // A duplicate the controller did not make (an orphan its selector matches is adopted, then pruned).
      create(h, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: NS, labels: { app: 'agent' } }, spec: { nodeName: 'n0', containers: [{ name: 'x', image: 'x' }] } });
      h.c.sim.runFor(2_000);
      assert.deepEqual(podsOf(h, 'agent').map((p) => p.metadata?.name), [first?.metadata?.name]);
    });

    it('never runs two pods on a node, even with a slow cache and a restart (expectations)', () => {
      const h = startHarness(8, [daemonSetController], { informerLatencyMs: { minMs: 200, maxMs: 900 } });
      for (let i = 0; i < 6; i++) create(h, node(`n${i}`));
      create(h, daemonSet('agent', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } }));
      let worst = 0;
      for (let step = 0; step < 40; step++) {
        h.c.sim.runFor(300);
        const perNode = new Map<string, number>();
        for (const p of podsOf(h, 'agent')) if (p.metadata?.deletionTimestamp === undefined) perNode.set(targetNodeOf(p) ?? '?', (perNode.get(targetNodeOf(p) ?? '?') ?? 0) + 1);
        worst = Math.max(worst, ...perNode.values());
        settle(h);
        if (step === 10) patch(h, 'DaemonSet', NS, 'agent', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
        if (step === 14) h.manager.restart();
      }
      assert.equal(worst, 1);
      assert.deepEqual(nodesWithPods(h, 'agent'), ['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
      assert.ok(podsOf(h, 'agent').every((p) => p.spec?.containers?.[0]?.image === 'agent:2'));
    });

    it('is deterministic: same seed, same pods and trace digest', () => {
      const run = (seed: number) => {
        const h = startHarness(seed, [daemonSetController]);
        for (let i = 0; i < 6; i++) create(h, node(`n${i}`));
        create(h, daemonSet('agent', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } }));
        h.c.sim.runFor(1_000);
        settle(h);
        patch(h, 'DaemonSet', NS, 'agent', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
        for (let i = 0; i < 10; i++) {
          h.c.sim.runFor(400);
          settle(h);
        }
        return JSON.stringify(podsOf(h, 'agent').map((p) => p.metadata?.name)) + h.c.sim.trace.digest();
      };
      assert.equal(run(21), run(21));
      assert.notEqual(run(21), run(22));
    });
  });
});
