/**
 * Admission: the policy extension point (contract, order relative to defaulting and validation,
 * denials, misbehaving policies) and the built-in plugins (NamespaceLifecycle,
 * DefaultTolerationSeconds, Priority, LimitRanger).
 */
import { strict as assert } from 'node:assert';
import { ConfigError, PluginError } from '../errors.js';
import { isForbidden, isNotFound } from '../store/api-error.js';
import { defineAdmissionPolicy, type AdmissionPolicyDefinition, type AdmissionRequest } from './admission-policy.js';
import { deployment, fail, field, harness, ok, pod } from './apiserver-test-kit.js';

const NOT_READY = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const UNREACHABLE = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };

describe('admission', () => {
  describe('defineAdmissionPolicy', () => {
    const bad: [string, Partial<AdmissionPolicyDefinition>][] = [
      ['an empty name', { name: '' }],
      ['no operations', { operations: [] }],
      ['an unknown operation', { operations: ['CONNECT' as never] }],
      ['no kinds', { kinds: [] }],
      ['a malformed kind', { kinds: ['apps/Deploy ment'] }],
      ['neither mutate nor validate', { validate: undefined }],
    ];
    for (const [what, patch] of bad) {
      it(`rejects ${what} with ConfigError`, () => {
        const def: AdmissionPolicyDefinition = { name: 'p', operations: ['CREATE'], kinds: ['Pod'], validate: () => ({ allowed: true }), ...patch };
        assert.throws(() => defineAdmissionPolicy(def), ConfigError);
      });
    }

    it('a duplicate name is a ConfigError at registration', () => {
      const p = defineAdmissionPolicy({ name: 'p', operations: ['CREATE'], kinds: ['*'], validate: () => ({ allowed: true }) });
      const { api } = harness({ policies: [p] });
      assert.throws(() => api.addAdmissionPolicy(p), ConfigError);
      assert.deepEqual(api.admissionPolicies().map((x) => x.name), ['p']);
    });
  });

  describe('policies in the pipeline', () => {
    it('a validating policy sees the defaulted object, after the built-in plugins', () => {
      let seen: AdmissionRequest | undefined;
      const p = defineAdmissionPolicy({
        name: 'spy',
        operations: ['CREATE'],
        kinds: ['Pod'],
        validate: (req) => {
          seen = req;
          return { allowed: true };
        },
      });
      const { client } = harness({ policies: [p] });
      ok(client.create(pod('web')));
      assert.ok(seen !== undefined);
      assert.equal(seen.operation, 'CREATE');
      assert.equal(seen.kind, 'Pod');
      assert.equal(seen.namespace, 'default');
      assert.equal(seen.name, 'web');
      assert.deepEqual(seen.userInfo, { username: 'test' });
      assert.equal(field(seen.object, 'spec', 'restartPolicy'), 'Always');
      assert.equal(field(seen.object, 'spec', 'priority'), 0);
      assert.deepEqual(field(seen.object, 'spec', 'tolerations'), [NOT_READY, UNREACHABLE]);
      assert.deepEqual(field(seen.object, 'status'), { phase: 'Pending', qosClass: 'BestEffort' });
      assert.ok(Object.isFrozen(seen.object));
      assert.ok(Object.isFrozen(field(seen.object, 'spec')));
    });

    it('a mutating policy sees the defaulted object; its patch is validated and visible to validators', () => {
      const order: string[] = [];
      const addLabel = defineAdmissionPolicy({
        name: 'add-label',
        operations: ['CREATE'],
        kinds: ['apps/Deployment'],
        mutate: (req) => {
          order.push(`mutate replicas=${String(field(req.object, 'spec', 'replicas'))}`);
          return { allowed: true, patch: { metadata: { labels: { team: 'a' } }, spec: { replicas: 2 } } };
        },
      });
      const check = defineAdmissionPolicy({
        name: 'check',
        operations: ['CREATE'],
        kinds: ['apps/*'],
        validate: (req) => {
          order.push(`validate team=${String(field(req.object, 'metadata', 'labels', 'team'))}`);
          return { allowed: true };
        },
      });
      const { client } = harness({ policies: [check, addLabel] });
      const d = ok(client.create(deployment('web')));
      assert.deepEqual(order, ['mutate replicas=1', 'validate team=a']);
      assert.equal(field(d, 'spec', 'replicas'), 2);
      assert.deepEqual(field(d, 'metadata', 'labels'), { team: 'a' });
    });

    it("a mutating policy's invalid value is rejected by validation (422) and a removed default comes back", () => {
      const breaks = defineAdmissionPolicy({ name: 'breaks', operations: ['CREATE'], kinds: ['apps/Deployment'], mutate: () => ({ allowed: true, patch: { spec: { replicas: 'many' } } }) });
      const { client } = harness({ policies: [breaks] });
      const err = fail(client.create(deployment('web')));
      assert.equal(err.code, 422);
      assert.equal(err.message, 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');

      const strips = defineAdmissionPolicy({ name: 'strips', operations: ['CREATE'], kinds: ['apps/Deployment'], mutate: () => ({ allowed: true, patch: { spec: { revisionHistoryLimit: null, bogus: 1 } } }) });
      const h = harness({ policies: [strips] });
      const d = ok(h.client.create(deployment('web')));
      assert.equal(field(d, 'spec', 'revisionHistoryLimit'), 10);
      // A field a policy adds that the schema does not know is pruned, not a strict decoding error.
      assert.equal(field(d, 'spec', 'bogus'), undefined);
    });

    it('a replacement object is taken as is (and must keep its identity)', () => {
      const replace = defineAdmissionPolicy({
        name: 'replace',
        operations: ['CREATE'],
        kinds: ['Pod'],
        mutate: (req) => ({ allowed: true, object: { ...req.object, metadata: { ...req.object.metadata, annotations: { replaced: 'yes' } } } }),
      });
      const { client } = harness({ policies: [replace] });
      assert.deepEqual(field(ok(client.create(pod('p'))), 'metadata', 'annotations'), { replaced: 'yes' });
      const rename = defineAdmissionPolicy({
        name: 'rename',
        operations: ['CREATE'],
        kinds: ['Pod'],
        mutate: (req) => ({ allowed: true, object: { ...req.object, metadata: { ...req.object.metadata, name: 'other' } } }),
      });
      const h = harness({ policies: [rename] });
      const err = fail(h.client.create(pod('p')));
      assert.equal(err.code, 500);
      assert.equal(err.message, 'Internal error occurred: plugin rename (admission mutate): changed the object\'s metadata.name');
    });

    it('a denial is 403 in the in-process form: <resource> "<name>" is forbidden: <reason>', () => {
      const deny = defineAdmissionPolicy({ name: 'no-latest', operations: ['CREATE'], kinds: ['Pod'], validate: () => ({ allowed: false, reason: 'images must be pinned' }) });
      const { client } = harness({ policies: [deny] });
      const err = fail(client.create(pod('web')));
      assert.ok(isForbidden(err));
      assert.equal(err.code, 403);
      assert.equal(err.message, 'pods "web" is forbidden: images must be pinned');
      assert.deepEqual(err.details, { name: 'web', group: '', kind: 'pods' });
      const generated = fail(client.create({ ...pod(''), metadata: { generateName: 'web-', namespace: 'default' } }));
      assert.equal(generated.message, 'pods "web-" is forbidden: images must be pinned');
      const apps = fail(harness({ policies: [defineAdmissionPolicy({ name: 'd', operations: ['CREATE'], kinds: ['*'], mutate: () => ({ allowed: false, reason: 'no' }) })] }).client.create(deployment('web')));
      assert.equal(apps.message, 'deployments.apps "web" is forbidden: no');
    });

    it('a denial with another code keeps its message and gets the matching reason', () => {
      const deny = defineAdmissionPolicy({ name: 'quota', operations: ['CREATE'], kinds: ['Pod'], validate: () => ({ allowed: false, reason: 'too many pods', code: 429 }) });
      const err = fail(harness({ policies: [deny] }).client.create(pod('web')));
      assert.deepEqual(err, { code: 429, reason: 'TooManyRequests', message: 'too many pods' });
    });

    it('a policy that throws is reported as a PluginError naming it, and the request fails with 500', () => {
      const boom = defineAdmissionPolicy({
        name: 'boom',
        operations: ['CREATE'],
        kinds: ['Pod'],
        validate: () => {
          throw new Error('kaput');
        },
      });
      const { client, pluginErrors, store } = harness({ policies: [boom] });
      const err = fail(client.create(pod('web')));
      assert.equal(err.code, 500);
      assert.equal(err.reason, 'InternalError');
      assert.equal(err.message, 'Internal error occurred: plugin boom (admission validate): threw Error: kaput');
      assert.equal(pluginErrors.length, 1);
      const reported = pluginErrors[0];
      assert.ok(reported instanceof PluginError);
      assert.equal(reported.plugin, 'boom');
      assert.ok(isNotFound(store.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' })));
    });

    const garbage: [string, (req: AdmissionRequest) => unknown, RegExp][] = [
      ['undefined', () => undefined, /returned undefined; expected/],
      ['allowed not a boolean', () => ({ allowed: 'yes' }), /returned \{"allowed":"yes"\}/],
      ['a denial without reason', () => ({ allowed: false }), /denied without a reason string/],
      ['a denial with a bad code', () => ({ allowed: false, reason: 'x', code: 200 }), /denied with code 200/],
      ['a patch from validate', () => ({ allowed: true, patch: {} }), /only mutate may change the object/],
    ];
    for (const [what, fn, message] of garbage) {
      it(`a validate returning ${what} is a PluginError`, () => {
        const p = defineAdmissionPolicy({ name: 'g', operations: ['CREATE'], kinds: ['Pod'], validate: fn as never });
        const { client, pluginErrors } = harness({ policies: [p] });
        const err = fail(client.create(pod('web')));
        assert.equal(err.code, 500);
        assert.match(err.message, message);
        assert.equal(pluginErrors[0]?.plugin, 'g');
      });
    }

    it('a policy that modifies its frozen request is reported as such', () => {
      const sneaky = defineAdmissionPolicy({
        name: 'sneaky',
        operations: ['CREATE'],
        kinds: ['Pod'],
        mutate: (req) => {
          (req.object.metadata as { labels?: unknown }).labels = { sneaky: 'yes' };
          return { allowed: true };
        },
      });
      const { client, pluginErrors } = harness({ policies: [sneaky] });
      const err = fail(client.create(pod('web')));
      assert.equal(err.code, 500);
      assert.match(err.message, /^Internal error occurred: plugin sneaky \(admission mutate\): modified its request, whose objects are frozen/);
      assert.equal(pluginErrors.length, 1);
    });

    it('policies match by operation and kind; UPDATE carries oldObject; DELETE can be denied', () => {
      const seen: string[] = [];
      const p = defineAdmissionPolicy({
        name: 'watchful',
        operations: ['UPDATE', 'DELETE'],
        kinds: ['ConfigMap'],
        validate: (req) => {
          seen.push(`${req.operation} old=${String(field(req.oldObject ?? { apiVersion: '', kind: '', metadata: {} }, 'data', 'v'))}`);
          return req.operation === 'DELETE' ? { allowed: false, reason: 'keep it' } : { allowed: true };
        },
      });
      const { client } = harness({ policies: [p] });
      const cm = ok(client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { v: '1' } }));
      ok(client.update({ ...cm, data: { v: '2' } }));
      const err = fail(client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c' }));
      assert.equal(err.message, 'configmaps "c" is forbidden: keep it');
      ok(client.create(pod('p')));
      assert.deepEqual(seen, ['UPDATE old=1', 'DELETE old=2']);
    });

    it('a mutation returned for a DELETE is a PluginError', () => {
      const p = defineAdmissionPolicy({ name: 'm', operations: ['DELETE'], kinds: ['Pod'], mutate: () => ({ allowed: true, patch: { metadata: { labels: { a: 'b' } } } }) });
      const { client } = harness({ policies: [p] });
      ok(client.create(pod('p')));
      assert.match(fail(client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'p' })).message, /returned a patch or object for a DELETE/);
    });

    it('policies do not see subresource requests (status, binding)', () => {
      let calls = 0;
      const p = defineAdmissionPolicy({ name: 'count', operations: ['CREATE', 'UPDATE'], kinds: ['Pod'], validate: () => (calls++, { allowed: true }) });
      const { client } = harness({ policies: [p] });
      ok(client.create(pod('p')));
      ok(client.bind({ namespace: 'default', podName: 'p', nodeName: 'n1' }));
      const bound = ok(client.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'p' }));
      ok(client.updateStatus({ ...bound, status: { phase: 'Running' } }));
      assert.equal(calls, 1);
    });
  });

  describe('NamespaceLifecycle', () => {
    it('the system namespaces exist at boot', () => {
      const { client } = harness();
      const names = ok(client.list({ apiVersion: 'v1', kind: 'Namespace' })).items.map((n) => n.metadata.name);
      assert.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    });

    it('no creates or updates in a missing namespace: 404 namespaces "x" not found', () => {
      const { client } = harness();
      const err = fail(client.create(pod('p', { namespace: 'nope' })));
      assert.equal(err.code, 404);
      assert.equal(err.message, 'namespaces "nope" not found');
      // The plugin runs before validation: an invalid object gets the 404 first.
      assert.equal(fail(client.create(pod('P', { namespace: 'nope' }))).code, 404);
    });

    it('no creates in a terminating namespace: 403 with the NamespaceTerminating cause', () => {
      const { client } = harness();
      ok(client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', finalizers: ['example.com/hold'] } }));
      ok(client.create(pod('before', { namespace: 'team' })));
      const deleting = ok(client.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'team' }));
      assert.equal(deleting.deleted, false);
      const err = fail(client.create(pod('after', { namespace: 'team' })));
      assert.equal(err.code, 403);
      assert.equal(err.message, 'pods "after" is forbidden: unable to create new content in namespace team because it is being terminated');
      assert.deepEqual(err.details?.causes, [{ reason: 'NamespaceTerminating', message: 'namespace team is being terminated', field: 'metadata.namespace' }]);
      // Updates and deletes of what is there go on.
      const before = ok(client.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'team', name: 'before' }));
      ok(client.update({ ...before, metadata: { ...before.metadata, labels: { x: 'y' } } }));
      ok(client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'team', name: 'before' }));
    });

    it('default, kube-system and kube-public cannot be deleted', () => {
      const { client } = harness();
      for (const ns of ['default', 'kube-system', 'kube-public']) {
        const err = fail(client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns }));
        assert.equal(err.code, 403);
        assert.equal(err.message, `namespaces "${ns}" is forbidden: this namespace may not be deleted`);
      }
      assert.equal(ok(client.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'kube-node-lease' })).deleted, true);
    });
  });

  describe('DefaultTolerationSeconds', () => {
    const cases: [string, unknown[], unknown[]][] = [
      ['no tolerations: both added', [], [NOT_READY, UNREACHABLE]],
      [
        'a not-ready toleration: only unreachable added',
        [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }],
        [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }, UNREACHABLE],
      ],
      ['tolerating everything: nothing added', [{ operator: 'Exists' }], [{ operator: 'Exists' }]],
      [
        'a NoSchedule toleration for the key does not count',
        [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }],
        [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, NOT_READY, UNREACHABLE],
      ],
    ];
    for (const [what, given, want] of cases) {
      it(what, () => {
        const { client } = harness();
        const p = ok(client.create(pod('p', { spec: given.length === 0 ? {} : { tolerations: given } })));
        assert.deepEqual(field(p, 'spec', 'tolerations'), want);
      });
    }
  });

  describe('Priority', () => {
    const pc = (name: string, value: number, extra: Record<string, unknown> = {}) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra });

    it('no class and no default: priority 0, PreemptLowerPriority, no class name', () => {
      const { client } = harness();
      const p = ok(client.create(pod('p')));
      assert.equal(field(p, 'spec', 'priority'), 0);
      assert.equal(field(p, 'spec', 'preemptionPolicy'), 'PreemptLowerPriority');
      assert.equal(field(p, 'spec', 'priorityClassName'), undefined);
    });

    it('a named class sets priority and preemption policy; the built-in critical classes exist', () => {
      const { client } = harness();
      ok(client.create(pc('batch', 100, { preemptionPolicy: 'Never' })));
      const p = ok(client.create(pod('p', { spec: { priorityClassName: 'batch' } })));
      assert.equal(field(p, 'spec', 'priority'), 100);
      assert.equal(field(p, 'spec', 'preemptionPolicy'), 'Never');
      const crit = ok(client.create(pod('c', { spec: { priorityClassName: 'system-cluster-critical' } })));
      assert.equal(field(crit, 'spec', 'priority'), 2_000_000_000);
      const node = ok(client.create(pod('n', { spec: { priorityClassName: 'system-node-critical' } })));
      assert.equal(field(node, 'spec', 'priority'), 2_000_001_000);
    });

    it('the global default class applies to pods without a class', () => {
      const { client } = harness();
      ok(client.create(pc('normal', 50, { globalDefault: true })));
      const p = ok(client.create(pod('p')));
      assert.equal(field(p, 'spec', 'priorityClassName'), 'normal');
      assert.equal(field(p, 'spec', 'priority'), 50);
    });

    it('a missing class: 403 no PriorityClass with name X was found', () => {
      const { client } = harness();
      const err = fail(client.create(pod('p', { spec: { priorityClassName: 'gold' } })));
      assert.equal(err.code, 403);
      assert.equal(err.message, 'pods "p" is forbidden: no PriorityClass with name gold was found');
    });

    it('a priority that disagrees with the class: 403', () => {
      const { client } = harness();
      const err = fail(client.create(pod('p', { spec: { priority: 7 } })));
      assert.equal(err.message, 'pods "p" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name');
    });

    it('only one global default class', () => {
      const { client } = harness();
      ok(client.create(pc('a', 1, { globalDefault: true })));
      const err = fail(client.create(pc('b', 2, { globalDefault: true })));
      assert.equal(err.code, 403);
      assert.equal(err.message, 'priorityclasses.scheduling.k8s.io "b" is forbidden: PriorityClass a is already marked as default. Only one default can exist');
    });
  });

  describe('LimitRanger', () => {
    it("fills a new pod's missing requests and limits from the namespace's LimitRange and says so", () => {
      const { client } = harness();
      ok(
        client.create({
          apiVersion: 'v1',
          kind: 'LimitRange',
          metadata: { name: 'defaults', namespace: 'default' },
          spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' } }] },
        }),
      );
      const p = ok(client.create(pod('p', { spec: { containers: [{ name: 'app', image: 'x:1', resources: { limits: { memory: '1Gi' } } }] } })));
      assert.deepEqual(field(p, 'spec', 'containers', 0, 'resources'), { limits: { memory: '1Gi', cpu: '500m' }, requests: { memory: '1Gi', cpu: '100m' } });
      // Requests were defaulted from limits before admission, so only the cpu request is the LimitRange's.
      assert.equal(field(p, 'metadata', 'annotations', 'kubernetes.io/limit-ranger'), 'LimitRanger plugin set: cpu request for container app; cpu limit for container app');
      assert.equal(field(p, 'status', 'qosClass'), 'Burstable');
      const bare = ok(client.create(pod('q')));
      // The LimitRange itself was defaulted: its defaultRequest took the memory default.
      assert.equal(field(bare, 'metadata', 'annotations', 'kubernetes.io/limit-ranger'), 'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app');
    });
  });
});
