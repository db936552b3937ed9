import assert from 'node:assert/strict';
import { CrashLoopBackOff } from './crash-loop-back-off.js';

describe('CrashLoopBackOff (upstream flowcontrol.Backoff as the kubelet uses it)', () => {
  it('is not in back-off before the first restart, then doubles from 10 s to the 300 s cap', () => {
    const b = new CrashLoopBackOff(10_000, 300_000);
    const key = 'uid/app';
    let exit = 1000;
    assert.equal(b.isInBackOffSince(key, exit, exit), false);
    b.next(key, exit, exit);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      exit += 1000;
      assert.equal(b.isInBackOffSince(key, exit, exit), true);
      const end = b.backOffEndMs(key, exit);
      assert.equal(b.isInBackOffSince(key, exit, end - 1), true);
      assert.equal(b.isInBackOffSince(key, exit, end), false);
      waits.push(end - exit);
      b.next(key, exit, end);
      exit = end;
    }
    assert.deepEqual(waits, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    assert.equal(b.get(key), 300_000);
  });

  it('starts over when the container ran for more than twice the cap since its last restart', () => {
    const b = new CrashLoopBackOff(10_000, 300_000);
    b.next('k', 0, 0);
    b.next('k', 1000, 11_000);
    assert.equal(b.get('k'), 20_000);
    // Ran 600 s exactly: not expired yet.
    assert.equal(b.isInBackOffSince('k', 611_000, 611_000), true);
    // Ran more than 600 s: no back-off, and the next one is the initial 10 s again.
    assert.equal(b.isInBackOffSince('k', 611_001, 611_001), false);
    b.next('k', 611_001, 611_001);
    assert.equal(b.get('k'), 10_000);
  });

  it('forgets keys', () => {
    const b = new CrashLoopBackOff(10_000, 300_000);
    b.next('a', 0, 0);
    b.next('b', 0, 0);
    b.delete('a');
    assert.equal(b.size, 1);
    b.clear();
    assert.equal(b.size, 0);
    assert.equal(b.get('b'), 0);
  });
});
