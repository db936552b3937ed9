import assert from 'node:assert/strict';
import { BUILTIN_KINDS } from './kinds.js';
import { noMatchesMessage, TypeRegistry } from './type-registry.js';
import type { KubeObject } from './types.js';
import { fieldErrorString } from './validation-errors.js';

describe('TypeRegistry', () => {
  it('looks up built-in kinds by apiVersion and kind', () => {
    const reg = new TypeRegistry();
    assert.equal(reg.lookup('v1', 'Pod')?.plural, 'pods');
    assert.equal(reg.lookup('apps/v1', 'Deployment')?.group, 'apps');
    assert.equal(reg.lookup('autoscaling/v1', 'HorizontalPodAutoscaler')?.kind, 'HorizontalPodAutoscaler');
    assert.equal(reg.lookup('autoscaling/v2', 'HorizontalPodAutoscaler')?.kind, 'HorizontalPodAutoscaler');
    assert.equal(reg.lookup('apps/v1beta1', 'Deployment'), undefined);
    assert.equal(reg.lookup('v1', 'Deployment'), undefined);
    assert.equal(reg.lookup('example.com/v1', 'Foo'), undefined);
    assert.equal(reg.kinds().length, BUILTIN_KINDS.length);
    assert.equal(reg.isCustom('apps', 'Deployment'), false);
  });

  it('reports kinds it does not serve like kubectl', () => {
    const reg = new TypeRegistry();
    const foo = { apiVersion: 'example.com/v1', kind: 'Foo', metadata: { name: 'f' } } as KubeObject;
    const r = reg.validate(foo);
    assert.deepEqual(r.errors.map(fieldErrorString), ['no matches for kind "Foo" in version "example.com/v1"']);
    assert.equal(r.errors[0]?.type, 'FieldValueNotFound');
    assert.deepEqual(r.object, foo);
    assert.equal(noMatchesMessage('apps/v1beta1', 'Deployment'), 'no matches for kind "Deployment" in version "apps/v1beta1"');
    const old = { apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'd' } } as KubeObject;
    assert.deepEqual(reg.validate(old).errors.map(fieldErrorString), ['no matches for kind "Deployment" in version "apps/v1beta1"']);
  });

  it('requires apiVersion and kind', () => {
    const reg = new TypeRegistry();
    const r = reg.validate({ metadata: { name: 'x' } } as unknown as KubeObject);
    assert.deepEqual(r.errors.map(fieldErrorString), ['apiVersion: Required value: apiVersion not set', 'kind: Required value: kind not set']);
  });

  it('validates built-in objects and custom resources through one entry point', () => {
    const reg = new TypeRegistry();
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 1 } } as unknown as KubeObject;
    assert.deepEqual(reg.validate(cm).errors.map(fieldErrorString), ['data.a: Invalid value: "integer": data.a in body must be of type string: "integer"']);
  });

  it('can be built with another set of built-in kinds', () => {
    const reg = new TypeRegistry(BUILTIN_KINDS.filter((k) => k.kind === 'Pod'));
    assert.ok(reg.lookup('v1', 'Pod'));
    assert.equal(reg.lookup('v1', 'Service'), undefined);
  });
});
