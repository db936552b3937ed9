import { strict as assert } from 'node:assert';
import type { DeepReadonly, KubeObject } from '../api/types.js';
import { parseFieldSelector, parseSelector } from '../api/labels.js';
import { compileObjectFilter, fieldText } from './object-filter.js';

const pod = (ns: string, labels: Record<string, string>, spec: Record<string, unknown>): DeepReadonly<KubeObject> =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: ns, labels }, spec }) as DeepReadonly<KubeObject>;
const labelIs = (k: string, v: string) => ({ matches: (l: Readonly<Record<string, string>>) => l[k] === v });

describe('object-filter', () => {
  it('fieldText renders fields as upstream field sets do', () => {
    const obj = { spec: { nodeName: 'n1', hostNetwork: true, replicas: 3, nested: { a: 1 } } };
    assert.equal(fieldText(obj, ['spec', 'nodeName']), 'n1');
    assert.equal(fieldText(obj, ['spec', 'hostNetwork']), 'true');
    assert.equal(fieldText(obj, ['spec', 'replicas']), '3');
    assert.equal(fieldText(obj, ['spec', 'missing']), '');
    assert.equal(fieldText(obj, ['spec', 'nodeName', 'deeper']), '');
    assert.notEqual(fieldText(obj, ['spec', 'nested']), '');
  });

  it('nothing to select compiles to undefined (fast path)', () => {
    assert.equal(compileObjectFilter({}, true), undefined);
    assert.equal(compileObjectFilter({ fieldSelector: {} }, true), undefined);
    assert.equal(compileObjectFilter({ fieldSelector: parseFieldSelector('') }, true), undefined);
    assert.equal(compileObjectFilter({ namespace: 'a' }, false), undefined, 'cluster-scoped kinds ignore namespace');
  });

  const cases: readonly { name: string; opts: Parameters<typeof compileObjectFilter>[0]; obj: DeepReadonly<KubeObject>; want: boolean }[] = [
    { name: 'namespace match', opts: { namespace: 'a' }, obj: pod('a', {}, {}), want: true },
    { name: 'namespace mismatch', opts: { namespace: 'a' }, obj: pod('b', {}, {}), want: false },
    { name: 'label match', opts: { labelSelector: labelIs('app', 'web') }, obj: pod('a', { app: 'web' }, {}), want: true },
    { name: 'label mismatch', opts: { labelSelector: labelIs('app', 'web') }, obj: pod('a', { app: 'db' }, {}), want: false },
    { name: 'field map match', opts: { fieldSelector: { 'spec.nodeName': 'n1' } }, obj: pod('a', {}, { nodeName: 'n1' }), want: true },
    { name: 'field map, unscheduled', opts: { fieldSelector: { 'spec.nodeName': '' } }, obj: pod('a', {}, {}), want: true },
    { name: 'field map mismatch', opts: { fieldSelector: { 'spec.nodeName': 'n1', 'metadata.namespace': 'a' } }, obj: pod('a', {}, { nodeName: 'n2' }), want: false },
    { name: 'field predicate', opts: { fieldSelector: (o) => o.metadata.namespace !== 'a' }, obj: pod('a', {}, {}), want: false },
    { name: 'parsed field selector', opts: { fieldSelector: parseFieldSelector('spec.nodeName=n1,metadata.namespace!=b') }, obj: pod('a', {}, { nodeName: 'n1' }), want: true },
    { name: 'parsed field selector, mismatch', opts: { fieldSelector: parseFieldSelector('spec.nodeName!=n1') }, obj: pod('a', {}, { nodeName: 'n1' }), want: false },
    { name: 'parsed label selector', opts: { labelSelector: parseSelector('app in (web,api),!canary') }, obj: pod('a', { app: 'api' }, {}), want: true },
    { name: 'all combined', opts: { namespace: 'a', labelSelector: labelIs('x', 'y'), fieldSelector: { 'metadata.name': 'p' } }, obj: pod('a', { x: 'y' }, {}), want: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const f = compileObjectFilter(c.opts, true);
      assert.ok(f !== undefined);
      assert.equal(f(c.obj), c.want);
    });
  }

  it('objects without labels are matched against an empty label set', () => {
    let seen: unknown;
    const f = compileObjectFilter({ labelSelector: { matches: (l) => ((seen = l), true) } }, true);
    f?.({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'a' } } as DeepReadonly<KubeObject>);
    assert.deepEqual(seen, {});
  });
});
