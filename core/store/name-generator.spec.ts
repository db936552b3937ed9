import { strict as assert } from 'node:assert';
import { deterministicUid } from './deterministic-uid.js';
import { MAX_GENERATED_NAME_PREFIX_LENGTH, NAME_SUFFIX_ALPHABET, NameGenerator, suffixFor } from './name-generator.js';

describe('NameGenerator', () => {
  it('appends five characters of the upstream alphabet', () => {
    const gen = new NameGenerator();
    const name = gen.generate('web-');
    assert.match(name, new RegExp(`^web-[${NAME_SUFFIX_ALPHABET}]{5}$`));
    assert.equal(gen.count, 1);
  });

  it('is deterministic: two generators give the same sequence', () => {
    const a = new NameGenerator();
    const b = new NameGenerator();
    for (let i = 0; i < 20; i++) assert.equal(a.generate('x-'), b.generate('x-'));
  });

  it('gives distinct suffixes (first 200,000 checked)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) seen.add(suffixFor(i));
    assert.equal(seen.size, 200_000);
  });

  it('consecutive names differ in more than the last character', () => {
    assert.notEqual(suffixFor(0).slice(0, 4), suffixFor(1).slice(0, 4));
  });

  it('truncates the prefix to 58 characters so the name fits in 63', () => {
    const name = new NameGenerator().generate('p'.repeat(80));
    assert.equal(name.length, 63);
    assert.equal(name.slice(0, MAX_GENERATED_NAME_PREFIX_LENGTH), 'p'.repeat(58));
  });
});

describe('deterministicUid', () => {
  const cases: readonly [number, string][] = [
    [1, '00000000-0000-4000-8000-000000000001'],
    [255, '00000000-0000-4000-8000-0000000000ff'],
    [2 ** 40, '00000000-0000-4000-8000-010000000000'],
  ];
  for (const [n, uid] of cases) it(`uid #${n} is ${uid}`, () => assert.equal(deterministicUid(n), uid));
  it('is UUID-shaped (version 4, variant 8)', () => {
    assert.match(deterministicUid(12345), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
