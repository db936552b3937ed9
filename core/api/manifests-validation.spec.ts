import assert from 'node:assert/strict';
import { parseManifests, loadManifests, type ManifestLoadResult } from './manifests.js';
import { validateManifests } from './manifests-validation.js';
import { TypeRegistry } from './type-registry.js';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer, default: 1}
`;

const WIDGET = (name: string, size: unknown): string =>
  `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: ${name}\nspec:\n  size: ${JSON.stringify(size)}\n`;

function merge(...parts: ManifestLoadResult[]): ManifestLoadResult {
  return {
    manifests: parts.flatMap((p) => p.manifests),
    errors: parts.flatMap((p) => p.errors),
    files: parts.flatMap((p) => p.files),
  };
}

describe('validateManifests', () => {
  it('registers CRDs before validating instances, whatever the input order', () => {
    const load = merge(parseManifests(`${WIDGET('a', 2)}---\n${WIDGET('b', 'big')}`, 'widgets.yaml'), parseManifests(CRD, 'crd.yaml'));
    const report = validateManifests(load);
    assert.deepEqual(
      report.resources.map((r) => [r.file, r.kind, r.name, r.status]),
      [
        ['widgets.yaml', 'Widget', 'a', 'valid'],
        ['widgets.yaml', 'Widget', 'b', 'invalid'],
        ['crd.yaml', 'CustomResourceDefinition', 'widgets.example.com', 'valid'],
      ],
    );
    const bad = report.resources[1];
    assert.deepEqual(bad?.errors, [
      {
        file: 'widgets.yaml',
        line: 13,
        col: 9,
        path: 'spec.size',
        message: 'Invalid value: "string": spec.size in body must be of type integer: "string"',
        expected: 'integer',
        documentIndex: 1,
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        name: 'b',
      },
    ]);
    assert.deepEqual(report.summary, { resources: 3, files: 2, valid: 2, invalid: 1, errors: 0, skipped: 0 });
  });

  it('returns the validated (defaulted) objects', () => {
    const report = validateManifests(parseManifests(`${CRD}---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: d}\nspec: {}\n`, 'x.yaml'));
    assert.deepEqual(report.resources[1]?.object?.['spec'], { size: 1 });
  });

  it('classifies unknown kinds, syntax errors and unreadable files as errors', () => {
    const load = merge(
      parseManifests(`${WIDGET('a', 1)}---\nkind: [\n`, 'w.yaml'),
      loadManifests({ files: ['/nonexistent/kubeprop/x.yaml'] }),
    );
    const report = validateManifests(load);
    assert.deepEqual(
      report.resources.map((r) => [r.file, r.documentIndex, r.status, r.errors.map((e) => e.message)]),
      [
        ['w.yaml', 0, 'error', ['no matches for kind "Widget" in version "example.com/v1"']],
        ['w.yaml', 1, 'error', [report.resources[1]?.errors[0]?.message]],
        ['/nonexistent/kubeprop/x.yaml', undefined, 'error', ['cannot read file: no such file or directory']],
      ],
    );
    assert.deepEqual(report.summary, { resources: 3, files: 2, valid: 0, invalid: 0, errors: 3, skipped: 0 });
  });

  it('skips kinds on request', () => {
    const text = `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: 1}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n`;
    const report = validateManifests(parseManifests(text, 's.yaml'), { skipKinds: ['Secret'] });
    assert.deepEqual(report.resources.map((r) => r.status), ['skipped', 'valid']);
    assert.equal(report.summary.skipped, 1);
  });

  it('reports unknown fields as warnings in Warn mode and uses a given registry', () => {
    const registry = new TypeRegistry();
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndatta: {}\n';
    const report = validateManifests(parseManifests(text, 'c.yaml'), { fieldValidation: 'Warn', registry });
    assert.equal(report.resources[0]?.status, 'valid');
    assert.deepEqual(report.resources[0]?.warnings.map((w) => [w.line, w.col, w.message]), [[4, 1, 'unknown field "datta"']]);
    const crd = validateManifests(parseManifests(CRD, 'crd.yaml'), { registry });
    assert.equal(crd.resources[0]?.status, 'valid');
    assert.ok(registry.lookup('example.com/v1', 'Widget'), 'the CRD was registered into the given registry');
  });

  it('sorts each resource errors by position', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\ndata:\n  a: 1\nextra: true\n';
    const report = validateManifests(parseManifests(text, 'c.yaml'));
    assert.deepEqual(report.resources[0]?.errors.map((e) => [e.line, e.path]), [
      [4, 'metadata.name'],
      [6, 'data.a'],
      [7, 'extra'],
    ]);
  });
});
