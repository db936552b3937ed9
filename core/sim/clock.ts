/**
 * Virtual time: one clock in integer milliseconds, advanced only by the simulation's event loop.
 *
 * Nothing on the simulation path reads the host's clock. Time moves when the loop delivers the next
 * event, so a run takes the same virtual time on a laptop and on a loaded CI machine, and a
 * 10-minute scenario runs as fast as its events can be processed.
 */
import { ModelBug } from '../errors.js';

/**
 * What components may see of the clock: the current virtual time. The store and every component
 * receive this read-only view; only the event loop holds the `VirtualClock` that can advance.
 */
export interface Clock {
  /** Virtual milliseconds since `VIRTUAL_EPOCH_MS`. */
  nowMs(): number;
}

/**
 * The real instant that virtual time 0 stands for: 2026-01-01T00:00:00Z, as Unix milliseconds.
 *
 * A fixed instant, rather than the host's "now", makes every printed timestamp
 * (`metadata.creationTimestamp`, `Lease.spec.renewTime`, trace exports) identical across runs and
 * machines, so traces and `kubeprop simulate -o json` output can be diffed and kept as fixtures.
 */
export const VIRTUAL_EPOCH_MS = 1_767_225_600_000;

/**
 * The simulation's clock. It starts at `startMs` (0 by default) and only moves forward, by
 * `advanceTo`, which the event loop calls before delivering each event.
 */
export class VirtualClock implements Clock {
  #nowMs: number;

  /** @param startMs - the initial virtual time, a safe integer. */
  constructor(startMs = 0) {
    if (!Number.isSafeInteger(startMs)) throw new ModelBug(`VirtualClock: start must be a safe integer, got ${String(startMs)}`);
    this.#nowMs = startMs;
  }

  /** The current virtual time in milliseconds. */
  nowMs(): number {
    return this.#nowMs;
  }

  /**
   * Moves the clock to `atMs`. Moving backwards, or to a non-integer time, is a `ModelBug`: it
   * would mean an event was delivered out of order, which breaks every causality assumption the
   * components make. Staying at the same time is allowed (several events share an instant).
   */
  advanceTo(atMs: number): void {
    if (!Number.isSafeInteger(atMs) || atMs < this.#nowMs) {
      throw new ModelBug(`VirtualClock: cannot move from ${this.#nowMs} ms to ${String(atMs)} ms`);
    }
    this.#nowMs = atMs;
  }
}

/**
 * A virtual time as Kubernetes prints a `metav1.Time`: RFC 3339 in UTC with whole seconds, such as
 * `2026-01-01T00:00:00Z` for virtual time 0. Sub-second parts are dropped (rounded down), as Go's
 * `time.Format(time.RFC3339)` does for the fields the API server serializes this way
 * (`creationTimestamp`, `deletionTimestamp`, condition transition times).
 */
export function formatRfc3339(virtualMs: number): string {
  // Writes cluster in time, so most calls fall in the same second as the previous one, and the rest
  // in a few recent seconds (a container's start, a pod's admission); formatting a Date is costly
  // enough to be worth remembering those answers. The epoch and the valid range both start on whole
  // seconds, so any integer time in an already-formatted second is in range.
  if (!Number.isSafeInteger(virtualMs)) return isoString(virtualMs);
  const second = Math.floor(virtualMs / 1000);
  if (second === lastSecond) return lastSeconds;
  let text = formattedSeconds.get(second);
  if (text === undefined) {
    const iso = isoString(virtualMs);
    // `toISOString` always prints milliseconds (`...:00.000Z`); metav1.Time has no fraction.
    text = `${iso.slice(0, iso.length - 5)}Z`;
    if (formattedSeconds.size >= FORMATTED_SECONDS_MAX) formattedSeconds.clear();
    formattedSeconds.set(second, text);
  }
  lastSecond = second;
  lastSeconds = text;
  return text;
}

/** The virtual second (`floor(ms / 1000)`) last formatted by `formatRfc3339`, and its text; NaN matches nothing. */
let lastSecond = Number.NaN;
let lastSeconds = '';
/** Bound on the seconds `formatRfc3339` remembers; the memo starts over when full. */
const FORMATTED_SECONDS_MAX = 4096;
const formattedSeconds = new Map<number, string>();
/** The last `formatRfc3339Micro` input and output (NaN matches no input). */
let lastMicroMs = Number.NaN;
let lastMicro = '';

/**
 * A virtual time as Kubernetes prints a `metav1.MicroTime` (`Lease.spec.renewTime`,
 * `events.k8s.io` `eventTime`): RFC 3339 in UTC with six fractional digits, such as
 * `2026-01-01T00:00:01.250000Z`. Virtual time has millisecond resolution, so the last three digits
 * are always zero.
 */
export function formatRfc3339Micro(virtualMs: number): string {
  if (virtualMs === lastMicroMs) return lastMicro;
  const iso = isoString(virtualMs);
  lastMicro = `${iso.slice(0, iso.length - 1)}000Z`;
  lastMicroMs = virtualMs;
  return lastMicro;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 timestamp (as found in manifests) into virtual milliseconds, relative to
 * `VIRTUAL_EPOCH_MS`; times before the epoch are negative. Fractions finer than a millisecond are
 * truncated. Returns `undefined` for anything that is not a valid RFC 3339 date-time, so the caller
 * can report it with the manifest's file and line.
 */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, date, time, fraction, zone] = m;
  const millis = (fraction ?? '').slice(0, 3).padEnd(3, '0');
  const normalized = `${date}T${time}.${millis}${zone === 'z' ? 'Z' : zone}`;
  const unixMs = Date.parse(normalized);
  if (Number.isNaN(unixMs)) return undefined;
  // Date.parse accepts impossible calendar dates such as February 30 by rolling them over; a
  // round trip through the UTC fields rejects them.
  const [year, month, day] = (date as string).split('-').map(Number) as [number, number, number];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return undefined;
  const [hh, mm, ss] = (time as string).split(':').map(Number) as [number, number, number];
  if (hh > 23 || mm > 59 || ss > 59) return undefined;
  return unixMs - VIRTUAL_EPOCH_MS;
}

function isoString(virtualMs: number): string {
  if (!Number.isSafeInteger(virtualMs)) throw new ModelBug(`formatRfc3339: not an integer time: ${String(virtualMs)}`);
  const unixMs = VIRTUAL_EPOCH_MS + virtualMs;
  // Years outside 0000..9999 print in ISO's extended form (`+010000-...`), which is not RFC 3339.
  if (unixMs < -62_167_219_200_000 || unixMs > 253_402_300_799_999) {
    throw new ModelBug(`formatRfc3339: virtual time ${virtualMs} ms is outside years 0000..9999`);
  }
  return new Date(unixMs).toISOString();
}
