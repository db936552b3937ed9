/**
 * What a ReplicaSet's sync reads off the pods it controls (active, terminating, matched by its
 * selector, ready, fully labeled), kept from one sync to the next.
 *
 * A ReplicaSet is synced after events of its pods, so between two syncs only a few of its pods
 * change, and the cache hands out the same frozen object for a pod until it does. A sync therefore
 * compares the pods it lists with those the previous sync listed, position by position, and reads
 * only the pods that are not the very objects the previous sync saw there; the others keep their
 * facts. The facts are a pure function of the pod, the selector and the template labels, so they
 * are kept only while the ReplicaSet (by uid) has the same selector and template label objects.
 */
import type { DeepReadonly, Selector } from 'kubeprop';
import { isPodReady, isPodTerminal, type CachedPod } from './pod-state.js';

/** Fact bit: the pod is active (upstream `IsPodActive`: not terminal, not being deleted). */
export const POD_ACTIVE = 1;
/** Fact bit: being deleted, not yet terminal (upstream `IsPodTerminating`). */
export const POD_TERMINATING = 2;
/** Fact bit: the selector matches the pod (read for active and terminating pods only). */
export const POD_MATCHED = 4;
/** Fact bit: the pod is ready (upstream `IsPodReady`). */
export const POD_READY = 8;
/** Fact bit: the pod has every template label (read for active pods only). */
export const POD_FULLY_LABELED = 16;

/** The facts of the pods one sync listed. */
export interface OwnedPodScan {
  readonly uid: string;
  readonly selector: Selector;
  readonly templateLabels: Readonly<Record<string, string>>;
  /** The pods as listed (in key order). */
  readonly pods: readonly CachedPod[];
  /** `facts[i]`: the fact bits of `pods[i]`. */
  readonly facts: readonly number[];
  /**
   * Whether every pod is active and matched by the selector: all of them are then the
   * ReplicaSet's own, none is released and none is terminating (the usual case).
   */
  readonly allActiveMatched: boolean;
  /** Active matched pods that are fully labeled. */
  readonly fullyLabeled: number;
  /** Active matched pods that are ready. */
  readonly ready: number;
}

/** No previous scan to reuse. */
const NOTHING_SCANNED: Pick<OwnedPodScan, 'pods' | 'facts'> = Object.freeze({ pods: Object.freeze([]), facts: Object.freeze([]) });

const ACTIVE_MATCHED = POD_ACTIVE | POD_MATCHED;

/**
 * The fact bits of one pod, read directly: a scan reads only pods it has not seen, so remembering
 * facts per pod version would cost more than it saves.
 */
export function podFacts(pod: CachedPod, selector: Selector, templateLabels: Readonly<Record<string, string>>): number {
  let facts = isPodReady(pod) ? POD_READY : 0;
  if (isPodTerminal(pod)) return facts;
  if (pod.metadata.deletionTimestamp === undefined) {
    facts |= POD_ACTIVE;
    if (hasLabels(pod.metadata.labels, templateLabels)) facts |= POD_FULLY_LABELED;
  } else {
    facts |= POD_TERMINATING;
  }
  return selector.matches(pod.metadata.labels) ? facts | POD_MATCHED : facts;
}

/** Whether `labels` has every label of `wanted` (upstream's "fully labeled" test). */
function hasLabels(labels: DeepReadonly<Record<string, string>> | undefined, wanted: Readonly<Record<string, string>>): boolean {
  for (const k in wanted) if (labels?.[k] !== wanted[k]) return false;
  return true;
}

/**
 * The facts of `pods`, the pods ReplicaSet `uid` controls, reusing those of `previous` (the last
 * scan of the same ReplicaSet, if any) for every pod still at the same position; with the counts
 * of the active matched pods, taken in the same pass.
 */
export function scanOwnedPods(
  previous: OwnedPodScan | undefined,
  uid: string,
  selector: Selector,
  templateLabels: Readonly<Record<string, string>>,
  pods: readonly CachedPod[],
): OwnedPodScan {
  const reusable = previous !== undefined && previous.uid === uid && previous.selector === selector && previous.templateLabels === templateLabels;
  const before = reusable ? previous : NOTHING_SCANNED;
  const shared = Math.min(before.pods.length, pods.length);
  const facts: number[] = [];
  let allActiveMatched = true;
  let fullyLabeled = 0;
  let ready = 0;
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i] as CachedPod;
    const f = i < shared && before.pods[i] === pod ? (before.facts[i] as number) : podFacts(pod, selector, templateLabels);
    facts.push(f);
    if ((f & ACTIVE_MATCHED) !== ACTIVE_MATCHED) {
      allActiveMatched = false;
      continue;
    }
    if ((f & POD_FULLY_LABELED) !== 0) fullyLabeled++;
    if ((f & POD_READY) !== 0) ready++;
  }
  return { uid, selector, templateLabels, pods, facts, allActiveMatched, fullyLabeled, ready };
}
