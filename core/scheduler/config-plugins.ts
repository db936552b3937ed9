/**
 * Which plugins a profile runs at each extension point: the v1.35 default plugin set, upstream's
 * merge of a profile's plugin sets into the defaults, and the framework's `multiPoint` expansion.
 *
 * Mirrors `pkg/scheduler/apis/config/v1/default_plugins.go` (`getDefaultPlugins`,
 * `applyFeatureGates`, `mergePlugins`, `mergePluginSet`) and
 * `pkg/scheduler/framework/runtime/framework.go` (`NewFramework`, `updatePluginList`,
 * `expandMultiPointPlugins`, `getScoreWeights`).
 */
import { FieldErrors, goQuote } from './config-errors.js';
import type {
  PluginEntry,
  PluginSetConfig,
  PluginsConfig,
  PluginsField,
  ResolvedPlugin,
  ResolvedProfile,
  SchedulerProfileConfig,
} from './config-types.js';
import { PLUGINS_FIELDS } from './config-types.js';
import { EXTENSION_POINTS, type ExtensionPoint } from './plugin.js';

/**
 * The default profile of kube-scheduler v1.35: every default plugin enabled through `multiPoint`,
 * in this order, with these score weights (`getDefaultPlugins` with `DynamicResources` inserted
 * before `DefaultPreemption`, as `applyFeatureGates` does with `DynamicResourceAllocation` on, its
 * default since v1.34).
 */
export const DEFAULT_PLUGINS: readonly PluginEntry[] = Object.freeze(
  [
    { name: 'SchedulingGates' },
    { name: 'PrioritySort' },
    { name: 'NodeUnschedulable' },
    { name: 'NodeName' },
    { name: 'TaintToleration', weight: 3 },
    { name: 'NodeAffinity', weight: 2 },
    { name: 'NodePorts' },
    { name: 'NodeResourcesFit', weight: 1 },
    { name: 'VolumeRestrictions' },
    { name: 'NodeVolumeLimits' },
    { name: 'VolumeBinding' },
    { name: 'VolumeZone' },
    { name: 'PodTopologySpread', weight: 2 },
    { name: 'InterPodAffinity', weight: 2 },
    { name: 'DynamicResources' },
    { name: 'DefaultPreemption' },
    { name: 'NodeResourcesBalancedAllocation', weight: 1 },
    { name: 'ImageLocality', weight: 1 },
    { name: 'DefaultBinder' },
  ].map((p) => Object.freeze(p)),
);

/**
 * Upstream plugins that kubeprop does not implement, with the extension points they implement
 * upstream in v1.35. kubeprop models no volumes and no dynamic resource claims, so these plugins
 * would pass every pod: configurations may name them (they are part of the default profile), the
 * configuration is validated as upstream would (including their args), and `resolveProfile` then
 * leaves them out of the plugin lists and reports them in `ResolvedProfile.omittedPlugins`.
 */
export const OMITTED_UPSTREAM_PLUGINS: ReadonlyMap<string, readonly ExtensionPoint[]> = new Map<string, readonly ExtensionPoint[]>([
  ['VolumeRestrictions', ['preFilter', 'filter']],
  ['NodeVolumeLimits', ['preFilter', 'filter']],
  ['VolumeBinding', ['preFilter', 'filter', 'preScore', 'score', 'reserve', 'preBind']],
  ['VolumeZone', ['preFilter', 'filter']],
  ['DynamicResources', ['preEnqueue', 'preFilter', 'filter', 'postFilter', 'score', 'reserve', 'preBind']],
]);

/** Whether `name` is one of `OMITTED_UPSTREAM_PLUGINS`. */
export function isOmittedUpstreamPlugin(name: string): boolean {
  return OMITTED_UPSTREAM_PLUGINS.has(name);
}

/**
 * Plugins removed from kube-scheduler that `kubescheduler.config.k8s.io/v1` rejects by name
 * (upstream `invalidPluginsByVersion` in `validation.go`).
 */
export const REMOVED_UPSTREAM_PLUGINS: readonly string[] = Object.freeze(['AzureDiskLimits', 'CinderLimits', 'EBSLimits', 'GCEPDLimits']);

/** Upstream's interface name for each extension point, as its error messages print it. */
export const PLUGIN_INTERFACE_NAMES: Readonly<Record<ExtensionPoint, string>> = Object.freeze({
  preEnqueue: 'PreEnqueuePlugin',
  queueSort: 'QueueSortPlugin',
  preFilter: 'PreFilterPlugin',
  filter: 'FilterPlugin',
  postFilter: 'PostFilterPlugin',
  preScore: 'PreScorePlugin',
  score: 'ScorePlugin',
  reserve: 'ReservePlugin',
  permit: 'PermitPlugin',
  preBind: 'PreBindPlugin',
  bind: 'BindPlugin',
  postBind: 'PostBindPlugin',
});

const EMPTY_SET: PluginSetConfig = Object.freeze({ enabled: Object.freeze([]), disabled: Object.freeze([]) });

/** A `Plugins` value with every set empty. */
export function emptyPluginsConfig(): PluginsConfig {
  const out = {} as Record<PluginsField, PluginSetConfig>;
  for (const f of PLUGINS_FIELDS) out[f] = EMPTY_SET;
  return out;
}

/** The default `Plugins`: `defaults` as the `multiPoint` enabled list, every other set empty. */
export function defaultPluginsConfig(defaults: readonly PluginEntry[] = DEFAULT_PLUGINS): PluginsConfig {
  return { ...emptyPluginsConfig(), multiPoint: { enabled: defaults, disabled: [] } };
}

/**
 * Upstream `mergePluginSet`: the custom set's disabled names (plus the default set's) are kept; `*`
 * drops every default; a custom enabled plugin with a default's name replaces that default in
 * place (keeping its position, taking the custom entry and weight; with duplicates the last one
 * replaces); every other custom enabled plugin is appended in its order.
 */
export function mergePluginSet(defaults: PluginSetConfig, custom: PluginSetConfig): PluginSetConfig {
  const disabled: PluginEntry[] = [];
  const disabledNames = new Set<string>();
  for (const d of [...custom.disabled, ...defaults.disabled]) {
    disabled.push(d.path !== undefined ? { name: d.name, path: d.path } : { name: d.name });
    disabledNames.add(d.name);
  }
  const customByName = new Map<string, number>();
  custom.enabled.forEach((p, i) => customByName.set(p.name, i));
  const replaced = new Set<number>();
  const enabled: PluginEntry[] = [];
  if (!disabledNames.has('*')) {
    for (const d of defaults.enabled) {
      if (disabledNames.has(d.name)) continue;
      const i = customByName.get(d.name);
      const c = i === undefined ? undefined : custom.enabled[i];
      if (i !== undefined && c !== undefined) {
        enabled.push(c);
        replaced.add(i);
      } else {
        enabled.push(d);
      }
    }
  }
  custom.enabled.forEach((p, i) => {
    if (!replaced.has(i)) enabled.push(p);
  });
  return { enabled, disabled };
}

/** Upstream `mergePlugins`: `mergePluginSet` for every field; no custom sets ⇒ the defaults. */
export function mergePlugins(defaults: PluginsConfig, custom: PluginsConfig | undefined): PluginsConfig {
  if (custom === undefined) return defaults;
  const out = {} as Record<PluginsField, PluginSetConfig>;
  for (const f of PLUGINS_FIELDS) out[f] = mergePluginSet(defaults[f], custom[f]);
  return out;
}

/** Whether plugin `name` implements extension point `point` (for `multiPoint` expansion). */
export type ImplementsFn = (pluginName: string, point: ExtensionPoint) => boolean;
/** Whether a plugin with this name is registered. */
export type KnownPluginFn = (pluginName: string) => boolean;

/** Insertion-ordered set with upstream `orderedSet` semantics (used for stable plugin order). */
function pushUnique(list: string[], name: string): void {
  if (!list.includes(name)) list.push(name);
}

/**
 * Resolves a profile (already merged with the defaults at load time) into the ordered plugins of
 * every extension point, as `NewFramework` builds them:
 *
 * 1. Plugins enabled at a specific point come first as listed (`updatePluginList`): each must be
 *    registered, must implement the point (`plugin "X" does not extend FilterPlugin plugin`) and may
 *    appear once (`plugin "X" already registered as "FilterPlugin"`).
 * 2. `multiPoint` plugins are added to every point they implement (`expandMultiPointPlugins`),
 *    unless the point disables them or disables `*`. A plugin also enabled explicitly at the point
 *    keeps its explicit place and settings; the resulting order is: explicitly re-configured
 *    `multiPoint` plugins (in their explicit order), then the other `multiPoint` plugins, then the
 *    remaining explicit ones. A plugin twice in `multiPoint` is an error.
 * 3. Exactly one queue sort plugin and at least one bind plugin.
 * 4. Score weights (`getScoreWeights`): the explicit `score` entry's weight wins over the
 *    `multiPoint` one; 0 or unset becomes 1.
 *
 * Upstream plugins kubeprop omits (`OMITTED_UPSTREAM_PLUGINS`) are registered implicitly with
 * their upstream extension points, take part in the checks, and are then left out of the lists.
 * A `pluginConfig` entry naming a plugin that is not registered is an error (kube-scheduler ignores
 * it; in kubeprop it is almost always a typo). Throws `SchedulerConfigError` naming each bad field
 * with its source position.
 */
export function resolveProfile(
  profile: SchedulerProfileConfig,
  implementsFn: ImplementsFn,
  knownPlugin: KnownPluginFn,
): ResolvedProfile {
  const locate = profile.locate;
  const errs = new FieldErrors(locate ? (field, anchor) => locate(field, anchor) : undefined);
  const known = (name: string): boolean => OMITTED_UPSTREAM_PLUGINS.has(name) || knownPlugin(name);
  const impl = (name: string, point: ExtensionPoint): boolean => {
    const omitted = OMITTED_UPSTREAM_PLUGINS.get(name);
    return omitted ? omitted.includes(point) : implementsFn(name, point);
  };
  const entryField = (p: PluginEntry, field: PluginsField): string =>
    p.path !== undefined ? `${p.path}.name` : `${profile.path}.plugins.${field}`;

  // Every enabled plugin must be registered.
  for (const field of PLUGINS_FIELDS) {
    for (const p of profile.plugins[field].enabled) {
      if (known(p.name)) continue;
      const removed = REMOVED_UPSTREAM_PLUGINS.includes(p.name) ? ' (it was removed from kube-scheduler)' : '';
      const what = p.path === undefined ? `default plugin ${goQuote(p.name)}` : goQuote(p.name);
      errs.add(entryField(p, field), `${what} is not a registered plugin${removed}`);
    }
  }
  for (const c of profile.pluginConfig) {
    if (!known(c.name)) errs.add(`${c.path}.name`, `${goQuote(c.name)} is not a registered plugin (pluginConfig for an unknown plugin)`);
  }
  errs.throwIfAny();

  const multiPoint = profile.plugins.multiPoint.enabled;
  // A plugin listed twice in multiPoint is reported once, not once per extension point.
  const reportedTwice = new Set<string>();
  const lists = {} as Record<ExtensionPoint, string[]>;
  for (const point of EXTENSION_POINTS) {
    const set = profile.plugins[point];
    const typeName = PLUGIN_INTERFACE_NAMES[point];
    const explicit: string[] = [];
    for (const p of set.enabled) {
      if (!impl(p.name, point)) {
        errs.add(entryField(p, point), `plugin ${goQuote(p.name)} does not extend ${typeName} plugin`);
        continue;
      }
      if (explicit.includes(p.name)) {
        errs.add(entryField(p, point), `plugin ${goQuote(p.name)} already registered as ${goQuote(typeName)}`);
        continue;
      }
      explicit.push(p.name);
    }
    const disabled = new Set(set.disabled.map((d) => d.name));
    if (disabled.has('*')) {
      lists[point] = explicit;
      continue;
    }
    const fromMultiPoint: string[] = [];
    const overridden: string[] = [];
    for (const p of multiPoint) {
      if (!impl(p.name, point) || disabled.has(p.name)) continue;
      if (explicit.includes(p.name)) {
        pushUnique(overridden, p.name);
        continue;
      }
      if (fromMultiPoint.includes(p.name)) {
        if (!reportedTwice.has(p.name)) {
          reportedTwice.add(p.name);
          errs.add(entryField(p, 'multiPoint'), `plugin ${goQuote(p.name)} already registered as ${goQuote(typeName)}`);
        }
        continue;
      }
      fromMultiPoint.push(p.name);
    }
    lists[point] = [
      ...explicit.filter((n) => overridden.includes(n)),
      ...fromMultiPoint,
      ...explicit.filter((n) => !overridden.includes(n)),
    ];
  }

  const name = profile.schedulerName;
  const queueSorts = lists.queueSort.length;
  if (queueSorts !== 1) {
    errs.add(
      `${profile.path}.plugins.queueSort`,
      `only one queue sort plugin required for profile with scheduler name ${goQuote(name)}, but got ${queueSorts}`,
    );
  }
  if (lists.bind.length === 0) {
    errs.add(`${profile.path}.plugins.bind`, `at least one bind plugin is needed for profile with scheduler name ${goQuote(name)}`);
  }
  errs.throwIfAny();

  const weights = new Map<string, number>();
  for (const p of [...profile.plugins.score.enabled, ...multiPoint]) {
    if (!impl(p.name, 'score') || weights.has(p.name)) continue;
    const w = p.weight ?? 0;
    weights.set(p.name, w === 0 ? 1 : w);
  }

  const omitted: string[] = [];
  const plugins = {} as Record<ExtensionPoint, readonly ResolvedPlugin[]>;
  const used: string[] = [];
  for (const point of EXTENSION_POINTS) {
    const out: ResolvedPlugin[] = [];
    for (const n of lists[point]) {
      if (OMITTED_UPSTREAM_PLUGINS.has(n)) {
        pushUnique(omitted, n);
        continue;
      }
      pushUnique(used, n);
      out.push(Object.freeze(point === 'score' ? { name: n, weight: weights.get(n) ?? 1 } : { name: n }));
    }
    plugins[point] = Object.freeze(out);
  }

  const pluginArgs = new Map<string, unknown>();
  const pluginArgsPaths = new Map<string, string>();
  for (const n of used) {
    const entry = profile.pluginConfig.find((c) => c.name === n);
    pluginArgs.set(n, entry?.args);
    pluginArgsPaths.set(n, entry ? `${entry.path}.args` : `${profile.path}.pluginConfig[${n}].args`);
  }

  const resolved: {
    -readonly [K in keyof ResolvedProfile]: ResolvedProfile[K];
  } = {
    schedulerName: name,
    plugins: Object.freeze(plugins),
    pluginArgs,
    pluginArgsPaths,
    omittedPlugins: Object.freeze(omitted),
  };
  if (profile.percentageOfNodesToScore !== undefined) resolved.percentageOfNodesToScore = profile.percentageOfNodesToScore;
  if (locate) resolved.locate = locate;
  return Object.freeze(resolved);
}
