import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { SchedulerConfigError } from './config-errors.js';
import {
  SYSTEM_DEFAULT_TOPOLOGY_SPREAD_CONSTRAINTS,
  decodeDefaultPreemptionArgs,
  decodeDynamicResourcesArgs,
  decodeInterPodAffinityArgs,
  decodeNodeAffinityArgs,
  decodeNodeResourcesBalancedAllocationArgs,
  decodeNodeResourcesFitArgs,
  decodePodTopologySpreadArgs,
  decodeVolumeBindingArgs,
} from './plugin-args.js';

/** The messages of the `SchedulerConfigError` that `fn` throws. */
function messages(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SchedulerConfigError, `expected SchedulerConfigError, got ${String(err)}`);
    assert.ok(err instanceof ConfigError);
    return err.issues.map((i) => i.message);
  }
  assert.fail('expected an error');
}

describe('plugin args: defaults (SetDefaults_*Args)', () => {
  it('every decoder accepts absent args and returns upstream defaults', () => {
    assert.deepEqual(decodeNodeResourcesFitArgs(undefined), {
      ignoredResources: [],
      ignoredResourceGroups: [],
      scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }] },
    });
    assert.deepEqual(decodeNodeResourcesBalancedAllocationArgs(undefined), {
      resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }],
    });
    assert.deepEqual(decodePodTopologySpreadArgs(undefined), { defaultConstraints: [], defaultingType: 'System' });
    assert.deepEqual(decodeInterPodAffinityArgs(undefined), { hardPodAffinityWeight: 1, ignorePreferredTermsOfExistingPods: false });
    assert.deepEqual(decodeNodeAffinityArgs(undefined), {});
    assert.deepEqual(decodeDefaultPreemptionArgs(undefined), { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 });
    assert.deepEqual(decodeVolumeBindingArgs(undefined), { bindTimeoutSeconds: 600 });
    assert.deepEqual(decodeDynamicResourcesArgs(undefined), { filterTimeoutMs: 10_000, bindingTimeoutMs: 600_000 });
    assert.deepEqual(decodeInterPodAffinityArgs({}), decodeInterPodAffinityArgs(null));
  });

  it('resource weights of 0 become 1; an empty resource list becomes cpu and memory', () => {
    assert.deepEqual(
      decodeNodeResourcesFitArgs({ scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu' }, { name: 'nvidia.com/gpu', weight: 0 }] } })
        .scoringStrategy.resources,
      [{ name: 'cpu', weight: 1 }, { name: 'nvidia.com/gpu', weight: 1 }],
    );
    assert.deepEqual(decodeNodeResourcesFitArgs({ scoringStrategy: { type: 'MostAllocated', resources: [] } }).scoringStrategy, {
      type: 'MostAllocated',
      resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }],
    });
    assert.deepEqual(decodeNodeResourcesBalancedAllocationArgs({ resources: [{ name: 'cpu', weight: 0 }] }).resources, [{ name: 'cpu', weight: 1 }]);
  });

  it('the system default spread constraints are hostname (3) and zone (5), ScheduleAnyway', () => {
    assert.deepEqual(
      SYSTEM_DEFAULT_TOPOLOGY_SPREAD_CONSTRAINTS.map((c) => [c.topologyKey, c.maxSkew, c.whenUnsatisfiable]),
      [
        ['kubernetes.io/hostname', 3, 'ScheduleAnyway'],
        ['topology.kubernetes.io/zone', 5, 'ScheduleAnyway'],
      ],
    );
  });

  it('accepts the matching apiVersion and kind inside args', () => {
    const args = decodeInterPodAffinityArgs({ apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'InterPodAffinityArgs', hardPodAffinityWeight: 0 });
    assert.equal(args.hardPodAffinityWeight, 0);
    assert.deepEqual(messages(() => decodeInterPodAffinityArgs({ apiVersion: 'kubescheduler.config.k8s.io/v1beta3' })), [
      'args.apiVersion: Invalid value: "kubescheduler.config.k8s.io/v1beta3": args for plugin InterPodAffinity must be of version "kubescheduler.config.k8s.io/v1"',
    ]);
  });
});

describe('plugin args: validation (Validate*Args)', () => {
  it('NodeResourcesFit: ignored resources and groups, strategy type, ratio shape', () => {
    assert.deepEqual(
      messages(() =>
        decodeNodeResourcesFitArgs(
          {
            ignoredResources: ['example.com/foo', 'bad name'],
            ignoredResourceGroups: ['example.com/x'],
            scoringStrategy: { type: 'LeastAllocated', requestedToCapacityRatio: { shape: [] } },
          },
          'p',
        ),
      ),
      [
        `p.ignoredResources[1]: Invalid value: "bad name": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
        `p.ignoredResourceGroups[0]: Invalid value: "example.com/x": resource group name can't contain '/'`,
        'p.scoringStrategy.requestedToCapacityRatio: Forbidden: must be nil when type is not RequestedToCapacityRatio',
      ],
    );
    assert.deepEqual(messages(() => decodeNodeResourcesFitArgs({ scoringStrategy: { type: 'RequestedToCapacityRatio' } })), [
      'args.scoringStrategy.requestedToCapacityRatio: Required value: must be specified when type is RequestedToCapacityRatio',
    ]);
    assert.deepEqual(
      messages(() =>
        decodeNodeResourcesFitArgs({
          scoringStrategy: {
            type: 'RequestedToCapacityRatio',
            requestedToCapacityRatio: { shape: [{ utilization: 50, score: 5 }, { utilization: 50, score: 11 }, { utilization: 101, score: -1 }] },
          },
        }),
      ),
      [
        'args.scoringStrategy.requestedToCapacityRatio.shape[1].utilization: Invalid value: 50: values must be sorted in increasing order',
        'args.scoringStrategy.requestedToCapacityRatio.shape[1].score: Invalid value: 11: not in valid range [0, 10]',
        'args.scoringStrategy.requestedToCapacityRatio.shape[2].utilization: Invalid value: 101: not in valid range [0, 100]',
        'args.scoringStrategy.requestedToCapacityRatio.shape[2].score: Invalid value: -1: not in valid range [0, 10]',
      ],
    );
    assert.deepEqual(
      messages(() => decodeNodeResourcesFitArgs({ scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: {} } })),
      ['args.scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point must be specified'],
    );
    assert.deepEqual(messages(() => decodeNodeResourcesFitArgs({ scoringStrategy: { type: 'Fancy' } })), [
      'args.scoringStrategy.type: Unsupported value: "Fancy": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"',
    ]);
  });

  it('NodeResourcesBalancedAllocation: duplicate names and weights other than 1', () => {
    assert.deepEqual(
      messages(() => decodeNodeResourcesBalancedAllocationArgs({ resources: [{ name: 'cpu' }, { name: 'cpu', weight: 2 }] })),
      ['args.resources[1].name: Duplicate value: "cpu"', 'args.resources[1].weight: Invalid value: 2: must be 1'],
    );
  });

  it('PodTopologySpread: each default constraint is checked', () => {
    assert.deepEqual(
      messages(() =>
        decodePodTopologySpreadArgs({
          defaultingType: 'List',
          defaultConstraints: [
            { maxSkew: 0, topologyKey: '', whenUnsatisfiable: '' },
            { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'Maybe', labelSelector: {} },
            { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'Maybe', nodeTaintsPolicy: 'Sometimes' },
          ],
        }),
      ),
      [
        'args.defaultConstraints[0].maxSkew: Invalid value: 0: not in valid range (0, inf)',
        'args.defaultConstraints[0].topologyKey: Required value: can not be empty',
        'args.defaultConstraints[0].whenUnsatisfiable: Required value: can not be empty',
        'args.defaultConstraints[1].whenUnsatisfiable: Unsupported value: "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway"',
        'args.defaultConstraints[1].labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod',
        'args.defaultConstraints[2].whenUnsatisfiable: Unsupported value: "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway"',
        'args.defaultConstraints[2].nodeTaintsPolicy: Unsupported value: "Sometimes": supported values: "Honor", "Ignore"',
        'args.defaultConstraints[2]: Duplicate value: "{zone, Maybe}"',
      ],
    );
    assert.deepEqual(messages(() => decodePodTopologySpreadArgs({ defaultingType: 'Auto' })), [
      'args.defaultingType: Unsupported value: "Auto": supported values: "System", "List"',
    ]);
    const kept = decodePodTopologySpreadArgs({
      defaultingType: 'List',
      defaultConstraints: [{ maxSkew: 2, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', minDomains: 3, matchLabelKeys: ['app'] }],
    });
    assert.deepEqual(kept.defaultConstraints, [
      { maxSkew: 2, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', minDomains: 3, matchLabelKeys: ['app'] },
    ]);
  });

  it('InterPodAffinity and DefaultPreemption ranges', () => {
    assert.deepEqual(messages(() => decodeInterPodAffinityArgs({ hardPodAffinityWeight: 101 })), [
      'args.hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100]',
    ]);
    assert.deepEqual(messages(() => decodeDefaultPreemptionArgs({ minCandidateNodesPercentage: -1, minCandidateNodesAbsolute: -2 })), [
      'args.minCandidateNodesPercentage: Invalid value: -1: not in valid range [0, 100]',
      'args.minCandidateNodesAbsolute: Invalid value: -2: not in valid range [0, inf)',
    ]);
    assert.deepEqual(decodeDefaultPreemptionArgs({ minCandidateNodesPercentage: 0 }), { minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 100 });
  });

  it('NodeAffinity: addedAffinity must parse as a node selector', () => {
    const ok = decodeNodeAffinityArgs({
      addedAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a', 'b'] }] }],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 3, preference: { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] } }],
      },
    });
    assert.equal(ok.addedAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.weight, 3);
    const term = 'args.addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]';
    assert.deepEqual(
      messages(() =>
        decodeNodeAffinityArgs({
          addedAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [
                    { key: 'zone', operator: 'Near', values: ['a'] },
                    { key: 'zone', operator: 'In' },
                    { key: 'zone', operator: 'Exists', values: ['a'] },
                    { key: 'cpus', operator: 'Gt', values: ['many'] },
                  ],
                  matchFields: [{ key: 'metadata.name', operator: 'Exists' }, { key: 'metadata.name', operator: 'In', values: ['a', 'b'] }],
                },
              ],
            },
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 0, preference: { matchExpressions: [{ key: 'zone', operator: 'Bad' }] } },
              { weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'Bad' }] } },
            ],
          },
        }),
      ),
      [
        `${term}.matchExpressions[0].operator: Unsupported value: "Near": supported values: "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"`,
        `${term}.matchExpressions[1].values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`,
        `${term}.matchExpressions[2].values: Invalid value: ["a"]: values set must be empty for exists and does not exist`,
        `${term}.matchExpressions[3].values[0]: Invalid value: "many": for 'Gt', 'Lt' operators, the value must be an integer`,
        `${term}.matchFields[0].operator: Unsupported value: "Exists": supported values: "In", "NotIn"`,
        `${term}.matchFields[1].values: Invalid value: ["a","b"]: must have one element`,
        'args.addedAffinity.preferredDuringSchedulingIgnoredDuringExecution[1].preference.matchExpressions[0].operator: Unsupported value: "Bad": supported values: "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"',
      ],
    );
  });

  it('VolumeBinding: negative timeout; shape needs a feature gate that is off', () => {
    assert.deepEqual(messages(() => decodeVolumeBindingArgs({ bindTimeoutSeconds: -1, shape: [{ utilization: 0, score: 0 }] })), [
      'args.bindTimeoutSeconds: Invalid value: -1: invalid BindTimeoutSeconds, should not be a negative value',
      'args.shape: Invalid value: [{"utilization":0,"score":0}]: unexpected field `shape`, remove it or turn on the feature gate StorageCapacityScoring',
    ]);
    assert.equal(decodeVolumeBindingArgs({ bindTimeoutSeconds: 0 }).bindTimeoutSeconds, 0);
  });

  it('DynamicResources: Go durations with their bounds', () => {
    assert.deepEqual(decodeDynamicResourcesArgs({ filterTimeout: '0s', bindingTimeout: '1m30s' }), { filterTimeoutMs: 0, bindingTimeoutMs: 90_000 });
    assert.deepEqual(messages(() => decodeDynamicResourcesArgs({ filterTimeout: '-1s', bindingTimeout: '500ms' })), [
      'args.filterTimeout: Invalid value: "-1s": must be zero or positive',
      'args.bindingTimeout: Invalid value: "500ms": must be at least 1 second',
    ]);
    assert.deepEqual(messages(() => decodeDynamicResourcesArgs({ filterTimeout: 10 })), [
      'args.filterTimeout: Invalid value: 10: expected a duration string such as "15s", got number',
    ]);
  });

  it('strict decoding inside args: unknown fields and wrong types', () => {
    assert.deepEqual(messages(() => decodeNodeResourcesFitArgs({ scoringStrategy: { type: 'MostAllocated', resources: 'cpu' }, extra: 1 })), [
      'strict decoding error: unknown field "args.extra"',
      'args.scoringStrategy.resources: Invalid value: "cpu": expected a list, got string',
    ]);
    assert.deepEqual(messages(() => decodeInterPodAffinityArgs([1])), ['args: Invalid value: array: expected an object, got array']);
  });
});
