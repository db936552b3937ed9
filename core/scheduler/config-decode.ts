/**
 * Strict decoding of configuration values, as kube-scheduler decodes its config file (apimachinery's
 * strict JSON decoding through `sigs.k8s.io/json`): field names are case-sensitive, an unknown field
 * is an error, a value of the wrong JSON type is an error, and `null` means "not set".
 *
 * Every helper takes the value, its field path and the error list; on a problem it records an error
 * and returns `undefined`, so decoding carries on and all problems are reported together.
 */
import { FieldErrors, FieldPath, goQuote } from './config-errors.js';
import { formatGoDuration, parseGoDuration } from './config-validation.js';

/** A decoded JSON object (string keys, unknown values). */
export type RawObject = Readonly<Record<string, unknown>>;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function mismatch(errs: FieldErrors, path: FieldPath, v: unknown, want: string): undefined {
  errs.add(path, `Invalid value: ${describe(v)}: expected ${want}, got ${typeName(v)}`);
  return undefined;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object' && v !== null) return 'object';
  return String(v);
}

/** Levenshtein distance, for "did you mean" hints on unknown fields. */
function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const left = prev[j - 1] ?? 0;
      prev[j] = Math.min(up + 1, left + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/** The closest known field name to a misspelt one, if it is close enough to be a likely typo. */
export function suggestField(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDist = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === lower ? 0 : editDistance(lower, k.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = k;
    }
  }
  return best !== undefined && bestDist <= Math.max(1, Math.min(2, Math.floor(name.length / 3))) ? best : undefined;
}

/**
 * Decodes an object with a fixed set of fields: a non-object is a type error; every field not in
 * `known` is a strict-decoding error (`unknown field "path"`), pointing at the key.
 */
export function decodeObject(
  v: unknown,
  path: FieldPath,
  errs: FieldErrors,
  known: readonly string[],
): RawObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) return mismatch(errs, path, v, 'an object');
  const obj = v as RawObject;
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const field = path.child(key);
    const hint = suggestField(key, known);
    errs.raw(
      field,
      `strict decoding error: unknown field ${goQuote(String(field))}${hint !== undefined ? ` (did you mean ${goQuote(hint)}?)` : ''}`,
      'key',
    );
  }
  return obj;
}

/** Decodes a list; `null` is "not set". */
export function decodeList(v: unknown, path: FieldPath, errs: FieldErrors): readonly unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return mismatch(errs, path, v, 'a list');
  return v;
}

/** Decodes a string. */
export function decodeString(v: unknown, path: FieldPath, errs: FieldErrors): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return mismatch(errs, path, v, 'a string');
  return v;
}

/** Decodes a boolean. */
export function decodeBool(v: unknown, path: FieldPath, errs: FieldErrors): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') return mismatch(errs, path, v, 'a boolean');
  return v;
}

/** Decodes an `int32` (a whole number in [-2^31, 2^31-1]). */
export function decodeInt32(v: unknown, path: FieldPath, errs: FieldErrors): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) return mismatch(errs, path, v, 'an integer (int32)');
  if (v < INT32_MIN || v > INT32_MAX) {
    errs.add(path, `Invalid value: ${v}: out of range for int32`);
    return undefined;
  }
  return v;
}

/**
 * Decodes an `int64`. Values beyond ±(2^53-1) cannot be represented exactly in JavaScript and are
 * rejected (no configuration field needs them).
 */
export function decodeInt64(v: unknown, path: FieldPath, errs: FieldErrors): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) return mismatch(errs, path, v, 'an integer (int64)');
  if (!Number.isSafeInteger(v)) {
    errs.add(path, `Invalid value: ${v}: out of the range kubeprop supports (±2^53-1)`);
    return undefined;
  }
  return v;
}

/** Decodes a `float32`/`float64` number. */
export function decodeFloat(v: unknown, path: FieldPath, errs: FieldErrors): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) return mismatch(errs, path, v, 'a number');
  return v;
}

/**
 * Decodes a `metav1.Duration`: a Go duration string (`"15s"`, `"1m30s"`, `"250ms"`), returned in
 * milliseconds (fractions kept).
 */
export function decodeDurationMs(v: unknown, path: FieldPath, errs: FieldErrors): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return mismatch(errs, path, v, 'a duration string such as "15s"');
  const ns = parseGoDuration(v);
  if (ns === undefined) {
    errs.invalid(path, v, 'time: invalid duration (expected a Go duration such as "15s", "1m30s" or "250ms")');
    return undefined;
  }
  return ns / 1e6;
}

/** Formats milliseconds as a Go `time.Duration` string (`1m30s`), for messages. */
export function formatDurationMs(ms: number): string {
  return formatGoDuration(Math.round(ms * 1e6));
}
