/**
 * What a benchmark reports: one row per measured figure. Every `bench/*.bench.ts` exports
 * `run(): Promise<BenchResult[]>`; `bench/run.ts` collects and prints them.
 */
export interface BenchResult {
  /** The scenario, e.g. `store: create pods, 10 watchers`. */
  readonly name: string;
  /** What was measured, e.g. `writes/s`. */
  readonly metric: string;
  readonly value: number;
  /** The unit of `value`, e.g. `ops/s`, `µs`, `MB`. */
  readonly unit: string;
  /** Free-form context (sizes, counts) printed next to the figure. */
  readonly extra?: Readonly<Record<string, string | number>>;
}
