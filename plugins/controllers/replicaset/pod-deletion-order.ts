/**
 * Which pods a ReplicaSet deletes when it has too many: upstream `getPodsToDelete` and
 * `getPodsRankedByRelatedPodsOnSameNode` (`pkg/controller/replicaset/replica_set.go`) with the
 * ordering of `ActivePodsWithRanks.Less` (`pkg/controller/controller_utils.go`), feature gates
 * `PodDeletionCost` and `LogarithmicScaleDown` on (their v1.35 defaults).
 *
 * Preferred for deletion, each rule deciding only when the previous ones tie:
 * 1. unassigned before assigned;
 * 2. `Pending` before `Unknown` before `Running` (any other phase counts as `Pending`);
 * 3. not ready before ready;
 * 4. lower `controller.kubernetes.io/pod-deletion-cost` first;
 * 5. more active related pods on the same node first ("doubled up");
 * 6. both ready: ready more recently first, compared on a log2 scale of the time since (pods whose
 *    ready times fall in the same power-of-two bucket are then ordered by uid, and rules 7 and 8
 *    are not consulted);
 * 7. more container restarts first;
 * 8. created more recently first, on the same log2 scale (same bucket: by uid).
 * A last tie-breaker (uid, then name) makes the order total; upstream leaves such ties to the sort.
 */
import { isPodActive, isPodReady, podReadyCondition, timeMs, type CachedPod } from './pod-state.js';

/** Upstream `core.PodDeletionCost` annotation. */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

/** Upstream `podPhaseToOrdinal`; phases not listed count as 0. */
const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** Upstream `GetDeletionCostFromPodAnnotations`: a 32-bit integer, 0 when absent or invalid. */
export function podDeletionCost(pod: CachedPod): number {
  const text = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (text === undefined || !/^[+-]?\d+$/.test(text)) return 0;
  const v = Number(text);
  return v < INT32_MIN || v > INT32_MAX ? 0 : v;
}

function maxContainerRestarts(pod: CachedPod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) if (c.restartCount > max) max = c.restartCount;
  return max;
}

/** `floor(log2(d))` for `d` ≥ 1, -1 otherwise (upstream's rank of a duration in nanoseconds). */
function log2Rank(durationNs: number): number {
  if (durationNs < 1) return -1;
  let rank = -1;
  let x = Math.floor(durationNs);
  while (x >= 1) {
    x = Math.floor(x / 2);
    rank++;
  }
  return rank;
}

/** Upstream `logarithmicRankDiff`, on virtual milliseconds. */
function logarithmicRankDiff(t1Ms: number, t2Ms: number, nowMs: number): number {
  return log2Rank((nowMs - t1Ms) * 1e6) - log2Rank((nowMs - t2Ms) * 1e6);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A pod with what the comparison needs, computed once. */
interface Ranked {
  readonly pod: CachedPod;
  readonly node: string;
  readonly phase: number;
  readonly ready: boolean;
  readonly cost: number;
  readonly rank: number;
  readonly readyMs: number | undefined;
  readonly restarts: number;
  readonly createdMs: number | undefined;
  readonly uid: string;
  readonly name: string;
}

/**
 * Compares two timestamps as rules 6 and 8 do: negative when `a` is to be deleted first, 0 when
 * equal. `undefined` is upstream's zero time, which sorts first.
 */
function compareTimes(aMs: number | undefined, bMs: number | undefined, aUid: string, bUid: string, nowMs: number): number {
  if (aMs === bMs) return 0;
  if (aMs === undefined) return -1;
  if (bMs === undefined) return 1;
  const diff = logarithmicRankDiff(aMs, bMs, nowMs);
  if (diff === 0) return aUid < bUid ? -1 : bUid < aUid ? 1 : 0;
  return diff;
}

/** `ActivePodsWithRanks.Less` as a comparator, then the total-order tie-breaker. */
function compareRanked(a: Ranked, b: Ranked, nowMs: number): number {
  if (a.node !== b.node && (a.node === '' || b.node === '')) return a.node === '' ? -1 : 1;
  if (a.phase !== b.phase) return a.phase - b.phase;
  if (a.ready !== b.ready) return a.ready ? 1 : -1;
  if (a.cost !== b.cost) return a.cost - b.cost;
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (a.ready && b.ready && a.readyMs !== b.readyMs) {
    const c = compareTimes(a.readyMs, b.readyMs, a.uid, b.uid, nowMs);
    if (c !== 0) return c;
    return compareStrings(a.uid, b.uid) || compareStrings(a.name, b.name);
  }
  if (a.restarts !== b.restarts) return b.restarts - a.restarts;
  if (a.createdMs !== b.createdMs) {
    const c = compareTimes(a.createdMs, b.createdMs, a.uid, b.uid, nowMs);
    if (c !== 0) return c;
  }
  return compareStrings(a.uid, b.uid) || compareStrings(a.name, b.name);
}

/**
 * Upstream `getPodsToDelete`: the first `diff` of `filteredPods` in deletion order, where a pod's
 * rank is the number of active `relatedPods` on its node. When every pod goes, no order is needed
 * and the input order is kept, as upstream.
 */
export function getPodsToDelete(filteredPods: readonly CachedPod[], relatedPods: readonly CachedPod[], diff: number, nowMs: number): CachedPod[] {
  if (diff >= filteredPods.length) return filteredPods.slice(0, diff);
  const podsOnNode = new Map<string, number>();
  for (const pod of relatedPods) {
    if (!isPodActive(pod)) continue;
    const node = pod.spec?.nodeName ?? '';
    podsOnNode.set(node, (podsOnNode.get(node) ?? 0) + 1);
  }
  const ranked: Ranked[] = filteredPods.map((pod) => {
    const node = pod.spec?.nodeName ?? '';
    const ready = isPodReady(pod);
    return {
      pod,
      node,
      phase: PHASE_ORDINAL[pod.status?.phase ?? ''] ?? 0,
      ready,
      cost: podDeletionCost(pod),
      rank: podsOnNode.get(node) ?? 0,
      readyMs: ready ? timeMs(podReadyCondition(pod)?.lastTransitionTime) : undefined,
      restarts: maxContainerRestarts(pod),
      createdMs: timeMs(pod.metadata?.creationTimestamp),
      uid: pod.metadata?.uid ?? '',
      name: pod.metadata?.name ?? '',
    };
  });
  ranked.sort((a, b) => compareRanked(a, b, nowMs));
  return ranked.slice(0, diff).map((r) => r.pod);
}
