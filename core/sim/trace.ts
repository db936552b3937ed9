/**
 * The simulation trace: one compact, structured entry per thing that happened, plus a running
 * SHA-256 digest of all of them.
 *
 * The digest is the determinism check of the whole product (same seed and scenario ⇒ same
 * digest), so it covers every entry ever recorded, including those that a bounded trace has since
 * evicted. Entries are serialized canonically once, when recorded; the stored line is an immutable
 * snapshot, so a component mutating an object after tracing it cannot rewrite history.
 */
import { createHash, type Hash } from 'node:crypto';
import { ModelBug } from '../errors.js';

/** A value a trace field may hold: JSON data. `undefined` members of objects are omitted. */
export type TraceValue =
  | string
  | number
  | boolean
  | null
  | readonly TraceValue[]
  | { readonly [key: string]: TraceValue | undefined };

/** The entry-specific fields of a trace entry. Fields whose value is `undefined` are omitted. */
export type TraceFields = { readonly [key: string]: TraceValue | undefined };

/** One trace entry as read back from the trace: the fixed header plus the entry's own fields. */
export type TraceEntry = {
  /** Virtual time of the entry, in milliseconds. */
  readonly atMs: number;
  /** The `seq` of the event being delivered when the entry was written; 0 outside any event. */
  readonly seq: number;
  /** Who wrote it, e.g. `scheduler-0`, `kubelet/node-1`, `sim`. */
  readonly actor: string;
  /** What happened, e.g. `bind`, `evict`, `timer`. */
  readonly kind: string;
} & { readonly [field: string]: TraceValue };

/** The header keys, which an entry's own fields may not use. */
const RESERVED = new Set(['atMs', 'seq', 'actor', 'kind']);

/** How a `Trace` keeps entries. */
export interface TraceOptions {
  /**
   * How many of the most recent entries to keep in memory (a ring). Default 100,000; `Infinity`
   * keeps all of them; 0 keeps none. The digest always covers every entry, whatever is kept.
   */
  readonly limit?: number;
  /**
   * Kinds that are not recorded at all: neither kept nor digested, and not even serialized, so a
   * hot entry class costs one set lookup when switched off. Changing this set changes the digest;
   * compare digests only between runs with the same options.
   */
  readonly excludeKinds?: readonly string[];
}

/** How many distinct quoted header strings `Trace` memoizes before starting over. */
const QUOTE_CACHE_MAX = 4096;

/** The default `TraceOptions.limit`: enough for a readable counterexample, bounded for huge runs. */
export const TRACE_LIMIT_DEFAULT = 100_000;

/**
 * Serialized entries are buffered and hashed in chunks of about this many characters, because a
 * native hash call per entry costs more than the hashing itself.
 */
const HASH_CHUNK_CHARS = 64 * 1024;

/**
 * An append-only trace with a bounded in-memory window and an incremental digest.
 *
 * Each entry is serialized to one canonical JSON line: the header keys in the fixed order `atMs`,
 * `seq`, `actor`, `kind`, then the entry's fields with keys sorted (at every depth), `undefined`
 * omitted. The digest is the SHA-256 of all lines, each followed by `\n`; so when nothing has been
 * evicted or excluded, `digest()` equals the SHA-256 of the `toJsonl()` export.
 */
export class Trace {
  readonly #limit: number;
  readonly #excluded: ReadonlySet<string>;
  readonly #hash: Hash = createHash('sha256');
  /**
   * Retention works on whole chunks of serialized lines (the same chunks that feed the hash), not
   * on individual lines: keeping 100,000 separate strings alive just long enough to be promoted to
   * the old generation and then dropped made the garbage collector the main cost of tracing.
   * `#chunks` holds the sealed chunks still needed to show the last `#limit` lines; `#open` is the
   * chunk being filled.
   */
  #chunks: { readonly text: string; readonly lines: number }[] = [];
  #chunkedLines = 0;
  #open = '';
  #openLines = 0;
  #count = 0;
  readonly #quoted = new Map<string, string>();

  constructor(options: TraceOptions = {}) {
    const limit = options.limit ?? TRACE_LIMIT_DEFAULT;
    if (!(limit === Infinity || (Number.isSafeInteger(limit) && limit >= 0))) {
      throw new ModelBug(`Trace: limit must be a non-negative integer or Infinity, got ${String(limit)}`);
    }
    this.#limit = limit;
    this.#excluded = new Set(options.excludeKinds ?? []);
  }

  /**
   * Whether entries of `kind` are recorded. Writers with expensive fields check it first, so that
   * building the fields is skipped along with the entry.
   */
  wants(kind: string): boolean {
    return this.#excluded.size === 0 || !this.#excluded.has(kind);
  }

  /**
   * Records an entry. Field names must not repeat the header keys (`atMs`, `seq`, `actor`,
   * `kind`), and numbers must be finite; either mistake is a `ModelBug`.
   */
  record(atMs: number, seq: number, actor: string, kind: string, fields?: TraceFields): void {
    if (this.#excluded.size !== 0 && this.#excluded.has(kind)) return;
    let line = `{"atMs":${atMs},"seq":${seq},"actor":${this.#quote(actor)},"kind":${this.#quote(kind)}`;
    if (fields !== undefined) {
      const keys = Object.keys(fields);
      // Most callers already list their fields in order; sorting copies the keys into a work array.
      if (keys.length > 1 && !inOrder(keys)) keys.sort();
      for (const key of keys) {
        const value = fields[key];
        if (value === undefined) continue;
        if (RESERVED.has(key)) throw new ModelBug(`Trace: field name ${JSON.stringify(key)} is reserved for the entry header`);
        line += `,${this.#quote(key)}:${canonicalJson(value)}`;
      }
    }
    line += '}';
    this.#append(line);
  }

  /** How many entries have been recorded in total, evicted ones included. */
  get count(): number {
    return this.#count;
  }

  /** How many recorded entries are no longer kept in memory. */
  get evicted(): number {
    return this.#count - Math.min(this.#count, this.#limit);
  }

  /** The retained entries (the last `limit` recorded) as canonical JSON lines without newline, oldest first. */
  lines(): string[] {
    const retained = Math.min(this.#count, this.#limit);
    if (retained === 0) return [];
    let text = '';
    for (const chunk of this.#chunks) text += chunk.text;
    text += this.#open;
    const all = text.split('\n');
    // The text ends with a newline, so the split leaves one empty string at the end.
    all.pop();
    return all.length > retained ? all.slice(all.length - retained) : all;
  }

  /** The retained entries, parsed, oldest first. */
  entries(): TraceEntry[] {
    return this.lines().map((line) => JSON.parse(line) as TraceEntry);
  }

  /** The retained entries as JSON Lines: one entry per line, each line ending with `\n`. */
  toJsonl(): string {
    const lines = this.lines();
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  /**
   * The SHA-256 (lower-case hex) of every entry recorded so far. It can be taken at any time and
   * recording continues afterwards; two runs with the same seed, scenario and trace options have
   * equal digests at equal points.
   */
  digest(): string {
    this.#seal();
    return this.#hash.copy().digest('hex');
  }

  /**
   * `JSON.stringify` of a header string or field name, memoized: actor names, kinds and field names
   * come from a small set and repeat on every entry, and quoting them was half the cost of recording
   * an entry. The cache is cleared when it grows large, which bounds memory and cannot change any
   * output.
   */
  #quote(text: string): string {
    let quoted = this.#quoted.get(text);
    if (quoted === undefined) {
      if (this.#quoted.size >= QUOTE_CACHE_MAX) this.#quoted.clear();
      quoted = JSON.stringify(text);
      this.#quoted.set(text, quoted);
    }
    return quoted;
  }

  #append(line: string): void {
    this.#count++;
    this.#open += `${line}\n`;
    this.#openLines++;
    if (this.#open.length >= HASH_CHUNK_CHARS) this.#seal();
  }

  /** Hashes the open chunk and, if retention needs it, keeps it. */
  #seal(): void {
    if (this.#openLines === 0) return;
    const text = this.#open;
    this.#hash.update(text, 'utf8');
    const lines = this.#openLines;
    this.#open = '';
    this.#openLines = 0;
    if (this.#limit === 0) return;
    this.#chunks.push({ text, lines });
    this.#chunkedLines += lines;
    // Drop the oldest chunks while the rest still hold at least `limit` lines.
    const chunks = this.#chunks;
    let drop = 0;
    let kept = this.#chunkedLines;
    while (drop < chunks.length && kept - (chunks[drop] as { lines: number }).lines >= this.#limit) {
      kept -= (chunks[drop] as { lines: number }).lines;
      drop++;
    }
    if (drop > 0) {
      chunks.splice(0, drop);
      this.#chunkedLines = kept;
    }
  }
}

/**
 * Canonical JSON for trace values: object keys sorted at every depth, `undefined` members
 * omitted, non-finite numbers rejected (JSON has no spelling for them, and `JSON.stringify` would
 * silently print `null`). Equal values always give equal strings, which is what digests need.
 */
/** Whether `keys` are in ascending (code unit) order, as `sort()` would leave them. */
function inOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}

export function canonicalJson(value: TraceValue): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new ModelBug(`Trace: non-finite number ${String(value)}`);
      // JSON.stringify prints -0 as 0, so the two cannot produce different digests.
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item = (value as readonly TraceValue[])[i];
          // An `undefined` array slot prints as null, as JSON.stringify does, so indexes stay aligned.
          out += item === undefined ? 'null' : canonicalJson(item);
        }
        return `${out}]`;
      }
      const record = value as { readonly [key: string]: TraceValue | undefined };
      const keys = Object.keys(record);
      if (keys.length > 1 && !inOrder(keys)) keys.sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new ModelBug(`Trace: ${typeof value} is not a trace value`);
  }
}
