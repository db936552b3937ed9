/**
 * How the controller runtime lives inside a simulation actor: the payloads it schedules, the
 * slice of `Actor` and `Simulation` it needs, and `RuntimeHost`, which routes an actor's runtime
 * events to the informer, work queue, controller or leader elector they belong to.
 *
 * A component (controller manager, scheduler replica, kubelet) is one actor. Its informers, work
 * queues and leader elector are passive objects inside it: everything they want to happen later
 * becomes an event on that actor's queue, so a crash (removing the actor) cancels all of it at
 * once, and the trace shows every delivery under the component's name.
 */
import type { DeepReadonly, KubeObject } from '../api/types.js';
import { ConfigError, ModelBug } from '../errors.js';
import type { EventHandle } from '../sim/event-queue.js';
import type { Rng } from '../sim/rng.js';
import type { SimPayload } from '../sim/simulation.js';
import type { TraceFields } from '../sim/trace.js';
import type { WatchEvent } from '../store/watch-event.js';

/**
 * The timer-like runtime events: one shape, discriminated by `kind`, addressed to a receiver of
 * the host (`target`) with one integer argument whose meaning depends on the kind (a worker slot,
 * a phase). A shared shape keeps every timer to one small allocation and no closure.
 */
export interface RuntimeTimerPayload {
  readonly kind: RuntimeTimerKind;
  /** The receiver id, from `RuntimeHost.register`. */
  readonly target: number;
  readonly arg: number;
}

/** The kinds of `RuntimeTimerPayload`; each becomes the trace entry's kind when delivered. */
export type RuntimeTimerKind =
  /** An informer retries a failed list or watch after its back-off. */
  | 'informer-retry'
  /** An informer's resync period elapsed. */
  | 'informer-resync'
  /** A work queue's earliest delayed item is due. */
  | 'workqueue-ready'
  /** A controller has queued work and an idle worker. */
  | 'worker-wake'
  /** A reconcile finished its modelled duration; `arg` is the worker slot. */
  | 'reconcile-done'
  /** A leader elector's next acquire or renew attempt, or its renew deadline (`arg` says which). */
  | 'leader-election'
  /** A component incarnation boots. */
  | 'component-start';

/** An informer's initial list (or relist) response reaching the component. */
export interface InformerListPayload {
  readonly kind: 'informer-list';
  readonly target: number;
  readonly items: readonly DeepReadonly<KubeObject>[];
  readonly resourceVersion: string;
}

/**
 * A batch of watch events reaching the component, in revision order. `ended` says the watch
 * stream closed after these events (the API server stopped it, or it failed with `ERROR`).
 */
export interface InformerEventsPayload {
  readonly kind: 'informer-events';
  readonly target: number;
  readonly events: readonly WatchEvent[];
  readonly ended: boolean;
}

/** The `WatchNetwork`'s own event: poll the watch streams that may have news. */
export interface WatchPumpPayload {
  readonly kind: 'watch-pump';
  /** `true` for the periodic full sweep, `false` for a pump triggered by `notify`. */
  readonly sweep: boolean;
}

/**
 * Every payload the controller runtime schedules. A simulation hosting runtime components must
 * include it in its payload union: `new Simulation<MyPayload | RuntimePayload>(...)`.
 */
export type RuntimePayload = RuntimeTimerPayload | InformerListPayload | InformerEventsPayload | WatchPumpPayload;

/** The `kind` strings of `RuntimePayload`. */
export type RuntimePayloadKind = RuntimePayload['kind'];

const RUNTIME_KINDS: ReadonlySet<string> = new Set<RuntimePayloadKind>([
  'informer-retry',
  'informer-resync',
  'workqueue-ready',
  'worker-wake',
  'reconcile-done',
  'leader-election',
  'component-start',
  'informer-list',
  'informer-events',
  'watch-pump',
]);

/** Whether `payload` is one of the runtime's payloads. */
export function isRuntimePayload(payload: SimPayload): payload is RuntimePayload {
  return RUNTIME_KINDS.has(payload.kind);
}

/**
 * Small trace fields for a runtime payload (`target`, batch sizes), for a simulation's `describe`
 * option: `describe: (p) => isRuntimePayload(p) ? describeRuntimePayload(p) : ...`.
 */
export function describeRuntimePayload(payload: RuntimePayload): TraceFields | undefined {
  switch (payload.kind) {
    case 'watch-pump':
      return undefined;
    case 'informer-list':
      return { target: payload.target, items: payload.items.length, rv: payload.resourceVersion };
    case 'informer-events':
      return { target: payload.target, events: payload.events.length, ended: payload.ended ? true : undefined };
    default:
      return { target: payload.target, arg: payload.arg };
  }
}

/**
 * What the runtime needs of an actor: `Actor<P>` of any simulation whose payload union includes
 * `RuntimePayload` satisfies it (and one that does not include it fails to type-check).
 */
export interface HostActor {
  readonly name: string;
  readonly rng: Rng;
  readonly alive: boolean;
  nowMs(): number;
  setTimer(delayMs: number, payload: RuntimePayload): EventHandle;
  cancelTimer(handle: EventHandle): boolean;
  trace(kind: string, fields?: TraceFields): void;
}

/**
 * What the runtime needs of the `Simulation`, to register and remove its own actors (controller
 * managers, the watch network). `Simulation<P>` satisfies it when `P` includes `RuntimePayload`.
 */
export interface ActorSystem {
  addActor(name: string, handler: (payload: SimPayload) => void): HostActor;
  removeActor(name: string): void;
  hasActor(name: string): boolean;
  record(actor: string, kind: string, fields?: TraceFields): void;
}

/** Something inside a component that receives runtime events addressed to it. */
export interface RuntimeReceiver {
  /** Handles one event addressed to this receiver; runs inside the host actor's handler. */
  receive(payload: RuntimePayload): void;
}

/**
 * The runtime side of one component incarnation: it hands out receiver ids, schedules runtime
 * timers on the actor, and routes delivered runtime payloads to their receiver.
 *
 * A component's actor handler starts with `if (host.dispatch(payload)) return;`. A new incarnation
 * (after a crash) gets a new host, so nothing addressed to the old one can reach the new one.
 */
export class RuntimeHost {
  /** The actor this host schedules on. */
  readonly actor: HostActor;
  readonly #receivers: (RuntimeReceiver | undefined)[] = [];

  constructor(actor: HostActor) {
    this.actor = actor;
  }

  /** The actor's name: the component's name in the trace. */
  get name(): string {
    return this.actor.name;
  }

  /** Virtual now. */
  nowMs(): number {
    return this.actor.nowMs();
  }

  /** Registers a receiver; the id addresses its events. Ids are never reused within a host. */
  register(receiver: RuntimeReceiver): number {
    this.#receivers.push(receiver);
    return this.#receivers.length - 1;
  }

  /** Forgets a receiver: events still addressed to it are ignored on arrival. */
  unregister(id: number): void {
    if (id >= 0 && id < this.#receivers.length) this.#receivers[id] = undefined;
  }

  /** Schedules a runtime timer for `target` after `delayMs`. */
  setTimer(delayMs: number, kind: RuntimeTimerKind, target: number, arg = 0): EventHandle {
    return this.actor.setTimer(delayMs, { kind, target, arg });
  }

  /** Schedules any runtime payload on this actor after `delayMs`. */
  schedule(delayMs: number, payload: RuntimePayload): EventHandle {
    return this.actor.setTimer(delayMs, payload);
  }

  /** Cancels a timer; `false` if it already fired. */
  cancelTimer(handle: EventHandle): boolean {
    return this.actor.cancelTimer(handle);
  }

  /**
   * Routes a delivered payload to its receiver. Returns `true` when the payload was a runtime
   * payload addressed through this host (delivered, or ignored because its receiver is gone), and
   * `false` when it is the component's own business.
   */
  dispatch(payload: SimPayload): boolean {
    if (!isRuntimePayload(payload)) return false;
    if (payload.kind === 'watch-pump') throw new ModelBug(`RuntimeHost ${this.actor.name}: a watch-pump event reached a component`);
    this.#receivers[payload.target]?.receive(payload);
    return true;
  }
}

/** An inclusive range of virtual milliseconds from which a delay is drawn uniformly. */
export interface DelayRange {
  readonly minMs: number;
  readonly maxMs: number;
}

/** Checks a `DelayRange` given in configuration (`ConfigError` if invalid); `what` names it. */
export function checkDelayRange(range: DelayRange, what: string): DelayRange {
  const { minMs, maxMs } = range;
  if (!Number.isSafeInteger(minMs) || !Number.isSafeInteger(maxMs) || minMs < 0 || maxMs < minMs) {
    throw new ConfigError(`${what}: invalid delay range [${String(minMs)}, ${String(maxMs)}] ms`);
  }
  return range;
}

/**
 * A delay drawn uniformly from `range`. It draws even when the range is a single value, so that
 * narrowing a range to a constant (or widening it back) does not shift every later draw.
 */
export function drawDelay(rng: Rng, range: DelayRange): number {
  return rng.int(range.minMs, range.maxMs);
}
