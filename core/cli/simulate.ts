/**
 * `kubeprop simulate -f FILE [-f FILE ...] [--faults FAULTS.yaml] [--for 10m] [--seed N]
 *  [--trace out.jsonl] [-o table|json|yaml] [--apiservers N] [--schedulers N]
 *  [--controller-managers N] [--config SCHEDULER_CONFIG.yaml] [--plugin FILE ...]`
 *
 * Runs the whole control plane in virtual time (ARCHITECTURE.md 5.3). With `-o table` it prints a
 * readable timeline (virtual time, component, what happened) and the final state as `kubectl get`
 * tables; with `-o json|yaml`, stdout is only the final state as a `v1 List` of every object in the
 * store, status included, and the timeline goes to `--trace` only. The same seed gives the same
 * output, byte for byte.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import type { DeepReadonly, KubeObject } from '../api/types.js';
import { createSimulation, type ClusterSimulation } from '../cluster/cluster-simulation.js';
import { ConfigError } from '../errors.js';
import { loadSchedulerConfig } from '../scheduler/config.js';
import { formatRfc3339, VIRTUAL_EPOCH_MS } from '../sim/clock.js';
import { formatDurationMs, parseDurationMs, parseFaultPlan } from '../sim/fault-plan.js';
import type { TraceEntry } from '../sim/trace.js';
import type { CliContext } from './cli-context.js';
import { collect, formatTable, loadValidObjects, parseSeed } from './cli-util.js';
import { loadPluginFiles } from './schedule.js';

export interface SimulateCommandOptions {
  readonly filename?: readonly string[] | undefined;
  readonly faults?: string | undefined;
  readonly for: string;
  readonly seed: number;
  readonly trace?: string | undefined;
  readonly output: 'table' | 'json' | 'yaml';
  readonly apiservers: number;
  readonly schedulers: number;
  readonly controllerManagers: number;
  readonly config?: string | undefined;
  readonly plugin?: readonly string[] | undefined;
}

function positive(what: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(`--${what}: ${JSON.stringify(v)} is not a positive integer`);
    return n;
  };
}

/** Adds `simulate` to the program. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('simulate')
    .description('run the whole control plane (API servers, scheduler, controllers, kubelets, kube-proxy) in virtual time')
    .addOption(new Option('-f, --filename <path>', 'manifest file, directory or - for stdin; repeatable').argParser(collect))
    .option('--faults <file>', 'a fault plan: a YAML list of {at, kind, target, for?}')
    .option('--for <duration>', 'virtual time to run, e.g. 10m, 90s, 1h', '10m')
    .addOption(new Option('--seed <n>', 'seed of every random choice').argParser(parseSeed).default(0))
    .option('--trace <file>', 'write the full timeline as JSON Lines')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
    .addOption(new Option('--apiservers <n>', 'API server instances').argParser(positive('apiservers')).default(1))
    .addOption(new Option('--schedulers <n>', 'scheduler replicas (leader-elected)').argParser(positive('schedulers')).default(1))
    .addOption(new Option('--controller-managers <n>', 'controller-manager replicas (leader-elected)').argParser(positive('controller-managers')).default(1))
    .option('--config <file>', 'a kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration')
    .addOption(new Option('--plugin <file>', 'a scheduler plugin file to register; repeatable').argParser(collect))
    .action(async (opts: SimulateCommandOptions, cmd: Command) => {
      if (opts.filename === undefined || opts.filename.length === 0) cmd.error('error: must specify at least one -f FILE');
      ctx.exitCode = await runSimulate(opts, ctx);
    });
}

/** Runs `kubeprop simulate`; resolves to the exit code. */
export async function runSimulate(opts: SimulateCommandOptions, ctx: Pick<CliContext, 'io' | 'schedulerPlugins' | 'controllers'>): Promise<number> {
  const io = ctx.io;
  try {
    const forMs = parseDurationMs(opts.for);
    if (forMs === undefined || forMs <= 0) throw new ConfigError(`--for: ${JSON.stringify(opts.for)} is not a duration such as 10m or 90s`);
    const objects = await loadValidObjects(opts.filename ?? [], io, 'simulated');
    if (objects === undefined) return 1;
    const faults = opts.faults !== undefined ? parseFaultPlan(readText(opts.faults, '--faults'), opts.faults) : [];
    const schedulerConfig = opts.config !== undefined ? loadSchedulerConfig(readText(opts.config, '--config'), opts.config) : undefined;
    const userPlugins = await loadPluginFiles(opts.plugin ?? []);
    const cluster = createSimulation({
      manifests: objects,
      seed: opts.seed,
      controlPlane: { apiservers: opts.apiservers, schedulers: opts.schedulers, controllerManagers: opts.controllerManagers },
      schedulerPlugins: [...(ctx.schedulerPlugins ?? []), ...userPlugins],
      controllers: ctx.controllers ?? [],
      faults,
      traceLimit: opts.trace !== undefined || opts.output === 'table' ? Number.POSITIVE_INFINITY : 10_000,
      ...(schedulerConfig ? { schedulerConfig } : {}),
    });
    cluster.runFor(forMs);
    if (opts.trace !== undefined) writeFileSync(opts.trace, cluster.trace.toJsonl());
    switch (opts.output) {
      case 'json':
        io.stdout.write(`${JSON.stringify(finalList(cluster), null, 4)}\n`);
        break;
      case 'yaml':
        io.stdout.write(stringify(finalList(cluster)));
        break;
      default:
        io.stdout.write(formatTimeline(cluster.trace.entries()));
        io.stdout.write('\n');
        io.stdout.write(formatState(cluster, forMs));
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

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${what} ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The final state as `kubectl get -o json` prints a list of everything. */
export function finalList(cluster: ClusterSimulation): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: cluster.state.all() };
}

/** `hh:mm:ss.mmm` of virtual time since the start. */
export function formatVirtualTime(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const milli = ms % 1000;
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${p2(h)}:${p2(m)}:${p2(s)}.${String(milli).padStart(3, '0')}`;
}

/** Trace kinds that are bookkeeping, not part of the story a person reads. */
const QUIET_KINDS: ReadonlySet<string> = new Set([
  'watch-pump',
  'worker-wake',
  'informer-list',
  'informer-events',
  'informer-retry',
  'informer-resync',
  'workqueue-ready',
  'reconcile-done',
  'leader-election',
  'leader-observed',
  'component-start',
  'kubelet-lease',
  'kubelet-node-status',
  'node-status',
  'kube-proxy-sync',
  'proxy-sync',
  'kubelet-pod-sync',
  'deliver',
  'schedule-attempt',
  'compact',
  'reconcile',
]);

/** An entry's own fields (everything but the header). */
function fieldsOf(e: TraceEntry): Record<string, unknown> {
  const { atMs: _a, seq: _s, actor: _b, kind: _k, ...rest } = e;
  return rest;
}

function describeEntry(e: TraceEntry): string {
  const f = fieldsOf(e);
  if (e.kind === 'api') {
    const obj = `${String(f['resource'])} ${f['ns'] !== undefined ? `${String(f['ns'])}/` : ''}${f['name'] !== undefined ? String(f['name']) : ''}`.trim();
    return `${String(f['by'])}: ${String(f['verb'])} ${obj} (${String(f['code'])})`;
  }
  const rest = Object.entries(f)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return rest === '' ? e.kind : `${e.kind} ${rest}`;
}

/** The readable timeline: virtual time, component, what happened. */
export function formatTimeline(entries: readonly TraceEntry[]): string {
  const lines: string[] = ['TIME           COMPONENT                 EVENT'];
  for (const e of entries) {
    if (QUIET_KINDS.has(e.kind)) continue;
    if (e.kind === 'api' && e['code'] === 409) continue;
    lines.push(`${formatVirtualTime(e.atMs)}   ${e.actor.padEnd(24)}  ${describeEntry(e)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** kubectl's `HumanDuration` for ages. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return '<invalid>';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  return d < 8 && h % 24 !== 0 ? `${d}d${h % 24}h` : `${d}d`;
}

function age(obj: DeepReadonly<KubeObject>, nowMs: number): string {
  const ts = obj.metadata?.creationTimestamp;
  if (!ts) return '<unknown>';
  return humanDuration(nowMs + VIRTUAL_EPOCH_MS - Date.parse(String(ts)));
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function nodeStatus(n: Any): string {
  const ready = (n['status']?.['conditions'] ?? []).find((c: Any) => c['type'] === 'Ready');
  let s = ready === undefined ? 'Unknown' : ready['status'] === 'True' ? 'Ready' : ready['status'] === 'False' ? 'NotReady' : 'NotReady';
  if (n['spec']?.['unschedulable']) s += ',SchedulingDisabled';
  return s;
}

function podStatus(p: Any): string {
  if (p['metadata']?.['deletionTimestamp']) return 'Terminating';
  const statuses: Any[] = p['status']?.['containerStatuses'] ?? [];
  for (const c of statuses) {
    const waiting = c['state']?.['waiting']?.['reason'];
    if (waiting) return waiting;
    const term = c['state']?.['terminated'];
    if (term && p['status']?.['phase'] !== 'Succeeded' && p['status']?.['phase'] !== 'Failed') return term['reason'] ?? 'Error';
  }
  const reason = p['status']?.['reason'];
  if (reason) return reason;
  if (p['status']?.['phase'] === 'Succeeded') return 'Completed';
  if (p['status']?.['phase'] === 'Failed') return 'Error';
  return p['status']?.['phase'] ?? 'Pending';
}

/** The final state as `kubectl get` tables: nodes, deployments, pods, services. */
export function formatState(cluster: ClusterSimulation, nowMs: number): string {
  const st = cluster.state;
  let out = '';
  const nodes = st.list('Node') as unknown as Any[];
  out += `NODES\n${formatTable([
    ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
    ...nodes.map((n) => [n['metadata']['name'], nodeStatus(n), '<none>', age(n as DeepReadonly<KubeObject>, nowMs), n['status']?.['nodeInfo']?.['kubeletVersion'] ?? '']),
  ])}`;
  const deployments = st.list('apps/Deployment') as unknown as Any[];
  if (deployments.length > 0) {
    out += `\nDEPLOYMENTS\n${formatTable([
      ['NAMESPACE', 'NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
      ...deployments.map((d) => [
        d['metadata']['namespace'],
        d['metadata']['name'],
        `${d['status']?.['readyReplicas'] ?? 0}/${d['spec']?.['replicas'] ?? 1}`,
        String(d['status']?.['updatedReplicas'] ?? 0),
        String(d['status']?.['availableReplicas'] ?? 0),
        age(d as DeepReadonly<KubeObject>, nowMs),
      ]),
    ])}`;
  }
  const pods = st.list('Pod') as unknown as Any[];
  out += `\nPODS\n${formatTable([
    ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'NODE'],
    ...pods.map((p) => {
      const cs: Any[] = p['status']?.['containerStatuses'] ?? [];
      const total = (p['spec']?.['containers'] ?? []).length;
      const ready = cs.filter((c) => c['ready']).length;
      const restarts = cs.reduce((n, c) => n + (c['restartCount'] ?? 0), 0);
      return [p['metadata']['namespace'], p['metadata']['name'], `${ready}/${total}`, podStatus(p), String(restarts), age(p as DeepReadonly<KubeObject>, nowMs), p['spec']?.['nodeName'] ?? '<none>'];
    }),
  ])}`;
  const services = st.list('Service') as unknown as Any[];
  out += `\nSERVICES\n${formatTable([
    ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'PORT(S)', 'AGE'],
    ...services.map((s) => [
      s['metadata']['namespace'],
      s['metadata']['name'],
      s['spec']?.['type'] ?? 'ClusterIP',
      s['spec']?.['clusterIP'] ?? '<none>',
      ((s['spec']?.['ports'] ?? []) as Any[]).map((p) => `${p['port']}${p['nodePort'] ? `:${p['nodePort']}` : ''}/${p['protocol'] ?? 'TCP'}`).join(',') || '<none>',
      age(s as DeepReadonly<KubeObject>, nowMs),
    ]),
  ])}`;
  out += `\nvirtual time: ${formatDurationMs(nowMs)} (${formatRfc3339(nowMs)}), trace digest ${cluster.trace.digest().slice(0, 16)}\n`;
  return out;
}
