/**
 * The request pipeline: upstream error reasons, codes and texts, built-in defaulting per kind, QoS
 * classes, create/update/status strategies, patches, Service allocation and request records.
 */
import { strict as assert } from 'node:assert';
import type { KubeObject } from '../api/types.js';
import { isAlreadyExists, isConflict, isInvalid, isNotFound } from '../store/api-error.js';
import { deployment, fail, field, harness, ok, pod } from './apiserver-test-kit.js';
import { podQosClass } from './pod-qos.js';
import { POD_UPDATABLE_FIELDS_MESSAGE } from './pod-update-validation.js';

const POD = (name: string, namespace = 'default') => ({ apiVersion: 'v1', kind: 'Pod', namespace, name }) as const;

describe('RequestPipeline', () => {
  describe('errors: reasons, codes and messages', () => {
    it('a kind that is not served: 404 NotFound, the server could not find the requested resource', () => {
      const { client } = harness();
      const err = fail(client.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' } }));
      assert.equal(err.code, 404);
      assert.equal(err.reason, 'NotFound');
      assert.equal(err.message, 'the server could not find the requested resource');
    });

    it("a body without kind: 400 BadRequest Object 'Kind' is missing", () => {
      const { client } = harness();
      const err = fail(client.create({ apiVersion: 'v1', kind: '', metadata: { name: 'x' } }));
      assert.equal(err.code, 400);
      assert.match(err.message, /^Object 'Kind' is missing in '\{/);
    });

    it('unknown fields: 400 strict decoding error naming every field', () => {
      const { client } = harness();
      const body = deployment('web', { replica: 3 });
      const err = fail(client.create(body));
      assert.equal(err.code, 400);
      assert.equal(err.reason, 'BadRequest');
      assert.equal(err.message, 'strict decoding error: unknown field "spec.replica"');
      const two = fail(client.create({ ...pod('p'), spec: { containers: [{ name: 'a', image: 'x', imagePullPolicyy: 'Always' }], foo: 1 } }));
      assert.equal(two.message, 'strict decoding error: unknown field "spec.containers[0].imagePullPolicyy", unknown field "spec.foo"');
    });

    it('schema violations: 422 Invalid with the kind, name and field errors', () => {
      const { client } = harness();
      const err = fail(client.create(deployment('web', { replicas: 'three' })));
      assert.equal(err.code, 422);
      assert.equal(err.reason, 'Invalid');
      assert.equal(err.message, 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
      assert.deepEqual(err.details?.causes?.map((c) => c.field), ['spec.replicas']);
      assert.equal(err.details?.kind, 'Deployment');
      assert.equal(err.details?.group, 'apps');
    });

    it('409 AlreadyExists, 409 Conflict on a stale resourceVersion, 404 NotFound', () => {
      const { client } = harness();
      const created = ok(client.create(pod('a')));
      const dup = fail(client.create(pod('a')));
      assert.ok(isAlreadyExists(dup));
      assert.equal(dup.message, 'pods "a" already exists');
      ok(client.update({ ...created, metadata: { ...created.metadata, labels: { x: '1' } } }));
      const stale = fail(client.update({ ...created, metadata: { ...created.metadata, labels: { x: '2' } } }));
      assert.ok(isConflict(stale));
      assert.equal(stale.message, 'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again');
      const missing = fail(client.update(pod('nope')));
      assert.ok(isNotFound(missing));
      assert.equal(missing.message, 'pods "nope" not found');
      assert.equal(fail(client.delete(POD('nope'))).message, 'pods "nope" not found');
      assert.equal(fail(client.get(POD('nope'))).code, 404);
    });

    it('400 when a namespaced object names no namespace', () => {
      const { client } = harness();
      const err = fail(client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }));
      assert.equal(err.code, 400);
      assert.equal(err.message, 'Namespace parameter required.');
    });

    it('custom resources never take unconditional updates (the store rule)', () => {
      const { client } = harness();
      const pc = ok(client.create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 }));
      // Built-ins may: an update without resourceVersion succeeds.
      const { resourceVersion: _rv, ...meta } = pc.metadata;
      ok(client.update({ ...pc, metadata: meta, description: 'x' }));
    });
  });

  describe('built-in defaulting', () => {
    it('Pod: the PodSpec and container defaults', () => {
      const { client } = harness();
      const p = ok(client.create(pod('p', { spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }] }] } })));
      const spec = field(p, 'spec') as Record<string, unknown>;
      assert.equal(spec.restartPolicy, 'Always');
      assert.equal(spec.terminationGracePeriodSeconds, 30);
      assert.equal(spec.dnsPolicy, 'ClusterFirst');
      assert.equal(spec.schedulerName, 'default-scheduler');
      assert.equal(spec.enableServiceLinks, true);
      assert.deepEqual(spec.securityContext, {});
      assert.equal(spec.priority, 0);
      assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');
      const c = field(p, 'spec', 'containers', 0) as Record<string, unknown>;
      assert.equal(c.imagePullPolicy, 'Always');
      assert.equal(c.terminationMessagePath, '/dev/termination-log');
      assert.equal(c.terminationMessagePolicy, 'File');
      assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
    });

    const pullPolicies: [string, string][] = [
      ['nginx', 'Always'],
      ['nginx:latest', 'Always'],
      ['nginx:1.27', 'IfNotPresent'],
      ['registry.local:5000/team/nginx', 'Always'],
      ['registry.local:5000/team/nginx:2', 'IfNotPresent'],
      ['nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000', 'IfNotPresent'],
    ];
    for (const [image, policy] of pullPolicies) {
      it(`Pod: image ${image} gets imagePullPolicy ${policy}`, () => {
        const { client } = harness();
        const p = ok(client.create(pod('p', { spec: { containers: [{ name: 'app', image }] } })));
        assert.equal(field(p, 'spec', 'containers', 0, 'imagePullPolicy'), policy);
      });
    }

    it('Pod: requests default to limits, resource by resource; probes get their defaults', () => {
      const { client } = harness();
      const p = ok(
        client.create(
          pod('p', {
            spec: {
              containers: [
                {
                  name: 'app',
                  image: 'x:1',
                  resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } },
                  readinessProbe: { httpGet: { port: 8080 } },
                },
              ],
            },
          }),
        ),
      );
      assert.deepEqual(field(p, 'spec', 'containers', 0, 'resources', 'requests'), { cpu: '500m', memory: '1Gi' });
      assert.deepEqual(field(p, 'spec', 'containers', 0, 'readinessProbe'), {
        httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      });
    });

    const kinds: { readonly name: string; readonly body: KubeObject; readonly expect: readonly [readonly (string | number)[], unknown][] }[] = [
      {
        name: 'Deployment',
        body: deployment('web'),
        expect: [
          [['spec', 'replicas'], 1],
          [['spec', 'strategy'], { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }],
          [['spec', 'revisionHistoryLimit'], 10],
          [['spec', 'progressDeadlineSeconds'], 600],
          [['spec', 'template', 'spec', 'restartPolicy'], 'Always'],
          [['spec', 'template', 'spec', 'enableServiceLinks'], undefined],
          [['status'], {}],
        ],
      },
      {
        name: 'ReplicaSet',
        body: { ...deployment('rs'), kind: 'ReplicaSet' },
        expect: [
          [['spec', 'replicas'], 1],
          [['status'], { replicas: 0 }],
        ],
      },
      {
        name: 'DaemonSet',
        body: { ...deployment('ds'), kind: 'DaemonSet' },
        expect: [
          [['spec', 'updateStrategy'], { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }],
          [['spec', 'revisionHistoryLimit'], 10],
          [['status'], { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }],
        ],
      },
      {
        name: 'StatefulSet',
        body: { ...deployment('ss', { serviceName: 'ss' }), kind: 'StatefulSet' },
        expect: [
          [['spec', 'replicas'], 1],
          [['spec', 'podManagementPolicy'], 'OrderedReady'],
          [['spec', 'updateStrategy'], { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }],
          [['spec', 'persistentVolumeClaimRetentionPolicy'], { whenDeleted: 'Retain', whenScaled: 'Retain' }],
        ],
      },
      {
        name: 'Job',
        body: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5' }] } } } },
        expect: [
          [['spec', 'completions'], 1],
          [['spec', 'parallelism'], 1],
          [['spec', 'backoffLimit'], 6],
          [['spec', 'completionMode'], 'NonIndexed'],
          [['spec', 'suspend'], false],
          [['spec', 'podReplacementPolicy'], 'TerminatingOrFailed'],
          [['spec', 'selector', 'matchLabels', 'batch.kubernetes.io/controller-uid'], '00000000-0000-4000-8000-000000000007'],
          [['spec', 'template', 'metadata', 'labels'], {
            'job-name': 'pi',
            'batch.kubernetes.io/job-name': 'pi',
            'controller-uid': '00000000-0000-4000-8000-000000000007',
            'batch.kubernetes.io/controller-uid': '00000000-0000-4000-8000-000000000007',
          }],
          [['status'], {}],
        ],
      },
      {
        name: 'CronJob',
        body: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'default' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x:1' }] } } } } } },
        expect: [
          [['spec', 'concurrencyPolicy'], 'Allow'],
          [['spec', 'successfulJobsHistoryLimit'], 3],
          [['spec', 'failedJobsHistoryLimit'], 1],
          [['spec', 'suspend'], false],
          [['spec', 'jobTemplate', 'spec', 'template', 'spec', 'dnsPolicy'], 'ClusterFirst'],
        ],
      },
      {
        name: 'Service',
        body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
        expect: [
          [['spec', 'type'], 'ClusterIP'],
          [['spec', 'sessionAffinity'], 'None'],
          [['spec', 'ports'], [{ port: 80, protocol: 'TCP', targetPort: 80 }]],
          [['spec', 'internalTrafficPolicy'], 'Cluster'],
          [['spec', 'clusterIP'], '10.96.1.1'],
          [['spec', 'clusterIPs'], ['10.96.1.1']],
          [['spec', 'ipFamilies'], ['IPv4']],
          [['spec', 'ipFamilyPolicy'], 'SingleStack'],
          [['status'], { loadBalancer: {} }],
        ],
      },
      {
        name: 'PriorityClass',
        body: { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 },
        expect: [[['preemptionPolicy'], 'PreemptLowerPriority']],
      },
      {
        name: 'EndpointSlice',
        body: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-1', namespace: 'default' }, addressType: 'IPv4', endpoints: [], ports: [{ port: 80 }] },
        expect: [[['ports'], [{ port: 80, name: '', protocol: 'TCP' }]]],
      },
      {
        name: 'Namespace',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
        expect: [
          [['metadata', 'labels'], { 'kubernetes.io/metadata.name': 'team-a' }],
          [['spec'], { finalizers: ['kubernetes'] }],
          [['status'], { phase: 'Active' }],
        ],
      },
      {
        name: 'Node',
        body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } },
        expect: [[['status'], { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' } }]],
      },
      {
        name: 'Secret',
        body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, stringData: { a: 'b' } },
        expect: [[['type'], 'Opaque']],
      },
      {
        name: 'PodDisruptionBudget',
        body: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'b', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } },
        expect: [[['status'], { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }]],
      },
      {
        name: 'LimitRange',
        body: { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'default' }, spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }] } },
        expect: [[['spec', 'limits', 0], { type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' }, default: { cpu: '2' }, defaultRequest: { cpu: '2', memory: '64Mi' } }]],
      },
      {
        name: 'Lease',
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } },
        expect: [[['spec'], { holderIdentity: 'n1', leaseDurationSeconds: 40 }]],
      },
    ];
    for (const k of kinds) {
      it(`${k.name}: defaults and create strategy`, () => {
        const { client } = harness();
        const created = ok(client.create(k.body));
        for (const [path, want] of k.expect) assert.deepEqual(field(created, ...path), want, path.join('.'));
      });
    }

    it('EndpointSlice: addressType is required', () => {
      const { client } = harness();
      const err = fail(client.create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e', namespace: 'default' }, endpoints: [] }));
      assert.ok(isInvalid(err));
      assert.match(err.message, /addressType: Required value/);
    });
  });

  describe('QoS class (status.qosClass, computed at creation)', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['no resources', { containers: [{ name: 'a', image: 'x' }] }, 'BestEffort'],
      ['requests only', { containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '100m' } } }] }, 'Burstable'],
      ['limits only (requests defaulted to them)', { containers: [{ name: 'a', image: 'x', resources: { limits: { cpu: '1', memory: '1Gi' } } }] }, 'Guaranteed'],
      ['limits without memory', { containers: [{ name: 'a', image: 'x', resources: { limits: { cpu: '1' } } }] }, 'Burstable'],
      ['requests below limits', { containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }] }, 'Burstable'],
      ['equal across two containers', { containers: [{ name: 'a', image: 'x', resources: { limits: { cpu: '1', memory: '1Gi' } } }, { name: 'b', image: 'x', resources: { limits: { cpu: '2', memory: '2Gi' } } }] }, 'Guaranteed'],
      ['one container without limits', { containers: [{ name: 'a', image: 'x', resources: { limits: { cpu: '1', memory: '1Gi' } } }, { name: 'b', image: 'x' }] }, 'Burstable'],
      ['zero quantities do not count', { containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '0', memory: '0' } } }] }, 'BestEffort'],
      ['extended resources do not count', { containers: [{ name: 'a', image: 'x', resources: { requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } } }] }, 'BestEffort'],
      ['init containers count', { initContainers: [{ name: 'i', image: 'x', resources: { requests: { cpu: '1' } } }], containers: [{ name: 'a', image: 'x' }] }, 'Burstable'],
      ['pod-level resources decide', { resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } }, containers: [{ name: 'a', image: 'x' }] }, 'Guaranteed'],
    ];
    for (const [name, spec, qos] of cases) {
      it(`${name}: ${qos}`, () => {
        const { client } = harness();
        const p = ok(client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec }));
        assert.equal(field(p, 'status', 'qosClass'), qos);
      });
    }

    it('podQosClass works on objects as they are given', () => {
      assert.equal(podQosClass({ spec: { containers: [{ resources: { requests: { memory: '1' } } }] } }), 'Burstable');
    });
  });

  describe('create and update strategies', () => {
    it('a pod starts Pending whatever status the client sent; spec.nodeName may be set (static assignment)', () => {
      const { client } = harness();
      const p = ok(client.create(pod('p', { spec: { nodeName: 'node-a' }, status: { phase: 'Running', podIP: '10.0.0.1' } })));
      assert.deepEqual(field(p, 'status'), { phase: 'Pending', qosClass: 'BestEffort' });
      assert.equal(field(p, 'spec', 'nodeName'), 'node-a');
    });

    it('a gated pod gets PodScheduled=False/SchedulingGated', () => {
      const { client } = harness();
      const p = ok(client.create(pod('p', { spec: { schedulingGates: [{ name: 'example.com/wait' }] } })));
      assert.deepEqual(field(p, 'status', 'conditions'), [
        { type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' },
      ]);
    });

    it('matchLabelKeys of pod affinity terms become selector requirements', () => {
      const { client } = harness();
      const term = { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } }, matchLabelKeys: ['pod-template-hash'] };
      const p = ok(client.create(pod('p', { labels: { app: 'web', 'pod-template-hash': 'abc' }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } } })));
      assert.deepEqual(field(p, 'spec', 'affinity', 'podAntiAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 0, 'labelSelector'), {
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'pod-template-hash', operator: 'In', values: ['abc'] }],
      });
    });

    it('a Node keeps the status it registers with', () => {
      const { client } = harness();
      const n = ok(client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }));
      assert.deepEqual(field(n, 'status', 'conditions'), [{ type: 'Ready', status: 'True' }]);
    });

    it('pods/status changes only status; qosClass is backfilled and immutable', () => {
      const { client } = harness();
      const p = ok(client.create(pod('p')));
      const next = ok(client.updateStatus({ ...p, spec: { containers: [{ name: 'other', image: 'x' }] }, status: { phase: 'Running' } }));
      assert.deepEqual(field(next, 'status'), { phase: 'Running', qosClass: 'BestEffort' });
      assert.equal(field(next, 'spec', 'containers', 0, 'name'), 'app');
      const err = fail(client.updateStatus({ ...next, status: { phase: 'Running', qosClass: 'Guaranteed' } }));
      assert.equal(err.message, 'Pod "p" is invalid: status.qosClass: Invalid value: "Guaranteed": field is immutable');
    });

    it('pods/status rejects unknown status fields (400) and ill-typed ones (422)', () => {
      const { client } = harness();
      const p = ok(client.create(pod('p')));
      assert.equal(fail(client.updateStatus({ ...p, status: { phase: 'Running', bogus: 1 } })).message, 'strict decoding error: unknown field "status.bogus"');
      assert.equal(fail(client.updateStatus({ ...p, status: { phase: 'Running', podIP: 7 } })).code, 422);
    });

    it('status of a kind without a status subresource: 404', () => {
      const { client } = harness();
      const cm = ok(client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } }));
      assert.equal(fail(client.updateStatus(cm)).code, 404);
    });

    it('a pod update may change images and add tolerations, nothing else in spec', () => {
      const { client } = harness();
      const p = ok(client.create(pod('p')));
      const spec = field(p, 'spec') as Record<string, unknown>;
      const containers = spec.containers as Record<string, unknown>[];
      const tolerations = spec.tolerations as unknown[];
      const image = ok(client.update({ ...p, spec: { ...spec, containers: [{ ...containers[0], image: 'nginx:1.28' }], tolerations: [...tolerations, { key: 'k', operator: 'Exists' }] } }));
      assert.equal(field(image, 'spec', 'containers', 0, 'image'), 'nginx:1.28');
      const err = fail(client.update({ ...image, spec: { ...(field(image, 'spec') as object), nodeName: 'node-a' } }));
      assert.equal(err.code, 422);
      assert.equal(err.message, `Pod "p" is invalid: spec: Forbidden: ${POD_UPDATABLE_FIELDS_MESSAGE}`);
      const removed = fail(client.update({ ...image, spec: { ...(field(image, 'spec') as object), tolerations: [] } }));
      assert.match(removed.message, /spec\.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds/);
    });

    it('an update that leaves out the defaults gets them again (and the priority back)', () => {
      const { client } = harness();
      const p = ok(client.create(pod('p')));
      const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', labels: { a: 'b' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };
      const next = ok(client.update(bare));
      assert.deepEqual(field(next, 'spec'), field(p, 'spec'));
      assert.deepEqual(field(next, 'metadata', 'labels'), { a: 'b' });
    });

    it('spec changes bump a Deployment generation; status does not', () => {
      const { client } = harness();
      const d = ok(client.create(deployment('web')));
      const scaled = ok(client.patch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' }, { spec: { replicas: 3 } }));
      assert.equal(field(scaled, 'spec', 'replicas'), 3);
      assert.equal(scaled.metadata.generation, (d.metadata.generation ?? 0) + 1);
      const status = ok(client.patch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' }, { status: { replicas: 3 } }, { subresource: 'status' }));
      assert.deepEqual(field(status, 'status'), { replicas: 3 });
      assert.equal(status.metadata.generation, scaled.metadata.generation);
    });

    it('a merge patch that sets an unknown field: 400; one that breaks the schema: 422', () => {
      const { client } = harness();
      ok(client.create(deployment('web')));
      const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' } as const;
      assert.equal(fail(client.patch(ref, { spec: { replica: 3 } })).message, 'strict decoding error: unknown field "spec.replica"');
      assert.equal(fail(client.patch(ref, { spec: { replicas: -1 } })).message, 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
      assert.equal(fail(client.patch(ref, 'x')).code, 400);
    });
  });

  describe('Service allocation', () => {
    const svc = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }], ...spec } });

    it('allocates cluster IPs in order from the dynamic band, and releases them on delete', () => {
      const { client } = harness();
      assert.equal(field(ok(client.create(svc('a'))), 'spec', 'clusterIP'), '10.96.1.1');
      assert.equal(field(ok(client.create(svc('b'))), 'spec', 'clusterIP'), '10.96.1.2');
      ok(client.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'a' }));
      const taken = fail(client.create(svc('c', { clusterIP: '10.96.1.2' })));
      assert.equal(taken.message, 'Service "c" is invalid: spec.clusterIPs[0]: Invalid value: "10.96.1.2": failed to allocate IP 10.96.1.2: provided IP is already allocated');
      assert.equal(field(ok(client.create(svc('c', { clusterIP: '10.96.1.1' }))), 'spec', 'clusterIP'), '10.96.1.1');
      const outside = fail(client.create(svc('d', { clusterIP: '192.168.0.1' })));
      assert.match(outside.message, /the provided IP \(192\.168\.0\.1\) is not in the valid range\. The range of valid IPs is 10\.96\.0\.0\/12/);
    });

    it('headless and ExternalName services get no IP; the kubernetes service takes the first address', () => {
      const { client } = harness({ bootstrap: { kubernetesService: true } });
      assert.equal(field(ok(client.get({ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'kubernetes' })), 'spec', 'clusterIP'), '10.96.0.1');
      assert.deepEqual(field(ok(client.create(svc('h', { clusterIP: 'None' }))), 'spec', 'clusterIPs'), ['None']);
      assert.equal(field(ok(client.create(svc('e', { type: 'ExternalName', externalName: 'example.com' }))), 'spec', 'clusterIP'), undefined);
    });

    it('NodePort services get node ports; an update keeps IP and ports, and the IP is immutable', () => {
      const { client } = harness();
      const created = ok(client.create(svc('np', { type: 'NodePort' })));
      const port = field(created, 'spec', 'ports', 0, 'nodePort');
      assert.equal(typeof port, 'number');
      assert.ok((port as number) >= 30000 && (port as number) <= 32767);
      assert.equal(field(created, 'spec', 'externalTrafficPolicy'), 'Cluster');
      const updated = ok(client.update({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'np', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }));
      assert.equal(field(updated, 'spec', 'clusterIP'), field(created, 'spec', 'clusterIP'));
      assert.equal(field(updated, 'spec', 'ports', 0, 'nodePort'), port);
      const moved = fail(client.update({ ...updated, spec: { ...(field(updated, 'spec') as object), clusterIP: '10.96.9.9', clusterIPs: ['10.96.9.9'] } }));
      assert.match(moved.message, /spec\.clusterIPs\[0\]: Invalid value: .*: may not change once set/);
      const dup = fail(client.create(svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] })));
      assert.match(dup.message, /spec\.ports\[0\]\.nodePort: Invalid value: \d+: provided port is already allocated/);
    });
  });

  describe('request records', () => {
    it('reports instance, user agent, verb, kind, namespace, name and code', () => {
      const { client, records } = harness();
      records.length = 0;
      ok(client.create(deployment('web')));
      fail(client.create(deployment('web')));
      ok(client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' }));
      ok(client.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'default' }));
      assert.deepEqual(records, [
        { instance: 'apiserver-0', userAgent: 'test', verb: 'create', kind: 'apps/Deployment', namespace: 'default', name: 'web', code: 201 },
        { instance: 'apiserver-0', userAgent: 'test', verb: 'create', kind: 'apps/Deployment', namespace: 'default', name: 'web', code: 409 },
        { instance: 'apiserver-0', userAgent: 'test', verb: 'get', kind: 'apps/Deployment', namespace: 'default', name: 'web', code: 200 },
        { instance: 'apiserver-0', userAgent: 'test', verb: 'list', kind: 'Pod', namespace: 'default', code: 200 },
      ]);
    });
  });

  describe('determinism', () => {
    it('two control planes fed the same requests store identical objects', () => {
      const run = (): string => {
        const { client, store } = harness({ bootstrap: { kubernetesService: true } });
        ok(client.create(deployment('web')));
        ok(client.create({ ...pod(''), metadata: { generateName: 'web-', namespace: 'default' } }));
        ok(client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }));
        return JSON.stringify(store.listAll());
      };
      assert.equal(run(), run());
    });
  });
});
