import { strict as assert } from 'node:assert';
import { ModelBug } from '../errors.js';
import { deepEqual } from './deep-equal.js';
import { freezeCopy, freezeOwned } from './freeze-copy.js';

describe('freezeCopy', () => {
  it('returns a deeply frozen copy and leaves the input alone', () => {
    const input = { a: { b: [1, { c: 'd' }] } };
    const out = freezeCopy(input);
    assert.notEqual(out, input);
    assert.ok(Object.isFrozen(out) && Object.isFrozen(out.a) && Object.isFrozen(out.a.b) && Object.isFrozen(out.a.b[1]));
    assert.ok(!Object.isFrozen(input) && !Object.isFrozen(input.a));
    assert.deepEqual(out, input);
  });

  it('shares frozen subtrees', () => {
    const shared = Object.freeze({ x: Object.freeze([1]) });
    const out = freezeCopy({ shared, fresh: { y: 1 } });
    assert.equal(out.shared, shared);
  });

  it('drops undefined properties and turns undefined array items into null, as JSON does', () => {
    assert.deepEqual(freezeCopy({ a: undefined, b: 1, c: [undefined, 2] }), { b: 1, c: [null, 2] });
    assert.ok(!('a' in freezeCopy({ a: undefined })));
  });

  const notJson: readonly [string, unknown][] = [
    ['function', { f: () => 1 }],
    ['symbol', { s: Symbol('x') }],
    ['bigint', { n: 1n }],
    ['class instance', { d: new Date(0) }],
    ['Map', { m: new Map() }],
  ];
  for (const [name, value] of notJson) it(`rejects a ${name} as a model bug`, () => assert.throws(() => freezeCopy(value), ModelBug));

  it('accepts null-prototype objects', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.a = 1;
    assert.deepEqual({ ...freezeCopy(o) }, { a: 1 });
  });

  it('freezeOwned freezes in place and copies members', () => {
    const member = { z: 1 };
    const own: Record<string, unknown> = { member, gone: undefined };
    const out = freezeOwned(own);
    assert.equal(out, own);
    assert.ok(Object.isFrozen(own));
    assert.notEqual(own.member, member);
    assert.ok(!('gone' in own));
  });
});

describe('deepEqual', () => {
  const cases: readonly [unknown, unknown, boolean][] = [
    [1, 1, true],
    [1, '1', false],
    [null, null, true],
    [null, {}, false],
    [[], {}, false],
    [[1, [2]], [1, [2]], true],
    [[1, 2], [1], false],
    [{ a: 1, b: { c: [1] } }, { b: { c: [1] }, a: 1 }, true],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [{ a: 1, b: undefined }, { a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, true],
    [{ a: undefined }, { b: undefined }, true],
    [{ a: 1 }, { b: 1 }, false],
    ['x', 'y', false],
  ];
  cases.forEach(([a, b, want], i) => it(`case ${i + 1}: ${JSON.stringify(a)} vs ${JSON.stringify(b)} -> ${want}`, () => assert.equal(deepEqual(a, b), want)));
});
