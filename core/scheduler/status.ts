/**
 * The scheduling framework's `Status`: the value every extension point returns.
 *
 * Mirrors `kube-scheduler/framework/interface.go` (`Code`, `Status`, `IsRejected`, `AsError`). A
 * plugin may return `undefined` where upstream returns a nil `*Status`; both mean Success. Statuses
 * are immutable values; the framework records which plugin produced a rejection.
 */

/** Upstream `framework.Code`, by name (the iota order is kept in `STATUS_CODE_ORDER`). */
export type StatusCode =
  | 'Success'
  | 'Error'
  | 'Unschedulable'
  | 'UnschedulableAndUnresolvable'
  | 'Wait'
  | 'Skip'
  | 'Pending';

/** The codes in upstream's iota order (Success = 0 ... Pending = 6). */
export const STATUS_CODE_ORDER: readonly StatusCode[] = [
  'Success',
  'Error',
  'Unschedulable',
  'UnschedulableAndUnresolvable',
  'Wait',
  'Skip',
  'Pending',
];

/** A framework status. `reasons` are the human-readable messages (upstream `Reasons()`). */
export interface Status {
  readonly code: StatusCode;
  readonly reasons: readonly string[];
  /** The plugin that produced this status (set by the framework for rejections). */
  readonly plugin?: string;
  /** For `Error`: the underlying error. */
  readonly error?: unknown;
}

/** What a plugin may return where a status is expected: `undefined`/`null` mean Success. */
export type StatusLike = Status | undefined | null | void;

const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: Object.freeze([]) as readonly string[] });
const SKIP: Status = Object.freeze({ code: 'Skip', reasons: Object.freeze([]) as readonly string[] });

function make(code: StatusCode, reasons: readonly string[], extra?: { plugin?: string; error?: unknown }): Status {
  const s: { code: StatusCode; reasons: readonly string[]; plugin?: string; error?: unknown } = {
    code,
    reasons: Object.freeze([...reasons]),
  };
  if (extra?.plugin !== undefined) s.plugin = extra.plugin;
  if (extra?.error !== undefined) s.error = extra.error;
  return Object.freeze(s);
}

/** Constructors for statuses, named after upstream's `framework.NewStatus(code, reasons...)` uses. */
export const Status = {
  success(): Status {
    return SUCCESS;
  },
  skip(): Status {
    return SKIP;
  },
  unschedulable(...reasons: string[]): Status {
    return make('Unschedulable', reasons);
  },
  unschedulableAndUnresolvable(...reasons: string[]): Status {
    return make('UnschedulableAndUnresolvable', reasons);
  },
  /** `Wait` is only valid from Permit. */
  wait(...reasons: string[]): Status {
    return make('Wait', reasons);
  },
  pending(...reasons: string[]): Status {
    return make('Pending', reasons);
  },
  /** An internal error (upstream `AsStatus(err)`); the message becomes the only reason. */
  error(err: unknown): Status {
    const message = err instanceof Error ? err.message : String(err);
    return make('Error', [message], { error: err });
  },
  of(code: StatusCode, ...reasons: string[]): Status {
    if (code === 'Success' && reasons.length === 0) return SUCCESS;
    if (code === 'Skip' && reasons.length === 0) return SKIP;
    return make(code, reasons);
  },
  /** A copy of `s` attributed to `plugin` (upstream `WithPlugin`). */
  withPlugin(s: Status, plugin: string): Status {
    if (s.plugin === plugin) return s;
    return make(s.code, s.reasons, { plugin, error: s.error });
  },
} as const;

/** Normalises a plugin's return value: `undefined`/`null` ⇒ Success. */
export function asStatus(s: StatusLike): Status {
  return s ?? SUCCESS;
}

/** `Status.IsSuccess()`: nil or code Success. */
export function isSuccess(s: StatusLike): boolean {
  return s == null || s.code === 'Success';
}

/** `Status.IsSkip()`. */
export function isSkip(s: StatusLike): boolean {
  return s != null && s.code === 'Skip';
}

/** `Status.IsRejected()`: Unschedulable, UnschedulableAndUnresolvable or Pending. */
export function isRejected(s: StatusLike): boolean {
  return s != null && (s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable' || s.code === 'Pending');
}

/** `Status.Message()`: the reasons joined with ", ". */
export function statusMessage(s: StatusLike): string {
  return s == null ? '' : s.reasons.join(', ');
}

/** True when `value` has the shape of a `Status` (used to validate what plugins return). */
export function isStatusValue(value: unknown): value is Status {
  if (value === null || typeof value !== 'object') return false;
  const v = value as { code?: unknown; reasons?: unknown };
  return typeof v.code === 'string' && STATUS_CODE_ORDER.includes(v.code as StatusCode) && Array.isArray(v.reasons);
}
