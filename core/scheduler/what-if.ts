/**
 * What-if scheduling: the engine behind `kubeprop schedule`.
 *
 * Nodes and pods (plus PriorityClasses, PodDisruptionBudgets, Namespaces, Services, ReplicaSets, ...)
 * go into an in-memory cluster; pods with `spec.nodeName` are existing load, the others enter the
 * scheduling queue in input order. The scheduler then runs in virtual time exactly as in a cluster —
 * queue order, backoff, preemption (victims are deleted at once, as if they terminated immediately),
 * retries of the preemptor on its nominated node — until no pod can be scheduled any more. Each
 * pending pod's result is its last scheduling attempt.
 */
import type { DeepReadonly, KubeObject, Node, Pod, PriorityClass } from '../api/types.js';
import { groupKindKey } from '../api/kinds.js';
import { parseApiVersion } from '../api/types.js';
import { ConfigError } from '../errors.js';
import { VirtualClock } from '../sim/clock.js';
import { formatRfc3339 } from '../sim/clock.js';
import { Rng } from '../sim/rng.js';
import { ActionType } from './cluster-event.js';
import { defaultSchedulerConfig } from './config.js';
import type { SchedulerConfig } from './config-types.js';
import type { ObjectLister, SchedulerClient } from './plugin.js';
import { Scheduler, type NodeExplain, type PluginRegistry } from './scheduler.js';
import { Status } from './status.js';

/** Upstream's built-in priority classes (`pkg/apis/scheduling/types.go`). */
export const SYSTEM_PRIORITY_CLASSES: ReadonlyMap<string, number> = new Map([
  ['system-node-critical', 2000001000],
  ['system-cluster-critical', 2000000000],
]);

/** Input of a what-if run. */
export interface WhatIfInput {
  /** Every object: Nodes, Pods and whatever the plugins read (PDBs, Services, Namespaces, ...). */
  readonly objects: readonly KubeObject[];
  readonly config?: SchedulerConfig;
  readonly registry: PluginRegistry;
  readonly seed?: number;
  readonly explain?: boolean;
  /** Bound on scheduling cycles (default 20 × pending pods + 100). */
  readonly maxCycles?: number;
}

/** One pending pod's outcome. */
export interface WhatIfResult {
  /** `namespace/name`. */
  readonly pod: string;
  readonly node: string | null;
  readonly status: 'Scheduled' | 'Unschedulable';
  /** The FitError text of the last failed attempt; empty when scheduled. */
  readonly message: string;
  readonly nominatedNode: string | null;
  /** Pods deleted by preemption to make room for this pod (`namespace/name`). */
  readonly victims: readonly string[];
  /** Scheduling attempts made. */
  readonly attempts: number;
  /** Per-node detail of the last attempt (with `explain`). */
  readonly explain?: ReadonlyMap<string, NodeExplain>;
}

export interface WhatIfOutput {
  readonly results: readonly WhatIfResult[];
  /** Plugin bugs caught during the run (`plugin (point): message`). */
  readonly pluginErrors: readonly string[];
  /** Virtual time the run took, in ms. */
  readonly virtualMs: number;
  readonly cycles: number;
  /** True when `maxCycles` stopped the run. */
  readonly truncated: boolean;
}

function key(o: { metadata?: { namespace?: string; name?: string } }): string {
  return `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}`;
}

function kindKey(o: DeepReadonly<KubeObject>): string {
  return groupKindKey(parseApiVersion(o.apiVersion).group, o.kind);
}

/** Deep-freezes a JSON value. */
function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * Applies what the API server's admission would: uid, namespace, creationTimestamp, schedulerName
 * default, and the Priority admission plugin (priorityClassName → spec.priority and the class's
 * preemptionPolicy, global default).
 */
function admitPod(
  pod: Pod,
  index: number,
  classes: ReadonlyMap<string, number>,
  policies: ReadonlyMap<string, NonNullable<PriorityClass['preemptionPolicy']>>,
  globalDefault: { name: string; value: number } | undefined,
  nowMs: number,
): DeepReadonly<Pod> {
  const p = structuredClone(pod);
  p.metadata = { ...(p.metadata ?? {}) };
  p.metadata.namespace ??= 'default';
  p.metadata.uid ??= `whatif-${String(index).padStart(6, '0')}`;
  p.metadata.creationTimestamp ??= formatRfc3339(nowMs);
  p.spec = { ...(p.spec ?? { containers: [] }) };
  if (!p.spec.schedulerName) p.spec.schedulerName = 'default-scheduler';
  if (p.spec.priority === undefined) {
    const pc = p.spec.priorityClassName;
    if (pc) {
      const v = classes.get(pc);
      if (v === undefined) throw new ConfigError(`pod ${key(p)}: no PriorityClass with name ${pc} was found`);
      p.spec.priority = v;
    } else if (globalDefault) {
      p.spec.priority = globalDefault.value;
      p.spec.priorityClassName = globalDefault.name;
    }
    const policy = p.spec.priorityClassName ? policies.get(p.spec.priorityClassName) : undefined;
    if (policy !== undefined && p.spec.preemptionPolicy === undefined) p.spec.preemptionPolicy = policy;
  }
  return deepFreeze(p) as DeepReadonly<Pod>;
}

/** Runs the scheduler over the input until it settles; deterministic for a given seed. */
export function runWhatIf(input: WhatIfInput): WhatIfOutput {
  const clock = new VirtualClock();
  const rng = new Rng(input.seed ?? 0);
  const config = input.config ?? defaultSchedulerConfig();

  const classes = new Map(SYSTEM_PRIORITY_CLASSES);
  const policies = new Map<string, NonNullable<PriorityClass['preemptionPolicy']>>();
  let globalDefault: { name: string; value: number } | undefined;
  for (const o of input.objects) {
    if (o.kind === 'PriorityClass') {
      const pc = o as unknown as PriorityClass;
      const name = pc.metadata?.name ?? '';
      classes.set(name, pc.value);
      if (pc.preemptionPolicy) policies.set(name, pc.preemptionPolicy);
      // Upstream `getDefaultPriorityClass`: with several global defaults, the lowest value wins.
      if (pc.globalDefault && (globalDefault === undefined || pc.value < globalDefault.value)) globalDefault = { name, value: pc.value };
    }
  }

  const nodes: DeepReadonly<Node>[] = [];
  const pods = new Map<string, DeepReadonly<Pod>>();
  const others: DeepReadonly<KubeObject>[] = [];
  const pending: string[] = [];
  let index = 0;
  for (const o of input.objects) {
    if (o.kind === 'Node' && o.apiVersion === 'v1') nodes.push(deepFreeze(structuredClone(o)) as unknown as DeepReadonly<Node>);
    else if (o.kind === 'Pod' && o.apiVersion === 'v1') {
      const p = admitPod(o as unknown as Pod, index++, classes, policies, globalDefault, clock.nowMs());
      const k = key(p);
      if (pods.has(k)) throw new ConfigError(`pod ${k} is given twice`);
      pods.set(k, p);
      if (!p.spec?.nodeName) pending.push(k);
    } else others.push(deepFreeze(structuredClone(o)) as DeepReadonly<KubeObject>);
  }

  const byUid = new Map<string, string>();
  for (const [k, p] of pods) byUid.set(p.metadata?.uid ?? '', k);
  const victimsOf = new Map<string, string[]>();
  // Victims are deleted while a scheduling cycle runs; they are attributed to that cycle's pod once
  // scheduleOne returns.
  let cycleVictims: string[] = [];
  const preemptedBy = new Map<string, string>();
  let scheduler: Scheduler | undefined;

  const objects: ObjectLister = {
    list(kind, namespace) {
      if (kind === 'Pod') return [...pods.values()].filter((p) => namespace === undefined || p.metadata?.namespace === namespace) as unknown as DeepReadonly<KubeObject>[];
      if (kind === 'Node') return nodes as unknown as DeepReadonly<KubeObject>[];
      return others.filter((o) => kindKey(o) === kind && (namespace === undefined || o.metadata.namespace === namespace));
    },
    get(kind, namespace, name) {
      return this.list(kind, namespace).find((o) => o.metadata?.name === name);
    },
  };

  const replacePod = (p: DeepReadonly<Pod>, next: DeepReadonly<Pod>): void => {
    pods.set(key(p), next);
    scheduler!.onPodUpdate(p, next);
  };
  const current = (p: DeepReadonly<Pod>): DeepReadonly<Pod> | undefined => pods.get(key(p));

  const client: SchedulerClient = {
    bind(pod, nodeName) {
      const cur = current(pod);
      if (!cur) return Status.error(`pods "${pod.metadata?.name}" not found`);
      if (cur.spec?.nodeName) return Status.error(`pod ${key(pod)} is already assigned to node "${cur.spec.nodeName}"`);
      const conditions = (cur.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
      const next = deepFreeze({
        ...cur,
        spec: { ...cur.spec, nodeName },
        status: { ...(cur.status ?? {}), conditions: [...conditions, { type: 'PodScheduled', status: 'True' }] },
      }) as DeepReadonly<Pod>;
      replacePod(cur, next);
      return Status.success();
    },
    deletePod(pod) {
      const cur = current(pod);
      if (!cur) return Status.success();
      pods.delete(key(pod));
      cycleVictims.push(key(pod));
      scheduler!.onPodDelete(cur);
      return Status.success();
    },
    setNominatedNodeName(pod, nodeName) {
      const cur = current(pod);
      if (!cur) return Status.success();
      // An unchanged nomination is no update at all, as the API server would not write one.
      if ((cur.status?.nominatedNodeName ?? undefined) === nodeName) return Status.success();
      const status: Record<string, unknown> = { ...(cur.status ?? {}) };
      if (nodeName === undefined) delete status['nominatedNodeName'];
      else status['nominatedNodeName'] = nodeName;
      replacePod(cur, deepFreeze({ ...cur, status }) as DeepReadonly<Pod>);
      return Status.success();
    },
    setPodCondition(pod, condition) {
      const cur = current(pod);
      if (!cur) return Status.success();
      const conditions = (cur.status?.conditions ?? []).filter((c) => c.type !== condition.type);
      const next = deepFreeze({ ...cur, status: { ...(cur.status ?? {}), conditions: [...conditions, { ...condition }] } }) as DeepReadonly<Pod>;
      // A condition change is not a scheduling-relevant update; keep the informer view in sync only.
      pods.set(key(pod), next);
      return Status.success();
    },
  };

  scheduler = new Scheduler({ config, registry: input.registry, clock, rng: rng.fork('scheduler'), client, objects, explain: input.explain ?? false });
  for (const n of nodes) scheduler.onNodeAdd(n);
  for (const o of others) {
    if (o.kind === 'Namespace' || o.kind === 'Service' || o.kind === 'PodDisruptionBudget') {
      scheduler.onObjectEvent({ resource: o.kind, actionType: ActionType.Add }, undefined, o);
    }
  }
  for (const p of pods.values()) if (p.spec?.nodeName) scheduler.onPodAdd(p);
  for (const k of pending) scheduler.onPodAdd(pods.get(k)!);

  const attempts = new Map<string, number>();
  const last = new Map<string, { ok: boolean; node?: string; message: string; explain?: ReadonlyMap<string, NodeExplain> }>();
  const maxCycles = input.maxCycles ?? pending.length * 20 + 100;
  let cycles = 0;
  let truncated = false;
  for (;;) {
    if (cycles >= maxCycles) {
      truncated = true;
      break;
    }
    if (!scheduler.queue.canPop()) {
      // Nothing active: let time pass to the next backoff expiry, if any pod is backing off.
      const next = scheduler.queue.nextBackoffFlushMs();
      if (next === undefined || scheduler.queue.lengths().podBackoffQ + scheduler.queue.lengths().podErrorBackoffQ === 0) break;
      clock.advanceTo(Math.max(next, clock.nowMs()));
      scheduler.queue.flushBackoffQCompleted();
      if (!scheduler.queue.canPop()) {
        clock.advanceTo(clock.nowMs() + 1000);
        scheduler.queue.flushBackoffQCompleted();
        if (!scheduler.queue.canPop()) continue;
      }
    }
    const before = scheduler.queue.schedulingCycle;
    cycleVictims = [];
    const attempt = scheduler.scheduleOne();
    if (!attempt || scheduler.queue.schedulingCycle === before) break;
    cycles++;
    const k = key(attempt.pod);
    if (cycleVictims.length > 0) {
      victimsOf.set(k, [...(victimsOf.get(k) ?? []), ...cycleVictims]);
      for (const v of cycleVictims) preemptedBy.set(v, k);
    }
    attempts.set(k, (attempts.get(k) ?? 0) + 1);
    if (attempt.kind === 'assumed') {
      for (const b of scheduler.readyBindings()) {
        const out = scheduler.runBindingCycle(b);
        const bk = key(b.pod);
        if (out.kind === 'bound') last.set(bk, { ok: true, node: out.nodeName, message: '', ...(bk === k && attempt.explain ? { explain: attempt.explain } : {}) });
        else if (out.kind === 'failed') last.set(bk, { ok: false, message: out.message });
      }
    } else if (attempt.kind === 'failed') {
      last.set(k, { ok: false, message: attempt.message, ...(attempt.explain ? { explain: attempt.explain } : {}) });
    }
  }

  const results: WhatIfResult[] = pending.map((k) => {
    const p = pods.get(k);
    const l = last.get(k);
    const bound = p?.spec?.nodeName;
    const base = {
      pod: k,
      node: bound ?? null,
      status: bound ? ('Scheduled' as const) : ('Unschedulable' as const),
      message: bound
        ? ''
        : p === undefined
          ? `pod was preempted${preemptedBy.has(k) ? ` by ${preemptedBy.get(k)!}` : ''} after it was scheduled`
          : (l?.message ?? 'pod was not attempted'),
      nominatedNode: (p?.status?.nominatedNodeName as string | undefined) ?? null,
      victims: victimsOf.get(k) ?? [],
      attempts: attempts.get(k) ?? 0,
    };
    return l?.explain ? { ...base, explain: l.explain } : base;
  });
  return {
    results,
    pluginErrors: scheduler.allPluginErrors().map((e) => e.message),
    virtualMs: clock.nowMs(),
    cycles,
    truncated,
  };
}
