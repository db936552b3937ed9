/**
 * Property suite for the informer's two promises: whatever the sequence of writes, delivery
 * latencies, compactions, broken watches, pauses and API outages, (1) once faults stop the cache
 * eventually equals the store, and (2) handlers see each object's changes in revision order, with
 * adds, updates and deletes consistent with what they saw before. Without broken watches (and so
 * without relists) every single write is seen exactly once.
 *
 * Everything random inside a run comes from the simulation's RNG (latencies, back-off jitter);
 * fast-check generates the seed, the latency range and the script of operations.
 *
 * Environment: FC_NUM_RUNS (default 100), FC_SEED and FC_PATH (to replay a reported failure).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DeepReadonly, KubeObject } from '../api/types.js';
import { SEED_MAX, SEED_MIN } from '../sim/rng.js';
import { unwrap } from '../store/api-result.js';
import { StoreApiClient, newTestCluster } from './controller-test-kit.js';
import { RuntimeHost } from './runtime-host.js';
import { SharedInformer, type InformerHandler } from './shared-informer.js';

type Op =
  | { readonly op: 'create' | 'update' | 'delete'; readonly name: number }
  | { readonly op: 'wait'; readonly ms: number }
  | { readonly op: 'compact' }
  | { readonly op: 'drop-watches' }
  | { readonly op: 'pause' | 'resume' | 'outage' | 'recover' };

interface Scenario {
  readonly seed: number;
  readonly minMs: number;
  readonly spreadMs: number;
  readonly ops: readonly Op[];
}

const NAMES = 6;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constantFrom('create' as const, 'update' as const, 'delete' as const), name: fc.nat({ max: NAMES - 1 }) }), weight: 8 },
  { arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 300 }) }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('compact' as const) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('drop-watches' as const) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constantFrom('pause' as const, 'resume' as const, 'outage' as const, 'recover' as const) }), weight: 2 },
);

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  seed: fc.integer({ min: SEED_MIN, max: SEED_MAX }),
  minMs: fc.integer({ min: 0, max: 50 }),
  spreadMs: fc.integer({ min: 0, max: 200 }),
  // Large sizes: short scripts rarely get an object created, compacted and relisted.
  ops: fc.array(opArb, { maxLength: 80, size: 'large' }),
});

interface Seen {
  readonly type: 'add' | 'update' | 'delete';
  readonly rv: number;
  readonly oldRv?: number;
  readonly unknown?: boolean;
}

class Observer implements InformerHandler {
  readonly byKey = new Map<string, Seen[]>();
  count = 0;
  #push(obj: DeepReadonly<KubeObject>, seen: Seen): void {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    let list = this.byKey.get(key);
    if (list === undefined) {
      list = [];
      this.byKey.set(key, list);
    }
    list.push(seen);
    this.count++;
  }
  onAdd(obj: DeepReadonly<KubeObject>): void {
    this.#push(obj, { type: 'add', rv: Number(obj.metadata.resourceVersion) });
  }
  onUpdate(old: DeepReadonly<KubeObject>, obj: DeepReadonly<KubeObject>): void {
    this.#push(obj, { type: 'update', rv: Number(obj.metadata.resourceVersion), oldRv: Number(old.metadata.resourceVersion) });
  }
  onDelete(obj: DeepReadonly<KubeObject>, unknown: boolean): void {
    this.#push(obj, { type: 'delete', rv: Number(obj.metadata.resourceVersion), unknown });
  }
}

function run(s: Scenario): void {
  const c = newTestCluster(s.seed, { traceLimit: 0 });
  let host: RuntimeHost | undefined;
  const actor = c.sim.addActor('component', (p) => host?.dispatch(p));
  host = new RuntimeHost(actor);
  // The informer's connection (which the faults hit) and the writer's are separate.
  const informerClient = new StoreApiClient(c.store, 'informer');
  const writer = c.network.wrap(new StoreApiClient(c.store, 'writer'));
  const informer = new SharedInformer({
    host,
    network: c.network,
    client: c.network.wrap(informerClient),
    kind: 'ConfigMap',
    latencyMs: { minMs: s.minMs, maxMs: s.minMs + s.spreadMs },
  });
  const observer = new Observer();
  informer.addEventHandler(observer);
  informer.start();

  let writes = 0;
  let dropped = false;
  for (const op of s.ops) {
    switch (op.op) {
      case 'create':
      case 'update':
      case 'delete': {
        const name = `cm-${op.name}`;
        const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name };
        const cur = c.store.get(ref);
        let ok = false;
        if (op.op === 'create') ok = writer.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { n: '0' } }).ok;
        else if (op.op === 'update' && cur.ok) ok = writer.update({ ...cur.value, data: { n: String(c.store.revision) } }).ok;
        else if (op.op === 'delete') ok = writer.delete(ref).ok;
        if (ok) writes++;
        break;
      }
      case 'wait':
        c.sim.runFor(op.ms);
        break;
      case 'compact':
        c.store.compact(c.store.revision);
        break;
      case 'drop-watches':
        dropped = true;
        informerClient.dropWatches();
        c.network.notify();
        break;
      case 'pause':
        informer.pause();
        break;
      case 'resume':
        informer.resume();
        break;
      case 'outage':
        informerClient.available = false;
        break;
      case 'recover':
        informerClient.available = true;
        break;
    }
  }
  // Faults stop; the informer must converge.
  informerClient.available = true;
  informer.resume();
  const result = c.sim.runUntilQuiet({ maxMs: 600_000 });
  assert.equal(result.outcome, 'quiet');

  const store = unwrap(c.store.list({ apiVersion: 'v1', kind: 'ConfigMap' })).items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`);
  const cache = informer.cache.list().map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`);
  assert.deepEqual(cache, store, 'the cache converges to the store');
  assert.equal(informer.hasSynced, true);

  // Per object: a consistent, revision-ordered history ending in the cache's state.
  for (const [key, seen] of observer.byKey) {
    let present = false;
    let lastRv = 0;
    for (const e of seen) {
      switch (e.type) {
        case 'add':
          assert.ok(!present, `${key}: add while present`);
          assert.ok(e.rv > lastRv, `${key}: add at ${e.rv} after ${lastRv}`);
          present = true;
          break;
        case 'update':
          assert.ok(present, `${key}: update while absent`);
          assert.equal(e.oldRv, lastRv, `${key}: update's old object is not the last one seen`);
          assert.ok(e.rv > lastRv, `${key}: update to ${e.rv} after ${lastRv}`);
          break;
        case 'delete':
          assert.ok(present, `${key}: delete while absent`);
          // A real DELETED carries the deletion's revision; an inferred one the last state known.
          if (e.unknown === true) assert.equal(e.rv, lastRv, `${key}: tombstone is not the last state seen`);
          else assert.ok(e.rv > lastRv, `${key}: delete at ${e.rv} after ${lastRv}`);
          present = false;
          break;
      }
      lastRv = e.rv;
    }
    const cached = informer.cache.getByKey(key);
    assert.equal(present, cached !== undefined, `${key}: handlers and cache disagree on presence`);
    if (cached !== undefined) assert.equal(Number(cached.metadata.resourceVersion), lastRv);
  }
  if (!dropped) assert.equal(observer.count, writes, 'without broken watches every write is seen exactly once');
}

function params(): fc.Parameters<[Scenario]> {
  const out: { numRuns: number; seed?: number; path?: string; endOnFailure?: boolean } = {
    numRuns: Number(process.env.FC_NUM_RUNS ?? 100),
  };
  if (process.env.FC_SEED !== undefined) out.seed = Number(process.env.FC_SEED);
  if (process.env.FC_PATH !== undefined) {
    out.path = process.env.FC_PATH;
    out.endOnFailure = true;
  }
  return out;
}

function assertProperty(title: string, property: fc.IProperty<[Scenario]>): void {
  const details = fc.check(property, params());
  if (!details.failed) return;
  const replay = `FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath ?? ''} npx mocha core/controllers/shared-informer.property.ts --grep '${title}'`;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`${fc.defaultReportMessage(details) ?? 'property failed'}\n${cause}\n\nReplay with:\n  ${replay}`);
}

describe('SharedInformer (property)', () => {
  it('converges to the store and delivers each object in revision order', function () {
    assertProperty(this.test?.title ?? '', fc.property(scenarioArb, run));
  });

  it('is deterministic: the same scenario twice gives the same trace digest', function () {
    assertProperty(
      this.test?.title ?? '',
      fc.property(scenarioArb, (s) => {
        const digest = (): string => {
          const c = newTestCluster(s.seed, { traceLimit: 0 });
          let host: RuntimeHost | undefined;
          host = new RuntimeHost(c.sim.addActor('component', (p) => host?.dispatch(p)));
          const informer = new SharedInformer({ host, network: c.network, client: c.client, kind: 'ConfigMap', latencyMs: { minMs: s.minMs, maxMs: s.minMs + s.spreadMs } });
          informer.start();
          for (const op of s.ops) {
            if (op.op === 'wait') c.sim.runFor(op.ms);
            else if (op.op === 'create') c.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${op.name}`, namespace: 'default' } });
            else if (op.op === 'delete') c.client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: `cm-${op.name}` });
            else if (op.op === 'drop-watches') {
              c.raw.dropWatches();
              c.network.notify();
            } else if (op.op === 'compact') c.store.compact(c.store.revision);
          }
          c.sim.runUntilQuiet({ maxMs: 600_000 });
          return c.sim.trace.digest();
        };
        assert.equal(digest(), digest());
      }),
    );
  });
});
