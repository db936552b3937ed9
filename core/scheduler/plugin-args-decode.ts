/**
 * The decoding, defaulting and validation behind `plugin-args.ts`, in the form the configuration
 * loader needs: each decoder records its problems in a `FieldErrors` list (so they get source
 * positions and are reported together with the rest of the configuration) and returns best-effort
 * defaulted args. Mirrors `pkg/scheduler/apis/config/v1/defaults.go` (`SetDefaults_*Args`) and
 * `pkg/scheduler/apis/config/validation/validation_pluginargs.go` (`Validate*Args`).
 */
import type { NodeAffinity, NodeSelectorRequirement, NodeSelectorTerm, PreferredSchedulingTerm, TopologySpreadConstraint } from '../api/types.js';
import type { FieldErrors, FieldPath } from './config-errors.js';
import {
  decodeBool,
  decodeDurationMs,
  decodeInt32,
  decodeInt64,
  decodeList,
  decodeObject,
  decodeString,
  formatDurationMs,
  type RawObject,
} from './config-decode.js';
import { validateLabelName, validateNodeSelectorTerm } from './config-validation.js';
import type {
  DefaultPreemptionArgs,
  DynamicResourcesArgs,
  InterPodAffinityArgs,
  NodeAffinityArgs,
  NodeResourcesBalancedAllocationArgs,
  NodeResourcesFitArgs,
  PodTopologySpreadArgs,
  ResourceSpec,
  ScoringStrategy,
  ScoringStrategyType,
  UtilizationShapePoint,
  VolumeBindingArgs,
} from './plugin-args.js';

/** The API group/version of plugin args (and of `KubeSchedulerConfiguration`). */
export const PLUGIN_ARGS_API_VERSION = 'kubescheduler.config.k8s.io/v1';

/** Upstream `config.MaxCustomPriorityScore`: the top of a utilization shape's score axis. */
export const MAX_CUSTOM_PRIORITY_SCORE = 10;

const DEFAULT_RESOURCE_SPEC: readonly ResourceSpec[] = Object.freeze([
  Object.freeze({ name: 'cpu', weight: 1 }),
  Object.freeze({ name: 'memory', weight: 1 }),
]);

const SCORING_STRATEGY_TYPES: readonly ScoringStrategyType[] = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'];

/** A decoder that records problems in `errs` and returns the best-effort defaulted args. */
export type ArgsDecoderInto<A> = (raw: unknown, path: FieldPath, errs: FieldErrors) => A;

/** Decodes the args object, checking `apiVersion`/`kind` when present. */
function argsObject(raw: unknown, path: FieldPath, errs: FieldErrors, plugin: string, fields: readonly string[]): RawObject {
  const obj = decodeObject(raw, path, errs, ['apiVersion', 'kind', ...fields]) ?? {};
  const apiVersion = decodeString(obj['apiVersion'], path.child('apiVersion'), errs);
  if (apiVersion !== undefined && apiVersion !== PLUGIN_ARGS_API_VERSION) {
    errs.invalid(path.child('apiVersion'), apiVersion, `args for plugin ${plugin} must be of version "${PLUGIN_ARGS_API_VERSION}"`);
  }
  const kind = decodeString(obj['kind'], path.child('kind'), errs);
  if (kind !== undefined && kind !== `${plugin}Args`) {
    errs.invalid(path.child('kind'), kind, `args for plugin ${plugin} were not of type ${plugin}Args`);
  }
  return obj;
}

function decodeStringList(v: unknown, path: FieldPath, errs: FieldErrors): string[] {
  const out: string[] = [];
  (decodeList(v, path, errs) ?? []).forEach((item, i) => {
    const s = decodeString(item, path.index(i), errs);
    if (s !== undefined) out.push(s);
  });
  return out;
}

/** `ResourceSpec` list; a weight of 0 (or none) defaults to 1. */
function decodeResources(v: unknown, path: FieldPath, errs: FieldErrors): ResourceSpec[] {
  const out: ResourceSpec[] = [];
  (decodeList(v, path, errs) ?? []).forEach((item, i) => {
    const p = path.index(i);
    const o = decodeObject(item, p, errs, ['name', 'weight']) ?? {};
    const name = decodeString(o['name'], p.child('name'), errs) ?? '';
    const weight = decodeInt64(o['weight'], p.child('weight'), errs) ?? 0;
    out.push({ name, weight: weight === 0 ? 1 : weight });
  });
  return out;
}

function decodeShape(v: unknown, path: FieldPath, errs: FieldErrors): UtilizationShapePoint[] {
  const out: UtilizationShapePoint[] = [];
  (decodeList(v, path, errs) ?? []).forEach((item, i) => {
    const p = path.index(i);
    const o = decodeObject(item, p, errs, ['utilization', 'score']) ?? {};
    out.push({
      utilization: decodeInt32(o['utilization'], p.child('utilization'), errs) ?? 0,
      score: decodeInt32(o['score'], p.child('score'), errs) ?? 0,
    });
  });
  return out;
}

/** Upstream `validateFunctionShape`. */
function validateFunctionShape(shape: readonly UtilizationShapePoint[], path: FieldPath, errs: FieldErrors): void {
  if (shape.length === 0) {
    errs.required(path, 'at least one point must be specified');
    return;
  }
  for (let i = 1; i < shape.length; i++) {
    const prev = shape[i - 1];
    const cur = shape[i];
    if (prev && cur && prev.utilization >= cur.utilization) {
      errs.invalid(path.index(i).child('utilization'), cur.utilization, 'values must be sorted in increasing order');
      break;
    }
  }
  shape.forEach((point, i) => {
    if (point.utilization < 0 || point.utilization > 100) {
      errs.invalid(path.index(i).child('utilization'), point.utilization, 'not in valid range [0, 100]');
    }
    if (point.score < 0 || point.score > MAX_CUSTOM_PRIORITY_SCORE) {
      errs.invalid(path.index(i).child('score'), point.score, `not in valid range [0, ${MAX_CUSTOM_PRIORITY_SCORE}]`);
    }
  });
}

/** NodeResourcesFit: `SetDefaults_NodeResourcesFitArgs` then `ValidateNodeResourcesFitArgs`. */
export const decodeNodeResourcesFitArgsInto: ArgsDecoderInto<NodeResourcesFitArgs> = (raw, path, errs) => {
  const obj = argsObject(raw, path, errs, 'NodeResourcesFit', ['ignoredResources', 'ignoredResourceGroups', 'scoringStrategy']);
  const ignoredResources = decodeStringList(obj['ignoredResources'], path.child('ignoredResources'), errs);
  ignoredResources.forEach((r, i) => validateLabelName(r, path.child('ignoredResources').index(i), errs));
  const ignoredResourceGroups = decodeStringList(obj['ignoredResourceGroups'], path.child('ignoredResourceGroups'), errs);
  ignoredResourceGroups.forEach((g, i) => {
    const p = path.child('ignoredResourceGroups').index(i);
    if (g.includes('/')) errs.invalid(p, g, "resource group name can't contain '/'");
    validateLabelName(g, p, errs);
  });

  const sp = path.child('scoringStrategy');
  const so = decodeObject(obj['scoringStrategy'], sp, errs, ['type', 'resources', 'requestedToCapacityRatio']);
  let scoringStrategy: ScoringStrategy;
  if (so === undefined) {
    scoringStrategy = { type: 'LeastAllocated', resources: DEFAULT_RESOURCE_SPEC };
  } else {
    // Upstream defaults the type only when the whole strategy is absent: a strategy without a type
    // is rejected below as an unsupported value "".
    const type = decodeString(so['type'], sp.child('type'), errs) ?? '';
    let resources = decodeResources(so['resources'], sp.child('resources'), errs);
    if (resources.length === 0) resources = [...DEFAULT_RESOURCE_SPEC];
    resources.forEach((r, i) => {
      if (r.weight <= 0 || r.weight > 100) {
        errs.invalid(sp.child('resources').index(i).child('weight'), r.weight, `resource weight of ${r.name} not in valid range (0, 100]`);
      }
    });
    if (!(SCORING_STRATEGY_TYPES as readonly string[]).includes(type)) {
      errs.notSupported(sp.child('type'), type, SCORING_STRATEGY_TYPES);
    }
    const rp = sp.child('requestedToCapacityRatio');
    const ro = decodeObject(so['requestedToCapacityRatio'], rp, errs, ['shape']);
    let requestedToCapacityRatio: { shape: UtilizationShapePoint[] } | undefined;
    if (type === 'RequestedToCapacityRatio') {
      if (ro === undefined) {
        errs.required(rp, 'must be specified when type is RequestedToCapacityRatio');
      } else {
        requestedToCapacityRatio = { shape: decodeShape(ro['shape'], rp.child('shape'), errs) };
        validateFunctionShape(requestedToCapacityRatio.shape, rp.child('shape'), errs);
      }
    } else if (ro !== undefined) {
      errs.forbidden(rp, 'must be nil when type is not RequestedToCapacityRatio');
    }
    const t = (SCORING_STRATEGY_TYPES as readonly string[]).includes(type) ? (type as ScoringStrategyType) : 'LeastAllocated';
    scoringStrategy = requestedToCapacityRatio ? { type: t, resources, requestedToCapacityRatio } : { type: t, resources };
  }
  return { ignoredResources, ignoredResourceGroups, scoringStrategy };
};

/** NodeResourcesBalancedAllocation: defaults, then duplicate names and weight ≠ 1 are errors. */
export const decodeNodeResourcesBalancedAllocationArgsInto: ArgsDecoderInto<NodeResourcesBalancedAllocationArgs> = (raw, path, errs) => {
  const obj = argsObject(raw, path, errs, 'NodeResourcesBalancedAllocation', ['resources']);
  let resources = decodeResources(obj['resources'], path.child('resources'), errs);
  if (resources.length === 0) resources = [...DEFAULT_RESOURCE_SPEC];
  const seen = new Set<string>();
  resources.forEach((r, i) => {
    const p = path.child('resources').index(i);
    if (seen.has(r.name)) errs.duplicate(p.child('name'), r.name);
    else seen.add(r.name);
    if (r.weight !== 1) errs.invalid(p.child('weight'), r.weight, 'must be 1');
  });
  return { resources };
};

const CONSTRAINT_FIELDS = [
  'maxSkew',
  'topologyKey',
  'whenUnsatisfiable',
  'labelSelector',
  'minDomains',
  'nodeAffinityPolicy',
  'nodeTaintsPolicy',
  'matchLabelKeys',
] as const;

/** PodTopologySpread: `validateDefaultingType` and the per-constraint checks of upstream. */
export const decodePodTopologySpreadArgsInto: ArgsDecoderInto<PodTopologySpreadArgs> = (raw, path, errs) => {
  const obj = argsObject(raw, path, errs, 'PodTopologySpread', ['defaultConstraints', 'defaultingType']);
  const cp = path.child('defaultConstraints');
  const constraints: TopologySpreadConstraint[] = [];
  (decodeList(obj['defaultConstraints'], cp, errs) ?? []).forEach((item, i) => {
    const p = cp.index(i);
    const o = decodeObject(item, p, errs, CONSTRAINT_FIELDS) ?? {};
    const maxSkew = decodeInt32(o['maxSkew'], p.child('maxSkew'), errs) ?? 0;
    const topologyKey = decodeString(o['topologyKey'], p.child('topologyKey'), errs) ?? '';
    const whenUnsatisfiable = decodeString(o['whenUnsatisfiable'], p.child('whenUnsatisfiable'), errs) ?? '';
    const minDomains = decodeInt32(o['minDomains'], p.child('minDomains'), errs);
    const nodeAffinityPolicy = decodeString(o['nodeAffinityPolicy'], p.child('nodeAffinityPolicy'), errs);
    const nodeTaintsPolicy = decodeString(o['nodeTaintsPolicy'], p.child('nodeTaintsPolicy'), errs);
    const matchLabelKeys = o['matchLabelKeys'] === undefined || o['matchLabelKeys'] === null
      ? undefined
      : decodeStringList(o['matchLabelKeys'], p.child('matchLabelKeys'), errs);

    if (maxSkew <= 0) errs.invalid(p.child('maxSkew'), maxSkew, 'not in valid range (0, inf)');
    if (topologyKey === '') errs.required(p.child('topologyKey'), 'can not be empty');
    else validateLabelName(topologyKey, p.child('topologyKey'), errs);
    if (whenUnsatisfiable === '') errs.required(p.child('whenUnsatisfiable'), 'can not be empty');
    else if (whenUnsatisfiable !== 'DoNotSchedule' && whenUnsatisfiable !== 'ScheduleAnyway') {
      errs.notSupported(p.child('whenUnsatisfiable'), whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway']);
    }
    if (o['labelSelector'] !== undefined && o['labelSelector'] !== null) {
      errs.forbidden(p.child('labelSelector'), 'constraint must not define a selector, as they deduced for each pod');
    }
    // Upstream leaves these two to the plugin; an unknown policy would silently act as the default,
    // so kubeprop rejects it here.
    for (const [field, value] of [['nodeAffinityPolicy', nodeAffinityPolicy], ['nodeTaintsPolicy', nodeTaintsPolicy]] as const) {
      if (value !== undefined && value !== 'Honor' && value !== 'Ignore') errs.notSupported(p.child(field), value, ['Honor', 'Ignore']);
    }
    for (let j = 0; j < constraints.length; j++) {
      const other = constraints[j];
      if (other && other.topologyKey === topologyKey && other.whenUnsatisfiable === whenUnsatisfiable) {
        errs.duplicate(cp.index(i), `{${topologyKey}, ${whenUnsatisfiable}}`);
        break;
      }
    }
    const c: { -readonly [K in keyof TopologySpreadConstraint]: TopologySpreadConstraint[K] } = {
      maxSkew,
      topologyKey,
      whenUnsatisfiable: whenUnsatisfiable as TopologySpreadConstraint['whenUnsatisfiable'],
    };
    if (minDomains !== undefined) c.minDomains = minDomains;
    if (nodeAffinityPolicy !== undefined) c.nodeAffinityPolicy = nodeAffinityPolicy as 'Honor' | 'Ignore';
    if (nodeTaintsPolicy !== undefined) c.nodeTaintsPolicy = nodeTaintsPolicy as 'Honor' | 'Ignore';
    if (matchLabelKeys !== undefined) c.matchLabelKeys = matchLabelKeys;
    constraints.push(c);
  });

  const tp = path.child('defaultingType');
  const given = decodeString(obj['defaultingType'], tp, errs) ?? '';
  const defaultingType = given === '' ? 'System' : given;
  if (defaultingType !== 'System' && defaultingType !== 'List') {
    errs.notSupported(tp, defaultingType, ['System', 'List']);
  } else if (defaultingType === 'System' && constraints.length > 0) {
    errs.invalid(tp, defaultingType, 'when .defaultConstraints are not empty');
  }
  return {
    defaultConstraints: constraints,
    defaultingType: defaultingType === 'List' ? 'List' : 'System',
  };
};

/** InterPodAffinity: `hardPodAffinityWeight` defaults to 1 and must be in [0, 100]. */
export const decodeInterPodAffinityArgsInto: ArgsDecoderInto<InterPodAffinityArgs> = (raw, path, errs) => {
  const obj = argsObject(raw, path, errs, 'InterPodAffinity', ['hardPodAffinityWeight', 'ignorePreferredTermsOfExistingPods']);
  const hardPodAffinityWeight = decodeInt32(obj['hardPodAffinityWeight'], path.child('hardPodAffinityWeight'), errs) ?? 1;
  if (hardPodAffinityWeight < 0 || hardPodAffinityWeight > 100) {
    errs.invalid(path.child('hardPodAffinityWeight'), hardPodAffinityWeight, 'not in valid range [0, 100]');
  }
  const ignorePreferredTermsOfExistingPods =
    decodeBool(obj['ignorePreferredTermsOfExistingPods'], path.child('ignorePreferredTermsOfExistingPods'), errs) ?? false;
  return { hardPodAffinityWeight, ignorePreferredTermsOfExistingPods };
};

function decodeRequirements(v: unknown, path: FieldPath, errs: FieldErrors): NodeSelectorRequirement[] | undefined {
  const list = decodeList(v, path, errs);
  if (list === undefined) return undefined;
  return list.map((item, i) => {
    const p = path.index(i);
    const o = decodeObject(item, p, errs, ['key', 'operator', 'values']) ?? {};
    const key = decodeString(o['key'], p.child('key'), errs) ?? '';
    const operator = decodeString(o['operator'], p.child('operator'), errs) ?? '';
    const req: { key: string; operator: NodeSelectorRequirement['operator']; values?: string[] } = {
      key,
      operator: operator as NodeSelectorRequirement['operator'],
    };
    if (o['values'] !== undefined && o['values'] !== null) req.values = decodeStringList(o['values'], p.child('values'), errs);
    return req;
  });
}

function decodeTerm(v: unknown, path: FieldPath, errs: FieldErrors): NodeSelectorTerm {
  const o = decodeObject(v, path, errs, ['matchExpressions', 'matchFields']) ?? {};
  const term: { matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] } = {};
  const me = decodeRequirements(o['matchExpressions'], path.child('matchExpressions'), errs);
  if (me !== undefined) term.matchExpressions = me;
  const mf = decodeRequirements(o['matchFields'], path.child('matchFields'), errs);
  if (mf !== undefined) term.matchFields = mf;
  return term;
}

function isEmptyTerm(t: NodeSelectorTerm): boolean {
  return (t.matchExpressions ?? []).length === 0 && (t.matchFields ?? []).length === 0;
}

/** NodeAffinity: `addedAffinity` must parse as a node selector and preferred terms. */
export const decodeNodeAffinityArgsInto: ArgsDecoderInto<NodeAffinityArgs> = (raw, path, errs) => {
  const obj = argsObject(raw, path, errs, 'NodeAffinity', ['addedAffinity']);
  const ap = path.child('addedAffinity');
  const ao = decodeObject(obj['addedAffinity'], ap, errs, [
    'requiredDuringSchedulingIgnoredDuringExecution',
    'preferredDuringSchedulingIgnoredDuringExecution',
  ]);
  if (ao === undefined) return {};
  const affinity: { -readonly [K in keyof NodeAffinity]: NodeAffinity[K] } = {};

  const rp = ap.child('requiredDuringSchedulingIgnoredDuringExecution');
  const ro = decodeObject(ao['requiredDuringSchedulingIgnoredDuringExecution'], rp, errs, ['nodeSelectorTerms']);
  if (ro !== undefined) {
    const tp = rp.child('nodeSelectorTerms');
    const terms = (decodeList(ro['nodeSelectorTerms'], tp, errs) ?? []).map((t, i) => decodeTerm(t, tp.index(i), errs));
    terms.forEach((t, i) => {
      if (!isEmptyTerm(t)) validateNodeSelectorTerm(t, tp.index(i), errs);
    });
    affinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: terms };
  }

  const pp = ap.child('preferredDuringSchedulingIgnoredDuringExecution');
  const plist = decodeList(ao['preferredDuringSchedulingIgnoredDuringExecution'], pp, errs);
  if (plist !== undefined) {
    const preferred: PreferredSchedulingTerm[] = plist.map((item, i) => {
      const p = pp.index(i);
      const o = decodeObject(item, p, errs, ['weight', 'preference']) ?? {};
      const weight = decodeInt32(o['weight'], p.child('weight'), errs) ?? 0;
      const preference = decodeTerm(o['preference'], p.child('preference'), errs);
      // Upstream skips terms with weight 0 or an empty preference without looking at them.
      if (weight !== 0 && !isEmptyTerm(preference)) validateNodeSelectorTerm(preference, p.child('preference'), errs);
      return { weight, preference };
    });
    affinity.preferredDuringSchedulingIgnoredDuringExecution = preferred;
  }
  return { addedAffinity: affinity };
};

/** DefaultPreemption: defaults 10 % / 100, ranges, and not both zero. */
export const decodeDefaultPreemptionArgsInto: ArgsDecoderInto<DefaultPreemptionArgs> = (raw, path, errs) => {
  const obj = argsObject(raw, path, errs, 'DefaultPreemption', ['minCandidateNodesPercentage', 'minCandidateNodesAbsolute']);
  const pp = path.child('minCandidateNodesPercentage');
  const ap = path.child('minCandidateNodesAbsolute');
  const minCandidateNodesPercentage = decodeInt32(obj['minCandidateNodesPercentage'], pp, errs) ?? 10;
  const minCandidateNodesAbsolute = decodeInt32(obj['minCandidateNodesAbsolute'], ap, errs) ?? 100;
  if (minCandidateNodesPercentage < 0 || minCandidateNodesPercentage > 100) {
    errs.invalid(pp, minCandidateNodesPercentage, 'not in valid range [0, 100]');
  }
  if (minCandidateNodesAbsolute < 0) errs.invalid(ap, minCandidateNodesAbsolute, 'not in valid range [0, inf)');
  if (minCandidateNodesPercentage === 0 && minCandidateNodesAbsolute === 0) {
    errs.invalid(pp, 0, 'cannot be zero at the same time as minCandidateNodesAbsolute');
    errs.invalid(ap, 0, 'cannot be zero at the same time as minCandidateNodesPercentage');
  }
  return { minCandidateNodesPercentage, minCandidateNodesAbsolute };
};

/**
 * VolumeBinding: `bindTimeoutSeconds` defaults to 600 and must not be negative. `shape` needs the
 * `StorageCapacityScoring` feature gate (alpha, off in v1.35), so it is rejected as upstream does
 * with the gate off.
 */
export const decodeVolumeBindingArgsInto: ArgsDecoderInto<VolumeBindingArgs> = (raw, path, errs) => {
  const obj = argsObject(raw, path, errs, 'VolumeBinding', ['bindTimeoutSeconds', 'shape']);
  const bindTimeoutSeconds = decodeInt64(obj['bindTimeoutSeconds'], path.child('bindTimeoutSeconds'), errs) ?? 600;
  if (bindTimeoutSeconds < 0) {
    errs.invalid(path.child('bindTimeoutSeconds'), bindTimeoutSeconds, 'invalid BindTimeoutSeconds, should not be a negative value');
  }
  if (obj['shape'] !== undefined && obj['shape'] !== null) {
    decodeShape(obj['shape'], path.child('shape'), errs);
    errs.invalid(
      path.child('shape'),
      obj['shape'],
      'unexpected field `shape`, remove it or turn on the feature gate StorageCapacityScoring',
    );
  }
  return { bindTimeoutSeconds };
};

/**
 * DynamicResources: `filterTimeout` (default 10s) must be ≥ 0; `bindingTimeout` (default 600s) must
 * be ≥ 1s. Both feature gates involved are taken as on (their v1.35 defaults).
 */
export const decodeDynamicResourcesArgsInto: ArgsDecoderInto<DynamicResourcesArgs> = (raw, path, errs) => {
  const obj = argsObject(raw, path, errs, 'DynamicResources', ['filterTimeout', 'bindingTimeout']);
  const filterTimeoutMs = decodeDurationMs(obj['filterTimeout'], path.child('filterTimeout'), errs) ?? 10_000;
  if (filterTimeoutMs < 0) errs.invalid(path.child('filterTimeout'), formatDurationMs(filterTimeoutMs), 'must be zero or positive');
  const bindingTimeoutMs = decodeDurationMs(obj['bindingTimeout'], path.child('bindingTimeout'), errs) ?? 600_000;
  if (bindingTimeoutMs < 1000) errs.invalid(path.child('bindingTimeout'), formatDurationMs(bindingTimeoutMs), 'must be at least 1 second');
  return { filterTimeoutMs, bindingTimeoutMs };
};

/**
 * The in-tree plugins whose args kube-scheduler decodes and validates (those with a registered
 * `<Plugin>Args` kind), by plugin name. Args of other plugins are passed through raw.
 */
export const IN_TREE_ARGS_DECODERS: ReadonlyMap<string, ArgsDecoderInto<unknown>> = new Map<string, ArgsDecoderInto<unknown>>([
  ['DefaultPreemption', decodeDefaultPreemptionArgsInto],
  ['DynamicResources', decodeDynamicResourcesArgsInto],
  ['InterPodAffinity', decodeInterPodAffinityArgsInto],
  ['NodeAffinity', decodeNodeAffinityArgsInto],
  ['NodeResourcesBalancedAllocation', decodeNodeResourcesBalancedAllocationArgsInto],
  ['NodeResourcesFit', decodeNodeResourcesFitArgsInto],
  ['PodTopologySpread', decodePodTopologySpreadArgsInto],
  ['VolumeBinding', decodeVolumeBindingArgsInto],
]);
