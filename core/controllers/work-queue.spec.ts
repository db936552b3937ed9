import assert from 'node:assert/strict';
import { Simulation } from '../sim/simulation.js';
import { ItemExponentialFailureRateLimiter } from './rate-limiter.js';
import { RuntimeHost, type RuntimePayload } from './runtime-host.js';
import { WorkQueue } from './work-queue.js';

/** A queue hosted by a bare actor, with a log of `onReady` calls (virtual times). */
function setup(options: { rateLimiter?: ItemExponentialFailureRateLimiter } = {}) {
  const sim = new Simulation<RuntimePayload>({ seed: 7 });
  let host: RuntimeHost | undefined;
  const actor = sim.addActor('component', (p) => host?.dispatch(p));
  host = new RuntimeHost(actor);
  const ready: number[] = [];
  const queue = new WorkQueue({ host, onReady: () => ready.push(sim.nowMs), ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}) });
  return { sim, queue, ready, host };
}

/** Takes every ready key (processing them) and returns them in order. */
function drain(queue: WorkQueue): string[] {
  const out: string[] = [];
  for (let k = queue.get(); k !== undefined; k = queue.get()) out.push(k);
  return out;
}

describe('WorkQueue', () => {
  it('is FIFO and de-duplicates queued keys', () => {
    const { queue, ready } = setup();
    for (const k of ['a', 'b', 'a', 'c', 'b']) queue.add(k);
    assert.equal(queue.length, 3);
    assert.equal(ready.length, 3);
    assert.deepEqual(drain(queue), ['a', 'b', 'c']);
    assert.equal(queue.get(), undefined);
    assert.equal(queue.processingCount, 3);
  });

  it('re-queues a key added while it is processed once, after done', () => {
    const { queue } = setup();
    queue.add('a');
    assert.equal(queue.get(), 'a');
    queue.add('a');
    queue.add('a');
    assert.equal(queue.length, 0, 'not handed out twice while processing');
    assert.ok(queue.isDirty('a'));
    queue.done('a');
    assert.equal(queue.length, 1);
    assert.equal(queue.get(), 'a');
    queue.done('a');
    assert.equal(queue.length, 0);
    assert.equal(queue.processingCount, 0);
  });

  it('addAfter delivers on virtual time and keeps the earliest of two delays', () => {
    const { sim, queue, ready } = setup();
    queue.addAfter('a', 100);
    queue.addAfter('b', 50);
    queue.addAfter('a', 30);
    queue.addAfter('b', 80);
    assert.equal(queue.waitingCount, 2);
    sim.runFor(29);
    assert.equal(queue.length, 0);
    sim.runFor(1);
    assert.deepEqual(drain(queue), ['a']);
    sim.runUntilQuiet({ maxMs: 1000 });
    assert.deepEqual(drain(queue), ['b']);
    assert.deepEqual(ready, [30, 50]);
    assert.equal(queue.waitingCount, 0);
  });

  it('addAfter with a non-positive delay adds at once', () => {
    const { queue } = setup();
    queue.addAfter('a', 0);
    queue.addAfter('b', -5);
    assert.deepEqual(drain(queue), ['a', 'b']);
  });

  it('addRateLimited backs off exponentially per key until forget', () => {
    const { sim, queue } = setup({ rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000) });
    const times: number[] = [];
    queue.add('a');
    for (let i = 0; i < 6; i++) {
      sim.runUntil(() => queue.length > 0, { maxMs: 10_000 });
      assert.equal(queue.get(), 'a');
      times.push(sim.nowMs);
      queue.addRateLimited('a');
      queue.done('a');
    }
    assert.deepEqual(times, [0, 5, 15, 35, 75, 155]);
    assert.equal(queue.numRequeues('a'), 6);
    queue.forget('a');
    assert.equal(queue.numRequeues('a'), 0);
  });

  it('drops everything on shutDown and ignores later adds', () => {
    const { sim, queue } = setup();
    queue.add('a');
    queue.addAfter('b', 10);
    queue.shutDown();
    queue.add('c');
    assert.equal(queue.get(), undefined);
    assert.equal(queue.length, 0);
    assert.equal(queue.waitingCount, 0);
    assert.equal(sim.pending, 0, 'the delay timer is cancelled');
  });

  it('keeps ordering by ready time and then by insertion for many delayed keys', () => {
    const { sim, queue } = setup();
    for (let i = 0; i < 50; i++) queue.addAfter(`k${i}`, 10 + (i % 5));
    sim.runUntilQuiet({ maxMs: 100 });
    const got = drain(queue);
    const want = [...Array(50).keys()].sort((x, y) => (x % 5) - (y % 5) || x - y).map((i) => `k${i}`);
    assert.deepEqual(got, want);
  });
});
