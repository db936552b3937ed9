import { strict as assert } from 'node:assert';
import { applyMergePatch } from './json-merge-patch.js';

describe('applyMergePatch (RFC 7386)', () => {
  // RFC 7386 Appendix A, every example.
  const rfc: readonly [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  rfc.forEach(([target, patch, result], i) => {
    it(`appendix A example ${i + 1}: ${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => {
      assert.deepEqual(applyMergePatch(target, patch), result);
    });
  });

  it('modifies neither argument and shares untouched subtrees', () => {
    const target = Object.freeze({ metadata: Object.freeze({ labels: Object.freeze({ a: '1' }) }), spec: Object.freeze({ big: Object.freeze([1, 2, 3]) }) });
    const patch = { metadata: { labels: { b: '2' } } };
    const out = applyMergePatch(target, patch) as typeof target & { metadata: { labels: Record<string, string> } };
    assert.deepEqual(out.metadata.labels, { a: '1', b: '2' });
    assert.equal(out.spec, target.spec, 'untouched subtree is shared');
    assert.deepEqual(target.metadata.labels, { a: '1' });
    assert.deepEqual(patch, { metadata: { labels: { b: '2' } } });
  });
});
