/**
 * The deterministic kernel's public surface, for `core/index.ts` to re-export: the seeded RNG,
 * virtual time, the event queue, the trace and the `Simulation`.
 */
export { Rng, SEED_MAX, SEED_MIN, type WeightedChoice } from './rng.js';
export { VIRTUAL_EPOCH_MS, VirtualClock, formatRfc3339, formatRfc3339Micro, parseRfc3339, type Clock } from './clock.js';
export { EventQueue, type EventHandle, type QueueEntry } from './event-queue.js';
export { TRACE_LIMIT_DEFAULT, Trace, canonicalJson, type TraceEntry, type TraceFields, type TraceOptions, type TraceValue } from './trace.js';
export {
  Actor,
  KERNEL_ACTOR,
  STEPS_MAX_DEFAULT,
  Simulation,
  type ActorHandler,
  type RunBounds,
  type RunOutcome,
  type RunResult,
  type RunUntilOptions,
  type SimPayload,
  type SimulationOptions,
} from './simulation.js';
