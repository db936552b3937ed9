/**
 * Model-based test of the store: random sequences of creates, updates (fresh, stale and
 * unconditional), deletes with and without finalizers and propagation policies, compactions,
 * progress notifications, and watches started now or from older revisions, with and without label,
 * namespace or field selection, polled in pages at random moments. Field selection on
 * `spec.nodeName` exercises the pods' trigger index (objects moving between nodes, unbound ones, and
 * an odd numeric value), and the same selections on a custom kind the unindexed path.
 *
 * A small reference model predicts every outcome; the properties are: no watch event lost,
 * duplicated or reordered (each watcher's stream equals the model's stream for its start point and
 * selection); revisions strictly increase; conflicts, invalid updates and 404s exactly when the model
 * expects them; generation and finalizer lifecycle as upstream; 410 Expired exactly when the start
 * revision is compacted; bookmarks never regress and catch a watcher up to the notified revision;
 * stopped watchers leave nothing registered.
 *
 * Runs: `FC_NUM_RUNS` (default 1000). Seed: `FC_SEED` (default fixed, so CI is reproducible).
 * A failure prints the exact replay command (`FC_SEED`, `FC_PATH`, `FC_REPLAY_PATH`).
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseFieldSelector } from '../api/labels.js';
import type { DeepReadonly, KubeObject } from '../api/types.js';
import type { ApiResult } from './api-result.js';
import type { Store } from './store.js';
import { newStore, type TestClock } from './store-test-kit.js';
import type { WatchEvent, Watcher } from './watch-event.js';

type KindName = 'Pod' | 'Widget';
type App = 'web' | 'db';
type Policy = 'none' | 'Orphan' | 'Background';
type RvMode = 'current' | 'stale' | 'none';
type Change = 'spec' | 'label' | 'node' | 'same' | 'addFinalizer' | 'removeFinalizers' | 'removeOneFinalizer';
type Selection = 'all' | 'web' | 'ns1' | 'n1' | 'unbound' | 'n2web' | 'seven';
/** `spec.nodeName`: absent (`''`), a node, or an odd numeric value that selectors read as `"7"`. */
type NodeName = '' | 'n1' | 'n2' | 7;

const NEXT_NODE: Readonly<Record<string, NodeName>> = { '': 'n1', n1: 'n2', n2: 7, '7': '' };

const KINDS: Record<KindName, { apiVersion: string; kind: KindName; unconditional: boolean }> = {
  Pod: { apiVersion: 'v1', kind: 'Pod', unconditional: true },
  Widget: { apiVersion: 'example.com/v1', kind: 'Widget', unconditional: false },
};

interface ModelObject {
  readonly kind: KindName;
  readonly ns: string;
  readonly name: string;
  rev: number;
  generation: number;
  app: App;
  spec: number;
  node: NodeName;
  finalizers: string[];
  deleting: boolean;
}

interface Snapshot {
  readonly ns: string;
  readonly app: App;
  readonly node: NodeName;
}

interface ModelEvent {
  readonly rev: number;
  readonly kind: KindName;
  readonly key: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly now: Snapshot | undefined;
  readonly before: Snapshot | undefined;
}

interface ModelWatcher {
  readonly kind: KindName;
  readonly selection: Selection;
  readonly startRev: number;
  readonly expired: boolean;
  readonly allowBookmarks: boolean;
  /** Expected synthetic ADDED events (watch started "now"). */
  readonly initial: readonly string[];
  stopped: boolean;
  /** Object events delivered so far (rendered). */
  readonly delivered: string[];
  /** Revision of the last bookmark notification this watcher must catch up to. */
  pendingBookmark: number;
  expiredSeen: boolean;
  /** For an expired watch: the oldest watchable revision when it started (upstream's `(N)`). */
  readonly expiredAt: number;
}

class Model {
  rev = 1;
  compacted = 0;
  readonly objects = new Map<string, ModelObject>();
  readonly events: ModelEvent[] = [];
  readonly watchers: ModelWatcher[] = [];

  static key(kind: KindName, ns: string, name: string): string {
    return `${kind}:${ns}/${name}`;
  }

  record(obj: ModelObject, type: ModelEvent['type'], before: Snapshot | undefined): void {
    const snap: Snapshot = { ns: obj.ns, app: obj.app, node: obj.node };
    this.events.push({ rev: this.rev, kind: obj.kind, key: `${obj.ns}/${obj.name}`, type, now: type === 'DELETED' ? undefined : snap, before });
  }

  liveWatchers(): number {
    return this.watchers.filter((w) => !w.stopped && !w.expired).length;
  }
}

interface Real {
  readonly store: Store;
  readonly clock: TestClock;
  readonly watchers: Watcher[];
}

function selects(sel: Selection, s: Snapshot): boolean {
  switch (sel) {
    case 'all':
      return true;
    case 'web':
      return s.app === 'web';
    case 'ns1':
      return s.ns === 'ns1';
    case 'n1':
      return s.node === 'n1';
    case 'unbound':
      return s.node === '';
    case 'n2web':
      return s.node === 'n2' && s.app === 'web';
    case 'seven':
      return s.node === 7;
  }
}

/** The store request options of a selection, in each selector form the store accepts. */
function selectionOptions(sel: Selection): Record<string, unknown> {
  const web = { labelSelector: { matches: (l: Readonly<Record<string, string>>) => l.app === 'web' } };
  switch (sel) {
    case 'all':
      return {};
    case 'web':
      return web;
    case 'ns1':
      return { namespace: 'ns1' };
    case 'n1':
      return { fieldSelector: { 'spec.nodeName': 'n1' } };
    case 'unbound':
      return { fieldSelector: parseFieldSelector('spec.nodeName=') };
    case 'n2web':
      return { ...web, fieldSelector: { 'spec.nodeName': 'n2' } };
    case 'seven':
      return { fieldSelector: parseFieldSelector('spec.nodeName=7') };
  }
}

const SELECTIONS: readonly Selection[] = ['all', 'web', 'ns1', 'n1', 'unbound', 'n2web', 'seven'];

/** The model's stream of object events for a watcher: the cacher's selector semantics. */
function expectedStream(model: Model, w: ModelWatcher): string[] {
  const out = [...w.initial];
  for (const e of model.events) {
    if (e.kind !== w.kind || e.rev <= w.startRev) continue;
    const now = e.now !== undefined && selects(w.selection, e.now);
    const before = e.before !== undefined && selects(w.selection, e.before);
    if (now) out.push(`${before ? e.type : 'ADDED'} ${e.key}@${e.rev}`);
    else if (before) out.push(`DELETED ${e.key}@${e.rev}`);
  }
  return out;
}

function render(e: WatchEvent): string {
  switch (e.type) {
    case 'BOOKMARK':
      return `BOOKMARK@${e.revision}`;
    case 'ERROR':
      return `ERROR ${e.error.code} ${e.error.reason} ${e.error.message}`;
    default:
      return `${e.type} ${e.object.metadata.namespace ?? ''}/${e.object.metadata.name ?? ''}@${e.object.metadata.resourceVersion ?? ''}`;
  }
}

function meta(obj: DeepReadonly<KubeObject>): Readonly<Record<string, unknown>> {
  return obj.metadata as Readonly<Record<string, unknown>>;
}

/** Checks a stored object against the model object. */
function checkObject(real: DeepReadonly<KubeObject>, m: ModelObject): void {
  const md = meta(real);
  assert.equal(md.resourceVersion, String(m.rev), 'resourceVersion');
  assert.equal(md.generation, m.generation, 'generation');
  assert.deepEqual(md.finalizers ?? [], m.finalizers, 'finalizers');
  assert.equal(md.deletionTimestamp !== undefined, m.deleting, 'deletionTimestamp');
  assert.equal(md.deletionGracePeriodSeconds, m.deleting ? 0 : undefined, 'deletionGracePeriodSeconds');
  assert.equal((md.labels as Record<string, string> | undefined)?.app, m.app, 'labels');
  assert.deepEqual(real.spec, specOf(m.spec, m.node), 'spec');
}

function specOf(v: number, node: NodeName): Record<string, unknown> {
  return node === '' ? { v } : { v, nodeName: node };
}

function expectError<T>(res: ApiResult<T>, code: number, what: string): void {
  assert.ok(!res.ok, `${what}: expected ${code}, got success`);
  assert.equal(res.error.code, code, `${what}: ${res.error.message}`);
}

function manifest(kind: KindName, ns: string, name: string, app: App, finalizers: readonly string[], spec: number, node: NodeName): KubeObject {
  const metadata: Record<string, unknown> = { name, namespace: ns, labels: { app } };
  if (finalizers.length > 0) metadata.finalizers = [...finalizers];
  return { apiVersion: KINDS[kind].apiVersion, kind, metadata, spec: specOf(spec, node) };
}

/** Polls a real watcher and checks what it delivered against the model. */
function pollAndCheck(model: Model, real: Real, index: number, max: number | undefined): void {
  const w = model.watchers[index] as ModelWatcher;
  const rw = real.watchers[index] as Watcher;
  const before = Number(rw.resourceVersion);
  const events = max === undefined ? rw.poll() : rw.poll(max);
  if (max !== undefined) assert.ok(events.length <= max, 'poll(max) respects max');
  if (w.stopped) {
    assert.deepEqual(events, [], 'a stopped watcher delivers nothing');
    return;
  }
  if (w.expired) {
    if (w.expiredSeen) {
      assert.deepEqual(events, []);
    } else if (events.length > 0) {
      assert.equal(events.length, 1);
      assert.equal(render(events[0] as WatchEvent), `ERROR 410 Expired too old resource version: ${w.startRev} (${w.expiredAt})`);
      assert.equal(rw.stopped, true, 'an expired watch ends');
      w.expiredSeen = true;
    }
    return;
  }
  let last = before;
  const initialLeft = w.initial.length - Math.min(w.delivered.length, w.initial.length);
  let i = 0;
  for (const e of events) {
    assert.notEqual(e.type, 'ERROR', 'no error on a live watch');
    if (e.type === 'BOOKMARK') {
      assert.ok(w.allowBookmarks, 'bookmarks only when allowed');
      assert.ok(e.revision > last, `bookmark ${e.revision} after ${last}`);
      assert.ok(e.revision <= model.rev, 'bookmark not from the future');
      last = e.revision;
    } else {
      const rendered = render(e);
      w.delivered.push(rendered);
      if (i >= initialLeft) {
        assert.ok(e.type !== 'ERROR' && e.revision > last, `revision ${rendered} after ${last}`);
        last = (e as { revision: number }).revision;
      }
      i++;
    }
  }
  const expected = expectedStream(model, w);
  assert.deepEqual(w.delivered, expected.slice(0, w.delivered.length), 'delivered is a prefix of the expected stream (no duplicate, no reorder)');
  if (max === undefined) {
    assert.deepEqual(w.delivered, expected, 'a full poll delivers everything (nothing lost)');
    assert.equal(rw.hasPending(), false);
    assert.ok(Number(rw.resourceVersion) >= w.pendingBookmark, `caught up to the notified revision ${w.pendingBookmark}`);
    w.pendingBookmark = 0;
  }
}

// ------------------------------------------------------------------------------------------------
// Commands

class CreateCommand implements fc.Command<Model, Real> {
  constructor(
    readonly kind: KindName,
    readonly ns: string,
    readonly name: string,
    readonly app: App,
    readonly finalizers: readonly string[],
    readonly node: NodeName,
  ) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const key = Model.key(this.kind, this.ns, this.name);
    const res = real.store.create(manifest(this.kind, this.ns, this.name, this.app, this.finalizers, 0, this.node));
    if (model.objects.has(key)) {
      expectError(res, 409, 'create of an existing name');
      return;
    }
    assert.ok(res.ok, 'create');
    model.rev++;
    const m: ModelObject = {
      kind: this.kind,
      ns: this.ns,
      name: this.name,
      rev: model.rev,
      generation: 1,
      app: this.app,
      spec: 0,
      node: this.node,
      finalizers: [...this.finalizers],
      deleting: false,
    };
    model.objects.set(key, m);
    model.record(m, 'ADDED', undefined);
    checkObject(res.value, m);
  }
  toString(): string {
    return `create(${this.kind} ${this.ns}/${this.name} app=${this.app} node=${String(this.node)} fin=[${this.finalizers.join(',')}])`;
  }
}

class UpdateCommand implements fc.Command<Model, Real> {
  constructor(
    readonly kind: KindName,
    readonly ns: string,
    readonly name: string,
    readonly rvMode: RvMode,
    readonly change: Change,
  ) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const key = Model.key(this.kind, this.ns, this.name);
    const m = model.objects.get(key);
    const ref = { apiVersion: KINDS[this.kind].apiVersion, kind: this.kind, namespace: this.ns, name: this.name };
    const got = real.store.get(ref);
    if (m === undefined) {
      assert.ok(!got.ok);
      expectError(real.store.update(manifest(this.kind, this.ns, this.name, 'web', [], 0, '')), 404, 'update of a missing object');
      return;
    }
    assert.ok(got.ok);
    const current = got.value;
    const md: Record<string, unknown> = { ...current.metadata };
    if (this.rvMode === 'none') delete md.resourceVersion;
    if (this.rvMode === 'stale') md.resourceVersion = String(m.rev - 1);
    let app = m.app;
    let spec = m.spec;
    let node = m.node;
    let finalizers = m.finalizers;
    switch (this.change) {
      case 'spec':
        spec = m.spec + 1;
        break;
      case 'label':
        app = m.app === 'web' ? 'db' : 'web';
        break;
      case 'node':
        node = NEXT_NODE[String(m.node)] as NodeName;
        break;
      case 'same':
        break;
      case 'addFinalizer':
        finalizers = [...m.finalizers, 'x.io/late'];
        break;
      case 'removeFinalizers':
        finalizers = [];
        break;
      case 'removeOneFinalizer':
        finalizers = m.finalizers.slice(1);
        break;
    }
    md.labels = { app };
    if (finalizers.length > 0) md.finalizers = finalizers;
    else delete md.finalizers;
    const res = real.store.update({ ...current, metadata: md, spec: specOf(spec, node) } as KubeObject);

    // The model, in the store's order of checks.
    if (this.rvMode === 'none' && !KINDS[this.kind].unconditional) return expectError(res, 422, 'custom resource update without resourceVersion');
    if (this.rvMode === 'stale') return expectError(res, 409, 'stale update');
    // Upstream compares finalizer sets: repeating a finalizer already present is not "new".
    if (m.deleting && this.change === 'addFinalizer' && !m.finalizers.includes('x.io/late')) return expectError(res, 422, 'new finalizer while deleting');
    assert.ok(res.ok, `update: ${res.ok ? '' : res.error.message}`);
    const noop = spec === m.spec && node === m.node && app === m.app && finalizers.length === m.finalizers.length;
    if (noop) {
      assert.equal(res.value, current, 'a no-op update returns the stored object');
      return;
    }
    const before: Snapshot = { ns: m.ns, app: m.app, node: m.node };
    model.rev++;
    if (m.deleting && finalizers.length === 0) {
      model.objects.delete(key);
      model.record(m, 'DELETED', before);
      assert.ok(!real.store.get(ref).ok, 'removing the last finalizer deletes');
      return;
    }
    if (spec !== m.spec || node !== m.node) m.generation++;
    m.spec = spec;
    m.node = node;
    m.app = app;
    m.finalizers = finalizers;
    m.rev = model.rev;
    model.record(m, 'MODIFIED', before);
    checkObject(res.value, m);
  }
  toString(): string {
    return `update(${this.kind} ${this.ns}/${this.name} rv=${this.rvMode} ${this.change})`;
  }
}

class DeleteCommand implements fc.Command<Model, Real> {
  constructor(
    readonly kind: KindName,
    readonly ns: string,
    readonly name: string,
    readonly policy: Policy,
  ) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const key = Model.key(this.kind, this.ns, this.name);
    const m = model.objects.get(key);
    const ref = { apiVersion: KINDS[this.kind].apiVersion, kind: this.kind, namespace: this.ns, name: this.name };
    const res = real.store.delete(ref, this.policy === 'none' ? {} : { propagationPolicy: this.policy });
    if (m === undefined) return expectError(res, 404, 'delete of a missing object');
    assert.ok(res.ok, 'delete');
    let finalizers = m.finalizers;
    if (this.policy !== 'none') {
      const next = m.finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
      if (this.policy === 'Orphan') next.push('orphan');
      const same = new Set(next).size === new Set(m.finalizers).size && next.every((f) => m.finalizers.includes(f));
      if (!same) finalizers = next;
    }
    const before: Snapshot = { ns: m.ns, app: m.app, node: m.node };
    if (finalizers.length === 0) {
      model.rev++;
      model.objects.delete(key);
      model.record(m, 'DELETED', before);
      assert.equal(res.value.deleted, true);
      assert.equal(meta(res.value.object).resourceVersion, String(model.rev));
      return;
    }
    assert.equal(res.value.deleted, false);
    if (m.deleting && finalizers === m.finalizers) {
      checkObject(res.value.object, m);
      return;
    }
    model.rev++;
    if (!m.deleting) m.generation++;
    m.deleting = true;
    m.finalizers = finalizers;
    m.rev = model.rev;
    model.record(m, 'MODIFIED', before);
    checkObject(res.value.object, m);
  }
  toString(): string {
    return `delete(${this.kind} ${this.ns}/${this.name} policy=${this.policy})`;
  }
}

class WatchCommand implements fc.Command<Model, Real> {
  constructor(
    readonly kind: KindName,
    readonly selection: Selection,
    /** 0: from now; otherwise go back this many revisions (at least to 1). */
    readonly back: number,
    readonly allowBookmarks: boolean,
  ) {}
  check(model: Model): boolean {
    return model.watchers.length < 8;
  }
  run(model: Model, real: Real): void {
    const fromNow = this.back === 0;
    const startRev = fromNow ? model.rev : Math.max(1, model.rev - this.back);
    const req = {
      ...KINDS[this.kind],
      resourceVersion: fromNow ? '0' : String(startRev),
      allowBookmarks: this.allowBookmarks,
      ...selectionOptions(this.selection),
    };
    const res = real.store.watch(req);
    assert.ok(res.ok);
    const expired = !fromNow && startRev < model.compacted - 1;
    const initial: string[] = [];
    if (fromNow) {
      const keys = [...model.objects.values()]
        .filter((o) => o.kind === this.kind && selects(this.selection, o))
        .map((o) => ({ key: `${o.ns}/${o.name}`, rev: o.rev }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      for (const k of keys) initial.push(`ADDED ${k.key}@${k.rev}`);
    }
    model.watchers.push({
      kind: this.kind,
      selection: this.selection,
      startRev,
      expired,
      allowBookmarks: this.allowBookmarks,
      initial,
      stopped: false,
      delivered: [],
      pendingBookmark: 0,
      expiredSeen: false,
      expiredAt: model.compacted - 1,
    });
    real.watchers.push(res.value);
    assert.equal(real.store.stats().watchers, model.liveWatchers(), 'registered watchers');
  }
  toString(): string {
    return `watch(${this.kind} ${this.selection} ${this.back === 0 ? 'now' : `back=${this.back}`}${this.allowBookmarks ? ' bookmarks' : ''})`;
  }
}

class PollCommand implements fc.Command<Model, Real> {
  constructor(
    readonly index: number,
    readonly max: number | undefined,
  ) {}
  check(model: Model): boolean {
    return model.watchers.length > 0;
  }
  run(model: Model, real: Real): void {
    pollAndCheck(model, real, this.index % model.watchers.length, this.max);
  }
  toString(): string {
    return `poll(#${this.index}${this.max === undefined ? '' : ` max=${this.max}`})`;
  }
}

class StopCommand implements fc.Command<Model, Real> {
  constructor(readonly index: number) {}
  check(model: Model): boolean {
    return model.watchers.length > 0;
  }
  run(model: Model, real: Real): void {
    const i = this.index % model.watchers.length;
    (real.watchers[i] as Watcher).stop();
    (model.watchers[i] as ModelWatcher).stopped = true;
    assert.equal((real.watchers[i] as Watcher).stopped, true);
    assert.equal(real.store.stats().watchers, model.liveWatchers(), 'a stopped watcher is released');
  }
  toString(): string {
    return `stop(#${this.index})`;
  }
}

class CompactCommand implements fc.Command<Model, Real> {
  constructor(readonly back: number) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const target = Math.max(0, model.rev - this.back);
    real.store.compact(target);
    model.compacted = Math.max(model.compacted, target);
    assert.equal(real.store.compactedRevision, model.compacted);
  }
  toString(): string {
    return `compact(rev-${this.back})`;
  }
}

class BookmarkCommand implements fc.Command<Model, Real> {
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    real.store.bookmark();
    for (const w of model.watchers) if (!w.stopped && !w.expired && w.allowBookmarks) w.pendingBookmark = model.rev;
  }
  toString(): string {
    return 'bookmark()';
  }
}

class TickCommand implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  run(_model: Model, real: Real): void {
    real.clock.ms += this.ms;
  }
  toString(): string {
    return `tick(${this.ms}ms)`;
  }
}

const kindArb = fc.constantFrom<KindName>('Pod', 'Widget');
const nsArb = fc.constantFrom('ns1', 'ns2');
const nameArb = fc.constantFrom('a', 'b', 'c');

const commandArbs = [
  fc
    .tuple(
      kindArb,
      nsArb,
      nameArb,
      fc.constantFrom<App>('web', 'db'),
      fc.constantFrom<readonly string[]>([], ['x.io/a'], ['x.io/a', 'x.io/b']),
      fc.constantFrom<NodeName>('', 'n1', 'n2', 7),
    )
    .map(([k, ns, n, app, fin, node]) => new CreateCommand(k, ns, n, app, fin, node)),
  fc
    .tuple(
      kindArb,
      nsArb,
      nameArb,
      fc.constantFrom<RvMode>('current', 'current', 'stale', 'none'),
      fc.constantFrom<Change>('spec', 'label', 'node', 'node', 'same', 'addFinalizer', 'removeFinalizers', 'removeOneFinalizer'),
    )
    .map(([k, ns, n, rv, ch]) => new UpdateCommand(k, ns, n, rv, ch)),
  fc.tuple(kindArb, nsArb, nameArb, fc.constantFrom<Policy>('none', 'none', 'Orphan', 'Background')).map(([k, ns, n, p]) => new DeleteCommand(k, ns, n, p)),
  fc
    .tuple(kindArb, fc.constantFrom<Selection>(...SELECTIONS), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 })), fc.boolean())
    .map(([k, s, back, bm]) => new WatchCommand(k, s, back, bm)),
  fc.tuple(fc.nat(7), fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined })).map(([i, max]) => new PollCommand(i, max)),
  fc.nat(7).map((i) => new StopCommand(i)),
  fc.integer({ min: 0, max: 8 }).map((back) => new CompactCommand(back)),
  fc.constant(new BookmarkCommand()),
  fc.integer({ min: 1, max: 5000 }).map((ms) => new TickCommand(ms)),
];

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${raw}`);
  return n;
}

describe('Store (model-based)', function () {
  this.timeout(120_000);

  it('matches the reference model: watch streams, revisions, conflicts, generation, finalizers, compaction', () => {
    const numRuns = envInt('FC_NUM_RUNS', 1000);
    const seed = envInt('FC_SEED', 20_260_101);
    const path = process.env.FC_PATH;
    const replayPath = process.env.FC_REPLAY_PATH;
    const commandsArb = fc.commands(commandArbs, replayPath === undefined ? { maxCommands: 100, size: 'large' } : { maxCommands: 100, size: 'large', replayPath });

    const property = fc.property(commandsArb, (cmds) => {
      let env: { model: Model; real: Real } | undefined;
      fc.modelRun(() => {
        const { store, clock } = newStore();
        env = { model: new Model(), real: { store, clock, watchers: [] } };
        return env;
      }, cmds);
      const { model, real } = env as { model: Model; real: Real };
      // Drain every watcher: nothing may be missing at the end.
      for (let i = 0; i < model.watchers.length; i++) pollAndCheck(model, real, i, undefined);
      // The stored state is the model's.
      for (const kind of ['Pod', 'Widget'] as const) {
        const list = real.store.list(KINDS[kind]);
        assert.ok(list.ok);
        assert.equal(list.value.resourceVersion, String(model.rev));
        const want = [...model.objects.values()].filter((o) => o.kind === kind);
        assert.equal(list.value.items.length, want.length);
        for (const item of list.value.items) {
          const m = model.objects.get(Model.key(kind, item.metadata.namespace ?? '', item.metadata.name ?? ''));
          assert.ok(m !== undefined);
          checkObject(item, m);
        }
        // Selected lists (served from the trigger index for pods pinned to a node): the model's
        // objects, in key order.
        for (const sel of SELECTIONS) {
          const selected = real.store.list({ ...KINDS[kind], ...selectionOptions(sel) });
          assert.ok(selected.ok);
          const got = selected.value.items.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`);
          const wantKeys = want
            .filter((o) => selects(sel, o))
            .map((o) => `${o.ns}/${o.name}`)
            .sort();
          assert.deepEqual(got, wantKeys, `list ${kind} ${sel}`);
        }
      }
      assert.equal(real.store.revision, model.rev);
      for (const w of real.watchers) w.stop();
      assert.equal(real.store.stats().watchers, 0);
    });

    const params: fc.Parameters<[Iterable<fc.Command<Model, Real>>]> = { numRuns, seed, ...(path === undefined ? {} : { path, endOnFailure: true }) };
    const result = fc.check(property, params);
    if (result.failed) {
      const shown = String(result.counterexample?.[0] ?? '');
      const replay = /replayPath="([^"]*)"/.exec(shown)?.[1];
      const line = `FC_SEED=${result.seed} FC_PATH=${result.counterexamplePath ?? ''}${replay ? ` FC_REPLAY_PATH=${replay}` : ''} FC_NUM_RUNS=1 npx mocha core/store/store.property.ts`;
      throw new Error(`store model test failed; replay with:\n  ${line}\n\n${fc.defaultReportMessage(result)}`);
    }
  });
});
