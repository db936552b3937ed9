import assert from 'node:assert/strict';
import { ConfigError, defineController } from 'kubeprop';
import {
  MONITOR_KEY,
  NODE_LIFECYCLE_CONTROLLER_NAME,
  NODE_LIFECYCLE_DEFAULTS,
  newNodeLifecycleController,
  nodeLifecycleController,
} from './node-lifecycle.js';
import { NODE_STATUS_NEVER_UPDATED_REASON, NODE_STATUS_UNKNOWN_MESSAGE, NODE_STATUS_UNKNOWN_REASON } from './node-health.js';
import { TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, zoneKeyOf } from './node-objects.js';
import {
  addNode,
  addPod,
  advance,
  advanceUntil,
  condition,
  getNode,
  getPod,
  hasTaint,
  postReady,
  startNodeHarness,
  type NodeHarness,
} from './node-spec-kit.js';
import { taintEvictionController } from './taint-eviction.js';
import { TokenBucket, ZoneTainter, computeZoneState } from './zone-tainter.js';

const NO_EXECUTE = 'NoExecute';
const NO_SCHEDULE = 'NoSchedule';

function harness(seed: number, nodes: readonly string[], labels: (name: string) => Record<string, string> = () => ({})): NodeHarness {
  const h = startNodeHarness(seed, [nodeLifecycleController, taintEvictionController]);
  for (const n of nodes) addNode(h, n, { labels: labels(n) });
  advance(h, 20_000);
  return h;
}

function unknownSince(h: NodeHarness, name: string): boolean {
  return condition(getNode(h, name), 'Ready')?.status === 'Unknown';
}

describe('node lifecycle controller', () => {
  it('is named and timed as kube-controller-manager v1.35', () => {
    assert.equal(nodeLifecycleController.name, NODE_LIFECYCLE_CONTROLLER_NAME);
    assert.equal(NODE_LIFECYCLE_CONTROLLER_NAME, 'node-lifecycle-controller');
    assert.deepEqual(
      { ...NODE_LIFECYCLE_DEFAULTS },
      {
        nodeMonitorPeriodMs: 5_000,
        nodeMonitorGracePeriodMs: 50_000,
        nodeStartupGracePeriodMs: 60_000,
        nodeEvictionRate: 0.1,
        secondaryNodeEvictionRate: 0.01,
        largeClusterSizeThreshold: 50,
        unhealthyZoneThreshold: 0.55,
        workers: 8,
      },
    );
    assert.throws(() => newNodeLifecycleController({ nodeMonitorPeriodMs: 0 }), ConfigError);
    assert.throws(() => newNodeLifecycleController({ nodeEvictionRate: -1 }), ConfigError);
    // The definition is an ordinary one: the runtime accepts it again.
    assert.equal(defineController(nodeLifecycleController).name, NODE_LIFECYCLE_CONTROLLER_NAME);
    assert.equal(MONITOR_KEY.includes('/'), false);
  });

  it('marks a silent node Unknown after the 50 s grace period, taints it, and marks its pods not ready', () => {
    const h = harness(1, ['n1', 'n2', 'n3']);
    addPod(h, 'web', { nodeName: 'n1', tolerations: [{ operator: 'Exists' }] });
    advance(h, 10_000);
    h.alive.delete('n1');
    const lastRenew = h.lastRenewMs.get('n1') as number;
    const unknownAt = advanceUntil(h, () => unknownSince(h, 'n1'), 120_000);
    // Unknown once more than the grace period passed since the last renewal was seen (seen at
    // most one monitor period after it was written, acted on at most one period later).
    assert.ok(unknownAt > lastRenew + 50_000, `Unknown at ${unknownAt}, last renewal ${lastRenew}`);
    assert.ok(unknownAt <= lastRenew + 50_000 + 2 * 5_000 + 200, `Unknown at ${unknownAt}, last renewal ${lastRenew}`);
    const node = getNode(h, 'n1');
    const ready = condition(node, 'Ready');
    assert.equal(ready?.reason, NODE_STATUS_UNKNOWN_REASON);
    assert.equal(ready?.message, NODE_STATUS_UNKNOWN_MESSAGE);
    assert.equal(ready?.lastHeartbeatTime, condition(getNode(h, 'n2'), 'Ready')?.lastHeartbeatTime, 'the heartbeat time is the kubelet\'s, untouched');
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const c = condition(node, type);
      assert.equal(c?.status, 'Unknown', type);
      assert.equal(c?.reason, NODE_STATUS_NEVER_UPDATED_REASON, type);
    }
    assert.equal(condition(node, 'NetworkUnavailable'), undefined, 'NetworkUnavailable is left alone');
    // The healthy nodes are untouched.
    assert.equal(condition(getNode(h, 'n2'), 'Ready')?.status, 'True');

    const noScheduleAt = advanceUntil(h, () => hasTaint(getNode(h, 'n1'), TAINT_NODE_UNREACHABLE, NO_SCHEDULE), 2_000);
    assert.ok(noScheduleAt - unknownAt <= 200, 'the NoSchedule taint follows the condition at once');
    const noExecuteAt = advanceUntil(h, () => hasTaint(getNode(h, 'n1'), TAINT_NODE_UNREACHABLE, NO_EXECUTE), 10_000);
    // The NoExecute taint comes from the next monitor pass, which observes the Unknown condition.
    assert.ok(noExecuteAt - unknownAt <= 5_200, `NoExecute taint ${noExecuteAt - unknownAt} ms after Unknown`);
    const taint = getNode(h, 'n1')?.spec?.taints?.find((t) => t.key === TAINT_NODE_UNREACHABLE && t.effect === NO_EXECUTE);
    assert.ok(taint?.timeAdded !== undefined, 'NoExecute taints carry timeAdded');
    assert.equal(hasTaint(getNode(h, 'n1'), TAINT_NODE_NOT_READY, NO_EXECUTE), false);
    assert.equal(condition(getPod(h, 'web'), 'Ready')?.status, 'False', 'pods of the unready node are marked not ready');
    assert.equal(getPod(h, 'web') !== undefined, true, 'a pod tolerating everything stays');
  });

  it('removes the taints and keeps the pods when the node recovers', () => {
    const h = harness(2, ['n1', 'n2', 'n3']);
    addPod(h, 'slow', { nodeName: 'n1', tolerations: [{ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: NO_EXECUTE, tolerationSeconds: 600 }] });
    advance(h, 10_000);
    h.alive.delete('n1');
    advanceUntil(h, () => hasTaint(getNode(h, 'n1'), TAINT_NODE_UNREACHABLE, NO_EXECUTE), 120_000);
    advance(h, 30_000);
    // The kubelet comes back: it renews its lease and posts Ready.
    h.alive.add('n1');
    h.lastRenewMs.delete('n1');
    postReady(h, 'n1', 'True');
    const backAt = h.c.sim.nowMs;
    const cleanAt = advanceUntil(
      h,
      () => !hasTaint(getNode(h, 'n1'), TAINT_NODE_UNREACHABLE, NO_EXECUTE) && !hasTaint(getNode(h, 'n1'), TAINT_NODE_UNREACHABLE, NO_SCHEDULE),
      10_000,
    );
    assert.ok(cleanAt - backAt <= 5_200, 'both taints go within a monitor period');
    // The deletion scheduled for 600 s after the taint is cancelled.
    advance(h, 700_000);
    assert.ok(getPod(h, 'slow') !== undefined, 'the pod survived its toleration period');
    assert.equal(condition(getNode(h, 'n1'), 'Ready')?.status, 'True');
  });

  it('uses the not-ready taint for Ready=False and swaps it for unreachable when the node goes silent', () => {
    const h = harness(3, ['n1', 'n2', 'n3']);
    postReady(h, 'n1', 'False');
    advanceUntil(h, () => hasTaint(getNode(h, 'n1'), TAINT_NODE_NOT_READY, NO_EXECUTE) && hasTaint(getNode(h, 'n1'), TAINT_NODE_NOT_READY, NO_SCHEDULE), 10_000);
    assert.equal(hasTaint(getNode(h, 'n1'), TAINT_NODE_UNREACHABLE, NO_EXECUTE), false);
    h.alive.delete('n1');
    advanceUntil(h, () => hasTaint(getNode(h, 'n1'), TAINT_NODE_UNREACHABLE, NO_EXECUTE), 120_000);
    advance(h, 1_000);
    const node = getNode(h, 'n1');
    assert.equal(hasTaint(node, TAINT_NODE_NOT_READY, NO_EXECUTE), false, 'the two NoExecute taints exclude each other');
    assert.equal(hasTaint(node, TAINT_NODE_NOT_READY, NO_SCHEDULE), false);
    assert.equal(hasTaint(node, TAINT_NODE_UNREACHABLE, NO_SCHEDULE), true);
  });

  it('gives a node that never posted status the 60 s startup grace period', () => {
    const h = startNodeHarness(4, [nodeLifecycleController]);
    addNode(h, 'ok');
    addNode(h, 'ok2');
    addNode(h, 'mute', { noStatus: true, dead: true });
    const createdAt = h.c.sim.nowMs;
    const at = advanceUntil(h, () => condition(getNode(h, 'mute'), 'Ready') !== undefined, 120_000);
    assert.ok(at > createdAt + 60_000 && at <= createdAt + 60_000 + 5_200, `Unknown after ${at - createdAt} ms`);
    const ready = condition(getNode(h, 'mute'), 'Ready');
    assert.equal(ready?.status, 'Unknown');
    assert.equal(ready?.reason, NODE_STATUS_NEVER_UPDATED_REASON);
  });

  it('mirrors node conditions and cordoning in NoSchedule taints, and reconciles the beta OS label', () => {
    const h = startNodeHarness(5, [nodeLifecycleController]);
    addNode(h, 'n1', { conditions: [{ type: 'MemoryPressure', status: 'True' }], unschedulable: true, labels: { 'kubernetes.io/os': 'linux' } });
    advance(h, 2_000);
    let node = getNode(h, 'n1');
    assert.ok(hasTaint(node, TAINT_NODE_MEMORY_PRESSURE, NO_SCHEDULE));
    assert.ok(hasTaint(node, 'node.kubernetes.io/unschedulable', NO_SCHEDULE));
    assert.equal(node?.metadata.labels?.['beta.kubernetes.io/os'], 'linux');
    // Pressure relieved and node uncordoned: both taints go.
    const n = getNode(h, 'n1');
    const cur = h.c.store.get({ apiVersion: 'v1', kind: 'Node', name: 'n1' });
    assert.ok(cur.ok && n !== undefined);
    const conditions = (n.status?.conditions ?? []).map((c) => (c.type === 'MemoryPressure' ? { ...c, status: 'False' } : c));
    h.c.client.updateStatus({ ...cur.value, status: { ...n.status, conditions } });
    const again = h.c.store.get({ apiVersion: 'v1', kind: 'Node', name: 'n1' });
    assert.ok(again.ok);
    h.c.client.update({ ...again.value, spec: { ...(again.value.spec as object), unschedulable: false } });
    advance(h, 2_000);
    node = getNode(h, 'n1');
    assert.equal(hasTaint(node, TAINT_NODE_MEMORY_PRESSURE, NO_SCHEDULE), false);
    assert.equal(hasTaint(node, 'node.kubernetes.io/unschedulable', NO_SCHEDULE), false);
  });

  describe('zone-aware rate limiting', () => {
    it('taints the nodes of a healthy zone one every 10 s (nodeEvictionRate 0.1)', () => {
      const names = Array.from({ length: 10 }, (_, i) => `n${i}`);
      const h = harness(6, names);
      for (const n of ['n1', 'n2', 'n3']) h.alive.delete(n);
      const times: number[] = [];
      for (let k = 1; k <= 3; k++) {
        times.push(advanceUntil(h, () => ['n1', 'n2', 'n3'].filter((n) => hasTaint(getNode(h, n), TAINT_NODE_UNREACHABLE, NO_EXECUTE)).length >= k, 120_000));
      }
      const [a, b, c] = times as [number, number, number];
      assert.ok(b - a >= 9_900 && b - a <= 10_200, `second taint ${b - a} ms after the first`);
      assert.ok(c - b >= 9_900 && c - b <= 10_200, `third taint ${c - b} ms after the second`);
    });

    it('stops tainting in a small partially disrupted zone (≥ 3 and ≥ 55 % unready)', () => {
      const h = harness(7, ['n1', 'n2', 'n3', 'n4']);
      for (const n of ['n1', 'n2', 'n3']) h.alive.delete(n);
      advanceUntil(h, () => ['n1', 'n2', 'n3'].every((n) => unknownSince(h, n)), 120_000);
      advance(h, 120_000);
      for (const n of ['n1', 'n2', 'n3']) {
        assert.equal(hasTaint(getNode(h, n), TAINT_NODE_UNREACHABLE, NO_EXECUTE), false, n);
        assert.equal(hasTaint(getNode(h, n), TAINT_NODE_UNREACHABLE, NO_SCHEDULE), true, n);
      }
    });

    it('slows to one node every 100 s (secondaryNodeEvictionRate 0.01) in a large partially disrupted zone', () => {
      const names = Array.from({ length: 60 }, (_, i) => `n${String(i).padStart(2, '0')}`);
      const h = harness(11, names);
      const down = names.slice(0, 34);
      for (const n of down) h.alive.delete(n);
      const tainted = (): number => down.filter((n) => hasTaint(getNode(h, n), TAINT_NODE_UNREACHABLE, NO_EXECUTE)).length;
      const first = advanceUntil(h, () => tainted() >= 1, 120_000, 500);
      const second = advanceUntil(h, () => tainted() >= 2, 200_000, 500);
      assert.ok(second - first >= 99_500 && second - first <= 100_500, `${second - first} ms between two taints`);
      assert.equal(tainted(), 2);
    });

    it('stops all NoExecute tainting when every zone is fully disrupted, and resumes when a node is back', () => {
      const h = harness(8, ['n1', 'n2']);
      addPod(h, 'p', { nodeName: 'n1' });
      advance(h, 1_000);
      h.alive.clear();
      advanceUntil(h, () => unknownSince(h, 'n1') && unknownSince(h, 'n2'), 120_000);
      advance(h, 120_000);
      assert.equal(hasTaint(getNode(h, 'n1'), TAINT_NODE_UNREACHABLE, NO_EXECUTE), false);
      assert.equal(hasTaint(getNode(h, 'n2'), TAINT_NODE_UNREACHABLE, NO_EXECUTE), false);
      assert.ok(getPod(h, 'p') !== undefined, 'no eviction while the whole cluster looks down');
      // n2 comes back: n1 is tainted once the grace period given on leaving disruption mode is over.
      h.alive.add('n2');
      h.lastRenewMs.delete('n2');
      postReady(h, 'n2', 'True');
      const backAt = h.c.sim.nowMs;
      const taintAt = advanceUntil(h, () => hasTaint(getNode(h, 'n1'), TAINT_NODE_UNREACHABLE, NO_EXECUTE), 120_000);
      assert.ok(taintAt - backAt <= 10_300, `tainted ${taintAt - backAt} ms after a node came back`);
      advanceUntil(h, () => getPod(h, 'p') === undefined, 2_000);
    });

    it('keeps the normal rate for a fully disrupted zone while another zone is healthy', () => {
      const zone = (n: string): Record<string, string> => ({ 'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': n === 'b1' ? 'b' : 'a' });
      const h = harness(9, ['a1', 'a2', 'b1'], zone);
      assert.equal(zoneKeyOf({ apiVersion: 'v1', kind: 'Node', metadata: { labels: zone('a1') } }), 'r:\u0000:a');
      h.alive.delete('a1');
      h.alive.delete('a2');
      const first = advanceUntil(h, () => hasTaint(getNode(h, 'a1'), TAINT_NODE_UNREACHABLE, NO_EXECUTE) || hasTaint(getNode(h, 'a2'), TAINT_NODE_UNREACHABLE, NO_EXECUTE), 120_000);
      const second = advanceUntil(h, () => hasTaint(getNode(h, 'a1'), TAINT_NODE_UNREACHABLE, NO_EXECUTE) && hasTaint(getNode(h, 'a2'), TAINT_NODE_UNREACHABLE, NO_EXECUTE), 60_000);
      assert.ok(second - first >= 9_900 && second - first <= 10_200, `${second - first} ms between the two taints`);
    });
  });

  it('starts afresh after a restart: a new incarnation lifts the NoExecute taints of the nodes it registers and sets them again', () => {
    const h = harness(10, ['n1', 'n2', 'n3']);
    h.alive.delete('n1');
    advanceUntil(h, () => hasTaint(getNode(h, 'n1'), TAINT_NODE_UNREACHABLE, NO_EXECUTE), 120_000);
    const before = getNode(h, 'n1')?.spec?.taints?.find((t) => t.key === TAINT_NODE_UNREACHABLE && t.effect === NO_EXECUTE)?.timeAdded;
    advance(h, 3_000);
    h.manager.restart();
    const restartAt = h.c.sim.nowMs;
    // Upstream's first pass marks every node it registers reachable, then queues the still-Unknown
    // node again, and the full token bucket lets it be tainted at once: a fresh timeAdded.
    advanceUntil(h, () => {
      const t = getNode(h, 'n1')?.spec?.taints?.find((x) => x.key === TAINT_NODE_UNREACHABLE && x.effect === NO_EXECUTE);
      return t?.timeAdded !== undefined && t.timeAdded !== before;
    }, 2_000);
    assert.ok(h.c.sim.nowMs - restartAt <= 1_000);
  });

  describe('building blocks', () => {
    it('computes zone states as upstream', () => {
      assert.equal(computeZoneState(['Unknown', undefined], 0.55).state, 'FullDisruption');
      assert.equal(computeZoneState([], 0.55).state, 'Normal');
      assert.equal(computeZoneState(['True', 'Unknown', 'Unknown'], 0.55).state, 'Normal', 'two unready nodes never make a partial disruption');
      assert.equal(computeZoneState(['True', 'False', 'Unknown', 'Unknown'], 0.55).state, 'PartialDisruption');
      // 11 of 20 is exactly 0.55 in float32.
      const statuses = [...Array<string>(11).fill('Unknown'), ...Array<string>(9).fill('True')];
      assert.equal(computeZoneState(statuses, 0.55).state, 'PartialDisruption');
      assert.equal(computeZoneState([...Array<string>(10).fill('Unknown'), ...Array<string>(10).fill('True')], 0.55).state, 'Normal');
    });

    it('rate-limits a zone queue with a one-token bucket and swaps limiters as upstream', () => {
      const bucket = new TokenBucket(0.1);
      assert.equal(bucket.tryAccept(0), true);
      assert.equal(bucket.tryAccept(9_999), false);
      assert.equal(bucket.tryAccept(10_000), true);
      assert.equal(new TokenBucket(0).tryAccept(0), false);
      assert.equal(new TokenBucket(0).reportedQps, 1, 'the never limiter reports 1 qps, as upstream');

      const q = new ZoneTainter(0.1);
      assert.equal(q.add('a', 'u1', 0), true);
      assert.equal(q.add('a', 'u1', 0), false, 'unique until removed');
      q.add('b', 'u2', 0);
      const done: string[] = [];
      q.tryProcess(0, (v) => {
        done.push(v.value);
        return { done: true };
      });
      assert.deepEqual(done, ['a']);
      assert.equal(q.nextTryAtMs(0), 10_000);
      assert.equal(q.add('a', 'u1', 1), false, 'a processed value stays in the set');
      q.swapLimiter(0, 5_000);
      assert.equal(q.nextTryAtMs(5_000), Number.POSITIVE_INFINITY);
      q.swapLimiter(0.1, 6_000);
      // The never limiter had no token, so the new bucket starts drained.
      assert.equal(q.nextTryAtMs(6_000), 16_000);
      assert.equal(q.remove('a'), true);
      assert.equal(q.add('a', 'u1', 7_000), true);
    });
  });
});
