import assert from 'node:assert/strict';
import type { KubeObject, Pod } from '../api/types.js';
import { ConfigError } from '../errors.js';
import { schedulerConfigFromObject } from './config.js';
import { newPodInfo } from './node-info.js';
import { defineSchedulerPlugin, type SchedulerPluginDefinition } from './plugin.js';
import { pluginRegistry } from './scheduler.js';
import { Status } from './status.js';
import { runWhatIf, SYSTEM_PRIORITY_CLASSES, type WhatIfInput, type WhatIfOutput } from './what-if.js';

// ---- builders ----

function node(name: string, cpuMilli = 1000): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { allocatable: { cpu: `${cpuMilli}m`, pods: '110' } } } as KubeObject;
}

interface PodOpts {
  readonly cpuMilli?: number;
  readonly node?: string;
  readonly priority?: number;
  readonly priorityClassName?: string;
  readonly preemptionPolicy?: string;
  readonly namespace?: string;
}

function pod(name: string, o: PodOpts = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(o.namespace ? { namespace: o.namespace } : {}) },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: `${o.cpuMilli ?? 0}m` } } }],
      ...(o.node ? { nodeName: o.node } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.priorityClassName ? { priorityClassName: o.priorityClassName } : {}),
      ...(o.preemptionPolicy ? { preemptionPolicy: o.preemptionPolicy } : {}),
    },
  } as KubeObject;
}

function priorityClass(name: string, value: number, o: { globalDefault?: boolean; preemptionPolicy?: string } = {}): KubeObject {
  return {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name },
    value,
    ...(o.globalDefault ? { globalDefault: true } : {}),
    ...(o.preemptionPolicy ? { preemptionPolicy: o.preemptionPolicy } : {}),
  } as unknown as KubeObject;
}

// ---- fake plugins ----

const fakeSort = defineSchedulerPlugin({
  name: 'FakeSort',
  less: (a, b) => {
    const pa = a.pod.spec?.priority ?? 0;
    const pb = b.pod.spec?.priority ?? 0;
    return pa > pb || (pa === pb && a.timestampMs < b.timestampMs);
  },
});
const fakeBinder = defineSchedulerPlugin({ name: 'FakeBinder', create: (_a, h) => ({ bind: (_s, p, n) => h.client.bind(p, n) }) });
const cpuFit = defineSchedulerPlugin({
  name: 'CpuFit',
  filter: (_s, p, ni) => (ni.requested.milliCPU + newPodInfo(p).requests.milliCPU > ni.allocatable.milliCPU ? Status.unschedulable('Insufficient cpu') : undefined),
});
const flatScore = defineSchedulerPlugin({ name: 'FlatScore', score: () => 0 });

/**
 * A preemption PostFilter: on the first node where removing every lower-priority pod makes room,
 * it deletes those pods and nominates the node (the shape of DefaultPreemption, without PDBs).
 */
const fakePreemption = defineSchedulerPlugin({
  name: 'FakePreemption',
  create: (_a, h) => ({
    postFilter: (_s, p) => {
      const prio = p.spec?.priority ?? 0;
      const need = newPodInfo(p).requests.milliCPU;
      for (const ni of h.snapshot().list()) {
        const victims = ni.pods.filter((pi) => (pi.pod.spec?.priority ?? 0) < prio);
        const freed = victims.reduce((sum, v) => sum + v.requests.milliCPU, 0);
        if (ni.requested.milliCPU - freed + need > ni.allocatable.milliCPU || victims.length === 0) continue;
        for (const v of victims) h.client.deletePod(v.pod, 'preempted');
        return { status: Status.success(), nominatedNodeName: ni.name, nominatingMode: 'Override' as const };
      }
      return Status.unschedulable('preemption: no victims');
    },
  }),
});

function input(objects: readonly KubeObject[], plugins: readonly SchedulerPluginDefinition<unknown>[], extra: Partial<WhatIfInput> = {}): WhatIfInput {
  const enabled = ['FakeSort', ...plugins.map((p) => p.name), 'FakeBinder'].map((name) => ({ name }));
  const config = schedulerConfigFromObject(
    { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', profiles: [{ schedulerName: 'default-scheduler', plugins: { multiPoint: { enabled } } }] },
    undefined,
    { defaultPlugins: [] },
  );
  return { objects, registry: pluginRegistry([fakeSort, fakeBinder, ...plugins]), config, ...extra };
}

const brief = (out: WhatIfOutput) => out.results.map((r) => [r.pod, r.node, r.status, r.message]);

describe('runWhatIf', () => {
  it('pending pods are scheduled in queue order and reported in input order', () => {
    const out = runWhatIf(input([node('n0'), node('n1'), pod('a', { cpuMilli: 600 }), pod('b', { cpuMilli: 600 }), pod('c', { cpuMilli: 600 })], [cpuFit]));
    assert.deepEqual(brief(out), [
      ['default/a', 'n0', 'Scheduled', ''],
      ['default/b', 'n1', 'Scheduled', ''],
      ['default/c', null, 'Unschedulable', '0/2 nodes are available: 2 Insufficient cpu.'],
    ]);
    assert.deepEqual(
      out.results.map((r) => [r.nominatedNode, r.victims, r.attempts, r.explain]),
      [
        [null, [], 1, undefined],
        [null, [], 1, undefined],
        [null, [], 1, undefined],
      ],
    );
    assert.deepEqual([out.pluginErrors, out.virtualMs, out.cycles, out.truncated], [[], 0, 3, false]);
  });

  it('a higher-priority pod given last is scheduled first; the results keep the input order', () => {
    const out = runWhatIf(input([node('n0'), node('n1'), pod('a', { cpuMilli: 600 }), pod('b', { cpuMilli: 600 }), pod('vip', { cpuMilli: 600, priority: 100 })], [cpuFit]));
    assert.deepEqual(brief(out), [
      ['default/a', 'n1', 'Scheduled', ''],
      ['default/b', null, 'Unschedulable', '0/2 nodes are available: 2 Insufficient cpu.'],
      ['default/vip', 'n0', 'Scheduled', ''],
    ]);
  });

  it('bound pods are existing load, not results', () => {
    const out = runWhatIf(input([node('n0'), node('n1'), pod('old', { node: 'n0', cpuMilli: 800 }), pod('new', { cpuMilli: 500 })], [cpuFit]));
    assert.deepEqual(brief(out), [['default/new', 'n1', 'Scheduled', '']]);
  });

  it('an empty input gives no results; a pod given twice is a ConfigError', () => {
    assert.deepEqual(runWhatIf(input([], [])).results, []);
    assert.throws(() => runWhatIf(input([node('n0'), pod('a'), pod('a')], [])), (e: unknown) => e instanceof ConfigError && e.message === 'pod default/a is given twice');
    // The same name in two namespaces is two pods.
    assert.equal(runWhatIf(input([node('n0'), pod('a'), pod('a', { namespace: 'other' })], [])).results.length, 2);
  });

  it('without nodes every pod is unschedulable with upstream ErrNoNodesAvailable', () => {
    const out = runWhatIf(input([pod('a')], []));
    assert.deepEqual(brief(out), [['default/a', null, 'Unschedulable', 'no nodes available to schedule pods']]);
  });

  describe('Priority admission', () => {
    /** Records each pod's admitted priority, class and preemption policy. */
    function probe(): { plugin: SchedulerPluginDefinition<unknown>; seen: Map<string, [number | undefined, string | undefined, string | undefined]> } {
      const seen = new Map<string, [number | undefined, string | undefined, string | undefined]>();
      const plugin = defineSchedulerPlugin({
        name: 'Probe',
        filter: (_s, p) => {
          seen.set(p.metadata?.name ?? '', [p.spec?.priority, p.spec?.priorityClassName, p.spec?.preemptionPolicy]);
          return undefined;
        },
      });
      return { plugin, seen };
    }

    it('priorityClassName sets spec.priority and the class’s preemptionPolicy; built-in classes exist', () => {
      const { plugin, seen } = probe();
      runWhatIf(
        input(
          [
            node('n0'),
            priorityClass('high', 1000),
            priorityClass('batch', 10, { preemptionPolicy: 'Never' }),
            pod('h', { priorityClassName: 'high' }),
            pod('b', { priorityClassName: 'batch' }),
            pod('crit', { priorityClassName: 'system-node-critical' }),
            pod('none'),
            pod('explicit', { priority: 42 }),
          ],
          [plugin],
        ),
      );
      assert.deepEqual(Object.fromEntries(seen), {
        h: [1000, 'high', undefined],
        b: [10, 'batch', 'Never'],
        crit: [2000001000, 'system-node-critical', undefined],
        none: [undefined, undefined, undefined],
        explicit: [42, undefined, undefined],
      });
      assert.deepEqual([...SYSTEM_PRIORITY_CLASSES], [
        ['system-node-critical', 2000001000],
        ['system-cluster-critical', 2000000000],
      ]);
    });

    it('a pod without a class gets the global default (the lowest-valued one if several are marked)', () => {
      const { plugin, seen } = probe();
      runWhatIf(
        input(
          [
            node('n0'),
            priorityClass('def-high', 50, { globalDefault: true }),
            priorityClass('def-low', 7, { globalDefault: true, preemptionPolicy: 'Never' }),
            priorityClass('def-mid', 20, { globalDefault: true }),
            pod('plain'),
            pod('classed', { priorityClassName: 'def-high' }),
          ],
          [plugin],
        ),
      );
      assert.deepEqual(Object.fromEntries(seen), { plain: [7, 'def-low', 'Never'], classed: [50, 'def-high', undefined] });
    });

    it('a pod naming a missing class is a ConfigError', () => {
      assert.throws(
        () => runWhatIf(input([node('n0'), pod('x', { priorityClassName: 'nope' })], [])),
        (e: unknown) => e instanceof ConfigError && e.message === 'pod default/x: no PriorityClass with name nope was found',
      );
    });

    it('the admitted priority orders the queue', () => {
      const out = runWhatIf(
        input([node('n0'), priorityClass('high', 1000), pod('low', { cpuMilli: 800 }), pod('high', { cpuMilli: 800, priorityClassName: 'high' })], [cpuFit]),
      );
      assert.deepEqual(brief(out), [
        ['default/low', null, 'Unschedulable', '0/1 nodes are available: 1 Insufficient cpu.'],
        ['default/high', 'n0', 'Scheduled', ''],
      ]);
    });
  });

  it('a pod that fails with an error is retried after its backoff, in virtual time', () => {
    const seen = new Set<string>();
    const flaky = defineSchedulerPlugin({
      name: 'FlakyOnce',
      preFilter: (_s, p) => {
        const name = p.metadata?.name ?? '';
        if (seen.has(name)) return undefined;
        seen.add(name);
        return Status.error('transient');
      },
    });
    const out = runWhatIf(input([node('n0'), pod('a')], [flaky]));
    assert.deepEqual(
      out.results.map((r) => [r.pod, r.node, r.status, r.attempts]),
      [['default/a', 'n0', 'Scheduled', 2]],
    );
    // 1 s of backoff, released at the next whole-second flush after it expires.
    assert.deepEqual([out.virtualMs, out.cycles], [2000, 2]);
  });

  it('a pod that keeps failing is reported with its last message; the cycle bound stops the run', () => {
    const always = defineSchedulerPlugin({ name: 'AlwaysError', preFilter: () => Status.error('still broken') });
    const out = runWhatIf(input([node('n0'), pod('a')], [always], { maxCycles: 4 }));
    assert.deepEqual(
      out.results.map((r) => [r.status, r.message, r.attempts]),
      [['Unschedulable', 'running PreFilter plugin "AlwaysError": still broken', 4]],
    );
    assert.deepEqual([out.cycles, out.truncated], [4, true]);
  });

  it('preemption: the victims are deleted and attributed to the preemptor, which then binds on its nominated node', () => {
    const out = runWhatIf(
      input(
        [
          node('n0'),
          node('n1'),
          pod('low0', { node: 'n0', cpuMilli: 700, priority: 1 }),
          pod('low1', { node: 'n1', cpuMilli: 700, priority: 5 }),
          pod('boss', { cpuMilli: 600, priority: 100 }),
        ],
        [cpuFit, fakePreemption],
      ),
    );
    assert.deepEqual(
      out.results.map((r) => [r.pod, r.node, r.status, r.message, r.victims, r.attempts]),
      [['default/boss', 'n0', 'Scheduled', '', ['default/low0'], 2]],
    );
  });

  it('a pending pod that was bound and then preempted is reported as deleted', () => {
    // "boss" fails its first attempt with an error, so "first" takes n0 meanwhile; boss's retry
    // preempts it.
    let bossTries = 0;
    const flakyBoss = defineSchedulerPlugin({
      name: 'FlakyBoss',
      preFilter: (_s, p) => (p.metadata?.name === 'boss' && bossTries++ === 0 ? Status.error('transient') : undefined),
    });
    const out = runWhatIf(
      input([node('n0'), pod('boss', { cpuMilli: 700, priority: 100 }), pod('first', { cpuMilli: 700, priority: 10 })], [flakyBoss, cpuFit, fakePreemption]),
    );
    assert.deepEqual(
      out.results.map((r) => [r.pod, r.node, r.status, r.message, r.victims, r.attempts]),
      [
        ['default/boss', 'n0', 'Scheduled', '', ['default/first'], 3],
        ['default/first', null, 'Unschedulable', 'pod was preempted by default/boss after it was scheduled', [], 1],
      ],
    );
  });

  it('a binding failure is the pod’s last message', () => {
    const failing = defineSchedulerPlugin({ name: 'FailingBinder', bind: () => Status.error('conflict') });
    const enabled = ['FakeSort', 'FailingBinder'].map((name) => ({ name }));
    const config = schedulerConfigFromObject(
      { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', profiles: [{ schedulerName: 'default-scheduler', plugins: { multiPoint: { enabled } } }] },
      undefined,
      { defaultPlugins: [] },
    );
    const out = runWhatIf({ objects: [node('n0'), pod('a')], registry: pluginRegistry([fakeSort, failing]), config, maxCycles: 2 });
    assert.deepEqual(
      out.results.map((r) => [r.node, r.status, r.message, r.attempts]),
      [[null, 'Unschedulable', 'running Bind plugin "FailingBinder": conflict', 2]],
    );
  });

  it('plugin errors are collected as messages', () => {
    const boom = defineSchedulerPlugin({ name: 'Boom', filter: () => { throw new Error('kaput'); } });
    const out = runWhatIf(input([node('n0'), pod('a')], [boom], { maxCycles: 3 }));
    assert.deepEqual(out.pluginErrors, ['plugin Boom (Filter): kaput', 'plugin Boom (Filter): kaput', 'plugin Boom (Filter): kaput']);
  });

  it('--explain keeps the per-node detail of each pod’s last attempt', () => {
    const out = runWhatIf(input([node('n0'), node('n1', 100), pod('a', { cpuMilli: 500 })], [cpuFit, flatScore], { explain: true }));
    const e = out.results[0]!.explain!;
    assert.deepEqual([...e].map(([n, x]) => [n, x.filter.code, x.filter.reasons]), [
      ['n0', 'Success', []],
      ['n1', 'Unschedulable', ['Insufficient cpu']],
    ]);
  });

  it('is deterministic: the same seed gives the same output; the seed decides ties', () => {
    const objects = [node('n0'), node('n1'), node('n2'), node('n3'), pod('a'), pod('b'), pod('c')];
    const run = (seed: number) => runWhatIf(input(objects, [flatScore], { seed }));
    assert.deepEqual(run(7), run(7));
    const placements = new Set(Array.from({ length: 12 }, (_, seed) => JSON.stringify(run(seed).results.map((r) => r.node))));
    assert.ok(placements.size > 1, 'different seeds break ties differently');
    // The input objects are not modified.
    assert.equal((objects[4] as Pod).metadata?.uid, undefined);
  });
});
