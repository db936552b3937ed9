/**
 * The DefaultTolerationSeconds admission plugin: every pod tolerates the `not-ready` and
 * `unreachable` NoExecute taints for 300 s unless it already tolerates them, so pods are evicted
 * from a failed node five minutes after the node controller taints it.
 *
 * Upstream: `plugin/pkg/admission/defaulttolerationseconds/admission.go` (pods only, create and
 * update, not subresources). A toleration with an empty key (tolerating every key) or an empty
 * effect (every effect) counts as tolerating.
 */
import { arrAt, isObj, withField, type Obj } from './json-fields.js';

/** Upstream `--default-not-ready-toleration-seconds` / `--default-unreachable-toleration-seconds`. */
export const DEFAULT_TOLERATION_SECONDS = 300;
/** Upstream `v1.TaintNodeNotReady`. */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
/** Upstream `v1.TaintNodeUnreachable`. */
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

function tolerates(tolerations: readonly unknown[], key: string): boolean {
  for (const t of tolerations) {
    if (!isObj(t)) continue;
    const k = t.key ?? '';
    const effect = t.effect ?? '';
    if ((k === key || k === '') && (effect === 'NoExecute' || effect === '')) return true;
  }
  return false;
}

function defaultToleration(key: string): Readonly<Obj> {
  return Object.freeze({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS });
}

/**
 * The tolerations the plugin adds, frozen and shared by every pod it adds them to (the store then
 * keeps them without copying): most pods get both, as this very array.
 */
const NOT_READY_TOLERATION = defaultToleration(TAINT_NODE_NOT_READY);
const UNREACHABLE_TOLERATION = defaultToleration(TAINT_NODE_UNREACHABLE);
const BOTH_TOLERATIONS: readonly unknown[] = Object.freeze([NOT_READY_TOLERATION, UNREACHABLE_TOLERATION]);

/** Adds the default tolerations to a pod (copy-on-write: the pod itself when it has both). */
export function defaultTolerationSeconds(pod: Readonly<Obj>): Readonly<Obj> {
  const spec = pod.spec;
  // Ill-typed tolerations are left for validation to report.
  if (!isObj(spec) || (spec.tolerations !== undefined && !Array.isArray(spec.tolerations))) return pod;
  const tolerations = arrAt(spec, 'tolerations') ?? [];
  const notReady = !tolerates(tolerations, TAINT_NODE_NOT_READY);
  const unreachable = !tolerates(tolerations, TAINT_NODE_UNREACHABLE);
  if (!notReady && !unreachable) return pod;
  let next: readonly unknown[];
  if (tolerations.length === 0 && notReady && unreachable) next = BOTH_TOLERATIONS;
  else {
    const list = [...tolerations];
    if (notReady) list.push(NOT_READY_TOLERATION);
    if (unreachable) list.push(UNREACHABLE_TOLERATION);
    next = list;
  }
  return withField(pod, 'spec', withField(spec, 'tolerations', next));
}
