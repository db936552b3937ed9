/**
 * What the workload controllers read from a pod's status, after upstream `pkg/api/v1/pod/util.go`
 * (`IsPodReady`, `IsPodAvailable`, `IsPodTerminal`) and `pkg/controller/controller_utils.go`
 * (`IsPodActive`, `ActivePods`). Times are virtual milliseconds; timestamps are parsed from the
 * RFC 3339 strings the API stores.
 */
import { parseRfc3339, type DeepReadonly, type Pod, type PodCondition } from 'kubeprop';

/** A pod as the caches hand it out. */
export type PodView = DeepReadonly<Pod>;

/** The pod's condition of `type`, if it has one. */
export function podCondition(pod: PodView, type: string): DeepReadonly<PodCondition> | undefined {
  const conditions = pod.status?.conditions;
  if (conditions === undefined) return undefined;
  for (const c of conditions) if (c.type === type) return c;
  return undefined;
}

/** Upstream `IsPodReady`: the `Ready` condition is `True`. */
export function isPodReady(pod: PodView): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** The virtual time of the `Ready` condition's last transition, if the pod has one with a valid time. */
export function podReadyTransitionMs(pod: PodView): number | undefined {
  const t = podCondition(pod, 'Ready')?.lastTransitionTime;
  return typeof t === 'string' ? parseRfc3339(t) : undefined;
}

/**
 * Upstream `IsPodAvailable`: ready, and (with `minReadySeconds` > 0) ready since strictly more than
 * `minReadySeconds` before `nowMs`.
 */
export function isPodAvailable(pod: PodView, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadyTransitionMs(pod);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}

/** Upstream `IsPodTerminal`: phase `Succeeded` or `Failed`. */
export function isPodTerminal(pod: PodView): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Whether the pod is being deleted (`metadata.deletionTimestamp` is set). */
export function isPodDeleting(pod: PodView): boolean {
  return pod.metadata?.deletionTimestamp !== undefined;
}

/** Upstream `IsPodActive`: neither terminal nor being deleted. */
export function isPodActive(pod: PodView): boolean {
  return !isPodTerminal(pod) && !isPodDeleting(pod);
}

/** The pod's `metadata.creationTimestamp` in virtual milliseconds (`undefined` when absent). */
export function podCreationMs(pod: PodView): number | undefined {
  const t = pod.metadata?.creationTimestamp;
  return typeof t === 'string' ? parseRfc3339(t) : undefined;
}

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function maxContainerRestarts(pod: PodView): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) if ((c.restartCount ?? 0) > max) max = c.restartCount ?? 0;
  return max;
}

/** Upstream `afterOrZero`: a missing time sorts first, then the later time. */
function afterOrZero(a: number | undefined, b: number | undefined): boolean | undefined {
  if (a === b) return undefined;
  if (a === undefined || b === undefined) return a === undefined;
  return a > b;
}

/**
 * Upstream `controller.ActivePods` order, the order in which controllers pick pods to delete
 * (the "least valuable" first): unscheduled before scheduled, Pending before Unknown before
 * Running, not ready before ready, ready for less time before ready for longer, more container
 * restarts before fewer, newer before older; the pod's namespace/name breaks the remaining ties so
 * the order is total.
 */
export function compareActivePods(a: PodView, b: PodView): number {
  const nodeA = a.spec?.nodeName ?? '';
  const nodeB = b.spec?.nodeName ?? '';
  if (nodeA !== nodeB && (nodeA === '' || nodeB === '')) return nodeA === '' ? -1 : 1;
  const phaseA = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const phaseB = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return readyA ? 1 : -1;
  if (readyA && readyB) {
    const later = afterOrZero(podReadyTransitionMs(a), podReadyTransitionMs(b));
    if (later !== undefined) return later ? -1 : 1;
  }
  const restartsA = maxContainerRestarts(a);
  const restartsB = maxContainerRestarts(b);
  if (restartsA !== restartsB) return restartsA > restartsB ? -1 : 1;
  const newer = afterOrZero(podCreationMs(a), podCreationMs(b));
  if (newer !== undefined) return newer ? -1 : 1;
  return comparePodKeys(a, b);
}

/** Orders pods by namespace, then name (code point order). */
export function comparePodKeys(a: PodView, b: PodView): number {
  const ka = `${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`;
  const kb = `${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
