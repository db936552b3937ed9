/**
 * `metadata.generateName` support without randomness.
 *
 * Upstream (`staging/src/k8s.io/apiserver/pkg/storage/names/generate.go`) appends five random
 * characters from the alphabet `bcdfghjklmnpqrstvwxz2456789` (no vowels, no look-alike digits) to
 * the prefix, truncated to 58 characters so the name fits in 63. kubeprop keeps the shape and the
 * alphabet but draws the suffix from a counter, scrambled by a bijection so consecutive names do not
 * look alike: the sequence is a function of the number of names generated so far, hence identical
 * in every run of the same scenario.
 */

/** Upstream `utilrand` alphabet for generated name suffixes. */
export const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** Upstream `randomLength`. */
export const NAME_SUFFIX_LENGTH = 5;
/** Upstream `MaxGeneratedNameLength`: 63 - 5. */
export const MAX_GENERATED_NAME_PREFIX_LENGTH = 58;

const BASE = NAME_SUFFIX_ALPHABET.length; // 27
const PERIOD = BASE ** NAME_SUFFIX_LENGTH; // 14,348,907 distinct suffixes
// Any multiplier coprime with 27^5 (not a multiple of 3) makes `n -> (n * M + C) mod PERIOD` a
// bijection, so the first PERIOD suffixes are all distinct.
const MULTIPLIER = 7_368_787;
const OFFSET = 4_729_113;

/**
 * Generates names `prefix + suffix` from a private counter. Each store owns one, so names depend
 * only on how many names that store generated before.
 */
export class NameGenerator {
  #count = 0;

  /** The next generated name for `prefix` (upstream `SimpleNameGenerator.GenerateName`). */
  generate(prefix: string): string {
    const base = prefix.length > MAX_GENERATED_NAME_PREFIX_LENGTH ? prefix.slice(0, MAX_GENERATED_NAME_PREFIX_LENGTH) : prefix;
    return base + suffixFor(this.#count++);
  }

  /** How many names were generated so far. */
  get count(): number {
    return this.#count;
  }
}

/** The suffix number `n` stands for (exported for tests): five characters from the alphabet. */
export function suffixFor(n: number): string {
  let x = ((n % PERIOD) * MULTIPLIER + OFFSET) % PERIOD;
  let out = '';
  for (let i = 0; i < NAME_SUFFIX_LENGTH; i++) {
    out += NAME_SUFFIX_ALPHABET[x % BASE];
    x = Math.floor(x / BASE);
  }
  return out;
}
