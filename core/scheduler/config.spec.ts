import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, PluginError } from '../errors.js';
import {
  DEFAULT_PLUGINS,
  DEFAULT_SCHEDULER_NAME,
  OMITTED_UPSTREAM_PLUGINS,
  SchedulerConfigError,
  decodePluginArgs,
  defaultPluginsConfig,
  defaultSchedulerConfig,
  loadSchedulerConfig,
  loadSchedulerConfigDocuments,
  mergePluginSet,
  resolveProfile,
  resolveSchedulerConfig,
  schedulerConfigFromObject,
  type ImplementsFn,
  type PluginSetConfig,
  type ResolvedProfile,
  type SchedulerConfig,
  type SchedulerConfigOptions,
} from './config.js';
import { decodeNodeResourcesFitArgs, decodePodTopologySpreadArgs } from './plugin-args.js';
import type { ExtensionPoint } from './plugin.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/scheduler-config/', import.meta.url));

/** The extension points the v1.35 default plugins implement (facts §2.1), as a test registry. */
const IN_TREE: Record<string, readonly ExtensionPoint[]> = {
  SchedulingGates: ['preEnqueue'],
  PrioritySort: ['queueSort'],
  NodeUnschedulable: ['filter'],
  NodeName: ['filter'],
  TaintToleration: ['filter', 'preScore', 'score'],
  NodeAffinity: ['preFilter', 'filter', 'preScore', 'score'],
  NodePorts: ['preFilter', 'filter'],
  NodeResourcesFit: ['preFilter', 'filter', 'preScore', 'score'],
  PodTopologySpread: ['preFilter', 'filter', 'preScore', 'score'],
  InterPodAffinity: ['preFilter', 'filter', 'preScore', 'score'],
  // v1.33+ also gates pods whose asynchronous preemption is still running (PreEnqueue).
  DefaultPreemption: ['preEnqueue', 'postFilter'],
  NodeResourcesBalancedAllocation: ['preScore', 'score'],
  ImageLocality: ['score'],
  DefaultBinder: ['bind'],
};

/** Out-of-tree and placeholder plugins named by the fixtures, with the points they implement. */
const DUMMIES: Record<string, readonly ExtensionPoint[]> = {
  MyCustomPluginA: ['score'],
  MyCustomPluginB: ['score'],
  CustomQueueSort: ['queueSort'],
  DefaultQueueSort: ['queueSort'],
  DefaultPlugin1: ['score', 'filter'],
  DefaultPlugin2: ['score'],
  CustomPlugin1: ['score', 'filter'],
  CustomPlugin2: ['score', 'filter'],
  Coscheduling: ['queueSort', 'preFilter', 'postFilter', 'permit', 'reserve'],
  CapacityScheduling: ['preFilter', 'postFilter', 'reserve'],
  NetworkOverhead: ['preFilter', 'filter', 'score'],
  TopologicalSort: ['queueSort'],
  NodeResourcesAllocatable: ['score'],
  NodeMetadata: ['score'],
};

const REGISTRY: Record<string, readonly ExtensionPoint[]> = { ...IN_TREE, ...DUMMIES };
const implementsFn: ImplementsFn = (name, point) => (REGISTRY[name] ?? []).includes(point);
const known = (name: string): boolean => name in REGISTRY;

function resolve(cfg: SchedulerConfig, i = 0): ResolvedProfile {
  const p = cfg.profiles[i];
  assert.ok(p, `profile ${i}`);
  return resolveProfile(p, implementsFn, known);
}

/** `{ point: 'A,B:3' }` rendering of a resolved profile, for compact expectations. */
function lists(r: ResolvedProfile): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [point, plugins] of Object.entries(r.plugins)) {
    out[point] = plugins.map((p) => (p.weight !== undefined ? `${p.name}:${p.weight}` : p.name)).join(',');
  }
  return out;
}

const DEFAULT_LISTS: Record<string, string> = {
  preEnqueue: 'SchedulingGates,DefaultPreemption',
  queueSort: 'PrioritySort',
  preFilter: 'NodeAffinity,NodePorts,NodeResourcesFit,PodTopologySpread,InterPodAffinity',
  filter: 'NodeUnschedulable,NodeName,TaintToleration,NodeAffinity,NodePorts,NodeResourcesFit,PodTopologySpread,InterPodAffinity',
  postFilter: 'DefaultPreemption',
  preScore: 'TaintToleration,NodeAffinity,NodeResourcesFit,PodTopologySpread,InterPodAffinity,NodeResourcesBalancedAllocation',
  score:
    'TaintToleration:3,NodeAffinity:2,NodeResourcesFit:1,PodTopologySpread:2,InterPodAffinity:2,NodeResourcesBalancedAllocation:1,ImageLocality:1',
  reserve: '',
  permit: '',
  preBind: '',
  bind: 'DefaultBinder',
  postBind: '',
};

function fixture(name: string): string {
  return readFileSync(FIXTURES + name, 'utf8');
}

/** Asserts `fn` throws a ConfigError whose message contains every `parts` (location, path, text). */
function throwsConfig(fn: () => unknown, ...parts: string[]): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  for (const part of parts) assert.ok(caught.message.includes(part), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(part)}`);
  return caught;
}

const HEAD = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n';

describe('scheduler config: defaults', () => {
  it('defaultSchedulerConfig has upstream v1.35 defaults and one default-scheduler profile', () => {
    const cfg = defaultSchedulerConfig();
    assert.equal(cfg.parallelism, 16);
    assert.equal(cfg.percentageOfNodesToScore, 0);
    assert.equal(cfg.podInitialBackoffSeconds, 1);
    assert.equal(cfg.podMaxBackoffSeconds, 10);
    assert.equal(cfg.delayCacheUntilActive, false);
    assert.equal(cfg.enableProfiling, true);
    assert.equal(cfg.enableContentionProfiling, true);
    assert.deepEqual(cfg.leaderElection, {
      leaderElect: true,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      resourceLock: 'leases',
      resourceName: 'kube-scheduler',
      resourceNamespace: 'kube-system',
    });
    assert.equal(cfg.clientConnection.qps, 50);
    assert.equal(cfg.clientConnection.burst, 100);
    assert.equal(cfg.clientConnection.contentType, 'application/vnd.kubernetes.protobuf');
    assert.deepEqual(cfg.extenders, []);
    assert.equal(cfg.profiles.length, 1);
    assert.equal(cfg.profiles[0]?.schedulerName, DEFAULT_SCHEDULER_NAME);
    assert.equal(cfg.profiles[0]?.percentageOfNodesToScore, undefined);
  });

  it('the default profile resolves to the upstream expanded plugin lists, volume and DRA plugins omitted', () => {
    const r = resolve(defaultSchedulerConfig());
    assert.deepEqual(lists(r), DEFAULT_LISTS);
    assert.deepEqual([...r.omittedPlugins].sort(), [...OMITTED_UPSTREAM_PLUGINS.keys()].sort());
    assert.deepEqual(
      [...r.pluginArgs.keys()],
      ['SchedulingGates', 'DefaultPreemption', 'PrioritySort', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'PodTopologySpread',
        'InterPodAffinity', 'NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeResourcesBalancedAllocation', 'ImageLocality',
        'DefaultBinder'],
    );
    assert.equal(r.pluginArgs.get('NodeResourcesFit'), undefined);
  });

  it('DEFAULT_PLUGINS is the v1.35 multiPoint list with DynamicResources before DefaultPreemption', () => {
    const names = DEFAULT_PLUGINS.map((p) => p.name);
    assert.equal(names.length, 19);
    assert.equal(names.indexOf('DynamicResources') + 1, names.indexOf('DefaultPreemption'));
    const weights = Object.fromEntries(DEFAULT_PLUGINS.filter((p) => p.weight !== undefined).map((p) => [p.name, p.weight]));
    assert.deepEqual(weights, {
      TaintToleration: 3,
      NodeAffinity: 2,
      NodeResourcesFit: 1,
      PodTopologySpread: 2,
      InterPodAffinity: 2,
      NodeResourcesBalancedAllocation: 1,
      ImageLocality: 1,
    });
  });

  it('keeps the scalar fields it does not use and reads YAML 1.1 booleans like kube-scheduler', () => {
    const cfg = loadSchedulerConfig(
      `${HEAD}parallelism: 4\npercentageOfNodesToScore: 30\npodInitialBackoffSeconds: 2\npodMaxBackoffSeconds: 20\n` +
        'delayCacheUntilActive: yes\nenableProfiling: off\nleaderElection:\n  leaderElect: no\n  leaseDuration: 1m30s\n' +
        'clientConnection:\n  kubeconfig: /etc/k.conf\n  qps: 12.5\n  burst: 7\n',
      'c.yaml',
    );
    assert.equal(cfg.parallelism, 4);
    assert.equal(cfg.percentageOfNodesToScore, 30);
    assert.equal(cfg.podInitialBackoffSeconds, 2);
    assert.equal(cfg.podMaxBackoffSeconds, 20);
    assert.equal(cfg.delayCacheUntilActive, true);
    assert.equal(cfg.enableProfiling, false);
    assert.equal(cfg.enableContentionProfiling, false);
    assert.equal(cfg.leaderElection.leaderElect, false);
    assert.equal(cfg.leaderElection.leaseDurationMs, 90_000);
    assert.deepEqual(cfg.clientConnection, {
      kubeconfig: '/etc/k.conf',
      acceptContentTypes: '',
      contentType: 'application/vnd.kubernetes.protobuf',
      qps: 12.5,
      burst: 7,
    });
    assert.equal(cfg.fileName, 'c.yaml');
  });

  it('reads YAML 1.1 numbers as go-yaml v2 does and keeps timestamps and base-60 values as strings', () => {
    const cfg = loadSchedulerConfig(
      `${HEAD}parallelism: 010\nprofiles:\n- pluginConfig:\n  - name: MyCustomPluginA\n    args: {a: 2024-01-02, b: 1:20, c: 0x10}\n`,
      'y.yaml',
    );
    assert.equal(cfg.parallelism, 8);
    assert.deepEqual(cfg.profiles[0]?.pluginConfig[0]?.args, { a: '2024-01-02', b: '1:20', c: 16 });
  });

  it('names a lone profile default-scheduler but keeps an explicit empty name (then rejects it)', () => {
    const cfg = schedulerConfigFromObject({ apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', profiles: [{}] });
    assert.equal(cfg.profiles[0]?.schedulerName, 'default-scheduler');
    throwsConfig(
      () => loadSchedulerConfig(`${HEAD}profiles:\n- schedulerName: ""\n`, 'e.yaml'),
      'e.yaml:4:18',
      'profiles[0].schedulerName: Required value',
    );
  });

  it('keeps a profile-level percentageOfNodesToScore', () => {
    const cfg = loadSchedulerConfig(`${HEAD}profiles:\n- schedulerName: a\n  percentageOfNodesToScore: 50\n`, 'p.yaml');
    assert.equal(resolve(cfg).percentageOfNodesToScore, 50);
  });
});

describe('scheduler config: plugin set merging (mergePluginSet)', () => {
  const set = (enabled: [string, number?][], disabled: string[] = []): PluginSetConfig => ({
    enabled: enabled.map(([name, weight]) => (weight !== undefined ? { name, weight } : { name })),
    disabled: disabled.map((name) => ({ name })),
  });
  const render = (s: PluginSetConfig): string => s.enabled.map((p) => (p.weight !== undefined ? `${p.name}:${p.weight}` : p.name)).join(',');
  const defaults = set([['A', 1], ['B', 2], ['C']]);

  it('appends custom plugins after the defaults', () => {
    assert.equal(render(mergePluginSet(defaults, set([['X', 5]]))), 'A:1,B:2,C,X:5');
  });
  it('replaces a default in place, taking the custom weight', () => {
    assert.equal(render(mergePluginSet(defaults, set([['X'], ['B', 7]]))), 'A:1,B:7,C,X');
  });
  it('drops disabled defaults, and every default with "*"', () => {
    assert.equal(render(mergePluginSet(defaults, set([], ['B']))), 'A:1,C');
    const all = mergePluginSet(defaults, set([['C', 4]], ['*']));
    assert.equal(render(all), 'C:4');
    assert.deepEqual(all.disabled.map((d) => d.name), ['*']);
  });
  it('with a duplicate custom entry the last one replaces and the first is appended', () => {
    assert.equal(render(mergePluginSet(defaults, set([['B', 3], ['B', 4]]))), 'A:1,B:4,C,B:3');
  });
});

describe('scheduler config: multiPoint expansion and weights (resolveProfile)', () => {
  const load = (yaml: string, options?: SchedulerConfigOptions): SchedulerConfig => loadSchedulerConfig(HEAD + yaml, 'm.yaml', options);

  it('an explicit score entry moves a default plugin first and its weight wins over multiPoint', () => {
    const r = resolve(load('profiles:\n- plugins:\n    score:\n      enabled:\n      - name: ImageLocality\n        weight: 5\n'));
    assert.equal(
      lists(r)['score'],
      'ImageLocality:5,TaintToleration:3,NodeAffinity:2,NodeResourcesFit:1,PodTopologySpread:2,InterPodAffinity:2,NodeResourcesBalancedAllocation:1',
    );
  });

  it('a multiPoint entry with a default name replaces the default in place with its weight', () => {
    const r = resolve(load('profiles:\n- plugins:\n    multiPoint:\n      enabled:\n      - name: NodeResourcesFit\n        weight: 7\n'));
    assert.equal(
      lists(r)['score'],
      'TaintToleration:3,NodeAffinity:2,NodeResourcesFit:7,PodTopologySpread:2,InterPodAffinity:2,NodeResourcesBalancedAllocation:1,ImageLocality:1',
    );
  });

  it('weight 0 or unset becomes 1; an explicit score weight of 0 does not fall back to multiPoint', () => {
    const r = resolve(
      load(
        'profiles:\n- plugins:\n    multiPoint:\n      enabled:\n      - name: MyCustomPluginA\n        weight: 9\n' +
          '      - name: MyCustomPluginB\n        weight: 0\n    score:\n      enabled:\n      - name: MyCustomPluginA\n        weight: 0\n',
      ),
    );
    assert.match(lists(r)['score'] ?? '', /^MyCustomPluginA:1,.*,MyCustomPluginB:1$/);
  });

  it('a point-level disable removes a multiPoint plugin from that point only', () => {
    const r = resolve(load('profiles:\n- plugins:\n    filter:\n      disabled:\n      - name: TaintToleration\n'));
    assert.ok(!(lists(r)['filter'] ?? '').includes('TaintToleration'));
    assert.ok((lists(r)['score'] ?? '').startsWith('TaintToleration:3'));
  });

  it('"*" at a point keeps only that point\'s explicit plugins', () => {
    const r = resolve(load('profiles:\n- plugins:\n    filter:\n      enabled:\n      - name: NodeName\n      disabled:\n      - name: "*"\n'));
    assert.equal(lists(r)['filter'], 'NodeName');
    assert.equal(lists(r)['preFilter'], DEFAULT_LISTS['preFilter']);
  });

  it('an explicit plugin that is not in multiPoint runs after the multiPoint ones', () => {
    const r = resolve(load('profiles:\n- plugins:\n    filter:\n      enabled:\n      - name: CustomPlugin1\n'));
    assert.equal(lists(r)['filter'], `${DEFAULT_LISTS['filter']},CustomPlugin1`);
  });

  it('multiPoint "*" disables every default, even the queue sort and binder', () => {
    throwsConfig(
      () => resolve(load('profiles:\n- plugins:\n    multiPoint:\n      disabled:\n      - name: "*"\n')),
      'm.yaml:',
      'profiles[0].plugins.queueSort: only one queue sort plugin required for profile with scheduler name "default-scheduler", but got 0',
      'profiles[0].plugins.bind: at least one bind plugin is needed for profile with scheduler name "default-scheduler"',
    );
  });

  it('pluginArgs carries the raw args of every used plugin and the path to decode them at', () => {
    const r = resolve(load('profiles:\n- pluginConfig:\n  - name: InterPodAffinity\n    args:\n      hardPodAffinityWeight: 5\n'));
    assert.deepEqual(r.pluginArgs.get('InterPodAffinity'), { hardPodAffinityWeight: 5 });
    assert.equal(r.pluginArgsPaths.get('InterPodAffinity'), 'profiles[0].pluginConfig[0].args');
    assert.equal(r.pluginArgsPaths.get('ImageLocality'), 'profiles[0].pluginConfig[ImageLocality].args');
  });

  it('resolveSchedulerConfig rejects profiles that resolve to different queue sorts', () => {
    const cfg = load(
      'profiles:\n- schedulerName: a\n  plugins:\n    multiPoint:\n      enabled:\n      - name: CustomQueueSort\n      disabled:\n' +
        '      - name: PrioritySort\n- schedulerName: b\n',
    );
    throwsConfig(
      () => resolveSchedulerConfig(cfg, implementsFn, known),
      'm.yaml:11:3',
      'profiles[1].plugins.queueSort: Invalid value: "PrioritySort": queueSort must be the same for all profiles',
    );
    assert.equal(resolveSchedulerConfig(defaultSchedulerConfig(), implementsFn, known).length, 1);
  });
});

describe('scheduler config: real-world fixtures', function () {
  before(function () {
    if (!existsSync(FIXTURES)) this.skip();
  });

  it('every fixture file loads and every profile resolves', function () {
    if (!existsSync(FIXTURES)) this.skip();
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 12);
    for (const f of files) {
      for (const cfg of loadSchedulerConfigDocuments(fixture(f), f)) {
        for (let i = 0; i < cfg.profiles.length; i++) {
          if (f === 'website-config-multipoint-precedence.yaml') continue; // needs its own defaults, below
          resolve(cfg, i);
        }
      }
    }
  });

  it('website-config-disable-score-plugin: PodTopologySpread leaves score (not preScore), custom plugins appended', () => {
    const cfg = loadSchedulerConfig(fixture('website-config-disable-score-plugin.yaml'), 'x.yaml');
    const r = resolve(cfg);
    assert.equal(r.schedulerName, 'default-scheduler');
    assert.deepEqual(lists(r), {
      ...DEFAULT_LISTS,
      score:
        'TaintToleration:3,NodeAffinity:2,NodeResourcesFit:1,InterPodAffinity:2,NodeResourcesBalancedAllocation:1,ImageLocality:1,' +
        'MyCustomPluginA:2,MyCustomPluginB:1',
    });
  });

  it("website-config-multiple-profiles: '*' empties preScore and score of the second profile only", () => {
    const cfg = loadSchedulerConfig(fixture('website-config-multiple-profiles.yaml'), 'x.yaml');
    const [a, b] = resolveSchedulerConfig(cfg, implementsFn, known);
    assert.ok(a && b);
    assert.equal(a.schedulerName, 'default-scheduler');
    assert.deepEqual(lists(a), DEFAULT_LISTS);
    assert.equal(b.schedulerName, 'no-scoring-scheduler');
    assert.deepEqual(lists(b), { ...DEFAULT_LISTS, preScore: '', score: '' });
  });

  it('website-config-multipoint-precedence: with the real defaults two queue sorts remain, as in kube-scheduler', () => {
    const cfg = loadSchedulerConfig(fixture('website-config-multipoint-precedence.yaml'), 'mp.yaml');
    throwsConfig(() => resolve(cfg), 'mp.yaml:6:7', 'but got 2');
  });

  it('website-config-multipoint-precedence: with the example\'s placeholder defaults, specific points win', () => {
    const cfg = loadSchedulerConfig(fixture('website-config-multipoint-precedence.yaml'), 'mp.yaml', {
      defaultPlugins: [{ name: 'DefaultQueueSort' }, { name: 'DefaultPlugin1' }, { name: 'DefaultPlugin2' }, { name: 'DefaultBinder' }],
    });
    const r = resolve(cfg);
    assert.equal(r.schedulerName, 'multipoint-scheduler');
    const l = lists(r);
    assert.equal(l['queueSort'], 'CustomQueueSort');
    // DefaultPlugin1 is disabled for filter only.
    assert.equal(l['filter'], 'CustomPlugin1,CustomPlugin2');
    // DefaultPlugin2, re-declared under score, runs first; the rest follow in merged multiPoint order
    // (defaults first, then the custom ones); CustomPlugin1 keeps its multiPoint weight.
    assert.equal(l['score'], 'DefaultPlugin2:1,DefaultPlugin1:1,CustomPlugin1:3,CustomPlugin2:1');
    assert.equal(l['bind'], 'DefaultBinder');
  });

  it('website-binpacking-*: NodeResourcesFit args decode to the documented strategies', () => {
    const most = resolve(loadSchedulerConfig(fixture('website-binpacking-mostallocated.yaml'), 'b.yaml'));
    assert.deepEqual(lists(most), DEFAULT_LISTS);
    assert.deepEqual(decodeNodeResourcesFitArgs(most.pluginArgs.get('NodeResourcesFit'), most.pluginArgsPaths.get('NodeResourcesFit')), {
      ignoredResources: [],
      ignoredResourceGroups: [],
      scoringStrategy: {
        type: 'MostAllocated',
        resources: [
          { name: 'cpu', weight: 1 },
          { name: 'memory', weight: 1 },
          { name: 'intel.com/foo', weight: 3 },
          { name: 'intel.com/bar', weight: 3 },
        ],
      },
    });
    const ratio = resolve(loadSchedulerConfig(fixture('website-binpacking-requestedtocapacityratio.yaml'), 'b.yaml'));
    assert.deepEqual(decodePluginArgs(ratio, 'NodeResourcesFit', decodeNodeResourcesFitArgs)?.scoringStrategy, {
      type: 'RequestedToCapacityRatio',
      resources: [
        { name: 'intel.com/foo', weight: 3 },
        { name: 'intel.com/bar', weight: 3 },
      ],
      requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] },
    });
  });

  it('website-topologyspread-*: List defaulting with and without constraints', () => {
    const withC = resolve(loadSchedulerConfig(fixture('website-topologyspread-default-constraints.yaml'), 't.yaml'));
    assert.deepEqual(decodePluginArgs(withC, 'PodTopologySpread', decodePodTopologySpreadArgs), {
      defaultingType: 'List',
      defaultConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }],
    });
    const without = resolve(loadSchedulerConfig(fixture('website-topologyspread-no-default-constraints.yaml'), 't.yaml'));
    assert.deepEqual(decodePluginArgs(without, 'PodTopologySpread', decodePodTopologySpreadArgs), {
      defaultingType: 'List',
      defaultConstraints: [],
    });
  });

  it('scheduler-plugins-coscheduling: multiPoint plugin everywhere it implements, queue sort replaced', () => {
    const cfg = loadSchedulerConfig(fixture('scheduler-plugins-coscheduling.yaml'), 'c.yaml');
    assert.equal(cfg.leaderElection.leaderElect, false);
    assert.equal(cfg.clientConnection.kubeconfig, 'REPLACE_ME_WITH_KUBE_CONFIG_PATH');
    const r = resolve(cfg);
    assert.deepEqual(lists(r), {
      ...DEFAULT_LISTS,
      queueSort: 'Coscheduling',
      preFilter: `${DEFAULT_LISTS['preFilter']},Coscheduling`,
      postFilter: 'DefaultPreemption,Coscheduling',
      reserve: 'Coscheduling',
      permit: 'Coscheduling',
    });
    assert.deepEqual(r.pluginArgs.get('Coscheduling'), { permitWaitingTimeSeconds: 10 });
    assert.ok(!r.pluginArgs.has('PrioritySort'));
  });

  it('scheduler-plugins-capacityscheduling: postFilter "*" drops DefaultPreemption', () => {
    const r = resolve(loadSchedulerConfig(fixture('scheduler-plugins-capacityscheduling.yaml'), 'c.yaml'));
    assert.deepEqual(lists(r), {
      ...DEFAULT_LISTS,
      preFilter: `${DEFAULT_LISTS['preFilter']},CapacityScheduling`,
      postFilter: 'CapacityScheduling',
      reserve: 'CapacityScheduling',
    });
  });

  it('scheduler-plugins-networktopology: NodeResourcesFit disabled, weighted multiPoint plugin, own queue sort', () => {
    const r = resolve(loadSchedulerConfig(fixture('scheduler-plugins-networktopology.yaml'), 'n.yaml'));
    assert.equal(r.schedulerName, 'network-aware-scheduler');
    assert.deepEqual(lists(r), {
      ...DEFAULT_LISTS,
      queueSort: 'TopologicalSort',
      preFilter: 'NodeAffinity,NodePorts,PodTopologySpread,InterPodAffinity,NetworkOverhead',
      filter: 'NodeUnschedulable,NodeName,TaintToleration,NodeAffinity,NodePorts,PodTopologySpread,InterPodAffinity,NetworkOverhead',
      preScore: 'TaintToleration,NodeAffinity,PodTopologySpread,InterPodAffinity,NodeResourcesBalancedAllocation',
      score: 'TaintToleration:3,NodeAffinity:2,PodTopologySpread:2,InterPodAffinity:2,NodeResourcesBalancedAllocation:1,ImageLocality:1,NetworkOverhead:5',
    });
    assert.deepEqual(r.pluginArgs.get('TopologicalSort'), { namespaces: ['default'] });
    assert.equal((r.pluginArgs.get('NetworkOverhead') as { weightsName?: string }).weightsName, 'UserDefined');
  });

  it('scheduler-plugins-noderesources: score "*" leaves only the custom score plugin', () => {
    const r = resolve(loadSchedulerConfig(fixture('scheduler-plugins-noderesources.yaml'), 'n.yaml'));
    assert.deepEqual(lists(r), { ...DEFAULT_LISTS, score: 'NodeResourcesAllocatable:1' });
    assert.deepEqual(r.pluginArgs.get('NodeResourcesAllocatable'), {
      mode: 'Least',
      resources: [
        { name: 'cpu', weight: 1000000 },
        { name: 'memory', weight: 1 },
      ],
    });
  });

  it('scheduler-plugins-nodemetadata: four documents, one weighted score plugin each', () => {
    const text = fixture('scheduler-plugins-nodemetadata.yaml');
    throwsConfig(() => loadSchedulerConfig(text, 'nm.yaml'), 'nm.yaml:20:1', 'found 4 YAML documents');
    const cfgs = loadSchedulerConfigDocuments(text, 'nm.yaml');
    assert.deepEqual(
      cfgs.map((c) => {
        const r = resolve(c);
        return [r.schedulerName, r.plugins.score.at(-1), (r.pluginArgs.get('NodeMetadata') as { scoringStrategy: string }).scoringStrategy];
      }),
      [
        ['default-scheduler', { name: 'NodeMetadata', weight: 5 }, 'Highest'],
        ['cost-aware-scheduler', { name: 'NodeMetadata', weight: 10 }, 'Lowest'],
        ['freshness-aware-scheduler', { name: 'NodeMetadata', weight: 3 }, 'Newest'],
        ['stable-nodes-scheduler', { name: 'NodeMetadata', weight: 2 }, 'Oldest'],
      ],
    );
  });
});

describe('scheduler config: errors name file:line:col and the field path', () => {
  const cases: { name: string; yaml: string; parts: string[]; options?: SchedulerConfigOptions; resolveToo?: boolean }[] = [
    {
      name: 'unknown top-level field (strict decoding), with a suggestion',
      yaml: 'profile:\n- schedulerName: a\n',
      parts: ['u.yaml:3:1', 'strict decoding error: unknown field "profile"', 'did you mean "profiles"'],
    },
    {
      name: 'unknown nested field',
      yaml: 'profiles:\n- plugins:\n    scor:\n      enabled: []\n',
      parts: ['u.yaml:5:5', 'unknown field "profiles[0].plugins.scor"', 'did you mean "score"'],
    },
    {
      name: 'negative weight',
      yaml: 'profiles:\n- plugins:\n    score:\n      enabled:\n      - name: MyCustomPluginA\n        weight: 2\n      - name: MyCustomPluginB\n        weight: -1\n',
      parts: ['u.yaml:10:17', 'profiles[0].plugins.score.enabled[1].weight: Invalid value: -1: must not be negative'],
    },
    {
      name: 'weight of the wrong type',
      yaml: 'profiles:\n- plugins:\n    score:\n      enabled:\n      - name: MyCustomPluginA\n        weight: high\n',
      parts: ['u.yaml:8:17', 'profiles[0].plugins.score.enabled[0].weight: Invalid value: "high": expected an integer (int32), got string'],
    },
    {
      name: 'weight beyond int32',
      yaml: 'profiles:\n- plugins:\n    score:\n      enabled:\n      - name: MyCustomPluginA\n        weight: 2147483648\n',
      parts: ['u.yaml:8:17', 'weight: Invalid value: 2147483648: out of range for int32'],
    },
    {
      name: 'plugin without a name',
      yaml: 'profiles:\n- plugins:\n    filter:\n      enabled:\n      - weight: 1\n',
      parts: ['u.yaml:7:9', 'profiles[0].plugins.filter.enabled[0].name: Required value'],
    },
    {
      name: 'unknown plugin in multiPoint',
      yaml: "profiles:\n- plugins:\n    multiPoint:\n      enabled:\n      - name: CustomPlugin1\n      - name: CustomPlugin2\n      - name: 'NoSuchPlugin'\n",
      parts: ['u.yaml:9:15', 'profiles[0].plugins.multiPoint.enabled[2].name: "NoSuchPlugin" is not a registered plugin'],
      resolveToo: true,
    },
    {
      name: 'removed plugin at a specific point',
      yaml: 'profiles:\n- plugins:\n    filter:\n      enabled:\n      - name: EBSLimits\n',
      parts: [
        'u.yaml:7:9',
        'profiles[0].plugins.filter.enabled[0]: Invalid value: "EBSLimits": was invalid in version "kubescheduler.config.k8s.io/v1"',
      ],
    },
    {
      name: 'plugin enabled at a point it does not implement',
      yaml: 'profiles:\n- plugins:\n    filter:\n      enabled:\n      - name: ImageLocality\n',
      parts: ['u.yaml:7:15', 'profiles[0].plugins.filter.enabled[0].name: plugin "ImageLocality" does not extend FilterPlugin plugin'],
      resolveToo: true,
    },
    {
      name: 'plugin twice at one point',
      yaml: 'profiles:\n- plugins:\n    filter:\n      enabled:\n      - name: CustomPlugin1\n      - name: CustomPlugin1\n',
      parts: ['u.yaml:8:15', 'profiles[0].plugins.filter.enabled[1].name: plugin "CustomPlugin1" already registered as "FilterPlugin"'],
      resolveToo: true,
    },
    {
      name: 'plugin twice in multiPoint',
      yaml: 'profiles:\n- plugins:\n    multiPoint:\n      enabled:\n      - name: CustomPlugin1\n      - name: CustomPlugin1\n',
      parts: ['u.yaml:8:15', 'profiles[0].plugins.multiPoint.enabled[1].name: plugin "CustomPlugin1" already registered as "FilterPlugin"'],
      resolveToo: true,
    },
    {
      name: 'bad NodeResourcesFit args',
      yaml:
        'profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      scoringStrategy:\n        type: MostAllocated\n' +
        '        resources:\n        - name: cpu\n          weight: 101\n',
      parts: [
        'u.yaml:11:19',
        'profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight: Invalid value: 101: resource weight of cpu not in valid range (0, 100]',
      ],
    },
    {
      name: 'scoring strategy without a type',
      yaml: 'profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      scoringStrategy:\n        resources: []\n',
      parts: [
        'u.yaml:8:9',
        'profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: "": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"',
      ],
    },
    {
      name: 'unknown field inside in-tree args',
      yaml: 'profiles:\n- pluginConfig:\n  - name: InterPodAffinity\n    args:\n      hardPodAfinityWeight: 3\n',
      parts: ['u.yaml:7:7', 'unknown field "profiles[0].pluginConfig[0].args.hardPodAfinityWeight"', 'did you mean "hardPodAffinityWeight"'],
    },
    {
      name: 'args of the wrong kind',
      yaml: 'profiles:\n- pluginConfig:\n  - name: InterPodAffinity\n    args:\n      kind: NodeAffinityArgs\n',
      parts: ['u.yaml:7:13', 'profiles[0].pluginConfig[0].args.kind: Invalid value: "NodeAffinityArgs"', 'InterPodAffinityArgs'],
    },
    {
      name: 'PodTopologySpread System defaulting with constraints',
      yaml:
        'profiles:\n- pluginConfig:\n  - name: PodTopologySpread\n    args:\n      defaultingType: System\n      defaultConstraints:\n' +
        '      - maxSkew: 1\n        topologyKey: zone\n        whenUnsatisfiable: ScheduleAnyway\n',
      parts: ['u.yaml:7:23', 'profiles[0].pluginConfig[0].args.defaultingType: Invalid value: "System": when .defaultConstraints are not empty'],
    },
    {
      name: 'DefaultPreemption with both minimums zero',
      yaml:
        'profiles:\n- pluginConfig:\n  - name: DefaultPreemption\n    args:\n      minCandidateNodesPercentage: 0\n      minCandidateNodesAbsolute: 0\n',
      parts: [
        'u.yaml:7:36',
        'minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the same time as minCandidateNodesAbsolute',
        'u.yaml:8:34',
        'minCandidateNodesAbsolute: Invalid value: 0: cannot be zero at the same time as minCandidateNodesPercentage',
      ],
    },
    {
      name: 'duplicate pluginConfig',
      yaml: 'profiles:\n- pluginConfig:\n  - name: NodeAffinity\n  - name: NodeAffinity\n',
      parts: ['u.yaml:6:5', 'profiles[0].pluginConfig[1]: Duplicate value: "NodeAffinity"'],
    },
    {
      name: 'pluginConfig for an unregistered plugin',
      yaml: 'profiles:\n- pluginConfig:\n  - name: NodeResourceFit\n    args: {}\n',
      parts: ['u.yaml:5:11', 'profiles[0].pluginConfig[0].name: "NodeResourceFit" is not a registered plugin'],
      resolveToo: true,
    },
    {
      name: 'duplicate profile name',
      yaml: 'profiles:\n- schedulerName: a\n- schedulerName: b\n- schedulerName: a\n',
      parts: ['u.yaml:6:18', 'profiles[2].schedulerName: Duplicate value: "a"'],
    },
    {
      name: 'unnamed profile among several',
      yaml: 'profiles:\n- schedulerName: a\n- plugins: {}\n',
      parts: ['u.yaml:5:3', 'profiles[1].schedulerName: Required value'],
    },
    {
      name: 'different queueSort sets across profiles',
      yaml:
        'profiles:\n- schedulerName: a\n  plugins:\n    queueSort:\n      enabled:\n      - name: CustomQueueSort\n      disabled:\n' +
        '      - name: "*"\n- schedulerName: b\n',
      parts: ['u.yaml:11:3', 'profiles[1].plugins.queueSort: Invalid value:', 'must be the same for all profiles'],
    },
    {
      name: 'different queue sort args across profiles',
      yaml:
        'profiles:\n- schedulerName: a\n  plugins:\n    queueSort:\n      enabled:\n      - name: Coscheduling\n      disabled:\n' +
        '      - name: "*"\n  pluginConfig:\n  - name: Coscheduling\n    args: {permitWaitingTimeSeconds: 10}\n' +
        '- schedulerName: b\n  plugins:\n    queueSort:\n      enabled:\n      - name: Coscheduling\n      disabled:\n' +
        '      - name: "*"\n  pluginConfig:\n  - name: Coscheduling\n    args: {permitWaitingTimeSeconds: 20}\n',
      parts: ['u.yaml:23:11', 'profiles[1].pluginConfig[0].args: Invalid value: {"permitWaitingTimeSeconds":20}: queueSort must be the same for all profiles'],
    },
    {
      name: 'percentageOfNodesToScore out of range',
      yaml: 'percentageOfNodesToScore: 101\n',
      parts: ['u.yaml:3:27', 'percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]'],
    },
    {
      name: 'max backoff below the initial backoff',
      yaml: 'podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2\n',
      parts: ['u.yaml:4:23', 'podMaxBackoffSeconds: Invalid value: 2: must be greater than or equal to PodInitialBackoffSeconds'],
    },
    {
      name: 'parallelism zero',
      yaml: 'parallelism: 0\n',
      parts: ['u.yaml:3:14', 'parallelism: Invalid value: 0: should be an integer value greater than zero'],
    },
    {
      name: 'leader election on a non-lease lock',
      yaml: 'leaderElection:\n  resourceLock: endpoints\n',
      parts: ['u.yaml:4:17', 'leaderElection.resourceLock: Invalid value: "endpoints": resourceLock value must be "leases"'],
    },
    {
      name: 'lease duration not above the renew deadline',
      yaml: 'leaderElection:\n  leaseDuration: 5s\n  renewDeadline: 10s\n',
      parts: ['u.yaml:4:18', 'leaderElection.leaseDuration: Invalid value: "10s": must be greater than `RenewDeadline`'],
    },
    {
      name: 'bad duration',
      yaml: 'leaderElection:\n  retryPeriod: 2 seconds\n',
      parts: ['u.yaml:4:16', 'leaderElection.retryPeriod: Invalid value: "2 seconds": time: invalid duration'],
    },
    {
      name: 'extenders are rejected by default',
      yaml: 'extenders:\n- urlPrefix: http://127.0.0.1:8888\n  filterVerb: filter\n',
      parts: ['u.yaml:4:1', 'extenders: Forbidden: scheduler extenders are HTTP callouts'],
    },
    {
      name: 'extender validation still applies when extenders are ignored',
      yaml: 'extenders:\n- urlPrefix: http://a\n  prioritizeVerb: p\n',
      parts: ['u.yaml:4:3', 'extenders[0].weight: Invalid value: 0: must have a positive weight applied to it'],
      options: { extenders: 'ignore' },
    },
    {
      name: 'removed apiVersion',
      yaml: '',
      parts: ['u.yaml:1:13', 'apiVersion: Unsupported value: "kubescheduler.config.k8s.io/v1beta3"'],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const text = c.name === 'removed apiVersion' ? HEAD.replace('/v1\n', '/v1beta3\n') : HEAD + c.yaml;
      throwsConfig(() => {
        const cfg = loadSchedulerConfig(text, 'u.yaml', c.options);
        if (c.resolveToo) resolveSchedulerConfig(cfg, implementsFn, known);
      }, ...c.parts);
    });
  }

  it('errors are SchedulerConfigErrors listing every issue with its own location', () => {
    const err = throwsConfig(
      () => loadSchedulerConfig(`${HEAD}parallelism: -1\npodInitialBackoffSeconds: 0\n`, 'u.yaml'),
      'u.yaml:3:14: parallelism',
      '\nu.yaml:4:27: podInitialBackoffSeconds: Invalid value: 0: must be greater than 0',
    );
    assert.ok(err instanceof SchedulerConfigError);
    assert.equal(err.location, 'u.yaml:3:14');
    assert.deepEqual(
      err.issues.map((i) => i.field),
      ['parallelism', 'podInitialBackoffSeconds'],
    );
  });

  it('YAML problems: syntax, duplicate keys, empty file, not an object, missing kind', () => {
    throwsConfig(() => loadSchedulerConfig(`${HEAD}profiles: [\n`, 'y.yaml'), 'y.yaml:', 'invalid YAML');
    throwsConfig(() => loadSchedulerConfig(`${HEAD}parallelism: 1\nparallelism: 2\n`, 'y.yaml'), 'y.yaml:4:1', 'invalid YAML');
    throwsConfig(() => loadSchedulerConfig('# nothing\n', 'y.yaml'), 'y.yaml: no KubeSchedulerConfiguration found');
    throwsConfig(() => loadSchedulerConfig('- a\n', 'y.yaml'), 'y.yaml:1:1', 'expected a KubeSchedulerConfiguration object');
    throwsConfig(() => loadSchedulerConfig('apiVersion: kubescheduler.config.k8s.io/v1\n', 'y.yaml'), 'kind: Required value');
    throwsConfig(() => schedulerConfigFromObject({ apiVersion: 'v1', kind: 'Pod' }, 'o.json'), 'o.json: apiVersion: Unsupported value: "v1"');
  });

  it('ignored extenders are kept, validated and reported as a warning', () => {
    const cfg = loadSchedulerConfig(`${HEAD}extenders:\n- urlPrefix: http://a\n  httpTimeout: 30s\n  managedResources:\n  - name: example.com/foo\n`, 'x.yaml', {
      extenders: 'ignore',
    });
    assert.equal(cfg.extenders[0]?.httpTimeoutMs, 30_000);
    assert.equal(cfg.extenders[0]?.managedResources[0]?.name, 'example.com/foo');
    assert.match(cfg.warnings[0] ?? '', /^x\.yaml:4:1: 1 scheduler extender\(s\) ignored/);
    throwsConfig(
      () => loadSchedulerConfig(`${HEAD}extenders:\n- urlPrefix: http://a\n  managedResources:\n  - name: cpu\n`, 'x.yaml', { extenders: 'ignore' }),
      'x.yaml:6:11',
      'extenders[0].managedResources[0].name: Invalid value: "cpu": is an invalid extended resource name',
    );
  });
});

describe('scheduler config: decodePluginArgs', () => {
  const cfg = loadSchedulerConfig(
    `${HEAD}profiles:\n- pluginConfig:\n  - name: MyCustomPluginA\n    args:\n      limit: -3\n  - name: ImageLocality\n    args:\n      x: 1\n` +
      '  plugins:\n    score:\n      enabled:\n      - name: MyCustomPluginA\n',
    'd.yaml',
  );
  const r = resolve(cfg);

  it('passes custom args through raw and locates the decoder\'s field errors', () => {
    const decode = (raw: unknown, path: string): { limit: number } => {
      const limit = (raw as { limit: number }).limit;
      if (limit < 0) throw new SchedulerConfigError([{ field: `${path}.limit`, message: `${path}.limit: must be ≥ 0`, anchor: 'value' }]);
      return { limit };
    };
    throwsConfig(() => decodePluginArgs(r, 'MyCustomPluginA', decode), 'd.yaml:7:14', 'profiles[0].pluginConfig[0].args.limit: must be ≥ 0');
  });

  it('locates a plain ConfigError at the args and turns other exceptions into PluginErrors', () => {
    throwsConfig(
      () =>
        decodePluginArgs(r, 'MyCustomPluginA', () => {
          throw new ConfigError('bad');
        }),
      'd.yaml:7:7: bad',
    );
    assert.throws(
      () =>
        decodePluginArgs(r, 'MyCustomPluginA', () => {
          throw new TypeError('oops');
        }),
      PluginError,
    );
  });

  it('without a decoder, args must be absent or empty', () => {
    throwsConfig(() => decodePluginArgs(r, 'ImageLocality', undefined), 'd.yaml:10:7', 'plugin ImageLocality takes no args');
    assert.equal(decodePluginArgs(r, 'TaintToleration', undefined), undefined);
  });
});

describe('scheduler config: defaultPluginsConfig', () => {
  it('puts the defaults in multiPoint only', () => {
    const d = defaultPluginsConfig();
    assert.equal(d.multiPoint.enabled, DEFAULT_PLUGINS);
    assert.deepEqual(d.score, { enabled: [], disabled: [] });
  });
});
