import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  doNotScheduleTaintsFilter,
  findMatchingUntoleratedTaint,
  tolerationsTolerateTaint,
  toleratesTaint,
  type TaintLike,
  type TolerationLike,
} from './taints.js';

const NUM_RUNS = Number(process.env['FC_NUM_RUNS'] ?? 200);

// The reference definition of toleration matching, from the TaintToleration rules in the
// scheduler documentation, written with a regex and BigInt arithmetic.
function refCanonicalInt(s: string): bigint | undefined {
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < -(2n ** 63n) || v > 2n ** 63n - 1n ? undefined : v;
}

function refTolerates(tol: TolerationLike, taint: TaintLike, gate: boolean): boolean {
  if (tol.effect && tol.effect !== (taint.effect ?? '')) return false;
  if (tol.key && tol.key !== (taint.key ?? '')) return false;
  const op = tol.operator ?? '';
  if (op === '' || op === 'Equal') return (tol.value ?? '') === (taint.value ?? '');
  if (op === 'Exists') return true;
  if ((op === 'Lt' || op === 'Gt') && gate) {
    const a = refCanonicalInt(taint.value ?? '');
    const b = refCanonicalInt(tol.value ?? '');
    if (a === undefined || b === undefined) return false;
    return op === 'Lt' ? a < b : a > b;
  }
  return false;
}

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const keyArb = fc.constantFrom('', 'dedicated', 'tier', 'node.kubernetes.io/unreachable');
const valueArb = fc.constantFrom('', 'gpu', '0', '1', '5', '10', '05', '-3', '-0', '+4', '9223372036854775807', '9223372036854775808');
const effectArb = fc.constantFrom('', 'NoSchedule', 'PreferNoSchedule', 'NoExecute');

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const taintArb: fc.Arbitrary<TaintLike> = fc
  .record({ key: keyArb, value: optional(valueArb), effect: effectArb })
  .map((t) => compact(t));
const tolerationArb: fc.Arbitrary<TolerationLike> = fc
  .record({
    key: optional(keyArb),
    operator: optional(fc.constantFrom('', 'Equal', 'Exists', 'Lt', 'Gt', 'In')),
    value: optional(valueArb),
    effect: optional(effectArb),
  })
  .map((t) => compact(t));

describe('taint and toleration properties', () => {
  it('toleratesTaint agrees with the reference definition, with the gate on and off', () => {
    fc.assert(
      fc.property(tolerationArb, taintArb, fc.boolean(), (tol, taint, gate) => {
        assert.equal(toleratesTaint(tol, taint, { TaintTolerationComparisonOperators: gate }), refTolerates(tol, taint, gate));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('an Exists toleration with no key and no effect tolerates every taint', () => {
    fc.assert(
      fc.property(taintArb, (taint) => {
        assert.equal(toleratesTaint({ operator: 'Exists' }, taint), true);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('findMatchingUntoleratedTaint returns the first filtered taint no toleration tolerates', () => {
    fc.assert(
      fc.property(
        fc.array(taintArb, { maxLength: 5 }),
        fc.array(tolerationArb, { maxLength: 4 }),
        fc.boolean(),
        (taints, tolerations, filtered) => {
          const filter = filtered ? doNotScheduleTaintsFilter : undefined;
          const found = findMatchingUntoleratedTaint(taints, tolerations, filter);
          const candidates = taints.filter((t) => filter === undefined || filter(t));
          const firstIndex = candidates.findIndex((t) => !tolerations.some((tol) => refTolerates(tol, t, false)));
          assert.equal(found, firstIndex < 0 ? undefined : candidates[firstIndex]);
          for (const t of candidates) {
            assert.equal(tolerationsTolerateTaint(tolerations, t), tolerations.some((tol) => refTolerates(tol, t, false)));
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
