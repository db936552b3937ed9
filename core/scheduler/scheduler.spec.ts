import assert from 'node:assert/strict';
import type { DeepReadonly, KubeObject, Node, Pod } from '../api/types.js';
import { ConfigError, PluginError } from '../errors.js';
import { VirtualClock } from '../sim/clock.js';
import { Rng } from '../sim/rng.js';
import { ActionType } from './cluster-event.js';
import { schedulerConfigFromObject } from './config.js';
import { newNodeInfo, newPodInfo } from './node-info.js';
import { defineSchedulerPlugin, type Handle, type SchedulerClient, type SchedulerPluginDefinition } from './plugin.js';
import {
  fitErrorMessage,
  MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND,
  MIN_FEASIBLE_NODES_TO_FIND,
  numFeasibleNodesToFind,
  pluginRegistry,
  Scheduler,
  WaitingPodImpl,
  withNodeName,
  type BindingOutcome,
  type Diagnosis,
  type ScheduleAttempt,
} from './scheduler.js';
import { Status } from './status.js';

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

interface PodOpts {
  readonly cpuMilli?: number;
  readonly priority?: number;
  readonly node?: string;
  readonly schedulerName?: string;
  readonly nominated?: string;
  readonly labels?: Record<string, string>;
  readonly deleting?: boolean;
  readonly phase?: string;
}

function pod(name: string, o: PodOpts = {}): DeepReadonly<Pod> {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: `${o.cpuMilli ?? 0}m` } } }],
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.node !== undefined ? { nodeName: o.node } : {}),
      ...(o.schedulerName !== undefined ? { schedulerName: o.schedulerName } : {}),
    },
  };
  const status: Record<string, unknown> = {};
  if (o.nominated !== undefined) status['nominatedNodeName'] = o.nominated;
  if (o.phase !== undefined) status['phase'] = o.phase;
  if (Object.keys(status).length > 0) p.status = status;
  return deepFreeze(p) as DeepReadonly<Pod>;
}

function node(name: string, o: { cpuMilli?: number; labels?: Record<string, string> } = {}): DeepReadonly<Node> {
  return deepFreeze({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(o.labels ? { labels: o.labels } : {}) },
    status: { allocatable: { cpu: `${o.cpuMilli ?? 4000}m`, pods: '110' } },
  }) as DeepReadonly<Node>;
}

/** `n0`, `n1`, ... (zero-padded to `width`). */
function nodeNames(count: number, width = 1): string[] {
  return Array.from({ length: count }, (_, i) => `n${String(i).padStart(width, '0')}`);
}

// ---------------------------------------------------------------------------------------------
// Fake plugins
// ---------------------------------------------------------------------------------------------

/** QueueSort: higher priority first, then earlier queue timestamp (upstream PrioritySort). */
const fakeSort = defineSchedulerPlugin({
  name: 'FakeSort',
  less: (a, b) => {
    const pa = a.pod.spec?.priority ?? 0;
    const pb = b.pod.spec?.priority ?? 0;
    return pa > pb || (pa === pb && a.timestampMs < b.timestampMs);
  },
});

/** Bind: POSTs the binding through the handle's client (upstream DefaultBinder). */
const fakeBinder = defineSchedulerPlugin({ name: 'FakeBinder', create: (_args, h) => ({ bind: (_s, p, n) => h.client.bind(p, n) }) });

/** A score plugin that gives every node the same score, so the scheduler samples and scores. */
const flatScore = defineSchedulerPlugin({ name: 'FlatScore', score: () => 0 });

/** A Filter recording the nodes it visits; `reject` decides each node's status. */
function recordingFilter(visited: string[], reject: (nodeName: string, p: DeepReadonly<Pod>) => Status | undefined = () => undefined, name = 'Recorder'): SchedulerPluginDefinition<unknown> {
  return defineSchedulerPlugin({ name, filter: (_s, p, ni) => (visited.push(ni.name), reject(ni.name, p)) });
}

/** A cpu fit filter (NodeResourcesFit-like). */
const cpuFit = defineSchedulerPlugin({
  name: 'CpuFit',
  filter: (_s, p, ni) => (ni.requested.milliCPU + newPodInfo(p).requests.milliCPU > ni.allocatable.milliCPU ? Status.unschedulable('Insufficient cpu') : undefined),
});

// ---------------------------------------------------------------------------------------------
// Harness: a scheduler with an in-memory client that feeds its writes back as informer events
// ---------------------------------------------------------------------------------------------

type EntryName = string | { readonly name: string; readonly weight: number };

interface HarnessOptions {
  /** Plugins besides FakeSort and FakeBinder, registered and enabled through multiPoint in this order. */
  readonly plugins?: readonly SchedulerPluginDefinition<unknown>[];
  /** Overrides the enabled list (names, with weights). */
  readonly enabled?: readonly EntryName[];
  /** Extra top-level configuration fields. */
  readonly config?: Record<string, unknown>;
  /** Full `profiles` list instead of the single default one. */
  readonly profiles?: readonly Record<string, unknown>[];
  readonly seed?: number;
  readonly explain?: boolean;
  /** Whether the client's writes come back as informer events (default true). */
  readonly inform?: boolean;
  readonly startMs?: number;
}

class Harness {
  readonly clock: VirtualClock;
  readonly calls: string[] = [];
  readonly pods = new Map<string, DeepReadonly<Pod>>();
  readonly trace: string[] = [];
  readonly scheduler: Scheduler;
  private readonly inform: boolean;

  constructor(opts: HarnessOptions = {}) {
    this.clock = new VirtualClock(opts.startMs ?? 0);
    this.inform = opts.inform ?? true;
    const plugins = opts.plugins ?? [];
    const enabled: readonly EntryName[] = opts.enabled ?? ['FakeSort', ...plugins.map((p) => p.name), 'FakeBinder'];
    const entries = enabled.map((e) => (typeof e === 'string' ? { name: e } : e));
    const profiles = opts.profiles ?? [{ schedulerName: 'default-scheduler', plugins: { multiPoint: { enabled: entries } } }];
    const config = schedulerConfigFromObject(
      { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', ...opts.config, profiles },
      undefined,
      { defaultPlugins: [] },
    );
    const self = this;
    const key = (p: DeepReadonly<Pod>): string => `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`;
    const client: SchedulerClient = {
      bind(p, nodeName) {
        self.calls.push(`bind ${key(p)} ${nodeName}`);
        const cur = self.pods.get(key(p));
        if (cur && self.inform) self.update(cur, { ...cur, spec: { ...cur.spec!, nodeName } } as Pod);
        return Status.success();
      },
      deletePod(p, reason) {
        self.calls.push(`delete ${key(p)} (${reason})`);
        const cur = self.pods.get(key(p));
        if (cur) {
          self.pods.delete(key(p));
          if (self.inform) self.scheduler.onPodDelete(cur);
        }
        return Status.success();
      },
      setNominatedNodeName(p, nodeName) {
        self.calls.push(`nominate ${key(p)} ${nodeName ?? '<none>'}`);
        const cur = self.pods.get(key(p));
        if (cur && self.inform) {
          const status: Record<string, unknown> = { ...(cur.status ?? {}) };
          if (nodeName === undefined) delete status['nominatedNodeName'];
          else status['nominatedNodeName'] = nodeName;
          self.update(cur, { ...cur, status } as unknown as Pod);
        }
        return Status.success();
      },
      setPodCondition(p, c) {
        self.calls.push(`condition ${key(p)} ${c.type}=${c.status} ${c.reason ?? ''}: ${c.message ?? ''}`);
        return Status.success();
      },
    };
    const allPlugins = [fakeSort, fakeBinder, ...plugins.filter((p) => p.name !== 'FakeSort' && p.name !== 'FakeBinder')];
    this.scheduler = new Scheduler({
      config,
      registry: pluginRegistry(allPlugins),
      clock: this.clock,
      rng: new Rng(opts.seed ?? 0),
      client,
      objects: { list: () => [], get: () => undefined },
      explain: opts.explain ?? false,
      trace: (kind, fields) => this.trace.push(`${kind} ${JSON.stringify(fields)}`),
    });
  }

  private update(cur: DeepReadonly<Pod>, next: Pod): void {
    const frozen = deepFreeze(next) as DeepReadonly<Pod>;
    this.pods.set(`${cur.metadata?.namespace ?? 'default'}/${cur.metadata?.name ?? ''}`, frozen);
    this.scheduler.onPodUpdate(cur, frozen);
  }

  addNodes(...names: readonly (string | DeepReadonly<Node>)[]): this {
    for (const n of names) this.scheduler.onNodeAdd(typeof n === 'string' ? node(n) : n);
    return this;
  }

  addPods(...pods: readonly DeepReadonly<Pod>[]): this {
    for (const p of pods) {
      this.pods.set(`${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`, p);
      this.scheduler.onPodAdd(p);
    }
    return this;
  }

  pod(name: string): DeepReadonly<Pod> {
    return this.pods.get(`default/${name}`)!;
  }

  /** One scheduling cycle, then every binding cycle that is ready. */
  step(): { attempt: ScheduleAttempt | undefined; bindings: BindingOutcome[] } {
    const attempt = this.scheduler.scheduleOne();
    const bindings = this.scheduler.readyBindings().map((b) => this.scheduler.runBindingCycle(b));
    return { attempt, bindings };
  }

  /** Schedules until the queue has nothing to pop; returns pod → node (or the failure message). */
  drain(): Map<string, string> {
    const out = new Map<string, string>();
    for (let i = 0; i < 1000 && this.scheduler.queue.canPop(); i++) {
      const { attempt, bindings } = this.step();
      if (attempt?.kind === 'failed') out.set(attempt.pod.metadata?.name ?? '', `failed: ${attempt.message}`);
      for (const b of bindings) out.set(b.pod.metadata?.name ?? '', b.kind === 'bound' ? b.nodeName : `${b.kind}`);
    }
    return out;
  }
}

function assumed(a: ScheduleAttempt | undefined): Extract<ScheduleAttempt, { kind: 'assumed' }> {
  assert.equal(a?.kind, 'assumed', a?.kind === 'failed' ? a.message : String(a?.kind));
  return a as Extract<ScheduleAttempt, { kind: 'assumed' }>;
}

function failed(a: ScheduleAttempt | undefined): Extract<ScheduleAttempt, { kind: 'failed' }> {
  assert.equal(a?.kind, 'failed', a?.kind === 'assumed' ? `assumed on ${a.nodeName}` : String(a?.kind));
  return a as Extract<ScheduleAttempt, { kind: 'failed' }>;
}

// ---------------------------------------------------------------------------------------------
// numFeasibleNodesToFind
// ---------------------------------------------------------------------------------------------

describe('numFeasibleNodesToFind (upstream schedule_one.go)', () => {
  const cases: readonly [pct: number | undefined, nodes: number, want: number, why: string][] = [
    [undefined, 0, 0, 'no nodes'],
    [undefined, 1, 1, 'below 100: all nodes'],
    [0, 50, 50, 'below 100: all nodes'],
    [0, 99, 99, 'below 100: all nodes'],
    [0, 100, 100, 'adaptive 50 % of 100 = 50, raised to the minimum 100'],
    [0, 125, 100, 'adaptive 49 % of 125 = 61, raised to 100'],
    [0, 1000, 420, 'adaptive 50 − 1000/125 = 42 %'],
    [0, 2000, 680, 'adaptive 34 %'],
    [0, 5000, 500, 'adaptive 10 %'],
    [0, 6000, 300, 'adaptive 50 − 48 = 2 %, raised to 5 %'],
    [0, 10_000, 500, 'adaptive would be negative: 5 %'],
    [0, 15_000, 750, '5 % of 15000'],
    [undefined, 5000, 500, 'unset is adaptive'],
    [10, 5000, 500, 'explicit 10 %'],
    [30, 1000, 300, 'explicit 30 %'],
    [1, 5000, 100, 'explicit 1 % = 50, raised to the minimum 100'],
    [100, 5000, 5000, 'explicit 100 %'],
    [50, 99, 99, 'below 100 the percentage is not used'],
    [33, 1001, 330, 'truncating division: 1001·33/100 = 330.33'],
  ];
  for (const [pct, n, want, why] of cases) {
    it(`percentage ${String(pct)}, ${n} nodes ⇒ ${want} (${why})`, () => {
      assert.equal(numFeasibleNodesToFind(pct, n), want);
    });
  }

  it('uses upstream constants', () => {
    assert.deepEqual([MIN_FEASIBLE_NODES_TO_FIND, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND], [100, 5]);
  });
});

// ---------------------------------------------------------------------------------------------
// Sampling and round robin
// ---------------------------------------------------------------------------------------------

describe('Scheduler: node sampling and the round-robin start index', () => {
  it('150 nodes: each cycle stops at 100 feasible nodes and the next one starts where it stopped', () => {
    const visited: string[] = [];
    const h = new Harness({ plugins: [recordingFilter(visited), flatScore] }).addNodes(...nodeNames(150, 3));
    h.addPods(pod('a'));
    const a = assumed(h.step().attempt);
    assert.deepEqual([a.evaluatedNodes, a.feasibleNodes], [100, 100]);
    assert.deepEqual(visited, nodeNames(100, 3));
    visited.length = 0;
    h.addPods(pod('b'));
    assumed(h.step().attempt);
    assert.deepEqual(visited, [...nodeNames(150, 3).slice(100), ...nodeNames(50, 3)]);
    visited.length = 0;
    h.addPods(pod('c'));
    assumed(h.step().attempt);
    assert.deepEqual(visited, nodeNames(150, 3).slice(50));
  });

  it('an explicit percentageOfNodesToScore (profile over global) sets how many feasible nodes are sought', () => {
    const visited: string[] = [];
    const h = new Harness({
      plugins: [recordingFilter(visited), flatScore],
      config: { percentageOfNodesToScore: 90 },
      profiles: [
        {
          schedulerName: 'default-scheduler',
          percentageOfNodesToScore: 80,
          plugins: { multiPoint: { enabled: [{ name: 'FakeSort' }, { name: 'Recorder' }, { name: 'FlatScore' }, { name: 'FakeBinder' }] } },
        },
      ],
    }).addNodes(...nodeNames(200, 3));
    h.addPods(pod('a'));
    assert.equal(assumed(h.step().attempt).feasibleNodes, 160);
    assert.equal(visited.length, 160);
  });

  it('rejected nodes count as processed; without scoring one feasible node is enough (table)', () => {
    // n1 rejects every pod; no score plugin ⇒ numNodesToFind = 1.
    const visited: string[] = [];
    const h = new Harness({ plugins: [recordingFilter(visited, (n) => (n === 'n1' ? Status.unschedulable('no') : undefined))] }).addNodes(...nodeNames(5));
    const want: readonly [string, string, readonly string[]][] = [
      ['a', 'n0', ['n0']],
      ['b', 'n2', ['n1', 'n2']],
      ['c', 'n3', ['n3']],
      ['d', 'n4', ['n4']],
      ['e', 'n0', ['n0']],
      ['f', 'n2', ['n1', 'n2']],
    ];
    for (const [name, nodeName, visits] of want) {
      visited.length = 0;
      h.addPods(pod(name));
      const a = assumed(h.step().attempt);
      assert.deepEqual([name, a.nodeName, visited], [name, nodeName, visits]);
    }
  });

  it('without Filter plugins the nodes are taken round robin from the start index', () => {
    const h = new Harness().addNodes(...nodeNames(3));
    h.addPods(pod('a'), pod('b'), pod('c'), pod('d'));
    assert.deepEqual([...h.drain()], [
      ['a', 'n0'],
      ['b', 'n1'],
      ['c', 'n2'],
      ['d', 'n0'],
    ]);
  });

  it('a PreFilterResult restricts the scan to its nodes (in node order); the index still advances modulo all nodes', () => {
    const visited: string[] = [];
    const restrict = defineSchedulerPlugin({
      name: 'Restrict',
      preFilter: (_s, p) => (p.metadata?.labels?.['restrict'] ? { nodeNames: new Set(['n3', 'n1']) } : undefined),
    });
    const h = new Harness({ plugins: [restrict, recordingFilter(visited), flatScore] }).addNodes(...nodeNames(5));
    h.addPods(pod('a', { labels: { restrict: 'yes' } }));
    assert.equal(assumed(h.step().attempt).feasibleNodes, 2);
    assert.deepEqual(visited, ['n1', 'n3']);
    visited.length = 0;
    h.addPods(pod('b'));
    assumed(h.step().attempt);
    assert.deepEqual(visited, ['n2', 'n3', 'n4', 'n0', 'n1']);
  });

  it('a Filter Error aborts the cycle; the index advances past the nodes that passed or were rejected, not the failing one', () => {
    const visited: string[] = [];
    const h = new Harness({
      plugins: [recordingFilter(visited, (n, p) => (n === 'n2' && p.metadata?.name === 'a' ? Status.error('disk read failed') : undefined)), flatScore],
    }).addNodes(...nodeNames(5));
    h.addPods(pod('a'));
    const f = failed(h.step().attempt);
    assert.deepEqual([f.status.code, f.message, f.status.plugin], ['Error', 'running "Recorder" filter plugin: disk read failed', 'Recorder']);
    assert.deepEqual(visited, ['n0', 'n1', 'n2']);
    visited.length = 0;
    h.addPods(pod('b'));
    assumed(h.step().attempt);
    assert.deepEqual(visited, ['n2', 'n3', 'n4', 'n0', 'n1']);
    assert.equal(h.scheduler.queue.lengths().podErrorBackoffQ, 1);
  });
});

// ---------------------------------------------------------------------------------------------
// Nominated nodes
// ---------------------------------------------------------------------------------------------

describe('Scheduler: nominated nodes', () => {
  it('a pod nominated to a node tries that node first and takes it without scanning or scoring', () => {
    const visited: string[] = [];
    const scored: string[] = [];
    const score = defineSchedulerPlugin({ name: 'Score', score: (_s, _p, ni) => (scored.push(ni.name), 0) });
    const h = new Harness({ plugins: [recordingFilter(visited), score] }).addNodes(...nodeNames(5));
    h.addPods(pod('a', { nominated: 'n3' }));
    const a = assumed(h.step().attempt);
    assert.deepEqual([a.nodeName, a.evaluatedNodes, a.feasibleNodes, visited, scored], ['n3', 1, 1, ['n3'], []]);
    // The start index did not move.
    visited.length = 0;
    h.addPods(pod('b'));
    assumed(h.step().attempt);
    assert.deepEqual(visited, nodeNames(5));
  });

  it('when the nominated node no longer fits, every node is scanned as usual', () => {
    const visited: string[] = [];
    const h = new Harness({ plugins: [recordingFilter(visited, (n) => (n === 'n3' ? Status.unschedulable('full') : undefined)), flatScore] }).addNodes(
      ...nodeNames(5),
    );
    h.addPods(pod('a', { nominated: 'n3' }));
    const a = assumed(h.step().attempt);
    assert.deepEqual(visited, ['n3', 'n0', 'n1', 'n2', 'n3', 'n4']);
    assert.deepEqual([a.evaluatedNodes, a.feasibleNodes], [5, 4]);
  });

  it('the nominated node is tried even outside the PreFilterResult (upstream evaluateNominatedNode ignores it)', () => {
    const visited: string[] = [];
    const restrict = defineSchedulerPlugin({ name: 'Restrict', preFilter: () => ({ nodeNames: new Set(['n1']) }) });
    const h = new Harness({ plugins: [restrict, recordingFilter(visited), flatScore] }).addNodes(...nodeNames(3));
    h.addPods(pod('a', { nominated: 'n2' }));
    assert.equal(assumed(h.step().attempt).nodeName, 'n2');
    assert.deepEqual(visited, ['n2']);
  });

  it('a rejection on the nominated node counts in the FitError and in the nodes processed', () => {
    const visited: string[] = [];
    const restrict = defineSchedulerPlugin({ name: 'Restrict', preFilter: (_s, p) => (p.metadata?.name === 'a' ? { nodeNames: new Set(['n1']) } : undefined) });
    const h = new Harness({ plugins: [restrict, recordingFilter(visited, (_n, p) => (p.metadata?.name === 'a' ? Status.unschedulable('full') : undefined)), flatScore] }).addNodes(
      ...nodeNames(4),
    );
    h.addPods(pod('a', { nominated: 'n2' }));
    const f = failed(h.step().attempt);
    assert.deepEqual(visited, ['n2', 'n1']);
    assert.equal(f.message, "0/4 nodes are available: 2 full, 2 node(s) didn't satisfy plugin(s) [Restrict].");
    // Two nodes were processed (n2 and n1): the next scan starts at index 2. (b outranks a, so a's
    // nomination to n2 does not make the filters run twice there.)
    visited.length = 0;
    h.addPods(pod('b', { priority: 5 }));
    assumed(h.step().attempt);
    assert.deepEqual(visited, ['n2', 'n3', 'n0', 'n1']);
  });

  it('an error on the nominated node does not abort the cycle: the full scan follows', () => {
    const visited: string[] = [];
    let failedOnce = false;
    const flaky = recordingFilter(visited, (n) => {
      if (n !== 'n3' || failedOnce) return undefined;
      failedOnce = true;
      return Status.error('flaky');
    });
    const h = new Harness({ plugins: [flaky, flatScore] }).addNodes(...nodeNames(5));
    h.addPods(pod('a', { nominated: 'n3' }));
    const a = assumed(h.step().attempt);
    assert.deepEqual(visited, ['n3', 'n0', 'n1', 'n2', 'n3', 'n4']);
    assert.deepEqual([a.evaluatedNodes, a.feasibleNodes], [5, 5]);
  });

  it('a pending pod nominated to a node reserves its room against pods of lower or equal priority', () => {
    // "big" is nominated to n0 and keeps failing (the Picky filter refuses it everywhere); "small"
    // would fit on n0 only without big's 3000m.
    const picky = defineSchedulerPlugin({ name: 'Picky', filter: (_s, p) => (p.metadata?.labels?.['picky'] ? Status.unschedulable('never') : undefined) });
    const h = new Harness({ plugins: [picky, cpuFit, flatScore] }).addNodes(node('n0', { cpuMilli: 4000 }), node('n1', { cpuMilli: 1500 }));
    h.addPods(pod('big', { cpuMilli: 3000, priority: 100, nominated: 'n0', labels: { picky: 'yes' } }));
    failed(h.step().attempt);
    assert.equal(h.scheduler.queue.nominatedPodsForNode('n0').length, 1);
    h.addPods(pod('small', { cpuMilli: 1500, priority: 10 }));
    assert.equal(assumed(h.step().attempt).nodeName, 'n1');
    // A pod of higher priority than the nominated one ignores the nomination.
    h.addPods(pod('vip', { cpuMilli: 1500, priority: 1000 }));
    assert.equal(assumed(h.step().attempt).nodeName, 'n0');
  });
});

// ---------------------------------------------------------------------------------------------
// selectHost
// ---------------------------------------------------------------------------------------------

describe('Scheduler: selectHost', () => {
  function chosen(seed: number, plugins: readonly SchedulerPluginDefinition<unknown>[] = [flatScore]): string {
    const h = new Harness({ plugins, seed }).addNodes(...nodeNames(4));
    h.addPods(pod('a'));
    return assumed(h.step().attempt).nodeName;
  }

  it('ties are decided by the seed: the same seed picks the same node, different seeds spread over all tied nodes', () => {
    const picks = Array.from({ length: 40 }, (_, seed) => chosen(seed));
    assert.deepEqual(picks, Array.from({ length: 40 }, (_, seed) => chosen(seed)));
    assert.deepEqual([...new Set(picks)].sort(), nodeNames(4));
  });

  it('a unique top score wins whatever the seed', () => {
    const favour = defineSchedulerPlugin({ name: 'Favour', score: (_s, _p, ni) => (ni.name === 'n2' ? 90 : 10) });
    for (let seed = 0; seed < 10; seed++) assert.equal(chosen(seed, [favour]), 'n2');
  });

  it('ties are only among the maximal nodes', () => {
    const two = defineSchedulerPlugin({ name: 'Two', score: (_s, _p, ni) => (ni.name === 'n1' || ni.name === 'n3' ? 70 : 20) });
    const picks = new Set(Array.from({ length: 20 }, (_, seed) => chosen(seed, [two])));
    assert.deepEqual([...picks].sort(), ['n1', 'n3']);
  });

  it('--explain records each node’s filter status, unweighted plugin scores and the weighted total', () => {
    const visited: string[] = [];
    const byNode = defineSchedulerPlugin({ name: 'ByNode', score: (_s, _p, ni) => Number(ni.name.slice(1)) * 10 });
    const h = new Harness({
      plugins: [recordingFilter(visited, (n) => (n === 'n0' ? Status.unschedulableAndUnresolvable('nope') : undefined)), byNode, flatScore],
      enabled: ['FakeSort', 'Recorder', { name: 'ByNode', weight: 3 }, 'FlatScore', 'FakeBinder'],
      explain: true,
    }).addNodes(...nodeNames(3));
    h.addPods(pod('a'));
    const a = assumed(h.step().attempt);
    assert.equal(a.nodeName, 'n2');
    assert.deepEqual(
      [...a.explain!].map(([n, e]) => [n, e.filter.code, e.filter.plugin, e.filter.reasons, e.scores ? Object.fromEntries(e.scores) : undefined, e.totalScore]),
      [
        ['n0', 'UnschedulableAndUnresolvable', 'Recorder', ['nope'], undefined, undefined],
        ['n1', 'Success', undefined, [], { ByNode: 10, FlatScore: 0 }, 30],
        ['n2', 'Success', undefined, [], { ByNode: 20, FlatScore: 0 }, 60],
      ],
    );
  });

  it('a score plugin error fails the cycle with that error', () => {
    const bad = defineSchedulerPlugin({ name: 'Bad', score: () => 500 });
    const h = new Harness({ plugins: [bad] }).addNodes(...nodeNames(2));
    h.addPods(pod('a'));
    const f = failed(h.step().attempt);
    assert.equal(f.message, 'plugin Bad (Score): returns an invalid score 500 for node n0, it should be in the range of [0, 100] after normalizing');
    assert.deepEqual(h.scheduler.allPluginErrors().map((e) => e.plugin), ['Bad']);
  });
});

// ---------------------------------------------------------------------------------------------
// FitError
// ---------------------------------------------------------------------------------------------

describe('fitErrorMessage (upstream FitError.Error())', () => {
  function diagnosis(statuses: readonly (readonly [string, Status])[], extra: Partial<Diagnosis> = {}): Diagnosis {
    return {
      nodeToStatus: new Map(statuses),
      absentNodesStatus: undefined,
      unschedulablePlugins: new Set(),
      pendingPlugins: new Set(),
      preFilterMsg: '',
      postFilterMsg: '',
      ...extra,
    };
  }

  it('a histogram of reasons, sorted as strings ("N reason"), joined with ", " and ending with "."', () => {
    const d = diagnosis([
      ['n1', Status.unschedulable('Insufficient cpu')],
      ['n2', Status.unschedulable('Insufficient cpu', 'Insufficient memory')],
      ['n3', Status.unschedulableAndUnresolvable('node(s) had untolerated taint {a: b}')],
    ]);
    assert.equal(fitErrorMessage(3, d), '0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {a: b}, 2 Insufficient cpu.');
  });

  it('sorting is byte-wise on the whole string, so "10 …" comes before "2 …"', () => {
    const statuses: [string, Status][] = [];
    for (let i = 0; i < 10; i++) statuses.push([`x${i}`, Status.unschedulable('X')]);
    statuses.push(['y0', Status.unschedulable('Y')], ['y1', Status.unschedulable('Y')]);
    assert.equal(fitErrorMessage(12, diagnosis(statuses)), '0/12 nodes are available: 10 X, 2 Y.');
  });

  it('nodes absent from the map count with the absent-nodes status reasons', () => {
    const d = diagnosis([['n1', Status.unschedulable('Insufficient cpu')]], {
      absentNodesStatus: Status.unschedulableAndUnresolvable("node(s) didn't satisfy plugin(s) [Restrict]"),
    });
    assert.equal(fitErrorMessage(4, d), "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't satisfy plugin(s) [Restrict].");
    // An absent-nodes status without reasons adds nothing.
    assert.equal(fitErrorMessage(4, diagnosis([['n1', Status.unschedulable('X')]], { absentNodesStatus: Status.unschedulableAndUnresolvable() })), '0/4 nodes are available: 1 X.');
  });

  it('a PreFilter message replaces the histogram; a PostFilter message is appended as is', () => {
    const d = diagnosis([['n1', Status.unschedulable('ignored')]], { preFilterMsg: 'pod has unbound immediate PersistentVolumeClaims', postFilterMsg: 'preemption: not eligible' });
    assert.equal(fitErrorMessage(2, d), '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: not eligible');
    assert.equal(fitErrorMessage(3, diagnosis([])), '0/3 nodes are available:');
  });
});

describe('Scheduler: unschedulable pods', () => {
  const byNode = (m: Record<string, Status>) => (n: string) => m[n];

  it('a FitError from Filter: the message, the Unschedulable status, the PodScheduled condition and the queue', () => {
    const h = new Harness({
      plugins: [
        recordingFilter([], byNode({ n0: Status.unschedulable('Insufficient cpu'), n1: Status.unschedulable('Insufficient cpu', 'Insufficient memory'), n2: Status.unschedulableAndUnresolvable('node(s) had untolerated taint {a: b}') })),
      ],
    }).addNodes(...nodeNames(3));
    h.addPods(pod('a'));
    const f = failed(h.step().attempt);
    const message = '0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {a: b}, 2 Insufficient cpu.';
    assert.deepEqual([f.status.code, f.status.reasons, f.message], ['Unschedulable', [message], message]);
    assert.deepEqual([...f.diagnosis!.unschedulablePlugins], ['Recorder']);
    assert.deepEqual(h.calls, [`condition default/a PodScheduled=False Unschedulable: ${message}`]);
    assert.equal(h.scheduler.queue.lengths().unschedulablePods, 1);
    assert.deepEqual([...h.scheduler.queue.get('uid-a')!.unschedulablePlugins], ['Recorder']);
  });

  it('a PreFilterResult: nodes outside it count as "didn\'t satisfy plugin(s) [...]"', () => {
    const restrict = defineSchedulerPlugin({ name: 'Restrict', preFilter: () => ({ nodeNames: new Set(['n1']) }) });
    const h = new Harness({ plugins: [restrict, recordingFilter([], () => Status.unschedulable('Insufficient cpu')), flatScore] }).addNodes(...nodeNames(4));
    h.addPods(pod('a'));
    assert.equal(failed(h.step().attempt).message, "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't satisfy plugin(s) [Restrict].");
  });

  it('a PreFilter rejection: its message stands for every node, and --explain shows it on each', () => {
    const gate = defineSchedulerPlugin({ name: 'Gate', preFilter: () => Status.unschedulable('not today') });
    const visited: string[] = [];
    const h = new Harness({ plugins: [gate, recordingFilter(visited)], explain: true }).addNodes(...nodeNames(4));
    h.addPods(pod('a'));
    const f = failed(h.step().attempt);
    assert.equal(f.message, '0/4 nodes are available: not today.');
    assert.deepEqual(visited, []);
    assert.deepEqual([...f.explain!].map(([n, e]) => [n, e.filter.code, e.filter.plugin]), nodeNames(4).map((n) => [n, 'Unschedulable', 'Gate']));
    assert.deepEqual([...h.scheduler.queue.get('uid-a')!.unschedulablePlugins], ['Gate']);
  });

  it('a PostFilter message is appended; its plugin is recorded as a rejector', () => {
    const post = defineSchedulerPlugin({ name: 'Preempt', postFilter: () => Status.unschedulable('preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.') });
    const h = new Harness({ plugins: [recordingFilter([], () => Status.unschedulable('nope')), post] }).addNodes(...nodeNames(2));
    h.addPods(pod('a'));
    const f = failed(h.step().attempt);
    assert.equal(f.message, '0/2 nodes are available: 2 nope. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.');
    assert.deepEqual([...f.diagnosis!.unschedulablePlugins].sort(), ['Preempt', 'Recorder']);
  });

  it('PostFilter receives every node’s status (absent nodes with the absent status)', () => {
    let seen: [string, string, readonly string[]][] = [];
    const restrict = defineSchedulerPlugin({ name: 'Restrict', preFilter: () => ({ nodeNames: new Set(['n0']) }) });
    const post = defineSchedulerPlugin({ name: 'Post', postFilter: (_s, _p, m) => ((seen = [...m].map(([n, s]) => [n, s.code, s.reasons])), Status.unschedulable('x')) });
    const h = new Harness({ plugins: [restrict, recordingFilter([], () => Status.unschedulable('full')), post] }).addNodes(...nodeNames(2));
    h.addPods(pod('a'));
    failed(h.step().attempt);
    assert.deepEqual(seen, [
      ['n0', 'Unschedulable', ['full']],
      ['n1', 'UnschedulableAndUnresolvable', ["node(s) didn't satisfy plugin(s) [Restrict]"]],
    ]);
  });

  it('with no nodes the pod is unschedulable with upstream ErrNoNodesAvailable (UnschedulableAndUnresolvable)', () => {
    const h = new Harness();
    h.addPods(pod('a'));
    const f = failed(h.step().attempt);
    assert.deepEqual([f.status.code, f.message], ['UnschedulableAndUnresolvable', 'no nodes available to schedule pods']);
    assert.deepEqual(h.calls, ['condition default/a PodScheduled=False Unschedulable: no nodes available to schedule pods']);
  });

  it('a plugin that throws fails the cycle with an Error and a SchedulerError condition; the error is kept', () => {
    const boom = defineSchedulerPlugin({ name: 'Boom', filter: () => { throw new Error('kaput'); } });
    const h = new Harness({ plugins: [boom] }).addNodes(...nodeNames(2));
    h.addPods(pod('a'));
    const f = failed(h.step().attempt);
    assert.deepEqual([f.status.code, f.message], ['Error', 'plugin Boom (Filter): kaput']);
    assert.deepEqual(h.calls, ['condition default/a PodScheduled=False SchedulerError: plugin Boom (Filter): kaput']);
    assert.deepEqual(h.scheduler.allPluginErrors().map((e) => e.message), ['plugin Boom (Filter): kaput']);
    assert.equal(h.scheduler.queue.lengths().podErrorBackoffQ, 1);
  });
});

// ---------------------------------------------------------------------------------------------
// PostFilter nominations
// ---------------------------------------------------------------------------------------------

describe('Scheduler: PostFilter nominations', () => {
  const rejectAll = recordingFilter([], () => Status.unschedulable('full'));

  it('a successful PostFilter nominates the node; the nominator then holds the pod there', () => {
    const preempt = defineSchedulerPlugin({ name: 'Preempt', postFilter: () => ({ status: Status.success(), nominatedNodeName: 'n1', nominatingMode: 'Override' as const }) });
    const h = new Harness({ plugins: [rejectAll, preempt] }).addNodes(...nodeNames(2));
    h.addPods(pod('a'));
    const f = failed(h.step().attempt);
    assert.equal(f.nominatedNodeName, 'n1');
    assert.deepEqual(h.calls, ['nominate default/a n1', 'condition default/a PodScheduled=False Unschedulable: 0/2 nodes are available: 2 full.']);
    assert.equal(h.pod('a').status?.nominatedNodeName, 'n1');
    assert.deepEqual(h.scheduler.queue.nominatedPodsForNode('n1').map((pi) => pi.pod.metadata?.name), ['a']);
  });

  it('a PostFilter that finds nothing clears a stale nomination; nothing is written when there is none', () => {
    const preempt = defineSchedulerPlugin({
      name: 'Preempt',
      postFilter: () => ({ status: Status.unschedulable('preemption: not helpful'), nominatedNodeName: '', nominatingMode: 'Override' as const }),
    });
    const h = new Harness({ plugins: [rejectAll, preempt] }).addNodes(...nodeNames(2));
    h.addPods(pod('a', { nominated: 'n1' }), pod('b', { priority: -1 }));
    const f = failed(h.step().attempt);
    assert.equal(f.nominatedNodeName, '');
    assert.deepEqual(h.calls.filter((c) => c.startsWith('nominate')), ['nominate default/a <none>']);
    assert.equal(h.pod('a').status?.nominatedNodeName, undefined);
    failed(h.step().attempt);
    assert.deepEqual(h.calls.filter((c) => c.startsWith('nominate')), ['nominate default/a <none>']);
  });

  it('the nominator learns a nomination, or its clearing, at once, before the pod update comes back', () => {
    const nominate = defineSchedulerPlugin({ name: 'Preempt', postFilter: () => ({ status: Status.success(), nominatedNodeName: 'n1', nominatingMode: 'Override' as const }) });
    const h = new Harness({ plugins: [rejectAll, nominate], inform: false }).addNodes(...nodeNames(2));
    h.addPods(pod('a'));
    failed(h.step().attempt);
    assert.deepEqual(h.scheduler.queue.nominatedPodsForNode('n1').map((pi) => pi.pod.metadata?.name), ['a']);

    const clear = defineSchedulerPlugin({
      name: 'Preempt',
      postFilter: () => ({ status: Status.unschedulable('preemption: not helpful'), nominatedNodeName: '', nominatingMode: 'Override' as const }),
    });
    const h2 = new Harness({ plugins: [rejectAll, clear], inform: false }).addNodes(...nodeNames(2));
    h2.addPods(pod('a', { nominated: 'n1' }));
    assert.equal(h2.scheduler.queue.nominatedPodsForNode('n1').length, 1);
    failed(h2.step().attempt);
    assert.deepEqual(h2.scheduler.queue.nominatedPodsForNode('n1'), []);
  });

  it('an Error from PostFilter keeps the FitError message and the nomination', () => {
    const preempt = defineSchedulerPlugin({ name: 'Preempt', postFilter: () => Status.error('api down') });
    const h = new Harness({ plugins: [rejectAll, preempt] }).addNodes(...nodeNames(2));
    h.addPods(pod('a', { nominated: 'n1' }));
    const f = failed(h.step().attempt);
    assert.equal(f.message, '0/2 nodes are available: 2 full.');
    assert.equal(h.calls.some((c) => c.startsWith('nominate')), false);
    assert.ok(h.trace.some((t) => t.startsWith('postfilter-error')));
  });
});

// ---------------------------------------------------------------------------------------------
// Assume, Reserve, Permit, binding
// ---------------------------------------------------------------------------------------------

describe('Scheduler: assume, reserve, permit and binding', () => {
  it('assume → bind → the informer confirms: the cache holds the pod, first assumed, then bound', () => {
    const h = new Harness({ inform: false }).addNodes('n0');
    h.addPods(pod('a', { cpuMilli: 100 }));
    const a = assumed(h.scheduler.scheduleOne());
    assert.equal(h.scheduler.cache.isAssumedPod('uid-a'), true);
    assert.equal(h.scheduler.cache.get('n0')!.requested.milliCPU, 100);
    assert.equal(a.binding.assumedPod.spec?.nodeName, 'n0');
    assert.ok(Object.isFrozen(a.binding.assumedPod));
    assert.equal(a.pod.spec?.nodeName, undefined);
    const ready = h.scheduler.readyBindings();
    assert.deepEqual(ready.map((b) => b.nodeName), ['n0']);
    assert.deepEqual(h.scheduler.runBindingCycle(ready[0]!), { kind: 'bound', pod: a.pod, nodeName: 'n0' });
    assert.deepEqual(h.calls, ['bind default/a n0']);
    assert.equal(h.scheduler.readyBindings().length, 0);
    // Until the informer reports the binding the pod stays assumed.
    assert.equal(h.scheduler.cache.isAssumedPod('uid-a'), true);
    const bound = withNodeName(h.pod('a'), 'n0');
    h.scheduler.onPodUpdate(h.pod('a'), bound);
    assert.equal(h.scheduler.cache.isAssumedPod('uid-a'), false);
    assert.equal(h.scheduler.cache.podNodeName('uid-a'), 'n0');
    assert.equal(h.scheduler.cache.get('n0')!.requested.milliCPU, 100);
    assert.equal(h.scheduler.queue.len(), 0);
    assert.deepEqual(h.scheduler.queue.inFlightPods(), []);
  });

  it('Reserve failure: every Reserve plugin is unreserved in reverse order, the pod forgotten and requeued', () => {
    const calls: string[] = [];
    const r = (name: string, ret: () => Status | undefined) =>
      defineSchedulerPlugin({ name, reserve: () => (calls.push(`reserve ${name}`), ret()), unreserve: () => void calls.push(`unreserve ${name}`) });
    const h = new Harness({ plugins: [r('R1', () => undefined), r('R2', () => Status.unschedulable('no room on n0'))] }).addNodes('n0');
    h.addPods(pod('a', { cpuMilli: 100 }));
    const f = failed(h.step().attempt);
    assert.deepEqual(calls, ['reserve R1', 'reserve R2', 'unreserve R2', 'unreserve R1']);
    assert.deepEqual([f.status.code, f.status.plugin, f.message], ['Unschedulable', 'R2', '0/1 nodes are available: 1 no room on n0.']);
    assert.equal(h.scheduler.cache.isAssumedPod('uid-a'), false);
    assert.equal(h.scheduler.cache.get('n0')!.requested.milliCPU, 0);
    assert.equal(h.scheduler.queue.lengths().unschedulablePods, 1);
    assert.deepEqual([...h.scheduler.queue.get('uid-a')!.unschedulablePlugins], ['R2']);
    assert.deepEqual(h.calls, ['condition default/a PodScheduled=False Unschedulable: 0/1 nodes are available: 1 no room on n0.']);
  });

  it('Reserve error: the error message, a SchedulerError condition and the error backoff queue', () => {
    const r = defineSchedulerPlugin({ name: 'R', reserve: () => Status.error('boom') });
    const h = new Harness({ plugins: [r] }).addNodes('n0');
    h.addPods(pod('a'));
    const f = failed(h.step().attempt);
    assert.deepEqual([f.status.code, f.message], ['Error', 'running Reserve plugin "R": boom']);
    assert.equal(h.scheduler.queue.lengths().podErrorBackoffQ, 1);
    assert.deepEqual(h.calls, ['condition default/a PodScheduled=False SchedulerError: running Reserve plugin "R": boom']);
  });

  it('a failing Reserve or Permit clears a nomination the pod had', () => {
    const r = defineSchedulerPlugin({ name: 'R', reserve: () => Status.unschedulable('no') });
    const h = new Harness({ plugins: [r] }).addNodes('n0');
    h.addPods(pod('a', { nominated: 'n0' }));
    failed(h.step().attempt);
    assert.deepEqual(h.calls.slice(0, 1), ['nominate default/a <none>']);
  });

  it('Permit rejection: unreserve, forget, requeue with a FitError over the one node', () => {
    const unreserved: string[] = [];
    const p = defineSchedulerPlugin({ name: 'P', permit: () => Status.unschedulable('quota exceeded'), unreserve: () => void unreserved.push('P') });
    const h = new Harness({ plugins: [p] }).addNodes('n0');
    h.addPods(pod('a', { cpuMilli: 100 }));
    const f = failed(h.step().attempt);
    assert.deepEqual([f.status.code, f.status.plugin, f.message], ['Unschedulable', 'P', '0/1 nodes are available: 1 quota exceeded.']);
    assert.deepEqual(unreserved, ['P']);
    assert.equal(h.scheduler.cache.get('n0')!.requested.milliCPU, 0);
    assert.equal(h.scheduler.queue.lengths().unschedulablePods, 1);
  });

  describe('Permit Wait', () => {
    let gateHandle: Handle | undefined;
    const unreserved: string[] = [];
    const gate = defineSchedulerPlugin({
      name: 'Gate',
      create: (_a, handle) => {
        gateHandle = handle;
        return {
          permit: () => ({ status: Status.wait(), timeoutMs: 10_000 }),
          unreserve: (_s, p) => void unreserved.push(p.metadata?.name ?? ''),
          // Re-examines pods on the deletion of an assigned pod (as a gang plugin would).
          eventsToRegister: () => [{ event: { resource: 'AssignedPod', actionType: ActionType.Delete } }],
        };
      },
    });

    function waiting(startMs = 5_000): Harness {
      unreserved.length = 0;
      const h = new Harness({ plugins: [gate], startMs }).addNodes('n0');
      h.addPods(pod('a', { cpuMilli: 100 }));
      const a = assumed(h.scheduler.scheduleOne());
      assert.ok(a.binding.waiting instanceof WaitingPodImpl);
      assert.deepEqual(h.scheduler.readyBindings(), []);
      assert.equal(h.scheduler.nextPermitDeadlineMs(), startMs + 10_000);
      assert.deepEqual(gateHandle!.getWaitingPod('uid-a')?.pendingPlugins(), ['Gate']);
      return h;
    }

    it('allowed: the binding cycle runs', () => {
      const h = waiting();
      let seen = 0;
      gateHandle!.iterateOverWaitingPods((wp) => {
        seen++;
        wp.allow('Gate');
      });
      assert.equal(seen, 1);
      const ready = h.scheduler.readyBindings();
      assert.equal(ready.length, 1);
      assert.equal(h.scheduler.runBindingCycle(ready[0]!).kind, 'bound');
      assert.deepEqual(h.calls, ['bind default/a n0']);
      assert.equal(h.scheduler.nextPermitDeadlineMs(), undefined);
      assert.equal(gateHandle!.getWaitingPod('uid-a'), undefined);
    });

    it('a binding cycle run while still waiting reports waiting', () => {
      const h = waiting();
      const b = h.scheduler.readyBindings();
      assert.equal(b.length, 0);
      const a = h.scheduler.queue.inFlightPods();
      assert.deepEqual(a, ['uid-a']);
    });

    it('rejected: unreserve, forget, requeue to unschedulablePods (its own deletion event does not move it)', () => {
      const h = waiting();
      gateHandle!.getWaitingPod('uid-a')!.reject('Gate', 'gang incomplete');
      const [b] = h.scheduler.readyBindings();
      const out = h.scheduler.runBindingCycle(b!);
      assert.equal(out.kind, 'failed');
      assert.deepEqual(out.kind === 'failed' ? [out.status.code, out.status.plugin, out.message] : [], ['Unschedulable', 'Gate', 'gang incomplete']);
      assert.deepEqual(unreserved, ['a']);
      assert.equal(h.scheduler.cache.isAssumedPod('uid-a'), false);
      assert.equal(h.scheduler.cache.get('n0')!.requested.milliCPU, 0);
      assert.deepEqual(h.scheduler.queue.lengths().unschedulablePods, 1);
      assert.deepEqual(h.calls, ['condition default/a PodScheduled=False Unschedulable: gang incomplete']);
    });

    it('timed out: rejected at the deadline with upstream’s message (the wait duration, as Go prints it)', () => {
      const h = waiting(5_000);
      h.clock.advanceTo(14_999);
      assert.deepEqual(h.scheduler.readyBindings(), []);
      h.clock.advanceTo(15_000);
      const [b] = h.scheduler.readyBindings();
      const out = h.scheduler.runBindingCycle(b!);
      assert.deepEqual(out.kind === 'failed' ? [out.status.plugin, out.message] : [], ['Gate', 'rejected due to timeout after waiting 10s at plugin Gate']);
    });

    it('rejectWaitingPod and the pod’s deletion reject it', () => {
      const h = waiting();
      assert.equal(gateHandle!.rejectWaitingPod('uid-a'), true);
      assert.equal(gateHandle!.rejectWaitingPod('uid-nope'), false);
      const [b] = h.scheduler.readyBindings();
      const out = h.scheduler.runBindingCycle(b!);
      assert.deepEqual(out.kind === 'failed' ? [out.status.plugin, out.message] : [], ['Gate', 'removed']);

      const h2 = waiting();
      h2.scheduler.onPodDelete(h2.pod('a'));
      const [b2] = h2.scheduler.readyBindings();
      const out2 = h2.scheduler.runBindingCycle(b2!);
      assert.deepEqual(out2.kind === 'failed' ? out2.message : '', 'pod deleted');
      assert.equal(h2.scheduler.queue.len(), 0);
    });
  });

  it('WaitingPodImpl: the earliest timeout rejects; allow of every plugin succeeds; a decision is final', () => {
    const wp = new WaitingPodImpl(pod('a'), 'n0', new Map([['A', 1_500], ['B', 90_000], ['C', 900_000]]), 1_000);
    assert.equal(wp.deadlineMs(), 2_500);
    wp.expire(2_499);
    assert.equal(wp.result(), undefined);
    wp.expire(2_500);
    assert.deepEqual([wp.result()?.code, wp.result()?.plugin, wp.result()?.reasons], ['Unschedulable', 'A', ['rejected due to timeout after waiting 1.5s at plugin A']]);
    wp.allow('A');
    assert.equal(wp.result()?.code, 'Unschedulable');

    const go = (ms: number): string | undefined => {
      const w = new WaitingPodImpl(pod('a'), 'n0', new Map([['P', ms]]), 7_000);
      w.expire(7_000 + ms);
      return w.result()?.reasons[0];
    };
    assert.deepEqual(
      [go(0), go(500), go(90_000), go(900_000), go(3_661_250)],
      [
        'rejected due to timeout after waiting 0s at plugin P',
        'rejected due to timeout after waiting 500ms at plugin P',
        'rejected due to timeout after waiting 1m30s at plugin P',
        'rejected due to timeout after waiting 15m0s at plugin P',
        'rejected due to timeout after waiting 1h1m1.25s at plugin P',
      ],
    );

    const ok = new WaitingPodImpl(pod('a'), 'n0', new Map([['A', 10], ['B', 10]]), 0);
    ok.allow('A');
    assert.equal(ok.result(), undefined);
    assert.deepEqual(ok.pendingPlugins(), ['B']);
    ok.allow('B');
    assert.equal(ok.result()?.code, 'Success');
    ok.reject('B', 'too late');
    assert.equal(ok.result()?.code, 'Success');
  });

  it('a Bind error: unreserve, forget, requeue in the error backoff queue; the nomination is cleared', () => {
    const unreserved: string[] = [];
    const failing = defineSchedulerPlugin({ name: 'FailingBinder', bind: () => Status.error('conflict'), unreserve: () => void unreserved.push('x') });
    const h = new Harness({ plugins: [failing], enabled: ['FakeSort', 'FailingBinder'] }).addNodes('n0', 'n1');
    h.addPods(pod('a', { cpuMilli: 100, nominated: 'n0' }));
    const { bindings } = h.step();
    assert.deepEqual(bindings.map((b) => (b.kind === 'failed' ? [b.kind, b.nodeName, b.status.code, b.message] : [b.kind])), [
      ['failed', 'n0', 'Error', 'running Bind plugin "FailingBinder": conflict'],
    ]);
    assert.deepEqual(unreserved, ['x']);
    assert.equal(h.scheduler.cache.get('n0')!.requested.milliCPU, 0);
    assert.equal(h.scheduler.queue.lengths().podErrorBackoffQ, 1);
    assert.deepEqual(h.calls, ['nominate default/a <none>', 'condition default/a PodScheduled=False SchedulerError: running Bind plugin "FailingBinder": conflict']);
  });

  it('no binder handling the pod and a PreBind rejection both fail the binding cycle', () => {
    const skipping = defineSchedulerPlugin({ name: 'Skipping', bind: () => Status.skip() });
    const h = new Harness({ plugins: [skipping], enabled: ['FakeSort', 'Skipping'] }).addNodes('n0');
    h.addPods(pod('a'));
    const [out] = h.step().bindings;
    assert.deepEqual(out?.kind === 'failed' ? [out.status.code, out.message] : [], ['Error', 'no bind plugin bound pod default/a']);

    const volume = defineSchedulerPlugin({ name: 'Volume', preBind: () => Status.unschedulable('volume node affinity conflict') });
    const h2 = new Harness({ plugins: [volume] }).addNodes('n0');
    h2.addPods(pod('a'));
    const [out2] = h2.step().bindings;
    assert.deepEqual(out2?.kind === 'failed' ? [out2.status.code, out2.status.plugin, out2.message] : [], ['Unschedulable', 'Volume', 'volume node affinity conflict']);
    assert.equal(h2.calls.some((c) => c.startsWith('bind')), false);
    assert.equal(h2.scheduler.queue.lengths().unschedulablePods, 1);
  });

  it('PostBind runs after a successful bind', () => {
    const seen: string[] = [];
    const post = defineSchedulerPlugin({ name: 'Post', postBind: (_s, p, n) => void seen.push(`${p.metadata?.name ?? ''}@${n}`) });
    const h = new Harness({ plugins: [post] }).addNodes('n0');
    h.addPods(pod('a'));
    h.step();
    assert.deepEqual(seen, ['a@n0']);
  });

  it('resources accounted while assumed: the next pod sees the assumed pod', () => {
    const h = new Harness({ plugins: [cpuFit, flatScore], inform: false }).addNodes(node('n0', { cpuMilli: 1000 }), node('n1', { cpuMilli: 1000 }));
    h.addPods(pod('a', { cpuMilli: 800 }), pod('b', { cpuMilli: 800 }));
    const first = assumed(h.scheduler.scheduleOne()).nodeName;
    const second = assumed(h.scheduler.scheduleOne()).nodeName;
    assert.notEqual(first, second);
  });
});

// ---------------------------------------------------------------------------------------------
// Informer events
// ---------------------------------------------------------------------------------------------

describe('Scheduler: informer events', () => {
  const labelled = (registers: readonly number[]) =>
    defineSchedulerPlugin({
      name: 'NeedsLabel',
      filter: (_s, _p, ni) => (ni.node.metadata?.labels?.['ok'] === 'true' ? undefined : Status.unschedulable('node(s) lack ok=true')),
      eventsToRegister: () => registers.map((actionType) => ({ event: { resource: 'Node' as const, actionType } })),
    });

  it('a node add moves a pod rejected by a plugin registered for it; the pod then lands on the new node', () => {
    const h = new Harness({ plugins: [labelled([ActionType.Add])] }).addNodes('n0');
    h.addPods(pod('a'));
    failed(h.step().attempt);
    assert.equal(h.scheduler.queue.canPop(), false);
    h.addNodes(node('n9', { labels: { ok: 'true' } }));
    assert.equal(h.scheduler.queue.canPop(), true);
    const { attempt, bindings } = h.step();
    assert.equal(assumed(attempt).nodeName, 'n9');
    assert.deepEqual(bindings.map((b) => b.kind), ['bound']);
  });

  it('a node label update moves it only if the plugin registered label updates', () => {
    for (const [registers, moves] of [
      [[ActionType.Add], false],
      [[ActionType.Add, ActionType.UpdateNodeLabel], true],
    ] as const) {
      const h = new Harness({ plugins: [labelled(registers)] }).addNodes('n0');
      h.addPods(pod('a'));
      failed(h.step().attempt);
      h.scheduler.onNodeUpdate(node('n0'), node('n0', { labels: { ok: 'true' } }));
      assert.equal(h.scheduler.queue.canPop(), moves, JSON.stringify(registers));
      if (moves) assert.equal(assumed(h.step().attempt).nodeName, 'n0');
    }
  });

  it('a node update that changes nothing the scheduler reads sends no event; node deletion removes it', () => {
    const h = new Harness({ plugins: [labelled([ActionType.All])] }).addNodes('n0', 'n1');
    h.addPods(pod('a'));
    failed(h.step().attempt);
    h.scheduler.onNodeUpdate(node('n0'), node('n0'));
    assert.equal(h.scheduler.queue.canPop(), false);
    h.scheduler.onNodeDelete(node('n1'));
    assert.deepEqual(h.scheduler.cache.list().map((n) => n.name), ['n0']);
  });

  it('bound pods go to the cache; pods of other schedulers, terminating or finished pods are not queued', () => {
    const h = new Harness().addNodes('n0');
    h.addPods(
      pod('bound', { node: 'n0', cpuMilli: 300 }),
      pod('other', { schedulerName: 'other-scheduler' }),
      pod('deleting', { deleting: true }),
      pod('done', { phase: 'Succeeded' }),
      pod('failed', { phase: 'Failed' }),
    );
    assert.equal(h.scheduler.queue.len(), 0);
    assert.equal(h.scheduler.cache.get('n0')!.requested.milliCPU, 300);
    assert.equal(h.scheduler.responsibleFor(pod('other', { schedulerName: 'other-scheduler' })), false);
    assert.equal(h.scheduler.responsibleFor(pod('x', { schedulerName: '' })), true);
    assert.equal(h.scheduler.scheduleOne(), undefined);
  });

  it('a queued pod that starts terminating, or moves to another scheduler, leaves the queue', () => {
    const h = new Harness().addNodes('n0');
    h.addPods(pod('a'), pod('b'));
    h.scheduler.onPodUpdate(pod('a'), pod('a', { deleting: true }));
    h.scheduler.onPodUpdate(pod('b'), pod('b', { schedulerName: 'other' }));
    assert.equal(h.scheduler.queue.len(), 0);
  });

  it('deleting a bound pod frees its node and moves pods waiting for an assigned-pod deletion', () => {
    const fit = defineSchedulerPlugin({
      name: 'CpuFit',
      filter: cpuFit.create(undefined, undefined as never).filter!,
      eventsToRegister: () => [{ event: { resource: 'AssignedPod', actionType: ActionType.Delete } }],
    });
    const h = new Harness({ plugins: [fit] }).addNodes(node('n0', { cpuMilli: 1000 }));
    h.addPods(pod('old', { node: 'n0', cpuMilli: 800 }), pod('new', { cpuMilli: 800 }));
    failed(h.step().attempt);
    h.scheduler.onPodDelete(h.pod('old'));
    assert.equal(h.scheduler.cache.get('n0')!.requested.milliCPU, 0);
    assert.equal(assumed(h.step().attempt).nodeName, 'n0');
  });

  it('an update of a bound pod updates the cache', () => {
    const h = new Harness().addNodes('n0', 'n1');
    h.addPods(pod('x', { node: 'n0', cpuMilli: 100 }));
    h.scheduler.onPodUpdate(pod('x', { node: 'n0', cpuMilli: 100 }), pod('x', { node: 'n1', cpuMilli: 100 }));
    assert.deepEqual([h.scheduler.cache.get('n0')!.pods.length, h.scheduler.cache.get('n1')!.pods.length], [0, 1]);
  });

  it('other objects’ events reach the queue', () => {
    const svc = defineSchedulerPlugin({
      name: 'NeedsService',
      filter: () => Status.unschedulable('no service'),
      eventsToRegister: () => [{ event: { resource: 'Service', actionType: ActionType.Add } }],
    });
    const h = new Harness({ plugins: [svc] }).addNodes('n0');
    h.addPods(pod('a'));
    failed(h.step().attempt);
    h.scheduler.onObjectEvent({ resource: 'Service', actionType: ActionType.Add }, undefined, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } } as DeepReadonly<KubeObject>);
    assert.equal(h.scheduler.queue.canPop(), true);
  });
});

// ---------------------------------------------------------------------------------------------
// Profiles, registry, construction
// ---------------------------------------------------------------------------------------------

describe('Scheduler: profiles and plugin registry', () => {
  const only = (name: string, nodeName: string) => defineSchedulerPlugin({ name, filter: (_s, _p, ni) => (ni.name === nodeName ? undefined : Status.unschedulable(`only ${nodeName}`)) });
  const profile = (schedulerName: string, plugins: readonly string[]) => ({ schedulerName, plugins: { multiPoint: { enabled: plugins.map((name) => ({ name })) } } });

  it('each pod is scheduled by the profile named in spec.schedulerName', () => {
    const h = new Harness({
      plugins: [only('OnlyN0', 'n0'), only('OnlyN1', 'n1')],
      profiles: [profile('a-scheduler', ['FakeSort', 'OnlyN0', 'FakeBinder']), profile('b-scheduler', ['FakeSort', 'OnlyN1', 'FakeBinder'])],
    }).addNodes('n0', 'n1');
    assert.deepEqual(h.scheduler.profileNames(), ['a-scheduler', 'b-scheduler']);
    h.addPods(pod('a', { schedulerName: 'a-scheduler' }), pod('b', { schedulerName: 'b-scheduler' }), pod('c'));
    assert.deepEqual([...h.drain()].sort(), [
      ['a', 'n0'],
      ['b', 'n1'],
    ]);
    assert.equal(h.scheduler.queue.len(), 0);
  });

  it('profiles must share the queue sort plugin', () => {
    const otherSort = defineSchedulerPlugin({ name: 'OtherSort', less: () => false });
    assert.throws(
      () => new Harness({ plugins: [otherSort], profiles: [profile('a', ['FakeSort', 'FakeBinder']), profile('b', ['OtherSort', 'FakeBinder'])] }),
      (e: unknown) => e instanceof ConfigError && /profiles\[1\]\.plugins\.queueSort: Invalid value: "OtherSort": queueSort must be the same for all profiles/.test(e.message),
    );
  });

  it('an enabled plugin that is not registered is a ConfigError naming the field', () => {
    assert.throws(
      () => new Harness({ enabled: ['FakeSort', 'Nope', 'FakeBinder'] }),
      (e: unknown) => e instanceof ConfigError && /profiles\[0\]\.plugins\.multiPoint\.enabled\[1\]\.name.*"Nope" is not a registered plugin/.test(e.message),
    );
  });

  it('a plugin whose create() throws or returns nothing is a PluginError at point New', () => {
    const throwing = defineSchedulerPlugin({ name: 'Throwing', create: () => { throw new Error('no config'); } });
    assert.throws(() => new Harness({ plugins: [throwing] }), (e: unknown) => e instanceof PluginError && e.message === 'plugin Throwing (New): failed to initialize: no config');
    const empty = defineSchedulerPlugin({ name: 'Empty', create: () => null as never });
    assert.throws(() => new Harness({ plugins: [empty] }), (e: unknown) => e instanceof PluginError && e.message === 'plugin Empty (New): create() returned null instead of a plugin instance');
  });

  it('one instance per plugin and profile, shared by its extension points; handles are per plugin', () => {
    let created = 0;
    const handles: Handle[] = [];
    const multi = defineSchedulerPlugin({
      name: 'Multi',
      create: (_a, h) => {
        created++;
        handles.push(h);
        return { filter: () => undefined, score: () => 0, reserve: () => undefined };
      },
    });
    const h = new Harness({ plugins: [multi] }).addNodes('n0');
    assert.equal(created, 1);
    assert.equal(handles[0]!.schedulerName, 'default-scheduler');
    assert.equal(handles[0]!.snapshot().list().length, 1);
    assert.equal(handles[0]!.nowMs(), 0);
    h.addPods(pod('a'));
    assert.equal(assumed(h.step().attempt).nodeName, 'n0');
  });

  it('pluginRegistry rejects duplicate names', () => {
    assert.throws(() => pluginRegistry([fakeSort, fakeSort]), (e: unknown) => e instanceof ConfigError && e.message === 'a plugin named "FakeSort" already exists in the registry');
    assert.deepEqual([...pluginRegistry([fakeSort, fakeBinder]).keys()], ['FakeSort', 'FakeBinder']);
  });

  it('withNodeName returns a frozen copy with spec.nodeName set', () => {
    const p = pod('a');
    const b = withNodeName(p, 'n0');
    assert.deepEqual([b.spec?.nodeName, p.spec?.nodeName, Object.isFrozen(b), Object.isFrozen(b.spec)], ['n0', undefined, true, true]);
    assert.equal(newNodeInfo(node('n0'), [b]).pods.length, 1);
  });

  it('plugin args from pluginConfig are decoded and handed to create()', () => {
    const got: unknown[] = [];
    const withArgs = defineSchedulerPlugin<{ limit: number }>({
      name: 'WithArgs',
      decodeArgs: (raw) => ({ limit: (raw as { limit?: number } | undefined)?.limit ?? 1 }),
      create: (args) => (got.push(args), { filter: () => undefined }),
    });
    new Harness({
      plugins: [withArgs as SchedulerPluginDefinition<unknown>],
      profiles: [
        {
          schedulerName: 'default-scheduler',
          plugins: { multiPoint: { enabled: [{ name: 'FakeSort' }, { name: 'WithArgs' }, { name: 'FakeBinder' }] } },
          pluginConfig: [{ name: 'WithArgs', args: { limit: 7 } }],
        },
      ],
    });
    assert.deepEqual(got, [{ limit: 7 }]);
  });

  it('a PreEnqueue plugin that throws gates the pod and the error is kept with the scheduler’s', () => {
    const bad = defineSchedulerPlugin({ name: 'BadGate', preEnqueue: () => { throw new Error('gate broke'); } });
    const h = new Harness({ plugins: [bad] }).addNodes('n0');
    h.addPods(pod('a'));
    assert.equal(h.scheduler.queue.canPop(), false);
    assert.deepEqual(h.scheduler.allPluginErrors().map((e) => [e.plugin, e.message]), [['BadGate', 'plugin BadGate (preEnqueue): threw: gate broke']]);
    assert.ok(h.trace.some((t) => t.startsWith('plugin-error')));
  });

  it('pods that reach the queue without being this scheduler’s, terminating or already assumed are skipped', () => {
    const h = new Harness({ inform: false }).addNodes('n0');
    h.scheduler.queue.add(pod('stranger', { schedulerName: 'other' }));
    assert.deepEqual(h.scheduler.scheduleOne(), { kind: 'skipped', pod: pod('stranger', { schedulerName: 'other' }), reason: 'no profile for scheduler name other' });
    h.scheduler.queue.add(pod('dying', { deleting: true }));
    assert.deepEqual(h.scheduler.scheduleOne(), { kind: 'skipped', pod: pod('dying', { deleting: true }), reason: 'pod is being deleted' });
    h.addPods(pod('a'));
    h.step();
    assert.equal(h.scheduler.cache.isAssumedPod('uid-a'), true);
    h.scheduler.queue.add(pod('a'));
    const again = h.scheduler.scheduleOne();
    assert.deepEqual(again?.kind === 'skipped' ? again.reason : again?.kind, 'pod is already assumed');
    assert.equal(h.scheduler.queue.len(), 0);
  });

  it('traces attempts, binds and failures', () => {
    const h = new Harness().addNodes('n0');
    h.addPods(pod('a'));
    h.step();
    assert.deepEqual(h.trace, ['schedule-attempt {"pod":"default/a","result":"n0"}', 'bind {"pod":"default/a","node":"n0"}']);
  });
});
