/**
 * `kubeprop schedule -f FILE [-f FILE ...] [--config SCHEDULER_CONFIG.yaml] [--plugin FILE ...]
 *  [--seed N] [-o table|json|yaml] [--explain]`
 *
 * What-if scheduling from manifests: Nodes, Pods (bound pods are existing load; the others are
 * scheduled in queue order), PriorityClasses, PodDisruptionBudgets, Namespaces, Services, ... The
 * scheduler runs exactly as kube-scheduler v1.35 with the given configuration (default profile
 * otherwise); `--plugin` loads users' plugin files so a configuration can enable them by name.
 *
 * Output contract (ARCHITECTURE.md 5.2): `-o json` prints `{ "results": [ { pod, node, status,
 * message, nominatedNode, victims, explain? } ] }`; exit code 0 when the command ran, 1 on bad input.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { ConfigError } from '../errors.js';
import { loadSchedulerConfig } from '../scheduler/config.js';
import type { SchedulerPluginDefinition } from '../scheduler/plugin.js';
import { pluginRegistry, type NodeExplain } from '../scheduler/scheduler.js';
import type { Status } from '../scheduler/status.js';
import { runWhatIf, type WhatIfOutput, type WhatIfResult } from '../scheduler/what-if.js';
import type { CliContext, CliIO } from './cli-context.js';
import { collect, formatTable as formatTableRows, loadValidObjects, parseSeed } from './cli-util.js';

export interface ScheduleCommandOptions {
  readonly filename?: readonly string[] | undefined;
  readonly config?: string | undefined;
  readonly plugin?: readonly string[] | undefined;
  readonly seed: number;
  readonly output: 'table' | 'json' | 'yaml';
  readonly explain?: boolean | undefined;
}

/** Adds `schedule` to the program. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('schedule')
    .description('schedule pending pods onto nodes as kube-scheduler v1.35 would (what-if), and explain why')
    .addOption(new Option('-f, --filename <path>', 'manifest file, directory or - for stdin; repeatable').argParser(collect))
    .option('--config <file>', 'a kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration')
    .addOption(new Option('--plugin <file>', 'a scheduler plugin file (.ts or .js) to register; repeatable').argParser(collect))
    .addOption(new Option('--seed <n>', 'seed for tie-breaking between equally scored nodes').argParser(parseSeed).default(0))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
    .option('--explain', 'per-node filter results and per-plugin scores')
    .action(async (opts: ScheduleCommandOptions, cmd: Command) => {
      if (opts.filename === undefined || opts.filename.length === 0) cmd.error('error: must specify at least one -f FILE');
      ctx.exitCode = await runSchedule(opts, ctx.io, ctx.schedulerPlugins ?? []);
    });
}

/** Loads users' plugin files: every export that is a plugin definition is registered. */
export async function loadPluginFiles(files: readonly string[]): Promise<SchedulerPluginDefinition<unknown>[]> {
  const out: SchedulerPluginDefinition<unknown>[] = [];
  for (const f of files) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(resolve(f)).href)) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`--plugin ${f}: cannot load: ${err instanceof Error ? err.message : String(err)}`);
    }
    const defs = Object.values(mod).filter(
      (v): v is SchedulerPluginDefinition<unknown> =>
        v !== null && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string' && typeof (v as { create?: unknown }).create === 'function',
    );
    if (defs.length === 0) throw new ConfigError(`--plugin ${f}: exports no scheduler plugin (use defineSchedulerPlugin)`);
    for (const d of defs) if (!out.includes(d)) out.push(d);
  }
  return out;
}

/** Runs `kubeprop schedule`; resolves to the exit code. */
export async function runSchedule(opts: ScheduleCommandOptions, io: CliIO, defaults: readonly SchedulerPluginDefinition<unknown>[]): Promise<number> {
  try {
    const objects = await loadValidObjects(opts.filename ?? [], io, 'scheduled');
    if (objects === undefined) return 1;
    const config = opts.config !== undefined ? loadSchedulerConfig(readConfig(opts.config), opts.config) : undefined;
    const userPlugins = await loadPluginFiles(opts.plugin ?? []);
    const registry = pluginRegistry([...defaults, ...userPlugins]);
    const out = runWhatIf({ objects, registry, seed: opts.seed, explain: opts.explain === true, ...(config ? { config } : {}) });
    for (const e of out.pluginErrors) io.stderr.write(`plugin error: ${e}\n`);
    if (out.truncated) io.stderr.write(`warning: stopped after ${out.cycles} scheduling cycles\n`);
    switch (opts.output) {
      case 'json':
        io.stdout.write(`${JSON.stringify(toJson(out, opts.explain === true), null, 2)}\n`);
        break;
      case 'yaml':
        io.stdout.write(stringify(toJson(out, opts.explain === true)));
        break;
      default:
        io.stdout.write(formatTable(out, opts.explain === true));
    }
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function readConfig(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`--config ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function statusJson(s: Status): Record<string, unknown> {
  const o: Record<string, unknown> = { code: s.code };
  if (s.plugin !== undefined) o['plugin'] = s.plugin;
  if (s.reasons.length > 0) o['reasons'] = [...s.reasons];
  return o;
}

function explainJson(explain: ReadonlyMap<string, NodeExplain>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [node, e] of explain) {
    const o: Record<string, unknown> = { filter: statusJson(e.filter) };
    if (e.scores !== undefined) o['scores'] = Object.fromEntries(e.scores);
    if (e.totalScore !== undefined) o['totalScore'] = e.totalScore;
    out[node] = o;
  }
  return out;
}

/** The JSON document of ARCHITECTURE.md 5.2 (plus `pluginErrors` when there are any). */
export function toJson(out: WhatIfOutput, explain: boolean): Record<string, unknown> {
  const results = out.results.map((r: WhatIfResult) => {
    const o: Record<string, unknown> = {
      pod: r.pod,
      node: r.node,
      status: r.status,
      message: r.message,
      nominatedNode: r.nominatedNode,
      victims: [...r.victims],
    };
    if (explain) o['explain'] = r.explain ? explainJson(r.explain) : {};
    return o;
  });
  const doc: Record<string, unknown> = { results };
  if (out.pluginErrors.length > 0) doc['pluginErrors'] = [...out.pluginErrors];
  return doc;
}

/** The table a person reads first: pod, node, status and the reason when unschedulable. */
export function formatTable(out: WhatIfOutput, explain: boolean): string {
  const rows: string[][] = [['POD', 'NODE', 'STATUS', 'REASON']];
  for (const r of out.results) {
    let reason = r.message;
    if (r.victims.length > 0) reason = `${reason ? `${reason}; ` : ''}preempted ${r.victims.join(', ')}`;
    else if (r.status === 'Unschedulable' && r.nominatedNode) reason = `${reason} (nominated to ${r.nominatedNode})`;
    rows.push([r.pod, r.node ?? '<none>', r.status, reason]);
  }
  let s = formatTableRows(rows);
  if (explain) {
    for (const r of out.results) {
      if (!r.explain || r.explain.size === 0) continue;
      const plugins: string[] = [];
      for (const e of r.explain.values()) for (const p of e.scores?.keys() ?? []) if (!plugins.includes(p)) plugins.push(p);
      const erows: string[][] = [['NODE', 'FILTER', ...plugins, 'TOTAL']];
      for (const [node, e] of r.explain) {
        const filter = e.filter.code === 'Success' ? 'Success' : `${e.filter.code} (${e.filter.plugin ?? '?'}: ${e.filter.reasons.join(', ')})`;
        erows.push([node, filter, ...plugins.map((p) => (e.scores?.has(p) ? String(e.scores.get(p)) : '')), e.totalScore === undefined ? '' : String(e.totalScore)]);
      }
      s += `\n${r.pod}:\n${formatTableRows(erows)
        .split('\n')
        .map((l) => (l ? `  ${l}` : l))
        .join('\n')}`;
    }
  }
  return s;
}
