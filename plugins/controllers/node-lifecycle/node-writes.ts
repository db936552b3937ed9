/**
 * The node and pod writes the node lifecycle controller makes, each a fresh read followed by an
 * optimistic write, retried on conflict as upstream's `clientretry.RetryOnConflict` does.
 *
 * Upstream: `pkg/controller/controller_utils.go` (`AddOrUpdateTaintOnNode`, `RemoveTaintOffNode`,
 * `AddOrUpdateLabelsOnNode`, `UpdateTaintBackoff` = 5 steps), `pkg/controller/util/node/
 * controller_utils.go` (`SwapNodeControllerTaint`, `MarkPodsNotReady`) and `pkg/util/taints/taints.go`.
 * Calls are synchronous, so upstream's back-off sleeps between attempts collapse to nothing: a
 * conflict can only come from a write at the same instant, and the retry reads it.
 */
import { formatRfc3339, isConflict, isNotFound, matchTaint, type ControllerClient, type ReconcileContext } from 'kubeprop';
import {
  asKubeObject,
  asNode,
  cleanTaint,
  conditionOf,
  taintExists,
  taintsEqual,
  type NodeView,
  type PodView,
  type TaintView,
} from './node-objects.js';
import { updatePodCondition } from './pod-conditions.js';

/** Upstream `UpdateTaintBackoff.Steps`: attempts of one taint or label write. */
export const UPDATE_TAINT_ATTEMPTS = 5;

type Api = ControllerClient['api'];

function nodeRef(name: string) {
  return { apiVersion: 'v1', kind: 'Node', name } as const;
}

/** The node with `taints` as its spec taints (the field dropped when empty). */
function withTaints(node: NodeView, taints: readonly TaintView[]): NodeView {
  const spec: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node.spec ?? {})) if (k !== 'taints' && v !== undefined) spec[k] = v;
  if (taints.length > 0) spec['taints'] = taints.map(cleanTaint);
  return { ...node, spec } as NodeView;
}

/**
 * Reads the node, applies `change` to its taints, writes it back if they changed; conflicts are
 * retried with a fresh read. Returns whether the node now has the wanted taints (a missing node
 * counts as a failure, as upstream's `Get` error does).
 */
function updateNodeTaints(api: Api, name: string, change: (taints: readonly TaintView[]) => readonly TaintView[] | undefined): boolean {
  for (let attempt = 0; attempt < UPDATE_TAINT_ATTEMPTS; attempt++) {
    const got = api.get(nodeRef(name));
    if (!got.ok) return false;
    const node = asNode(got.value);
    const next = change(node.spec?.taints ?? []);
    if (next === undefined) return true;
    const res = api.update(asKubeObject(withTaints(node, next)));
    if (res.ok) return true;
    if (!isConflict(res.error)) return false;
  }
  return false;
}

/** Upstream `taintutils.AddOrUpdateTaint` over a list: `undefined` when nothing changes. */
function addOrUpdateTaints(current: readonly TaintView[], add: readonly TaintView[]): readonly TaintView[] | undefined {
  let list = current;
  let updated = false;
  for (const taint of add) {
    const i = list.findIndex((t) => matchTaint(t, taint));
    if (i >= 0) {
      if (taintsEqual(list[i] as TaintView, taint)) continue;
      list = list.map((t, j) => (j === i ? taint : t));
    } else {
      list = [...list, taint];
    }
    updated = true;
  }
  return updated ? list : undefined;
}

/** Upstream `AddOrUpdateTaintOnNode`. */
export function addOrUpdateTaintsOnNode(api: Api, name: string, taints: readonly TaintView[]): boolean {
  if (taints.length === 0) return true;
  return updateNodeTaints(api, name, (current) => addOrUpdateTaints(current, taints));
}

/**
 * Upstream `RemoveTaintOffNode`: with `cached` given, no call is made unless the cached node has
 * one of the taints (upstream's short circuit "for limiting amount of API calls").
 */
export function removeTaintsOffNode(api: Api, name: string, cached: NodeView | undefined, taints: readonly TaintView[]): boolean {
  if (taints.length === 0) return true;
  if (cached !== undefined && !taints.some((t) => taintExists(cached.spec?.taints, t))) return true;
  return updateNodeTaints(api, name, (current) => {
    const next = current.filter((t) => !taints.some((r) => matchTaint(t, r)));
    return next.length === current.length ? undefined : next;
  });
}

/**
 * Upstream `SwapNodeControllerTaint`: adds `add` (stamped with `timeAdded` = now), then removes
 * `remove`. Returns whether both writes succeeded.
 */
export function swapNodeControllerTaint(ctx: ReconcileContext, node: NodeView, add: readonly TaintView[], remove: readonly TaintView[]): boolean {
  const api = ctx.client.api;
  const name = node.metadata.name ?? '';
  const now = formatRfc3339(ctx.nowMs());
  const stamped = add.map((t) => ({ ...cleanTaint(t), timeAdded: now }));
  if (!addOrUpdateTaintsOnNode(api, name, stamped)) {
    ctx.trace('node-taint-failed', { node: name, taints: stamped.map((t) => `${t.key}:${t.effect}`).join(',') });
    return false;
  }
  if (!removeTaintsOffNode(api, name, node, remove)) {
    ctx.trace('node-taint-failed', { node: name, removing: remove.map((t) => `${t.key}:${t.effect}`).join(',') });
    return false;
  }
  if (stamped.length > 0 || remove.length > 0) {
    ctx.trace('node-taints-swapped', { node: name, added: stamped.map((t) => `${t.key}:${t.effect}`).join(','), removed: remove.map((t) => `${t.key}:${t.effect}`).join(',') });
  }
  return true;
}

/** Upstream `AddOrUpdateLabelsOnNode`: merges `labels` into the node's labels. */
export function addOrUpdateLabelsOnNode(api: Api, name: string, labels: Readonly<Record<string, string>>): boolean {
  for (let attempt = 0; attempt < UPDATE_TAINT_ATTEMPTS; attempt++) {
    const got = api.get(nodeRef(name));
    if (!got.ok) return false;
    const node = asNode(got.value);
    const current = node.metadata.labels ?? {};
    if (Object.entries(labels).every(([k, v]) => current[k] === v)) return true;
    const res = api.update(asKubeObject({ ...node, metadata: { ...node.metadata, labels: { ...current, ...labels } } }));
    if (res.ok) return true;
    if (!isConflict(res.error)) return false;
  }
  return false;
}

/**
 * Upstream `MarkPodsNotReady`: for each pod on `nodeName` whose `Ready` condition is not already
 * `False`, writes that condition with status `False` (reason and message kept, transition time
 * now) through the status subresource, from the cached pod. Pods already gone are skipped; returns
 * whether every write succeeded (a conflict with a stale cache is a failure to retry).
 */
export function markPodsNotReady(ctx: ReconcileContext, pods: readonly PodView[], nodeName: string): boolean {
  let ok = true;
  for (const pod of pods) {
    if (pod.spec?.nodeName !== nodeName) continue;
    const ready = conditionOf(pod.status?.conditions, 'Ready');
    if (ready === undefined) continue;
    const update = updatePodCondition(pod.status?.conditions, { ...ready, status: 'False' }, ctx.nowMs());
    if (!update.changed) continue;
    const res = ctx.client.updateStatus(asKubeObject({ ...pod, status: { ...pod.status, conditions: update.conditions } }));
    if (!res.ok) {
      if (isNotFound(res.error)) continue;
      ok = false;
      continue;
    }
    ctx.trace('pod-marked-not-ready', { pod: `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`, node: nodeName, reason: 'NodeNotReady' });
  }
  return ok;
}
