/**
 * The deterministic kernel: one event loop that owns the virtual clock, the root random stream,
 * the event queue, the trace and the store, and delivers events to actors one at a time.
 *
 * The design follows FoundationDB's simulation and TigerBeetle's VOPR: the whole cluster runs in
 * one thread, every source of nondeterminism (time, randomness, interleaving) is owned by the
 * simulator, and concurrency is modelled as the order in which queued events are delivered. A run
 * is therefore a pure function of the seed and the scenario, and a failing run replays exactly.
 */
import { ModelBug } from '../errors.js';
import { Store, type StoreOptions } from '../store/store.js';
import { VirtualClock, type Clock } from './clock.js';
import { EventQueue, type EventHandle, type QueueEntry } from './event-queue.js';
import { Rng } from './rng.js';
import { Trace, type TraceFields } from './trace.js';

/**
 * What every event payload looks like: a discriminated union member whose `kind` names it. The
 * `kind` becomes the `kind` of the trace entry recorded when the event is delivered.
 */
export interface SimPayload {
  readonly kind: string;
}

/**
 * An actor's event handler. It runs synchronously to completion; everything it wants to happen
 * later (a reply, a retry, a timeout) it schedules through `actor`.
 */
export type ActorHandler<P extends SimPayload> = (payload: P, actor: Actor<P>) => void;

/** Why a `run*` call returned. Hitting a bound is an outcome to report, never an exception. */
export type RunOutcome =
  /** No event is pending: nothing will ever happen again unless something is scheduled. */
  | 'quiet'
  /** The time bound was reached; events may still be pending after it. */
  | 'time-limit'
  /** The step bound (of the call, or of the whole simulation) was reached. */
  | 'steps-limit'
  /** The caller's predicate became true. */
  | 'predicate';

/** The result of `runFor`, `runUntil` and `runUntilQuiet`. */
export interface RunResult {
  readonly outcome: RunOutcome;
  /** Virtual time when the call returned. */
  readonly nowMs: number;
  /** Events delivered (or dropped) during this call. */
  readonly steps: number;
  /** Events still pending when the call returned. */
  readonly pending: number;
}

/** Bounds common to every `run*` call. */
export interface RunBounds {
  /** At most this many steps in this call (the simulation-wide `stepsMax` applies as well). */
  readonly stepsMax?: number;
}

/** Options of `runUntil` and `runUntilQuiet`; `maxMs` is mandatory because every run is bounded. */
export interface RunUntilOptions extends RunBounds {
  /** Give up after this much virtual time from the start of the call. */
  readonly maxMs: number;
}

/** Construction options of a `Simulation`. */
export interface SimulationOptions<P extends SimPayload> {
  /** The root seed: a 32-bit signed integer (see `Rng`). */
  readonly seed: number;
  /** The total number of steps the simulation may take over its lifetime; default `STEPS_MAX_DEFAULT`. */
  readonly stepsMax?: number;
  /** How many recent trace entries to keep in memory (see `TraceOptions.limit`). */
  readonly traceLimit?: number;
  /** Trace entry kinds not to record at all (see `TraceOptions.excludeKinds`). */
  readonly traceExcludeKinds?: readonly string[];
  /** Options for the simulation's `Store` other than the clock, which is always the virtual one. */
  readonly store?: Omit<StoreOptions, 'clock'>;
  /** Whether each delivered event gets a trace entry (default `true`). */
  readonly traceDeliveries?: boolean;
  /**
   * Extra fields for the trace entry of a delivered event, for example the object name a watch
   * event carries. Keep them small: this runs once per delivered event.
   */
  readonly describe?: (payload: P) => TraceFields | undefined;
}

/** The default simulation-wide step bound: generous for a 30,000-pod run, finite so a livelock ends. */
export const STEPS_MAX_DEFAULT = 100_000_000;

/** The actor name the kernel uses for its own trace entries; no component may take it. */
export const KERNEL_ACTOR = 'sim';

/**
 * Keys of the kernel-internal methods `Actor` and `Simulation` call on each other. They are not
 * exported, so code outside this module cannot reach those methods even though TypeScript has no
 * friend classes.
 */
const KILL = Symbol('kill');
/** Passed to the `Actor` constructor, so that only `Simulation.addActor` can create actors. */
const CREATE_ACTOR: unique symbol = Symbol('createActor');
const ENQUEUE = Symbol('enqueue');
const CANCEL_OWN_TIMERS = Symbol('cancelOwnTimers');

/** What the queue holds: the payload and who it is for and from. */
interface Envelope<P extends SimPayload> {
  readonly target: Actor<P>;
  /** The actor that scheduled it; `null` when scheduled from outside (scenario, faults, tests). */
  readonly owner: Actor<P> | null;
  readonly payload: P;
}

/**
 * A registered component, as its handler sees itself: its name, its own random stream, and the
 * ways to act on the world (schedule events, cancel them, write trace entries).
 *
 * One `Actor` object exists per registration and is passed to every invocation of the handler, so
 * delivering an event allocates nothing beyond the event itself.
 */
export class Actor<P extends SimPayload> {
  /** The actor's random stream: `sim.rng.fork('actor').fork(name)`, independent of every other actor's. */
  readonly rng: Rng;
  #alive = true;

  /**
   * Only `Simulation.addActor` can create actors (the first argument is a module-private token):
   * an actor that the simulation does not know could receive events nobody can account for.
   */
  constructor(
    token: typeof CREATE_ACTOR,
    /** The actor's unique name, used in the trace and as the target of messages. */
    readonly name: string,
    /** The function every event for this actor is delivered to. */
    readonly handler: ActorHandler<P>,
    /** The simulation the actor belongs to: its store, clock and trace are the actor's world too. */
    readonly sim: Simulation<P>,
    rng: Rng,
  ) {
    if (token !== CREATE_ACTOR) throw new ModelBug('Actor: actors are created by Simulation.addActor');
    this.rng = rng;
  }

  /** `false` once the actor has been removed; events still in flight to it are then dropped. */
  get alive(): boolean {
    return this.#alive;
  }

  [KILL](): void {
    this.#alive = false;
  }

  /** The current virtual time. */
  nowMs(): number {
    return this.sim.clock.nowMs();
  }

  /**
   * Schedules `payload` for this actor itself after `delayMs` (≥ 0, integer). Timers belong to the
   * actor: `cancelAllTimers` and `Simulation.removeActor` cancel them.
   */
  setTimer(delayMs: number, payload: P): EventHandle {
    return this.sim[ENQUEUE](this.sim.clock.nowMs() + checkDelay(delayMs), this, this, payload);
  }

  /**
   * Cancels one pending event, normally a timer this actor set; `false` if it already fired or was
   * cancelled (a normal race, not an error).
   */
  cancelTimer(handle: EventHandle): boolean {
    return this.sim.cancel(handle);
  }

  /** Cancels every pending event this actor scheduled for itself; returns how many. O(pending events). */
  cancelAllTimers(): number {
    return this.sim[CANCEL_OWN_TIMERS](this);
  }

  /**
   * Sends `payload` to the actor named `target` after `delayMs` (default 0: after every event
   * already due now). The target must be registered when the message is sent.
   */
  send(target: string, payload: P, delayMs = 0): EventHandle {
    return this.sim[ENQUEUE](this.sim.clock.nowMs() + checkDelay(delayMs), this.sim.actor(target), this, payload);
  }

  /** Records a trace entry written by this actor at the current time. */
  trace(kind: string, fields?: TraceFields): void {
    this.sim.trace.record(this.sim.clock.nowMs(), this.sim.currentSeq, this.name, kind, fields);
  }
}

/**
 * The simulation kernel.
 *
 * Events are delivered in `(atMs, seq)` order; before each delivery the clock moves to the
 * event's time and a trace entry `{ atMs, seq, actor: target, kind: payload.kind }` is recorded.
 * Handlers run one at a time and may not re-enter the loop. Scheduling in the past, at a
 * non-integer time, or to an unknown actor is a `ModelBug`.
 *
 * `P` is the union of every payload the simulation's actors exchange.
 */
export class Simulation<P extends SimPayload = SimPayload> {
  /** The root random stream. Components fork their own (`rng.fork(label)`); see `Rng` for why. */
  readonly rng: Rng;
  /** The trace of everything that happened; its digest is the run's fingerprint. */
  readonly trace: Trace;
  /** The virtual clock, read-only; only the loop advances it. */
  readonly clock: Clock;
  /**
   * The cluster's storage (etcd plus the API server's storage layer). Its timestamps come from the
   * virtual clock. Components should reach it through the API server once that layer exists; the
   * kernel only owns it so that one object holds all of a run's state.
   */
  readonly store: Store;
  readonly #clock: VirtualClock;
  readonly #queue = new EventQueue<Envelope<P>>();
  readonly #actors = new Map<string, Actor<P>>();
  readonly #actorsRng: Rng;
  readonly #stepsMax: number;
  readonly #traceDeliveries: boolean;
  readonly #describe: ((payload: P) => TraceFields | undefined) | undefined;
  #steps = 0;
  #currentSeq = 0;
  #running = false;

  constructor(options: SimulationOptions<P>) {
    this.rng = new Rng(options.seed);
    this.#actorsRng = this.rng.fork('actor');
    this.#clock = new VirtualClock(0);
    this.clock = this.#clock;
    this.store = new Store({ ...options.store, clock: this.clock });
    const traceOptions: { limit?: number; excludeKinds?: readonly string[] } = {};
    if (options.traceLimit !== undefined) traceOptions.limit = options.traceLimit;
    if (options.traceExcludeKinds !== undefined) traceOptions.excludeKinds = options.traceExcludeKinds;
    this.trace = new Trace(traceOptions);
    const stepsMax = options.stepsMax ?? STEPS_MAX_DEFAULT;
    if (!Number.isSafeInteger(stepsMax) || stepsMax < 0) throw new ModelBug(`Simulation: invalid stepsMax ${String(stepsMax)}`);
    this.#stepsMax = stepsMax;
    this.#traceDeliveries = options.traceDeliveries ?? true;
    this.#describe = options.describe;
  }

  /** The current virtual time in milliseconds. */
  get nowMs(): number {
    return this.#clock.nowMs();
  }

  /** Steps taken over the simulation's lifetime. */
  get steps(): number {
    return this.#steps;
  }

  /** Events pending in the queue. */
  get pending(): number {
    return this.#queue.size;
  }

  /** The `seq` of the event being delivered; 0 outside a delivery. */
  get currentSeq(): number {
    return this.#currentSeq;
  }

  /**
   * Registers an actor under a unique name and returns it. Its random stream is derived from the
   * seed and its name only, so registering actors in a different order, or adding one, changes
   * no other actor's stream.
   */
  addActor(name: string, handler: ActorHandler<P>): Actor<P> {
    if (name.length === 0 || name === KERNEL_ACTOR) throw new ModelBug(`Simulation: invalid actor name ${JSON.stringify(name)}`);
    if (this.#actors.has(name)) throw new ModelBug(`Simulation: actor ${name} is already registered`);
    const actor = new Actor(CREATE_ACTOR, name, handler, this, this.#actorsRng.fork(name));
    this.#actors.set(name, actor);
    return actor;
  }

  /**
   * Removes an actor, as a crash does: its own timers are cancelled, and messages still in flight
   * to it are dropped on arrival (traced as `{ actor: 'sim', kind: 'drop' }`), like packets for a
   * process that no longer exists. The name can be registered again; the new actor does not
   * receive what was sent to the old one. Note that a re-registered actor gets the same random
   * stream as before, because streams depend on names only; a caller that wants a fresh stream per
   * incarnation should include the incarnation in the name or fork further.
   */
  removeActor(name: string): void {
    const actor = this.actor(name);
    this[CANCEL_OWN_TIMERS](actor);
    actor[KILL]();
    this.#actors.delete(name);
  }

  /** The registered actor called `name`; an unknown name is a `ModelBug`. */
  actor(name: string): Actor<P> {
    const actor = this.#actors.get(name);
    if (actor === undefined) throw new ModelBug(`Simulation: no actor named ${name}`);
    return actor;
  }

  /** Whether an actor called `name` is registered. */
  hasActor(name: string): boolean {
    return this.#actors.has(name);
  }

  /** Schedules `payload` for `target` at virtual time `atMs` (not in the past) from outside any actor. */
  scheduleAt(atMs: number, target: string, payload: P): EventHandle {
    return this[ENQUEUE](atMs, this.actor(target), null, payload);
  }

  /** Schedules `payload` for `target` after `delayMs` (≥ 0, integer) from outside any actor. */
  scheduleAfter(delayMs: number, target: string, payload: P): EventHandle {
    return this[ENQUEUE](this.#clock.nowMs() + checkDelay(delayMs), this.actor(target), null, payload);
  }

  /**
   * Records a trace entry at the current time on behalf of `actor` (any name, registered or not),
   * for writers outside the actors: the scenario runner, fault injection, invariant checks.
   */
  record(actor: string, kind: string, fields?: TraceFields): void {
    this.trace.record(this.#clock.nowMs(), this.#currentSeq, actor, kind, fields);
  }

  /** Cancels a pending event; `false` if it already fired or was cancelled. */
  cancel(handle: EventHandle): boolean {
    return this.#queue.cancel(handle);
  }

  /** Whether the event is still pending. */
  isPending(handle: EventHandle): boolean {
    return this.#queue.isPending(handle);
  }

  /** The single place events enter the queue (also used by `Actor`). */
  [ENQUEUE](atMs: number, target: Actor<P>, owner: Actor<P> | null, payload: P): EventHandle {
    if (!Number.isSafeInteger(atMs) || atMs < this.#clock.nowMs()) {
      throw new ModelBug(`Simulation: cannot schedule ${payload.kind} for ${target.name} at ${String(atMs)} ms (now ${this.#clock.nowMs()} ms)`);
    }
    if (!target.alive) throw new ModelBug(`Simulation: actor ${target.name} has been removed`);
    return this.#queue.schedule(atMs, { target, owner, payload });
  }

  /** Cancels the events `actor` scheduled for itself (used by `Actor.cancelAllTimers` and `removeActor`). */
  [CANCEL_OWN_TIMERS](actor: Actor<P>): number {
    return this.#queue.cancelWhere((e) => e.owner === actor && e.target === actor);
  }

  /**
   * Delivers the next event: advances the clock to its time, records its trace entry and runs the
   * target's handler. Returns `false`, doing nothing, when no event is pending or the
   * simulation-wide step bound has been reached. Calling it from inside a handler is a `ModelBug`.
   */
  step(): boolean {
    if (this.#running) throw new ModelBug('Simulation: step called from inside an event handler');
    if (this.#steps >= this.#stepsMax) return false;
    const entry = this.#queue.pop();
    if (entry === undefined) return false;
    this.#deliver(entry);
    return true;
  }

  /**
   * Runs every event due within the next `durationMs`, then leaves the clock at the end of that
   * window even if the last event came earlier (time passes whether or not anything happens).
   * Outcome: `time-limit` if events remain pending, `quiet` if none do, `steps-limit` if a step
   * bound stopped it first (the clock then stays at the last delivered event).
   */
  runFor(durationMs: number, bounds: RunBounds = {}): RunResult {
    const deadlineMs = this.#clock.nowMs() + checkDelay(durationMs);
    const result = this.#run(deadlineMs, bounds.stepsMax, undefined);
    if (result.outcome === 'steps-limit') return result;
    this.#clock.advanceTo(deadlineMs);
    return this.#result(this.#queue.size === 0 ? 'quiet' : 'time-limit', result.steps);
  }

  /**
   * Runs until `predicate()` is true (checked before the first step and after every step), the
   * queue is empty (`quiet`, clock at the last event), `maxMs` of virtual time have passed
   * (`time-limit`, clock at the deadline) or a step bound is reached (`steps-limit`).
   */
  runUntil(predicate: () => boolean, options: RunUntilOptions): RunResult {
    const deadlineMs = this.#clock.nowMs() + checkDelay(options.maxMs);
    return this.#run(deadlineMs, options.stepsMax, predicate);
  }

  /**
   * Runs until no event is pending (`quiet`), or a bound is reached. A simulation with periodic
   * timers (heartbeats, resyncs) is never quiet; use `runFor` or `runUntil` for those.
   */
  runUntilQuiet(options: RunUntilOptions): RunResult {
    const deadlineMs = this.#clock.nowMs() + checkDelay(options.maxMs);
    return this.#run(deadlineMs, options.stepsMax, undefined);
  }

  #run(deadlineMs: number, callStepsMax: number | undefined, predicate: (() => boolean) | undefined): RunResult {
    if (callStepsMax !== undefined && (!Number.isSafeInteger(callStepsMax) || callStepsMax < 0)) {
      throw new ModelBug(`Simulation: invalid stepsMax ${String(callStepsMax)}`);
    }
    if (this.#running) throw new ModelBug('Simulation: run called from inside an event handler');
    let steps = 0;
    if (predicate !== undefined && predicate()) return this.#result('predicate', steps);
    const queue = this.#queue;
    const localMax = callStepsMax ?? Infinity;
    for (;;) {
      const next = queue.peek();
      if (next === undefined) return this.#result('quiet', steps);
      if (next.atMs > deadlineMs) {
        this.#clock.advanceTo(deadlineMs);
        return this.#result('time-limit', steps);
      }
      if (steps >= localMax || this.#steps >= this.#stepsMax) return this.#result('steps-limit', steps);
      this.#deliver(queue.pop() as QueueEntry<Envelope<P>>);
      steps++;
      if (predicate !== undefined && predicate()) return this.#result('predicate', steps);
    }
  }

  #deliver(entry: QueueEntry<Envelope<P>>): void {
    const { atMs, seq } = entry;
    const { target, payload } = entry.event;
    this.#clock.advanceTo(atMs);
    this.#steps++;
    this.#currentSeq = seq;
    if (!target.alive) {
      this.trace.record(atMs, seq, KERNEL_ACTOR, 'drop', { target: target.name, event: payload.kind });
      this.#currentSeq = 0;
      return;
    }
    // `wants` is checked before `describe` runs, so an excluded kind costs no field building.
    if (this.#traceDeliveries && this.trace.wants(payload.kind)) {
      this.trace.record(atMs, seq, target.name, payload.kind, this.#describe?.(payload));
    }
    this.#running = true;
    try {
      target.handler(payload, target);
    } finally {
      this.#running = false;
      this.#currentSeq = 0;
    }
  }

  #result(outcome: RunOutcome, steps: number): RunResult {
    return { outcome, nowMs: this.#clock.nowMs(), steps, pending: this.#queue.size };
  }
}

function checkDelay(delayMs: number): number {
  if (!Number.isSafeInteger(delayMs) || delayMs < 0) throw new ModelBug(`Simulation: invalid delay ${String(delayMs)} ms`);
  return delayMs;
}
