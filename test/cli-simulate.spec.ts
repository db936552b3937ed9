/**
 * `kubeprop simulate` end to end (ARCHITECTURE.md 5.3): in-process with the default plugins and
 * controllers, as bin/kubeprop.js wires it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { main } from '../core/cli/main.js';
import { defaultControllers, defaultSchedulerPlugins } from '../plugins/index.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const CLUSTER = join(REPO, 'examples/simulate/cluster.yaml');
const FAULTS = join(REPO, 'examples/simulate/faults.yaml');

class Sink {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

async function* none(): AsyncIterable<string> {}

async function simulate(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await main(['node', 'kubeprop', 'simulate', ...args], { stdout, stderr, stdin: none() }, { schedulerPlugins: defaultSchedulerPlugins, controllers: defaultControllers });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('cli: kubeprop simulate', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeprop-simulate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('-o json prints only the final state, a v1 List of every object with status', async () => {
    const r = await simulate(['-f', CLUSTER, '--for', '30s', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as Any;
    assert.equal(list['apiVersion'], 'v1');
    assert.equal(list['kind'], 'List');
    const kinds = new Set((list['items'] as Any[]).map((o) => o['kind']));
    for (const k of ['Namespace', 'Node', 'Deployment', 'Service', 'Lease']) assert.ok(kinds.has(k), `has a ${k}`);
    const n1 = (list['items'] as Any[]).find((o) => o['kind'] === 'Node' && o['metadata']['name'] === 'node-1') as Any;
    assert.equal((n1['status']['conditions'] as Any[]).find((c) => c['type'] === 'Ready')?.['status'], 'True');
    assert.match(n1['metadata']['creationTimestamp'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('-o yaml is the same document as YAML', async () => {
    const j = await simulate(['-f', CLUSTER, '--for', '10s', '-o', 'json']);
    const y = await simulate(['-f', CLUSTER, '--for', '10s', '-o', 'yaml']);
    assert.deepEqual(parse(y.stdout), JSON.parse(j.stdout));
  });

  it('the same seed gives the same output byte for byte; the timeline goes to --trace', async () => {
    const t1 = join(dir, 'a.jsonl');
    const t2 = join(dir, 'b.jsonl');
    const a = await simulate(['-f', CLUSTER, '--faults', FAULTS, '--for', '2m', '--seed', '42', '-o', 'json', '--trace', t1]);
    const b = await simulate(['-f', CLUSTER, '--faults', FAULTS, '--for', '2m', '--seed', '42', '-o', 'json', '--trace', t2]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    const trace = readFileSync(t1, 'utf8');
    assert.equal(trace, readFileSync(t2, 'utf8'));
    const lines = trace.trim().split('\n').map((l) => JSON.parse(l) as Any);
    assert.ok(lines.length > 10);
    assert.ok(lines.some((l) => l['kind'] === 'fault-start' && l['target'] === 'node-1'));
  });

  it('the table output is a timeline then kubectl-like tables', async () => {
    const r = await simulate(['-f', CLUSTER, '--faults', FAULTS, '--for', '90s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^TIME {11}COMPONENT {17}EVENT$/m);
    assert.match(r.stdout, /00:00:00\.000 {3}apiserver-0 {15}kubectl: create apps\/Deployment default\/web \(201\)/);
    assert.match(r.stdout, /00:01:00\.000 {3}faults +fault-start fault=NodeCrash target=node-1/);
    assert.match(r.stdout, /^NODES\nNAME {5}STATUS/m);
    assert.match(r.stdout, /^PODS\n/m);
    assert.match(r.stdout, /^SERVICES\n/m);
    assert.match(r.stdout, /virtual time: 1m30s/);
  });

  it('bad input exits 1 with a located error', async () => {
    const badFaults = join(dir, 'bad-faults.yaml');
    writeFileSync(badFaults, '- {at: 10s, kind: NodeCrush, target: node-1}\n');
    const r = await simulate(['-f', CLUSTER, '--faults', badFaults]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad-faults\.yaml:1:19: \[0\]\.kind: Unsupported value: "NodeCrush"/);
    const unknownTarget = join(dir, 'unknown-target.yaml');
    writeFileSync(unknownTarget, '- {at: 10s, kind: NodeCrash, target: node-9}\n');
    const u = await simulate(['-f', CLUSTER, '--faults', unknownTarget]);
    assert.equal(u.code, 1);
    assert.match(u.stderr, /unknown node "node-9" \(nodes: node-1, node-2, node-3\)/);
    const badManifest = join(dir, 'bad.yaml');
    writeFileSync(badManifest, 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: [{name: c, image: i, resources: {requests: {cpu: lots}}}]\n');
    const m = await simulate(['-f', badManifest]);
    assert.equal(m.code, 1);
    assert.match(m.stderr, /bad\.yaml:5:\d+: Pod x: spec\.containers\[0\]\.resources\.requests\.cpu: /);
    const d = await simulate(['-f', CLUSTER, '--for', 'forever']);
    assert.equal(d.code, 1);
    assert.match(d.stderr, /--for: "forever" is not a duration/);
  });
});
