/**
 * Test support for scheduler plugin authors: a `Handle` backed by an in-memory cluster, so a plugin
 * can be exercised extension point by extension point without a simulation.
 *
 * The handle's client records the calls a plugin makes (binds, victim deletions, nominations)
 * instead of talking to an API server, and its filter-running helpers use the plugin list given.
 */
import type { DeepReadonly, KubeObject, Node, Pod } from '../api/types.js';
import { groupKindKey } from '../api/kinds.js';
import { parseApiVersion } from '../api/types.js';
import { Rng } from '../sim/rng.js';
import type { CycleState } from './cycle-state.js';
import { Framework, type EnabledPlugin, type PluginsByPoint } from './framework.js';
import type { NodeInfo, PodInfo } from './node-info.js';
import { EXTENSION_POINTS, type ExtensionPoint, type Handle, type SchedulerPluginInstance, type WaitingPod } from './plugin.js';
import { SchedulerCache } from './scheduler-cache.js';
import { Status } from './status.js';

/** A call a plugin made through the test handle's client. */
export type RecordedClientCall =
  | { readonly kind: 'bind'; readonly pod: string; readonly node: string }
  | { readonly kind: 'deletePod'; readonly pod: string; readonly reason: string }
  | { readonly kind: 'setNominatedNodeName'; readonly pod: string; readonly node: string | undefined }
  | { readonly kind: 'setPodCondition'; readonly pod: string; readonly type: string; readonly status: string };

export interface TestHandleOptions {
  readonly nodes?: readonly DeepReadonly<Node>[];
  /** Pods; those with `spec.nodeName` are placed on their node. */
  readonly pods?: readonly DeepReadonly<Pod>[];
  /** Other objects (Services, ReplicaSets, PodDisruptionBudgets, Namespaces, ...). */
  readonly objects?: readonly DeepReadonly<KubeObject>[];
  readonly seed?: number;
  readonly nowMs?: number;
  /** Plugins whose Filter/PreFilter extensions the handle's run* helpers use. */
  readonly filterPlugins?: readonly { readonly name: string; readonly instance: SchedulerPluginInstance }[];
  /** Nominated pods per node name. */
  readonly nominatedPods?: ReadonlyMap<string, readonly PodInfo[]>;
  readonly schedulerName?: string;
}

/** A test handle plus what it recorded. */
export interface TestHandle extends Handle {
  readonly cache: SchedulerCache;
  readonly calls: RecordedClientCall[];
  /** Registers the plugin instances used by `runFilterPluginsWithNominatedPods` and friends. */
  setFilterPlugins(plugins: readonly { readonly name: string; readonly instance: SchedulerPluginInstance }[]): void;
}

function podKey(p: DeepReadonly<Pod>): string {
  return `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`;
}

function kindKeyOf(o: DeepReadonly<KubeObject>): string {
  return groupKindKey(parseApiVersion(o.apiVersion).group, o.kind);
}

/** Builds a `PluginsByPoint` with the same plugins at preFilter and filter (for the test handle). */
function filterOnly(plugins: readonly { readonly name: string; readonly instance: SchedulerPluginInstance }[]): PluginsByPoint {
  const out = {} as Record<ExtensionPoint, EnabledPlugin[]>;
  for (const p of EXTENSION_POINTS) out[p] = [];
  for (const p of plugins) {
    if (p.instance.preFilter) out.preFilter.push({ name: p.name, instance: p.instance, weight: 1 });
    if (p.instance.filter) out.filter.push({ name: p.name, instance: p.instance, weight: 1 });
  }
  return out;
}

/** Creates a `Handle` over an in-memory cluster for plugin tests. */
export function createTestHandle(opts: TestHandleOptions = {}): TestHandle {
  const cache = new SchedulerCache();
  for (const n of opts.nodes ?? []) cache.addNode(n);
  for (const p of opts.pods ?? []) if (p.spec?.nodeName) cache.addPod(p);
  const objects = [...(opts.objects ?? [])];
  const calls: RecordedClientCall[] = [];
  let framework = new Framework('test', filterOnly(opts.filterPlugins ?? []));
  const nominated = opts.nominatedPods ?? new Map<string, readonly PodInfo[]>();
  const waiting = new Map<string, WaitingPod>();
  const handle: TestHandle = {
    schedulerName: opts.schedulerName ?? 'default-scheduler',
    cache,
    calls,
    rng: new Rng(opts.seed ?? 1),
    nowMs: () => opts.nowMs ?? 0,
    snapshot: () => cache,
    objects: {
      list(kind: string, namespace?: string) {
        return objects.filter((o) => kindKeyOf(o) === kind && (namespace === undefined || o.metadata.namespace === namespace));
      },
      get(kind: string, namespace: string | undefined, name: string) {
        return objects.find((o) => kindKeyOf(o) === kind && o.metadata.namespace === namespace && o.metadata.name === name);
      },
    },
    client: {
      bind(pod, nodeName) {
        calls.push({ kind: 'bind', pod: podKey(pod), node: nodeName });
        return Status.success();
      },
      deletePod(pod, reason) {
        calls.push({ kind: 'deletePod', pod: podKey(pod), reason });
        return Status.success();
      },
      setNominatedNodeName(pod, nodeName) {
        calls.push({ kind: 'setNominatedNodeName', pod: podKey(pod), node: nodeName });
        return Status.success();
      },
      setPodCondition(pod, condition) {
        calls.push({ kind: 'setPodCondition', pod: podKey(pod), type: condition.type, status: condition.status });
        return Status.success();
      },
    },
    nominator: { nominatedPodsForNode: (n) => nominated.get(n) ?? [] },
    runFilterPluginsWithNominatedPods(state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo) {
      return framework.runFilterPluginsWithNominatedPods(state, pod, nodeInfo, nominated.get(nodeInfo.name) ?? []);
    },
    runPreFilterExtensionAddPod(state, podToSchedule, podInfoToAdd, nodeInfo) {
      return framework.runPreFilterExtensionAddPod(state, podToSchedule, podInfoToAdd, nodeInfo);
    },
    runPreFilterExtensionRemovePod(state, podToSchedule, podInfoToRemove, nodeInfo) {
      return framework.runPreFilterExtensionRemovePod(state, podToSchedule, podInfoToRemove, nodeInfo);
    },
    getWaitingPod: (uid) => waiting.get(uid),
    iterateOverWaitingPods: (fn) => {
      for (const wp of waiting.values()) fn(wp);
    },
    rejectWaitingPod: (uid) => {
      const wp = waiting.get(uid);
      if (!wp) return false;
      wp.reject('test', 'rejected');
      return true;
    },
    setFilterPlugins(plugins) {
      framework = new Framework('test', filterOnly(plugins));
    },
  };
  return handle;
}
