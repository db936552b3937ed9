/**
 * The simulation's only source of randomness: a seeded generator behind an integer-only interface.
 *
 * Every random choice a simulation makes (latencies, interleavings, faults, tie-breaks) is drawn
 * from an `Rng`, so one 32-bit seed replays a whole run. The interface has no floating point on
 * purpose: probabilities are ratios of integers (`chance(1, 100)`), which keeps every decision exact
 * and portable, and makes "what is the probability of X" readable in code review.
 *
 * The engine is pure-rand's xoroshiro128+ (the generator fast-check itself uses), with the uniform
 * integer distribution from the same package, which rejects out-of-range draws instead of taking a
 * modulo, so ranges that are not a power of two are not biased.
 */
import { createHash } from 'node:crypto';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { ConfigError, ModelBug } from '../errors.js';

/** Smallest accepted seed: seeds are 32-bit signed integers, as fast-check prints them. */
export const SEED_MIN = -0x8000_0000;
/** Largest accepted seed. */
export const SEED_MAX = 0x7fff_ffff;

/** One alternative of `Rng.weighted`: a value and its integer weight. */
export interface WeightedChoice<T> {
  readonly value: T;
  /** A non-negative safe integer; the value is chosen with probability `weight / sum of weights`. */
  readonly weight: number;
}

/**
 * Version tag mixed into every stream derivation. Changing how streams are derived changes every
 * recorded seed's meaning, so the tag makes such a change explicit (bump it, and say so in the
 * release notes, because old counterexample replay lines stop reproducing).
 */
const STREAM_DERIVATION = 'kubeprop/rng/v1';

/**
 * A seeded, deterministic random stream with an integer-only API.
 *
 * Streams form a tree: `new Rng(seed)` is the root and `fork(label)` names a child. The engine
 * state of every stream is a hash of `(seed, path)` alone, never of a parent's current state. This
 * is the property FoundationDB's and TigerBeetle's simulators rely on to keep a seed meaningful as
 * the code evolves: adding a component, or making one component draw more numbers, does not shift
 * the numbers any other component sees, so a counterexample keeps reproducing after unrelated
 * changes, and shrinking one part of a scenario does not reshuffle the rest.
 *
 * Consequences of that design, part of the contract:
 * - `rng.fork('a')` called twice returns two independent objects that produce the same sequence.
 *   Components must therefore use distinct labels (the natural choice is their own name, such as
 *   `scheduler-0` or `kubelet/node-1`); two components sharing a label draw identical numbers.
 * - `new Rng(seed, ['a', 'b'])` is the same stream as `new Rng(seed).fork('a').fork('b')`, which
 *   lets a tool replay one component's stream in isolation.
 * - Labels are hashed as a list, so `fork('a/b')` and `fork('a').fork('b')` are different streams
 *   even though `path` prints the same way.
 *
 * Methods that receive arguments outside their contract (an empty range, a non-integer bound)
 * throw `ModelBug`, because a simulation asking for one is itself defective.
 */
export class Rng {
  /** The root seed this stream descends from (a 32-bit signed integer). */
  readonly seed: number;
  /** The labels from the root to this stream; empty for the root. */
  readonly path: readonly string[];
  readonly #engine: RandomGenerator;

  /**
   * Creates the stream for `seed` and `path`.
   *
   * @param seed - a 32-bit signed integer; anything else is a `ConfigError`, because seeds come
   *   from users (`--seed`) and silently truncating one would replay a different run.
   * @param path - labels of the forks leading to this stream; empty (the default) for the root.
   */
  constructor(seed: number, path: readonly string[] = []) {
    if (!Number.isInteger(seed) || seed < SEED_MIN || seed > SEED_MAX) {
      throw new ConfigError(`seed must be a 32-bit signed integer (${SEED_MIN}..${SEED_MAX}), got ${String(seed)}`);
    }
    for (const label of path) checkLabel(label);
    this.seed = seed;
    this.path = Object.freeze([...path]);
    this.#engine = xoroshiro128plusFromState(deriveState(seed, this.path));
  }

  /**
   * The child stream named `label`: a function of this stream's seed and path plus `label`, and
   * not of how many numbers this stream has drawn. Forking is cheap (one SHA-256) but not free:
   * fork once per component and keep the result, not once per event.
   */
  fork(label: string): Rng {
    checkLabel(label);
    return new Rng(this.seed, [...this.path, label]);
  }

  /** A uniformly distributed integer in `[minIncl, maxIncl]`; both bounds are safe integers. */
  int(minIncl: number, maxIncl: number): number {
    if (!Number.isSafeInteger(minIncl) || !Number.isSafeInteger(maxIncl) || minIncl > maxIncl) {
      throw new ModelBug(`Rng.int: invalid range [${String(minIncl)}, ${String(maxIncl)}]`);
    }
    return uniformInt(this.#engine, minIncl, maxIncl);
  }

  /** A uniformly distributed integer in `[0, n)`; `n` is a positive safe integer. */
  below(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) throw new ModelBug(`Rng.below: n must be a positive safe integer, got ${String(n)}`);
    return uniformInt(this.#engine, 0, n - 1);
  }

  /**
   * `true` with probability `numerator / denominator` (for example `chance(1, 100)` for 1%).
   *
   * It draws one number even when the answer is certain (`chance(0, d)` or `chance(d, d)`), so
   * that tuning a probability to or from an extreme does not shift every later draw of the stream.
   */
  chance(numerator: number, denominator: number): boolean {
    if (
      !Number.isSafeInteger(numerator) ||
      !Number.isSafeInteger(denominator) ||
      denominator < 1 ||
      numerator < 0 ||
      numerator > denominator
    ) {
      throw new ModelBug(`Rng.chance: invalid probability ${String(numerator)}/${String(denominator)}`);
    }
    return uniformInt(this.#engine, 0, denominator - 1) < numerator;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new ModelBug('Rng.pick: empty array');
    return items[uniformInt(this.#engine, 0, items.length - 1)] as T;
  }

  /** A uniformly random permutation of `items`, as a new array (Fisher–Yates); the input is untouched. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = uniformInt(this.#engine, 0, i);
      const tmp = out[i] as T;
      out[i] = out[j] as T;
      out[j] = tmp;
    }
    return out;
  }

  /**
   * An index `i` chosen with probability `weights[i] / sum(weights)`. Weights are non-negative
   * safe integers with a positive sum no larger than `Number.MAX_SAFE_INTEGER`; a zero weight is
   * never chosen.
   */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) {
      if (!Number.isSafeInteger(w) || w < 0) throw new ModelBug(`Rng.weightedIndex: invalid weight ${String(w)}`);
      total += w;
    }
    if (total < 1 || !Number.isSafeInteger(total)) {
      throw new ModelBug(`Rng.weightedIndex: the weights must have a positive safe-integer sum, got ${String(total)}`);
    }
    let r = uniformInt(this.#engine, 0, total - 1);
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    throw new ModelBug('Rng.weightedIndex: fell off the end of the weights');
  }

  /** A value chosen with probability proportional to its weight (see `weightedIndex`). */
  weighted<T>(choices: readonly WeightedChoice<T>[]): T {
    return (choices[this.weightedIndex(choices.map((c) => c.weight))] as WeightedChoice<T>).value;
  }

  /**
   * A uniformly distributed 32-bit signed integer, straight from the engine. Meant for seeding a
   * nested deterministic tool (for example a fast-check run inside a scenario) from this stream.
   */
  int32(): number {
    return this.#engine.next();
  }
}

function checkLabel(label: string): void {
  if (typeof label !== 'string' || label.length === 0) {
    throw new ModelBug(`Rng.fork: the label must be a non-empty string, got ${JSON.stringify(label)}`);
  }
}

/**
 * The 128-bit engine state of the stream `(seed, path)`: the first 16 bytes of a SHA-256 over an
 * unambiguous encoding (every label is length-prefixed).
 *
 * Hashing matters for the root stream too: pure-rand's own `xoroshiro128plus(seed)` places the
 * seed almost verbatim in the state (its first output is `~seed`), so nearby seeds, which is what
 * people type, would start out correlated.
 */
function deriveState(seed: number, path: readonly string[]): number[] {
  const hash = createHash('sha256');
  hash.update(STREAM_DERIVATION);
  hash.update(`\0${seed}\0${path.length}`);
  for (const label of path) hash.update(`\0${label.length}:${label}`);
  const bytes = hash.digest();
  const s0 = bytes.readInt32LE(0);
  const s1 = bytes.readInt32LE(4);
  const s2 = bytes.readInt32LE(8);
  const s3 = bytes.readInt32LE(12);
  // The all-zero state is xoroshiro's one fixed point (it would emit zeros forever); a hash hitting
  // it is astronomically unlikely, but the guard costs nothing.
  return (s0 | s1 | s2 | s3) === 0 ? [1, 0, 0, 0] : [s0, s1, s2, s3];
}
