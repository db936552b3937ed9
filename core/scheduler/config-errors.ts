/**
 * Field paths and field errors for the scheduler configuration, in the shape of apimachinery's
 * `k8s.io/apimachinery/pkg/util/validation/field` (`Path`, `Error`, `Invalid`, `Required`,
 * `Duplicate`, `NotSupported`, `Forbidden`), so messages read as kube-scheduler prints them:
 * `profiles[0].plugins.score.enabled[1].weight: Invalid value: -1: must not be negative`.
 *
 * Validation collects every problem in a `FieldErrors` list instead of stopping at the first one;
 * `FieldErrors.throwIfAny` turns the list into one `SchedulerConfigError` (a `ConfigError`) whose
 * location is the first problem's `file:line:col` and whose message lists them all.
 */
import { ConfigError } from '../errors.js';

/**
 * A field path (upstream `field.Path`): `profiles[0].pluginConfig[1].args`. Immutable; `child` and
 * `index` return new paths. `FieldPath.root(s)` accepts an already rendered prefix (what a plugin's
 * `decodeArgs(raw, path)` receives).
 */
export class FieldPath {
  private constructor(
    private readonly parent: FieldPath | undefined,
    private readonly segment: string,
  ) {}

  /** A path starting at `name` (may itself be a rendered path such as `profiles[0].pluginConfig[2].args`). */
  static root(name: string): FieldPath {
    return new FieldPath(undefined, name);
  }

  /** `path.child('a', 'b')` is `path.a.b`. */
  child(...names: readonly string[]): FieldPath {
    let p: FieldPath = this;
    for (const n of names) p = new FieldPath(p, `.${n}`);
    return p;
  }

  /** `path.index(3)` is `path[3]`. */
  index(i: number): FieldPath {
    return new FieldPath(this, `[${i}]`);
  }

  toString(): string {
    const parts: string[] = [];
    for (let p: FieldPath | undefined = this; p; p = p.parent) parts.push(p.segment);
    const s = parts.reverse().join('');
    return s.startsWith('.') ? s.slice(1) : s;
  }
}

/**
 * Splits a rendered field path into its segments: `a.b[2].c` ⇒ `['a', 'b', 2, 'c']`. Keys that
 * themselves contain dots cannot be told apart from nesting; callers use the result only to find a
 * source position, where the nearest resolvable ancestor is good enough.
 */
export function parseFieldPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
  }
  return out;
}

/** Go's `%q` for a string (close enough for the ASCII field values found in configurations). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/**
 * How apimachinery prints a bad value: integers, floats and booleans plainly, strings quoted,
 * `null` for absent values; composite values as JSON (upstream falls back to Go's `%#v`).
 */
export function formatBadValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Where in the source a problem points: the field's value (default) or its key. */
export type IssueAnchor = 'value' | 'key';

/** One configuration problem. `message` is complete (it names the field path). */
export interface ConfigIssue {
  /** The field path, e.g. `profiles[0].plugins.score.enabled[1].weight`. */
  readonly field: string;
  /** The full message, e.g. `profiles[0]...weight: Invalid value: -1: must not be negative`. */
  readonly message: string;
  /** `file:line:col` when known. */
  readonly location?: string;
  /** Whether the position is that of the key (unknown fields) or of the value. */
  readonly anchor: IssueAnchor;
}

/**
 * A `ConfigError` carrying every problem found in one configuration (or one plugin's args). The
 * error's `location` is the first problem's; the message lists all of them, one per line, each with
 * its own location.
 */
export class SchedulerConfigError extends ConfigError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const [first, ...rest] = issues;
    const head = first ? first.message : 'invalid scheduler configuration';
    const tail = rest.map((i) => `\n${i.location !== undefined ? `${i.location}: ` : ''}${i.message}`).join('');
    super(head + tail, first?.location);
    this.issues = Object.freeze([...issues]);
  }
}

/** Resolves a field path to `file:line:col` (or undefined when the source position is unknown). */
export type Locator = (field: string, anchor: IssueAnchor) => string | undefined;

/**
 * An error list being collected (upstream `field.ErrorList`). The constructors mirror apimachinery's
 * `field.Invalid`, `field.Required`, ... and their message formats.
 */
export class FieldErrors {
  private readonly list: ConfigIssue[] = [];

  constructor(private readonly locate?: Locator) {}

  /** The issues collected so far. */
  get issues(): readonly ConfigIssue[] {
    return this.list;
  }

  /** Adds a message that already starts with whatever it needs (used for strict-decoding errors). */
  raw(path: FieldPath | string, message: string, anchor: IssueAnchor = 'value'): void {
    const field = String(path);
    const location = this.locate?.(field, anchor);
    this.list.push(location !== undefined ? { field, message, location, anchor } : { field, message, anchor });
  }

  /** `field: body` with the body given verbatim. */
  add(path: FieldPath | string, body: string, anchor: IssueAnchor = 'value'): void {
    this.raw(path, `${String(path)}: ${body}`, anchor);
  }

  /** `field.Invalid`: `path: Invalid value: <value>: <detail>`. */
  invalid(path: FieldPath | string, value: unknown, detail: string): void {
    this.add(path, `Invalid value: ${formatBadValue(value)}${detail ? `: ${detail}` : ''}`);
  }

  /** `field.Required`: `path: Required value[: detail]`. */
  required(path: FieldPath | string, detail = ''): void {
    this.add(path, `Required value${detail ? `: ${detail}` : ''}`);
  }

  /** `field.Duplicate`: `path: Duplicate value: <value>`. */
  duplicate(path: FieldPath | string, value: unknown): void {
    this.add(path, `Duplicate value: ${formatBadValue(value)}`);
  }

  /** `field.NotSupported`: `path: Unsupported value: <value>: supported values: "a", "b"`. */
  notSupported(path: FieldPath | string, value: unknown, supported: readonly string[]): void {
    const list = supported.map(goQuote).join(', ');
    this.add(path, `Unsupported value: ${formatBadValue(value)}${list ? `: supported values: ${list}` : ''}`);
  }

  /** `field.Forbidden`: `path: Forbidden: <detail>`. */
  forbidden(path: FieldPath | string, detail: string): void {
    this.add(path, `Forbidden${detail ? `: ${detail}` : ''}`);
  }

  /** Throws a `SchedulerConfigError` holding every collected issue, if there is any. */
  throwIfAny(): void {
    if (this.list.length > 0) throw new SchedulerConfigError(this.list);
  }
}
