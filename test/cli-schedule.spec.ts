/**
 * `kubeprop schedule` end to end (ARCHITECTURE.md 5.2): the CLI runs in-process with the default
 * plugins, as bin/kubeprop.js wires it, on the examples and the shared fixtures; one run spawns the
 * real entry point.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { main } from '../core/cli/main.js';
import { defaultSchedulerPlugins } from '../plugins/index.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const FIXTURES = resolve(REPO, '../shared/fixtures');
const EXAMPLES = join(REPO, 'examples/scheduler');
const CLUSTER = join(EXAMPLES, 'cluster.yaml');
const TEAM_PLUGIN = join(EXAMPLES, 'team-nodes.ts');
const TEAM_CONFIG = join(EXAMPLES, 'scheduler-config.yaml');

class Sink {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function* chunks(text: string): AsyncIterable<string> {
  yield text;
}

/** `kubeprop schedule <args>` in-process, with the default plugins; `stdin` feeds `-f -`. */
async function schedule(args: readonly string[], stdin = ''): Promise<Run> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await main(['node', 'kubeprop', 'schedule', ...args], { stdout, stderr, stdin: chunks(stdin) }, { schedulerPlugins: defaultSchedulerPlugins });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

interface JsonResult {
  pod: string;
  node: string | null;
  status: string;
  message: string;
  nominatedNode: string | null;
  victims: string[];
  explain?: Record<string, { filter: { code: string; plugin?: string; reasons?: string[] }; scores?: Record<string, number>; totalScore?: number }>;
}

function json(r: Run): { results: JsonResult[]; pluginErrors?: string[] } {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { results: JsonResult[]; pluginErrors?: string[] };
}

const TRAINER_MESSAGE =
  '0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s), 2 Insufficient memory, 2 Insufficient nvidia.com/gpu. ' +
  'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';

const CLUSTER_RESULTS: JsonResult[] = [
  { pod: 'payments/api-0', node: 'node-a', status: 'Scheduled', message: '', nominatedNode: null, victims: [] },
  { pod: 'default/web-0', node: 'node-a', status: 'Scheduled', message: '', nominatedNode: null, victims: [] },
  { pod: 'default/trainer-0', node: null, status: 'Unschedulable', message: TRAINER_MESSAGE, nominatedNode: null, victims: [] },
];

describe('cli: kubeprop schedule', function () {
  this.timeout(60_000);
  let tmp = '';

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'kubeprop-schedule-'));
  });
  after(() => {
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  function file(name: string, text: string): string {
    const path = join(tmp, name);
    writeFileSync(path, text);
    return path;
  }

  describe('examples/scheduler/cluster.yaml with the default profile', () => {
    it('prints a table: pod, node, status and the FitError text', async () => {
      const r = await schedule(['-f', CLUSTER]);
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.equal(
        r.stdout,
        [
          'POD                 NODE     STATUS          REASON',
          'payments/api-0      node-a   Scheduled',
          'default/web-0       node-a   Scheduled',
          `default/trainer-0   <none>   Unschedulable   ${TRAINER_MESSAGE}`,
          '',
        ].join('\n'),
      );
    });

    it('-o json prints exactly the 5.2 document', async () => {
      const r = await schedule(['-f', CLUSTER, '-o', 'json']);
      const doc = json(r);
      assert.deepEqual(doc, { results: CLUSTER_RESULTS });
      assert.deepEqual(Object.keys(doc), ['results']);
      for (const res of doc.results) assert.deepEqual(Object.keys(res), ['pod', 'node', 'status', 'message', 'nominatedNode', 'victims']);
      assert.equal(r.stdout, `${JSON.stringify({ results: CLUSTER_RESULTS }, null, 2)}\n`);
    });

    it('-o yaml prints the same document as YAML', async () => {
      const r = await schedule(['-f', CLUSTER, '-o', 'yaml']);
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.deepEqual(parse(r.stdout), { results: CLUSTER_RESULTS });
      assert.equal(r.stdout, stringify({ results: CLUSTER_RESULTS }));
    });

    it('--explain: the filter status of every node and, on feasible nodes, normalized scores and the weighted total', async () => {
      const doc = json(await schedule(['-f', CLUSTER, '-o', 'json', '--explain']));
      const untolerated = { code: 'UnschedulableAndUnresolvable', plugin: 'TaintToleration', reasons: ['node(s) had untolerated taint(s)'] };
      assert.deepEqual(doc.results[0]!.explain, {
        // TaintToleration ×3 + NodeResourcesFit + BalancedAllocation + ImageLocality.
        'node-a': { filter: { code: 'Success' }, scores: { TaintToleration: 100, NodeResourcesFit: 90, NodeResourcesBalancedAllocation: 96, ImageLocality: 0 }, totalScore: 486 },
        'node-b': { filter: untolerated },
        'node-c': { filter: { code: 'Success' }, scores: { TaintToleration: 100, NodeResourcesFit: 43, NodeResourcesBalancedAllocation: 81, ImageLocality: 0 }, totalScore: 424 },
      });
      assert.deepEqual(doc.results[2]!.explain, {
        'node-a': { filter: { code: 'UnschedulableAndUnresolvable', plugin: 'NodeResourcesFit', reasons: ['Insufficient memory', 'Insufficient nvidia.com/gpu'] } },
        'node-b': { filter: untolerated },
        'node-c': { filter: { code: 'UnschedulableAndUnresolvable', plugin: 'NodeResourcesFit', reasons: ['Insufficient cpu', 'Insufficient memory', 'Insufficient nvidia.com/gpu'] } },
      });
      assert.deepEqual(Object.keys(doc.results[0]!), ['pod', 'node', 'status', 'message', 'nominatedNode', 'victims', 'explain']);
    });
  });

  describe('a custom plugin from a file, enabled by a KubeSchedulerConfiguration', () => {
    const args = ['-f', CLUSTER, '--plugin', TEAM_PLUGIN, '--config', TEAM_CONFIG];

    it('--explain shows TeamNodes in the scores (weight 5) and as the filter rejecting other teams’ nodes', async () => {
      const doc = json(await schedule([...args, '-o', 'json', '--explain']));
      assert.deepEqual(
        doc.results.map((r) => [r.pod, r.node, r.status]),
        [
          ['payments/api-0', 'node-a', 'Scheduled'],
          ['default/web-0', 'node-c', 'Scheduled'],
          ['default/trainer-0', null, 'Unschedulable'],
        ],
      );
      assert.deepEqual(doc.results[0]!.explain!['node-a'], {
        filter: { code: 'Success' },
        scores: { TaintToleration: 100, NodeResourcesFit: 90, NodeResourcesBalancedAllocation: 96, ImageLocality: 0, TeamNodes: 100 },
        totalScore: 486 + 5 * 100,
      });
      assert.deepEqual(doc.results[0]!.explain!['node-c']!.scores!['TeamNodes'], 0);
      // web-0 (namespace default) may not use the payments node; node-c is the only feasible node, so it is not scored.
      assert.deepEqual(doc.results[1]!.explain, {
        'node-a': { filter: { code: 'UnschedulableAndUnresolvable', plugin: 'TeamNodes', reasons: ['node(s) were dedicated to another team'] } },
        'node-b': { filter: { code: 'UnschedulableAndUnresolvable', plugin: 'TaintToleration', reasons: ['node(s) had untolerated taint(s)'] } },
        'node-c': { filter: { code: 'Success' } },
      });
    });

    it('the explain tables have a column per score plugin', async () => {
      const r = await schedule([...args, '--explain']);
      assert.equal(r.code, 0);
      const lines = r.stdout.split('\n');
      const at = lines.indexOf('payments/api-0:');
      assert.ok(at > 0, r.stdout);
      assert.match(lines[at + 1]!, /^ {2}NODE +FILTER +TaintToleration +NodeResourcesFit +NodeResourcesBalancedAllocation +ImageLocality +TeamNodes +TOTAL$/);
      assert.match(lines[at + 2]!, /^ {2}node-a +Success +100 +90 +96 +0 +100 +986$/);
      assert.match(lines[at + 3]!, /^ {2}node-b +UnschedulableAndUnresolvable \(TaintToleration: node\(s\) had untolerated taint\(s\)\)$/);
    });

    it('without --plugin the configuration names an unknown plugin: exit 1 naming the field', async () => {
      const r = await schedule(['-f', CLUSTER, '--config', TEAM_CONFIG]);
      assert.deepEqual(r, {
        code: 1,
        stdout: '',
        stderr: `error: ${TEAM_CONFIG}:8:19: profiles[0].plugins.multiPoint.enabled[0].name: "TeamNodes" is not a registered plugin\n`,
      });
    });
  });

  it('preemption: a high-priority pod evicts a low-priority one and is scheduled', async () => {
    const manifests = [
      'apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000',
      'apiVersion: v1\nkind: Node\nmetadata: {name: node-a, labels: {kubernetes.io/hostname: node-a}}\nstatus:\n  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: low, namespace: default}\nspec:\n  nodeName: node-a\n  containers:\n  - {name: c, image: busybox, resources: {requests: {cpu: 1500m, memory: 1Gi}}}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: urgent, namespace: default}\nspec:\n  priorityClassName: high\n  containers:\n  - {name: c, image: busybox, resources: {requests: {cpu: "1", memory: 1Gi}}}',
    ].join('\n---\n');
    const doc = json(await schedule(['-f', '-', '-o', 'json'], manifests));
    assert.equal(doc.results.length, 1);
    const [urgent] = doc.results;
    assert.deepEqual([urgent!.pod, urgent!.node, urgent!.status, urgent!.message, urgent!.victims], ['default/urgent', 'node-a', 'Scheduled', '', ['default/low']]);
    const table = await schedule(['-f', '-'], manifests);
    assert.equal(table.stdout.split('\n')[1], 'default/urgent   node-a   Scheduled   preempted default/low');
  });

  describe('shared fixtures', () => {
    before(function () {
      if (!existsSync(FIXTURES)) this.skip();
    });

    it('apps/node-affinity-pod.yaml lands on the node labelled region=us-west-2', async () => {
      const nodes = file(
        'two-nodes.yaml',
        [
          'apiVersion: v1\nkind: Node\nmetadata: {name: east, labels: {kubernetes.io/hostname: east, region: us-east-1}}\nstatus:\n  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}',
          'apiVersion: v1\nkind: Node\nmetadata: {name: west, labels: {kubernetes.io/hostname: west, region: us-west-2}}\nstatus:\n  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}',
        ].join('\n---\n'),
      );
      const doc = json(await schedule(['-f', nodes, '-f', join(FIXTURES, 'apps/node-affinity-pod.yaml'), '-o', 'json', '--explain']));
      assert.deepEqual(doc.results, [
        {
          pod: 'default/pod-1',
          node: 'west',
          status: 'Scheduled',
          message: '',
          nominatedNode: null,
          victims: [],
          explain: {
            east: { filter: { code: 'UnschedulableAndUnresolvable', plugin: 'NodeAffinity', reasons: ["node(s) didn't match Pod's node affinity/selector"] } },
            west: { filter: { code: 'Success' } },
          },
        },
      ]);
    });

    it('apps/vllm-deployment.yaml’s pod on nodes/virtual-gpu-node.yaml stays pending: untolerated taint', async () => {
      const deployment = parse(readFileSync(join(FIXTURES, 'apps/vllm-deployment.yaml'), 'utf8')) as {
        spec: { template: { metadata: { labels: Record<string, string> }; spec: unknown } };
      };
      const podFile = file(
        'vllm-pod.yaml',
        stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'vllm-0', namespace: 'default', labels: deployment.spec.template.metadata.labels }, spec: deployment.spec.template.spec }),
      );
      const doc = json(await schedule(['-f', podFile, '-f', join(FIXTURES, 'nodes/virtual-gpu-node.yaml'), '-o', 'json', '--explain']));
      assert.deepEqual(doc.results, [
        {
          pod: 'default/vllm-0',
          node: null,
          status: 'Unschedulable',
          message: '0/1 nodes are available: 1 node(s) had untolerated taint(s). preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
          nominatedNode: null,
          victims: [],
          explain: { 'virtual-gpu-node': { filter: { code: 'UnschedulableAndUnresolvable', plugin: 'TaintToleration', reasons: ['node(s) had untolerated taint(s)'] } } },
        },
      ]);
    });
  });

  describe('bad input exits 1', () => {
    it('an invalid manifest: file:line:col of each error, nothing scheduled', async () => {
      const bad = file('bad.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n    - name: c\n      image: busybox\n      resources: {requests: {cpu: "2 cores"}}\n');
      const r = await schedule(['-f', CLUSTER, '-f', bad, '-o', 'json']);
      assert.deepEqual(r, {
        code: 1,
        stdout: '',
        stderr:
          `${bad}:9:35: Pod bad: spec.containers[0].resources.requests.cpu: Invalid value: "2 cores": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'\n` +
          'error: 1 invalid resource(s); nothing was scheduled\n',
      });
    });

    it('a manifest file that does not exist', async () => {
      const missing = join(tmp, 'missing.yaml');
      const r = await schedule(['-f', missing]);
      assert.deepEqual(r, { code: 1, stdout: '', stderr: `${missing}:0:0: cannot read file: no such file or directory\nerror: 1 invalid resource(s); nothing was scheduled\n` });
    });

    it('an unknown plugin in the configuration names the field', async () => {
      const config = file('unknown.yaml', 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n  - schedulerName: default-scheduler\n    plugins:\n      multiPoint:\n        enabled:\n          - name: NoSuchPlugin\n');
      const r = await schedule(['-f', CLUSTER, '--config', config]);
      assert.deepEqual(r, { code: 1, stdout: '', stderr: `error: ${config}:8:19: profiles[0].plugins.multiPoint.enabled[0].name: "NoSuchPlugin" is not a registered plugin\n` });
    });

    it('a configuration file that does not exist', async () => {
      const r = await schedule(['-f', CLUSTER, '--config', join(tmp, 'nope.yaml')]);
      assert.deepEqual(r, { code: 1, stdout: '', stderr: `error: --config ${join(tmp, 'nope.yaml')}: cannot read: ENOENT\n` });
    });

    it('a --plugin file that does not exist, or exports no plugin', async () => {
      const missing = join(tmp, 'nope.ts');
      const r = await schedule(['-f', CLUSTER, '--plugin', missing]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.ok(r.stderr.startsWith(`error: --plugin ${missing}: cannot load: `), r.stderr);
      const empty = file('empty-plugin.mjs', 'export const notAPlugin = 42;\n');
      assert.deepEqual(await schedule(['-f', CLUSTER, '--plugin', empty]), {
        code: 1,
        stdout: '',
        stderr: `error: --plugin ${empty}: exports no scheduler plugin (use defineSchedulerPlugin)\n`,
      });
    });

    it('usage errors: no -f, a bad --seed, an unknown output format', async () => {
      for (const [args, message] of [
        [[], /^error: must specify at least one -f FILE\n/],
        [['-f', CLUSTER, '--seed', 'x'], /^error: --seed: "x" is not an integer\n/],
        [['-f', CLUSTER, '--seed', '4294967296'], /^error: --seed: 4294967296 is outside the 32-bit signed range\n/],
        [['-f', CLUSTER, '-o', 'xml'], /^error: option '-o, --output <format>' argument 'xml' is invalid\. Allowed choices are table, json, yaml\.\n/],
      ] as const) {
        const r = await schedule(args);
        assert.equal(r.code, 1, args.join(' '));
        assert.equal(r.stdout, '');
        assert.match(r.stderr, message);
      }
    });
  });

  it('a plugin that throws is reported (stderr and pluginErrors) and the command still exits 0', async () => {
    const plugin = file('boom-plugin.mjs', "export const boom = { name: 'Boom', create: () => ({ filter() { throw new Error('kaput'); } }) };\n");
    const config = file(
      'boom-config.yaml',
      'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n  - schedulerName: default-scheduler\n    plugins:\n      multiPoint:\n        enabled:\n          - name: Boom\n',
    );
    const nodes = 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus:\n  allocatable: {cpu: "1", memory: 1Gi, pods: "10"}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox}]\n';
    const r = await schedule(['-f', '-', '--plugin', plugin, '--config', config, '-o', 'json'], nodes);
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.stdout) as { results: JsonResult[]; pluginErrors: string[] };
    assert.deepEqual(
      doc.results.map((x) => [x.pod, x.node, x.status, x.message]),
      [['default/p', null, 'Unschedulable', 'plugin Boom (Filter): kaput']],
    );
    assert.ok(doc.pluginErrors.length > 0);
    assert.deepEqual(new Set(doc.pluginErrors), new Set(['plugin Boom (Filter): kaput']));
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines[0], 'plugin error: plugin Boom (Filter): kaput');
    assert.equal(lines.filter((l) => l === 'plugin error: plugin Boom (Filter): kaput').length, doc.pluginErrors.length);
    assert.deepEqual(Object.keys(doc), ['results', 'pluginErrors']);
  });

  it('the same --seed gives byte-identical output; the seed decides ties', async () => {
    const manifests = [
      ...['n1', 'n2', 'n3', 'n4'].map((n) => `apiVersion: v1\nkind: Node\nmetadata: {name: ${n}, labels: {kubernetes.io/hostname: ${n}}}\nstatus:\n  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}`),
      ...['a', 'b', 'c'].map((p) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${p}}\nspec:\n  containers: [{name: c, image: busybox}]`),
    ].join('\n---\n');
    const a = await schedule(['-f', '-', '--seed', '42', '-o', 'json', '--explain'], manifests);
    const b = await schedule(['-f', '-', '--seed', '42', '-o', 'json', '--explain'], manifests);
    assert.equal(a.code, 0);
    assert.equal(a.stdout, b.stdout);
    const placements = new Set<string>();
    for (let seed = 0; seed < 8; seed++) placements.add((await schedule(['-f', '-', '--seed', String(seed)], manifests)).stdout);
    assert.ok(placements.size > 1, 'different seeds break ties between equal nodes differently');
    const cluster = [await schedule(['-f', CLUSTER, '--seed', '-7', '--explain']), await schedule(['-f', CLUSTER, '--seed', '-7', '--explain'])];
    assert.equal(cluster[0]!.stdout, cluster[1]!.stdout);
  });

  it('bin/kubeprop.js schedule runs end to end and prints what the in-process run prints', async () => {
    const spawned = spawnSync(process.execPath, [join(REPO, 'bin/kubeprop.js'), 'schedule', '-f', CLUSTER, '-o', 'json', '--seed', '3'], { cwd: REPO, encoding: 'utf8' });
    const inProcess = await schedule(['-f', CLUSTER, '-o', 'json', '--seed', '3']);
    assert.equal(spawned.status, 0, spawned.stderr);
    assert.equal(spawned.stderr, '');
    assert.equal(spawned.stdout, inProcess.stdout);
    assert.deepEqual(JSON.parse(spawned.stdout), { results: CLUSTER_RESULTS });
  });
});
