/**
 * How kubeprop's property suites are run: run counts and seeds from the environment, and a failure
 * report that ends with the one command replaying the minimal counterexample
 * (ARCHITECTURE.md §3, rule 8).
 *
 * Environment:
 * - `FC_NUM_RUNS`: runs per property (each suite has its own default, small enough for CI);
 * - `FC_SEED`: the seed (fast-check picks one and prints it otherwise);
 * - `FC_PATH`: with `FC_SEED`, replays exactly one counterexample (the path fast-check printed).
 */
import fc from 'fast-check';

/** Explicit run options; each wins over its environment variable. */
export interface PropertyRunOptions {
  readonly numRuns?: number;
  readonly seed?: number;
  readonly path?: string;
}

function envInteger(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * fast-check parameters from explicit options, then `FC_NUM_RUNS`/`FC_SEED`/`FC_PATH`, then
 * `defaultNumRuns`. A path replays one counterexample, so it implies `endOnFailure` (no further
 * shrinking) as fast-check's own replay advice does. `pathFromEnvironment: false` ignores `FC_PATH`,
 * for runners that check several properties (a path belongs to one of them).
 */
export function propertyParameters<Ts>(
  defaultNumRuns: number,
  options: PropertyRunOptions = {},
  environment: { readonly pathFromEnvironment?: boolean } = {},
): fc.Parameters<Ts> {
  const out: { numRuns: number; seed?: number; path?: string; endOnFailure?: boolean } = {
    numRuns: options.numRuns ?? envInteger('FC_NUM_RUNS') ?? defaultNumRuns,
  };
  const seed = options.seed ?? envInteger('FC_SEED');
  if (seed !== undefined) out.seed = seed;
  const envPath = environment.pathFromEnvironment === false ? undefined : process.env['FC_PATH'];
  const path = options.path ?? (envPath !== undefined && envPath !== '' ? envPath : undefined);
  if (path !== undefined) {
    out.path = path;
    out.endOnFailure = true;
  }
  return out;
}

/** The environment-variable prefix that replays a failure: `FC_SEED=… FC_PATH=…`. */
export function replayEnvironment(details: { readonly seed: number; readonly counterexamplePath: string | null }): string {
  return `FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath ?? ''}`;
}

/** Options of {@link assertProperty}. */
export interface AssertPropertyOptions extends PropertyRunOptions {
  /** Runs when neither `numRuns` nor `FC_NUM_RUNS` says otherwise. Default 100. */
  readonly defaultNumRuns?: number;
  /**
   * The command that replays a failure, given the replay environment (`FC_SEED=… FC_PATH=…`); for
   * example `env => \`${env} npx mocha properties/suites/scheduler.property.ts --grep 'no overcommit'\``.
   */
  readonly replayCommand?: (environment: string) => string;
}

/**
 * Runs a property like `fc.assert`, but the error ends with the replay command. Returns the run
 * details on success (for statistics).
 */
export function assertProperty<Ts>(property: fc.IProperty<Ts>, options: AssertPropertyOptions = {}): fc.RunDetails<Ts> {
  const details = fc.check(property, propertyParameters<Ts>(options.defaultNumRuns ?? 100, options));
  if (!details.failed) return details;
  const env = replayEnvironment(details);
  const replay = options.replayCommand ? options.replayCommand(env) : env;
  const report = fc.defaultReportMessage(details) ?? 'property failed';
  const cause = details.errorInstance;
  throw new Error(`${report}\n\nReplay the minimal counterexample with:\n  ${replay}`, cause === null || cause === undefined ? undefined : { cause });
}
