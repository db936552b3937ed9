/**
 * What the workload controllers read off a pod: whether it is active, terminating, ready, available.
 * Upstream `pkg/api/v1/pod/util.go` (`IsPodReady`, `IsPodAvailable`, `GetPodReadyCondition`) and
 * `pkg/controller/controller_utils.go` (`IsPodActive`, `IsPodTerminating`).
 */
import { controllerRef, parseRfc3339, type DeepReadonly, type KubeObject, type Pod, type PodCondition, type Selector } from 'kubeprop';

/** A pod as the informer caches hand it out (deeply frozen; it always has metadata). */
export type CachedPod = DeepReadonly<Pod & KubeObject>;

/** The pod's `Ready` condition, if it has one (upstream `GetPodReadyCondition`). */
export function podReadyCondition(pod: CachedPod): DeepReadonly<PodCondition> | undefined {
  const conditions = pod.status?.conditions;
  if (conditions === undefined) return undefined;
  for (let i = 0; i < conditions.length; i++) {
    const c = conditions[i] as DeepReadonly<PodCondition>;
    if (c.type === 'Ready') return c;
  }
  return undefined;
}

/** Upstream `IsPodReady`: the `Ready` condition is `True`. */
export function isPodReady(pod: CachedPod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** Whether the pod reached a terminal phase (`Succeeded` or `Failed`). */
export function isPodTerminal(pod: CachedPod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Upstream `IsPodActive`: not terminal and not being deleted. */
export function isPodActive(pod: CachedPod): boolean {
  return !isPodTerminal(pod) && pod.metadata?.deletionTimestamp === undefined;
}

/** Parsed timestamps, by text: timestamps have whole seconds, so few distinct texts recur. */
const parsed = new Map<string, number | undefined>();
const PARSED_MAX = 4096;

/**
 * A `metav1.Time` as virtual milliseconds, `undefined` for an absent or malformed time (upstream's
 * zero time). A pure function of its input; the memo only saves re-parsing.
 */
export function timeMs(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (parsed.has(text)) return parsed.get(text);
  const ms = parseRfc3339(text);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(text, ms);
  return ms;
}

/**
 * Upstream `IsPodAvailable`: ready, and (with `minReadySeconds` > 0) ready since strictly more
 * than `minReadySeconds` before `nowMs`.
 */
export function isPodAvailable(pod: CachedPod, minReadySeconds: number, nowMs: number): boolean {
  const ready = podReadyCondition(pod);
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = timeMs(ready.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}

/**
 * How long until the first ready-but-not-yet-available pod becomes available (upstream
 * `FindMinNextPodAvailabilityCheck`), in ms; `undefined` when no pod is waiting for that.
 */
export function nextAvailabilityCheckMs(pods: readonly CachedPod[], minReadySeconds: number, nowMs: number): number | undefined {
  if (minReadySeconds <= 0) return undefined;
  let next: number | undefined;
  for (const pod of pods) {
    const ready = podReadyCondition(pod);
    if (ready?.status !== 'True') continue;
    const since = timeMs(ready.lastTransitionTime);
    if (since === undefined) continue;
    // Available once strictly after since + minReadySeconds: the next virtual millisecond.
    const wait = since + minReadySeconds * 1000 + 1 - nowMs;
    if (wait > 0 && (next === undefined || wait < next)) next = wait;
  }
  return next;
}

/**
 * Facts derived from one version of a pod, computed once: cached pods are frozen and shared, and
 * the same pods are looked at again and again (orphans a ReplicaSet may adopt, pods counted for a
 * status). Keyed by the object, so a new version of a pod is a new entry and the old one is
 * collected with it. (A ReplicaSet's own pods go through `owned-pods.ts` instead.)
 */
export interface PodMemo {
  /** Upstream `IsPodActive`: not terminal and not being deleted. */
  readonly active: boolean;
  /** Upstream `IsPodTerminating`: being deleted but not yet terminal. */
  readonly terminating: boolean;
  readonly ready: boolean;
  readonly controllerUid: string | undefined;
  /** The last selector matched against the pod, and the answer. */
  selector: Selector | undefined;
  selectorMatch: boolean;
  /** The last template label set compared with the pod's labels, and the answer. */
  templateLabels: object | undefined;
  fullyLabeled: boolean;
}

const memos = new WeakMap<object, PodMemo>();

/** The memoized facts of one pod version. */
export function podMemo(pod: CachedPod): PodMemo {
  let m = memos.get(pod);
  if (m === undefined) {
    const terminal = isPodTerminal(pod);
    const deleting = pod.metadata.deletionTimestamp !== undefined;
    m = {
      active: !terminal && !deleting,
      terminating: !terminal && deleting,
      ready: podReadyCondition(pod)?.status === 'True',
      controllerUid: controllerRef(pod)?.uid,
      selector: undefined,
      selectorMatch: false,
      templateLabels: undefined,
      fullyLabeled: false,
    };
    memos.set(pod, m);
  }
  return m;
}

/** `isPodActive`, memoized per pod version. */
export function podIsActive(pod: CachedPod): boolean {
  return podMemo(pod).active;
}

/** `isPodReady`, memoized per pod version. */
export function podIsReady(pod: CachedPod): boolean {
  return podMemo(pod).ready;
}

/** The uid of the pod's controller owner, memoized per pod version. */
export function podControllerUid(pod: CachedPod): string | undefined {
  return podMemo(pod).controllerUid;
}

/** Whether `selector` matches the pod's labels, memoized for the last selector asked. */
export function podMatches(pod: CachedPod, selector: Selector, memo?: PodMemo): boolean {
  const m = memo ?? podMemo(pod);
  if (m.selector !== selector) {
    m.selector = selector;
    m.selectorMatch = selector.matches(pod.metadata.labels);
  }
  return m.selectorMatch;
}

/**
 * Whether the pod carries every label of `templateLabels` (upstream's "fully labeled" test),
 * memoized for the last label set asked.
 */
export function podFullyLabeled(pod: CachedPod, templateLabels: Readonly<Record<string, string>>, memo?: PodMemo): boolean {
  const m = memo ?? podMemo(pod);
  if (m.templateLabels !== templateLabels) {
    m.templateLabels = templateLabels;
    const labels = pod.metadata.labels;
    let all = true;
    for (const k in templateLabels) {
      if (labels?.[k] !== templateLabels[k]) {
        all = false;
        break;
      }
    }
    m.fullyLabeled = all;
  }
  return m.fullyLabeled;
}
