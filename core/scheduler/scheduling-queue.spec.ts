import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DeepReadonly, KubeObject, Pod } from '../api/types.js';
import type { PluginError } from '../errors.js';
import { ActionType, type ClusterEvent, type ClusterEventWithHint, type QueueingHintFn } from './cluster-event.js';
import { KeyedHeap } from './heap.js';
import type { PodInfo } from './node-info.js';
import type { QueuedPodInfo } from './plugin.js';
import {
  EventAssignedPodAdd,
  EventUnschedulableTimeout,
  PrioritySort,
  SchedulingQueue,
  buildQueueProfile,
  eventLabel,
  gatingReason,
  podSchedulingPropertiesChange,
  type PreEnqueuePluginEntry,
  type QueueProfile,
  type SchedulingQueueOptions,
} from './scheduling-queue.js';
import { Status } from './status.js';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

class TestClock {
  constructor(public t = 0) {}
  nowMs(): number {
    return this.t;
  }
}

interface PodOpts {
  priority?: number;
  namespace?: string;
  labels?: Record<string, string>;
  gates?: string[];
  schedulerName?: string;
  nominatedNodeName?: string;
  nodeName?: string;
  requiredAffinity?: boolean;
  annotations?: Record<string, string>;
}

function mkPod(name: string, o: PodOpts = {}): DeepReadonly<Pod> {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: `uid-${name}` },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
  const spec = pod.spec as NonNullable<Pod['spec']>;
  if (o.priority !== undefined) spec.priority = o.priority;
  if (o.labels) pod.metadata!.labels = { ...o.labels };
  if (o.annotations) pod.metadata!.annotations = { ...o.annotations };
  if (o.gates) spec.schedulingGates = o.gates.map((g) => ({ name: g }));
  if (o.schedulerName) spec.schedulerName = o.schedulerName;
  if (o.nodeName) spec.nodeName = o.nodeName;
  if (o.nominatedNodeName) pod.status = { nominatedNodeName: o.nominatedNodeName };
  if (o.requiredAffinity) {
    spec.affinity = {
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'zone' }] },
    };
  }
  return pod as DeepReadonly<Pod>;
}

const makePodInfo = (pod: DeepReadonly<Pod>): PodInfo => ({ pod }) as unknown as PodInfo;
const obj = (p: DeepReadonly<Pod>): DeepReadonly<KubeObject> => p as unknown as DeepReadonly<KubeObject>;

const NodeAdd: ClusterEvent = { resource: 'Node', actionType: ActionType.Add, label: 'NodeAdd' };
const NodeDelete: ClusterEvent = { resource: 'Node', actionType: ActionType.Delete, label: 'NodeDelete' };
const NodeTaintChange: ClusterEvent = { resource: 'Node', actionType: ActionType.UpdateNodeTaint, label: 'NodeTaintChange' };
const AssignedPodDelete: ClusterEvent = { resource: 'AssignedPod', actionType: ActionType.Delete, label: 'AssignedPodDelete' };

const gatesPlugin: PreEnqueuePluginEntry = {
  name: 'SchedulingGates',
  preEnqueue: (pod) =>
    (pod.spec?.schedulingGates?.length ?? 0) > 0 ? Status.unschedulableAndUnresolvable('waiting for scheduling gates') : undefined,
};

/** SchedulingGates' own hint: only the pod's own update can lift its gates. */
const ownPodHint: QueueingHintFn = (pod, _old, newObj) => (newObj?.metadata.uid === pod.metadata?.uid ? 'Queue' : 'QueueSkip');

function defaultHints(extra: Record<string, ClusterEventWithHint[]> = {}): Map<string, readonly ClusterEventWithHint[]> {
  const m = new Map<string, readonly ClusterEventWithHint[]>([
    ['SchedulingGates', [{ event: { resource: 'UnscheduledPod', actionType: ActionType.UpdatePodSchedulingGatesEliminated }, queueingHintFn: ownPodHint }]],
    ['NodeResourcesFit', [{ event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeAllocatable } }, { event: AssignedPodDelete }]],
  ]);
  for (const [k, v] of Object.entries(extra)) m.set(k, v);
  return m;
}

interface Setup {
  q: SchedulingQueue;
  clock: TestClock;
  errors: PluginError[];
}

function setup(
  opts: { profile?: QueueProfile; hints?: Record<string, ClusterEventWithHint[]>; preEnqueue?: PreEnqueuePluginEntry[] } & Partial<SchedulingQueueOptions> = {},
): Setup {
  const clock = new TestClock(opts.clock ? opts.clock.nowMs() : 0);
  const errors: PluginError[] = [];
  const profile: QueueProfile = opts.profile ?? {
    preEnqueuePlugins: opts.preEnqueue ?? [gatesPlugin],
    eventHints: defaultHints(opts.hints),
  };
  const { profile: _p, hints: _h, preEnqueue: _e, ...rest } = opts;
  const q = new SchedulingQueue({
    makePodInfo,
    profiles: new Map([['default-scheduler', profile]]),
    onPluginError: (e) => errors.push(e),
    ...rest,
    clock,
  });
  return { q, clock, errors };
}

function names(list: readonly QueuedPodInfo[]): string[] {
  return list.map((p) => p.pod.metadata?.name ?? '?');
}

function popName(q: SchedulingQueue): string | undefined {
  return q.pop()?.pod.metadata?.name;
}

function locationOf(q: SchedulingQueue, name: string): string | undefined {
  return q.get(`uid-${name}`)?.location;
}

/** Pops `name` (which must be the head) and fails it as Unschedulable by `plugins`. */
function popAndReject(s: Setup, name: string, plugins: string[] = ['NodeResourcesFit']): ReturnType<SchedulingQueue['addUnschedulableIfNotPresent']> {
  const p = s.q.pop();
  assert.equal(p?.pod.metadata?.name, name);
  return s.q.addUnschedulableIfNotPresent(p!, { code: 'Unschedulable', unschedulablePlugins: plugins });
}

/** A small deterministic generator for specs (no Math.random). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x;
  };
}

// ---------------------------------------------------------------------------------------------
// KeyedHeap
// ---------------------------------------------------------------------------------------------

describe('KeyedHeap', () => {
  interface Item {
    key: string;
    v: number;
  }
  const less = (a: Item, b: Item) => a.v < b.v || (a.v === b.v && a.key < b.key);

  it('pops in order after a deterministic mix of inserts, updates and deletes', () => {
    const h = new KeyedHeap<Item>((i) => i.key, less);
    const ref = new Map<string, Item>();
    const rnd = lcg(7);
    for (let step = 0; step < 3000; step++) {
      const k = `k${rnd() % 400}`;
      const op = rnd() % 3;
      if (op < 2) {
        const item = { key: k, v: rnd() % 50 };
        h.addOrUpdate(item);
        ref.set(k, item);
      } else {
        assert.equal(h.delete(k)?.key, ref.has(k) ? k : undefined);
        ref.delete(k);
      }
      if (step % 500 === 0) h.verify();
    }
    h.verify();
    assert.equal(h.size, ref.size);
    const expected = [...ref.values()].sort((a, b) => (less(a, b) ? -1 : 1)).map((i) => i.key);
    assert.deepEqual(h.sorted().map((i) => i.key), expected);
    const popped: string[] = [];
    for (let i = h.pop(); i !== undefined; i = h.pop()) popped.push(i.key);
    assert.deepEqual(popped, expected);
  });

  it('fix() moves an item whose ordering field changed', () => {
    const h = new KeyedHeap<Item>((i) => i.key, less);
    const a = { key: 'a', v: 1 };
    const b = { key: 'b', v: 2 };
    h.addOrUpdate(a);
    h.addOrUpdate(b);
    b.v = 0;
    h.fix('b');
    assert.equal(h.peek()?.key, 'b');
    assert.equal(h.get('a'), a);
    assert.equal(h.has('c'), false);
  });
});

// ---------------------------------------------------------------------------------------------
// activeQ ordering
// ---------------------------------------------------------------------------------------------

describe('SchedulingQueue: activeQ order (PrioritySort)', () => {
  const cases: { name: string; adds: { pod: string; priority?: number; at: number }[]; want: string[] }[] = [
    {
      name: 'higher priority first',
      adds: [
        { pod: 'low', priority: 1, at: 0 },
        { pod: 'high', priority: 100, at: 10 },
        { pod: 'mid', priority: 50, at: 20 },
      ],
      want: ['high', 'mid', 'low'],
    },
    {
      name: 'equal priority: earlier timestamp first',
      adds: [
        { pod: 'b', priority: 5, at: 30 },
        { pod: 'a', priority: 5, at: 10 },
      ].sort((x, y) => y.at - x.at),
      want: ['a', 'b'],
    },
    {
      name: 'missing priority counts as 0, below positive and above negative',
      adds: [
        { pod: 'neg', priority: -10, at: 0 },
        { pod: 'none', at: 1 },
        { pod: 'pos', priority: 1, at: 2 },
      ],
      want: ['pos', 'none', 'neg'],
    },
    {
      name: 'equal priority and timestamp: insertion order (total tie-breaker)',
      adds: [
        { pod: 'x', priority: 3, at: 5 },
        { pod: 'y', priority: 3, at: 5 },
        { pod: 'z', priority: 3, at: 5 },
      ],
      want: ['x', 'y', 'z'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = setup();
      for (const a of [...c.adds].sort((x, y) => x.at - y.at)) {
        s.clock.t = a.at;
        s.q.add(mkPod(a.pod, a.priority === undefined ? {} : { priority: a.priority }));
      }
      const got: string[] = [];
      for (let n = popName(s.q); n !== undefined; n = popName(s.q)) got.push(n);
      assert.deepEqual(got, c.want);
    });
  }

  it('a QueueSort that throws is reported once as PluginError and the queue falls back to insertion order', () => {
    const s = setup({ queueSort: { name: 'Broken', less: () => { throw new Error('boom'); } } });
    for (const n of ['a', 'b', 'c']) s.q.add(mkPod(n, { priority: n === 'c' ? 9 : 0 }));
    const got = [popName(s.q), popName(s.q), popName(s.q)];
    assert.deepEqual(got, ['a', 'b', 'c']);
    assert.equal(s.errors.length, 1);
    assert.equal(s.errors[0]?.plugin, 'Broken');
    assert.equal(s.errors[0]?.extensionPoint, 'queueSort');
  });

  it('updating the priority of a pod in activeQ re-orders it', () => {
    const s = setup();
    const a = mkPod('a', { priority: 1 });
    s.q.add(a);
    s.q.add(mkPod('b', { priority: 2 }));
    s.q.update(a, mkPod('a', { priority: 3 }));
    assert.equal(popName(s.q), 'a');
  });
});

// ---------------------------------------------------------------------------------------------
// Backoff
// ---------------------------------------------------------------------------------------------

describe('SchedulingQueue: backoff', () => {
  it('backoff durations double per failure up to the maximum (table)', () => {
    const table: { initial?: number; max?: number; counts: number[]; want: number[] }[] = [
      { counts: [0, 1, 2, 3, 4, 5, 6, 50], want: [0, 1000, 2000, 4000, 8000, 10000, 10000, 10000] },
      { initial: 500, max: 3000, counts: [1, 2, 3, 4], want: [500, 1000, 2000, 3000] },
      { initial: 4000, max: 3000, counts: [1, 2], want: [3000, 3000] },
      { initial: 0, max: 3000, counts: [1, 5], want: [0, 0] },
    ];
    for (const row of table) {
      const opts: Partial<SchedulingQueueOptions> = {};
      if (row.initial !== undefined) (opts as { podInitialBackoffMs?: number }).podInitialBackoffMs = row.initial;
      if (row.max !== undefined) (opts as { podMaxBackoffMs?: number }).podMaxBackoffMs = row.max;
      const { q } = setup(opts);
      assert.deepEqual(row.counts.map((c) => q.backoffDurationMs(c)), row.want);
    }
  });

  it('rejects invalid durations with ConfigError', () => {
    assert.throws(() => setup({ podMaxBackoffMs: -1 }), { name: 'ConfigError' });
    assert.throws(() => setup({ podInitialBackoffMs: 1.5 }), { name: 'ConfigError' });
  });

  it('flow: 1, 2, 4, 8, 10, 10, 10 s in 1-second windows (upstream TestBackOffFlow)', () => {
    const s = setup();
    s.clock.t = 100_300;
    s.q.add(mkPod('p'));
    const wantSeconds = [1, 2, 4, 8, 10, 10, 10];
    for (let i = 0; i < wantSeconds.length; i++) {
      const failedAt = s.clock.t;
      const r = popAndReject(s, 'p');
      assert.deepEqual(r, { ok: true, queue: 'unschedulablePods', strategy: 'QueueSkip' });
      s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
      const snap = s.q.get('uid-p')!;
      assert.equal(snap.location, 'podBackoffQ', `step ${i}`);
      assert.equal(snap.attempts, i + 1);
      assert.equal(snap.unschedulableCount, i + 1);
      const expiry = snap.backoffExpiryMs!;
      assert.equal(expiry, Math.floor((failedAt + wantSeconds[i]! * 1000) / 1000) * 1000, `step ${i}`);
      // Whole seconds after the failure until the flush that releases the pod: the wanted backoff.
      assert.equal(Math.ceil((expiry + 1000 - failedAt) / 1000), wantSeconds[i]! + 1);
      s.clock.t = expiry;
      assert.equal(s.q.flushBackoffQCompleted(), 0, 'a pod whose expiry is in the current window is still backing off');
      assert.equal(s.q.nextBackoffFlushMs(), expiry + 1000);
      s.clock.t = expiry + 1000;
      assert.equal(s.q.flushBackoffQCompleted(), 1);
      assert.equal(locationOf(s.q, 'p'), 'activeQ');
      s.clock.t += 300;
    }
  });

  it('errors go to podErrorBackoffQ, counted apart from unschedulable failures', () => {
    const s = setup();
    s.q.add(mkPod('p'));
    // Three errors in a row: 1 s, 2 s, 4 s.
    const errorExpiries: number[] = [];
    for (let i = 0; i < 3; i++) {
      const p = s.q.pop()!;
      const r = s.q.addUnschedulableIfNotPresent(p, { code: 'Error', unschedulablePlugins: ['Ignored'] });
      assert.deepEqual(r, { ok: true, queue: 'backoffQ', strategy: 'QueueAfterBackoff' });
      const snap = s.q.get('uid-p')!;
      assert.equal(snap.location, 'podErrorBackoffQ');
      assert.equal(snap.unschedulablePlugins.size, 0, 'an Error ignores rejector plugins');
      errorExpiries.push(snap.backoffExpiryMs! - s.clock.t);
      s.clock.t = snap.backoffExpiryMs! + 1000;
      s.q.flushBackoffQCompleted();
    }
    assert.deepEqual(errorExpiries, [1000, 2000, 4000]);
    // Then a rejection: unschedulableCount is 1, the error streak resets.
    popAndReject(s, 'p');
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    const snap = s.q.get('uid-p')!;
    assert.equal(snap.location, 'podBackoffQ');
    assert.equal(snap.consecutiveErrorsCount, 0);
    assert.equal(snap.backoffExpiryMs! - s.clock.t, 1000);
  });

  it('a rejection without any rejector plugin is treated as an error (podErrorBackoffQ)', () => {
    const s = setup();
    s.q.add(mkPod('p'));
    const r = s.q.addUnschedulableIfNotPresent(s.q.pop()!, { code: 'Unschedulable' });
    assert.equal(r.ok && r.queue, 'backoffQ');
    assert.equal(locationOf(s.q, 'p'), 'podErrorBackoffQ');
    assert.equal(s.q.get('uid-p')?.consecutiveErrorsCount, 1);
  });

  it('pop() takes the head of podBackoffQ when activeQ is empty, never podErrorBackoffQ', () => {
    const s = setup();
    s.q.add(mkPod('err'));
    s.q.addUnschedulableIfNotPresent(s.q.pop()!, { code: 'Error' });
    s.q.add(mkPod('rej'));
    popAndReject(s, 'rej');
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    assert.equal(locationOf(s.q, 'rej'), 'podBackoffQ');
    assert.equal(s.q.isPodBackingOff('uid-rej'), true);
    assert.equal(s.q.canPop(), true);
    const p = s.q.pop();
    assert.equal(p?.pod.metadata?.name, 'rej');
    assert.equal(p?.attempts, 2);
    assert.equal(s.q.metrics().popsFromBackoffQ, 1);
    assert.equal(s.q.metrics().incomingPods.active?.PopFromBackoffQ, 1);
    assert.equal(s.q.pop(), undefined, 'the error backoff queue is not popped early');
    assert.equal(s.q.canPop(), false);
  });

  it('without SchedulerPopFromBackoffQ, pop() waits for the flush and expiries are not window-aligned', () => {
    const s = setup({ popFromBackoffQ: false });
    s.clock.t = 1_300;
    s.q.add(mkPod('p'));
    popAndReject(s, 'p');
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    assert.equal(s.q.pop(), undefined);
    assert.equal(s.q.get('uid-p')?.backoffExpiryMs, 2_300);
    s.clock.t = 2_301;
    assert.equal(s.q.flushBackoffQCompleted(), 1);
    assert.equal(popName(s.q), 'p');
  });

  it('podBackoffQ orders by expiry window, then like activeQ within a window', () => {
    const s = setup();
    // low fails at 10.100 and high at 10.900: both expire in window 11.000, so priority decides.
    // early fails at 9.000 (window 10.000): earlier window first regardless of priority.
    s.clock.t = 9_000;
    s.q.add(mkPod('early', { priority: -5 }));
    popAndReject(s, 'early');
    s.clock.t = 10_100;
    s.q.add(mkPod('low', { priority: 1 }));
    popAndReject(s, 'low');
    s.clock.t = 10_900;
    s.q.add(mkPod('high', { priority: 9 }));
    popAndReject(s, 'high');
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    assert.deepEqual(names(s.q.pendingPods().backoffQ), ['early', 'high', 'low']);
    assert.deepEqual([popName(s.q), popName(s.q), popName(s.q)], ['early', 'high', 'low']);
  });

  for (const popFromBackoffQ of [true, false]) {
    it(`flush at a window boundary and podBackoffQ order, popFromBackoffQ=${popFromBackoffQ} (upstream TestBackoffQueueOrdering)`, () => {
      const s = setup({ popFromBackoffQ });
      // Failure times relative to the flush at 10 000; each pod saw a relevant event in flight, so
      // it enters podBackoffQ with a 1 s backoff.
      const pods: [string, number, number][] = [
        ['pod5', 7_000, 1],
        ['pod3', 8_000, 1],
        ['pod4', 8_000, 2],
        ['pod2', 8_001, 2],
        ['pod1', 9_000, 1],
        ['pod0', 10_000, 1],
      ];
      for (const [name, at, priority] of pods) {
        s.clock.t = at;
        s.q.add(mkPod(name, { priority }));
        const p = s.q.pop()!;
        s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
        assert.equal(s.q.addUnschedulableIfNotPresent(p, { code: 'Unschedulable', unschedulablePlugins: ['NodeResourcesFit'] }).ok, true);
      }
      assert.deepEqual(
        names(s.q.pendingPods().backoffQ),
        popFromBackoffQ ? ['pod5', 'pod4', 'pod2', 'pod3', 'pod1', 'pod0'] : ['pod5', 'pod3', 'pod4', 'pod2', 'pod1', 'pod0'],
      );
      s.clock.t = 10_000;
      assert.equal(s.q.flushBackoffQCompleted(), 4);
      assert.deepEqual(names(s.q.pendingPods().backoffQ), ['pod1', 'pod0'], 'pod1 expires in the current window: still backing off');
    });
  }

  it('podMaxBackoffMs = 0 disables backoff', () => {
    const s = setup({ podMaxBackoffMs: 0 });
    s.q.add(mkPod('p'));
    popAndReject(s, 'p');
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    assert.equal(locationOf(s.q, 'p'), 'activeQ');
  });
});

// ---------------------------------------------------------------------------------------------
// PreEnqueue and gating
// ---------------------------------------------------------------------------------------------

describe('SchedulingQueue: PreEnqueue and gated pods', () => {
  it('a gated pod waits in unschedulablePods until its gates are removed', () => {
    const s = setup();
    const gated = mkPod('g', { gates: ['example.com/wait'] });
    s.q.add(gated);
    const snap = s.q.get('uid-g')!;
    assert.equal(snap.location, 'unschedulablePods');
    assert.equal(snap.gated, true);
    assert.equal(snap.gatingPlugin, 'SchedulingGates');
    assert.equal(gatingReason(snap), 'SchedulingGates: waiting for scheduling gates');
    assert.deepEqual([...snap.unschedulablePlugins], ['SchedulingGates']);
    assert.equal(s.q.pop(), undefined);
    assert.equal(s.q.lengths().gated, 1);
    assert.equal(s.q.metrics().preEnqueueRejections.SchedulingGates, 1);

    // Cluster events its gating plugin did not register for leave it alone.
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    assert.equal(locationOf(s.q, 'g'), 'unschedulablePods');
    // Another update that keeps the gates leaves it gated.
    const relabelled = mkPod('g', { gates: ['example.com/wait'], labels: { a: 'b' } });
    s.q.update(gated, relabelled);
    assert.equal(locationOf(s.q, 'g'), 'unschedulablePods');

    s.q.update(relabelled, mkPod('g', { labels: { a: 'b' } }));
    const after = s.q.get('uid-g')!;
    assert.equal(after.location, 'activeQ', 'no attempts yet, so no backoff');
    assert.equal(after.gated, false);
    assert.equal(popName(s.q), 'g');
  });

  it('the leftover flush re-runs PreEnqueue for long-gated pods, which stay gated', () => {
    const s = setup();
    s.q.add(mkPod('g', { gates: ['x'] }));
    s.clock.t = 5 * 60_000 + 1;
    s.q.flushUnschedulablePodsLeftover();
    const snap = s.q.get('uid-g')!;
    assert.equal(snap.location, 'unschedulablePods');
    assert.equal(snap.gated, true);
    assert.equal(s.q.metrics().preEnqueueRejections.SchedulingGates, 2);
  });

  it('a gated pod that had failures pays its backoff when released (PR 126029)', () => {
    // A custom PreEnqueue plugin that holds pods labelled hold=true.
    const hold: PreEnqueuePluginEntry = {
      name: 'Hold',
      preEnqueue: (pod) => (pod.metadata?.labels?.hold === 'true' ? Status.unschedulable('held') : undefined),
    };
    const holdHint: QueueingHintFn = (pod, _o, n) =>
      n?.metadata.uid === pod.metadata?.uid && (n as DeepReadonly<Pod>).metadata?.labels?.hold !== 'true' ? 'Queue' : 'QueueSkip';
    for (const variant of ['released while backing off', 'released after backoff'] as const) {
      const s = setup({
        preEnqueue: [gatesPlugin, hold],
        hints: { Hold: [{ event: { resource: 'UnscheduledPod', actionType: ActionType.UpdatePodLabel }, queueingHintFn: holdHint }] },
      });
      s.clock.t = 1_000;
      const plain = mkPod('p');
      s.q.add(plain);
      popAndReject(s, 'p');
      // The pod gets the hold label while waiting, then a node event sends it towards backoffQ,
      // where PreEnqueue now gates it.
      const held = mkPod('p', { labels: { hold: 'true' } });
      s.q.update(plain, held);
      assert.equal(locationOf(s.q, 'p'), 'unschedulablePods');
      s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
      let snap = s.q.get('uid-p')!;
      assert.equal(snap.location, 'unschedulablePods');
      assert.equal(snap.gatingPlugin, 'Hold');
      const expiry = snap.backoffExpiryMs!;
      assert.equal(expiry, 2_000);
      s.clock.t = variant === 'released while backing off' ? 2_500 : 3_000;
      s.q.update(held, mkPod('p', { labels: { hold: 'false' } }));
      snap = s.q.get('uid-p')!;
      assert.equal(snap.gated, false);
      assert.equal(snap.location, variant === 'released while backing off' ? 'podBackoffQ' : 'activeQ', variant);
    }
  });

  it('the plugin that gated the pod runs first next time; all passing clears the gate', () => {
    const calls: string[] = [];
    const mk = (name: string, gate: (pod: DeepReadonly<Pod>) => boolean): PreEnqueuePluginEntry => ({
      name,
      preEnqueue: (pod) => {
        calls.push(name);
        return gate(pod) ? Status.unschedulable(`${name} says no`) : undefined;
      },
    });
    const s = setup({
      preEnqueue: [mk('A', () => false), mk('B', (p) => p.metadata?.labels?.b === 'no')],
      hints: { B: [{ event: { resource: 'UnscheduledPod', actionType: ActionType.UpdatePodLabel } }] },
    });
    const p1 = mkPod('p', { labels: { b: 'no' } });
    s.q.add(p1);
    assert.deepEqual(calls, ['A', 'B']);
    calls.length = 0;
    s.q.update(p1, mkPod('p', { labels: { b: 'yes' } }));
    assert.deepEqual(calls, ['B', 'A']);
    assert.equal(locationOf(s.q, 'p'), 'activeQ');
  });

  it('a PreEnqueue plugin that throws or returns garbage gates the pod and is reported', () => {
    const s = setup({
      preEnqueue: [
        { name: 'Thrower', preEnqueue: (pod) => { if (pod.metadata?.name === 't') throw new Error('kaput'); return undefined; } },
        { name: 'Garbage', preEnqueue: (pod) => (pod.metadata?.name === 'g' ? (42 as unknown as Status) : undefined) },
      ],
    });
    s.q.add(mkPod('t'));
    s.q.add(mkPod('g'));
    s.q.add(mkPod('ok'));
    assert.equal(s.q.get('uid-t')?.gatingPlugin, 'Thrower');
    assert.equal(s.q.get('uid-t')?.gatingStatus?.code, 'Error');
    assert.equal(s.q.get('uid-g')?.gatingPlugin, 'Garbage');
    assert.equal(locationOf(s.q, 'ok'), 'activeQ');
    assert.deepEqual(
      s.errors.map((e) => [e.plugin, e.extensionPoint]),
      [
        ['Thrower', 'preEnqueue'],
        ['Garbage', 'preEnqueue'],
      ],
    );
    assert.match(s.errors[0]!.message, /plugin Thrower \(preEnqueue\): threw: kaput/);
  });
});

// ---------------------------------------------------------------------------------------------
// Cluster events and queueing hints
// ---------------------------------------------------------------------------------------------

describe('SchedulingQueue: cluster events and queueing hints', () => {
  type Case = {
    name: string;
    hint?: QueueingHintFn | 'none';
    registered?: ClusterEvent;
    event: ClusterEvent;
    rejectors?: string[];
    pending?: string[];
    advanceMs?: number;
    want: string;
    wantErrors?: number;
  };
  const throwing: QueueingHintFn = () => {
    throw new Error('hint exploded');
  };
  const cases: Case[] = [
    { name: 'Queue, backoff over ⇒ activeQ', hint: () => 'Queue', event: NodeTaintChange, advanceMs: 5_000, want: 'activeQ' },
    { name: 'Queue, still backing off ⇒ podBackoffQ', hint: () => 'Queue', event: NodeTaintChange, want: 'podBackoffQ' },
    { name: 'QueueSkip ⇒ stays', hint: () => 'QueueSkip', event: NodeTaintChange, want: 'unschedulablePods' },
    { name: 'hint throws ⇒ treated as Queue and reported', hint: throwing, event: NodeTaintChange, want: 'podBackoffQ', wantErrors: 1 },
    {
      name: 'hint returns garbage ⇒ treated as Queue and reported',
      hint: (() => 'Maybe') as unknown as QueueingHintFn,
      event: NodeTaintChange,
      want: 'podBackoffQ',
      wantErrors: 1,
    },
    { name: 'no hint function ⇒ Queue', hint: 'none', event: NodeTaintChange, want: 'podBackoffQ' },
    { name: 'event does not match the registration ⇒ stays', hint: () => 'Queue', event: NodeDelete, want: 'unschedulablePods' },
    {
      name: 'a resource "Pod" registration matches an AssignedPod event',
      hint: () => 'Queue',
      registered: { resource: 'Pod', actionType: ActionType.Delete },
      event: AssignedPodDelete,
      want: 'podBackoffQ',
    },
    {
      name: 'only the rejector plugins are asked',
      hint: () => 'Queue',
      event: NodeTaintChange,
      rejectors: ['NodeResourcesFit'],
      want: 'unschedulablePods',
    },
    {
      name: 'a Pending plugin saying Queue ⇒ activeQ without backoff',
      hint: () => 'Queue',
      event: NodeTaintChange,
      rejectors: [],
      pending: ['TaintToleration'],
      want: 'activeQ',
    },
    {
      name: 'a Pending plugin saying QueueSkip while an Unschedulable one says Queue ⇒ backoff',
      hint: () => 'QueueSkip',
      event: NodeAdd,
      rejectors: ['NodeResourcesFit'],
      pending: ['TaintToleration'],
      want: 'podBackoffQ',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const registration: ClusterEventWithHint =
        c.hint === 'none' || c.hint === undefined
          ? { event: c.registered ?? { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint } }
          : { event: c.registered ?? { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint }, queueingHintFn: c.hint };
      const s = setup({ hints: { TaintToleration: [registration] } });
      s.q.add(mkPod('p'));
      const p = s.q.pop()!;
      s.q.addUnschedulableIfNotPresent(p, {
        code: 'Unschedulable',
        unschedulablePlugins: c.rejectors ?? ['TaintToleration'],
        pendingPlugins: c.pending ?? [],
      });
      assert.equal(locationOf(s.q, 'p'), 'unschedulablePods');
      s.clock.t += c.advanceMs ?? 0;
      s.q.moveAllToActiveOrBackoffQueue(c.event, undefined, undefined);
      assert.equal(locationOf(s.q, 'p'), c.want);
      assert.equal(s.errors.length, c.wantErrors ?? 0);
      if (c.wantErrors) {
        assert.equal(s.errors[0]?.plugin, 'TaintToleration');
        assert.equal(s.errors[0]?.extensionPoint, 'queueingHint');
        assert.equal(s.q.metrics().queueingHints.error, 1);
      }
    });
  }

  it('hints receive the pod and the event objects', () => {
    const seen: string[] = [];
    const s = setup({
      hints: {
        NodeAffinity: [
          {
            event: { resource: 'Node', actionType: ActionType.UpdateNodeLabel },
            queueingHintFn: (pod, oldObj, newObj) => {
              seen.push(`${pod.metadata?.name}:${oldObj?.metadata.name}->${newObj?.metadata.name}`);
              return 'QueueSkip';
            },
          },
        ],
      },
    });
    s.q.add(mkPod('p'));
    popAndReject(s, 'p', ['NodeAffinity']);
    const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } }) as DeepReadonly<KubeObject>;
    s.q.moveAllToActiveOrBackoffQueue({ resource: 'Node', actionType: ActionType.UpdateNodeLabel }, node('n1'), node('n1b'));
    assert.deepEqual(seen, ['p:n1->n1b']);
    assert.equal(s.q.metrics().queueingHints.queueSkip, 1);
  });

  it('an event nobody registered is ignored without asking hints; the wildcard timeout is always of interest', () => {
    const s = setup();
    s.q.add(mkPod('p'));
    popAndReject(s, 'p');
    s.q.moveAllToActiveOrBackoffQueue({ resource: 'PersistentVolume', actionType: ActionType.Add });
    assert.equal(locationOf(s.q, 'p'), 'unschedulablePods');
    s.q.moveAllToActiveOrBackoffQueue(EventUnschedulableTimeout);
    assert.equal(locationOf(s.q, 'p'), 'podBackoffQ');
  });

  it('preCheck filters the pods considered', () => {
    const s = setup();
    for (const n of ['a', 'b']) {
      s.q.add(mkPod(n));
      popAndReject(s, n);
    }
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd, undefined, undefined, (pod) => pod.metadata?.name === 'b');
    assert.equal(locationOf(s.q, 'a'), 'unschedulablePods');
    assert.equal(locationOf(s.q, 'b'), 'podBackoffQ');
  });

  it('a pod of a scheduler without a profile moves on any interesting event', () => {
    const s = setup();
    s.q.add(mkPod('other', { schedulerName: 'other-scheduler' }));
    popAndReject(s, 'other', ['SomePlugin']);
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    assert.equal(locationOf(s.q, 'other'), 'podBackoffQ');
  });

  it('unschedulable pods are visited in insertion order (deterministic side effects)', () => {
    const order: string[] = [];
    const s = setup({
      hints: {
        TaintToleration: [
          {
            event: NodeTaintChange,
            queueingHintFn: (pod) => {
              order.push(pod.metadata?.name ?? '');
              return 'QueueSkip';
            },
          },
        ],
      },
    });
    for (const n of ['c', 'a', 'b']) {
      s.q.add(mkPod(n));
      popAndReject(s, n, ['TaintToleration']);
    }
    s.q.moveAllToActiveOrBackoffQueue(NodeTaintChange);
    assert.deepEqual(order, ['c', 'a', 'b']);
  });
});

// ---------------------------------------------------------------------------------------------
// In-flight events
// ---------------------------------------------------------------------------------------------

describe('SchedulingQueue: events received while a pod is in flight', () => {
  it('a relevant event during the attempt sends the pod to backoffQ instead of unschedulablePods', () => {
    const s = setup();
    s.q.add(mkPod('p'));
    const p = s.q.pop()!;
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    assert.equal(s.q.metrics().inFlightEvents, 1);
    const r = s.q.addUnschedulableIfNotPresent(p, { code: 'Unschedulable', unschedulablePlugins: ['NodeResourcesFit'] });
    assert.deepEqual(r, { ok: true, queue: 'backoffQ', strategy: 'QueueAfterBackoff' });
    assert.equal(s.q.metrics().inFlightEvents, 0, 'done() prunes events no attempt needs');
  });

  it('an in-flight event whose hint says QueueSkip, or that the rejector did not register, is not enough', () => {
    const s = setup({ hints: { TaintToleration: [{ event: NodeTaintChange, queueingHintFn: () => 'QueueSkip' }] } });
    s.q.add(mkPod('p'));
    const p = s.q.pop()!;
    s.q.moveAllToActiveOrBackoffQueue(NodeTaintChange);
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    const r = s.q.addUnschedulableIfNotPresent(p, { code: 'Unschedulable', unschedulablePlugins: ['TaintToleration'] });
    assert.deepEqual(r, { ok: true, queue: 'unschedulablePods', strategy: 'QueueSkip' });
  });

  it('events before the pop or after the requeue do not count', () => {
    const s = setup();
    s.q.add(mkPod('p'));
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    assert.equal(s.q.metrics().inFlightEvents, 0, 'nothing in flight: not recorded');
    const p = s.q.pop()!;
    const r = s.q.addUnschedulableIfNotPresent(p, { code: 'Unschedulable', unschedulablePlugins: ['NodeResourcesFit'] });
    assert.equal(r.ok && r.queue, 'unschedulablePods');
  });

  it('a Pending plugin whose event arrived in flight requeues to activeQ immediately', () => {
    const s = setup({ hints: { DynamicResources: [{ event: { resource: '*', actionType: ActionType.Update }, queueingHintFn: () => 'Queue' }] } });
    s.q.add(mkPod('p'));
    const p = s.q.pop()!;
    s.q.moveAllToActiveOrBackoffQueue({ resource: 'PersistentVolumeClaim', actionType: ActionType.UpdateOther });
    const r = s.q.addUnschedulableIfNotPresent(p, { code: 'Pending', pendingPlugins: ['DynamicResources'] });
    assert.deepEqual(r, { ok: true, queue: 'activeQ', strategy: 'QueueImmediately' });
    assert.equal(s.q.get('uid-p')?.unschedulableCount, 1);
  });

  it('a Pending rejection without an event waits in unschedulablePods for its plugin', () => {
    const s = setup({ hints: { DynamicResources: [{ event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add }, queueingHintFn: () => 'Queue' }] } });
    s.q.add(mkPod('p'));
    const r = s.q.addUnschedulableIfNotPresent(s.q.pop()!, { code: 'Pending', pendingPlugins: ['DynamicResources'] });
    assert.equal(r.ok && r.queue, 'unschedulablePods');
    s.q.moveAllToActiveOrBackoffQueue({ resource: 'PersistentVolumeClaim', actionType: ActionType.Add });
    assert.equal(locationOf(s.q, 'p'), 'activeQ', 'a Pending plugin skips the backoff');
  });

  it('updates of the in-flight pod are recorded and its newest version is requeued', () => {
    const s = setup({
      hints: {
        InterPodAffinity: [
          { event: { resource: 'UnscheduledPod', actionType: ActionType.UpdatePodLabel }, queueingHintFn: (pod, _o, n) => (n?.metadata.uid === pod.metadata?.uid ? 'Queue' : 'QueueSkip') },
        ],
      },
    });
    const v1 = mkPod('p');
    s.q.add(v1);
    const p = s.q.pop()!;
    const v2 = mkPod('p', { labels: { app: 'web' } });
    s.q.update(v1, v2);
    assert.equal(locationOf(s.q, 'p'), 'inFlight');
    const r = s.q.addUnschedulableIfNotPresent(p, { code: 'Unschedulable', unschedulablePlugins: ['InterPodAffinity'] });
    assert.equal(r.ok && r.queue, 'backoffQ');
    assert.deepEqual(s.q.get('uid-p')?.pod.metadata?.labels, { app: 'web' });
  });

  it('events between two in-flight pods stay until the older attempt is done', () => {
    const s = setup();
    s.q.add(mkPod('a', { priority: 2 }));
    s.q.add(mkPod('b', { priority: 1 }));
    const a = s.q.pop()!;
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    const b = s.q.pop()!;
    assert.deepEqual(s.q.inFlightPods(), ['uid-a', 'uid-b']);
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    assert.equal(s.q.metrics().inFlightEvents, 2);
    // b saw only the second event, which is relevant.
    const rb = s.q.addUnschedulableIfNotPresent(b, { code: 'Unschedulable', unschedulablePlugins: ['NodeResourcesFit'] });
    assert.equal(rb.ok && rb.queue, 'backoffQ');
    assert.equal(s.q.metrics().inFlightEvents, 2, 'a still needs both events');
    s.q.done(a.podInfo.pod.metadata!.uid!);
    assert.equal(s.q.metrics().inFlightEvents, 0);
    assert.equal(s.q.get('uid-a'), undefined, 'a finished pod is forgotten');
  });

  it('activate() on an in-flight pod records ForceActivate for that pod only', () => {
    const s = setup();
    s.q.add(mkPod('a', { priority: 2 }));
    s.q.add(mkPod('b', { priority: 1 }));
    const a = s.q.pop()!;
    const b = s.q.pop()!;
    assert.equal(s.q.activate([a.pod]), 0);
    const ra = s.q.addUnschedulableIfNotPresent(a, { code: 'Unschedulable', unschedulablePlugins: ['NodeResourcesFit'] });
    const rb = s.q.addUnschedulableIfNotPresent(b, { code: 'Unschedulable', unschedulablePlugins: ['NodeResourcesFit'] });
    assert.equal(ra.ok && ra.strategy, 'QueueAfterBackoff');
    assert.equal(rb.ok && rb.strategy, 'QueueSkip');
  });

  it('a pod deleted or bound during its attempt is not requeued', () => {
    const s = setup();
    const pa = mkPod('a');
    s.q.add(pa);
    s.q.add(mkPod('b'));
    const a = s.q.pop()!;
    const b = s.q.pop()!;
    assert.equal(s.q.delete(pa), true);
    const ra = s.q.addUnschedulableIfNotPresent(a, { code: 'Unschedulable', unschedulablePlugins: ['NodeResourcesFit'] });
    assert.equal(!ra.ok && ra.reason, 'deleted');
    assert.equal(s.q.get('uid-a'), undefined);
    const rb = s.q.addUnschedulableIfNotPresent(b, { code: 'Error', pod: mkPod('b', { nodeName: 'n1' }) });
    assert.equal(!rb.ok && rb.reason, 'assigned');
    assert.equal(s.q.len(), 0);
    assert.deepEqual(s.q.inFlightPods(), []);
  });

  it('requeueing a pod twice is refused; a success path ends with done()', () => {
    const s = setup();
    s.q.add(mkPod('p'));
    const p = s.q.pop()!;
    assert.equal(s.q.addUnschedulableIfNotPresent(p, { code: 'Error' }).ok, true);
    const again = s.q.addUnschedulableIfNotPresent(p, { code: 'Error' });
    assert.equal(!again.ok && again.reason, 'already-queued');
    assert.equal(!s.q.addUnschedulableIfNotPresent('uid-nope', { code: 'Error' }).ok, true);
    assert.throws(() => s.q.addUnschedulableIfNotPresent(p, { code: 'Success' }), { name: 'ModelBug' });
    s.q.add(mkPod('q'));
    s.q.pop();
    s.q.done('uid-q');
    assert.equal(s.q.get('uid-q'), undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// Leftover flush and wakeups
// ---------------------------------------------------------------------------------------------

describe('SchedulingQueue: leftover flush and wakeup times', () => {
  it('moves pods that stayed longer than 5 minutes (strictly), with the UnschedulableTimeout label', () => {
    const s = setup();
    s.clock.t = 1_000;
    s.q.add(mkPod('p'));
    popAndReject(s, 'p');
    s.clock.t = 1_000 + 5 * 60_000;
    s.q.flushUnschedulablePodsLeftover();
    assert.equal(locationOf(s.q, 'p'), 'unschedulablePods', 'exactly 5 minutes is not longer than 5 minutes');
    s.clock.t += 1;
    s.q.flushUnschedulablePodsLeftover();
    assert.equal(locationOf(s.q, 'p'), 'activeQ');
    assert.equal(s.q.metrics().incomingPods.active?.UnschedulableTimeout, 1);
  });

  it('honours a configured podMaxInUnschedulablePodsDuration', () => {
    const s = setup({ podMaxInUnschedulablePodsDurationMs: 60_000 });
    s.q.add(mkPod('p'));
    popAndReject(s, 'p');
    s.clock.t = 60_001;
    s.q.flushUnschedulablePodsLeftover();
    assert.equal(locationOf(s.q, 'p'), 'activeQ');
  });

  it('nextLeftoverFlushMs is the first 30 s tick past the deadline, and advances past each flush', () => {
    const s = setup({ leftoverFlushPhaseMs: 5_000 });
    assert.equal(s.q.nextWakeupMs(), undefined);
    s.q.add(mkPod('g', { gates: ['x'] }));
    // Deadline 300 000 (strictly after it): ticks at 5 000 + k·30 000 ⇒ 305 000.
    assert.equal(s.q.nextLeftoverFlushMs(), 305_000);
    s.clock.t = 305_000;
    s.q.flushUnschedulablePodsLeftover();
    assert.equal(locationOf(s.q, 'g'), 'unschedulablePods', 'still gated');
    assert.equal(s.q.nextLeftoverFlushMs(), 335_000, 'a pod that stays does not make the caller spin');
  });

  it('nextWakeupMs is the earlier of the backoff and leftover flushes', () => {
    const s = setup();
    s.clock.t = 2_400;
    s.q.add(mkPod('p'));
    const p = s.q.pop()!;
    s.q.addUnschedulableIfNotPresent(p, { code: 'Error' });
    // Expiry aligned to 3 000; released by the flush at 4 000.
    assert.equal(s.q.nextBackoffFlushMs(), 4_000);
    assert.equal(s.q.nextWakeupMs(), 4_000);
  });
});

// ---------------------------------------------------------------------------------------------
// update / delete / activate / assigned pods
// ---------------------------------------------------------------------------------------------

describe('SchedulingQueue: update, delete, activate, assigned pods', () => {
  it('a pod in backoffQ stays there when updated', () => {
    const s = setup();
    const v1 = mkPod('p');
    s.q.add(v1);
    popAndReject(s, 'p');
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    s.q.update(v1, mkPod('p', { labels: { x: 'y' } }));
    assert.equal(locationOf(s.q, 'p'), 'podBackoffQ');
    assert.deepEqual(s.q.get('uid-p')?.pod.metadata?.labels, { x: 'y' });
  });

  it('an unrelated update of an unschedulable pod is the general Update event, which hints may skip', () => {
    const asked: string[] = [];
    const s = setup({
      hints: {
        InterPodAffinity: [
          {
            event: { resource: 'Pod', actionType: ActionType.UpdatePodLabel },
            queueingHintFn: (_pod, _o, n) => {
              asked.push(eventLabel({ resource: 'Pod', actionType: ActionType.UpdatePodLabel }));
              return (n as DeepReadonly<Pod>).metadata?.labels?.app === 'db' ? 'Queue' : 'QueueSkip';
            },
          },
        ],
      },
    });
    const v1 = mkPod('p');
    s.q.add(v1);
    popAndReject(s, 'p', ['InterPodAffinity']);
    const v2 = mkPod('p', { annotations: { note: 'x' } });
    s.q.update(v1, v2);
    assert.equal(locationOf(s.q, 'p'), 'unschedulablePods');
    assert.equal(asked.length, 1, 'the general Update event carries every update bit');
    s.q.update(v2, mkPod('p', { labels: { app: 'db' } }));
    assert.equal(locationOf(s.q, 'p'), 'podBackoffQ');
  });

  it('an update of an unknown pod adds it to activeQ', () => {
    const s = setup();
    s.q.update(mkPod('p'), mkPod('p', { priority: 1 }));
    assert.equal(locationOf(s.q, 'p'), 'activeQ');
    assert.equal(s.q.metrics().incomingPods.active?.UnscheduledPodUpdate, 1);
  });

  it('delete removes a pod from any queue and from the nominator', () => {
    const s = setup();
    const a = mkPod('a', { nominatedNodeName: 'n1' });
    const b = mkPod('b');
    const g = mkPod('g', { gates: ['x'] });
    s.q.add(a);
    s.q.add(b);
    s.q.add(g);
    assert.equal(s.q.nominatedPodsForNode('n1').length, 1, 'add registers status.nominatedNodeName');
    popAndReject(s, 'a');
    assert.equal(s.q.nominatedPodsForNode('n1').length, 1, 'a failed attempt keeps the nomination');
    for (const p of [a, b, g]) assert.equal(s.q.delete(p), true);
    assert.equal(s.q.delete(b), false);
    assert.equal(s.q.len(), 0);
    assert.deepEqual(s.q.nominatedPodsForNode('n1'), []);
  });

  it('activate moves pods from unschedulablePods and backoffQ to activeQ', () => {
    const s = setup();
    for (const n of ['u', 'b']) {
      s.q.add(mkPod(n));
      popAndReject(s, n);
    }
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd, undefined, undefined, (p) => p.metadata?.name === 'b');
    assert.equal(locationOf(s.q, 'b'), 'podBackoffQ');
    assert.equal(s.q.activate([mkPod('u'), mkPod('b'), mkPod('unknown')]), 2);
    assert.equal(locationOf(s.q, 'u'), 'activeQ');
    assert.equal(locationOf(s.q, 'b'), 'activeQ');
    assert.equal(s.q.metrics().incomingPods.active?.ForceActivate, 2);
  });

  it('assignedPodAdded considers PodTopologySpread rejections in the namespace and affinity matches', () => {
    const s = setup({
      hints: {
        PodTopologySpread: [{ event: { resource: 'Pod', actionType: ActionType.Add | ActionType.Delete } }],
        InterPodAffinity: [{ event: { resource: 'Pod', actionType: ActionType.Add } }],
      },
      podAffinityMatches: (pending, assigned) => pending.pod.metadata?.name === 'aff' && assigned.metadata?.labels?.app === 'db',
    });
    const add = (name: string, o: PodOpts, plugin: string) => {
      s.q.add(mkPod(name, o));
      popAndReject(s, name, [plugin]);
    };
    add('pts-same', {}, 'PodTopologySpread');
    add('pts-other', { namespace: 'other' }, 'PodTopologySpread');
    add('aff', { requiredAffinity: true }, 'InterPodAffinity');
    add('aff-nomatch', { requiredAffinity: true }, 'InterPodAffinity');
    s.q.assignedPodAdded(mkPod('db-0', { labels: { app: 'db' }, nodeName: 'n1' }));
    assert.equal(locationOf(s.q, 'pts-same'), 'podBackoffQ');
    assert.equal(locationOf(s.q, 'pts-other'), 'unschedulablePods');
    assert.equal(locationOf(s.q, 'aff'), 'podBackoffQ');
    assert.equal(locationOf(s.q, 'aff-nomatch'), 'unschedulablePods');
    assert.equal(s.q.metrics().incomingPods.backoff?.[EventAssignedPodAdd.label!], 2);
  });

  it('assignedPodUpdated: a request scale-down considers every unschedulable pod', () => {
    const s = setup({ hints: { NodeResourcesFit: [{ event: { resource: 'AssignedPod', actionType: ActionType.UpdatePodScaleDown } }] } });
    s.q.add(mkPod('p'));
    popAndReject(s, 'p');
    const old = mkPod('big', { nodeName: 'n1' });
    s.q.assignedPodUpdated(old, mkPod('big', { nodeName: 'n1', labels: { a: 'b' } }));
    assert.equal(locationOf(s.q, 'p'), 'unschedulablePods', 'a label change only reaches cross-topology candidates');
    s.q.assignedPodUpdated(old, old, { resource: 'AssignedPod', actionType: ActionType.UpdatePodScaleDown });
    assert.equal(locationOf(s.q, 'p'), 'podBackoffQ');
  });
});

// ---------------------------------------------------------------------------------------------
// Nominator
// ---------------------------------------------------------------------------------------------

describe('SchedulingQueue: nominator', () => {
  it('keeps pods per node in nomination order; Override, Noop and status.nominatedNodeName', () => {
    const s = setup();
    s.q.add(mkPod('from-status', { nominatedNodeName: 'n1' }));
    s.q.addNominatedPod(makePodInfo(mkPod('c')), { mode: 'Override', nominatedNodeName: 'n1' });
    s.q.addNominatedPod(makePodInfo(mkPod('a')), { mode: 'Override', nominatedNodeName: 'n1' });
    s.q.addNominatedPod(makePodInfo(mkPod('b', { nominatedNodeName: 'n2' })), { mode: 'Noop' });
    assert.deepEqual(names(s.q.nominatedPodsForNode('n1').map((pi) => ({ pod: pi.pod }) as QueuedPodInfo)), ['from-status', 'c', 'a']);
    assert.deepEqual(s.q.nominatedPodsForNode('n2').map((pi) => pi.pod.metadata?.name), ['b']);
    // Re-nominating moves the pod to the end of its new node's list.
    s.q.addNominatedPod(makePodInfo(mkPod('c')), { mode: 'Override', nominatedNodeName: 'n2' });
    assert.deepEqual(s.q.nominatedPodsForNode('n2').map((pi) => pi.pod.metadata?.name), ['b', 'c']);
    assert.equal(s.q.nominatedNodeName('uid-c'), 'n2');
    // An empty Override clears the nomination.
    s.q.addNominatedPod(makePodInfo(mkPod('c')), { mode: 'Override', nominatedNodeName: '' });
    assert.equal(s.q.nominatedNodeName('uid-c'), undefined);
    s.q.deleteNominatedPodIfExists(mkPod('a'));
    assert.deepEqual(s.q.nominatedPodsForNode('n1').map((pi) => pi.pod.metadata?.name), ['from-status']);
  });

  it('an update keeps an in-memory nomination when neither version carries one; queued pods report their current PodInfo', () => {
    const s = setup();
    const v1 = mkPod('p');
    s.q.add(v1);
    s.q.addNominatedPod(makePodInfo(v1), { mode: 'Override', nominatedNodeName: 'n1' });
    const v2 = mkPod('p', { labels: { v: '2' } });
    s.q.update(v1, v2);
    const got = s.q.nominatedPodsForNode('n1');
    assert.equal(got.length, 1);
    assert.deepEqual(got[0]?.pod.metadata?.labels, { v: '2' });
  });

  it('lookupPod vetoes nominating a pod that is gone or bound', () => {
    const live = new Map<string, DeepReadonly<Pod>>([['uid-bound', mkPod('bound', { nodeName: 'n9' })]]);
    const s = setup({ lookupPod: (p) => live.get(p.metadata?.uid ?? '') });
    s.q.addNominatedPod(makePodInfo(mkPod('gone')), { mode: 'Override', nominatedNodeName: 'n1' });
    s.q.addNominatedPod(makePodInfo(mkPod('bound')), { mode: 'Override', nominatedNodeName: 'n1' });
    assert.deepEqual(s.q.nominatedPodsForNode('n1'), []);
  });
});

// ---------------------------------------------------------------------------------------------
// Reports, helpers, determinism and scale
// ---------------------------------------------------------------------------------------------

describe('SchedulingQueue: reports and helpers', () => {
  it('pendingPods lists every queue in a deterministic order', () => {
    const s = setup();
    s.q.add(mkPod('low', { priority: 1 }));
    s.q.add(mkPod('high', { priority: 5 }));
    s.q.add(mkPod('gated', { gates: ['x'] }));
    s.q.add(mkPod('err', { priority: 9 }));
    s.q.addUnschedulableIfNotPresent(s.q.pop()!, { code: 'Error' });
    s.q.add(mkPod('fly', { priority: 7 }));
    s.q.pop();
    const r = s.q.pendingPods();
    assert.deepEqual(names(r.activeQ), ['high', 'low']);
    assert.deepEqual(names(r.backoffQ), ['err']);
    assert.deepEqual(names(r.unschedulablePods), ['gated']);
    assert.deepEqual(names(r.inFlight), ['fly']);
    assert.equal(r.summary, 'activeQ:2; backoffQ:1; unschedulablePods:1');
    assert.deepEqual(s.q.lengths(), { activeQ: 2, podBackoffQ: 0, podErrorBackoffQ: 1, unschedulablePods: 1, gated: 1, inFlight: 1 });
    assert.equal(s.q.len(), 4);
    assert.ok(Object.isFrozen(r.activeQ[0]));
  });

  it('podSchedulingPropertiesChange (table)', () => {
    const base = mkPod('p', { labels: { a: '1' }, gates: ['g'] });
    const rows: { name: string; next: DeepReadonly<Pod>; want: string[] }[] = [
      { name: 'nothing relevant', next: mkPod('p', { labels: { a: '1' }, gates: ['g'], annotations: { x: 'y' } }), want: ['UnscheduledPodUpdate'] },
      { name: 'label change', next: mkPod('p', { labels: { a: '2' }, gates: ['g'] }), want: ['UnscheduledPodUpdatePodLabel'] },
      {
        name: 'gates removed and labels changed',
        next: mkPod('p', { labels: {} }),
        want: ['UnscheduledPodUpdatePodLabel', 'UnscheduledPodUpdatePodSchedulingGatesEliminated'],
      },
      { name: 'bound pod', next: mkPod('p', { labels: { a: '1' }, gates: ['g'], nodeName: 'n' }), want: ['AssignedPodUpdate'] },
    ];
    for (const row of rows) {
      assert.deepEqual(podSchedulingPropertiesChange(row.next, base).map(eventLabel), row.want, row.name);
    }
    const tolerated = { ...base, spec: { ...base.spec, tolerations: [{ key: 'k', operator: 'Exists' }] } } as DeepReadonly<Pod>;
    assert.deepEqual(podSchedulingPropertiesChange(tolerated, base).map((e) => e.actionType), [ActionType.UpdatePodToleration]);
    assert.deepEqual(
      podSchedulingPropertiesChange(base, base, { requestsScaledDown: () => true }).map((e) => e.actionType),
      [ActionType.UpdatePodScaleDown],
    );
  });

  it('buildQueueProfile: default wildcard registration, Node add implies taint update, broken plugins throw', () => {
    const profile = buildQueueProfile({
      preEnqueue: [{ name: 'SchedulingGates', instance: { preEnqueue: gatesPlugin.preEnqueue } }],
      rejecting: [
        { name: 'SchedulingGates', instance: { preEnqueue: gatesPlugin.preEnqueue, eventsToRegister: () => [] } },
        { name: 'Legacy', instance: { filter: () => undefined } },
        { name: 'NodeThing', instance: { filter: () => undefined, eventsToRegister: () => [{ event: NodeAdd }] } },
        { name: 'Legacy', instance: { filter: () => undefined, eventsToRegister: () => [] } },
      ],
    });
    assert.deepEqual(profile.preEnqueuePlugins?.map((p) => p.name), ['SchedulingGates']);
    assert.deepEqual([...(profile.eventHints?.keys() ?? [])], ['Legacy', 'NodeThing']);
    assert.deepEqual(profile.eventHints?.get('Legacy')?.map((r) => [r.event.resource, r.event.actionType]), [['*', ActionType.All]]);
    assert.deepEqual(profile.eventHints?.get('NodeThing')?.map((r) => r.event.actionType), [ActionType.Add, ActionType.UpdateNodeTaint]);
    assert.throws(
      () => buildQueueProfile({ preEnqueue: [], rejecting: [{ name: 'Bad', instance: { eventsToRegister: () => { throw new Error('no'); } } }] }),
      (e: unknown) => (e as PluginError).name === 'PluginError' && (e as PluginError).extensionPoint === 'eventsToRegister',
    );
    assert.throws(
      () => buildQueueProfile({ preEnqueue: [], rejecting: [{ name: 'Bad', instance: { eventsToRegister: () => [{ nope: 1 }] as never } }] }),
      { name: 'PluginError' },
    );

    // A pod rejected by a plugin without EnqueueExtensions moves on any event.
    const clock = new TestClock();
    const q = new SchedulingQueue({ clock, makePodInfo, profiles: new Map([['default-scheduler', profile]]) });
    q.add(mkPod('p'));
    q.addUnschedulableIfNotPresent(q.pop()!, { code: 'Unschedulable', unschedulablePlugins: ['Legacy'] });
    q.moveAllToActiveOrBackoffQueue({ resource: 'StorageClass', actionType: ActionType.Add });
    assert.equal(q.get('uid-p')?.location, 'podBackoffQ');
  });
});

describe('SchedulingQueue: determinism and scale', () => {
  /** Adds `n` pods with pseudo-random priorities, fails half of them once, then drains the queue. */
  function run(n: number): { order: string[]; priorities: Map<string, number> } {
    const s = setup();
    const rnd = lcg(42);
    const priorities = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      s.clock.t = i;
      const priority = rnd() % 100;
      priorities.set(`p${i}`, priority);
      s.q.add(mkPod(`p${i}`, { priority }));
    }
    const order: string[] = [];
    for (let i = 0; i < n / 2; i++) {
      const p = s.q.pop()!;
      order.push(p.pod.metadata!.name!);
      s.q.addUnschedulableIfNotPresent(p, { code: 'Unschedulable', unschedulablePlugins: ['NodeResourcesFit'] });
    }
    s.q.moveAllToActiveOrBackoffQueue(NodeAdd);
    s.clock.t += 20_000;
    s.q.flushBackoffQCompleted();
    for (let p = s.q.pop(); p !== undefined; p = s.q.pop()) {
      order.push(p.pod.metadata!.name!);
      s.q.done(p.uid);
    }
    assert.equal(s.q.len(), 0);
    return { order, priorities };
  }

  it('10,000 pods: priority order, every pod popped, identical across runs', function () {
    this.timeout(20_000);
    const a = run(10_000);
    const b = run(10_000);
    assert.equal(a.order.length, 15_000);
    assert.deepEqual(a.order, b.order);
    // The first 5 000 pops come out in non-increasing priority.
    for (let i = 1; i < 5_000; i++) assert.ok(a.priorities.get(a.order[i - 1]!)! >= a.priorities.get(a.order[i]!)!);
  });
});

describe('SchedulingQueue: the default PrioritySort on kept priorities', () => {
  it('pops in the same order as the same comparison run through a plugin', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ priority: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }), advanceMs: fc.nat({ max: 2 }), update: fc.option(fc.integer({ min: -3, max: 3 })) }),
          { maxLength: 30 },
        ),
        (steps) => {
          const run = (queueSort: SchedulingQueueOptions['queueSort']): string[] => {
            const s = setup(queueSort === undefined ? {} : { queueSort });
            steps.forEach((st, i) => {
              s.clock.t += st.advanceMs;
              s.q.add(mkPod(`p${i}`, st.priority === undefined ? {} : { priority: st.priority }));
            });
            // A new priority for some queued pods (a new version of the pod) reorders them.
            steps.forEach((st, i) => {
              if (st.update !== null) s.q.update(mkPod(`p${i}`, st.priority === undefined ? {} : { priority: st.priority }), mkPod(`p${i}`, { priority: st.update }));
            });
            const out: string[] = [];
            for (let n = popName(s.q); n !== undefined; n = popName(s.q)) out.push(n);
            return out;
          };
          const fast = run(PrioritySort);
          assert.equal(fast.length, steps.length);
          assert.deepEqual(fast, run({ name: 'PrioritySort', less: (a, b) => PrioritySort.less(a, b) }));
        },
      ),
      { seed: 11, numRuns: 200 },
    );
  });
});
