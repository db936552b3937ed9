import assert from 'node:assert/strict';
import { ChangeCountingSet, CycleState, StateKey } from './cycle-state.js';

describe('CycleState', () => {
  const counter = new StateKey<{ n: number; clone(): { n: number } }>('counter');
  const plain = new StateKey<{ shared: string[] }>('plain');

  it('reads back what was written under a key; delete and has', () => {
    const s = new CycleState();
    assert.equal(s.read(counter), undefined);
    assert.equal(s.has(counter), false);
    const v = { n: 1, clone: () => ({ n: 1 }) };
    s.write(counter, v);
    assert.equal(s.read(counter), v);
    assert.equal(s.has(counter), true);
    s.delete(counter);
    assert.deepEqual([s.read(counter), s.has(counter)], [undefined, false]);
    assert.equal(String(counter), 'counter');
  });

  it('keys are distinct objects even with the same name', () => {
    const s = new CycleState();
    const a = new StateKey<number>('same');
    const b = new StateKey<number>('same');
    s.write(a, 1);
    s.write(b, 2);
    assert.deepEqual([s.read(a), s.read(b)], [1, 2]);
  });

  it('clone() deep-copies cloneable values, shares the others, and copies the skip sets', () => {
    const s = new CycleState();
    let clones = 0;
    const mk = (n: number): { n: number; clone(): { n: number; clone(): unknown } } => ({ n, clone: () => (clones++, mk(n)) });
    s.write(counter, mk(5));
    const shared = { shared: ['x'] };
    s.write(plain, shared);
    s.skipFilterPlugins.add('A');
    s.skipScorePlugins.add('B');
    const c = s.clone();
    assert.equal(clones, 1);
    assert.notEqual(c.read(counter), s.read(counter));
    assert.equal(c.read(counter)!.n, 5);
    assert.equal(c.read(plain), shared);
    assert.deepEqual([[...c.skipFilterPlugins], [...c.skipScorePlugins]], [['A'], ['B']]);
    c.skipFilterPlugins.add('C');
    assert.deepEqual([...s.skipFilterPlugins], ['A']);
  });

  it('the skip sets count their changes', () => {
    // Initial elements are not changes: the count starts at 0 once constructed.
    const set = new ChangeCountingSet<string>(['x']);
    assert.deepEqual([set.changes, [...set]], [0, ['x']]);
    set.add('y');
    set.delete('x');
    set.clear();
    assert.deepEqual([set.changes, set.size], [3, 0]);
    assert.ok(new CycleState().skipFilterPlugins instanceof ChangeCountingSet);
  });
});
