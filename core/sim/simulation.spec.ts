import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { ConfigError, ModelBug } from '../errors.js';
import { formatRfc3339 } from './clock.js';
import { Rng } from './rng.js';
import { KERNEL_ACTOR, Simulation, type Actor } from './simulation.js';

type Payload =
  | { readonly kind: 'ping'; readonly n: number }
  | { readonly kind: 'pong'; readonly n: number }
  | { readonly kind: 'tick' };

/** A log of deliveries as `actor:kind@time`, for readable expectations. */
function recorder(sim: Simulation<Payload>, log: string[]) {
  return (payload: Payload, self: Actor<Payload>): void => {
    log.push(`${self.name}:${payload.kind}@${sim.nowMs}`);
  };
}

describe('Simulation', () => {
  it('rejects an invalid seed with a ConfigError', () => {
    assert.throws(() => new Simulation({ seed: 2 ** 32 }), ConfigError);
  });

  it('delivers events in time order and advances the clock to each', () => {
    const sim = new Simulation<Payload>({ seed: 1 });
    const log: string[] = [];
    sim.addActor('a', recorder(sim, log));
    sim.addActor('b', recorder(sim, log));
    sim.scheduleAt(30, 'a', { kind: 'tick' });
    sim.scheduleAt(10, 'b', { kind: 'tick' });
    sim.scheduleAfter(20, 'a', { kind: 'ping', n: 1 });
    assert.equal(sim.pending, 3);
    assert.equal(sim.step(), true);
    assert.equal(sim.nowMs, 10);
    const result = sim.runUntilQuiet({ maxMs: 1000 });
    assert.deepEqual(result, { outcome: 'quiet', nowMs: 30, steps: 2, pending: 0 });
    assert.deepEqual(log, ['b:tick@10', 'a:ping@20', 'a:tick@30']);
    assert.equal(sim.step(), false);
    assert.equal(sim.steps, 3);
  });

  it('orders events due at the same instant by scheduling order', () => {
    const sim = new Simulation<Payload>({ seed: 1 });
    const log: string[] = [];
    for (const name of ['c', 'a', 'b']) sim.addActor(name, recorder(sim, log));
    for (const name of ['b', 'c', 'a', 'b']) sim.scheduleAt(5, name, { kind: 'tick' });
    sim.runUntilQuiet({ maxMs: 10 });
    assert.deepEqual(log, ['b:tick@5', 'c:tick@5', 'a:tick@5', 'b:tick@5']);
  });

  it('records every delivered event in the trace with its seq', () => {
    const sim = new Simulation<Payload>({ seed: 1, traceLimit: Infinity, describe: (p) => ('n' in p ? { n: p.n } : undefined) });
    sim.addActor('server', (p, self) => {
      if (p.kind === 'ping') self.send('client', { kind: 'pong', n: p.n }, 3);
    });
    sim.addActor('client', (p, self) => self.trace('got', { n: 'n' in p ? p.n : null }));
    const h = sim.scheduleAt(2, 'server', { kind: 'ping', n: 9 });
    sim.runUntilQuiet({ maxMs: 100 });
    assert.deepEqual(sim.trace.entries(), [
      { atMs: 2, seq: h.seq, actor: 'server', kind: 'ping', n: 9 },
      { atMs: 5, seq: h.seq + 1, actor: 'client', kind: 'pong', n: 9 },
      { atMs: 5, seq: h.seq + 1, actor: 'client', kind: 'got', n: 9 },
    ]);
    sim.record('runner', 'checked', { ok: true });
    assert.deepEqual(sim.trace.entries().at(-1), { atMs: 5, seq: 0, actor: 'runner', kind: 'checked', ok: true });
    assert.equal(sim.currentSeq, 0);
  });

  it('can leave deliveries out of the trace', () => {
    const sim = new Simulation<Payload>({ seed: 1, traceDeliveries: false, traceExcludeKinds: ['noise'] });
    sim.addActor('a', (_p, self) => {
      self.trace('noise');
      self.trace('signal');
    });
    sim.scheduleAt(1, 'a', { kind: 'tick' });
    sim.runUntilQuiet({ maxMs: 10 });
    assert.deepEqual(sim.trace.entries().map((e) => e.kind), ['signal']);
  });

  it('refuses to schedule in the past, at fractional times, with negative delays or to unknown actors', () => {
    const sim = new Simulation<Payload>({ seed: 1 });
    sim.addActor('a', () => {});
    sim.scheduleAt(100, 'a', { kind: 'tick' });
    sim.runUntilQuiet({ maxMs: 1000 });
    assert.throws(() => sim.scheduleAt(99, 'a', { kind: 'tick' }), ModelBug);
    assert.throws(() => sim.scheduleAt(100.5, 'a', { kind: 'tick' }), ModelBug);
    assert.throws(() => sim.scheduleAfter(-1, 'a', { kind: 'tick' }), ModelBug);
    assert.throws(() => sim.scheduleAfter(0, 'nobody', { kind: 'tick' }), ModelBug);
    sim.scheduleAt(100, 'a', { kind: 'tick' });
    assert.equal(sim.pending, 1, 'scheduling at the current instant is allowed');
  });

  it('validates actor names', () => {
    const sim = new Simulation<Payload>({ seed: 1 });
    sim.addActor('a', () => {});
    assert.throws(() => sim.addActor('a', () => {}), ModelBug);
    assert.throws(() => sim.addActor('', () => {}), ModelBug);
    assert.throws(() => sim.addActor(KERNEL_ACTOR, () => {}), ModelBug);
    assert.equal(sim.hasActor('a'), true);
    assert.throws(() => sim.actor('b'), ModelBug);
  });

  describe('timers', () => {
    it('fire after their delay and can be cancelled, with a late cancel reported as false', () => {
      const sim = new Simulation<Payload>({ seed: 1 });
      const log: string[] = [];
      const a = sim.addActor('a', recorder(sim, log));
      const first = a.setTimer(10, { kind: 'ping', n: 1 });
      const second = a.setTimer(20, { kind: 'ping', n: 2 });
      assert.equal(a.cancelTimer(second), true);
      assert.equal(sim.isPending(second), false);
      sim.runUntilQuiet({ maxMs: 100 });
      assert.deepEqual(log, ['a:ping@10']);
      assert.equal(a.cancelTimer(first), false);
      assert.equal(sim.cancel(second), false);
    });

    it('cancelAllTimers cancels the actor own timers but not its messages to others', () => {
      const sim = new Simulation<Payload>({ seed: 1 });
      const log: string[] = [];
      const a = sim.addActor('a', recorder(sim, log));
      sim.addActor('b', recorder(sim, log));
      a.setTimer(5, { kind: 'tick' });
      a.setTimer(6, { kind: 'tick' });
      a.send('b', { kind: 'ping', n: 1 }, 7);
      sim.scheduleAt(8, 'a', { kind: 'pong', n: 0 });
      assert.equal(a.cancelAllTimers(), 2);
      sim.runUntilQuiet({ maxMs: 100 });
      assert.deepEqual(log, ['b:ping@7', 'a:pong@8']);
    });

    it('lets handlers re-arm timers from inside a delivery', () => {
      const sim = new Simulation<Payload>({ seed: 1 });
      let fired = 0;
      const a = sim.addActor('a', (_p, self) => {
        fired++;
        self.setTimer(1000, { kind: 'tick' });
      });
      a.setTimer(0, { kind: 'tick' });
      const result = sim.runFor(10_000);
      assert.deepEqual(result, { outcome: 'time-limit', nowMs: 10_000, steps: 11, pending: 1 });
      assert.equal(fired, 11);
    });
  });

  describe('actors', () => {
    it('give each actor an RNG stream that depends only on the seed and its name', () => {
      const draws = (order: readonly string[]): Record<string, number[]> => {
        const sim = new Simulation<Payload>({ seed: 77 });
        const out: Record<string, number[]> = {};
        for (const name of order) {
          const actor = sim.addActor(name, () => {});
          out[name] = [actor.rng.int32(), actor.rng.int32()];
        }
        return out;
      };
      const ab = draws(['a', 'b']);
      const ba = draws(['b', 'a', 'extra']);
      assert.deepEqual(ab.a, ba.a);
      assert.deepEqual(ab.b, ba.b);
      assert.notDeepEqual(ab.a, ab.b);
      const expected = new Rng(77, ['actor', 'a']);
      assert.deepEqual(ab.a, [expected.int32(), expected.int32()]);
    });

    it('drop messages in flight to a removed actor, and do not hand them to a new one with the same name', () => {
      const sim = new Simulation<Payload>({ seed: 1, traceLimit: Infinity });
      const log: string[] = [];
      const a = sim.addActor('a', recorder(sim, log));
      sim.addActor('b', recorder(sim, log));
      sim.scheduleAt(10, 'b', { kind: 'ping', n: 1 });
      a.setTimer(5, { kind: 'tick' });
      a.send('b', { kind: 'ping', n: 2 }, 1);
      sim.removeActor('b');
      assert.equal(sim.hasActor('b'), false);
      assert.throws(() => a.send('b', { kind: 'ping', n: 3 }), ModelBug);
      sim.addActor('b', recorder(sim, log));
      sim.scheduleAt(20, 'b', { kind: 'ping', n: 4 });
      sim.removeActor('a');
      const result = sim.runUntilQuiet({ maxMs: 100 });
      assert.equal(result.outcome, 'quiet');
      assert.deepEqual(log, ['b:ping@20']);
      const drops = sim.trace.entries().filter((e) => e.actor === KERNEL_ACTOR);
      assert.deepEqual(drops.map((e) => [e.atMs, e.kind, e.target, e.event]), [
        [1, 'drop', 'b', 'ping'],
        [10, 'drop', 'b', 'ping'],
      ]);
    });

    it('expose the current time to handlers', () => {
      const sim = new Simulation<Payload>({ seed: 1 });
      const seen: number[] = [];
      sim.addActor('a', (_p, self) => seen.push(self.nowMs()));
      sim.scheduleAt(42, 'a', { kind: 'tick' });
      sim.runUntilQuiet({ maxMs: 100 });
      assert.deepEqual(seen, [42]);
    });
  });

  describe('run bounds and outcomes', () => {
    function ticking(options: { stepsMax?: number } = {}): Simulation<Payload> {
      const sim = new Simulation<Payload>({ seed: 1, ...options });
      sim.addActor('clock', (_p, self) => {
        self.setTimer(100, { kind: 'tick' });
      });
      sim.scheduleAt(0, 'clock', { kind: 'tick' });
      return sim;
    }

    it('runFor delivers events up to and including the deadline, then sits at the deadline', () => {
      const sim = ticking();
      assert.deepEqual(sim.runFor(250), { outcome: 'time-limit', nowMs: 250, steps: 3, pending: 1 });
      assert.deepEqual(sim.runFor(50), { outcome: 'time-limit', nowMs: 300, steps: 1, pending: 1 });
      const quiet = new Simulation<Payload>({ seed: 1 });
      quiet.addActor('a', () => {});
      quiet.scheduleAt(10, 'a', { kind: 'tick' });
      assert.deepEqual(quiet.runFor(1000), { outcome: 'quiet', nowMs: 1000, steps: 1, pending: 0 });
    });

    it('runUntilQuiet reports a time limit for a system that never quiets down', () => {
      assert.deepEqual(ticking().runUntilQuiet({ maxMs: 1000 }), { outcome: 'time-limit', nowMs: 1000, steps: 11, pending: 1 });
    });

    it('runUntil stops when the predicate holds, checking it before the first step', () => {
      const sim = ticking();
      assert.deepEqual(sim.runUntil(() => true, { maxMs: 1000 }), { outcome: 'predicate', nowMs: 0, steps: 0, pending: 1 });
      const result = sim.runUntil(() => sim.nowMs >= 500, { maxMs: 10_000 });
      assert.deepEqual(result, { outcome: 'predicate', nowMs: 500, steps: 6, pending: 1 });
      assert.equal(sim.runUntil(() => false, { maxMs: 1000 }).outcome, 'time-limit');
      const empty = new Simulation<Payload>({ seed: 1 });
      assert.equal(empty.runUntil(() => false, { maxMs: 1000 }).outcome, 'quiet');
    });

    it('reports the simulation-wide step bound as an outcome, not an exception', () => {
      const sim = ticking({ stepsMax: 5 });
      assert.deepEqual(sim.runFor(10_000), { outcome: 'steps-limit', nowMs: 400, steps: 5, pending: 1 });
      assert.equal(sim.runUntilQuiet({ maxMs: 10_000 }).outcome, 'steps-limit');
      assert.equal(sim.step(), false);
      assert.equal(sim.steps, 5);
    });

    it('honours a per-call step bound', () => {
      const sim = ticking();
      assert.deepEqual(sim.runUntilQuiet({ maxMs: 1_000_000, stepsMax: 3 }), { outcome: 'steps-limit', nowMs: 200, steps: 3, pending: 1 });
      assert.equal(sim.runUntilQuiet({ maxMs: 1_000_000, stepsMax: 3 }).steps, 3);
      assert.throws(() => sim.runFor(10, { stepsMax: -1 }), ModelBug);
      assert.throws(() => new Simulation({ seed: 1, stepsMax: 1.5 }), ModelBug);
    });

    it('does not let a handler re-enter the loop', () => {
      const sim = new Simulation<Payload>({ seed: 1 });
      sim.addActor('step', () => sim.step());
      sim.addActor('run', () => sim.runFor(10));
      sim.scheduleAt(1, 'step', { kind: 'tick' });
      assert.throws(() => sim.runUntilQuiet({ maxMs: 10 }), ModelBug);
      sim.scheduleAt(2, 'run', { kind: 'tick' });
      assert.throws(() => sim.step(), ModelBug);
    });

    it('propagates a handler exception and stays usable afterwards', () => {
      const sim = new Simulation<Payload>({ seed: 1 });
      const log: string[] = [];
      sim.addActor('bad', () => {
        throw new Error('boom');
      });
      sim.addActor('good', recorder(sim, log));
      sim.scheduleAt(1, 'bad', { kind: 'tick' });
      sim.scheduleAt(2, 'good', { kind: 'tick' });
      assert.throws(() => sim.runUntilQuiet({ maxMs: 10 }), /boom/);
      assert.equal(sim.currentSeq, 0);
      assert.equal(sim.runUntilQuiet({ maxMs: 10 }).outcome, 'quiet');
      assert.deepEqual(log, ['good:tick@2']);
    });

    it('rejects negative or fractional durations', () => {
      const sim = ticking();
      assert.throws(() => sim.runFor(-1), ModelBug);
      assert.throws(() => sim.runUntilQuiet({ maxMs: 0.5 }), ModelBug);
    });
  });

  it('owns a store that stamps objects with virtual time', () => {
    const sim = new Simulation<Payload>({ seed: 1 });
    const created: string[] = [];
    sim.addActor('creator', () => {
      const result = sim.store.create<KubeObject>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${created.length}` } });
      assert.ok(result.ok);
      created.push(String(result.value.metadata?.creationTimestamp));
    });
    sim.scheduleAt(0, 'creator', { kind: 'tick' });
    sim.scheduleAt(90_000, 'creator', { kind: 'tick' });
    sim.runUntilQuiet({ maxMs: 100_000 });
    assert.deepEqual(created, [formatRfc3339(0), formatRfc3339(90_000)]);
    assert.equal(created[1], '2026-01-01T00:01:30Z');
  });

  it('gives identical traces for identical runs', () => {
    const run = (seed: number): string => {
      const sim = new Simulation<Payload>({ seed });
      for (const name of ['x', 'y', 'z']) {
        sim.addActor(name, (p, self) => {
          if (p.kind === 'ping' && p.n < 50) {
            self.send(self.rng.pick(['x', 'y', 'z']), { kind: 'ping', n: p.n + 1 }, self.rng.int(0, 20));
          }
          if (self.rng.chance(1, 3)) self.trace('coin', { n: 'n' in p ? p.n : -1 });
        });
      }
      sim.scheduleAt(0, 'x', { kind: 'ping', n: 0 });
      sim.runUntilQuiet({ maxMs: 10_000 });
      return sim.trace.digest();
    };
    assert.equal(run(5), run(5));
    assert.notEqual(run(5), run(6));
  });
});
