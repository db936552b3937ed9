/**
 * The scheduler plugin laws hold for every default plugin, and they catch broken plugins: each law
 * is shown failing on a plugin that breaks it, with a report that names the plugin, the extension
 * point and the law, shows a small counterexample and replays it.
 *
 * Environment: FC_NUM_RUNS (default 100 per law property), FC_SEED.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Status, defineSchedulerPlugin, type SchedulerPluginDefinition, type StatusLike } from 'kubeprop';
import { defaultSchedulerPlugins } from '../../plugins/index.js';
import {
  SchedulerPluginLawViolation,
  SchedulerPluginLawsError,
  checkSchedulerPluginLaws,
  schedulerPluginLaws,
  type SchedulerPluginLaw,
  type SchedulerPluginLawsOptions,
} from './scheduler-plugin-laws.js';

/** Plugins whose Filter judges each node on its own (they never read the snapshot in Filter). */
const NODE_LOCAL_FILTERS = new Set(['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit']);

/** Runs the laws, expecting a failure; returns the error. */
function expectViolation(plugin: SchedulerPluginDefinition<unknown>, options: SchedulerPluginLawsOptions = {}): SchedulerPluginLawsError {
  try {
    checkSchedulerPluginLaws(plugin, { numRuns: 200, ...options });
  } catch (err) {
    if (err instanceof SchedulerPluginLawsError) return err;
    throw err;
  }
  assert.fail(`the laws did not catch ${plugin.name}`);
}

function assertCaught(err: SchedulerPluginLawsError, law: SchedulerPluginLaw, point: string): void {
  assert.ok(err.violation !== undefined, `expected a law violation, got: ${err.message}`);
  assert.equal(err.violation.law, law, err.message);
  assert.equal(err.violation.extensionPoint, point, err.message);
}

describe('scheduler plugin laws', function () {
  this.timeout(120_000);

  describe('hold for every default plugin', () => {
    for (const plugin of defaultSchedulerPlugins) {
      it(plugin.name, () => {
        const report = checkSchedulerPluginLaws(plugin, {
          filterIndependentOfOtherNodes: NODE_LOCAL_FILTERS.has(plugin.name),
          // Preemption asks the profile's filters whether evicting pods would help.
          ...(plugin.name === 'DefaultPreemption' ? { profile: defaultSchedulerPlugins } : {}),
        });
        assert.ok(report.numRuns > 0);
        // Default plugins never need to report an internal error on valid objects.
        for (const [point, outcomes] of Object.entries(report.outcomes)) {
          assert.equal(outcomes['Error'] ?? 0, 0, `${plugin.name} returned Error at ${point}: ${JSON.stringify(outcomes)}`);
        }
      });
    }

    it('exercise both outcomes of the node-local filters', () => {
      // Guards against generators that make every node pass (or fail): the laws would hold vacuously.
      for (const plugin of defaultSchedulerPlugins.filter((p) => ['NodeUnschedulable', 'TaintToleration', 'NodeAffinity', 'NodeResourcesFit'].includes(p.name))) {
        const filter = checkSchedulerPluginLaws(plugin, { laws: ['contract'] }).outcomes['Filter'] ?? {};
        const rejected = (filter['Unschedulable'] ?? 0) + (filter['UnschedulableAndUnresolvable'] ?? 0);
        assert.ok((filter['Success'] ?? 0) > 0 && rejected > 0, `${plugin.name}: ${JSON.stringify(filter)}`);
      }
    });
  });

  describe('catch broken plugins', () => {
    it('a Filter that throws (no-throw)', () => {
      const err = expectViolation(
        defineSchedulerPlugin({
          name: 'ThrowsOnTolerations',
          filter: (_state, pod) => {
            if ((pod.spec?.tolerations ?? []).length > 0) throw new Error('cannot handle tolerations');
            return undefined;
          },
        }),
      );
      assertCaught(err, 'no-throw', 'Filter');
      assert.match(err.message, /plugin ThrowsOnTolerations breaks the law "no-throw" at Filter \(node node-0\): threw Error: cannot handle tolerations/);
      // Shrinking leaves one node and the one pending pod, with one toleration and nothing else.
      const c = err.counterexample!.cluster;
      assert.equal(c.nodes.length, 1);
      assert.equal(c.boundPods.length, 0);
      assert.equal(c.pendingPods.length, 1);
      assert.deepEqual(Object.keys(c.pendingPods[0]!.spec!).sort(), ['containers', 'tolerations']);
      assert.equal(c.pendingPods[0]!.spec!.tolerations!.length, 1);
    });

    it('a Score that returns NaN (score-range)', () => {
      assertCaught(expectViolation(defineSchedulerPlugin({ name: 'NaNScore', score: () => Number.NaN })), 'score-range', 'Score');
    });

    it('a Score of 150 without NormalizeScore (score-range)', () => {
      const err = expectViolation(defineSchedulerPlugin({ name: 'TooHigh', score: (_s, _p, ni) => (ni.pods.length > 0 ? 150 : 50) }));
      assertCaught(err, 'score-range', 'Score');
      assert.match(err.message, /returned 150; without NormalizeScore a score must be in \[0, 100\]/);
      assert.equal(err.counterexample!.cluster.boundPods.length, 1);
    });

    it('a NormalizeScore that leaves 101 (score-range)', () => {
      const plugin = defineSchedulerPlugin({
        name: 'BadNormalize',
        score: () => 7,
        normalizeScore: (_state, _pod, scores) => {
          for (const s of scores) s.score = 101;
          return undefined;
        },
      });
      assertCaught(expectViolation(plugin), 'score-range', 'NormalizeScore');
    });

    it('a Filter that mutates the pod (no-mutation)', () => {
      const plugin = defineSchedulerPlugin({
        name: 'LabelsThePod',
        filter: (_state, pod) => {
          (pod.metadata as { labels?: Record<string, string> }).labels = { seen: 'yes' };
          return undefined;
        },
      });
      const err = expectViolation(plugin);
      assertCaught(err, 'no-mutation', 'Filter');
      assert.match(err.message, /wrote to a frozen input/);
    });

    it('a Filter that mutates a NodeInfo (no-mutation)', () => {
      const plugin = defineSchedulerPlugin({
        name: 'ReservesCpu',
        filter: (_state, _pod, ni) => {
          // NodeInfos are live views of the cache, not frozen; the snapshot comparison catches this.
          (ni.requested as { milliCPU: number }).milliCPU += 100;
          return undefined;
        },
      });
      assertCaught(expectViolation(plugin), 'no-mutation', 'Filter');
    });

    it('a PreFilter that sorts the node list in place (no-mutation)', () => {
      const plugin = defineSchedulerPlugin({
        name: 'SortsNodes',
        preFilter: (_state, _pod, nodes) => {
          (nodes as unknown as unknown[]).sort();
          return undefined;
        },
      });
      assertCaught(expectViolation(plugin), 'no-mutation', 'PreFilter');
    });

    it('a Score that counts its calls in a closure (deterministic)', () => {
      let calls = 0;
      const plugin = defineSchedulerPlugin({ name: 'Counter', score: () => calls++ % 101 });
      const err = expectViolation(plugin, { laws: ['deterministic'] });
      assertCaught(err, 'deterministic', 'Score');
      assert.match(err.message, /answered the same inputs differently/);
    });

    it('a per-instance counter is caught by re-asking the same instance (deterministic)', () => {
      const plugin: SchedulerPluginDefinition<unknown> = {
        name: 'InstanceCounter',
        create: () => {
          let calls = 0;
          return { filter: (): StatusLike => (calls++ === 0 ? undefined : Status.unschedulable('busy')) };
        },
      };
      const err = expectViolation(plugin, { laws: ['deterministic'] });
      assertCaught(err, 'deterministic', 'Filter');
      assert.match(err.message, /the same instance answered the same inputs differently the second time/);
    });

    it('a Filter returning a code not allowed at Filter (allowed-result)', () => {
      const plugin = defineSchedulerPlugin({ name: 'SkipsFilter', filter: () => Status.skip() });
      const err = expectViolation(plugin);
      assertCaught(err, 'allowed-result', 'Filter');
      assert.match(err.message, /returned status code Skip; allowed here: Success, Unschedulable, UnschedulableAndUnresolvable, Error/);
    });

    it('a Filter returning something that is not a Status (allowed-result)', () => {
      const plugin = defineSchedulerPlugin({ name: 'ReturnsBoolean', filter: (() => true) as unknown as () => StatusLike });
      assertCaught(expectViolation(plugin), 'allowed-result', 'Filter');
    });

    it('a QueueSort that is not a strict order (queue-sort-order)', () => {
      const plugin = defineSchedulerPlugin({ name: 'AlwaysLess', less: () => true });
      assertCaught(expectViolation(plugin), 'queue-sort-order', 'QueueSort');
    });

    it('a Filter that looks at other nodes, when independence is claimed (filter-independent-of-other-nodes)', () => {
      let biggest = 0;
      const plugin: SchedulerPluginDefinition<unknown> = {
        name: 'OnlyTheBiggestNode',
        create: (_args, handle) => ({
          preFilter: () => {
            biggest = Math.max(...handle.snapshot().list().map((n) => n.allocatable.milliCPU));
            return undefined;
          },
          filter: (_state, _pod, ni) => (ni.allocatable.milliCPU === biggest ? undefined : Status.unschedulable('not the biggest node')),
        }),
      };
      // The law is opt-in: without the claim the same plugin passes.
      checkSchedulerPluginLaws(plugin, { numRuns: 50 });
      const err = expectViolation(plugin, { filterIndependentOfOtherNodes: true });
      assertCaught(err, 'filter-independent-of-other-nodes', 'Filter');
      assert.equal(err.counterexample!.cluster.nodes.length, 2);
    });

    it('a create() that throws (no-throw at New)', () => {
      const plugin: SchedulerPluginDefinition<unknown> = {
        name: 'CannotStart',
        create: () => {
          throw new Error('boom');
        },
      };
      assertCaught(expectViolation(plugin), 'no-throw', 'New');
    });
  });

  describe('reports', () => {
    const broken = defineSchedulerPlugin({ name: 'TooHigh', score: (_s, _p, ni) => (ni.pods.length > 0 ? 150 : 50) });

    it('print the plugin, the law, the counterexample as manifests and a replay line that reproduces it', () => {
      const err = expectViolation(broken, { seed: 4242 });
      assert.match(err.message, /^plugin TooHigh breaks the law "score-range" at Score \(node node-0\)/);
      assert.match(err.message, /Minimal counterexample \(after \d+ runs and \d+ shrinks\), as manifests for `kubeprop schedule`:/);
      assert.match(err.message, /# pod being scheduled: default\/pending-0/);
      assert.match(err.message, /kind: Node\n/);
      const replay = /checkSchedulerPluginLaws\(TooHigh, \{ \.\.\.options, laws: \['(\w[\w-]*)'\], seed: (-?\d+), path: '([\d:]+)' \}\)/.exec(err.message);
      assert.ok(replay, err.message);
      assert.equal(Number(replay[2]), 4242);
      const again = expectViolation(broken, { laws: [replay[1] as 'contract'], seed: Number(replay[2]), path: replay[3]! });
      assert.equal(again.violation?.message, err.violation?.message);
      assert.deepEqual(again.counterexample, err.counterexample);
    });

    it('refuse a replay path without its seed and law', () => {
      assert.throws(() => checkSchedulerPluginLaws(broken, { path: '1:2' }), /needs the seed and exactly one entry in `laws`/);
    });
  });

  describe('as fast-check properties', () => {
    it('run in any runner with fc.assert', () => {
      const laws = schedulerPluginLaws(defaultSchedulerPlugins.find((p) => p.name === 'TaintToleration')!, { filterIndependentOfOtherNodes: true });
      assert.deepEqual(
        laws.map((l) => l.name),
        ['contract', 'deterministic', 'filter-independent-of-other-nodes'],
      );
      for (const law of laws) fc.assert(law.property, { numRuns: 20, seed: 1 });
    });

    it('fail with the violation as the error', () => {
      const [contract] = schedulerPluginLaws(defineSchedulerPlugin({ name: 'NaNScore', score: () => Number.NaN }), { laws: ['contract'] });
      assert.throws(
        () => fc.assert(contract!.property, { numRuns: 20, seed: 1 }),
        (err: Error) => err.cause instanceof SchedulerPluginLawViolation && err.cause.law === 'score-range' && err.cause.extensionPoint === 'Score',
      );
    });
  });
});
