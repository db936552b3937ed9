import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ModelBug } from '../errors.js';
import { EventQueue, type EventHandle } from './event-queue.js';

function drain<E>(queue: EventQueue<E>): E[] {
  const out: E[] = [];
  for (let e = queue.pop(); e !== undefined; e = queue.pop()) out.push(e.event);
  return out;
}

describe('EventQueue', () => {
  it('pops in time order', () => {
    const q = new EventQueue<string>();
    for (const [t, e] of [[30, 'c'], [10, 'a'], [20, 'b'], [40, 'd']] as const) q.schedule(t, e);
    assert.equal(q.size, 4);
    assert.deepEqual(drain(q), ['a', 'b', 'c', 'd']);
    assert.equal(q.size, 0);
    assert.equal(q.pop(), undefined);
    assert.equal(q.peek(), undefined);
  });

  it('breaks ties by scheduling order (seq), whatever the heap layout', () => {
    const q = new EventQueue<number>();
    for (let i = 0; i < 200; i++) q.schedule(i % 3 === 0 ? 5 : 7, i);
    const out = drain(q);
    const fives = out.slice(0, 67);
    const sevens = out.slice(67);
    assert.deepEqual(fives, [...fives].sort((a, b) => a - b));
    assert.deepEqual(sevens, [...sevens].sort((a, b) => a - b));
    assert.ok(fives.every((i) => i % 3 === 0));
  });

  it('gives every event a unique, increasing seq', () => {
    const q = new EventQueue<null>(100);
    assert.equal(q.nextSeq, 100);
    const a = q.schedule(5, null);
    const b = q.schedule(1, null);
    assert.deepEqual([a.seq, b.seq, q.nextSeq], [100, 101, 102]);
  });

  it('peeks without removing', () => {
    const q = new EventQueue<string>();
    q.schedule(2, 'late');
    q.schedule(1, 'early');
    assert.equal(q.peek()?.event, 'early');
    assert.equal(q.peek()?.event, 'early');
    assert.equal(q.size, 2);
    assert.equal(q.pop()?.event, 'early');
  });

  it('cancels pending events and reports races as false', () => {
    const q = new EventQueue<string>();
    const a = q.schedule(1, 'a');
    const b = q.schedule(2, 'b');
    const c = q.schedule(3, 'c');
    assert.equal(q.cancel(b), true);
    assert.equal(q.cancel(b), false);
    assert.equal(q.isPending(b), false);
    assert.equal(q.size, 2);
    assert.equal(q.pop()?.event, 'a');
    assert.equal(q.cancel(a), false, 'cancelling an event that already fired is a no-op');
    assert.equal(q.isPending(c), true);
    assert.deepEqual(drain(q), ['c']);
  });

  it('skips a cancelled head in peek and pop', () => {
    const q = new EventQueue<string>();
    const head = q.schedule(1, 'head');
    q.schedule(2, 'next');
    q.cancel(head);
    assert.equal(q.peek()?.event, 'next');
    assert.equal(q.size, 1);
    assert.deepEqual(drain(q), ['next']);
  });

  it('refuses handles from another queue and invalid times', () => {
    const q1 = new EventQueue<string>();
    const q2 = new EventQueue<string>();
    const h = q1.schedule(1, 'x');
    assert.throws(() => q2.cancel(h), ModelBug);
    assert.throws(() => q1.cancel({ atMs: 1, seq: 1 }), ModelBug);
    assert.throws(() => q1.schedule(1.5, 'y'), ModelBug);
    assert.throws(() => q1.schedule(NaN, 'y'), ModelBug);
  });

  it('cancels in bulk by predicate', () => {
    const q = new EventQueue<{ owner: string; n: number }>();
    for (let n = 0; n < 10; n++) q.schedule(n, { owner: n % 2 === 0 ? 'even' : 'odd', n });
    assert.equal(q.cancelWhere((e) => e.owner === 'odd'), 5);
    assert.equal(q.cancelWhere((e) => e.owner === 'odd'), 0);
    assert.equal(q.size, 5);
    assert.deepEqual(drain(q).map((e) => e.n), [0, 2, 4, 6, 8]);
  });

  it('compacts cancelled entries without losing or reordering live ones', () => {
    const q = new EventQueue<number>();
    const handles: EventHandle[] = [];
    for (let i = 0; i < 5000; i++) handles.push(q.schedule((i * 7919) % 1000, i));
    handles.forEach((h, i) => {
      if (i % 5 !== 0) q.cancel(h);
    });
    assert.equal(q.size, 1000);
    const expected = Array.from({ length: 1000 }, (_, k) => k * 5).sort(
      (x, y) => ((x * 7919) % 1000) - ((y * 7919) % 1000) || x - y,
    );
    assert.deepEqual(q.pending().map((e) => e.event), expected);
    assert.deepEqual(drain(q), expected);
  });

  it('behaves like a sorted list under any interleaving of schedule, pop and cancel', () => {
    type Op = { op: 'schedule'; atMs: number } | { op: 'pop' } | { op: 'cancel'; pick: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('schedule' as const), atMs: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ op: fc.constant('pop' as const) }),
      fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const q = new EventQueue<number>();
        // The model: a list of pending (atMs, seq) kept sorted on demand.
        let model: { atMs: number; seq: number; handle: EventHandle }[] = [];
        const handles: EventHandle[] = [];
        let id = 0;
        for (const op of ops) {
          if (op.op === 'schedule') {
            const handle = q.schedule(op.atMs, id++);
            handles.push(handle);
            model.push({ atMs: op.atMs, seq: handle.seq, handle });
          } else if (op.op === 'pop') {
            model.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
            const want = model.shift();
            const got = q.pop();
            assert.equal(got?.seq, want?.seq);
          } else if (handles.length > 0) {
            const handle = handles[op.pick % handles.length] as EventHandle;
            const wasPending = model.some((m) => m.handle === handle);
            assert.equal(q.cancel(handle), wasPending);
            model = model.filter((m) => m.handle !== handle);
          }
          assert.equal(q.size, model.length);
        }
      }),
      { seed: 20260101, numRuns: 200 },
    );
  });

  it('handles a million events quickly', function () {
    this.timeout(20_000);
    const q = new EventQueue<number>();
    let x = 12345;
    const started = performance.now();
    for (let i = 0; i < 1_000_000; i++) {
      // A cheap deterministic scramble of the times; no RNG needed for a timing check.
      x = (x * 1103515245 + 12345) % 2147483648;
      q.schedule(x % 100_000, i);
      if (i % 2 === 1) q.pop();
    }
    let last = -1;
    for (let e = q.pop(); e !== undefined; e = q.pop()) {
      assert.ok(e.atMs >= last);
      last = e.atMs;
    }
    const elapsedMs = performance.now() - started;
    assert.ok(elapsedMs < 10_000, `took ${elapsedMs.toFixed(0)} ms`);
  });
});
