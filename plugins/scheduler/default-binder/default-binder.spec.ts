import assert from 'node:assert/strict';
import { asStatus, createTestHandle, CycleState, Status, type Handle } from 'kubeprop';
import { testNode, testPod } from '../test-objects.js';
import { defaultBinderPlugin, NAME } from './default-binder.js';

describe('DefaultBinder', () => {
  it('is named as upstream', () => {
    assert.equal(NAME, 'DefaultBinder');
    assert.equal(defaultBinderPlugin.name, NAME);
  });

  it('binds the pod to the node through the client, once', () => {
    const handle = createTestHandle({ nodes: [testNode('n1')] });
    const plugin = defaultBinderPlugin.create(undefined, handle);
    const s = asStatus(plugin.bind!(new CycleState(), testPod('web-1'), 'n1'));
    assert.equal(s.code, 'Success');
    assert.deepEqual(handle.calls, [{ kind: 'bind', pod: 'default/web-1', node: 'n1' }]);
  });

  it('returns the binding call’s failure as is', () => {
    const handle = createTestHandle();
    const failed = Status.error('pods "web-1" not found');
    const failing: Handle = { ...handle, client: { ...handle.client, bind: () => failed } };
    const plugin = defaultBinderPlugin.create(undefined, failing);
    assert.equal(plugin.bind!(new CycleState(), testPod('web-1'), 'n1'), failed);
  });

  it('implements Bind only', () => {
    const plugin = defaultBinderPlugin.create(undefined, createTestHandle());
    assert.deepEqual(Object.keys(plugin), ['bind']);
  });
});
