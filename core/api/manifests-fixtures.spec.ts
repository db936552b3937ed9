/**
 * Loading and validation against the real-world manifests in `shared/fixtures` (copied unmodified
 * from upstream projects, see its README): every application, node and CRD must validate clean, the
 * CRDs must register with every CEL rule compiling, and every published example instance must
 * validate against its CRD. Variants are derived in the tests to show the CRD rules are live.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadManifestFiles, type LoadedManifest } from './manifests.js';
import { validateManifests } from './manifests-validation.js';
import { TypeRegistry } from './type-registry.js';
import type { CustomResourceDefinition, KubeObject } from './types.js';
import { fieldErrorString } from './validation-errors.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

function dir(name: string): string {
  return `${FIXTURES}${name}`;
}

function problems(report: ReturnType<typeof validateManifests>): string[] {
  return report.resources.flatMap((r) =>
    r.errors.map((e) => `${r.file.slice(FIXTURES.length)}:${e.line}:${e.col} ${r.kind ?? ''} ${r.name ?? ''}: ${e.path} ${e.message}`),
  );
}

describe('fixtures: real-world manifests', function () {
  this.timeout(60_000);

  before(function () {
    if (!existsSync(FIXTURES)) this.skip();
  });

  for (const name of ['apps', 'nodes', 'crds']) {
    it(`every manifest in ${name}/ validates clean`, () => {
      const load = loadManifestFiles([dir(name)]);
      assert.deepEqual(load.errors, []);
      assert.ok(load.manifests.length > 0);
      const report = validateManifests(load);
      assert.deepEqual(problems(report), []);
      assert.equal(report.summary.valid, load.manifests.length);
    });
  }

  it('loads the documents each README row describes', () => {
    const load = loadManifestFiles([dir('apps'), dir('nodes'), dir('crds'), dir('instances')]);
    const count = (file: string): number => load.manifests.filter((m) => m.source.file.endsWith(file)).length;
    assert.equal(count('microservices-demo-kubernetes-manifests.yaml'), 35);
    assert.equal(count('guestbook-all-in-one.yaml'), 6);
    assert.equal(count('http-redirect.yaml'), 5);
    // Four documents and a trailing empty one.
    assert.equal(count('rabbitmq-deploy-consumer.yaml'), 4);
    const job = load.manifests.find((m) => m.object.kind === 'Job');
    const command = (job?.object['spec'] as { template: { spec: { containers: { command: string[] }[] } } }).template.spec.containers[0]?.command;
    assert.ok(Array.isArray(command) && command.length > 0, 'a flow sequence with a trailing comma parses');
    const node = load.manifests.find((m) => m.source.file.endsWith('kwok-node.yaml'));
    assert.equal((node?.object['status'] as { capacity: Record<string, unknown> }).capacity['cpu'], 32);
  });

  describe('CRDs and their published instances', () => {
    let registry: TypeRegistry;
    let instances: LoadedManifest[];

    before(() => {
      registry = new TypeRegistry();
      for (const m of loadManifestFiles([dir('crds')]).manifests) {
        const r = registry.registerCrd(m.object as unknown as CustomResourceDefinition);
        assert.ok(r.ok, `${m.source.file}: ${r.errors.map(fieldErrorString).join('; ')}`);
        assert.deepEqual(r.errors.map(fieldErrorString), [], `${m.source.file} compiles completely (schemas and CEL rules)`);
      }
      instances = loadManifestFiles([dir('instances')]).manifests;
    });

    it('registers every CRD kind with the facts the API server needs', () => {
      const rollout = registry.lookup('argoproj.io/v1alpha1', 'Rollout');
      assert.deepEqual(rollout && { ...rollout }, {
        group: 'argoproj.io',
        versions: ['v1alpha1'],
        kind: 'Rollout',
        plural: 'rollouts',
        namespaced: true,
        hasStatusSubresource: true,
        allowUnconditionalUpdate: false,
        tracksGeneration: true,
      });
      assert.equal(registry.lookup('gateway.networking.k8s.io/v1', 'GatewayClass')?.namespaced, false);
      assert.deepEqual(registry.lookup('gateway.networking.k8s.io/v1beta1', 'HTTPRoute')?.versions, ['v1', 'v1beta1']);
      assert.deepEqual(registry.lookup('templates.gatekeeper.sh/v1beta1', 'ConstraintTemplate')?.versions, ['v1', 'v1alpha1', 'v1beta1']);
      // ExternalSecret v1beta1 is `served: false`.
      assert.equal(registry.lookup('external-secrets.io/v1beta1', 'ExternalSecret'), undefined);
    });

    it('validates every instance; only the TriggerAuthentication, whose CRD is absent, has no kind', () => {
      const report = validateManifests({ manifests: instances, errors: [], files: [] }, { registry });
      assert.deepEqual(problems(report), [
        'instances/keda/rabbitmq-deploy-consumer.yaml:52:1 TriggerAuthentication rabbitmq-consumer-trigger:  no matches for kind "TriggerAuthentication" in version "keda.sh/v1alpha1"',
      ]);
      assert.equal(report.summary.errors, 1);
      assert.equal(report.summary.invalid, 0);
    });

    it('applies CRD defaults (an HTTPRoute match without a path gets PathPrefix /)', () => {
      const route = instances.find((m) => m.object.kind === 'HTTPRoute' && m.object.metadata.name === 'default-match-route');
      assert.ok(route);
      const r = registry.validate(route.object);
      assert.deepEqual(r.errors, []);
      const match = (r.object['spec'] as { rules: { matches: { path?: unknown }[] }[] }).rules[0]?.matches[0];
      assert.deepEqual(match?.path, { type: 'PathPrefix', value: '/' });
    });

    function variant(kind: string, name: string, edit: (o: Record<string, any>) => void): KubeObject {
      const m = instances.find((x) => x.object.kind === kind && x.object.metadata.name === name);
      assert.ok(m, `${kind} ${name}`);
      const copy = structuredClone(m.object) as Record<string, any>;
      edit(copy);
      return copy as KubeObject;
    }

    it('evaluates the CRDs CEL rules (KEDA, Gateway API, cert-manager)', () => {
      const so = variant('ScaledObject', 'example-scaledobject', (o) => {
        o['spec'].minReplicaCount = 200;
        delete o['spec'].maxReplicaCount;
      });
      assert.deepEqual(registry.validate(so).errors.map(fieldErrorString), ['spec: Invalid value: minReplicaCount must be less than or equal to maxReplicaCount']);

      const route = variant('HTTPRoute', 'http-app-1', (o) => {
        o['spec'].rules[0].matches = [{ path: { type: 'PathPrefix', value: 'no-slash' } }];
      });
      assert.deepEqual(registry.validate(route).errors.map(fieldErrorString), [
        "spec.rules[0].matches[0].path: Invalid value: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
      ]);

      const issuer = variant('Issuer', 'letsencrypt-staging', (o) => {
        o['spec'].venafi = { zone: 'z', tpp: { url: 'https://tpp', credentialsRef: { name: 'c' } }, cloud: { apiTokenSecretRef: { name: 't', key: 'k' } } };
      });
      assert.deepEqual(registry.validate(issuer).errors.map(fieldErrorString), ['spec.venafi: Invalid value: exactly one of tpp, cloud, or ngts must be configured']);
    });

    it('runs transition rules on updates only (GatewayClass controllerName, Rollout selector)', () => {
      const gc = instances.find((m) => m.object.kind === 'GatewayClass')?.object;
      assert.ok(gc);
      const changed = structuredClone(gc) as Record<string, any>;
      changed['spec'].controllerName = 'example.net/another-controller';
      assert.deepEqual(registry.validate(changed as KubeObject).errors, []);
      assert.deepEqual(registry.validate(changed as KubeObject, { oldObj: gc }).errors.map(fieldErrorString), [
        'spec.controllerName: Invalid value: "example.net/another-controller": field is immutable',
      ]);

      const rollout = instances.find((m) => m.object.kind === 'Rollout')?.object;
      assert.ok(rollout);
      const moved = structuredClone(rollout) as Record<string, any>;
      moved['spec'].selector = { matchLabels: { app: 'elsewhere' } };
      assert.deepEqual(registry.validate(moved as KubeObject, { oldObj: rollout }).errors.map(fieldErrorString), [
        'spec.selector: Invalid value: .spec.selector is immutable',
      ]);
    });

    it('prunes and reports unknown fields of custom resources', () => {
      const cert = variant('Certificate', 'istio-ca', (o) => {
        o['spec'].duratoin = '1h';
      });
      const r = registry.validate(cert);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.unknownFields.map((u) => u.field), ['spec.duratoin']);
      assert.equal('duratoin' in (r.object['spec'] as object), false);
    });
  });
});
