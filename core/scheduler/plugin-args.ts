/**
 * The arguments of the default scheduler plugins: typed shapes, defaulting and validation, exactly as
 * kube-scheduler v1.35 decodes `pluginConfig[].args` for its in-tree plugins.
 *
 * Mirrors `k8s.io/kube-scheduler/config/v1/types_pluginargs.go` (the shapes),
 * `pkg/scheduler/apis/config/v1/defaults.go` (`SetDefaults_*Args`) and
 * `pkg/scheduler/apis/config/validation/validation_pluginargs.go` (`Validate*Args`). Each
 * `decode*Args(raw, path)` is an `ArgsDecoder`: it takes the raw args (`undefined` when the
 * configuration gives none), applies the defaults, validates, and throws a `SchedulerConfigError`
 * (a `ConfigError`) naming every bad field under `path`. The default plugins use them as their
 * `decodeArgs`; the configuration loader runs them at load time so bad args are reported with their
 * file, line and column.
 *
 * Args may carry `apiVersion: kubescheduler.config.k8s.io/v1` and `kind: <Plugin>Args`; other values
 * are rejected. Unknown fields are errors (strict decoding).
 */
import type { NodeAffinity, TopologySpreadConstraint } from '../api/types.js';
import { FieldErrors, FieldPath } from './config-errors.js';
import {
  decodeDefaultPreemptionArgsInto,
  decodeDynamicResourcesArgsInto,
  decodeInterPodAffinityArgsInto,
  decodeNodeAffinityArgsInto,
  decodeNodeResourcesBalancedAllocationArgsInto,
  decodeNodeResourcesFitArgsInto,
  decodePodTopologySpreadArgsInto,
  decodeVolumeBindingArgsInto,
  type ArgsDecoderInto,
} from './plugin-args-decode.js';

export { MAX_CUSTOM_PRIORITY_SCORE, PLUGIN_ARGS_API_VERSION } from './plugin-args-decode.js';

/** A resource and its weight (upstream `ResourceSpec`). */
export interface ResourceSpec {
  readonly name: string;
  readonly weight: number;
}

/** One point of a utilization → score function (upstream `UtilizationShapePoint`). */
export interface UtilizationShapePoint {
  /** 0..100, strictly increasing along the shape. */
  readonly utilization: number;
  /** 0..10 (`MAX_CUSTOM_PRIORITY_SCORE`). */
  readonly score: number;
}

/** Upstream `ScoringStrategyType`. */
export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';

/** Upstream `ScoringStrategy` (after defaulting: `resources` is never empty, weights are 1..100). */
export interface ScoringStrategy {
  readonly type: ScoringStrategyType;
  readonly resources: readonly ResourceSpec[];
  /** Present exactly when `type` is `RequestedToCapacityRatio`. */
  readonly requestedToCapacityRatio?: { readonly shape: readonly UtilizationShapePoint[] };
}

/** NodeResourcesFit args (upstream `NodeResourcesFitArgs`), defaulted. */
export interface NodeResourcesFitArgs {
  /** Resources the Filter ignores (not Score). */
  readonly ignoredResources: readonly string[];
  /** Resource groups (`example.com` ignores `example.com/*`) the Filter ignores. */
  readonly ignoredResourceGroups: readonly string[];
  /** Default: LeastAllocated over cpu and memory, weight 1 each. */
  readonly scoringStrategy: ScoringStrategy;
}

/** NodeResourcesBalancedAllocation args, defaulted (cpu and memory when not given; every weight 1). */
export interface NodeResourcesBalancedAllocationArgs {
  readonly resources: readonly ResourceSpec[];
}

/** Upstream `PodTopologySpreadConstraintsDefaulting`. */
export type PodTopologySpreadConstraintsDefaulting = 'System' | 'List';

/** PodTopologySpread args, defaulted (`defaultingType` System). */
export interface PodTopologySpreadArgs {
  /** Applied to pods without constraints when `defaultingType` is List; empty with System. */
  readonly defaultConstraints: readonly TopologySpreadConstraint[];
  readonly defaultingType: PodTopologySpreadConstraintsDefaulting;
}

/**
 * The constraints PodTopologySpread applies with `defaultingType: System` (upstream
 * `podtopologyspread.systemDefaultConstraints`); their selector is deduced from the pod's
 * Services, ReplicationControllers, ReplicaSets and StatefulSets.
 */
export const SYSTEM_DEFAULT_TOPOLOGY_SPREAD_CONSTRAINTS: readonly TopologySpreadConstraint[] = Object.freeze([
  Object.freeze({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 } as const),
  Object.freeze({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 } as const),
]);

/** InterPodAffinity args, defaulted (`hardPodAffinityWeight` 1). */
export interface InterPodAffinityArgs {
  /** 0..100: score weight of existing pods' required affinity terms matching the incoming pod. */
  readonly hardPodAffinityWeight: number;
  readonly ignorePreferredTermsOfExistingPods: boolean;
}

/** NodeAffinity args: an affinity every pod must satisfy in addition to its own. */
export interface NodeAffinityArgs {
  readonly addedAffinity?: NodeAffinity;
}

/** DefaultPreemption args, defaulted (10 % and 100 nodes). */
export interface DefaultPreemptionArgs {
  /** 0..100. */
  readonly minCandidateNodesPercentage: number;
  /** ≥ 0; not 0 together with the percentage. */
  readonly minCandidateNodesAbsolute: number;
}

/** VolumeBinding args, defaulted (600 s). kubeprop models no volumes; the args are only checked. */
export interface VolumeBindingArgs {
  readonly bindTimeoutSeconds: number;
}

/** DynamicResources args, defaulted (filter timeout 10 s, binding timeout 600 s). Only checked. */
export interface DynamicResourcesArgs {
  readonly filterTimeoutMs: number;
  readonly bindingTimeoutMs: number;
}

function wrap<A>(into: ArgsDecoderInto<A>): (raw: unknown, path?: string) => A {
  return (raw: unknown, path = 'args'): A => {
    const errs = new FieldErrors();
    const out = into(raw, FieldPath.root(path), errs);
    errs.throwIfAny();
    return out;
  };
}

/** Decodes, defaults and validates NodeResourcesFit args; throws `SchedulerConfigError` on bad args. */
export const decodeNodeResourcesFitArgs = wrap(decodeNodeResourcesFitArgsInto);
/** Decodes, defaults and validates NodeResourcesBalancedAllocation args. */
export const decodeNodeResourcesBalancedAllocationArgs = wrap(decodeNodeResourcesBalancedAllocationArgsInto);
/** Decodes, defaults and validates PodTopologySpread args. */
export const decodePodTopologySpreadArgs = wrap(decodePodTopologySpreadArgsInto);
/** Decodes, defaults and validates InterPodAffinity args. */
export const decodeInterPodAffinityArgs = wrap(decodeInterPodAffinityArgsInto);
/** Decodes and validates NodeAffinity args. */
export const decodeNodeAffinityArgs = wrap(decodeNodeAffinityArgsInto);
/** Decodes, defaults and validates DefaultPreemption args. */
export const decodeDefaultPreemptionArgs = wrap(decodeDefaultPreemptionArgsInto);
/** Decodes, defaults and validates VolumeBinding args (kubeprop only checks them). */
export const decodeVolumeBindingArgs = wrap(decodeVolumeBindingArgsInto);
/** Decodes, defaults and validates DynamicResources args (kubeprop only checks them). */
export const decodeDynamicResourcesArgs = wrap(decodeDynamicResourcesArgsInto);

