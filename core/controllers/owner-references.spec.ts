import assert from 'node:assert/strict';
import type { OwnerReference } from '../api/types.js';
import { controllerRef, isControlledBy, newControllerRef, refersToGroupKind } from './owner-references.js';

const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-7d9', uid: 'uid-rs' } };

function withOwners(ownerReferences: OwnerReference[]) {
  return { metadata: { name: 'p', uid: 'uid-p', ownerReferences } };
}

describe('owner references', () => {
  it('newControllerRef points at the owner, as controller, blocking its deletion', () => {
    assert.deepEqual(newControllerRef(rs), {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'web-7d9',
      uid: 'uid-rs',
      controller: true,
      blockOwnerDeletion: true,
    });
  });

  it('controllerRef finds the reference with controller: true only', () => {
    const weak: OwnerReference = { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'uid-c' };
    assert.equal(controllerRef(withOwners([weak])), undefined);
    assert.equal(controllerRef({ metadata: {} }), undefined);
    assert.deepEqual(controllerRef(withOwners([weak, newControllerRef(rs)]))?.uid, 'uid-rs');
  });

  it('isControlledBy compares uids, not names', () => {
    const pod = withOwners([newControllerRef(rs)]);
    assert.equal(isControlledBy(pod, rs), true);
    assert.equal(isControlledBy(pod, { metadata: { name: 'web-7d9', uid: 'recreated' } }), false);
    assert.equal(isControlledBy(pod, { metadata: {} }), false);
  });

  it('refersToGroupKind ignores the version', () => {
    const ref: OwnerReference = { apiVersion: 'apps/v1beta2', kind: 'ReplicaSet', name: 'x', uid: 'u' };
    assert.equal(refersToGroupKind(ref, 'apps', 'ReplicaSet'), true);
    assert.equal(refersToGroupKind(ref, '', 'ReplicaSet'), false);
    assert.equal(refersToGroupKind({ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u' }, '', 'Pod'), true);
  });
});
