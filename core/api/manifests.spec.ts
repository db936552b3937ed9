import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandManifestPaths, loadManifestFiles, loadManifests, manifestErrorsFor, parseManifests, unknownFieldProblems } from './manifests.js';
import { invalidError, requiredError, unknownField } from './validation-errors.js';

const NS = (name: string): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

describe('manifests: parseManifests', () => {
  it('loads every document of a multi-document stream with its source', () => {
    const text = `${NS('a')}---\n${NS('b')}`;
    const r = parseManifests(text, 'ns.yaml');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.manifests.map((m) => [m.object.metadata.name, m.source]),
      [
        ['a', { file: 'ns.yaml', line: 1, col: 1, documentIndex: 0 }],
        ['b', { file: 'ns.yaml', line: 6, col: 1, documentIndex: 1 }],
      ],
    );
    assert.deepEqual(r.files, ['ns.yaml']);
  });

  it('skips empty documents and comment-only documents but counts them in documentIndex', () => {
    const text = `---\n# only a comment\n---\n${NS('a')}---\n---\n`;
    const r = parseManifests(text, 'x.yaml');
    assert.deepEqual(r.errors, []);
    assert.equal(r.manifests.length, 1);
    assert.equal(r.manifests[0]?.source.documentIndex, 1);
  });

  it('flattens v1 List and other *List kinds into their items', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: Namespace',
      '    metadata: {name: a}',
      '  - apiVersion: v1',
      '    kind: ConfigMap',
      '    metadata: {name: c}',
      '---',
      'apiVersion: v1',
      'kind: ConfigMapList',
      'items:',
      '  - {apiVersion: v1, kind: ConfigMap, metadata: {name: d}}',
    ].join('\n');
    const r = parseManifests(text, 'list.yaml');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.manifests.map((m) => [m.object.kind, m.object.metadata.name, m.source.line, m.source.itemIndex]),
      [
        ['Namespace', 'a', 4, 0],
        ['ConfigMap', 'c', 7, 1],
        ['ConfigMap', 'd', 14, 0],
      ],
    );
  });

  it('follows YAML 1.1 like kubectl: on is true, 0644 is octal, timestamps and 1:20 stay strings', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: c',
      '  creationTimestamp: 2024-01-01T00:00:00Z',
      'x:',
      '  flag: on',
      '  mode: 0644',
      '  time: 1:20',
      '  no: n',
    ].join('\n');
    const obj = parseManifests(text, 'c.yaml').manifests[0]?.object as Record<string, unknown>;
    assert.deepEqual(obj['x'], { flag: true, mode: 420, time: '1:20', false: false });
    assert.equal((obj['metadata'] as Record<string, unknown>)['creationTimestamp'], '2024-01-01T00:00:00Z');
  });

  it('parses JSON with positions', () => {
    const text = '{\n  "apiVersion": "v1",\n  "kind": "Namespace",\n  "metadata": {"name": "j"}\n}\n';
    const r = parseManifests(text, 'ns.json');
    assert.deepEqual(r.errors, []);
    assert.equal(r.manifests[0]?.object.metadata.name, 'j');
    assert.deepEqual(r.manifests[0]?.locate(['metadata', 'name']), { line: 4, col: 24 });
  });

  it('strips a UTF-8 byte order mark', () => {
    const r = parseManifests(`\ufeff${NS('bom')}`, 'bom.yaml');
    assert.deepEqual(r.errors, []);
    assert.equal(r.manifests[0]?.object.metadata.name, 'bom');
  });

  it('reports a syntax error with line and column and still loads the other documents', () => {
    const text = `${NS('a')}---\nkind: [\n---\n${NS('c')}`;
    const r = parseManifests(text, 'bad.yaml');
    assert.deepEqual(r.manifests.map((m) => m.object.metadata.name), ['a', 'c']);
    assert.equal(r.errors.length, 1);
    const e = r.errors[0];
    assert.equal(e?.file, 'bad.yaml');
    assert.equal(e?.documentIndex, 1);
    assert.equal(e?.line, 7);
    assert.ok((e?.col ?? 0) >= 1);
    assert.doesNotMatch(e?.message ?? '', /at line/);
  });

  it('reports duplicate keys and drops the whole document', () => {
    const text = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n';
    const r = parseManifests(text, 'dup.yaml');
    assert.equal(r.manifests.length, 0);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]?.line, 5);
    assert.equal(r.errors[0]?.col, 3);
    assert.match(r.errors[0]?.message ?? '', /Map keys must be unique/);
  });

  it('reports documents that are not objects or lack apiVersion or kind', () => {
    const text = '- a\n- b\n---\nplain\n---\nmetadata: {name: x}\n---\napiVersion: v1\nkind: ""\nmetadata: {name: y}\n';
    const r = parseManifests(text, 'odd.yaml');
    assert.equal(r.manifests.length, 0);
    assert.deepEqual(
      r.errors.map((e) => [e.documentIndex, e.line, e.col, e.path, e.message]),
      [
        [0, 1, 1, '', 'expected a Kubernetes object (a mapping), got a sequence'],
        [1, 4, 1, '', 'expected a Kubernetes object (a mapping), got a string scalar'],
        [2, 6, 1, 'apiVersion', 'Required value: apiVersion not set'],
        [2, 6, 1, 'kind', 'Required value: kind not set'],
        [3, 8, 1, 'kind', 'Required value: kind not set'],
      ],
    );
    assert.equal(r.errors[2]?.name, 'x');
    assert.equal(r.errors[4]?.apiVersion, 'v1');
  });

  it('reports a List item that is not an object and keeps the others', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n  - 3\n  - {apiVersion: v1, kind: Namespace, metadata: {name: ok}}\n';
    const r = parseManifests(text, 'l.yaml');
    assert.deepEqual(r.manifests.map((m) => m.object.metadata.name), ['ok']);
    assert.deepEqual(r.errors.map((e) => [e.path, e.itemIndex, e.line]), [['items[0]', 0, 4]]);
  });

  it('never throws on hostile input', () => {
    for (const text of ['', '\t', ']', '{', '&a [*a]', '!!binary zz', 'a: *nope', '%YAML 9.9\n---\na: 1']) {
      const r = parseManifests(text, 'h.yaml');
      assert.ok(Array.isArray(r.errors));
    }
  });
});

describe('manifests: locate', () => {
  const text = [
    'apiVersion: apps/v1', // 1
    'kind: Deployment', // 2
    'metadata:', // 3
    '  name: web', // 4
    'spec:', // 5
    '  replicas: "3"', // 6
    '  template:', // 7
    '    spec:', // 8
    '      containers:', // 9
    '        - image: nginx', // 10
    '          ports:', // 11
    '            - containerPort: "80"', // 12
  ].join('\n');
  const m = parseManifests(text, 'd.yaml').manifests[0];

  it('points at scalar values, at keys of collections, and at keys on request', () => {
    assert.ok(m !== undefined);
    assert.deepEqual(m.locate(['spec', 'replicas']), { line: 6, col: 13 });
    assert.deepEqual(m.locate(['spec', 'replicas'], { key: true }), { line: 6, col: 3 });
    assert.deepEqual(m.locate(['spec', 'template']), { line: 7, col: 3 });
    assert.deepEqual(m.locate(['spec', 'template', 'spec', 'containers', 0, 'ports', 0, 'containerPort']), { line: 12, col: 30 });
  });

  it('resolves a missing field to the object that should hold it', () => {
    assert.ok(m !== undefined);
    assert.deepEqual(m.locate(['spec', 'template', 'spec', 'containers', 0, 'name']), { line: 10, col: 11 });
    assert.deepEqual(m.locate(['nope', 'deeper']), { line: 1, col: 1 });
  });

  it('turns field errors into located manifest errors', () => {
    assert.ok(m !== undefined);
    const errs = manifestErrorsFor(m, [
      invalidError(['spec', 'replicas'], 'x', 'bad', 'integer'),
      ...unknownFieldProblems([unknownField(['spec', 'replicas'])]),
      requiredError(['spec', 'selector']),
    ]);
    assert.deepEqual(errs[0], {
      file: 'd.yaml',
      line: 6,
      col: 13,
      path: 'spec.replicas',
      message: 'Invalid value: "x": bad',
      expected: 'integer',
      documentIndex: 0,
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
    });
    assert.deepEqual([errs[1]?.line, errs[1]?.col], [6, 3]);
    assert.deepEqual([errs[2]?.line, errs[2]?.col, errs[2]?.path], [6, 3, 'spec.selector']);
  });
});

describe('manifests: files and directories', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeprop-manifests-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'b.yaml'), NS('b'));
    writeFileSync(join(dir, 'a.yml'), NS('a'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c' } }));
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    writeFileSync(join(dir, 'sub', 'd.yaml'), NS('d'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('expands directories recursively to their manifest files in name order', () => {
    const r = expandManifestPaths([dir]);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.files, [join(dir, 'a.yml'), join(dir, 'b.yaml'), join(dir, 'c.json'), join(dir, 'sub', 'd.yaml')]);
  });

  it('loads files and directories, reporting unreadable paths without stopping', () => {
    const missing = join(dir, 'missing.yaml');
    const r = loadManifestFiles([missing, dir]);
    assert.deepEqual(r.manifests.map((m) => m.object.metadata.name), ['a', 'b', 'c', 'd']);
    assert.deepEqual(r.errors, [{ file: missing, line: 0, col: 0, path: '', message: 'cannot read file: no such file or directory' }]);
    assert.equal(r.files.length, 5);
  });

  it('takes an explicitly named file whatever its extension', () => {
    const r = loadManifestFiles([join(dir, 'notes.txt')]);
    assert.equal(r.manifests.length, 0);
    assert.equal(r.errors.length, 1);
  });

  it('loadManifests combines files and text', () => {
    const r = loadManifests({ files: [join(dir, 'a.yml')], text: NS('t'), fileName: 'stdin' });
    assert.deepEqual(r.manifests.map((m) => [m.source.file, m.object.metadata.name]), [
      [join(dir, 'a.yml'), 'a'],
      ['stdin', 't'],
    ]);
    assert.equal(loadManifests({ text: NS('u') }).manifests[0]?.source.file, '<text>');
    assert.deepEqual(loadManifests({}), { manifests: [], errors: [], files: [] });
  });
});
