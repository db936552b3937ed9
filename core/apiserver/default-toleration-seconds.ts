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

/** Adds the default tolerations to a pod (copy-on-write: the pod itself when it has both). */
export function defaultTolerationSeconds(pod: Readonly<Obj>): Readonly<Obj> {
  const spec = pod.spec;
  // Ill-typed tolerations are left for validation to report.
  if (!isObj(spec) || (spec.tolerations !== undefined && !Array.isArray(spec.tolerations))) return pod;
  const tolerations = arrAt(spec, 'tolerations') ?? [];
  const added: Obj[] = [];
  for (const key of [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]) {
    if (!tolerates(tolerations, key)) added.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS });
  }
  if (added.length === 0) return pod;
  return withField(pod, 'spec', withField(spec, 'tolerations', [...tolerations, ...added]));
}
