import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli-test-support.js';
import { formatErrorLine, formatSummary } from './validate.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/validate/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const GOOD = `${EXAMPLES}good-deployment.yaml`;
const BAD = `${EXAMPLES}bad-deployment.yaml`;
const CRD = `${EXAMPLES}crontab-crd.yaml`;
const CRONTABS = `${EXAMPLES}crontabs.yaml`;

const QUANTITY_REGEX = "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

describe('cli: kubeprop validate', function () {
  this.timeout(30_000);

  it('reports nothing but the summary for valid manifests and exits 0', async () => {
    const r = await runCli(['validate', '-f', GOOD]);
    assert.deepEqual(r, { code: 0, stdout: 'Summary: 2 resources found in 1 file - Valid: 2, Invalid: 0, Errors: 0, Skipped: 0\n', stderr: '' });
  });

  it('prints one line per error with file:line:col, the resource, the path and what was expected', async () => {
    const r = await runCli(['validate', '-f', BAD]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.split('\n'), [
      `${BAD}:8:13: Deployment default/web: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string" (expected integer)`,
      `${BAD}:14:7: Deployment default/web: spec.template.metadata.labels: Invalid value: {"app":"frontend"}: \`selector\` does not match template \`labels\` (expected labels matched by spec.selector)`,
      `${BAD}:18:11: Deployment default/web: spec.template.spec.containers[0].name: Required value`,
      `${BAD}:19:28: Deployment default/web: spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never" (expected one of "Always", "IfNotPresent", "Never")`,
      `${BAD}:22:15: Deployment default/web: spec.template.spec.containers[0].ports[0].protocl: unknown field "spec.template.spec.containers[0].ports[0].protocl"`,
      `${BAD}:25:20: Deployment default/web: spec.template.spec.containers[0].resources.requests.cpu: Invalid value: "2 cores": quantities must match the regular expression ${QUANTITY_REGEX} (expected a quantity such as 500m, 1Gi or 2)`,
      'Summary: 1 resource found in 1 file - Valid: 0, Invalid: 1, Errors: 0, Skipped: 0',
      '',
    ]);
  });

  it('registers CRDs given after their instances and validates the instances against them', async () => {
    const r = await runCli(['validate', '-f', CRONTABS, '-f', CRD]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.stdout.split('\n'), [
      `${CRONTABS}:10:1: CronTab too-many: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation`,
      `${CRONTABS}:17:13: CronTab too-many: spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10 (expected at most 10)`,
      `${CRONTABS}:18:22: CronTab too-many: spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace" (expected one of "Allow", "Forbid", "Replace")`,
      `${CRONTABS}:19:3: CronTab too-many: spec.schedule: unknown field "spec.schedule"`,
      `${CRONTABS}:25:1: CronTab min-above-replicas: spec: Invalid value: minReplicas must not exceed replicas`,
      'Summary: 4 resources found in 2 files - Valid: 2, Invalid: 2, Errors: 0, Skipped: 0',
      '',
    ]);
  });

  it('reports an instance without its CRD as an error (no matches for kind)', async () => {
    const r = await runCli(['validate', '-f', CRONTABS]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], `${CRONTABS}:2:1: CronTab every-five-minutes: no matches for kind "CronTab" in version "stable.example.com/v1" (expected a built-in kind or the kind of a registered CustomResourceDefinition)`);
    assert.equal(lines.at(-1), 'Summary: 3 resources found in 1 file - Valid: 0, Invalid: 0, Errors: 3, Skipped: 0');
  });

  it('expands directories and prints a JSON report with -o json', async () => {
    const r = await runCli(['validate', '-f', EXAMPLES, '-o', 'json']);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as {
      resources: { filename: string; kind: string; name: string; status: string; errors: { line: number; col: number; path: string; message: string; expected?: string }[] }[];
      summary: Record<string, number>;
    };
    assert.deepEqual(report.summary, { resources: 7, files: 4, valid: 4, invalid: 3, errors: 0, skipped: 0 });
    assert.deepEqual(
      report.resources.map((x) => [x.filename.slice(EXAMPLES.length), x.kind, x.name, x.status, x.errors.length]),
      [
        ['bad-deployment.yaml', 'Deployment', 'web', 'invalid', 6],
        ['crontab-crd.yaml', 'CustomResourceDefinition', 'crontabs.stable.example.com', 'valid', 0],
        ['crontabs.yaml', 'CronTab', 'every-five-minutes', 'valid', 0],
        ['crontabs.yaml', 'CronTab', 'too-many', 'invalid', 4],
        ['crontabs.yaml', 'CronTab', 'min-above-replicas', 'invalid', 1],
        ['good-deployment.yaml', 'Deployment', 'web', 'valid', 0],
        ['good-deployment.yaml', 'Service', 'web', 'valid', 0],
      ],
    );
    assert.deepEqual(report.resources[0]?.errors[0], {
      line: 8,
      col: 13,
      path: 'spec.replicas',
      message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      expected: 'integer',
    });
  });

  it('reads manifests from stdin with -f -', async () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: 1\n';
    const r = await runCli(['validate', '-f', '-'], text);
    assert.equal(r.code, 1);
    assert.deepEqual(r.stdout.split('\n'), [
      'stdin:6:6: ConfigMap c: data.a: Invalid value: "integer": data.a in body must be of type string: "integer" (expected string)',
      'Summary: 1 resource found parsing stdin - Valid: 0, Invalid: 1, Errors: 0, Skipped: 0',
      '',
    ]);
  });

  it('turns unknown fields into warnings with --validate warn, and lists valid resources with -v', async () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndatta: {}\n';
    const warn = await runCli(['validate', '-f', '-', '--validate', 'warn', '-v'], text);
    assert.equal(warn.code, 0);
    assert.deepEqual(warn.stdout.split('\n'), [
      'stdin:5:1: ConfigMap c: datta: warning: unknown field "datta"',
      'stdin - ConfigMap c is valid',
      'Summary: 1 resource found parsing stdin - Valid: 1, Invalid: 0, Errors: 0, Skipped: 0',
      '',
    ]);
    const ignore = await runCli(['validate', '-f', '-', '--validate', 'ignore'], text);
    assert.equal(ignore.code, 0);
  });

  it('skips kinds with --skip', async () => {
    const r = await runCli(['validate', '-f', BAD, '--skip', 'Deployment', '-v']);
    assert.equal(r.code, 0);
    assert.deepEqual(r.stdout.split('\n'), [`${BAD} - Deployment default/web skipped`, 'Summary: 1 resource found in 1 file - Valid: 0, Invalid: 0, Errors: 0, Skipped: 1', '']);
  });

  it('reports a missing file clearly and exits 1', async () => {
    const r = await runCli(['validate', '-f', 'does-not-exist.yaml', '-f', GOOD]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.split('\n'), [
      'does-not-exist.yaml: cannot read file: no such file or directory',
      'Summary: 3 resources found in 2 files - Valid: 2, Invalid: 0, Errors: 1, Skipped: 0',
      '',
    ]);
  });

  it('reports YAML syntax errors with their position', async () => {
    const r = await runCli(['validate', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  name: d\n');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^stdin:5:3: Map keys must be unique\n/);
  });

  it('requires -f', async () => {
    const r = await runCli(['validate']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /must specify at least one -f FILE/);
  });

  it('validates the shared fixtures (apps, nodes, CRDs and instances) in one run', async function () {
    if (!existsSync(FIXTURES)) this.skip();
    const r = await runCli(['validate', '-f', `${FIXTURES}instances`, '-f', `${FIXTURES}crds`, '-f', `${FIXTURES}apps`, '-f', `${FIXTURES}nodes`]);
    assert.equal(r.code, 1, 'the TriggerAuthentication has no CRD');
    assert.deepEqual(r.stdout.split('\n'), [
      `${FIXTURES}instances/keda/rabbitmq-deploy-consumer.yaml:52:1: TriggerAuthentication default/rabbitmq-consumer-trigger: no matches for kind "TriggerAuthentication" in version "keda.sh/v1alpha1" (expected a built-in kind or the kind of a registered CustomResourceDefinition)`,
      'Summary: 100 resources found in 44 files - Valid: 99, Invalid: 0, Errors: 1, Skipped: 0',
      '',
    ]);
  });

  it('formats lines without position or resource when they are unknown', () => {
    assert.equal(formatErrorLine({ file: 'f.yaml', line: 0, col: 0, path: '', message: 'cannot read file' }), 'f.yaml: cannot read file');
    assert.equal(formatErrorLine({ file: 'f.yaml', line: 3, col: 1, path: '', message: 'bad', kind: 'Pod' }), 'f.yaml:3:1: Pod: bad');
    const summary = formatSummary({ resources: [], files: [], summary: { resources: 0, files: 0, valid: 0, invalid: 0, errors: 0, skipped: 0 } });
    assert.equal(summary, 'Summary: 0 resources found in 0 files - Valid: 0, Invalid: 0, Errors: 0, Skipped: 0');
  });

  it('works as a real process: node bin/kubeprop.js validate', () => {
    const r = spawnSync(process.execPath, ['bin/kubeprop.js', 'validate', '-f', 'examples/validate/bad-deployment.yaml', '-f', 'examples/validate/good-deployment.yaml'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 7);
    assert.equal(
      lines[0],
      'examples/validate/bad-deployment.yaml:8:13: Deployment default/web: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string" (expected integer)',
    );
    assert.equal(lines[6], 'Summary: 3 resources found in 2 files - Valid: 2, Invalid: 1, Errors: 0, Skipped: 0');
  });
});
