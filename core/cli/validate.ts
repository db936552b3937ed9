/**
 * `kubeprop validate -f FILE [-f FILE ...] [-o text|json] [--validate strict|warn|ignore]`
 *
 * Validates manifests against the built-in Kubernetes schemas and the CRDs given in the same
 * invocation (CRDs are registered before any instance, wherever they appear). The text output
 * follows kubeconform, with a `file:line:col` position per error:
 *
 * ```
 * bad.yaml:9:13: Deployment default/web: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string" (expected integer)
 * Summary: 2 resources found in 1 file - Valid: 1, Invalid: 1, Errors: 0, Skipped: 0
 * ```
 *
 * Exit code 1 when a resource is invalid or could not be validated (unreadable file, syntax error,
 * unknown kind), 0 otherwise.
 */
import { Option, type Command } from 'commander';
import { loadManifests, type ManifestError, type ManifestLoadResult } from '../api/manifests.js';
import { validateManifests, type ManifestValidationReport, type ResourceResult } from '../api/manifests-validation.js';
import type { FieldValidationMode } from '../api/validation.js';
import { readAll, type CliContext, type CliIO } from './cli-context.js';

/** The file name stdin is reported under. */
export const STDIN_NAME = 'stdin';

/** Options of `kubeprop validate`. */
export interface ValidateCommandOptions {
  readonly filename?: readonly string[] | undefined;
  readonly output: 'text' | 'json';
  readonly validate: 'strict' | 'warn' | 'ignore';
  readonly skip?: string | undefined;
  readonly verbose?: boolean | undefined;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds `validate` to the program. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description('validate manifests against the Kubernetes schemas and the CustomResourceDefinitions given with them')
    .addOption(new Option('-f, --filename <path>', 'manifest file, directory (searched recursively) or - for stdin; repeatable').argParser(collect))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(
      new Option('--validate <mode>', 'unknown fields: strict (error, as kubectl), warn or ignore').choices(['strict', 'warn', 'ignore']).default('strict'),
    )
    .option('--skip <kinds>', 'comma-separated kinds not to validate (Kind or group/Kind)')
    .option('-v, --verbose', 'also list valid and skipped resources (text output)')
    .action(async (opts: ValidateCommandOptions, cmd: Command) => {
      if (opts.filename === undefined || opts.filename.length === 0) {
        cmd.error('error: must specify at least one -f FILE (a file, a directory or - for stdin)');
      }
      ctx.exitCode = await runValidate(opts, ctx.io);
    });
}

/** Runs `kubeprop validate` with parsed options; resolves to the exit code. */
export async function runValidate(opts: ValidateCommandOptions, io: CliIO): Promise<number> {
  const names = opts.filename ?? [];
  const files = names.filter((f) => f !== '-');
  const readsStdin = names.includes('-');
  let load: ManifestLoadResult = loadManifests({ files });
  if (readsStdin) {
    const text = await readAll(io.stdin);
    const fromStdin = loadManifests({ text, fileName: STDIN_NAME });
    load = {
      manifests: [...load.manifests, ...fromStdin.manifests],
      errors: [...load.errors, ...fromStdin.errors],
      files: [...load.files, ...fromStdin.files],
    };
  }
  const mode: FieldValidationMode = opts.validate === 'warn' ? 'Warn' : opts.validate === 'ignore' ? 'Ignore' : 'Strict';
  const skipKinds = (opts.skip ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const report = validateManifests(load, { fieldValidation: mode, skipKinds });
  const onlyStdin = readsStdin && files.length === 0;
  io.stdout.write(opts.output === 'json' ? formatJsonReport(report) : formatTextReport(report, { verbose: opts.verbose === true, stdin: onlyStdin }));
  return report.summary.invalid + report.summary.errors > 0 ? 1 : 0;
}

function resourceLabel(r: { kind?: string | undefined; namespace?: string | undefined; name?: string | undefined }): string {
  if (r.kind === undefined) return '';
  const name = r.name === undefined ? '' : r.namespace === undefined ? r.name : `${r.namespace}/${r.name}`;
  return name === '' ? r.kind : `${r.kind} ${name}`;
}

/**
 * One error line: `FILE:LINE:COL: Kind namespace/name: path: message (expected ...)`. Parts that are
 * unknown are left out (no kind for a syntax error, no position for an unreadable file).
 */
export function formatErrorLine(e: ManifestError, severity: 'error' | 'warning' = 'error'): string {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.col}` : e.file;
  const parts = [where];
  const label = resourceLabel(e);
  if (label !== '') parts.push(label);
  if (e.path !== '') parts.push(e.path);
  const message = severity === 'warning' ? `warning: ${e.message}` : e.message;
  parts.push(e.expected === undefined ? message : `${message} (expected ${e.expected})`);
  return parts.join(': ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** kubeconform's summary line. */
export function formatSummary(report: ManifestValidationReport, stdin = false): string {
  const s = report.summary;
  const found = stdin ? 'found parsing stdin' : `found in ${plural(s.files, 'file')}`;
  return `Summary: ${plural(s.resources, 'resource')} ${found} - Valid: ${s.valid}, Invalid: ${s.invalid}, Errors: ${s.errors}, Skipped: ${s.skipped}`;
}

/** The text report: error and warning lines in input order, then the summary. */
export function formatTextReport(report: ManifestValidationReport, opts: { verbose?: boolean; stdin?: boolean } = {}): string {
  const lines: string[] = [];
  for (const r of report.resources) {
    for (const e of r.errors) lines.push(formatErrorLine(e));
    for (const w of r.warnings) lines.push(formatErrorLine(w, 'warning'));
    if (opts.verbose === true && (r.status === 'valid' || r.status === 'skipped')) {
      lines.push(`${r.file} - ${resourceLabel(r)} ${r.status === 'valid' ? 'is valid' : 'skipped'}`);
    }
  }
  lines.push(formatSummary(report, opts.stdin === true));
  return `${lines.join('\n')}\n`;
}

function jsonError(e: ManifestError): Record<string, unknown> {
  const out: Record<string, unknown> = { line: e.line, col: e.col, path: e.path, message: e.message };
  if (e.expected !== undefined) out['expected'] = e.expected;
  return out;
}

function jsonResource(r: ResourceResult): Record<string, unknown> {
  return {
    filename: r.file,
    line: r.line,
    col: r.col,
    documentIndex: r.documentIndex ?? null,
    ...(r.itemIndex === undefined ? {} : { itemIndex: r.itemIndex }),
    apiVersion: r.apiVersion ?? null,
    kind: r.kind ?? null,
    namespace: r.namespace ?? null,
    name: r.name ?? null,
    status: r.status,
    errors: r.errors.map(jsonError),
    warnings: r.warnings.map(jsonError),
  };
}

/** The JSON report: every resource with its status and errors, and the summary. */
export function formatJsonReport(report: ManifestValidationReport): string {
  return `${JSON.stringify({ resources: report.resources.map(jsonResource), summary: report.summary }, null, 2)}\n`;
}
