/**
 * Benchmark runner: imports every `bench/*.bench.ts` in sorted order, runs its exported `run()`,
 * and prints one table of results (or JSON with `--json`). Extra arguments filter bench files by
 * substring: `npm run bench -- store`.
 *
 * Benchmarks measure host time, so they live outside the simulation path; numbers vary with the
 * machine and should be compared with each other, not across machines.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult } from './bench-result.js';

interface BenchModule {
  run(): Promise<BenchResult[]>;
}

function formatValue(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

function table(rows: readonly BenchResult[]): string {
  const cells = rows.map((r) => [
    r.name,
    r.metric,
    formatValue(r.value),
    r.unit,
    r.extra === undefined ? '' : Object.entries(r.extra).map(([k, v]) => `${k}=${typeof v === 'number' ? formatValue(v) : v}`).join(' '),
  ]);
  const header = ['bench', 'metric', 'value', 'unit', 'extra'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: readonly string[]): string => c.map((s, i) => (i === 2 ? s.padStart(widths[i] as number) : s.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const filters = args.filter((a) => !a.startsWith('--'));
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
    .sort();
  const results: BenchResult[] = [];
  for (const file of files) {
    if (!json) process.stderr.write(`running ${file} ...\n`);
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Partial<BenchModule>;
    if (typeof mod.run !== 'function') throw new Error(`${file} does not export run()`);
    results.push(...(await mod.run()));
  }
  process.stdout.write(json ? `${JSON.stringify(results, null, 2)}\n` : `${table(results)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
