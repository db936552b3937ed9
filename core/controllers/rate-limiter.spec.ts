import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import {
  BucketRateLimiter,
  DEFAULT_ITEM_MAX_DELAY_MS,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
} from './rate-limiter.js';

describe('ItemExponentialFailureRateLimiter', () => {
  it('doubles from the base delay per failure and caps at the maximum (5 ms, 10 ms, 20 ms, ... 1000 s)', () => {
    const rl = new ItemExponentialFailureRateLimiter(5, DEFAULT_ITEM_MAX_DELAY_MS);
    const delays = Array.from({ length: 20 }, () => rl.when('a'));
    assert.deepEqual(delays.slice(0, 6), [5, 10, 20, 40, 80, 160]);
    // 5 ms · 2^17 = 655.36 s is the last uncapped delay; 2^18 would be 1310.72 s.
    assert.equal(delays[17], 655_360);
    assert.equal(delays[18], 1_000_000);
    assert.equal(delays[19], 1_000_000);
    assert.equal(rl.numRequeues('a'), 20);
  });

  it('tracks items separately and starts over after forget', () => {
    const rl = new ItemExponentialFailureRateLimiter(5, 1000);
    rl.when('a');
    rl.when('a');
    assert.equal(rl.when('b'), 5);
    assert.equal(rl.when('a'), 20);
    rl.forget('a');
    assert.equal(rl.numRequeues('a'), 0);
    assert.equal(rl.when('a'), 5);
  });

  it('stays at the cap for huge failure counts', () => {
    const rl = new ItemExponentialFailureRateLimiter(5, 1000);
    for (let i = 0; i < 2000; i++) rl.when('a');
    assert.equal(rl.when('a'), 1000);
  });

  it('rejects invalid delays', () => {
    assert.throws(() => new ItemExponentialFailureRateLimiter(-1, 10), ConfigError);
  });
});

describe('BucketRateLimiter', () => {
  it('lets a full burst through, then spaces tokens at 1/qps', () => {
    const rl = new BucketRateLimiter(10, 100);
    const delays = Array.from({ length: 103 }, (_, i) => rl.when(`k${i}`, 0));
    assert.ok(delays.slice(0, 100).every((d) => d === 0));
    assert.deepEqual(delays.slice(100), [100, 200, 300]);
  });

  it('refills with virtual time, up to the burst', () => {
    const rl = new BucketRateLimiter(10, 100);
    for (let i = 0; i < 100; i++) rl.when('x', 0);
    assert.equal(rl.tokensAt(0), 0);
    assert.equal(rl.tokensAt(250), 2.5);
    assert.equal(rl.when('x', 250), 0);
    assert.equal(rl.when('x', 250), 0);
    // 0.5 tokens left: the next whole token is 50 ms away.
    assert.equal(rl.when('x', 250), 50);
    assert.equal(rl.tokensAt(1_000_000), 100);
  });

  it('reserves ahead: each further request waits one more token', () => {
    const rl = new BucketRateLimiter(2, 1);
    assert.equal(rl.when('a', 1000), 0);
    assert.equal(rl.when('a', 1000), 500);
    assert.equal(rl.when('a', 1000), 1000);
    assert.equal(rl.when('a', 1500), 1000);
  });

  it('ignores time going backwards and tracks no items', () => {
    const rl = new BucketRateLimiter(10, 1);
    assert.equal(rl.when('a', 1000), 0);
    assert.equal(rl.when('a', 500), 100);
    assert.equal(rl.numRequeues('a'), 0);
  });
});

describe('defaultControllerRateLimiter', () => {
  it('is the maximum of the per-item back-off and the overall bucket', () => {
    const rl = defaultControllerRateLimiter<string>();
    // 100 distinct items at once: the bucket allows them, the per-item floor is 5 ms.
    for (let i = 0; i < 100; i++) assert.equal(rl.when(`item-${i}`, 0), 5);
    // The 101st waits for the bucket: 100 ms.
    assert.equal(rl.when('item-100', 0), 100);
    // A repeatedly failing item: the exponential term dominates once it exceeds the bucket's wait.
    const fresh = defaultControllerRateLimiter<string>();
    const seq = [0, 5, 15, 35, 75].map((t) => fresh.when('a', t));
    assert.deepEqual(seq, [5, 10, 20, 40, 80]);
    assert.equal(fresh.numRequeues('a'), 5);
    fresh.forget('a');
    assert.equal(fresh.when('a', 1000), 5);
  });

  it('MaxOf asks every limiter', () => {
    const a = new ItemExponentialFailureRateLimiter(1, 100);
    const b = new ItemExponentialFailureRateLimiter(3, 100);
    const m = new MaxOfRateLimiter(a, b);
    assert.equal(m.when('x', 0), 3);
    assert.equal(m.when('x', 0), 6);
    assert.equal(a.numRequeues('x'), 2);
    assert.equal(m.numRequeues('x'), 2);
    assert.throws(() => new MaxOfRateLimiter(), ConfigError);
  });
});
