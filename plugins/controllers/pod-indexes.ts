/**
 * Pod cache indexes the built-in controllers share, and the lookups built on them. Upstream
 * controllers list a namespace's pods and filter them with a selector on every sync; at tens of
 * thousands of pods that is the dominant cost, so here each sync reads only the index buckets it
 * needs:
 * - {@link CONTROLLER_UID_INDEX}: pods by the uid of their controller owner reference (a workload's
 *   own pods);
 * - {@link POD_LABEL_INDEX}: pods by `namespace` + one `key=value` label pair (the candidates of an
 *   equality selector: a Service's selector, a workload's `matchLabels`).
 *
 * Index names and functions are shared values: a manager merges the indexers of its controllers by
 * name and requires one name to mean one function, so every controller that wants these indexes
 * declares them with these exact exports.
 */
import {
  indexByControllerUid,
  indexByNodeName,
  indexReading,
  type ApiResult,
  type ControllerClient,
  type DeepReadonly,
  type IndexFunc,
  type LabelSelector,
  type Selector,
} from 'kubeprop';
import type { PodView } from './pod-state.js';

/** Index name: the uid of a pod's controller owner reference. */
export const CONTROLLER_UID_INDEX = 'controllerUid';

/** Index name: `spec.nodeName`. */
export const NODE_NAME_INDEX = 'kubeprop.io/node-name';

/** Index name: one value per label, `namespace|key=value`. */
export const POD_LABEL_INDEX = 'kubeprop.io/namespace-label';

/** The index value of the label `key=value` in `namespace` (`|` occurs in neither a namespace nor a label key). */
export function labelIndexValue(namespace: string, key: string, value: string): string {
  return `${namespace}|${key}=${value}`;
}

/**
 * The values of {@link POD_LABEL_INDEX} by (frozen) label set: every version of a pod, and every
 * pod of a template, shares one label set, so the strings are built once and an update finds the
 * very array it had, which the cache compares at no cost.
 */
const labelValues = new WeakMap<object, { readonly namespace: string; readonly values: readonly string[] }>();

/** Index function for {@link POD_LABEL_INDEX}. */
export const indexByNamespaceLabel: IndexFunc = indexReading(['metadata.namespace', 'metadata.labels'], (obj) => {
  const labels = obj.metadata.labels;
  if (labels === undefined) return [];
  const ns = obj.metadata.namespace ?? '';
  const hit = labelValues.get(labels);
  if (hit !== undefined && hit.namespace === ns) return hit.values;
  const out: string[] = [];
  for (const k of Object.keys(labels)) out.push(labelIndexValue(ns, k, labels[k] as string));
  // A label set that may still change is not remembered.
  if (Object.isFrozen(labels)) labelValues.set(labels, { namespace: ns, values: Object.freeze(out) });
  return out;
});

/** The pod indexers to declare (`indexers: { Pod: POD_INDEXERS }`). */
export const POD_INDEXERS: Readonly<Record<string, IndexFunc>> = Object.freeze({
  [CONTROLLER_UID_INDEX]: indexByControllerUid,
  [NODE_NAME_INDEX]: indexByNodeName,
  [POD_LABEL_INDEX]: indexByNamespaceLabel,
});

/** The owner-uid indexer for other owned kinds (ControllerRevisions). */
export const CONTROLLER_UID_INDEXERS: Readonly<Record<string, IndexFunc>> = Object.freeze({
  [CONTROLLER_UID_INDEX]: indexByControllerUid,
});

/** The pods whose controller owner reference has `uid`, from the cache. */
export function podsControlledBy(client: ControllerClient, namespace: string, uid: string): ApiResult<readonly PodView[]> {
  return client.list<PodView>('Pod', { namespace, index: { name: CONTROLLER_UID_INDEX, value: uid } });
}

/**
 * The pods of `namespace` that `selector` matches, from the cache. With an equality term
 * (`matchLabels`, or a map selector such as a Service's) only the bucket of the first such pair (by
 * key) is read; a selector made only of expressions falls back to the whole namespace.
 * `matchLabels` must be the selector's equality terms and `selector` its compiled form.
 */
export function podsMatching(
  client: ControllerClient,
  namespace: string,
  matchLabels: DeepReadonly<Record<string, string>> | undefined,
  selector: Selector,
): ApiResult<readonly PodView[]> {
  const keys = matchLabels === undefined ? [] : Object.keys(matchLabels).sort();
  const first = keys[0];
  const listed =
    first === undefined
      ? client.list<PodView>('Pod', { namespace })
      : client.list<PodView>('Pod', { namespace, index: { name: POD_LABEL_INDEX, value: labelIndexValue(namespace, first, (matchLabels as Record<string, string>)[first] as string) } });
  if (!listed.ok) return listed;
  const out: PodView[] = [];
  for (const p of listed.value) if (selector.matches(p.metadata?.labels)) out.push(p);
  return { ok: true, value: out };
}

/** `podsMatching` for a `metav1.LabelSelector` already compiled to `selector`. */
export function podsMatchingLabelSelector(
  client: ControllerClient,
  namespace: string,
  labelSelector: DeepReadonly<LabelSelector> | undefined,
  selector: Selector,
): ApiResult<readonly PodView[]> {
  return podsMatching(client, namespace, labelSelector?.matchLabels, selector);
}
