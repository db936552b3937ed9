import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { builtinKind, BUILTIN_KINDS, type KindInfo } from './kinds.js';
import type { KubeObject } from './types.js';
import { generatedValidator, isQuantityString, nameValidatorFor, validateBuiltinObject } from './validation.js';
import { fieldErrorString, strictDecodingMessage, unknownFieldMessage, type FieldError, type UnknownField } from './validation-errors.js';

function kind(group: string, k: string): KindInfo {
  const info = builtinKind(group, k);
  assert.ok(info, `${group}/${k} is built in`);
  return info;
}

function deployment(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'front' } },
        spec: { containers: [{ name: 'web', image: 'nginx', resources: { requests: { cpu: '250m', memory: '64Mi' } } }] },
      },
      ...spec,
    },
  };
}

function messages(errs: readonly FieldError[]): string[] {
  return errs.map(fieldErrorString);
}

function unknownLines(unknown: readonly UnknownField[]): string[] {
  return unknown.map((u) => `${u.field}: ${unknownFieldMessage(u)}`);
}

/** Errors, then unknown fields, as strict field validation reports them. */
function check(obj: KubeObject, group = 'apps', k = 'Deployment', version = 'v1'): string[] {
  const r = validateBuiltinObject(obj, kind(group, k), version);
  return [...messages(r.errors), ...unknownLines(r.unknownFields)];
}

describe('validation: built-in kinds', () => {
  it('accepts a valid Deployment and returns an equal copy', () => {
    const obj = deployment();
    const r = validateBuiltinObject(obj, kind('apps', 'Deployment'), 'v1');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.object, obj);
    assert.notEqual(r.object, obj);
  });

  it('has a generated validator for every built-in kind and version', () => {
    for (const info of BUILTIN_KINDS) {
      for (const v of info.versions) assert.ok(generatedValidator(info.group, v, info.kind), `${info.group}/${v}/${info.kind}`);
    }
    assert.equal(generatedValidator('example.com', 'v1', 'Nope'), undefined);
  });

  it('reports wrong types, missing required fields and unsupported values like the API server', () => {
    const obj = deployment({ replicas: 'three' });
    const spec = obj['spec'] as { template: { spec: { containers: Record<string, unknown>[] } } };
    const c = spec.template.spec.containers[0] as Record<string, unknown>;
    delete c['name'];
    c['imagePullPolicy'] = 'Sometimes';
    c['ports'] = [{ containerPort: '80' }];
    const r = validateBuiltinObject(obj, kind('apps', 'Deployment'), 'v1');
    assert.deepEqual(messages(r.errors), [
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      'spec.template.spec.containers[0].name: Required value',
      'spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
      'spec.template.spec.containers[0].ports[0].containerPort: Invalid value: "string": spec.template.spec.containers[0].ports[0].containerPort in body must be of type integer: "string"',
    ]);
    assert.deepEqual(r.errors.map((e) => e.expected), ['integer', undefined, 'one of "Always", "IfNotPresent", "Never"', 'integer']);
    assert.deepEqual(r.errors[0]?.path, ['spec', 'replicas']);
    assert.equal(r.errors[0]?.type, 'FieldValueTypeInvalid');
  });

  it('never mutates its input', () => {
    const obj = deployment({ replica: 3 });
    const before = structuredClone(obj);
    validateBuiltinObject(obj, kind('apps', 'Deployment'), 'v1');
    assert.deepEqual(obj, before);
  });

  describe('unknown fields', () => {
    it('reports and prunes them, and knows free-form maps', () => {
      const obj = deployment({ replica: 3 });
      const spec = obj['spec'] as { template: { spec: { containers: Record<string, unknown>[]; nodeSelector?: unknown } } };
      spec.template.spec.nodeSelector = { 'kubernetes.io/os': 'linux', anything: 'goes' };
      (spec.template.spec.containers[0] as Record<string, unknown>)['imagePullPolicyy'] = 'Always';
      const r = validateBuiltinObject(obj, kind('apps', 'Deployment'), 'v1');
      assert.deepEqual(r.errors, []);
      // In the order the object's keys are visited: `replica` was added after `template`.
      assert.deepEqual(r.unknownFields, [
        { field: 'spec.template.spec.containers[0].imagePullPolicyy', path: ['spec', 'template', 'spec', 'containers', 0, 'imagePullPolicyy'] },
        { field: 'spec.replica', path: ['spec', 'replica'] },
      ]);
      assert.equal(
        strictDecodingMessage(r.unknownFields),
        'strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy", unknown field "spec.replica"',
      );
      const out = r.object['spec'] as Record<string, unknown>;
      assert.equal('replica' in out, false);
      assert.equal('imagePullPolicyy' in ((out['template'] as { spec: { containers: object[] } }).spec.containers[0] as object), false);
      assert.deepEqual((out['template'] as { spec: { nodeSelector: unknown } }).spec.nodeSelector, { 'kubernetes.io/os': 'linux', anything: 'goes' });
    });

    it('finds them in metadata, in lists and in status', () => {
      const obj: KubeObject = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'n1', lables: { a: 'b' } } as KubeObject['metadata'],
        spec: { taints: [{ key: 'k', effect: 'NoSchedule', efect: 'x' }] },
        status: { capacity: { cpu: 32, pods: '110' }, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: null, extra: 1 }] },
      };
      assert.deepEqual(check(obj, '', 'Node'), [
        'metadata.lables: unknown field "metadata.lables"',
        'spec.taints[0].efect: unknown field "spec.taints[0].efect"',
        'status.conditions[0].extra: unknown field "status.conditions[0].extra"',
      ]);
    });

    it('accepts the description and x-kubernetes-* fields the generated validators do not read', () => {
      const pc: KubeObject = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000, description: 'important' };
      assert.deepEqual(check(pc, 'scheduling.k8s.io', 'PriorityClass'), []);
      // ...but only on the types that declare them.
      assert.deepEqual(check(deployment({ description: 'x' })), ['spec.description: unknown field "spec.description"']);
    });

    it('relies on the generated validators dropping no other declared property', function () {
      // The package's .d.ts files list every API property; its validators read all but these.
      const require = createRequire(import.meta.url);
      const roots = [dirname(require.resolve('kubernetes-models')), dirname(createRequire(require.resolve('kubernetes-models')).resolve('@kubernetes-models/apimachinery'))];
      const declared = new Set<string>();
      const read = new Set<string>();
      const walk = (dir: string): void => {
        for (const name of readdirSync(dir)) {
          const p = join(dir, name);
          if (statSync(p).isDirectory()) {
            if (name !== 'node_modules') walk(p);
          } else if (p.endsWith('.d.ts') && !p.includes('_schemas')) {
            for (const m of readFileSync(p, 'utf8').matchAll(/^\s+"([^"]+)"\??:/gm)) declared.add(m[1] as string);
          } else if (p.includes('_schemas') && p.endsWith('.js')) {
            const src = readFileSync(p, 'utf8');
            for (const m of src.matchAll(/data\.([A-Za-z_$][\w$]*)/g)) read.add(m[1] as string);
            for (const m of src.matchAll(/data\["([^"]+)"\]|missingProperty:"([^"]+)"/g)) read.add((m[1] ?? m[2]) as string);
          }
        }
      };
      this.timeout(60_000);
      for (const r of roots) walk(r);
      const dropped = [...declared].filter((n) => !read.has(n)).sort();
      assert.ok(dropped.length > 0);
      for (const n of dropped) assert.match(n, /^(?:description|x-kubernetes-.*)$/, `unexpected property not read by the generated validators: ${n}`);
    });
  });

  describe('quantities', () => {
    it('rejects strings that do not parse, including suffixes the generated pattern lets through', () => {
      const obj = deployment();
      const spec = obj['spec'] as { template: { spec: { containers: { resources: { requests: Record<string, unknown>; limits?: Record<string, unknown> } }[] } } };
      const res = spec.template.spec.containers[0]?.resources;
      assert.ok(res);
      res.requests = { cpu: '2 cores', memory: '1ki', storage: '1h', 'example.com/gpu': 1, ephemeral: '1.5Gi' };
      res.limits = { cpu: true };
      const regex = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
      // In schema order: limits before requests.
      assert.deepEqual(check(obj), [
        'spec.template.spec.containers[0].resources.limits.cpu: Invalid value: "boolean": spec.template.spec.containers[0].resources.limits.cpu in body must be of type number or string: "boolean"',
        `spec.template.spec.containers[0].resources.requests.cpu: Invalid value: "2 cores": ${regex}`,
        `spec.template.spec.containers[0].resources.requests.memory: Invalid value: "1ki": unable to parse quantity's suffix`,
        `spec.template.spec.containers[0].resources.requests.storage: Invalid value: "1h": ${regex}`,
      ]);
    });

    it('isQuantityString follows the quantity parser', () => {
      for (const ok of ['1', '500m', '1.5Gi', '1e3', '.5', '1.', '+2k', '128974848']) assert.equal(isQuantityString(ok), true, ok);
      for (const bad of ['', 'abc', '1h', '5d', '1Y', '1.5.5', '2 cores', '1ki']) assert.equal(isQuantityString(bad), false, bad);
    });

    it('accepts int-or-string values and rejects other types', () => {
      const obj = deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } } });
      assert.deepEqual(check(obj), []);
      const bad = deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: true } } });
      assert.deepEqual(check(bad), [
        'spec.strategy.rollingUpdate.maxSurge: Invalid value: "boolean": spec.strategy.rollingUpdate.maxSurge in body must be of type string or integer: "boolean"',
      ]);
    });
  });

  describe('names', () => {
    it('requires metadata.name unless generateName is set', () => {
      const noName: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} };
      assert.deepEqual(check(noName, '', 'ConfigMap'), ['metadata.name: Required value: name or generateName is required']);
      const noMeta = { apiVersion: 'v1', kind: 'ConfigMap' } as unknown as KubeObject;
      assert.deepEqual(check(noMeta, '', 'ConfigMap'), ['metadata.name: Required value: name or generateName is required']);
      const generated: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'cm-' } };
      assert.deepEqual(check(generated, '', 'ConfigMap'), []);
    });

    it('checks names with the rule of the kind', () => {
      const sub = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
      assert.deepEqual(check({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }, '', 'ConfigMap'), [`metadata.name: Invalid value: "Bad_Name": ${sub}`]);
      assert.deepEqual(check({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a.b.c' } }, '', 'ConfigMap'), []);
      assert.deepEqual(check({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } }, '', 'Namespace'), ['metadata.name: Invalid value: "a.b": must not contain dots']);
      assert.deepEqual(nameValidatorFor('', 'Service')('1abc').length, 1);
      assert.deepEqual(nameValidatorFor('', 'Service')('abc-1'), []);
      assert.deepEqual(nameValidatorFor('rbac.authorization.k8s.io', 'ClusterRole')('system:controller:foo'), []);
      assert.deepEqual(nameValidatorFor('rbac.authorization.k8s.io', 'ClusterRole')('a/b'), ["may not contain '/'"]);
      assert.deepEqual(nameValidatorFor('rbac.authorization.k8s.io', 'Role')('..'), ["may not be '..'"]);
    });

    it('checks metadata.namespace when set', () => {
      const obj: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'Team_A' } };
      assert.equal(check(obj, '', 'ConfigMap').length, 1);
      assert.match(check(obj, '', 'ConfigMap')[0] ?? '', /^metadata\.namespace: Invalid value: "Team_A": a lowercase RFC 1123 label/);
    });
  });

  describe('apps/v1 selectors', () => {
    it('reports a selector that does not match the template labels', () => {
      assert.deepEqual(check(deployment({ selector: { matchLabels: { app: 'api' } } })), [
        'spec.template.metadata.labels: Invalid value: {"app":"web","tier":"front"}: `selector` does not match template `labels`',
      ]);
    });

    it('understands matchExpressions', () => {
      assert.deepEqual(check(deployment({ selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] } })), []);
      assert.equal(check(deployment({ selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] } })).length, 1);
      assert.deepEqual(check(deployment({ selector: { matchExpressions: [{ key: 'tier', operator: 'Near' }] } })), [
        'spec.selector: Invalid value: {"matchExpressions":[{"key":"tier","operator":"Near"}]}: invalid label selector',
      ]);
    });

    it('rejects an empty selector', () => {
      const ds: KubeObject = {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'ds' },
        spec: { selector: {}, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
      };
      assert.deepEqual(check(ds, 'apps', 'DaemonSet'), ['spec.selector: Invalid value: {}: empty selector is invalid for daemonset']);
    });

    it('leaves a missing selector to the schema check', () => {
      const obj = deployment();
      delete (obj['spec'] as Record<string, unknown>)['selector'];
      assert.deepEqual(check(obj), ['spec.selector: Required value']);
    });
  });
});
