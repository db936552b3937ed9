/**
 * DaemonSet scheduling and update arithmetic, after upstream `pkg/controller/daemon/util/
 * daemonset_util.go` (`AddOrUpdateDaemonPodTolerations`, `ReplaceDaemonSetPodNodeNameNodeAffinity`,
 * `GetTargetNodeName`, `SurgeCount`, `UnavailableCount`, `IsPodUpdated`) and
 * `pkg/controller/daemon/daemon_controller.go` (`NodeShouldRunDaemonPod`, `predicates`,
 * `podByCreationTimestampAndPhase`).
 */
import {
  ConfigError,
  RequiredNodeAffinity,
  TAINT_EFFECT_NO_EXECUTE,
  TAINT_EFFECT_NO_SCHEDULE,
  findMatchingUntoleratedTaint,
  type Affinity,
  type DaemonSet,
  type DeepReadonly,
  type IntOrString,
  type Node,
  type Toleration,
} from 'kubeprop';
import { podCreationMs, type PodView } from '../pod-state.js';

/** A DaemonSet as the cache hands it out. */
export type DaemonSetView = DeepReadonly<DaemonSet>;
/** A Node as the cache hands it out. */
export type NodeView = DeepReadonly<Node>;

/** Upstream `apps.DefaultDaemonSetUniqueLabelKey` (`ControllerRevisionHashLabelKey`). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** Upstream `extensions.DaemonSetTemplateGenerationKey`. */
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** Upstream `apps.DeprecatedTemplateGeneration`. */
export const DEPRECATED_TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/**
 * The tolerations upstream adds to every DaemonSet pod (`AddOrUpdateDaemonPodTolerations`): node
 * problems must not evict or block daemons. `network-unavailable` only for host-network pods.
 */
export function daemonPodTolerations(hostNetwork: boolean): Toleration[] {
  const out: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) out.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return out;
}

/**
 * Upstream `v1helper.AddOrUpdateTolerationInPodSpec` for each daemon toleration: a toleration with
 * the same key, operator, value and effect is replaced, otherwise the toleration is appended.
 */
export function withDaemonTolerations(existing: readonly DeepReadonly<Toleration>[] | undefined, hostNetwork: boolean): Toleration[] {
  const out: Toleration[] = (existing ?? []).map((t) => ({ ...t }) as Toleration);
  for (const t of daemonPodTolerations(hostNetwork)) {
    const i = out.findIndex((o) => (o.key ?? '') === t.key && (o.operator ?? 'Equal') === t.operator && (o.value ?? '') === '' && (o.effect ?? '') === t.effect);
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/** Upstream `ReplaceDaemonSetPodNodeNameNodeAffinity`: the required node affinity becomes `metadata.name In [node]`. */
export function nodeNameAffinity(affinity: DeepReadonly<Affinity> | undefined, nodeName: string): Affinity {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
  const base = (affinity ?? {}) as Affinity;
  return { ...base, nodeAffinity: { ...(base.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required } } as Affinity;
}

/**
 * Upstream `GetTargetNodeName`: `spec.nodeName`, else the single value of a `metadata.name In`
 * field requirement of the required node affinity; `undefined` when there is neither.
 */
export function targetNodeName(pod: PodView): string | undefined {
  const nodeName = pod.spec?.nodeName ?? '';
  if (nodeName !== '') return nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In') return f.values?.length === 1 ? f.values[0] : undefined;
    }
  }
  return undefined;
}

/** Whether a node should run a daemon pod, and whether a running one may stay. */
export interface NodeVerdict {
  readonly shouldRun: boolean;
  readonly shouldContinueRunning: boolean;
}

/** Compiled per-DaemonSet inputs of {@link nodeShouldRunDaemonPod} (compile once per sync). */
export interface DaemonPlacement {
  readonly nodeName: string;
  readonly affinity: RequiredNodeAffinity;
  readonly tolerations: readonly Toleration[];
}

/** Compiles the template's node name, node selector / required affinity and tolerations (with the daemon ones). */
export function daemonPlacement(ds: DaemonSetView): DaemonPlacement {
  const spec = ds.spec?.template?.spec;
  return {
    nodeName: spec?.nodeName ?? '',
    affinity: RequiredNodeAffinity.of(spec?.nodeSelector, spec?.affinity),
    tolerations: withDaemonTolerations(spec?.tolerations, spec?.hostNetwork === true),
  };
}

/**
 * Upstream `NodeShouldRunDaemonPod`: the node must match the template's `nodeName` (if any) and its
 * node selector / required node affinity, and its `NoSchedule`/`NoExecute` taints must be
 * tolerated (with the daemon tolerations added). A node whose only untolerated taints are
 * `NoSchedule` gets no new pod but keeps a running one.
 */
export function nodeShouldRunDaemonPod(node: NodeView, placement: DaemonPlacement): NodeVerdict {
  const name = node.metadata?.name ?? '';
  if (placement.nodeName !== '' && placement.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  if (!placement.affinity.match(node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints;
  const blocking = findMatchingUntoleratedTaint(taints, placement.tolerations, (t) => t.effect === TAINT_EFFECT_NO_SCHEDULE || t.effect === TAINT_EFFECT_NO_EXECUTE);
  if (blocking !== undefined) {
    const evicting = findMatchingUntoleratedTaint(taints, placement.tolerations, (t) => t.effect === TAINT_EFFECT_NO_EXECUTE);
    return { shouldRun: false, shouldContinueRunning: evicting === undefined };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/**
 * Upstream `intstr.GetScaledValueFromIntOrPercent(value, total, roundUp=true)`: an integer as is, a
 * percentage of `total` rounded up. A malformed value is a `ConfigError`.
 */
export function scaledValue(value: IntOrString | undefined, total: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (m === null) {
    if (/^\d+$/.test(value)) return Number(value);
    throw new ConfigError(`invalid value for IntOrString: invalid type: string is not a percentage: ${JSON.stringify(value)}`);
  }
  return Math.ceil((Number(m[1]) * total) / 100);
}

/** Whether the update strategy is `RollingUpdate` (the default). */
export function isRollingUpdate(ds: DaemonSetView): boolean {
  return (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** Upstream `SurgeCount`: 0 unless rolling; `maxSurge` (default 0) scaled to `total`. */
export function surgeCount(ds: DaemonSetView, total: number): number {
  if (!isRollingUpdate(ds)) return 0;
  return scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge as IntOrString | undefined, total, 0);
}

/** Upstream `UnavailableCount`: 0 unless rolling; `maxUnavailable` (default 1) scaled to `total`. */
export function unavailableCount(ds: DaemonSetView, total: number): number {
  if (!isRollingUpdate(ds)) return 0;
  return scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable as IntOrString | undefined, total, 1);
}

/** Upstream `AllowsSurge`. */
export function allowsSurge(ds: DaemonSetView): boolean {
  return surgeCount(ds, 1) > 0;
}

/**
 * Upstream `IsPodUpdated`: the pod carries the current revision's hash. (Upstream also compares the
 * deprecated template generation, but through a pointer, so that comparison never matches.)
 */
export function isPodUpdated(pod: PodView, hash: string): boolean {
  return hash !== '' && pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
}

/**
 * Upstream `podByCreationTimestampAndPhase`: scheduled pods first, then the oldest; the name breaks
 * ties.
 */
export function compareByCreationAndPhase(a: PodView, b: PodView): number {
  const sa = (a.spec?.nodeName ?? '') !== '';
  const sb = (b.spec?.nodeName ?? '') !== '';
  if (sa !== sb) return sa ? -1 : 1;
  const ta = podCreationMs(a) ?? 0;
  const tb = podCreationMs(b) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}
