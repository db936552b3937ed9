/**
 * Pieces the `schedule` and `simulate` subcommands share: option parsers, loading and validating
 * the `-f` manifests with located errors, and `kubectl`-style table layout.
 */
import { loadManifests } from '../api/manifests.js';
import { validateManifests } from '../api/manifests-validation.js';
import type { KubeObject } from '../api/types.js';
import { ConfigError } from '../errors.js';
import { readAll, type CliIO } from './cli-context.js';

/** commander argument parser for a repeatable option. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--seed`: a 32-bit signed integer (fast-check seeds are often negative). */
export function parseSeed(value: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw new ConfigError(`--seed: ${JSON.stringify(value)} is not an integer`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < -0x8000_0000 || n > 0x7fff_ffff) throw new ConfigError(`--seed: ${value} is outside the 32-bit signed range`);
  return n;
}

/**
 * Loads the `-f` files (`-` reads stdin) and validates every object strictly, as the API server
 * would. On any problem, prints each error as `file:line:col: Kind ns/name: field: message` and
 * returns undefined; nothing is half-loaded.
 */
export async function loadValidObjects(names: readonly string[], io: CliIO, what: string): Promise<KubeObject[] | undefined> {
  const files = names.filter((f) => f !== '-');
  let load = loadManifests({ files });
  if (names.includes('-')) {
    const fromStdin = loadManifests({ text: await readAll(io.stdin), fileName: 'stdin' });
    load = { manifests: [...load.manifests, ...fromStdin.manifests], errors: [...load.errors, ...fromStdin.errors], files: [...load.files, ...fromStdin.files] };
  }
  const report = validateManifests(load, { fieldValidation: 'Strict', skipKinds: [] });
  const problems = report.resources.filter((r) => r.status === 'invalid' || r.status === 'error');
  if (problems.length > 0) {
    for (const r of problems) {
      const obj = r.kind ? `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name ?? ''}: ` : '';
      for (const e of r.errors) io.stderr.write(`${e.file}:${e.line}:${e.col}: ${obj}${e.path ? `${e.path}: ` : ''}${e.message}\n`);
    }
    io.stderr.write(`error: ${problems.length} invalid resource(s); nothing was ${what}\n`);
    return undefined;
  }
  return report.resources.filter((r) => r.object !== undefined).map((r) => r.object as KubeObject);
}

/** Left-aligned columns separated by three spaces, as `kubectl get` prints them. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n';
}
