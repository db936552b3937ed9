import assert from 'node:assert/strict';
import { asStatus, isRejected, isSkip, isStatusValue, isSuccess, Status, STATUS_CODE_ORDER, statusMessage } from './status.js';

describe('Status', () => {
  it('keeps upstream’s code order (Success = 0 … Pending = 6)', () => {
    assert.deepEqual(STATUS_CODE_ORDER, ['Success', 'Error', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Wait', 'Skip', 'Pending']);
  });

  it('constructors make frozen values with their reasons', () => {
    const cases: readonly [Status, string, readonly string[]][] = [
      [Status.success(), 'Success', []],
      [Status.skip(), 'Skip', []],
      [Status.unschedulable('a', 'b'), 'Unschedulable', ['a', 'b']],
      [Status.unschedulableAndUnresolvable('c'), 'UnschedulableAndUnresolvable', ['c']],
      [Status.wait(), 'Wait', []],
      [Status.pending('p'), 'Pending', ['p']],
      [Status.of('Error', 'x'), 'Error', ['x']],
    ];
    for (const [s, code, reasons] of cases) {
      assert.deepEqual([s.code, s.reasons], [code, reasons]);
      assert.ok(Object.isFrozen(s) && Object.isFrozen(s.reasons));
    }
    assert.equal(Status.of('Success'), Status.success());
    assert.equal(Status.of('Skip'), Status.skip());
    assert.equal(Status.of('Success', 'with a reason').reasons[0], 'with a reason');
  });

  it('error() keeps the error and its message as the only reason', () => {
    const e = new TypeError('bad');
    const s = Status.error(e);
    assert.deepEqual([s.code, s.reasons, s.error], ['Error', ['bad'], e]);
    assert.deepEqual(Status.error('plain text').reasons, ['plain text']);
  });

  it('withPlugin attributes a copy; attributing to the same plugin returns the status itself', () => {
    const s = Status.unschedulable('x');
    const w = Status.withPlugin(s, 'P');
    assert.deepEqual([w.code, w.reasons, w.plugin, s.plugin], ['Unschedulable', ['x'], 'P', undefined]);
    assert.equal(Status.withPlugin(w, 'P'), w);
    const err = Status.withPlugin(Status.error(new Error('e')), 'Q');
    assert.ok(err.error instanceof Error);
  });

  it('predicates follow upstream (a nil status is Success; rejections include Pending)', () => {
    const table: readonly [Status | undefined | null, boolean, boolean, boolean][] = [
      [undefined, true, false, false],
      [null, true, false, false],
      [Status.success(), true, false, false],
      [Status.skip(), false, true, false],
      [Status.unschedulable(), false, false, true],
      [Status.unschedulableAndUnresolvable(), false, false, true],
      [Status.pending(), false, false, true],
      [Status.wait(), false, false, false],
      [Status.error('e'), false, false, false],
    ];
    for (const [s, success, skip, rejected] of table) {
      assert.deepEqual([isSuccess(s), isSkip(s), isRejected(s)], [success, skip, rejected], String(s?.code));
    }
    assert.equal(asStatus(undefined), Status.success());
    assert.equal(asStatus(null), Status.success());
    const u = Status.unschedulable('x');
    assert.equal(asStatus(u), u);
  });

  it('statusMessage joins the reasons with ", "', () => {
    assert.equal(statusMessage(Status.unschedulable('a', 'b')), 'a, b');
    assert.equal(statusMessage(undefined), '');
  });

  it('isStatusValue recognises the shape of a status', () => {
    assert.equal(isStatusValue(Status.unschedulable()), true);
    assert.equal(isStatusValue({ code: 'Unschedulable', reasons: [] }), true);
    for (const v of [undefined, null, 3, 'Success', {}, { code: 'Nope', reasons: [] }, { code: 'Success' }, { code: 'Success', reasons: 'x' }]) {
      assert.equal(isStatusValue(v), false, JSON.stringify(v));
    }
  });
});
