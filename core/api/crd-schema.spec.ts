import assert from 'node:assert/strict';
import { compileCrd } from './crd-schema.js';
import { TypeRegistry } from './type-registry.js';
import type { CustomResourceDefinition, JSONSchemaProps, KubeObject } from './types.js';
import { fieldErrorString, unknownFieldMessage } from './validation-errors.js';

/** A CRD `widgets.example.com` whose v1 spec schema is `spec`. */
function crd(spec: JSONSchemaProps, extra: { rootValidations?: unknown[]; scope?: string; status?: boolean } = {}): CustomResourceDefinition {
  const root: JSONSchemaProps = {
    type: 'object',
    properties: { spec, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
  };
  if (extra.rootValidations !== undefined) (root as Record<string, unknown>)['x-kubernetes-validations'] = extra.rootValidations;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: extra.scope ?? 'Namespaced',
      names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: root },
          ...(extra.status === false ? {} : { subresources: { status: {} } }),
        },
      ],
    },
  };
}

function widget(spec: unknown, metadata: Record<string, unknown> = { name: 'w', namespace: 'default' }): KubeObject {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata, spec } as KubeObject;
}

function registryWith(spec: JSONSchemaProps, extra?: Parameters<typeof crd>[1]): TypeRegistry {
  const reg = new TypeRegistry();
  const r = reg.registerCrd(crd(spec, extra));
  assert.ok(r.ok, JSON.stringify(r.errors));
  assert.deepEqual(r.errors.map(fieldErrorString), []);
  return reg;
}

/** Errors, then unknown fields, as strict field validation reports them. */
function errors(reg: TypeRegistry, obj: KubeObject, old?: KubeObject): string[] {
  const r = reg.validate(obj, old === undefined ? {} : { oldObj: old });
  return [...r.errors.map(fieldErrorString), ...r.unknownFields.map((u) => `${u.field}: ${unknownFieldMessage(u)}`)];
}

describe('crd-schema: registration', () => {
  it('derives the KindInfo from the CRD', () => {
    const reg = new TypeRegistry();
    const r = reg.registerCrd(crd({ type: 'object' }));
    assert.ok(r.ok);
    assert.deepEqual(r.info, {
      group: 'example.com',
      versions: ['v1'],
      kind: 'Widget',
      plural: 'widgets',
      namespaced: true,
      hasStatusSubresource: true,
      allowUnconditionalUpdate: false,
      tracksGeneration: true,
    });
    assert.equal(reg.lookup('example.com/v1', 'Widget'), r.info);
    assert.equal(reg.lookup('example.com/v2', 'Widget'), undefined);
    assert.equal(reg.isCustom('example.com', 'Widget'), true);
    const cluster = new TypeRegistry().registerCrd(crd({ type: 'object' }, { scope: 'Cluster', status: false }));
    assert.ok(cluster.ok);
    assert.equal(cluster.info.namespaced, false);
    assert.equal(cluster.info.hasStatusSubresource, false);
  });

  it('lists served versions with the storage version first and ignores unserved ones', () => {
    const c = crd({ type: 'object' });
    const schema = { openAPIV3Schema: { type: 'object' } };
    c.spec.versions = [
      { name: 'v1beta1', served: true, storage: false, schema },
      { name: 'v1', served: true, storage: true, schema },
      { name: 'v1alpha1', served: false, storage: false, schema },
    ];
    const reg = new TypeRegistry();
    const r = reg.registerCrd(c);
    assert.ok(r.ok);
    assert.deepEqual(r.info.versions, ['v1', 'v1beta1']);
    assert.ok(reg.lookup('example.com/v1beta1', 'Widget'));
    assert.equal(reg.lookup('example.com/v1alpha1', 'Widget'), undefined);
    // A root schema without properties prunes everything but apiVersion, kind and metadata.
    assert.deepEqual(errors(reg, widget({}, { name: 'w' })), ['spec: unknown field "spec"']);
    const old = { ...widget({}), apiVersion: 'example.com/v1alpha1' };
    assert.deepEqual(errors(reg, old), ['no matches for kind "Widget" in version "example.com/v1alpha1"']);
  });

  it('reports malformed CRDs without registering them', () => {
    const bad = crd({ type: 'object' });
    bad.metadata = { name: 'widgets' };
    bad.spec.group = 'example';
    bad.spec.scope = 'Galaxy';
    const r = new TypeRegistry().registerCrd(bad);
    assert.deepEqual(r.errors.map(fieldErrorString), [
      'spec.group: Invalid value: "example": should be a domain with at least one dot',
      'spec.scope: Unsupported value: "Galaxy": supported values: "Cluster", "Namespaced"',
      'metadata.name: Invalid value: "widgets": must be spec.names.plural+"."+spec.group',
    ]);
    const noVersions = crd({ type: 'object' });
    noVersions.spec.versions = [];
    const nv = new TypeRegistry().registerCrd(noVersions);
    assert.equal(nv.ok, false);
    assert.deepEqual(nv.errors.map(fieldErrorString), ['spec.versions: Required value: must have exactly one version marked as storage version']);
    assert.equal(new TypeRegistry().registerCrd({ ...noVersions, spec: undefined } as unknown as CustomResourceDefinition).ok, false);
  });

  it('refuses built-in kinds and kinds served by another CRD, and replaces a CRD of the same name', () => {
    const reg = new TypeRegistry();
    const pod = crd({ type: 'object' });
    pod.spec.group = 'apps';
    pod.metadata = { name: 'deployments.apps' };
    pod.spec.names = { kind: 'Deployment', plural: 'deployments' };
    const builtin = reg.registerCrd(pod);
    assert.equal(builtin.ok, false);
    assert.match(builtin.errors.map(fieldErrorString).join('\n'), /Deployment\.apps is a built-in kind/);

    assert.ok(reg.registerCrd(crd({ type: 'object' })).ok);
    const twin = crd({ type: 'object' });
    twin.metadata = { name: 'gadgets.example.com' };
    twin.spec.names = { kind: 'Widget', plural: 'gadgets' };
    const clash = reg.registerCrd(twin);
    assert.equal(clash.ok, false);
    assert.match(clash.errors.map(fieldErrorString).join('\n'), /already served by CustomResourceDefinition "widgets.example.com"/);

    const strict = crd({ type: 'object', properties: { size: { type: 'integer' } } });
    assert.ok(reg.registerCrd(strict).ok);
    assert.deepEqual(errors(reg, widget({ size: 'big' })), ['spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"']);
    assert.equal(reg.kinds().filter((k) => k.kind === 'Widget').length, 1);

    assert.equal(reg.unregisterCrd('widgets.example.com'), true);
    assert.equal(reg.unregisterCrd('widgets.example.com'), false);
    assert.equal(reg.lookup('example.com/v1', 'Widget'), undefined);
  });

  it('reports rules and patterns that do not compile once, and keeps the rest working', () => {
    const c = crd({
      type: 'object',
      'x-kubernetes-validations': [{ rule: 'self.a ==' }, { rule: 'self.a == 1', message: 'a must be 1' }],
      properties: { a: { type: 'integer' }, b: { type: 'string', pattern: '(?<!x)y(?i)' } },
    });
    const reg = new TypeRegistry();
    const r = reg.registerCrd(c);
    assert.ok(r.ok);
    const msgs = r.errors.map(fieldErrorString);
    assert.equal(msgs.length, 2);
    assert.match(msgs[0] ?? '', /^spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\.spec\.properties\.b\.pattern: Invalid value: .*pattern is not supported/);
    assert.match(msgs[1] ?? '', /^spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\.spec\.x-kubernetes-validations\[0\]\.rule: Invalid value: "self\.a ==": compilation failed: /);
    assert.deepEqual(errors(reg, widget({ a: 2, b: 'anything' })), ['spec: Invalid value: a must be 1']);
  });

  it('compileCrd reports a missing schema but keeps the version', () => {
    const c = crd({ type: 'object' });
    delete (c.spec.versions[0] as { schema?: unknown }).schema;
    const r = compileCrd(c);
    assert.deepEqual(r.errors.map(fieldErrorString), ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']);
    assert.ok(r.crd?.versions.get('v1'));
  });
});

describe('crd-schema: validating custom resources', () => {
  it('applies defaults, including inside arrays and in defaulted objects', () => {
    const reg = registryWith({
      type: 'object',
      properties: {
        replicas: { type: 'integer', default: 1 },
        policy: { type: 'object', default: {}, properties: { mode: { type: 'string', default: 'Allow' } } },
        ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } } } },
      },
    });
    const input = widget({ ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] });
    const r = reg.validate(input);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.object['spec'], { ports: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], replicas: 1, policy: { mode: 'Allow' } });
    assert.deepEqual(input['spec'], { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }, 'input untouched');
  });

  it('prunes unknown fields at every level, reporting them, but keeps preserved subtrees and maps', () => {
    const reg = registryWith({
      type: 'object',
      properties: {
        known: { type: 'object', properties: { a: { type: 'string' } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        mixed: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { n: { type: 'integer' } } },
        empty: { type: 'object' },
      },
    });
    const obj = widget({
      known: { a: 'x', b: 'y' },
      labels: { any: 'thing' },
      raw: { deep: { x: 1 } },
      mixed: { n: 1, extra: true },
      empty: { gone: 1 },
      top: 1,
    });
    const r = reg.validate(obj);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.unknownFields.map((u) => u.field), ['spec.known.b', 'spec.empty.gone', 'spec.top']);
    assert.deepEqual(r.object['spec'], { known: { a: 'x' }, labels: { any: 'thing' }, raw: { deep: { x: 1 } }, mixed: { n: 1, extra: true }, empty: {} });
  });

  it('drops null from non-nullable fields before defaulting, and keeps it where nullable', () => {
    const reg = registryWith({
      type: 'object',
      properties: {
        withDefault: { type: 'string', default: 'd' },
        plain: { type: 'string' },
        nullable: { type: 'string', nullable: true },
      },
    });
    const r = reg.validate(widget({ withDefault: null, plain: null, nullable: null }));
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.object['spec'], { withDefault: 'd', nullable: null });
  });

  it('checks int-or-string, enums, bounds, patterns, lengths, items and formats with upstream wording', () => {
    const reg = registryWith({
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 2, maxLength: 5, pattern: '^[a-z]+$' },
        port: { 'x-kubernetes-int-or-string': true },
        mode: { type: 'string', enum: ['A', 'B'] },
        weight: { type: 'integer', minimum: 0, maximum: 100 },
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true },
        tags: { type: 'array', maxItems: 2, items: { type: 'string' } },
        when: { type: 'string', format: 'date-time' },
        addr: { type: 'string', format: 'ipv4' },
        blob: { type: 'string', format: 'byte' },
        count: { type: 'integer', format: 'int32' },
        anything: { type: 'string', format: 'made-up' },
      },
    });
    assert.deepEqual(errors(reg, widget({ name: 'abc', port: 80, mode: 'A', weight: 5, ratio: 0.5, tags: ['a'], when: '2024-01-01T00:00:00Z', addr: '10.0.0.1', blob: 'aGk=', count: 1, anything: '?' })), []);
    assert.deepEqual(errors(reg, widget({ name: 'abc', port: 'http' })), []);
    assert.deepEqual(
      errors(
        reg,
        widget({ name: 'ABCDEFG', port: true, mode: 'C', weight: 101, ratio: 0, tags: ['a', 'b', 'c'], when: 'yesterday', addr: '10.0.0', blob: '!!' }),
      ),
      [
        'spec.name: Too long: may not be more than 5 bytes',
        "spec.name: Invalid value: \"ABCDEFG\": spec.name in body should match '^[a-z]+$'",
        'spec.port: Invalid value: "boolean": spec.port in body must be of type integer or string: "boolean"',
        'spec.mode: Unsupported value: "C": supported values: "A", "B"',
        'spec.weight: Invalid value: 101: spec.weight in body should be less than or equal to 100',
        'spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0',
        'spec.tags: Too many: 3: must have at most 2 items',
        'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
        'spec.addr: Invalid value: "10.0.0": spec.addr in body must be of type ipv4: "10.0.0"',
        'spec.blob: Invalid value: "!!": spec.blob in body must be of type byte: "!!"',
      ],
    );
    assert.deepEqual(errors(reg, widget({ name: 'a' })), ['spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long']);
    assert.deepEqual(errors(reg, widget({})), ['spec.name: Required value']);
  });

  it('validates metadata as ObjectMeta without pruning it, and checks the name', () => {
    const reg = registryWith({ type: 'object' });
    const ok = reg.validate(widget({}, { name: 'w', labels: { a: 'b' }, annotations: { x: 'y' }, creationTimestamp: null }));
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.object.metadata, { name: 'w', labels: { a: 'b' }, annotations: { x: 'y' }, creationTimestamp: null });
    assert.deepEqual(errors(reg, widget({}, { name: 'W!', labels: 'x', lables: {} })), [
      'metadata.labels: Invalid value: "string": metadata.labels in body must be of type object: "string"',
      `metadata.name: Invalid value: "W!": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      'metadata.lables: unknown field "metadata.lables"',
    ]);
  });

  it('handles embedded resources: apiVersion and kind required, metadata checked as ObjectMeta', () => {
    const reg = registryWith({
      type: 'object',
      properties: {
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
      },
    });
    assert.deepEqual(errors(reg, widget({ template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 1 } } })), []);
    assert.deepEqual(errors(reg, widget({ template: { metadata: { name: 1 } } })), [
      'spec.template.apiVersion: Required value',
      'spec.template.kind: Required value',
      'spec.template.metadata.name: Invalid value: "integer": spec.template.metadata.name in body must be of type string: "integer"',
    ]);
  });

  it('checks x-kubernetes-list-type set and map uniqueness', () => {
    const reg = registryWith({
      type: 'object',
      properties: {
        set: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        map: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, v: { type: 'integer' } } },
        },
      },
    });
    assert.deepEqual(errors(reg, widget({ set: ['a', 'b', 'a'], map: [{ name: 'x', v: 1 }, { name: 'x', v: 2 }] })), [
      'spec.set[2]: Duplicate value: "a"',
      'spec.map[1]: Duplicate value: {"name":"x"}',
    ]);
  });

  describe('CEL rules', () => {
    it('evaluates rules at every level with integers as CEL ints', () => {
      const reg = registryWith({
        type: 'object',
        'x-kubernetes-validations': [{ rule: 'self.min <= self.max', message: 'min must not exceed max' }, { rule: 'self.max * 2 <= 100' }],
        properties: {
          min: { type: 'integer' },
          max: { type: 'integer' },
          items: {
            type: 'array',
            items: { type: 'object', 'x-kubernetes-validations': [{ rule: "self.name.startsWith('x-')", message: 'names start with x-' }], properties: { name: { type: 'string' } } },
          },
        },
      });
      assert.deepEqual(errors(reg, widget({ min: 1, max: 10, items: [{ name: 'x-a' }] })), []);
      assert.deepEqual(errors(reg, widget({ min: 70, max: 60, items: [{ name: 'x-a' }, { name: 'b' }] })), [
        'spec: Invalid value: min must not exceed max',
        'spec: Invalid value: failed rule: self.max * 2 <= 100',
        'spec.items[1]: Invalid value: names start with x-',
      ]);
    });

    it('sees apiVersion, kind and metadata.name at the resource root', () => {
      const reg = registryWith({ type: 'object' }, { rootValidations: [{ rule: "self.metadata.name.startsWith('w') && self.kind == 'Widget' && !has(self.metadata.labels)", message: 'root rule' }] });
      assert.deepEqual(errors(reg, widget({}, { name: 'w1', labels: { a: 'b' } })), []);
      assert.deepEqual(errors(reg, widget({}, { name: 'v1' })), ['Invalid value: root rule']);
    });

    it('evaluates rules after defaulting', () => {
      const reg = registryWith({
        type: 'object',
        'x-kubernetes-validations': [{ rule: 'self.replicas >= 1', message: 'needs replicas' }],
        properties: { replicas: { type: 'integer', default: 0 } },
      });
      assert.deepEqual(errors(reg, widget({})), ['spec: Invalid value: needs replicas']);
    });

    it('skips rules when the schema found blocking errors, and says so', () => {
      const reg = registryWith({
        type: 'object',
        'x-kubernetes-validations': [{ rule: 'self.n > 5' }],
        properties: { n: { type: 'integer' } },
      });
      assert.deepEqual(errors(reg, widget({ n: 'x' })), [
        'spec.n: Invalid value: "string": spec.n in body must be of type integer: "string"',
        'Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
      ]);
    });

    it('runs transition rules only on updates, with oldSelf correlated by field and list-map key', () => {
      const reg = registryWith({
        type: 'object',
        properties: {
          id: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'id is immutable' }] },
          ports: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: {
              type: 'object',
              properties: { name: { type: 'string' }, port: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'ports only grow' }] } },
            },
          },
        },
      });
      const v1 = widget({ id: 'a', ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53 }] });
      assert.deepEqual(errors(reg, v1), []);
      const v2 = widget({ id: 'b', ports: [{ name: 'dns', port: 50 }, { name: 'http', port: 8080 }, { name: 'new', port: 1 }] });
      assert.deepEqual(errors(reg, v2), []);
      assert.deepEqual(errors(reg, v2, v1), [
        'spec.id: Invalid value: "b": id is immutable',
        'spec.ports[0].port: Invalid value: 50: ports only grow',
      ]);
    });
  });
});
