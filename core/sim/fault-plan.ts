/**
 * Fault plans: the data-only timeline of failures a simulation injects.
 *
 * A plan is a YAML (or JSON) list of entries `{at: <duration>, kind: <FaultKind>, target: <name>,
 * for: <duration, optional>}`, for example
 *
 * ```yaml
 * - {at: 60s, kind: NodeCrash, target: node-2}                 # until the end
 * - {at: 2m, kind: NodePartition, target: node-3, for: 90s}
 * - {at: 3m, kind: ComponentCrash, target: scheduler-0, for: 30s}
 * ```
 *
 * Durations use Go's syntax (`1m30s`, `500ms`, `2h`), as Kubernetes configuration does; they are
 * whole milliseconds of virtual time. The format is plain data so that the property layer can
 * generate, shrink and print plans, and a printed plan replays exactly.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { ConfigError } from '../errors.js';

/** The kinds of fault a plan can inject. */
export type FaultKind = 'NodeCrash' | 'NodePartition' | 'KubeletStop' | 'PodCrash' | 'ComponentCrash';

export const FAULT_KINDS: readonly FaultKind[] = ['NodeCrash', 'NodePartition', 'KubeletStop', 'PodCrash', 'ComponentCrash'];

/** What each kind targets, for messages and validation. */
export const FAULT_TARGETS: Readonly<Record<FaultKind, string>> = {
  NodeCrash: 'a node name: the node and its kubelet go down (containers die, no heartbeats)',
  NodePartition: 'a node name: the node is cut off from the API servers (its kubelet keeps running)',
  KubeletStop: 'a node name: the kubelet stops (no heartbeats or status updates; containers keep running)',
  PodCrash: 'a pod as namespace/name: its containers exit with an error',
  ComponentCrash: 'a control-plane component: scheduler-N, controller-manager-N or apiserver-N',
};

/** One fault of a plan. */
export interface Fault {
  readonly atMs: number;
  readonly kind: FaultKind;
  readonly target: string;
  /** How long the fault lasts; absent means until the end of the run. */
  readonly forMs?: number;
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a Go-style duration (`90s`, `1m30s`, `250ms`, `2h`, `0`) into whole milliseconds.
 * Returns undefined when the text is not a duration or not a whole number of milliseconds.
 */
export function parseDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  let rest = text;
  let total = 0;
  if (rest === '') return undefined;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    const [whole, num, unit] = m as unknown as [string, string, string];
    // Decimal arithmetic on the digits keeps "1.5s" exact.
    const [int, frac = ''] = num.split('.');
    const scale = UNIT_MS[unit]!;
    const fracMs = frac === '' ? 0 : (Number(frac) * scale) / 10 ** frac.length;
    total += Number(int) * scale + fracMs;
    rest = rest.slice(whole.length);
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Formats milliseconds as the shortest Go-style duration: `90000` → `1m30s`, `1500` → `1.5s`. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  const h = Math.floor(rest / 3_600_000);
  if (h > 0) {
    out += `${h}h`;
    rest -= h * 3_600_000;
  }
  const m = Math.floor(rest / 60_000);
  if (m > 0) {
    out += `${m}m`;
    rest -= m * 60_000;
  }
  if (rest > 0) out += rest % 1000 === 0 ? `${rest / 1000}s` : rest < 1000 && out === '' ? `${rest}ms` : `${rest / 1000}s`;
  return out;
}

/** Checks one plan entry given as plain data; `where(field)` locates a field for the message. */
function decodeFault(raw: unknown, path: string, where: (field?: string) => string | undefined): Fault {
  const fail = (field: string | undefined, msg: string): never => {
    throw new ConfigError(`${path}${field ? `.${field}` : ''}: ${msg}`, where(field));
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(undefined, 'expected a mapping {at, kind, target, for?}');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['at', 'kind', 'target', 'for'].includes(k)) fail(k, `unknown field "${k}" (expected at, kind, target, for)`);
  const kind = o['kind'];
  if (typeof kind !== 'string') fail('kind', `Required value: one of ${FAULT_KINDS.join(', ')}`);
  if (!FAULT_KINDS.includes(kind as FaultKind)) fail('kind', `Unsupported value: "${String(kind)}": supported values: ${FAULT_KINDS.map((k) => `"${k}"`).join(', ')}`);
  const target = o['target'];
  if (typeof target !== 'string' || target === '') fail('target', `Required value: ${FAULT_TARGETS[kind as FaultKind]}`);
  if (kind === 'PodCrash' && !(target as string).includes('/')) fail('target', `Invalid value: "${String(target)}": PodCrash targets a pod as namespace/name`);
  const dur = (field: 'at' | 'for'): number | undefined => {
    const v = o[field];
    if (v === undefined) return undefined;
    const ms = typeof v === 'number' && v === 0 ? 0 : typeof v === 'string' ? parseDurationMs(v) : undefined;
    if (ms === undefined) fail(field, `Invalid value: ${JSON.stringify(v)}: expected a duration such as 90s, 2m or 1m30s`);
    return ms;
  };
  const atMs = dur('at');
  if (atMs === undefined) fail('at', 'Required value: when the fault starts, e.g. 60s');
  const forMs = dur('for');
  if (forMs !== undefined && forMs <= 0) fail('for', `Invalid value: "${String(o['for'])}": must be greater than 0`);
  return { atMs: atMs!, kind: kind as FaultKind, target: target as string, ...(forMs !== undefined ? { forMs } : {}) };
}

/** Validates a plan given as plain data (what the property layer generates). */
export function faultPlanFromData(data: unknown, source = 'faults'): Fault[] {
  if (!Array.isArray(data)) throw new ConfigError(`${source}: a fault plan is a list of {at, kind, target, for?} entries`);
  return sortFaults(data.map((f, i) => decodeFault(f, `[${i}]`, () => source)));
}

/** Parses a fault plan file. Errors name the file, line, column and field. */
export function parseFaultPlan(text: string, fileName: string): Fault[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, version: '1.1', uniqueKeys: true, prettyErrors: false });
  const pos = (node: YamlNode | null | undefined): string => {
    const off = node?.range?.[0] ?? 0;
    const p = lc.linePos(off);
    return `${fileName}:${p.line}:${p.col}`;
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const p = lc.linePos(e.pos[0]);
    throw new ConfigError(e.message.split('\n')[0] ?? 'YAML syntax error', `${fileName}:${p.line}:${p.col}`);
  }
  const root = doc.contents;
  if (root === null || root === undefined) return [];
  if (!isSeq(root)) throw new ConfigError('a fault plan is a list of {at, kind, target, for?} entries', pos(root as YamlNode));
  const faults = root.items.map((item, i) => {
    const where = (field?: string): string => {
      if (field !== undefined && isMap(item)) {
        const pair = item.items.find((p) => (p.key as { value?: unknown } | null)?.value === field);
        if (pair) return pos((pair.value ?? pair.key) as YamlNode);
      }
      return pos(item as YamlNode);
    };
    return decodeFault((item as YamlNode).toJSON(), `[${i}]`, where);
  });
  return sortFaults(faults);
}

/** Faults in start order; ties keep the plan's order (stable sort). */
function sortFaults(faults: Fault[]): Fault[] {
  return faults.map((f, i) => ({ f, i })).sort((a, b) => a.f.atMs - b.f.atMs || a.i - b.i).map((x) => x.f);
}

/** Prints a plan in the file format (one flow mapping per line), for counterexamples. */
export function formatFaultPlan(faults: readonly Fault[]): string {
  if (faults.length === 0) return '[]\n';
  return (
    faults
      .map((f) => `- {at: ${formatDurationMs(f.atMs)}, kind: ${f.kind}, target: ${f.target}${f.forMs !== undefined ? `, for: ${formatDurationMs(f.forMs)}` : ''}}`)
      .join('\n') + '\n'
  );
}
