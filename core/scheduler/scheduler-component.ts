/**
 * The scheduler as a component of the simulated cluster (`kube-scheduler-0`, ...): informers feed
 * its cache and queue, leader election on the `kube-system/kube-scheduler` Lease decides which
 * replica schedules, scheduling cycles and binding cycles are events in virtual time, and every write
 * (binding, preemption, pod conditions, nominations) goes through the API server.
 *
 * Mirrors how kube-scheduler runs (`cmd/kube-scheduler/app/server.go`): informers start and sync at
 * boot, the scheduling loop (`ScheduleOne`) runs only while leading, and losing the lease ends the
 * process (here: a restart after a delay, with fresh state and a new incarnation).
 */
import type { DeepReadonly, KubeObject, Node, Pod } from '../api/types.js';
import type { ApiClient } from '../apiserver/api-client.js';
import { LeaderElector } from '../controllers/leader-elector.js';
import { drawDelay, RuntimeHost, type ActorSystem, type DelayRange, type RuntimePayload, type RuntimeReceiver } from '../controllers/runtime-host.js';
import { SharedInformer } from '../controllers/shared-informer.js';
import type { WatchNetwork } from '../controllers/watch-network.js';
import { ConfigError } from '../errors.js';
import { formatRfc3339 } from '../sim/clock.js';
import type { Rng } from '../sim/rng.js';
import { ActionType, type EventResource } from './cluster-event.js';
import { defaultSchedulerConfig } from './config.js';
import type { SchedulerConfig } from './config-types.js';
import type { ObjectLister, SchedulerClient } from './plugin.js';
import { Scheduler, type PendingBinding, type PluginRegistry } from './scheduler.js';
import { Status } from './status.js';

/** Kinds the scheduler's informers watch besides Pods and Nodes (what default plugins read). */
const OTHER_KINDS: readonly { readonly kind: string; readonly resource: EventResource | undefined }[] = [
  { kind: 'Namespace', resource: 'Namespace' },
  { kind: 'Service', resource: 'Service' },
  { kind: 'policy/PodDisruptionBudget', resource: 'PodDisruptionBudget' },
  { kind: 'apps/ReplicaSet', resource: undefined },
  { kind: 'apps/StatefulSet', resource: undefined },
  { kind: 'ReplicationController', resource: undefined },
];

/** Timer codes of the scheduler's own wake-ups (carried in `worker-wake` runtime timers). */
const WAKE_CYCLE = 0;
const WAKE_BIND = 1;
const WAKE_BACKOFF = 2;
const WAKE_LEFTOVER = 3;
const WAKE_START = 4;

export interface SchedulerComponentOptions {
  readonly sim: ActorSystem;
  readonly network: WatchNetwork;
  /** Actor name, e.g. `kube-scheduler-0`. */
  readonly name: string;
  readonly client: ApiClient;
  readonly registry: PluginRegistry;
  readonly config?: SchedulerConfig;
  /** Leader election on `kube-system/kube-scheduler` (default on, upstream timings). */
  readonly leaderElection?: boolean;
  readonly informerLatencyMs?: DelayRange;
  /** Virtual time one scheduling cycle takes (default 0–1 ms). */
  readonly cycleDurationMs?: DelayRange;
  /** Virtual time between the scheduling cycle and the binding API call (default 1–5 ms). */
  readonly bindDelayMs?: DelayRange;
  readonly startDelayMs?: number;
  /** Delay before a replica that lost its lease starts again (default 10 s). */
  readonly restartAfterLostLeaseMs?: number;
}

interface Incarnation {
  readonly number: number;
  readonly host: RuntimeHost;
  readonly rng: Rng;
  readonly identity: string;
  readonly scheduler: Scheduler;
  readonly informers: Map<string, SharedInformer>;
  readonly receiverId: number;
  elector: LeaderElector | undefined;
  leading: boolean;
  cycleArmed: boolean;
  bindArmed: boolean;
  backoffArmedAt: number | undefined;
  leftoverArmedAt: number | undefined;
}

function podRef(p: DeepReadonly<Pod>): { apiVersion: string; kind: string; namespace: string; name: string } {
  return { apiVersion: 'v1', kind: 'Pod', namespace: p.metadata?.namespace ?? 'default', name: p.metadata?.name ?? '' };
}

/** One kube-scheduler replica. */
export class SchedulerComponent {
  readonly name: string;
  readonly #opts: SchedulerComponentOptions;
  readonly #client: ApiClient;
  readonly #config: SchedulerConfig;
  #incarnations = 0;
  #inc: Incarnation | undefined;
  /** Scheduling attempts and bindings over every incarnation. */
  readonly counts = { attempts: 0, scheduled: 0, failed: 0, bound: 0, bindFailures: 0 };

  constructor(opts: SchedulerComponentOptions) {
    if (opts.name === '') throw new ConfigError('SchedulerComponent: name must not be empty');
    this.name = opts.name;
    this.#opts = opts;
    this.#client = opts.network.wrap(opts.client);
    this.#config = opts.config ?? defaultSchedulerConfig();
  }

  get running(): boolean {
    return this.#inc !== undefined;
  }

  get leading(): boolean {
    return this.#inc?.leading ?? false;
  }

  get incarnation(): number {
    return this.#incarnations;
  }

  get identity(): string | undefined {
    return this.#inc?.identity;
  }

  /** The current incarnation's scheduler (cache, queue), for inspection. */
  get scheduler(): Scheduler | undefined {
    return this.#inc?.scheduler;
  }

  start(): void {
    if (this.#inc === undefined) this.#boot(this.#opts.startDelayMs ?? 0);
  }

  /** Crashes the replica: caches, queue, waiting pods and timers are gone. */
  crash(): void {
    const inc = this.#inc;
    if (!inc) return;
    this.#inc = undefined;
    inc.elector?.stop();
    for (const i of inc.informers.values()) i.stop();
    this.#opts.sim.record(this.name, 'component-crash', { incarnation: inc.number });
    this.#opts.sim.removeActor(this.name);
  }

  restart(startDelayMs = this.#opts.startDelayMs ?? 0): void {
    this.crash();
    this.#boot(startDelayMs);
  }

  #boot(delayMs: number): void {
    const number = ++this.#incarnations;
    const actor = this.#opts.sim.addActor(this.name, (payload) => inc.host.dispatch(payload as RuntimePayload));
    const host = new RuntimeHost(actor);
    const rng = actor.rng.fork(`incarnation-${number}`);
    let inc: Incarnation;
    const receiver: RuntimeReceiver = { receive: (p) => this.#onWake(inc, p) };
    const receiverId = host.register(receiver);
    const scheduler = new Scheduler({
      config: this.#config,
      registry: this.#opts.registry,
      clock: { nowMs: () => host.nowMs() },
      rng: rng.fork('scheduler'),
      client: this.#schedulerClient(() => inc),
      objects: this.#lister(() => inc),
      trace: (kind, fields) => actor.trace(kind, fields),
    });
    inc = {
      number,
      host,
      rng,
      identity: `${this.name}_${number}`,
      scheduler,
      informers: new Map(),
      receiverId,
      elector: undefined,
      leading: false,
      cycleArmed: false,
      bindArmed: false,
      backoffArmedAt: undefined,
      leftoverArmedAt: undefined,
    };
    this.#inc = inc;
    host.setTimer(delayMs, 'worker-wake', receiverId, WAKE_START);
  }

  #informer(inc: Incarnation, kind: string): SharedInformer {
    let i = inc.informers.get(kind);
    if (i) return i;
    i = new SharedInformer({
      host: inc.host,
      network: this.#opts.network,
      client: this.#client,
      kind,
      rng: inc.rng.fork(`informer/${kind}`),
      ...(this.#opts.informerLatencyMs ? { latencyMs: this.#opts.informerLatencyMs } : {}),
    });
    inc.informers.set(kind, i);
    return i;
  }

  #start(inc: Incarnation): void {
    inc.host.actor.trace('component-start', { incarnation: inc.number });
    const s = inc.scheduler;
    const nodes = this.#informer(inc, 'Node');
    nodes.addEventHandler({
      onAdd: (n) => this.#event(inc, () => s.onNodeAdd(n as DeepReadonly<Node>)),
      onUpdate: (o, n) => this.#event(inc, () => s.onNodeUpdate(o as DeepReadonly<Node>, n as DeepReadonly<Node>)),
      onDelete: (n) => this.#event(inc, () => s.onNodeDelete(n as DeepReadonly<Node>)),
    });
    const pods = this.#informer(inc, 'Pod');
    pods.addEventHandler({
      onAdd: (p) => this.#event(inc, () => s.onPodAdd(p as DeepReadonly<Pod>)),
      onUpdate: (o, n) => this.#event(inc, () => s.onPodUpdate(o as DeepReadonly<Pod>, n as DeepReadonly<Pod>)),
      onDelete: (p) => this.#event(inc, () => s.onPodDelete(p as DeepReadonly<Pod>)),
    });
    for (const { kind, resource } of OTHER_KINDS) {
      const inf = this.#informer(inc, kind);
      if (resource === undefined) continue;
      inf.addEventHandler({
        onAdd: (o) => this.#event(inc, () => s.onObjectEvent({ resource, actionType: ActionType.Add }, undefined, o as DeepReadonly<KubeObject>)),
        onUpdate: (o, n) =>
          this.#event(inc, () => s.onObjectEvent({ resource, actionType: ActionType.UpdateOther }, o as DeepReadonly<KubeObject>, n as DeepReadonly<KubeObject>)),
        onDelete: (o) => this.#event(inc, () => s.onObjectEvent({ resource, actionType: ActionType.Delete }, o as DeepReadonly<KubeObject>, undefined)),
      });
    }
    // As kube-scheduler does (WaitForCacheSync): nothing is scheduled before every informer synced.
    let pending = inc.informers.size;
    for (const i of inc.informers.values()) {
      i.onSynced(() => {
        if (--pending === 0 && this.#inc === inc) this.#elect(inc);
      });
    }
    for (const i of inc.informers.values()) i.start();
  }

  #elect(inc: Incarnation): void {
    if (this.#opts.leaderElection === false) {
      inc.leading = true;
      inc.host.actor.trace('started-leading', { incarnation: inc.number });
      this.#kick(inc);
      return;
    }
    const elector = new LeaderElector({
      host: inc.host,
      client: this.#client,
      identity: inc.identity,
      leaseName: 'kube-scheduler',
      leaseNamespace: 'kube-system',
      rng: inc.rng.fork('leader-election'),
      callbacks: {
        onStartedLeading: () => {
          if (this.#inc !== inc) return;
          inc.leading = true;
          inc.host.actor.trace('started-leading', { incarnation: inc.number });
          this.#kick(inc);
        },
        onStoppedLeading: () => {
          if (this.#inc !== inc) return;
          inc.host.actor.trace('leaderelection-lost', { incarnation: inc.number });
          this.restart(this.#opts.restartAfterLostLeaseMs ?? 10_000);
        },
      },
    });
    inc.elector = elector;
    elector.run();
  }

  /** Handles an informer event, then makes sure the scheduling loop runs. */
  #event(inc: Incarnation, fn: () => void): void {
    if (this.#inc !== inc) return;
    fn();
    this.#kick(inc);
  }

  /** Arms the next scheduling cycle and the queue's flush timers, as needed. */
  #kick(inc: Incarnation): void {
    if (!inc.leading || this.#inc !== inc) return;
    const q = inc.scheduler.queue;
    if (!inc.cycleArmed && q.canPop()) {
      inc.cycleArmed = true;
      inc.host.setTimer(0, 'worker-wake', inc.receiverId, WAKE_CYCLE);
    }
    const now = inc.host.nowMs();
    const backoffAt = q.nextBackoffFlushMs();
    if (backoffAt !== undefined && (inc.backoffArmedAt === undefined || backoffAt < inc.backoffArmedAt)) {
      inc.backoffArmedAt = backoffAt;
      inc.host.setTimer(Math.max(0, backoffAt - now), 'worker-wake', inc.receiverId, WAKE_BACKOFF);
    }
    const leftoverAt = q.nextLeftoverFlushMs();
    if (leftoverAt !== undefined && (inc.leftoverArmedAt === undefined || leftoverAt < inc.leftoverArmedAt)) {
      inc.leftoverArmedAt = leftoverAt;
      inc.host.setTimer(Math.max(0, leftoverAt - now), 'worker-wake', inc.receiverId, WAKE_LEFTOVER);
    }
    const permitAt = inc.scheduler.nextPermitDeadlineMs();
    if (!inc.bindArmed && permitAt !== undefined) {
      inc.bindArmed = true;
      inc.host.setTimer(Math.max(0, permitAt - now), 'worker-wake', inc.receiverId, WAKE_BIND);
    }
  }

  #onWake(inc: Incarnation, p: RuntimePayload): void {
    if (p.kind !== 'worker-wake' || this.#inc !== inc) return;
    switch (p.arg) {
      case WAKE_START:
        this.#start(inc);
        return;
      case WAKE_CYCLE:
        inc.cycleArmed = false;
        this.#cycle(inc);
        return;
      case WAKE_BIND:
        inc.bindArmed = false;
        this.#bind(inc);
        return;
      case WAKE_BACKOFF:
        inc.backoffArmedAt = undefined;
        inc.scheduler.queue.flushBackoffQCompleted();
        this.#kick(inc);
        return;
      case WAKE_LEFTOVER:
        inc.leftoverArmedAt = undefined;
        inc.scheduler.queue.flushUnschedulablePodsLeftover();
        this.#kick(inc);
        return;
      default:
        return;
    }
  }

  #cycle(inc: Incarnation): void {
    if (!inc.leading) return;
    const attempt = inc.scheduler.scheduleOne();
    if (attempt) {
      this.counts.attempts++;
      if (attempt.kind === 'assumed') {
        this.counts.scheduled++;
        if (!inc.bindArmed) {
          inc.bindArmed = true;
          inc.host.setTimer(drawDelay(inc.rng, this.#opts.bindDelayMs ?? { minMs: 1, maxMs: 5 }), 'worker-wake', inc.receiverId, WAKE_BIND);
        }
      } else if (attempt.kind === 'failed') {
        this.counts.failed++;
      }
    }
    if (inc.scheduler.queue.canPop() && !inc.cycleArmed) {
      inc.cycleArmed = true;
      inc.host.setTimer(drawDelay(inc.rng, this.#opts.cycleDurationMs ?? { minMs: 0, maxMs: 1 }), 'worker-wake', inc.receiverId, WAKE_CYCLE);
    }
    this.#kick(inc);
  }

  #bind(inc: Incarnation): void {
    const ready: PendingBinding[] = inc.scheduler.readyBindings();
    for (const b of ready) {
      const out = inc.scheduler.runBindingCycle(b);
      if (out.kind === 'bound') this.counts.bound++;
      else if (out.kind === 'failed') this.counts.bindFailures++;
    }
    this.#kick(inc);
  }

  /** The scheduler's API calls, through the component's client. */
  #schedulerClient(incOf: () => Incarnation): SchedulerClient {
    const client = this.#client;
    const toStatus = (r: { ok: boolean; error?: { message: string } }): Status => (r.ok ? Status.success() : Status.error(r.error?.message ?? 'API error'));
    const currentPod = (pod: DeepReadonly<Pod>): DeepReadonly<Pod> => {
      const cached = incOf().informers.get('Pod')?.cache.get(pod.metadata?.namespace ?? 'default', pod.metadata?.name ?? '');
      return (cached as DeepReadonly<Pod> | undefined) ?? pod;
    };
    return {
      bind: (pod, nodeName) =>
        toStatus(client.bind({ namespace: pod.metadata?.namespace ?? 'default', podName: pod.metadata?.name ?? '', nodeName, uid: pod.metadata?.uid })),
      deletePod: (pod) => toStatus(client.delete(podRef(pod), { preconditions: { uid: pod.metadata?.uid } })),
      setNominatedNodeName: (pod, nodeName) => toStatus(client.patch(podRef(pod), { status: { nominatedNodeName: nodeName ?? null } }, { subresource: 'status' })),
      setPodCondition: (pod, condition) => {
        const cur = currentPod(pod);
        const now = formatRfc3339(incOf().host.nowMs());
        const others = (cur.status?.conditions ?? []).filter((c) => c.type !== condition.type);
        const existing = (cur.status?.conditions ?? []).find((c) => c.type === condition.type);
        const unchanged =
          existing !== undefined && existing.status === condition.status && existing.reason === condition.reason && existing.message === condition.message;
        if (unchanged) return Status.success();
        const next = { ...condition, lastProbeTime: null, lastTransitionTime: existing?.status === condition.status ? existing.lastTransitionTime : now };
        return toStatus(client.patch(podRef(pod), { status: { conditions: [...others, next] } }, { subresource: 'status' }));
      },
    };
  }

  /** Plugin reads of other objects come from the component's informer caches. */
  #lister(incOf: () => Incarnation): ObjectLister {
    return {
      list: (kind, namespace) => {
        const inf = incOf().informers.get(kind);
        if (!inf) return [];
        return (namespace === undefined ? inf.cache.list() : inf.cache.listNamespace(namespace)) as DeepReadonly<KubeObject>[];
      },
      get: (kind, namespace, name) => incOf().informers.get(kind)?.cache.get(namespace, name) as DeepReadonly<KubeObject> | undefined,
    };
  }
}
