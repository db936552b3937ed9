/**
 * Taints and tolerations with Kubernetes v1.35 semantics.
 *
 * Mirrors `kubernetes/api` `core/v1/toleration.go` (`Toleration.ToleratesTaint`,
 * `MatchToleration`) and `core/v1/taint.go` (`Taint.ToString`, `MatchTaint`), component-helpers
 * `scheduling/corev1/helpers.go` (`TolerationsTolerateTaint`, `FindMatchingUntoleratedTaint`) and the
 * TaintToleration plugin's filter messages (`pkg/scheduler/framework/plugins/tainttoleration`).
 */

/**
 * A taint as the functions here read it. `Taint` from the object model and its `DeepReadonly` form
 * fit; unset fields read as the empty string, as Go's zero values do.
 */
export interface TaintLike {
  readonly key?: string | undefined;
  readonly value?: string | undefined;
  readonly effect?: string | undefined;
}

/**
 * A toleration as the functions here read it. `Toleration` from the object model fits; the operator
 * is a plain string because v1.35 adds `Lt`/`Gt` (behind a feature gate) and manifests may carry
 * operators the API would reject.
 */
export interface TolerationLike {
  readonly key?: string | undefined;
  readonly operator?: string | undefined;
  readonly value?: string | undefined;
  readonly effect?: string | undefined;
}

/**
 * The feature gates toleration matching depends on. A full feature-gate map
 * (`Record<string, boolean>`) fits.
 */
export interface TaintFeatureGates {
  /**
   * Alpha in v1.35, off by default: enables the `Lt` and `Gt` toleration operators. While off,
   * such a toleration never matches.
   */
  readonly TaintTolerationComparisonOperators?: boolean | undefined;
}

/** `NoSchedule`: new pods that do not tolerate the taint are not scheduled onto the node. */
export const TAINT_EFFECT_NO_SCHEDULE = 'NoSchedule';
/** `PreferNoSchedule`: the scheduler avoids the node for pods that do not tolerate the taint. */
export const TAINT_EFFECT_PREFER_NO_SCHEDULE = 'PreferNoSchedule';
/** `NoExecute`: pods that do not tolerate the taint are not scheduled and are evicted. */
export const TAINT_EFFECT_NO_EXECUTE = 'NoExecute';

/**
 * The well-known taint key for a cordoned node (`node.spec.unschedulable: true`), upstream
 * `v1.TaintNodeUnschedulable`. The node lifecycle controller adds it with effect `NoSchedule`; the
 * NodeUnschedulable filter lets through pods that tolerate it.
 */
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/**
 * Upstream `compareNumericValues` parsing (v1.35): the value must be a decimal integer in canonical
 * form (`content.IsDecimalInteger`: `0`, or an optional `-` then a digit 1-9 and more digits; no
 * `+`, no leading zeros) that fits in an int64. Returns `undefined` otherwise.
 */
function parseCanonicalInt64(s: string): bigint | number | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  let i = 0;
  if (s.charCodeAt(0) === 0x2d) {
    if (n === 1) return undefined;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 0x30) return n === 1 ? 0 : undefined;
  if (first < 0x31 || first > 0x39) return undefined;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  const digits = n - i;
  // Up to 15 digits a double is exact, which keeps the common case free of BigInt work.
  if (digits <= 15) return Number(s);
  if (digits > 19) return undefined;
  const v = BigInt(s);
  if (v < -(2n ** 63n) || v > 2n ** 63n - 1n) return undefined;
  return v;
}

function compareNumbers(a: bigint | number, b: bigint | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Whether `toleration` tolerates `taint`. Mirrors `kubernetes/api` `core/v1/toleration.go`
 * `Toleration.ToleratesTaint` at v1.35:
 * 1. A non-empty toleration effect must equal the taint's effect (empty matches every effect).
 * 2. A non-empty toleration key must equal the taint's key (empty matches every key; the API only
 *    allows that together with `Exists`).
 * 3. Operator `""` or `Equal`: the values must be equal. `Exists`: any value.
 *    `Lt`/`Gt` (only with the `TaintTolerationComparisonOperators` gate, off by default): both values
 *    are canonical decimal int64s and the taint's value is less/greater than the toleration's; a
 *    value that does not parse never matches. Any other operator never matches.
 *
 * `tolerationSeconds` plays no part here (only the taint eviction controller reads it).
 */
export function toleratesTaint(toleration: TolerationLike, taint: TaintLike, gates?: TaintFeatureGates): boolean {
  const effect = toleration.effect ?? '';
  if (effect !== '' && effect !== (taint.effect ?? '')) return false;
  const key = toleration.key ?? '';
  if (key !== '' && key !== (taint.key ?? '')) return false;
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    case 'Lt':
    case 'Gt': {
      if (gates?.TaintTolerationComparisonOperators !== true) return false;
      const tol = parseCanonicalInt64(toleration.value ?? '');
      if (tol === undefined) return false;
      const val = parseCanonicalInt64(taint.value ?? '');
      if (val === undefined) return false;
      const c = compareNumbers(val, tol);
      return toleration.operator === 'Lt' ? c < 0 : c > 0;
    }
    default:
      return false;
  }
}

/**
 * Whether any of `tolerations` tolerates `taint` (`undefined` is no tolerations). Mirrors
 * component-helpers `TolerationsTolerateTaint`.
 */
export function tolerationsTolerateTaint(
  tolerations: readonly TolerationLike[] | null | undefined,
  taint: TaintLike,
  gates?: TaintFeatureGates,
): boolean {
  if (tolerations === undefined || tolerations === null) return false;
  for (let i = 0; i < tolerations.length; i++) {
    if (toleratesTaint(tolerations[i] as TolerationLike, taint, gates)) return true;
  }
  return false;
}

/**
 * The first taint of `taints` that passes `inclusionFilter` (every taint when it is omitted) and
 * that none of `tolerations` tolerates, or `undefined` when all of them are tolerated. Mirrors
 * component-helpers `FindMatchingUntoleratedTaint` (which returns `(taint, true)` /
 * `(Taint{}, false)`).
 */
export function findMatchingUntoleratedTaint<T extends TaintLike>(
  taints: readonly T[] | null | undefined,
  tolerations: readonly TolerationLike[] | null | undefined,
  inclusionFilter?: (taint: T) => boolean,
  gates?: TaintFeatureGates,
): T | undefined {
  if (taints === undefined || taints === null) return undefined;
  for (let i = 0; i < taints.length; i++) {
    const taint = taints[i] as T;
    if (inclusionFilter !== undefined && !inclusionFilter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint, gates)) return taint;
  }
  return undefined;
}

/**
 * The taints the scheduler's filter and the kubelet's admission care about: effect `NoSchedule` or
 * `NoExecute`. Mirrors the scheduler's `helper.DoNotScheduleTaintsFilterFunc`.
 */
export function doNotScheduleTaintsFilter(taint: TaintLike): boolean {
  return taint.effect === TAINT_EFFECT_NO_SCHEDULE || taint.effect === TAINT_EFFECT_NO_EXECUTE;
}

/**
 * Upstream `Taint.ToString()`: `key=value:effect`, `key:effect` (no value), `key=value:` (no effect)
 * or `key` (neither).
 */
export function taintToString(taint: TaintLike): string {
  const key = taint.key ?? '';
  const value = taint.value ?? '';
  const effect = taint.effect ?? '';
  if (effect === '') return value === '' ? key : `${key}=${value}:`;
  return value === '' ? `${key}:${effect}` : `${key}=${value}:${effect}`;
}

/**
 * A taint as the scheduler printed it in filter messages: `{key: value}` (so `{key: }` without a
 * value), e.g. `{dedicated: gpu}`.
 */
export function taintMessageForm(taint: TaintLike): string {
  return `{${taint.key ?? ''}: ${taint.value ?? ''}}`;
}

/**
 * The TaintToleration filter reason in v1.35: `node(s) had untolerated taint(s)`. Upstream stopped
 * naming the taint in pod status messages (kubernetes PR #134740, also backported to v1.34), since
 * taint keys and values can be sensitive.
 */
export const ERR_REASON_UNTOLERATED_TAINT = 'node(s) had untolerated taint(s)';

/**
 * The TaintToleration filter reason as releases before that change printed it, naming the first
 * untolerated taint: `node(s) had untolerated taint {dedicated: gpu}`. kubeprop's `schedule`
 * explanations use this form because it says which taint blocked the pod.
 */
export function untoleratedTaintReason(taint: TaintLike): string {
  return `node(s) had untolerated taint ${taintMessageForm(taint)}`;
}

/**
 * Upstream `Taint.MatchTaint`: two taints are the same taint when key and effect are equal (a node
 * holds at most one taint per key and effect).
 */
export function matchTaint(a: TaintLike, b: TaintLike): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

/**
 * Upstream `Toleration.MatchToleration`: two tolerations are the same when key, effect, operator
 * and value are all equal (as written; an empty operator is not treated as `Equal`).
 */
export function matchToleration(a: TolerationLike, b: TolerationLike): boolean {
  return (
    (a.key ?? '') === (b.key ?? '') &&
    (a.effect ?? '') === (b.effect ?? '') &&
    (a.operator ?? '') === (b.operator ?? '') &&
    (a.value ?? '') === (b.value ?? '')
  );
}
