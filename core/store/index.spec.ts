import { strict as assert } from 'node:assert';
import * as store from './index.js';

describe('core/store public surface', () => {
  const values = [
    'Store',
    'refOf',
    'apiOk',
    'apiErr',
    'unwrap',
    'notFound',
    'alreadyExists',
    'conflict',
    'invalid',
    'badRequest',
    'resourceExpired',
    'isConflict',
    'isNotFound',
    'isResourceExpired',
    'toStatus',
    'applyMergePatch',
    'aggregateFieldErrors',
    'INITIAL_EVENTS_ANNOTATION',
    'OPTIMISTIC_LOCK_ERROR_MSG',
  ];
  for (const name of values) it(`exports ${name}`, () => assert.ok(name in store && (store as Record<string, unknown>)[name] !== undefined));

  it('a store built from the barrel works end to end', () => {
    const s = new store.Store({ clock: { nowMs: () => 0 } });
    const created = store.unwrap(s.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } }));
    assert.equal(store.unwrap(s.get(store.refOf(created))), created);
  });
});
