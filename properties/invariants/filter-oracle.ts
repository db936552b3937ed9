/**
 * A filter oracle: would a profile's PreFilter and Filter plugins accept a pod on a node, given a
 * cluster state? It rebuilds the profile's plugins on a fresh test handle for every question, so it
 * shares no state with the scheduler run it judges.
 */
import {
  CycleState,
  EXTENSION_POINTS,
  Framework,
  createTestHandle,
  decodePluginArgs,
  defaultSchedulerConfig,
  implementedExtensionPoints,
  newPodInfo,
  resolveSchedulerConfig,
  type DeepReadonly,
  type EnabledPlugin,
  type ExtensionPoint,
  type KubeObject,
  type Node,
  type Pod,
  type ResolvedProfile,
  type SchedulerConfig,
  type SchedulerPluginDefinition,
  type SchedulerPluginInstance,
  type Status,
} from 'kubeprop';

/** A cluster state: nodes, the pods bound to them, and other objects plugins may read. */
export interface ClusterState {
  readonly nodes: readonly DeepReadonly<Node>[];
  /** Pods with `spec.nodeName` set. */
  readonly pods: readonly DeepReadonly<Pod>[];
  /** Namespaces, PodDisruptionBudgets, Services, ... */
  readonly objects?: readonly DeepReadonly<KubeObject>[];
}

/** The answer of the oracle for one node. */
export interface FilterVerdict {
  readonly node: string;
  /** `Success`, or the first rejection (PreFilter's, or the first failing Filter's). */
  readonly status: Status;
}

/** Options of {@link filterOracle}. */
export interface FilterOracleOptions {
  /** The plugin registry (for example `defaultSchedulerPlugins`). */
  readonly plugins: readonly SchedulerPluginDefinition<unknown>[];
  /** The configuration; default `defaultSchedulerConfig()`. */
  readonly config?: SchedulerConfig;
  /** The profile's scheduler name; default the first profile. */
  readonly schedulerName?: string;
}

/** Answers "do the profile's filters accept this pod on these nodes?". */
export interface FilterOracle {
  /** The names of the profile's PreFilter and Filter plugins. */
  readonly filterPlugins: readonly string[];
  /**
   * The verdict on every node of `state` (in the snapshot's node order). `nominated` are pending
   * pods nominated to nodes (by node name): as upstream's `RunFilterPluginsWithNominatedPods`, a node
   * must pass both with the nominated pods of equal or higher priority added and without them.
   */
  verdicts(state: ClusterState, pod: DeepReadonly<Pod>, nominated?: ReadonlyMap<string, readonly DeepReadonly<Pod>[]>): FilterVerdict[];
  /** The names of the nodes whose verdict is Success. */
  feasibleNodes(state: ClusterState, pod: DeepReadonly<Pod>, nominated?: ReadonlyMap<string, readonly DeepReadonly<Pod>[]>): string[];
}

/** Builds a {@link FilterOracle} for one profile of a configuration. */
export function filterOracle(options: FilterOracleOptions): FilterOracle {
  const registry = new Map(options.plugins.map((d) => [d.name, d]));
  const config = options.config ?? defaultSchedulerConfig();
  // Which points a plugin implements is only known from an instance, as in the scheduler itself.
  const probe = createTestHandle();
  const probes = new Map<string, SchedulerPluginInstance>();
  const implementsPoint = (name: string, point: ExtensionPoint): boolean => {
    let inst = probes.get(name);
    if (inst === undefined) {
      const def = registry.get(name);
      if (def === undefined) return false;
      inst = def.create(def.decodeArgs ? def.decodeArgs(undefined, `pluginConfig[${name}].args`) : undefined, probe);
      probes.set(name, inst);
    }
    return implementedExtensionPoints(inst).includes(point);
  };
  const profiles = resolveSchedulerConfig(config, implementsPoint, (name) => registry.has(name));
  const profile: ResolvedProfile | undefined =
    options.schedulerName === undefined ? profiles[0] : profiles.find((p) => p.schedulerName === options.schedulerName);
  if (profile === undefined) throw new RangeError(`filterOracle: no profile ${options.schedulerName ?? '(first)'} in the configuration`);
  const names = [...new Set([...profile.plugins.preFilter, ...profile.plugins.filter].map((p) => p.name))];

  const framework = (state: ClusterState): { fw: Framework; handle: ReturnType<typeof createTestHandle> } => {
    const handle = createTestHandle({ nodes: state.nodes, pods: state.pods, objects: state.objects ?? [] });
    const instances = new Map<string, SchedulerPluginInstance>();
    for (const name of names) {
      const def = registry.get(name)!;
      instances.set(name, def.create(decodePluginArgs(profile, name, def.decodeArgs), handle));
    }
    const byPoint = {} as Record<ExtensionPoint, EnabledPlugin[]>;
    for (const p of EXTENSION_POINTS) byPoint[p] = [];
    for (const point of ['preFilter', 'filter'] as const) {
      for (const p of profile.plugins[point]) {
        const instance = instances.get(p.name);
        if (instance !== undefined) byPoint[point].push({ name: p.name, instance, weight: 1 });
      }
    }
    handle.setFilterPlugins([...instances].map(([name, instance]) => ({ name, instance })));
    return { fw: new Framework(profile.schedulerName, byPoint), handle };
  };

  const verdicts = (state: ClusterState, pod: DeepReadonly<Pod>, nominated?: ReadonlyMap<string, readonly DeepReadonly<Pod>[]>): FilterVerdict[] => {
    const { fw, handle } = framework(state);
    const nodes = handle.snapshot().list();
    const cycle = new CycleState();
    const pre = fw.runPreFilterPlugins(cycle, pod, nodes);
    return nodes.map((ni) => {
      if (pre.status.code !== 'Success') return { node: ni.name, status: pre.status };
      if (pre.nodeNames !== undefined && !pre.nodeNames.has(ni.name)) {
        return { node: ni.name, status: { code: 'UnschedulableAndUnresolvable', reasons: ['not in the PreFilter node set'] } };
      }
      const others = (nominated?.get(ni.name) ?? []).map((p) => newPodInfo(p));
      return { node: ni.name, status: others.length > 0 ? fw.runFilterPluginsWithNominatedPods(cycle, pod, ni, others) : fw.runFilterPlugins(cycle, pod, ni) };
    });
  };

  return {
    filterPlugins: names,
    verdicts,
    feasibleNodes: (state, pod, nominated) => verdicts(state, pod, nominated).filter((v) => v.status.code === 'Success').map((v) => v.node),
  };
}
