import assert from 'node:assert/strict';
import { ConfigError, ModelBug } from '../errors.js';
import { Rng, SEED_MAX, SEED_MIN } from './rng.js';

/**
 * Pearson's chi-square statistic of observed counts against a uniform expectation. The fixed
 * seeds make every statistical test here deterministic: it either always passes or always fails,
 * and the thresholds are the 0.999 quantiles, so a correct generator is nowhere near them.
 */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
}

/** 0.999 quantiles of the chi-square distribution by degrees of freedom. */
const CHI2_999: Record<number, number> = { 1: 10.83, 2: 13.82, 3: 16.27, 5: 20.52, 6: 22.46, 9: 27.88, 15: 37.7, 99: 148.23 };

function histogram(n: number, draws: number, draw: () => number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < draws; i++) {
    const v = draw();
    counts[v] = (counts[v] ?? 0) + 1;
  }
  return counts;
}

function sequence(rng: Rng, n = 8): number[] {
  return Array.from({ length: n }, () => rng.int32());
}

describe('Rng', () => {
  describe('seeds', () => {
    it('accepts every 32-bit signed integer, negative ones included', () => {
      for (const seed of [SEED_MIN, -1, 0, 1, SEED_MAX]) assert.equal(new Rng(seed).seed, seed);
    });

    it('rejects seeds that are not 32-bit signed integers with a ConfigError', () => {
      for (const seed of [1.5, NaN, Infinity, SEED_MAX + 1, SEED_MIN - 1, 2 ** 40]) {
        assert.throws(() => new Rng(seed), ConfigError, String(seed));
      }
    });

    it('replays: the same seed gives the same sequence, another seed a different one', () => {
      assert.deepEqual(sequence(new Rng(7)), sequence(new Rng(7)));
      assert.notDeepEqual(sequence(new Rng(7)), sequence(new Rng(8)));
    });

    it('is pinned: these values change only with a deliberate change of stream derivation', () => {
      // Recorded counterexamples name a seed; if these numbers change, every recorded seed replays
      // a different run. Change them only together with STREAM_DERIVATION.
      assert.deepEqual(sequence(new Rng(42), 6), [-2125455732, -601373214, 383362616, 586539983, -1801957644, -1781108241]);
      const child = new Rng(-7).fork('scheduler-0');
      assert.deepEqual(
        Array.from({ length: 6 }, () => child.int(0, 999)),
        [325, 947, 538, 628, 462, 993],
      );
    });

    it('decorrelates adjacent seeds (the first draw of seeds 0..3999 is uniform)', () => {
      // With the engine seeded directly, the first output is ~seed, so adjacent seeds would all
      // land in the same bucket; hashing the seed into the state prevents that.
      const counts = new Array<number>(16).fill(0);
      for (let seed = 0; seed < 4000; seed++) {
        const bucket = new Rng(seed).int(0, 15);
        counts[bucket] = (counts[bucket] ?? 0) + 1;
      }
      assert.ok(chiSquare(counts) < (CHI2_999[15] as number), `chi2 = ${chiSquare(counts)}`);
    });
  });

  describe('int / below', () => {
    it('stays within bounds, inclusive at both ends, for small, negative and huge ranges', () => {
      const rng = new Rng(1);
      const ranges: [number, number][] = [
        [0, 0],
        [5, 5],
        [-3, 3],
        [-10, -7],
        [0, 1],
        [0, 2 ** 32],
        [-(2 ** 40), 2 ** 40],
        [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
      ];
      for (const [lo, hi] of ranges) {
        let sawLo = false;
        let sawHi = false;
        for (let i = 0; i < 2000; i++) {
          const v = rng.int(lo, hi);
          assert.ok(Number.isSafeInteger(v) && v >= lo && v <= hi, `${v} outside [${lo}, ${hi}]`);
          sawLo ||= v === lo;
          sawHi ||= v === hi;
        }
        if (hi - lo < 10) assert.ok(sawLo && sawHi, `[${lo}, ${hi}] never hit an end`);
      }
    });

    it('is uniform for small ranges, including non-powers of two', () => {
      const rng = new Rng(12345);
      assert.ok(chiSquare(histogram(6, 60_000, () => rng.below(6))) < (CHI2_999[5] as number));
      assert.ok(chiSquare(histogram(7, 70_000, () => rng.below(7))) < (CHI2_999[6] as number));
      assert.ok(chiSquare(histogram(10, 100_000, () => rng.below(10))) < (CHI2_999[9] as number));
      assert.ok(chiSquare(histogram(7, 70_000, () => rng.int(-3, 3) + 3)) < (CHI2_999[6] as number));
      assert.ok(chiSquare(histogram(100, 200_000, () => rng.below(100))) < (CHI2_999[99] as number));
    });

    it('is unbiased for a range that does not divide 2^32 (3 * 2^30 values)', () => {
      // Taking a 32-bit draw modulo 3 * 2^30 would make the lowest third of the range twice as
      // likely as each other third (probabilities 1/2, 1/4, 1/4). Rejection sampling keeps the
      // thirds equal. The same test applied to the modulo method shows it has the power to tell.
      const n = 3 * 2 ** 30;
      const third = 2 ** 30;
      const rng = new Rng(99);
      const fair = histogram(3, 30_000, () => Math.floor(rng.below(n) / third));
      assert.ok(chiSquare(fair) < (CHI2_999[2] as number), `chi2 = ${chiSquare(fair)} for ${fair.join(',')}`);
      const raw = new Rng(99);
      const naive = histogram(3, 30_000, () => Math.floor(((raw.int32() >>> 0) % n) / third));
      assert.ok(chiSquare(naive) > 1000, `the modulo method should be visibly biased: ${naive.join(',')}`);
    });

    it('rejects empty, reversed and non-integer ranges with a ModelBug', () => {
      const rng = new Rng(0);
      assert.throws(() => rng.int(3, 2), ModelBug);
      assert.throws(() => rng.int(0.5, 2), ModelBug);
      assert.throws(() => rng.int(0, 2 ** 53), ModelBug);
      assert.throws(() => rng.below(0), ModelBug);
      assert.throws(() => rng.below(-1), ModelBug);
      assert.throws(() => rng.below(2.5), ModelBug);
    });
  });

  describe('chance', () => {
    it('hits numerator/denominator of the time', () => {
      const rng = new Rng(5);
      let hits = 0;
      for (let i = 0; i < 40_000; i++) if (rng.chance(1, 4)) hits++;
      // Standard deviation is sqrt(40000 * 1/4 * 3/4) ≈ 87; allow five of them.
      assert.ok(Math.abs(hits - 10_000) < 435, `hits = ${hits}`);
    });

    it('is never true at 0/d, always true at d/d', () => {
      const rng = new Rng(5);
      for (let i = 0; i < 1000; i++) {
        assert.equal(rng.chance(0, 7), false);
        assert.equal(rng.chance(7, 7), true);
        assert.equal(rng.chance(1, 1), true);
      }
    });

    it('draws the same amount whatever the numerator, so tuning a probability does not shift later draws', () => {
      const a = new Rng(11);
      const b = new Rng(11);
      const c = new Rng(11);
      a.chance(0, 1000);
      b.chance(1000, 1000);
      c.chance(17, 1000);
      const next = a.int32();
      assert.equal(b.int32(), next);
      assert.equal(c.int32(), next);
    });

    it('rejects invalid ratios with a ModelBug', () => {
      const rng = new Rng(0);
      for (const [n, d] of [[1, 0], [-1, 2], [3, 2], [0.5, 2], [1, 2.5]] as const) {
        assert.throws(() => rng.chance(n, d), ModelBug, `${n}/${d}`);
      }
    });
  });

  describe('pick, shuffle, weighted', () => {
    it('pick returns every element, uniformly', () => {
      const rng = new Rng(3);
      const items = ['a', 'b', 'c', 'd', 'e', 'f'] as const;
      const counts = histogram(6, 60_000, () => items.indexOf(rng.pick(items)));
      assert.ok(chiSquare(counts) < (CHI2_999[5] as number));
      assert.throws(() => rng.pick([]), ModelBug);
    });

    it('shuffle returns a new permutation and leaves the input alone', () => {
      const rng = new Rng(4);
      const input = Object.freeze([1, 2, 3, 4, 5, 6, 7, 8]);
      const out = rng.shuffle(input);
      assert.notEqual(out, input);
      assert.deepEqual([...out].sort((x, y) => x - y), [...input]);
      assert.deepEqual(rng.shuffle([]), []);
      assert.deepEqual(rng.shuffle(['x']), ['x']);
    });

    it('shuffle makes all 6 orders of 3 elements equally likely', () => {
      const rng = new Rng(8);
      const orders = ['abc', 'acb', 'bac', 'bca', 'cab', 'cba'];
      const counts = histogram(6, 60_000, () => orders.indexOf(rng.shuffle(['a', 'b', 'c']).join('')));
      assert.ok(chiSquare(counts) < (CHI2_999[5] as number), counts.join(','));
    });

    it('weightedIndex follows the weights and never picks a zero weight', () => {
      const rng = new Rng(6);
      const counts = histogram(4, 60_000, () => rng.weightedIndex([1, 0, 2, 3]));
      assert.equal(counts[1], 0);
      // Rescale to the expected shares 1:2:3 and test those three cells for uniformity.
      assert.ok(chiSquare([counts[0] as number, (counts[2] as number) / 2, (counts[3] as number) / 3]) < (CHI2_999[2] as number));
      assert.equal(rng.weighted([{ value: 'only', weight: 5 }]), 'only');
      assert.equal(rng.weighted([{ value: 'never', weight: 0 }, { value: 'always', weight: 1 }]), 'always');
    });

    it('weightedIndex rejects negative, fractional, all-zero and empty weights', () => {
      const rng = new Rng(0);
      for (const weights of [[], [0, 0], [1, -1], [0.5], [Number.MAX_SAFE_INTEGER, 1]]) {
        assert.throws(() => rng.weightedIndex(weights), ModelBug, JSON.stringify(weights));
      }
    });
  });

  describe('fork', () => {
    it('is stable: forking the same label twice gives the same stream', () => {
      const root = new Rng(21);
      assert.deepEqual(sequence(root.fork('kubelet')), sequence(root.fork('kubelet')));
    });

    it('depends on the seed and path, not on how much the parent has drawn', () => {
      const before = new Rng(21).fork('scheduler-0');
      const parent = new Rng(21);
      sequence(parent, 1000);
      assert.deepEqual(sequence(parent.fork('scheduler-0')), sequence(before));
    });

    it('does not disturb the parent or the siblings', () => {
      const a = new Rng(30);
      const b = new Rng(30);
      b.fork('new-component');
      assert.deepEqual(sequence(a), sequence(b));
      const sibling = new Rng(30).fork('x');
      const root = new Rng(30);
      root.fork('y');
      root.fork('z');
      assert.deepEqual(sequence(root.fork('x')), sequence(sibling));
    });

    it('gives different streams to different labels, seeds and to the parent', () => {
      const root = new Rng(40);
      const streams = [sequence(new Rng(40)), sequence(root.fork('a')), sequence(root.fork('b')), sequence(new Rng(41).fork('a'))];
      for (let i = 0; i < streams.length; i++) {
        for (let j = i + 1; j < streams.length; j++) assert.notDeepEqual(streams[i], streams[j]);
      }
    });

    it('keeps sibling streams statistically independent', () => {
      // Two independent fair bits agree half of the time.
      const a = new Rng(50).fork('left');
      const b = new Rng(50).fork('right');
      let agree = 0;
      for (let i = 0; i < 40_000; i++) if (a.below(2) === b.below(2)) agree++;
      assert.ok(Math.abs(agree - 20_000) < 500, `agree = ${agree}`);
    });

    it('names paths, and new Rng(seed, path) is the same stream as the chain of forks', () => {
      const nested = new Rng(60).fork('actor').fork('kubelet/node-1');
      assert.deepEqual(nested.path, ['actor', 'kubelet/node-1']);
      assert.equal(nested.seed, 60);
      assert.deepEqual(sequence(new Rng(60, ['actor', 'kubelet/node-1'])), sequence(nested));
    });

    it('hashes labels as a list, so a label containing "/" is not a nested path', () => {
      assert.notDeepEqual(sequence(new Rng(70).fork('a/b')), sequence(new Rng(70).fork('a').fork('b')));
      assert.notDeepEqual(sequence(new Rng(70).fork('ab')), sequence(new Rng(70).fork('a').fork('b')));
    });

    it('rejects an empty label', () => {
      assert.throws(() => new Rng(0).fork(''), ModelBug);
      assert.throws(() => new Rng(0, ['ok', '']), ModelBug);
    });
  });
});
