import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Container, ContainerStatus, Pod, PodCondition } from './types.js';
import { parseQuantity, Quantity, QuantityParseError } from './quantity.js';
import {
  addResourceVectors,
  cloneResourceVector,
  DefaultMemoryRequest,
  DefaultMilliCPURequest,
  emptyResourceVector,
  isAttachableVolumeResourceName,
  isExtendedResourceName,
  isHugePageResourceName,
  isNativeResource,
  isPodLevelRequestsSet,
  isPodLevelResourcesSet,
  isPrefixedNativeResource,
  isScalarResourceName,
  isSupportedPodLevelResource,
  podLimitQuantities,
  podLimits,
  podNonZeroRequestQuantities,
  podNonZeroRequests,
  podRequestQuantities,
  podRequests,
  quantityMapFromList,
  resourceVectorFromList,
  resourceVectorFromQuantities,
  subtractResourceVectors,
  type ContainerType,
  type PodResourcesOptions,
  type QuantityMap,
  type ResourceList,
  type ResourceVector,
} from './pod-resources.js';

const numRuns = Number(process.env['FC_NUM_RUNS'] ?? 200);

interface ContainerSpec {
  readonly requests?: ResourceList;
  readonly limits?: ResourceList;
  readonly sidecar?: boolean;
}

function container(name: string, spec: ContainerSpec = {}): Container {
  const c: Container = { name, image: 'registry.k8s.io/pause:3.10' };
  if (spec.requests !== undefined || spec.limits !== undefined) {
    c.resources = {};
    if (spec.requests !== undefined) c.resources.requests = { ...spec.requests };
    if (spec.limits !== undefined) c.resources.limits = { ...spec.limits };
  }
  if (spec.sidecar) c.restartPolicy = 'Always';
  return c;
}

interface PodSpecInput {
  readonly containers?: readonly ContainerSpec[];
  readonly initContainers?: readonly ContainerSpec[];
  readonly overhead?: ResourceList;
  readonly podRequests?: ResourceList;
  readonly podLimits?: ResourceList;
  readonly containerStatuses?: readonly ContainerStatus[];
  readonly initContainerStatuses?: readonly ContainerStatus[];
  readonly conditions?: readonly PodCondition[];
}

function pod(input: PodSpecInput): Pod {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: {
      containers: (input.containers ?? []).map((c, i) => container(`container-${i + 1}`, c)),
    },
  };
  const spec = p.spec!;
  if (input.initContainers !== undefined) spec.initContainers = input.initContainers.map((c, i) => container(`init-${i + 1}`, c));
  if (input.overhead !== undefined) spec.overhead = { ...input.overhead };
  if (input.podRequests !== undefined || input.podLimits !== undefined) {
    spec.resources = {};
    if (input.podRequests !== undefined) spec.resources.requests = { ...input.podRequests };
    if (input.podLimits !== undefined) spec.resources.limits = { ...input.podLimits };
  }
  if (input.containerStatuses !== undefined || input.initContainerStatuses !== undefined || input.conditions !== undefined) {
    p.status = {};
    if (input.containerStatuses !== undefined) p.status.containerStatuses = [...input.containerStatuses];
    if (input.initContainerStatuses !== undefined) p.status.initContainerStatuses = [...input.initContainerStatuses];
    if (input.conditions !== undefined) p.status.conditions = [...input.conditions];
  }
  return Object.freeze(p);
}

function status(name: string, opts: { requests?: ResourceList; limits?: ResourceList; allocated?: ResourceList }): ContainerStatus {
  const cs: ContainerStatus = { name, image: 'registry.k8s.io/pause:3.10', imageID: '', ready: true, restartCount: 0 };
  if (opts.requests !== undefined || opts.limits !== undefined) {
    cs.resources = {};
    if (opts.requests !== undefined) cs.resources.requests = { ...opts.requests };
    if (opts.limits !== undefined) cs.resources.limits = { ...opts.limits };
  }
  if (opts.allocated !== undefined) cs.allocatedResources = { ...opts.allocated };
  return cs;
}

const INFEASIBLE: PodCondition = { type: 'PodResizePending', status: 'True', reason: 'Infeasible' };

/** Asserts that `got` holds exactly the resources of `want`, each with an equal value. */
function assertQuantities(got: QuantityMap, want: ResourceList, message = ''): void {
  const gotText = Object.fromEntries([...got].map(([k, v]) => [k, v.toString()]));
  assert.deepEqual([...got.keys()].sort(), Object.keys(want).sort(), `${message} keys: got ${JSON.stringify(gotText)}`);
  for (const [name, value] of Object.entries(want)) {
    const q = got.get(name);
    assert.ok(q !== undefined && q.equal(parseQuantity(value)), `${message} ${name}: got ${q?.toString()}, want ${value}`);
  }
}

interface Case {
  readonly name: string;
  readonly pod: Pod;
  readonly opts?: PodResourcesOptions;
  readonly want: ResourceList;
}

describe('podRequestQuantities', () => {
  const cases: readonly Case[] = [
    { name: 'a pod without containers requests nothing', pod: pod({}), want: {} },
    {
      name: 'a container without resources adds no key',
      pod: pod({ containers: [{}, { requests: { cpu: '1' } }] }),
      want: { cpu: '1' },
    },
    {
      name: 'regular containers add up',
      pod: pod({ containers: [{ requests: { cpu: '1', memory: '1Gi' } }, { requests: { cpu: '500m', memory: '512Mi' } }] }),
      want: { cpu: '1500m', memory: '1536Mi' },
    },
    {
      name: 'an explicit zero request is kept',
      pod: pod({ containers: [{ requests: { cpu: '0' } }] }),
      want: { cpu: '0' },
    },
    {
      name: 'a larger init container wins',
      pod: pod({ initContainers: [{ requests: { cpu: '5' } }], containers: [{ requests: { cpu: '1' } }, { requests: { cpu: '2' } }] }),
      want: { cpu: '5' },
    },
    {
      name: 'larger containers win over a smaller init container',
      pod: pod({ initContainers: [{ requests: { cpu: '2' } }], containers: [{ requests: { cpu: '1' } }, { requests: { cpu: '3' } }] }),
      want: { cpu: '4' },
    },
    {
      name: 'the maximum is taken per resource',
      pod: pod({
        initContainers: [{ requests: { cpu: '4', memory: '1Gi' } }, { requests: { cpu: '1', memory: '3Gi', 'nvidia.com/gpu': '1' } }],
        containers: [{ requests: { cpu: '2', memory: '1Gi' } }, { requests: { cpu: '1', memory: '1Gi' } }],
      }),
      want: { cpu: '4', memory: '3Gi', 'nvidia.com/gpu': '1' },
    },
    {
      name: 'overhead is added on top',
      pod: pod({ containers: [{ requests: { cpu: '1' } }], overhead: { cpu: '250m', memory: '120Mi' } }),
      want: { cpu: '1250m', memory: '120Mi' },
    },
    {
      name: 'overhead is added after the init-container maximum',
      pod: pod({ initContainers: [{ requests: { cpu: '5' } }], containers: [{ requests: { cpu: '1' } }], overhead: { cpu: '1' } }),
      want: { cpu: '6' },
    },
    {
      name: 'overhead can be excluded',
      pod: pod({ containers: [{ requests: { cpu: '1' } }], overhead: { cpu: '250m' } }),
      opts: { excludeOverhead: true },
      want: { cpu: '1' },
    },
    {
      name: 'a sidecar runs next to the regular containers',
      pod: pod({ initContainers: [{ sidecar: true, requests: { cpu: '1' } }], containers: [{ requests: { cpu: '1' } }] }),
      want: { cpu: '2' },
    },
    {
      name: 'an init container before the sidecars runs alone',
      // max(5, sidecars 1+2+3 + regular 1) = 7
      pod: pod({
        initContainers: [
          { requests: { cpu: '5' } },
          { sidecar: true, requests: { cpu: '1' } },
          { sidecar: true, requests: { cpu: '2' } },
          { sidecar: true, requests: { cpu: '3' } },
        ],
        containers: [{ requests: { cpu: '1' } }],
      }),
      want: { cpu: '7' },
    },
    {
      name: 'an init container runs next to the sidecars started before it, not after',
      // init-4 needs 5 + sidecars 1+2 = 8; the sidecar declared after it does not count
      pod: pod({
        initContainers: [
          { requests: { cpu: '5' } },
          { sidecar: true, requests: { cpu: '1' } },
          { sidecar: true, requests: { cpu: '2' } },
          { requests: { cpu: '5' } },
          { sidecar: true, requests: { cpu: '3' } },
        ],
        containers: [{ requests: { cpu: '1' } }],
      }),
      want: { cpu: '8' },
    },
    {
      name: 'sidecar, init and regular containers',
      pod: pod({
        initContainers: [{ sidecar: true, requests: { cpu: '10' } }, { requests: { cpu: '200' } }],
        containers: [{ requests: { cpu: '100' } }],
      }),
      want: { cpu: '210' },
    },
    {
      name: 'sidecar resources of a kind no init container names still count',
      pod: pod({
        initContainers: [{ sidecar: true, requests: { memory: '1Gi' } }, { requests: { cpu: '2' } }],
        containers: [{ requests: { cpu: '1', memory: '1Gi' } }],
      }),
      want: { cpu: '2', memory: '2Gi' },
    },
    {
      name: 'extended, hugepages and other resources are aggregated like any other',
      pod: pod({
        initContainers: [{ requests: { 'nvidia.com/gpu': '4', 'hugepages-2Mi': '10Mi' } }],
        containers: [
          { requests: { 'nvidia.com/gpu': '1', 'hugepages-2Mi': '8Mi', 'ephemeral-storage': '1Gi' } },
          { requests: { 'nvidia.com/gpu': 2, 'example.com/foo': '3' } },
        ],
      }),
      want: { 'nvidia.com/gpu': '4', 'hugepages-2Mi': '10Mi', 'ephemeral-storage': '1Gi', 'example.com/foo': '3' },
    },
    {
      name: 'numbers in manifests are quantities',
      pod: pod({ containers: [{ requests: { cpu: 2, memory: 1073741824 } }, { requests: { cpu: 0.5 } }] }),
      want: { cpu: '2500m', memory: '1Gi' },
    },
    {
      name: 'limits are not read as requests (API defaulting copies them before storage)',
      pod: pod({ containers: [{ limits: { cpu: '2', memory: '1Gi' } }] }),
      want: {},
    },
    // Pod-level resources (PodLevelResources, beta and on in v1.35).
    {
      name: 'pod-level memory request alone',
      pod: pod({ podRequests: { memory: '2Mi' } }),
      want: { memory: '2Mi' },
    },
    {
      name: 'pod-level requests are skipped on request',
      pod: pod({ podRequests: { memory: '2Mi' } }),
      opts: { skipPodLevelResources: true },
      want: {},
    },
    {
      name: 'pod-level memory next to container cpu',
      pod: pod({ podRequests: { memory: '2Mi' }, containers: [{ requests: { cpu: '2m' } }] }),
      want: { memory: '2Mi', cpu: '2m' },
    },
    {
      name: 'an unsupported pod-level resource is ignored',
      pod: pod({ podRequests: { storage: '2Mi' }, containers: [{ requests: { storage: '3Mi' } }] }),
      want: { storage: '3Mi' },
    },
    {
      name: 'pod-level requests replace the container aggregate, overhead still adds',
      pod: pod({
        podRequests: { memory: '6Mi', cpu: '8m' },
        containers: [{ requests: { memory: '3Mi', cpu: '2m' } }],
        overhead: { memory: '5Mi', cpu: '4m' },
      }),
      want: { memory: '11Mi', cpu: '12m' },
    },
    {
      name: 'pod-level requests win over init and sidecar containers',
      pod: pod({
        podRequests: { memory: '15Mi', cpu: '18m' },
        containers: [{ requests: { memory: '3Mi', cpu: '2m' } }],
        initContainers: [{ sidecar: true, requests: { memory: '5Mi', cpu: '4m' } }, { requests: { memory: '6Mi', cpu: '8m' } }],
      }),
      want: { memory: '15Mi', cpu: '18m' },
    },
    {
      name: 'pod-level hugepages of several sizes next to container resources',
      pod: pod({
        podRequests: { cpu: '1', 'hugepages-2Mi': '10Mi' },
        podLimits: { 'hugepages-2Mi': '10Mi' },
        containers: [{ requests: { memory: '4Mi', 'hugepages-1Gi': '1Gi' }, limits: { 'hugepages-1Gi': '1Gi' } }],
      }),
      want: { cpu: '1', memory: '4Mi', 'hugepages-2Mi': '10Mi', 'hugepages-1Gi': '1Gi' },
    },
    {
      name: 'container level can be skipped',
      pod: pod({ podRequests: { cpu: '1' }, containers: [{ requests: { cpu: '2', memory: '1Gi' } }], overhead: { cpu: '1' } }),
      opts: { skipContainerLevelResources: true },
      want: { cpu: '2' },
    },
    // In-place resize (InPlacePodVerticalScaling, GA in v1.35): status resources count.
    {
      name: 'resized, no resize status: the larger of spec and actuated',
      pod: pod({ containers: [{ requests: { cpu: '4' } }], containerStatuses: [status('container-1', { requests: { cpu: '2' } })] }),
      want: { cpu: '4' },
    },
    {
      name: 'resized, infeasible: spec is ignored',
      pod: pod({
        containers: [{ requests: { cpu: '4' } }],
        containerStatuses: [status('container-1', { requests: { cpu: '2' } })],
        conditions: [INFEASIBLE],
      }),
      want: { cpu: '2' },
    },
    {
      name: 'resized, infeasible and in progress: actuated and allocated',
      pod: pod({
        containers: [{ requests: { cpu: '6' } }],
        containerStatuses: [status('container-1', { requests: { cpu: '2' }, allocated: { cpu: '4' } })],
        conditions: [INFEASIBLE],
      }),
      want: { cpu: '4' },
    },
    {
      name: 'resized: a three-way maximum per resource',
      pod: pod({
        containers: [{ requests: { cpu: '30m', memory: '20M', 'ephemeral-storage': '10G' } }],
        containerStatuses: [
          status('container-1', {
            requests: { cpu: '10m', memory: '30M', 'ephemeral-storage': '20G' },
            allocated: { cpu: '20m', memory: '10M', 'ephemeral-storage': '30G' },
          }),
        ],
      }),
      want: { cpu: '30m', memory: '30M', 'ephemeral-storage': '30G' },
    },
    {
      name: 'resized, infeasible, status not used',
      pod: pod({
        containers: [{ requests: { cpu: '4' } }],
        containerStatuses: [status('container-1', { requests: { cpu: '2' } })],
        conditions: [INFEASIBLE],
      }),
      opts: { useStatusResources: false },
      want: { cpu: '4' },
    },
    {
      name: 'resized sidecar, infeasible',
      pod: pod({
        initContainers: [{ sidecar: true, requests: { cpu: '4' } }],
        initContainerStatuses: [status('init-1', { requests: { cpu: '2' } })],
        conditions: [{ type: 'PodResizeInProgress', status: 'True' }, INFEASIBLE],
      }),
      want: { cpu: '2' },
    },
    {
      name: 'an ordinary init container ignores its status',
      pod: pod({
        initContainers: [{ requests: { cpu: '4' } }],
        initContainerStatuses: [status('init-1', { requests: { cpu: '8' } })],
      }),
      want: { cpu: '4' },
    },
    {
      name: 'a status without resources leaves the spec alone',
      pod: pod({ containers: [{ requests: { cpu: '4' } }], containerStatuses: [status('container-1', { allocated: { cpu: '8' } })] }),
      want: { cpu: '4' },
    },
    {
      name: 'a status with resources fills in requests the spec lacks',
      pod: pod({ containers: [{}], containerStatuses: [status('container-1', { requests: { cpu: '1' }, allocated: { memory: '1Gi' } })] }),
      want: { cpu: '1', memory: '1Gi' },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      assertQuantities(podRequestQuantities(c.pod, c.opts), c.want);
    });
  }

  it('sums exactly before rounding to millicores', () => {
    const p = pod({ containers: [{ requests: { cpu: '0.5m' } }, { requests: { cpu: '0.5m' } }] });
    assert.equal(podRequestQuantities(p).get('cpu')?.toString(), '1m');
    assert.equal(podRequests(p).milliCPU, 1);
  });

  it('keeps the format of the first operand, as upstream Add does', () => {
    const p = pod({ containers: [{ requests: { memory: '1Gi' } }, { requests: { memory: '1000M' } }] });
    assert.equal(podRequestQuantities(p).get('memory')?.toString(), '2073741824');
    assert.equal(podRequestQuantities(p).get('memory')?.format, 'BinarySI');
  });

  it('reports each container to containerFn, sidecars cumulatively', () => {
    const seen: [ContainerType, Record<string, string>][] = [];
    const p = pod({
      initContainers: [
        { sidecar: true, requests: { cpu: '1' } },
        { requests: { cpu: '5' } },
        { sidecar: true, requests: { cpu: '2' } },
      ],
      containers: [{ requests: { cpu: '1' } }, {}],
    });
    podRequestQuantities(p, {
      containerFn: (res, type) => seen.push([type, Object.fromEntries([...res].map(([k, v]) => [k, v.toString()]))]),
    });
    assert.deepEqual(seen, [
      ['Containers', { cpu: '1' }],
      ['Containers', {}],
      ['InitContainers', { cpu: '1' }],
      ['InitContainers', { cpu: '6' }],
      ['InitContainers', { cpu: '3' }],
    ]);
  });

  it('fills missing container requests from nonMissingContainerRequests, including sidecars and init containers', () => {
    const nonMissing = new Map([['cpu', parseQuantity('100m')]]);
    const p = pod({
      initContainers: [{ sidecar: true }, { requests: { cpu: '0' } }],
      containers: [{}, { requests: { cpu: '1' } }],
    });
    assertQuantities(podRequestQuantities(p, { nonMissingContainerRequests: nonMissing }), { cpu: '1200m' });
  });

  it('counts a null quantity as zero and rejects an invalid one', () => {
    const nullPod = pod({ containers: [{ requests: { cpu: null as unknown as string, memory: '1Gi' } }] });
    assertQuantities(podRequestQuantities(nullPod), { cpu: '0', memory: '1Gi' });
    const bad = pod({ containers: [{ requests: { cpu: '1 core' } }] });
    assert.throws(() => podRequestQuantities(bad), QuantityParseError);
  });

  it('does not modify the pod', () => {
    const p = pod({ containers: [{ requests: { cpu: '1' } }], overhead: { cpu: '1' } });
    const before = JSON.stringify(p);
    podRequestQuantities(p);
    podLimitQuantities(p);
    podNonZeroRequestQuantities(p);
    assert.equal(JSON.stringify(p), before);
  });
});

describe('podNonZeroRequestQuantities / podNonZeroRequests', () => {
  const cases: readonly Case[] = [
    { name: 'a container without requests counts as 100m and 200Mi', pod: pod({ containers: [{}] }), want: { cpu: '100m', memory: '200Mi' } },
    { name: 'each container gets its own defaults', pod: pod({ containers: [{}, {}] }), want: { cpu: '200m', memory: '400Mi' } },
    {
      name: 'only the missing resource is defaulted',
      pod: pod({ containers: [{ requests: { cpu: '1' } }, { requests: { memory: '1Gi' } }] }),
      want: { cpu: '1100m', memory: '1224Mi' },
    },
    {
      name: 'an explicit zero is not replaced',
      pod: pod({ containers: [{ requests: { cpu: '0', memory: '0' } }] }),
      want: { cpu: '0', memory: '0' },
    },
    {
      name: 'other resources pass through unchanged',
      pod: pod({ containers: [{ requests: { 'nvidia.com/gpu': '1' } }] }),
      want: { cpu: '100m', memory: '200Mi', 'nvidia.com/gpu': '1' },
    },
    {
      name: 'an init container without requests competes with its defaults',
      pod: pod({ initContainers: [{}], containers: [{ requests: { cpu: '50m', memory: '100Mi' } }] }),
      want: { cpu: '100m', memory: '200Mi' },
    },
    {
      name: 'a sidecar without requests adds its defaults to the steady state',
      pod: pod({ initContainers: [{ sidecar: true }], containers: [{}] }),
      want: { cpu: '200m', memory: '400Mi' },
    },
    {
      name: 'an init container after a defaulted sidecar',
      pod: pod({ initContainers: [{ sidecar: true }, { requests: { cpu: '1', memory: '1Gi' } }], containers: [{}] }),
      want: { cpu: '1100m', memory: '1224Mi' },
    },
    {
      name: 'overhead is added',
      pod: pod({ containers: [{}], overhead: { cpu: '250m', memory: '120Mi' } }),
      want: { cpu: '350m', memory: '320Mi' },
    },
    {
      name: 'pod-level requests suppress the defaults of the resources they name',
      pod: pod({ podRequests: { cpu: '1' }, containers: [{}, {}] }),
      want: { cpu: '1', memory: '400Mi' },
    },
    {
      name: 'a container-level request suppresses a pod-level default for that resource',
      pod: pod({ podRequests: { cpu: '1' }, containers: [{ requests: { memory: '10Mi' } }, {}] }),
      want: { cpu: '1', memory: '10Mi' },
    },
    {
      name: 'pod-level cpu and memory leave nothing to default',
      pod: pod({ podRequests: { cpu: '1', memory: '1Gi' }, containers: [{}] }),
      want: { cpu: '1', memory: '1Gi' },
    },
    {
      name: 'without pod-level resources the defaults apply per container even when skipped',
      pod: pod({ podRequests: { cpu: '1' }, containers: [{}] }),
      opts: { skipPodLevelResources: true },
      want: { cpu: '100m', memory: '200Mi' },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      assertQuantities(podNonZeroRequestQuantities(c.pod, c.opts), c.want);
      const v = podNonZeroRequests(c.pod, c.opts);
      assert.equal(v.milliCPU, Number(parseQuantity(c.want['cpu'] ?? '0').milliValue()));
      assert.equal(v.memory, Number(parseQuantity(c.want['memory'] ?? '0').value()));
      assert.equal(v.ephemeralStorage, 0);
      assert.equal(v.allowedPodNumber, 0);
      assert.equal(v.scalar.size, 0);
    });
  }

  it('uses the upstream default constants', () => {
    assert.equal(DefaultMilliCPURequest, 100);
    assert.equal(DefaultMemoryRequest, 200 * 1024 * 1024);
    const v = podNonZeroRequests(pod({ containers: [{}] }));
    assert.equal(v.milliCPU, DefaultMilliCPURequest);
    assert.equal(v.memory, DefaultMemoryRequest);
  });
});

describe('podLimitQuantities / podLimits', () => {
  const cases: readonly Case[] = [
    { name: 'no limited container means no limits', pod: pod({ containers: [{}, {}] }), want: {} },
    {
      name: 'one limited and one unlimited container give the limited limits',
      pod: pod({ containers: [{ limits: { cpu: '1', memory: '1Gi' } }, {}] }),
      want: { cpu: '1', memory: '1Gi' },
    },
    {
      name: 'a larger init container limit wins',
      pod: pod({ initContainers: [{ limits: { cpu: '4' } }, {}], containers: [{ limits: { cpu: '1' } }] }),
      want: { cpu: '4' },
    },
    {
      name: 'sidecar limits follow the request formula',
      pod: pod({
        initContainers: [{ limits: { cpu: '5' } }, { sidecar: true, limits: { cpu: '1' } }, { limits: { cpu: '5' } }, { sidecar: true, limits: { cpu: '3' } }],
        containers: [{ limits: { cpu: '1' } }],
      }),
      want: { cpu: '6' },
    },
    {
      name: 'overhead is added to non-zero limits only',
      pod: pod({ containers: [{ limits: { cpu: '1', memory: '0' } }], overhead: { cpu: '250m', memory: '120Mi', 'ephemeral-storage': '1Gi' } }),
      want: { cpu: '1250m', memory: '0' },
    },
    {
      name: 'overhead can be excluded',
      pod: pod({ containers: [{ limits: { cpu: '1' } }], overhead: { cpu: '250m' } }),
      opts: { excludeOverhead: true },
      want: { cpu: '1' },
    },
    {
      name: 'pod-level limits replace the aggregate',
      pod: pod({ podLimits: { cpu: '2', memory: '2Gi', storage: '1' }, containers: [{ limits: { cpu: '1', 'nvidia.com/gpu': '1' } }] }),
      want: { cpu: '2', memory: '2Gi', 'nvidia.com/gpu': '1' },
    },
    {
      name: 'pod-level requests alone do not limit',
      pod: pod({ podRequests: { cpu: '2' }, containers: [{ limits: { cpu: '1' } }] }),
      want: { cpu: '1' },
    },
    {
      name: 'scaled up: the larger of spec and actuated',
      pod: pod({ containers: [{ limits: { cpu: '2' } }], containerStatuses: [status('container-1', { limits: { cpu: '1' } })] }),
      want: { cpu: '2' },
    },
    {
      name: 'scaled down: the larger of spec and actuated',
      pod: pod({ containers: [{ limits: { cpu: '1' } }], containerStatuses: [status('container-1', { limits: { cpu: '2' } })] }),
      want: { cpu: '2' },
    },
    {
      name: 'scaled down, status not used',
      pod: pod({ containers: [{ limits: { cpu: '1' } }], containerStatuses: [status('container-1', { limits: { cpu: '2' } })] }),
      opts: { useStatusResources: false },
      want: { cpu: '1' },
    },
    {
      name: 'infeasible: only the actuated limits count',
      pod: pod({
        containers: [{ limits: { cpu: '4' } }],
        containerStatuses: [status('container-1', { limits: { cpu: '2' } })],
        conditions: [INFEASIBLE],
      }),
      want: { cpu: '2' },
    },
    {
      name: 'scaled down sidecar',
      pod: pod({
        initContainers: [{ sidecar: true, limits: { cpu: '1' } }],
        initContainerStatuses: [status('init-1', { limits: { cpu: '2' } })],
        containers: [{ limits: { cpu: '1' } }],
      }),
      want: { cpu: '3' },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      assertQuantities(podLimitQuantities(c.pod, c.opts), c.want);
    });
  }

  it('converts limits to a vector, an absent limit reading as zero', () => {
    const v = podLimits(pod({ containers: [{ limits: { cpu: '1500m', 'nvidia.com/gpu': '2' } }] }));
    assert.equal(v.milliCPU, 1500);
    assert.equal(v.memory, 0);
    assert.equal(v.scalar.get('nvidia.com/gpu'), 2);
  });
});

describe('pod-level resource detection', () => {
  it('isPodLevelResourcesSet and isPodLevelRequestsSet look for a supported resource', () => {
    assert.equal(isPodLevelResourcesSet(pod({})), false);
    assert.equal(isPodLevelResourcesSet(pod({ podRequests: {} })), false);
    assert.equal(isPodLevelResourcesSet(pod({ podRequests: { storage: '1' } })), false);
    assert.equal(isPodLevelResourcesSet(pod({ podLimits: { storage: '1' } })), false);
    assert.equal(isPodLevelResourcesSet(pod({ podRequests: { storage: '1', cpu: '1' } })), true);
    assert.equal(isPodLevelResourcesSet(pod({ podLimits: { 'hugepages-2Mi': '2Mi' } })), true);
    assert.equal(isPodLevelRequestsSet(pod({ podLimits: { cpu: '1' } })), false);
    assert.equal(isPodLevelRequestsSet(pod({ podRequests: { memory: '1' } })), true);
  });

  it('isSupportedPodLevelResource: cpu, memory and hugepages', () => {
    for (const name of ['cpu', 'memory', 'hugepages-2Mi', 'hugepages-1Gi']) assert.equal(isSupportedPodLevelResource(name), true, name);
    for (const name of ['ephemeral-storage', 'storage', 'nvidia.com/gpu', 'pods']) assert.equal(isSupportedPodLevelResource(name), false, name);
  });
});

describe('resource names', () => {
  const table: readonly [name: string, extended: boolean, scalar: boolean][] = [
    ['cpu', false, false],
    ['memory', false, false],
    ['ephemeral-storage', false, false],
    ['pods', false, false],
    ['storage', false, false],
    ['hugepages-2Mi', false, true],
    ['attachable-volumes-aws-ebs', false, true],
    ['kubernetes.io/batch-cpu', false, true],
    ['foo.kubernetes.io/bar', false, true],
    ['nvidia.com/gpu', true, true],
    ['example.com/foo', true, true],
    ['example.com/' + 'x'.repeat(63), true, true],
    ['example.com/' + 'x'.repeat(64), false, false],
    ['example.com/Foo_bar.baz', true, true],
    ['example.com/-bad', false, false],
    ['example.com/', false, false],
    ['Example.com/gpu', false, false],
    ['a/b/c', false, false],
    ['requests.example.com/foo', false, false],
    ['/gpu', false, false],
  ];
  for (const [name, extended, scalar] of table) {
    it(`${JSON.stringify(name)}: extended ${extended}, scalar ${scalar}`, () => {
      assert.equal(isExtendedResourceName(name), extended);
      assert.equal(isScalarResourceName(name), scalar);
      // Asked twice: the memo must give the same answer.
      assert.equal(isExtendedResourceName(name), extended);
    });
  }

  it('classifies native, prefixed-native, hugepage and attachable-volume names', () => {
    assert.equal(isNativeResource('cpu'), true);
    assert.equal(isNativeResource('kubernetes.io/foo'), true);
    assert.equal(isNativeResource('nvidia.com/gpu'), false);
    assert.equal(isPrefixedNativeResource('cpu'), false);
    assert.equal(isPrefixedNativeResource('x.kubernetes.io/y'), true);
    assert.equal(isHugePageResourceName('hugepages-1Gi'), true);
    assert.equal(isHugePageResourceName('memory'), false);
    assert.equal(isAttachableVolumeResourceName('attachable-volumes-csi-x'), true);
    assert.equal(isAttachableVolumeResourceName('volumes'), false);
  });

  it('keeps its memo bounded without changing answers', () => {
    for (let i = 0; i < 3000; i++) assert.equal(isExtendedResourceName(`example.com/r${i}`), true);
    assert.equal(isExtendedResourceName('nvidia.com/gpu'), true);
  });
});

describe('ResourceVector', () => {
  it('is built from a node allocatable list, numbers included', () => {
    const v = resourceVectorFromList({
      cpu: 32,
      memory: '128Gi',
      pods: 110,
      'ephemeral-storage': '100Gi',
      'nvidia.com/gpu': '8',
      'hugepages-2Mi': '1Gi',
      'attachable-volumes-aws-ebs': '39',
      'kubernetes.io/batch-cpu': '4',
      storage: '1Ti',
      foo: '5',
    });
    assert.equal(v.milliCPU, 32000);
    assert.equal(v.memory, 128 * 1024 ** 3);
    assert.equal(v.allowedPodNumber, 110);
    assert.equal(v.ephemeralStorage, 100 * 1024 ** 3);
    assert.deepEqual(
      [...v.scalar],
      [
        ['nvidia.com/gpu', 8],
        ['hugepages-2Mi', 1024 ** 3],
        ['attachable-volumes-aws-ebs', 39],
        ['kubernetes.io/batch-cpu', 4],
      ],
    );
  });

  it('rounds cpu up to millicores and other amounts up to whole units', () => {
    const v = resourceVectorFromList({ cpu: '0.1m', memory: '1.5', 'ephemeral-storage': '1n', 'example.com/x': '0.5' });
    assert.equal(v.milliCPU, 1);
    assert.equal(v.memory, 2);
    assert.equal(v.ephemeralStorage, 1);
    assert.equal(v.scalar.get('example.com/x'), 1);
  });

  it('clamps amounts beyond Number.MAX_SAFE_INTEGER', () => {
    const v = resourceVectorFromList({ cpu: '1e20', memory: '100Ei', 'example.com/x': '-1e30' });
    assert.equal(v.milliCPU, Number.MAX_SAFE_INTEGER);
    assert.equal(v.memory, Number.MAX_SAFE_INTEGER);
    assert.equal(v.scalar.get('example.com/x'), -Number.MAX_SAFE_INTEGER);
    const total = addResourceVectors(cloneResourceVector(v), v);
    assert.equal(total.milliCPU, Number.MAX_SAFE_INTEGER);
    assert.equal(total.scalar.get('example.com/x'), -Number.MAX_SAFE_INTEGER);
    assert.equal(subtractResourceVectors(emptyResourceVector(), v).memory, -Number.MAX_SAFE_INTEGER);
  });

  it('treats an absent list as empty and skips null amounts', () => {
    assert.deepEqual(resourceVectorFromList(undefined), emptyResourceVector());
    assert.deepEqual(resourceVectorFromList(null), emptyResourceVector());
    assert.equal(resourceVectorFromList({ cpu: null as unknown as string, memory: '1' }).memory, 1);
    assert.throws(() => resourceVectorFromList({ cpu: 'lots' }), QuantityParseError);
  });

  it('adds, subtracts and clones component by component', () => {
    const node = emptyResourceVector();
    const a: ResourceVector = { milliCPU: 100, memory: 10, ephemeralStorage: 1, allowedPodNumber: 0, scalar: new Map([['nvidia.com/gpu', 1]]) };
    const b: ResourceVector = { milliCPU: 50, memory: 5, ephemeralStorage: 0, allowedPodNumber: 2, scalar: new Map([['example.com/x', 3]]) };
    assert.equal(addResourceVectors(node, a), node);
    addResourceVectors(node, b);
    assert.deepEqual(node, {
      milliCPU: 150,
      memory: 15,
      ephemeralStorage: 1,
      allowedPodNumber: 2,
      scalar: new Map([
        ['nvidia.com/gpu', 1],
        ['example.com/x', 3],
      ]),
    });
    const copy = cloneResourceVector(node);
    subtractResourceVectors(node, a);
    assert.equal(copy.milliCPU, 150);
    assert.equal(copy.scalar.get('nvidia.com/gpu'), 1);
    assert.equal(node.scalar.get('nvidia.com/gpu'), 0);
    subtractResourceVectors(node, b);
    assert.deepEqual({ ...node, scalar: [...node.scalar.values()] }, { ...emptyResourceVector(), scalar: [0, 0] });
    const negative = subtractResourceVectors(emptyResourceVector(), a);
    assert.equal(negative.scalar.get('nvidia.com/gpu'), -1);
  });

  it('converts exact quantities once', () => {
    const list = quantityMapFromList({ cpu: '1500m', memory: '1Gi', pods: '3', 'nvidia.com/gpu': '1', unknown: '7' });
    const v = resourceVectorFromQuantities(list);
    assert.deepEqual(v, { milliCPU: 1500, memory: 1024 ** 3, ephemeralStorage: 0, allowedPodNumber: 3, scalar: new Map([['nvidia.com/gpu', 1]]) });
    assert.deepEqual([...quantityMapFromList(undefined)], []);
    assert.ok(quantityMapFromList({ cpu: 2 }).get('cpu')?.equal(Quantity.fromInt(2n)));
  });

  it('podRequests gives the vector of the effective requests', () => {
    const v = podRequests(
      pod({
        initContainers: [{ sidecar: true, requests: { cpu: '100m', memory: '64Mi' } }, { requests: { cpu: '2', 'nvidia.com/gpu': '1' } }],
        containers: [{ requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '2Gi', 'nvidia.com/gpu': '1' } }],
        overhead: { cpu: '10m' },
      }),
    );
    assert.deepEqual(v, {
      milliCPU: 2110,
      memory: 1088 * 1024 * 1024,
      ephemeralStorage: 2 * 1024 ** 3,
      allowedPodNumber: 0,
      scalar: new Map([['nvidia.com/gpu', 1]]),
    });
  });
});

describe('podRequests and podNonZeroRequests of stored pods', () => {
  /** A pod as the store hands it out: deeply frozen. */
  function stored(input: PodSpecInput): Pod {
    return deepFreeze(structuredClone(pod(input)));
  }
  function deepFreeze<T>(value: T): T {
    if (typeof value === 'object' && value !== null) {
      for (const v of Object.values(value)) deepFreeze(v);
      Object.freeze(value);
    }
    return value;
  }

  it('answers again for the same spec with an independent vector', () => {
    const p = stored({ containers: [{ requests: { cpu: '100m', memory: '128Mi' } }] });
    const first = podRequests(p);
    first.milliCPU = 0;
    first.scalar.set('example.com/x', 1);
    const again = podRequests({ ...p, status: { phase: 'Running' } });
    assert.equal(again.milliCPU, 100);
    assert.equal(again.scalar.size, 0);
    assert.deepEqual(podRequests(p, { useStatusResources: false }), again);
    const nz = podNonZeroRequests(p);
    nz.memory = 0;
    assert.equal(podNonZeroRequests(p).memory, 128 * 1024 * 1024);
  });

  it('follows container statuses that report resources, for the same spec', () => {
    const p = stored({ containers: [{ requests: { cpu: '100m' } }] });
    assert.equal(podRequests(p).milliCPU, 100);
    const resized = { ...p, status: { containerStatuses: [status('container-1', { requests: { cpu: '300m' } })] } };
    assert.equal(podRequests(resized).milliCPU, 300);
    assert.equal(podRequests(resized, { useStatusResources: false }).milliCPU, 100);
    assert.equal(podRequests(p).milliCPU, 100);
  });

  it('shares answers between specs with the same containers only while nothing else in the spec counts', () => {
    const p = stored({ containers: [{ requests: { cpu: '100m', memory: '128Mi' } }] });
    assert.equal(podRequests(p).milliCPU, 100);
    // Bound: a new spec object around the same frozen containers.
    /** `p` with more spec fields, around the same frozen containers. */
    const withSpec = (extra: Record<string, unknown>): Pod => deepFreeze({ ...p, spec: { ...p.spec, ...extra } } as Pod);
    const bound = withSpec({ nodeName: 'node-1' });
    assert.equal(podRequests(bound).milliCPU, 100);
    assert.equal(podNonZeroRequests(bound).memory, 128 * 1024 * 1024);
    const withOverhead = withSpec({ overhead: { cpu: '50m' } });
    assert.equal(podRequests(withOverhead).milliCPU, 150);
    const withInit = withSpec({ initContainers: [{ name: 'init', image: 'busybox', resources: { requests: { cpu: '1' } } }] });
    assert.equal(podRequests(withInit).milliCPU, 1000);
    assert.equal(podNonZeroRequests(withInit).milliCPU, 1000);
    const podLevel = withSpec({ resources: { requests: { cpu: '2' } } });
    assert.equal(podRequests(podLevel).milliCPU, 2000);
    assert.equal(podRequests(p).milliCPU, 100);
  });

  it('answers podRequestQuantities again with independent maps, with and without container defaults', () => {
    const p = stored({ containers: [{ requests: { cpu: '100m' } }] });
    const defaults = new Map([['cpu', parseQuantity('1')], ['memory', parseQuantity('1Gi')]]);
    const first = podRequestQuantities(p);
    first.set('cpu', parseQuantity('9'));
    first.set('example.com/x', parseQuantity('1'));
    assert.deepEqual([...podRequestQuantities(p)].map(([k, q]) => [k, q.toString()]), [['cpu', '100m']]);
    const withDefaults = () => [...podRequestQuantities(p, { nonMissingContainerRequests: defaults })].map(([k, q]) => [k, q.toString()]);
    assert.deepEqual(withDefaults(), [['cpu', '100m'], ['memory', '1Gi']]);
    const other = new Map([['memory', parseQuantity('2Gi')]]);
    assert.deepEqual([...podRequestQuantities(p, { nonMissingContainerRequests: other })].map(([k, q]) => [k, q.toString()]), [['cpu', '100m'], ['memory', '2Gi']]);
    assert.deepEqual(withDefaults(), [['cpu', '100m'], ['memory', '1Gi']]);
  });
});

describe('podRequests against a model of the pod lifecycle', () => {
  /**
   * An independent statement of the sidecar KEP: the pod passes through one moment per ordinary init
   * container (that container plus every sidecar started before it) and then the steady state (all
   * sidecars plus all regular containers); it needs the largest moment, plus its overhead.
   */
  function modelRequests(cs: readonly ContainerSpec[], inits: readonly ContainerSpec[], overhead: ResourceList): Record<string, bigint> {
    const milli = (list: ResourceList | undefined, name: string): bigint => (list?.[name] === undefined ? 0n : parseQuantity(list[name]!).milliValue());
    const names = ['cpu', 'memory', 'nvidia.com/gpu'];
    const out: Record<string, bigint> = {};
    for (const name of names) {
      let started = 0n;
      let peak = 0n;
      for (const ic of inits) {
        if (ic.sidecar) started += milli(ic.requests, name);
        else peak = [peak, started + milli(ic.requests, name)].reduce((a, b) => (a > b ? a : b));
      }
      let steady = started;
      for (const c of cs) steady += milli(c.requests, name);
      out[name] = (steady > peak ? steady : peak) + milli(overhead, name);
    }
    return out;
  }

  const amount = (unit: string): fc.Arbitrary<string | undefined> =>
    fc.option(fc.integer({ min: 0, max: 5000 }).map((n) => `${n}${unit}`), { nil: undefined });
  const requestsArb: fc.Arbitrary<ResourceList> = fc
    .record({ cpu: amount('m'), memory: amount('Mi'), 'nvidia.com/gpu': amount('') })
    .map((r) => Object.fromEntries(Object.entries(r).filter((e): e is [string, string] => e[1] !== undefined)));
  const containerArb: fc.Arbitrary<ContainerSpec> = fc.record({ requests: requestsArb, sidecar: fc.boolean() });

  it('matches the model for random pods', () => {
    fc.assert(
      fc.property(fc.array(containerArb, { maxLength: 4 }), fc.array(containerArb, { maxLength: 5 }), requestsArb, (cs, inits, overhead) => {
        const regular = cs.map((c) => ({ ...c, sidecar: false }));
        const p = pod({ containers: regular, initContainers: inits, overhead });
        const want = modelRequests(regular, inits, overhead);
        const v = podRequests(p);
        assert.equal(BigInt(v.milliCPU), (want['cpu'] ?? 0n) / 1n);
        assert.equal(BigInt(v.memory) * 1000n, want['memory'] ?? 0n);
        assert.equal(BigInt(v.scalar.get('nvidia.com/gpu') ?? 0) * 1000n, want['nvidia.com/gpu'] ?? 0n);
        // Non-zero requests never fall below the requests.
        const nz = podNonZeroRequests(p);
        assert.ok(nz.milliCPU >= v.milliCPU && nz.memory >= v.memory);
      }),
      { numRuns },
    );
  });
});
