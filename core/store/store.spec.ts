import { strict as assert } from 'node:assert';
import { BUILTIN_KINDS } from '../api/kinds.js';
import type { DeepReadonly, KubeObject } from '../api/types.js';
import { ModelBug } from '../errors.js';
import { isAlreadyExists, isConflict, isInvalid, isNotFound } from './api-error.js';
import { suffixFor } from './name-generator.js';
import { refOf, Store, type ObjectRef } from './store.js';
import { fail, GADGET, metaOf, newStore, ok, pod, thaw, WIDGET, widget } from './store-test-kit.js';
import type { StorableObject } from './storable-object.js';
import type { WatchEvent } from './watch-event.js';

const POD_REF = (name: string, namespace = 'default'): ObjectRef => ({ apiVersion: 'v1', kind: 'Pod', namespace, name });
const WIDGET_REF = (name: string): ObjectRef => ({ apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'default', name });

function allEvents(store: Store, kind: { apiVersion: string; kind: string }, from = '1'): WatchEvent[] {
  const w = ok(store.watch({ ...kind, resourceVersion: from }));
  const events = w.poll();
  w.stop();
  return events;
}

describe('Store', () => {
  describe('revisions and identity', () => {
    it('starts at revision 1, as an empty etcd does, and every write takes the next', () => {
      const { store } = newStore();
      assert.equal(store.revision, 1);
      assert.equal(store.resourceVersion, '1');
      const a = ok(store.create(pod('a')));
      const b = ok(store.create(pod('b')));
      assert.equal(metaOf(a).resourceVersion, '2');
      assert.equal(metaOf(b).resourceVersion, '3');
      const a2 = ok(store.update({ ...a, spec: { containers: [] } }));
      assert.equal(metaOf(a2).resourceVersion, '4');
      assert.equal(store.revision, 4);
    });

    it('assigns UIDs from a counter, UUID-shaped', () => {
      const { store } = newStore();
      assert.equal(metaOf(ok(store.create(pod('a')))).uid, '00000000-0000-4000-8000-000000000001');
      assert.equal(metaOf(ok(store.create(widget('w')))).uid, '00000000-0000-4000-8000-000000000002');
    });

    it('stamps creationTimestamp from the virtual clock (RFC 3339, whole seconds)', () => {
      const { store, clock } = newStore();
      clock.ms = 61_999;
      assert.equal(metaOf(ok(store.create(pod('a')))).creationTimestamp, '2026-01-01T00:01:01Z');
    });

    it('two stores fed the same operations produce identical objects', () => {
      const run = (): string => {
        const { store } = newStore();
        ok(store.create(pod('a')));
        ok(store.create({ ...pod(''), metadata: { generateName: 'web-', namespace: 'default' } }));
        ok(store.delete(POD_REF('a')));
        return JSON.stringify(store.listAll());
      };
      assert.equal(run(), run());
    });
  });

  describe('copy on write', () => {
    it('hands out deeply frozen objects and never modifies its inputs', () => {
      const { store } = newStore();
      const input = pod('a', { labels: { app: 'web' } });
      const before = structuredClone(input);
      const created = ok(store.create(input));
      assert.deepEqual(input, before);
      assert.ok(!Object.isFrozen(input));
      assert.ok(Object.isFrozen(created) && Object.isFrozen(created.metadata) && Object.isFrozen(created.metadata.labels));
      assert.ok(Object.isFrozen((created.spec as { containers: readonly object[] }).containers[0]));
      // Mutating the input afterwards does not reach the store.
      (input.metadata.labels as Record<string, string>).app = 'evil';
      assert.equal(ok(store.get(POD_REF('a'))).metadata.labels?.app, 'web');
    });

    it('an update shares the subtrees it does not change', () => {
      const { store } = newStore();
      const created = ok(store.create(pod('a', { labels: { x: 'y' } })));
      const updated = ok(store.update({ ...created, metadata: { ...created.metadata, annotations: { a: 'b' } } }));
      assert.equal(updated.spec, created.spec);
      assert.equal(updated.metadata.labels, created.metadata.labels);
    });
  });

  describe('create', () => {
    it('sets generation 1 only for kinds that track it', () => {
      const { store } = newStore();
      assert.equal(metaOf(ok(store.create(pod('a')))).generation, 1);
      assert.equal(metaOf(ok(store.create(widget('w')))).generation, 1);
      const cm = ok(store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { k: 'v' } }));
      assert.equal(metaOf(cm).generation, undefined);
    });

    it('clears deletionTimestamp and deletionGracePeriodSeconds, drops namespace for cluster-scoped kinds', () => {
      const { store } = newStore();
      const p = ok(store.create({ ...pod('a'), metadata: { name: 'a', namespace: 'default', deletionTimestamp: '2020-01-01T00:00:00Z', deletionGracePeriodSeconds: 5 } }));
      assert.equal(metaOf(p).deletionTimestamp, undefined);
      assert.equal(metaOf(p).deletionGracePeriodSeconds, undefined);
      const node = ok(store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', namespace: 'default' } }));
      assert.equal(metaOf(node).namespace, undefined);
      assert.ok(ok(store.get({ apiVersion: 'v1', kind: 'Node', name: 'n1', namespace: 'ignored' })));
    });

    it('keeps status as given (strategies that reset it belong to the API server layer)', () => {
      const { store } = newStore();
      const p = ok(store.create(pod('a', { status: { phase: 'Running' } })));
      assert.deepEqual(p.status, { phase: 'Running' });
    });

    it('generates names from generateName, deterministically', () => {
      const { store } = newStore();
      const tmpl = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-', namespace: 'default' }, spec: {} };
      const a = ok(store.create(tmpl));
      const b = ok(store.create(tmpl));
      assert.equal(a.metadata.name, `web-${suffixFor(0)}`);
      assert.equal(b.metadata.name, `web-${suffixFor(1)}`);
      assert.equal(a.metadata.generateName, 'web-');
    });

    it('retries generated names that collide, and gives up after 8 attempts as upstream', () => {
      const { store } = newStore();
      ok(store.create(pod(`web-${suffixFor(0)}`)));
      const tmpl = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-', namespace: 'default' }, spec: {} };
      assert.equal(ok(store.create(tmpl)).metadata.name, `web-${suffixFor(1)}`);
      for (let i = 2; i < 10; i++) ok(store.create(pod(`gen-${suffixFor(i)}`)));
      const err = fail(store.create({ ...tmpl, metadata: { generateName: 'gen-', namespace: 'default' } }));
      assert.equal(err.code, 409);
      assert.equal(err.reason, 'AlreadyExists');
      assert.equal(err.message, `pods "gen-${suffixFor(9)}" already exists, the server was not able to generate a unique name for the object`);
    });

    const errors: readonly { name: string; obj: () => KubeObject; setup?: (s: Store) => void; code: number; reason: string; message: string }[] = [
      { name: 'duplicate name', setup: (s) => void ok(s.create(pod('web'))), obj: () => pod('web'), code: 409, reason: 'AlreadyExists', message: 'pods "web" already exists' },
      {
        name: 'duplicate of an object being deleted',
        setup: (s) => {
          ok(s.create(pod('web', { finalizers: ['example.com/hold'] })));
          ok(s.delete(POD_REF('web')));
        },
        obj: () => pod('web'),
        code: 409,
        reason: 'AlreadyExists',
        message: 'object is being deleted: pods "web" already exists',
      },
      {
        name: 'duplicate in a group',
        setup: (s) => void ok(s.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec: {} })),
        obj: () => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec: {} }),
        code: 409,
        reason: 'AlreadyExists',
        message: 'deployments.apps "d" already exists',
      },
      {
        name: 'no name, no generateName',
        obj: () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'default' } }),
        code: 422,
        reason: 'Invalid',
        message: 'Pod "" is invalid: metadata.name: Required value: name or generateName is required',
      },
      { name: 'no namespace for a namespaced kind', obj: () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }), code: 400, reason: 'BadRequest', message: 'Namespace parameter required.' },
      {
        name: 'resourceVersion set',
        obj: () => ({ ...pod('x'), metadata: { name: 'x', namespace: 'default', resourceVersion: '7' } }),
        code: 500,
        reason: 'InternalError',
        message: 'Internal error occurred: resourceVersion should not be set on objects to be created',
      },
      { name: 'unknown kind', obj: () => ({ apiVersion: 'v1', kind: 'Nope', metadata: { name: 'x' } }), code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' },
      { name: 'version not served', obj: () => ({ apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'x', namespace: 'd' } }), code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' },
      { name: 'name with a slash', obj: () => pod('a/b'), code: 400, reason: 'BadRequest', message: `Name parameter invalid: "a/b": may not contain '/'` },
      { name: 'name ..', obj: () => pod('..'), code: 400, reason: 'BadRequest', message: `Name parameter invalid: "..": may not be '..'` },
      { name: 'namespace with a slash', obj: () => pod('x', { namespace: 'a/b' }), code: 400, reason: 'BadRequest', message: `Namespace parameter invalid: "a/b": may not contain '/'` },
      {
        name: 'orphan and foregroundDeletion together',
        obj: () => pod('x', { finalizers: ['orphan', 'foregroundDeletion'] }),
        code: 422,
        reason: 'Invalid',
        message: 'Pod "x" is invalid: metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
      },
    ];
    for (const c of errors) {
      it(`rejects ${c.name}: ${c.code} ${c.reason}`, () => {
        const { store } = newStore();
        c.setup?.(store);
        const revision = store.revision;
        const err = fail(store.create(c.obj()));
        assert.equal(err.code, c.code);
        assert.equal(err.reason, c.reason);
        assert.equal(err.message, c.message);
        assert.equal(store.revision, revision, 'a failed create writes nothing');
      });
    }

    it('serves every version a kind lists', () => {
      const { store } = newStore();
      ok(store.create({ ...widget('old'), apiVersion: 'example.com/v1beta1' }));
      assert.ok(ok(store.get({ group: 'example.com', kind: 'Widget', namespace: 'default', name: 'old' })));
    });
  });

  describe('get', () => {
    const cases: readonly { name: string; ref: ObjectRef; code: number; message: string }[] = [
      { name: 'missing pod', ref: POD_REF('web-1'), code: 404, message: 'pods "web-1" not found' },
      { name: 'missing deployment', ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' }, code: 404, message: 'deployments.apps "web" not found' },
      { name: 'missing custom resource', ref: WIDGET_REF('w'), code: 404, message: 'widgets.example.com "w" not found' },
      { name: 'no namespace', ref: { apiVersion: 'v1', kind: 'Pod', name: 'x' }, code: 400, message: 'Namespace parameter required.' },
      { name: 'no name', ref: POD_REF(''), code: 400, message: 'Name parameter required.' },
      { name: 'name with %', ref: POD_REF('a%b'), code: 400, message: `Name parameter invalid: "a%b": may not contain '%'` },
      { name: 'namespace with a slash', ref: POD_REF('x', 'a/b'), code: 400, message: `Namespace parameter invalid: "a/b": may not contain '/'` },
      { name: 'unknown kind', ref: { group: 'nope.io', kind: 'X', name: 'x' }, code: 404, message: 'the server could not find the requested resource' },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.code}`, () => {
        const { store } = newStore();
        const err = fail(store.get(c.ref));
        assert.equal(err.code, c.code);
        assert.equal(err.message, c.message);
      });
    }

    it('addresses by apiVersion or by group', () => {
      const { store } = newStore();
      const created = ok(store.create(widget('w')));
      assert.equal(ok(store.get(WIDGET_REF('w'))), created);
      assert.equal(ok(store.get({ group: 'example.com', kind: 'Widget', namespace: 'default', name: 'w' })), created);
      assert.equal(ok(store.get(refOf(created))), created);
    });
  });

  describe('list', () => {
    function seeded(): Store {
      const { store } = newStore();
      for (const [ns, name, app] of [
        ['b', 'z', 'web'],
        ['a', 'y', 'db'],
        ['a-b', 'x', 'web'],
        ['a', 'b', 'web'],
        ['a0', 'q', 'web'],
      ] as const) {
        ok(store.create(pod(name, { namespace: ns, labels: { app }, spec: { nodeName: name === 'b' ? 'n1' : '' } })));
      }
      return store;
    }
    const names = (items: readonly DeepReadonly<KubeObject>[]): string[] => items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    const isWeb = { matches: (l: Readonly<Record<string, string>>) => l.app === 'web' };

    const cases: readonly { name: string; req: Record<string, unknown>; want: string[] }[] = [
      { name: 'all namespaces in key order', req: {}, want: ['a-b/x', 'a/b', 'a/y', 'a0/q', 'b/z'] },
      { name: 'one namespace (no prefix confusion)', req: { namespace: 'a' }, want: ['a/b', 'a/y'] },
      { name: 'empty namespace', req: { namespace: 'zzz' }, want: [] },
      { name: 'label selector', req: { labelSelector: isWeb }, want: ['a-b/x', 'a/b', 'a0/q', 'b/z'] },
      { name: 'namespace and labels', req: { namespace: 'a', labelSelector: isWeb }, want: ['a/b'] },
      { name: 'field map', req: { fieldSelector: { 'spec.nodeName': 'n1' } }, want: ['a/b'] },
      { name: 'field predicate', req: { fieldSelector: (o: DeepReadonly<KubeObject>) => o.metadata.name === 'z' }, want: ['b/z'] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const store = seeded();
        const res = ok(store.list({ apiVersion: 'v1', kind: 'Pod', ...c.req }));
        assert.deepEqual(names(res.items), c.want);
        assert.equal(res.resourceVersion, store.resourceVersion);
        assert.ok(Object.isFrozen(res.items));
      });
    }

    it('an empty store lists at revision 1', () => {
      const { store } = newStore();
      assert.deepEqual(ok(store.list({ apiVersion: 'v1', kind: 'Pod' })), { items: [], resourceVersion: '1' });
    });

    it('keeps key order after deletes and re-creates', () => {
      const store = seeded();
      ok(store.delete(POD_REF('b', 'a')));
      ok(store.create(pod('a', { namespace: 'a' })));
      assert.deepEqual(names(ok(store.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'a' })).items), ['a/a', 'a/y']);
    });

    it('listAll gives every object, kinds in registration order', () => {
      const { store } = newStore();
      ok(store.create(widget('w')));
      ok(store.create(pod('p')));
      ok(store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }));
      assert.deepEqual(
        store.listAll().map((o) => o.kind),
        ['Namespace', 'Pod', 'Widget'],
      );
    });

    it('unknown kinds are 404', () => {
      const { store } = newStore();
      assert.ok(isNotFound(store.list({ apiVersion: 'v9', kind: 'Pod' })));
    });
  });

  describe('update: optimistic concurrency', () => {
    const cases: readonly { name: string; kind: 'pod' | 'widget'; rv: (current: string) => string | undefined; code?: number; reason?: string; message?: string }[] = [
      { name: 'current resourceVersion', kind: 'pod', rv: (c) => c },
      {
        name: 'stale resourceVersion',
        kind: 'pod',
        rv: () => '2',
        code: 409,
        reason: 'Conflict',
        message: 'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again',
      },
      { name: 'no resourceVersion on a pod (unconditional update allowed)', kind: 'pod', rv: () => undefined },
      {
        name: 'no resourceVersion on a custom resource',
        kind: 'widget',
        rv: () => undefined,
        code: 422,
        reason: 'Invalid',
        message: 'widgets.example.com "a" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
      },
      { name: 'current resourceVersion on a custom resource', kind: 'widget', rv: (c) => c },
      {
        name: 'stale resourceVersion on a custom resource',
        kind: 'widget',
        rv: () => '2',
        code: 409,
        reason: 'Conflict',
        message: 'Operation cannot be fulfilled on widgets.example.com "a": the object has been modified; please apply your changes to the latest version and try again',
      },
      { name: 'future resourceVersion', kind: 'pod', rv: () => '999', code: 409, reason: 'Conflict' },
      {
        name: 'garbage resourceVersion',
        kind: 'pod',
        rv: () => 'abc',
        code: 500,
        reason: 'InternalError',
        message: 'Internal error occurred: strconv.ParseUint: parsing "abc": invalid syntax',
      },
    ];
    for (const c of cases) {
      it(`${c.name}${c.code ? `: ${c.code}` : ': ok'}`, () => {
        const { store } = newStore();
        const first = ok(store.create(c.kind === 'pod' ? pod('a') : widget('a')));
        const current = ok(store.update({ ...first, spec: { changed: 1 }, metadata: { ...first.metadata } }));
        const rv = c.rv(current.metadata.resourceVersion as string);
        const meta = { ...current.metadata };
        if (rv === undefined) delete meta.resourceVersion;
        else meta.resourceVersion = rv;
        const res = store.update({ ...current, metadata: meta, spec: { changed: 2 } });
        if (c.code === undefined) {
          assert.deepEqual(ok(res).spec, { changed: 2 });
        } else {
          const err = fail(res);
          assert.equal(err.code, c.code);
          assert.equal(err.reason, c.reason);
          if (c.message) assert.equal(err.message, c.message);
          assert.equal(ok(store.get(refOf(current))), current, 'nothing written');
        }
      });
    }

    it('a uid in the body is a precondition', () => {
      const { store } = newStore();
      const p = ok(store.create(pod('a')));
      const err = fail(store.update({ ...p, metadata: { ...p.metadata, uid: 'other' } }));
      assert.equal(err.code, 409);
      assert.equal(
        err.message,
        'Operation cannot be fulfilled on pods "a": StorageError: invalid object, Code: 4, Key: /registry/pods/default/a, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: other, UID in object meta: 00000000-0000-4000-8000-000000000001',
      );
      const w = ok(store.create(widget('w')));
      assert.match(fail(store.update({ ...w, metadata: { ...w.metadata, uid: 'x' } })).message, /Key: \/registry\/example.com\/widgets\/default\/w,/);
    });

    it('an update of a missing object is 404', () => {
      const { store } = newStore();
      assert.equal(fail(store.update(pod('ghost'))).message, 'pods "ghost" not found');
    });

    it('a no-op update writes nothing: same object, same revision, no event', () => {
      const { store } = newStore();
      const p = ok(store.create(pod('a', { labels: { x: 'y' } })));
      const revision = store.revision;
      const again = ok(store.update(thaw(p)));
      assert.equal(again, p);
      assert.equal(store.revision, revision);
      const noRv = thaw(p);
      delete (noRv.metadata as Record<string, unknown>).resourceVersion;
      assert.equal(ok(store.update(noRv)), p);
      assert.equal(ok(store.update({ ...p, extra: undefined })), p, 'undefined members count as absent');
      assert.equal(allEvents(store, { apiVersion: 'v1', kind: 'Pod' }).length, 1);
    });
  });

  describe('update: metadata rules', () => {
    it('silently keeps creationTimestamp, generation, an existing deletionTimestamp, and a missing uid', () => {
      const { store, clock } = newStore();
      const p = ok(store.create(pod('a', { finalizers: ['example.com/f'] })));
      clock.ms = 10_000;
      const deleting = ok(store.delete(POD_REF('a'))).object;
      const res = ok(
        store.update({
          ...deleting,
          metadata: {
            ...deleting.metadata,
            creationTimestamp: '2030-01-01T00:00:00Z',
            generation: 99,
            deletionTimestamp: undefined,
            deletionGracePeriodSeconds: undefined,
            uid: undefined,
            labels: { changed: 'yes' },
          } as Record<string, unknown>,
        } as StorableObject),
      );
      assert.equal(metaOf(res).creationTimestamp, metaOf(p).creationTimestamp);
      assert.equal(metaOf(res).generation, metaOf(deleting).generation);
      assert.equal(metaOf(res).deletionTimestamp, '2026-01-01T00:00:10Z');
      assert.equal(metaOf(res).deletionGracePeriodSeconds, 0);
      assert.equal(metaOf(res).uid, metaOf(p).uid);
      assert.deepEqual(metaOf(res).labels, { changed: 'yes' });
    });

    const invalids: readonly { name: string; prepare: (s: Store) => DeepReadonly<KubeObject>; change: (o: DeepReadonly<KubeObject>) => StorableObject; message: string }[] = [
      {
        name: 'setting deletionTimestamp',
        prepare: (s) => ok(s.create(pod('a'))),
        change: (o) => ({ ...o, metadata: { ...o.metadata, deletionTimestamp: '2026-01-01T00:00:05Z' } }),
        message: 'Pod "a" is invalid: metadata.deletionTimestamp: Invalid value: 2026-01-01 00:00:05 +0000 UTC: field is immutable',
      },
      {
        name: 'adding a finalizer while deleting',
        prepare: (s) => {
          ok(s.create(pod('a', { finalizers: ['example.com/f'] })));
          return ok(s.delete(POD_REF('a'))).object;
        },
        change: (o) => ({ ...o, metadata: { ...o.metadata, finalizers: ['example.com/f', 'example.com/b', 'example.com/a'] } }),
        message:
          'Pod "a" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/a", "example.com/b"}',
      },
      {
        name: 'replacing a finalizer while deleting',
        prepare: (s) => {
          ok(s.create(widget('a')));
          const w = ok(s.get(WIDGET_REF('a')));
          ok(s.update({ ...w, metadata: { ...w.metadata, finalizers: ['example.com/f'] } }));
          return ok(s.delete(WIDGET_REF('a'))).object;
        },
        change: (o) => ({ ...o, metadata: { ...o.metadata, finalizers: ['example.com/g'] } }),
        message: 'Widget.example.com "a" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/g"}',
      },
      {
        name: 'changing deletionGracePeriodSeconds',
        prepare: (s) => {
          ok(s.create(pod('a', { finalizers: ['example.com/f'] })));
          return ok(s.delete(POD_REF('a'))).object;
        },
        change: (o) => ({ ...o, metadata: { ...o.metadata, deletionGracePeriodSeconds: 30 } }),
        message: 'Pod "a" is invalid: metadata.deletionGracePeriodSeconds: Invalid value: 30: field is immutable',
      },
      {
        name: 'orphan and foregroundDeletion together',
        prepare: (s) => ok(s.create(pod('a'))),
        change: (o) => ({ ...o, metadata: { ...o.metadata, finalizers: ['orphan', 'foregroundDeletion'] } }),
        message: 'Pod "a" is invalid: metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
      },
    ];
    for (const c of invalids) {
      it(`rejects ${c.name} with 422`, () => {
        const { store } = newStore();
        const obj = c.prepare(store);
        const revision = store.revision;
        const res = store.update(c.change(obj));
        assert.ok(isInvalid(res));
        assert.equal(fail(res).message, c.message);
        assert.equal(store.revision, revision);
      });
    }
  });

  describe('generation', () => {
    type Case = { name: string; create: () => KubeObject; change: (o: DeepReadonly<KubeObject>) => StorableObject; status?: boolean; want: number | undefined };
    const deployment = (): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec: { replicas: 1 } });
    const gadget = (): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' }, spec: { a: 1 } });
    const cases: readonly Case[] = [
      { name: 'pod spec change bumps', create: () => pod('a'), change: (o) => ({ ...o, spec: { containers: [] } }), want: 2 },
      { name: 'pod label change does not', create: () => pod('a'), change: (o) => ({ ...o, metadata: { ...o.metadata, labels: { a: 'b' } } }), want: 1 },
      { name: 'pod annotation change does not', create: () => pod('a'), change: (o) => ({ ...o, metadata: { ...o.metadata, annotations: { a: 'b' } } }), want: 1 },
      { name: 'pod finalizer change does not', create: () => pod('a'), change: (o) => ({ ...o, metadata: { ...o.metadata, finalizers: ['x.io/y'] } }), want: 1 },
      { name: 'pod status through update is ignored', create: () => pod('a'), change: (o) => ({ ...o, status: { phase: 'Running' } }), want: 1 },
      { name: 'pod status through updateStatus does not bump', create: () => pod('a'), change: (o) => ({ ...o, status: { phase: 'Running' } }), status: true, want: 1 },
      { name: 'a new top-level field counts as spec', create: () => pod('a'), change: (o) => ({ ...o, extra: { x: 1 } }), want: 2 },
      { name: 'removing spec counts', create: () => pod('a'), change: (o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata }), want: 2 },
      { name: 'a client-set generation is ignored', create: () => pod('a'), change: (o) => ({ ...o, metadata: { ...o.metadata, generation: 7 } }), want: 1 },
      { name: 'Deployment annotation change bumps (copied to ReplicaSets)', create: deployment, change: (o) => ({ ...o, metadata: { ...o.metadata, annotations: { a: 'b' } } }), want: 2 },
      { name: 'Deployment label change does not', create: deployment, change: (o) => ({ ...o, metadata: { ...o.metadata, labels: { a: 'b' } } }), want: 1 },
      { name: 'widget spec change bumps', create: () => widget('w'), change: (o) => ({ ...o, spec: { size: 2 } }), want: 2 },
      { name: 'widget status change does not', create: () => widget('w'), change: (o) => ({ ...o, status: { ready: true } }), status: true, want: 1 },
      { name: 'gadget (no status subresource) status change bumps', create: gadget, change: (o) => ({ ...o, status: { ready: true } }), want: 2 },
      {
        name: 'ConfigMap does not track generation',
        create: () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: '1' } }),
        change: (o) => ({ ...o, data: { a: '2' } }),
        want: undefined,
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const { store } = newStore();
        const created = ok(store.create(c.create()));
        const next = c.change(created);
        const res = ok(c.status ? store.updateStatus(next) : store.update(next));
        assert.equal(metaOf(res).generation, c.want);
      });
    }

    it('bumps once per spec change, not per write', () => {
      const { store } = newStore();
      let w = ok(store.create(widget('w')));
      for (let i = 2; i <= 5; i++) w = ok(store.update({ ...w, spec: { size: i } }));
      w = ok(store.update({ ...w, metadata: { ...w.metadata, labels: { a: 'b' } } }));
      assert.equal(metaOf(w).generation, 5);
    });
  });

  describe('status subresource', () => {
    it('update keeps the stored status; updateStatus changes only status', () => {
      const { store } = newStore();
      const p = ok(store.create(pod('a', { status: { phase: 'Pending' } })));
      const u = ok(store.update({ ...p, status: { phase: 'Failed' }, metadata: { ...p.metadata, labels: { l: '1' } } }));
      assert.deepEqual(u.status, { phase: 'Pending' });
      assert.deepEqual(u.metadata.labels, { l: '1' });
      const s = ok(store.updateStatus({ ...u, status: { phase: 'Running' }, spec: { containers: [] }, metadata: { ...u.metadata, labels: { l: '2' } } }));
      assert.deepEqual(s.status, { phase: 'Running' });
      assert.deepEqual(s.spec, u.spec, 'spec comes from the stored object');
      assert.deepEqual(s.metadata.labels, { l: '1' }, 'metadata comes from the stored object');
      assert.equal(metaOf(s).resourceVersion, String(store.revision));
    });

    it('updateStatus without status removes it', () => {
      const { store } = newStore();
      const w = ok(store.create({ ...widget('w'), status: { ready: true } }));
      const { status: _dropped, ...noStatus } = w;
      assert.equal(ok(store.updateStatus(noStatus as KubeObject)).status, undefined);
    });

    it('updateStatus checks resourceVersion and uid like update', () => {
      const { store } = newStore();
      const w = ok(store.create(widget('w')));
      ok(store.update({ ...w, spec: { size: 9 } }));
      assert.ok(isConflict(store.updateStatus({ ...w, status: { ready: true } })));
      const noRv = { ...w, metadata: { ...w.metadata, resourceVersion: undefined } as Record<string, unknown> } as StorableObject;
      assert.ok(isInvalid(store.updateStatus(noRv)));
    });

    it('kinds without a status subresource have no /status (404), their status is written by update', () => {
      const { store } = newStore();
      const cm = ok(store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } }));
      assert.equal(fail(store.updateStatus({ ...cm, status: { x: 1 } })).message, 'the server could not find the requested resource');
      const g = ok(store.create({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' } }));
      assert.deepEqual(ok(store.update({ ...g, status: { ok: true } })).status, { ok: true });
      assert.ok(isNotFound(store.patchStatus(refOf(g), { status: { ok: false } })));
    });
  });

  describe('patch (JSON merge patch)', () => {
    it('merges into the stored object and writes a new revision', () => {
      const { store } = newStore();
      const p = ok(store.create(pod('a', { labels: { keep: '1', drop: '2' } })));
      const res = ok(store.patch(POD_REF('a'), { metadata: { labels: { drop: null, add: '3' } } }));
      assert.deepEqual(res.metadata.labels, { keep: '1', add: '3' });
      assert.equal(res.spec, p.spec);
      assert.equal(metaOf(res).resourceVersion, String(store.revision));
    });

    it('is unconditional unless it carries a resourceVersion', () => {
      const { store } = newStore();
      ok(store.create(widget('w')));
      ok(store.patch(WIDGET_REF('w'), { spec: { size: 2 } }));
      assert.ok(isConflict(store.patch(WIDGET_REF('w'), { metadata: { resourceVersion: '2' }, spec: { size: 3 } })));
      assert.deepEqual(ok(store.patch(WIDGET_REF('w'), { metadata: { resourceVersion: store.resourceVersion }, spec: { size: 3 } })).spec, { size: 3 });
    });

    it('ignores status on the main resource; patchStatus takes only status', () => {
      const { store } = newStore();
      ok(store.create(widget('w')));
      assert.equal(ok(store.patch(WIDGET_REF('w'), { status: { ready: true } })).status, undefined);
      const s = ok(store.patchStatus(WIDGET_REF('w'), { status: { ready: true }, spec: { size: 100 } }));
      assert.deepEqual(s.status, { ready: true });
      assert.deepEqual(s.spec, { size: 1 });
      assert.equal(metaOf(s).generation, 1);
    });

    it('a no-op patch writes nothing', () => {
      const { store } = newStore();
      const p = ok(store.create(pod('a', { labels: { a: '1' } })));
      assert.equal(ok(store.patch(POD_REF('a'), { metadata: { labels: { a: '1' } } })), p);
      assert.equal(store.revision, 2);
    });

    it('removing the last finalizer of a deleting object deletes it', () => {
      const { store } = newStore();
      ok(store.create(pod('a', { finalizers: ['x.io/f'] })));
      ok(store.delete(POD_REF('a')));
      ok(store.patch(POD_REF('a'), { metadata: { finalizers: null } }));
      assert.ok(isNotFound(store.get(POD_REF('a'))));
    });

    const errors: readonly { name: string; patch: unknown; ref?: ObjectRef; code: number; message?: string }[] = [
      { name: 'missing object', ref: POD_REF('ghost'), patch: {}, code: 404, message: 'pods "ghost" not found' },
      { name: 'a patch that is not an object', patch: ['x'], code: 400 },
      { name: 'renaming', patch: { metadata: { name: 'b' } }, code: 400, message: 'the name of the object (b) does not match the name on the URL (a)' },
      { name: 'moving namespace', patch: { metadata: { namespace: 'other' } }, code: 400, message: 'the namespace of the provided object does not match the namespace sent on the request' },
      { name: 'changing kind', patch: { kind: 'Service' }, code: 400 },
      { name: 'changing uid', patch: { metadata: { uid: 'x' } }, code: 422, message: 'Pod "a" is invalid: metadata.uid: Invalid value: "x": field is immutable' },
      { name: 'stale resourceVersion', patch: { metadata: { resourceVersion: '1' } }, code: 409 },
    ];
    for (const c of errors) {
      it(`rejects ${c.name}: ${c.code}`, () => {
        const { store } = newStore();
        ok(store.create(pod('a')));
        const err = fail(store.patch(c.ref ?? POD_REF('a'), c.patch));
        assert.equal(err.code, c.code);
        if (c.message) assert.equal(err.message, c.message);
        assert.equal(store.revision, 2);
      });
    }
  });

  describe('delete and finalizers', () => {
    it('removes an object without finalizers at once', () => {
      const { store } = newStore();
      ok(store.create(pod('a')));
      const res = ok(store.delete(POD_REF('a')));
      assert.equal(res.deleted, true);
      assert.equal(metaOf(res.object).resourceVersion, '3', 'the final state carries the deletion revision');
      assert.ok(isNotFound(store.get(POD_REF('a'))));
      assert.equal(fail(store.delete(POD_REF('a'))).message, 'pods "a" not found');
    });

    it('marks an object with finalizers and keeps it until the last one is removed', () => {
      const { store, clock } = newStore();
      ok(store.create(pod('a', { finalizers: ['x.io/one', 'x.io/two'] })));
      clock.ms = 42_500;
      const marked = ok(store.delete(POD_REF('a')));
      assert.equal(marked.deleted, false);
      assert.equal(metaOf(marked.object).deletionTimestamp, '2026-01-01T00:00:42Z');
      assert.equal(metaOf(marked.object).deletionGracePeriodSeconds, 0);
      assert.equal(metaOf(marked.object).generation, 2, 'first deletion bumps generation');

      // A second delete is a no-op that returns the object.
      clock.ms = 99_000;
      const again = ok(store.delete(POD_REF('a')));
      assert.equal(again.object, marked.object);
      assert.equal(again.deleted, false);

      const one = ok(store.update({ ...marked.object, metadata: { ...marked.object.metadata, finalizers: ['x.io/two'] } }));
      assert.equal(metaOf(one).deletionTimestamp, '2026-01-01T00:00:42Z');
      const revisionBefore = store.revision;
      const last = ok(store.update({ ...one, metadata: { ...one.metadata, finalizers: [] } }));
      assert.deepEqual(metaOf(last).finalizers, []);
      assert.ok(isNotFound(store.get(POD_REF('a'))));
      assert.equal(store.revision, revisionBefore + 1, 'the delete is the only write');

      const events = allEvents(store, { apiVersion: 'v1', kind: 'Pod' });
      assert.deepEqual(
        events.map((e) => e.type),
        ['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED'],
      );
      const deleted = events[3] as { object: DeepReadonly<KubeObject> };
      assert.deepEqual(metaOf(deleted.object).finalizers, ['x.io/two'], 'DELETED carries the last stored state');
      assert.equal(metaOf(deleted.object).resourceVersion, String(store.revision));
    });

    it('a deleting object can still be updated (without adding finalizers)', () => {
      const { store } = newStore();
      ok(store.create(pod('a', { finalizers: ['x.io/f'] })));
      const marked = ok(store.delete(POD_REF('a'))).object;
      const u = ok(store.update({ ...marked, metadata: { ...marked.metadata, labels: { during: 'deletion' } } }));
      assert.deepEqual(u.metadata.labels, { during: 'deletion' });
      assert.equal(metaOf(u).generation, 2, 'only the first deletion bumps generation');
    });

    it('repeating a finalizer that is already there is not a new finalizer (set comparison, as upstream)', () => {
      const { store } = newStore();
      ok(store.create(pod('a', { finalizers: ['x.io/f'] })));
      const marked = ok(store.delete(POD_REF('a'))).object;
      const u = ok(store.update({ ...marked, metadata: { ...marked.metadata, finalizers: ['x.io/f', 'x.io/f'] } }));
      assert.deepEqual(metaOf(u).finalizers, ['x.io/f', 'x.io/f']);
    });

    it('kinds without generation get no generation on deletion', () => {
      const { store } = newStore();
      ok(store.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', finalizers: ['x.io/f'] } }));
      const res = ok(store.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c' }));
      assert.equal(metaOf(res.object).generation, undefined);
    });

    const preconditions: readonly { name: string; pre: (o: DeepReadonly<KubeObject>) => { uid?: string; resourceVersion?: string }; message?: string }[] = [
      { name: 'matching uid and resourceVersion', pre: (o) => ({ uid: o.metadata.uid as string, resourceVersion: o.metadata.resourceVersion as string }) },
      {
        name: 'other uid',
        pre: () => ({ uid: 'u-2' }),
        message:
          'Operation cannot be fulfilled on Pod "a": the UID in the precondition (u-2) does not match the UID in record (00000000-0000-4000-8000-000000000001). The object might have been deleted and then recreated',
      },
      {
        name: 'stale resourceVersion',
        pre: () => ({ resourceVersion: '1' }),
        message: 'Operation cannot be fulfilled on Pod "a": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (2). The object might have been modified',
      },
    ];
    for (const c of preconditions) {
      it(`preconditions: ${c.name}`, () => {
        const { store } = newStore();
        const p = ok(store.create(pod('a')));
        const res = store.delete(POD_REF('a'), { preconditions: c.pre(p) });
        if (c.message === undefined) {
          assert.equal(ok(res).deleted, true);
        } else {
          const err = fail(res);
          assert.equal(err.code, 409);
          assert.equal(err.reason, 'Conflict');
          assert.equal(err.message, c.message);
          assert.ok(ok(store.get(POD_REF('a'))));
        }
      });
    }

    const policies: readonly { name: string; finalizers?: string[]; policy?: 'Orphan' | 'Foreground' | 'Background'; deleted: boolean; want?: string[] }[] = [
      { name: 'Orphan adds the orphan finalizer', policy: 'Orphan', deleted: false, want: ['orphan'] },
      { name: 'Foreground adds foregroundDeletion', policy: 'Foreground', deleted: false, want: ['foregroundDeletion'] },
      { name: 'Background on a plain object deletes it', policy: 'Background', deleted: true },
      { name: 'Background removes the orphan finalizer, then deletes', finalizers: ['orphan'], policy: 'Background', deleted: true },
      { name: 'Foreground replaces orphan', finalizers: ['x.io/a', 'orphan'], policy: 'Foreground', deleted: false, want: ['x.io/a', 'foregroundDeletion'] },
      { name: 'Orphan keeps other finalizers', finalizers: ['x.io/a'], policy: 'Orphan', deleted: false, want: ['x.io/a', 'orphan'] },
      { name: 'no policy keeps an existing GC finalizer', finalizers: ['foregroundDeletion'], deleted: false, want: ['foregroundDeletion'] },
    ];
    for (const c of policies) {
      it(`propagationPolicy: ${c.name}`, () => {
        const { store } = newStore();
        ok(store.create(pod('a', c.finalizers ? { finalizers: c.finalizers } : {})));
        const res = ok(store.delete(POD_REF('a'), c.policy ? { propagationPolicy: c.policy } : {}));
        assert.equal(res.deleted, c.deleted);
        if (!c.deleted) {
          assert.deepEqual(metaOf(res.object).finalizers, c.want);
          assert.ok(metaOf(res.object).deletionTimestamp !== undefined);
        }
      });
    }

    it('a policy on an object already being deleted can still change GC finalizers, as upstream', () => {
      const { store } = newStore();
      ok(store.create(pod('a')));
      ok(store.delete(POD_REF('a'), { propagationPolicy: 'Orphan' }));
      assert.equal(ok(store.delete(POD_REF('a'), { propagationPolicy: 'Background' })).deleted, true);
    });

    it('rejects an unknown propagation policy', () => {
      const { store } = newStore();
      ok(store.create(pod('a')));
      const err = fail(store.delete(POD_REF('a'), { propagationPolicy: 'Sideways' as 'Orphan' }));
      assert.equal(err.message, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan"');
    });

    it('a recreated object is a new object (new uid), and old preconditions fail', () => {
      const { store } = newStore();
      const first = ok(store.create(pod('a')));
      ok(store.delete(POD_REF('a')));
      const second = ok(store.create(pod('a')));
      assert.notEqual(metaOf(second).uid, metaOf(first).uid);
      assert.ok(isConflict(store.delete(POD_REF('a'), { preconditions: { uid: metaOf(first).uid as string } })));
      assert.ok(isConflict(store.update(thaw(first))));
    });
  });

  describe('kinds', () => {
    it('registers the built-in kinds by default', () => {
      const store = new Store({ clock: { nowMs: () => 0 } });
      for (const k of BUILTIN_KINDS) assert.equal(store.kindInfo({ group: k.group, kind: k.kind }), k);
    });

    it('custom kinds must be registered before use; re-registering updates the kind', () => {
      const store = new Store({ clock: { nowMs: () => 0 }, kinds: [] });
      assert.ok(isNotFound(store.create(widget('w'))));
      store.registerKind(WIDGET);
      ok(store.create(widget('w')));
      store.registerKind({ ...WIDGET, versions: ['v2'] });
      assert.ok(isNotFound(store.get(WIDGET_REF('w'))), 'v1 no longer served');
      assert.ok(ok(store.get({ apiVersion: 'example.com/v2', kind: 'Widget', namespace: 'default', name: 'w' })));
      assert.equal(store.stats().objects, 1);
    });

    it('cluster-scoped custom resources have no namespace', () => {
      const { store } = newStore();
      const g = ok(store.create({ apiVersion: 'example.com/v1', kind: GADGET.kind, metadata: { name: 'g', namespace: 'x' } }));
      assert.equal(g.metadata.namespace, undefined);
      assert.ok(isAlreadyExists(store.create({ apiVersion: 'example.com/v1', kind: GADGET.kind, metadata: { name: 'g' } })));
    });
  });

  describe('compaction bookkeeping', () => {
    it('refuses a future revision and ignores going backwards', () => {
      const { store } = newStore();
      ok(store.create(pod('a')));
      assert.throws(() => store.compact(3), ModelBug);
      assert.throws(() => store.compact(1.5), ModelBug);
      store.compact(2);
      store.compact(1);
      assert.equal(store.compactedRevision, 2);
    });
  });
});
