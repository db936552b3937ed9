/**
 * CustomResourceDefinitions through the API server, against the real-world CRDs and instances in
 * `shared/fixtures` (skipped when the fixtures are not next to the repository): registration makes
 * a kind servable, instances go through structural validation, pruning, defaulting and CEL rules
 * (transition rules on update), and deleting the CRD stops serving the kind.
 */
import { strict as assert } from 'node:assert';
import { loadManifestFiles } from '../api/manifests.js';
import type { KubeObject } from '../api/types.js';
import { isNotFound } from '../store/api-error.js';
import { fail, field, fixturesDir, harness, ok, type Harness } from './apiserver-test-kit.js';

function load(dir: string, ...files: string[]): KubeObject[] {
  const res = loadManifestFiles(files.map((f) => `${dir}${f}`));
  assert.deepEqual(res.errors, []);
  return res.manifests.map((m) => m.object);
}

function ensureNamespace(h: Harness, name: string): void {
  if (!h.store.get({ apiVersion: 'v1', kind: 'Namespace', name }).ok) ok(h.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
}

const CERT_REF = (name: string, namespace = 'pomerium') => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', namespace, name }) as const;

describe('CustomResourceDefinitions', function () {
  this.timeout(60_000);
  let dir = '';

  before(function () {
    const found = fixturesDir();
    if (found === undefined) this.skip();
    dir = found;
  });

  it('registering a CRD makes its kind servable and sets Established/NamesAccepted', () => {
    const h = harness();
    const [crd] = load(dir, 'crds/cert-manager.io_certificates.yaml');
    assert.ok(crd !== undefined);
    assert.equal(fail(h.client.list({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate' })).code, 404);
    h.clock.ms = 5_000;
    const created = ok(h.client.create(crd));
    const conditions = field(created, 'status', 'conditions') as { type: string; status: string; reason: string; message: string; lastTransitionTime: string }[];
    assert.deepEqual(
      conditions.map((c) => [c.type, c.status, c.reason, c.message, c.lastTransitionTime]),
      [
        ['NamesAccepted', 'True', 'NoConflicts', 'no conflicts found', '2026-01-01T00:00:05Z'],
        ['Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted', '2026-01-01T00:00:05Z'],
      ],
    );
    assert.deepEqual(field(created, 'status', 'acceptedNames'), { plural: 'certificates', singular: 'certificate', shortNames: ['cert', 'certs'], kind: 'Certificate', listKind: 'CertificateList', categories: ['cert-manager'] });
    assert.deepEqual(field(created, 'status', 'storedVersions'), ['v1']);
    assert.equal(field(created, 'spec', 'conversion', 'strategy'), 'None');
    assert.deepEqual(ok(h.client.list({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate' })).items, []);
  });

  it('published instances are accepted; their own namespace must exist first', () => {
    const h = harness();
    for (const crd of load(dir, 'crds/cert-manager.io_certificates.yaml', 'crds/cert-manager.io_issuers.yaml')) ok(h.client.create(crd));
    const instances = load(dir, 'instances/cert-manager/pomerium-certificates.yaml', 'instances/cert-manager/example-issuer.yaml', 'instances/cert-manager/staging-issuer.yaml');
    const first = instances[0];
    assert.ok(first !== undefined);
    assert.equal(fail(h.client.create(first)).message, 'namespaces "pomerium" not found');
    for (const raw of instances) {
      // As kubectl does, objects without a namespace go to the default one.
      const obj = raw.metadata.namespace === undefined ? { ...raw, metadata: { ...raw.metadata, namespace: 'default' } } : raw;
      ensureNamespace(h, obj.metadata.namespace ?? 'default');
      const created = ok(h.client.create(obj));
      assert.equal(created.metadata.generation, 1);
      // Certificates have no defaults; Issuers get theirs (e.g. ACME's renewalInformationSource).
      if (obj.kind === 'Certificate') assert.deepEqual(field(created, 'spec'), field(obj, 'spec'));
      else for (const k of Object.keys(field(obj, 'spec') as object)) assert.ok(field(created, 'spec', k) !== undefined, k);
    }
    assert.equal(ok(h.client.list({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate' })).items.length, 3);
  });

  it('custom resources: strict unknown fields (400), schema errors (422), status dropped on create, resourceVersion required on update', () => {
    const h = harness();
    ok(h.client.create(load(dir, 'crds/cert-manager.io_certificates.yaml')[0] as KubeObject));
    ensureNamespace(h, 'pomerium');
    const cert = load(dir, 'instances/cert-manager/pomerium-certificates.yaml')[0] as KubeObject;
    const unknown = fail(h.client.create({ ...cert, spec: { ...(cert['spec'] as object), colour: 'blue' } }));
    assert.equal(unknown.code, 400);
    assert.equal(unknown.message, 'strict decoding error: unknown field "spec.colour"');
    const bad = fail(h.client.create({ ...cert, spec: { ...(cert['spec'] as object), privateKey: { algorithm: 'DSA' } } }));
    assert.equal(bad.code, 422);
    assert.match(bad.message, /^Certificate\.cert-manager\.io "pomerium-cert" is invalid: spec\.privateKey\.algorithm: Unsupported value: "DSA": supported values: "RSA", "ECDSA", "Ed25519"$/);
    const created = ok(h.client.create({ ...cert, status: { revision: 3 } }));
    assert.equal(field(created, 'status'), undefined);
    const { resourceVersion: _rv, ...meta } = created.metadata;
    const unconditional = fail(h.client.update({ ...created, metadata: meta }));
    assert.equal(unconditional.code, 422);
    assert.equal(unconditional.message, 'certificates.cert-manager.io "pomerium-cert" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
    const status = ok(h.client.updateStatus({ ...created, status: { revision: 1 } }));
    assert.deepEqual(field(status, 'status'), { revision: 1 });
    assert.equal(fail(h.client.updateStatus({ ...status, status: { revision: 'one' } })).code, 422);
  });

  it('CEL transition rules see oldSelf on update (GatewayClass controllerName is immutable)', () => {
    const h = harness();
    ok(h.client.create(load(dir, 'crds/gateway.networking.k8s.io_gatewayclasses.yaml')[0] as KubeObject));
    const gc = load(dir, 'instances/gateway-api/basic-http.yaml')[0] as KubeObject;
    assert.equal(gc.kind, 'GatewayClass');
    const created = ok(h.client.create(gc));
    const relabelled = ok(h.client.update({ ...created, metadata: { ...created.metadata, labels: { tier: 'edge' } } }));
    const err = fail(h.client.update({ ...relabelled, spec: { ...(field(relabelled, 'spec') as object), controllerName: 'example.net/other' } }));
    assert.equal(err.code, 422);
    assert.match(err.message, /^GatewayClass\.gateway\.networking\.k8s\.io "example" is invalid: spec\.controllerName: Invalid value: .*: field is immutable$/);
  });

  it('CRD defaults apply to instances (HTTPRoute path match)', () => {
    const h = harness();
    ok(h.client.create(load(dir, 'crds/gateway.networking.k8s.io_httproutes.yaml')[0] as KubeObject));
    const route = load(dir, 'instances/gateway-api/default-match-http.yaml').find((o) => o.kind === 'HTTPRoute');
    assert.ok(route !== undefined);
    const created = ok(h.client.create({ ...route, metadata: { ...route.metadata, namespace: route.metadata.namespace ?? 'default' } }));
    assert.equal(field(route, 'spec', 'rules', 0, 'matches', 0, 'path'), undefined);
    assert.deepEqual(field(created, 'spec', 'rules', 0, 'matches', 0, 'path'), { type: 'PathPrefix', value: '/' });
  });

  it('deleting the CRD deletes its instances and stops serving the kind', () => {
    const h = harness();
    ok(h.client.create(load(dir, 'crds/cert-manager.io_certificates.yaml')[0] as KubeObject));
    ensureNamespace(h, 'pomerium');
    for (const c of load(dir, 'instances/cert-manager/pomerium-certificates.yaml')) ok(h.client.create(c));
    const w = ok(h.client.watch({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', resourceVersion: h.store.resourceVersion }));
    const res = ok(h.client.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'certificates.cert-manager.io' }));
    assert.equal(res.deleted, true);
    assert.deepEqual(w.poll().map((e) => e.type), ['DELETED', 'DELETED']);
    w.stop();
    const gone = fail(h.client.get(CERT_REF('pomerium-cert')));
    assert.equal(gone.message, 'the server could not find the requested resource');
    assert.ok(isNotFound(gone));
    // Registering it again serves the kind again, empty.
    ok(h.client.create(load(dir, 'crds/cert-manager.io_certificates.yaml')[0] as KubeObject));
    assert.deepEqual(ok(h.client.list({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate' })).items, []);
  });

  it('a CRD whose kind another CRD serves, or that is structurally broken, is rejected (422)', () => {
    const h = harness();
    const crd = load(dir, 'crds/cert-manager.io_certificates.yaml')[0] as KubeObject;
    ok(h.client.create(crd));
    // Creating it again fails and leaves the kind served.
    assert.equal(fail(h.client.create(crd)).message, 'customresourcedefinitions.apiextensions.k8s.io "certificates.cert-manager.io" already exists');
    ok(h.client.list({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate' }));
    const clash = fail(h.client.create({ ...crd, metadata: { name: 'certs.cert-manager.io' }, spec: { ...(crd['spec'] as object), names: { ...(field(crd, 'spec', 'names') as object), plural: 'certs' } } }));
    assert.equal(clash.code, 422);
    assert.match(clash.message, /kind is already served by CustomResourceDefinition "certificates\.cert-manager\.io"/);
    const broken = fail(h.client.create({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'things.example.com' }, spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'things', kind: 'Thing' }, versions: [] } }));
    assert.equal(broken.code, 422);
    assert.equal(fail(h.client.list({ apiVersion: 'example.com/v1', kind: 'Thing' })).code, 404);
  });

  it('updating a CRD with a new storage version records it in storedVersions', () => {
    const h = harness();
    const created = ok(h.client.create(load(dir, 'crds/gateway.networking.k8s.io_gatewayclasses.yaml')[0] as KubeObject));
    const versions = field(created, 'spec', 'versions') as Record<string, unknown>[];
    const swapped = versions.map((v) => ({ ...v, storage: v['name'] === 'v1beta1' }));
    ok(h.client.update({ ...created, spec: { ...(field(created, 'spec') as object), versions: swapped } }));
    const after = ok(h.client.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'gatewayclasses.gateway.networking.k8s.io' }));
    assert.deepEqual(field(after, 'status', 'storedVersions'), ['v1', 'v1beta1']);
  });
});
