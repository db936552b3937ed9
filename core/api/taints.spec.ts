import assert from 'node:assert/strict';
import {
  doNotScheduleTaintsFilter,
  ERR_REASON_UNTOLERATED_TAINT,
  findMatchingUntoleratedTaint,
  matchTaint,
  matchToleration,
  taintMessageForm,
  taintToString,
  tolerationsTolerateTaint,
  toleratesTaint,
  untoleratedTaintReason,
  type TaintLike,
  type TolerationLike,
} from './taints.js';
import type { Taint, Toleration } from './types.js';

const ON = { TaintTolerationComparisonOperators: true } as const;

describe('toleratesTaint', () => {
  const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const table: [what: string, toleration: TolerationLike, t: TaintLike, expected: boolean][] = [
    ['exact Equal', { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, taint, true],
    ['operator defaults to Equal', { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, taint, true],
    ['Equal, other value', { key: 'dedicated', value: 'cpu', effect: 'NoSchedule' }, taint, false],
    ['Equal, empty value vs value', { key: 'dedicated', effect: 'NoSchedule' }, taint, false],
    ['Equal, empty value vs empty value', { key: 'k', effect: 'NoSchedule' }, { key: 'k', effect: 'NoSchedule' }, true],
    ['Exists ignores the value', { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }, taint, true],
    ['Exists with a value still ignores it', { key: 'dedicated', operator: 'Exists', value: 'x' }, taint, true],
    ['other key', { key: 'other', operator: 'Exists' }, taint, false],
    ['empty effect matches every effect', { key: 'dedicated', operator: 'Exists' }, taint, true],
    ['empty effect, NoExecute taint', { key: 'dedicated', value: 'gpu' }, { ...taint, effect: 'NoExecute' }, true],
    ['other effect', { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint, false],
    ['PreferNoSchedule toleration vs NoSchedule taint', { key: 'dedicated', operator: 'Exists', effect: 'PreferNoSchedule' }, taint, false],
    ['empty key with Exists matches every key', { operator: 'Exists' }, taint, true],
    ['empty key with Exists and an effect', { operator: 'Exists', effect: 'NoSchedule' }, taint, true],
    ['empty key with Exists and another effect', { operator: 'Exists', effect: 'NoExecute' }, taint, false],
    // With an empty key and Equal (which validation forbids), only the value decides.
    ['empty key with Equal and the same value', { value: 'gpu' }, taint, true],
    ['empty key with Equal and another value', { value: 'x' }, taint, false],
    ['unknown operator', { key: 'dedicated', operator: 'Matches', value: 'gpu' }, taint, false],
    ['operator is case sensitive', { key: 'dedicated', operator: 'exists' }, taint, false],
    ['empty toleration vs empty-valued taint', {}, { key: 'a', effect: 'NoSchedule' }, true],
    ['empty toleration vs valued taint', {}, taint, false],
  ];
  for (const [what, toleration, t, expected] of table) {
    it(`${what} ⇒ ${expected}`, () => {
      assert.equal(toleratesTaint(toleration, t), expected);
    });
  }

  it('accepts the object model types', () => {
    const tol: Toleration = { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 };
    assert.equal(toleratesTaint(tol, taint), true);
  });
});

describe('Lt and Gt (TaintTolerationComparisonOperators)', () => {
  const t = (value: string): TaintLike => ({ key: 'tier', value, effect: 'NoSchedule' });
  const tol = (operator: string, value: string): TolerationLike => ({ key: 'tier', operator, value, effect: 'NoSchedule' });

  it('never match while the gate is off (the v1.35 default)', () => {
    assert.equal(toleratesTaint(tol('Gt', '1'), t('5')), false);
    assert.equal(toleratesTaint(tol('Lt', '9'), t('5')), false);
    assert.equal(toleratesTaint(tol('Gt', '1'), t('5'), {}), false);
    assert.equal(toleratesTaint(tol('Gt', '1'), t('5'), { TaintTolerationComparisonOperators: false }), false);
  });

  const table: [op: string, tolValue: string, taintValue: string, expected: boolean][] = [
    ['Gt', '1', '5', true],
    ['Gt', '5', '5', false],
    ['Gt', '9', '5', false],
    ['Lt', '9', '5', true],
    ['Lt', '5', '5', false],
    ['Lt', '1', '5', false],
    ['Gt', '-10', '-3', true],
    ['Lt', '0', '-1', true],
    ['Gt', '9223372036854775806', '9223372036854775807', true],
    ['Lt', '-9223372036854775807', '-9223372036854775808', true],
    ['Gt', '9007199254740992', '9007199254740993', true],
    // Values must be canonical decimal integers that fit in an int64.
    ['Gt', '1', '05', false],
    ['Gt', '01', '5', false],
    ['Gt', '1', '+5', false],
    ['Gt', '-0', '5', false],
    ['Lt', '9', '-0', false],
    ['Gt', '1', '', false],
    ['Gt', '', '5', false],
    ['Gt', '1', 'five', false],
    ['Gt', '1', '5.0', false],
    ['Gt', '1', '9223372036854775808', false],
    ['Lt', '1', '-9223372036854775809', false],
    ['Gt', '-', '5', false],
  ];
  for (const [op, tolValue, taintValue, expected] of table) {
    it(`taint ${JSON.stringify(taintValue)} ${op} toleration ${JSON.stringify(tolValue)} ⇒ ${expected}`, () => {
      assert.equal(toleratesTaint(tol(op, tolValue), t(taintValue), ON), expected);
    });
  }

  it('still requires the key and effect to match', () => {
    assert.equal(toleratesTaint({ key: 'other', operator: 'Gt', value: '1' }, t('5'), ON), false);
    assert.equal(toleratesTaint({ key: 'tier', operator: 'Gt', value: '1', effect: 'NoExecute' }, t('5'), ON), false);
    assert.equal(toleratesTaint({ operator: 'Gt', value: '1' }, t('5'), ON), true);
  });

  it('accepts a full feature-gate map', () => {
    const gates: Readonly<Record<string, boolean>> = { TaintTolerationComparisonOperators: true, Other: false };
    assert.equal(toleratesTaint(tol('Gt', '1'), t('5'), gates), true);
  });
});

describe('tolerationsTolerateTaint and findMatchingUntoleratedTaint', () => {
  const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const soft: Taint = { key: 'spot', value: 'true', effect: 'PreferNoSchedule' };
  const exec: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };

  it('any toleration is enough; none or undefined tolerate nothing', () => {
    assert.equal(tolerationsTolerateTaint([{ key: 'x', operator: 'Exists' }, { key: 'dedicated', value: 'gpu' }], gpu), true);
    assert.equal(tolerationsTolerateTaint([{ key: 'x', operator: 'Exists' }], gpu), false);
    assert.equal(tolerationsTolerateTaint([], gpu), false);
    assert.equal(tolerationsTolerateTaint(undefined, gpu), false);
    assert.equal(tolerationsTolerateTaint(null, gpu), false);
  });

  it('passes the gates through', () => {
    const t: Taint = { key: 'tier', value: '3', effect: 'NoSchedule' };
    const tols = [{ key: 'tier', operator: 'Gt', value: '1' }];
    assert.equal(tolerationsTolerateTaint(tols, t), false);
    assert.equal(tolerationsTolerateTaint(tols, t, ON), true);
    assert.equal(findMatchingUntoleratedTaint([t], tols), t);
    assert.equal(findMatchingUntoleratedTaint([t], tols, undefined, ON), undefined);
  });

  it('returns the first untolerated taint, in node order', () => {
    assert.equal(findMatchingUntoleratedTaint([gpu, exec], []), gpu);
    assert.equal(findMatchingUntoleratedTaint([gpu, exec], [{ key: 'dedicated', operator: 'Exists' }]), exec);
    assert.equal(findMatchingUntoleratedTaint([gpu, exec], [{ operator: 'Exists' }]), undefined);
    assert.equal(findMatchingUntoleratedTaint([], []), undefined);
    assert.equal(findMatchingUntoleratedTaint(undefined, undefined), undefined);
  });

  it('applies the inclusion filter first (PreferNoSchedule never blocks the filter)', () => {
    assert.equal(findMatchingUntoleratedTaint([soft], [], doNotScheduleTaintsFilter), undefined);
    assert.equal(findMatchingUntoleratedTaint([soft, gpu], [], doNotScheduleTaintsFilter), gpu);
    assert.equal(findMatchingUntoleratedTaint([soft, gpu], []), soft);
    assert.equal(doNotScheduleTaintsFilter(exec), true);
    assert.equal(doNotScheduleTaintsFilter(soft), false);
    assert.equal(doNotScheduleTaintsFilter({ key: 'x' }), false);
  });
});

describe('taint strings', () => {
  it('taintToString as upstream Taint.ToString()', () => {
    const table: [TaintLike, string][] = [
      [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, 'dedicated=gpu:NoSchedule'],
      [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }, 'node-role.kubernetes.io/control-plane:NoSchedule'],
      [{ key: 'dedicated', value: 'gpu' }, 'dedicated=gpu:'],
      [{ key: 'dedicated' }, 'dedicated'],
      [{ key: 'k', value: '', effect: '' }, 'k'],
    ];
    for (const [t, s] of table) assert.equal(taintToString(t), s);
  });

  it('the scheduler message forms', () => {
    assert.equal(taintMessageForm({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }), '{dedicated: gpu}');
    assert.equal(taintMessageForm({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }), '{node-role.kubernetes.io/control-plane: }');
    assert.equal(untoleratedTaintReason({ key: 'dedicated', value: 'gpu' }), 'node(s) had untolerated taint {dedicated: gpu}');
    assert.equal(ERR_REASON_UNTOLERATED_TAINT, 'node(s) had untolerated taint(s)');
  });

  it('matchTaint and matchToleration identities', () => {
    assert.equal(matchTaint({ key: 'a', value: '1', effect: 'NoSchedule' }, { key: 'a', value: '2', effect: 'NoSchedule' }), true);
    assert.equal(matchTaint({ key: 'a', effect: 'NoSchedule' }, { key: 'a', effect: 'NoExecute' }), false);
    assert.equal(matchToleration({ key: 'a', operator: 'Equal', value: 'v' }, { key: 'a', operator: 'Equal', value: 'v' }), true);
    assert.equal(matchToleration({ key: 'a', value: 'v' }, { key: 'a', operator: 'Equal', value: 'v' }), false);
  });
});
