import assert from 'node:assert/strict';
import type { DeepReadonly, EndpointSlice, Pod, Service } from 'kubeprop';
import { create, get, list, node, patch, remove, setPodRunning, startHarness, type Harness } from '../controller-spec-kit.js';
import {
  ENDPOINTSLICE_MANAGED_BY,
  LABEL_HEADLESS_SERVICE,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  planAddressType,
  sliceLabels,
  type DesiredGroup,
  type EndpointSliceView,
} from './endpointslice-reconciler.js';
import { endpointSliceController, endpointSliceName, newEndpointSliceController } from './endpointslice.js';
import { addressTypesForService, endpointPorts, findPort, podToEndpoint, portMapKey, type ServiceView, type SliceEndpoint } from './service-endpoints.js';

const NS = 'default';

function service(name: string, selector: Record<string, string> | undefined, extra: Partial<NonNullable<Service['spec']>> = {}, labels: Record<string, string> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS, labels },
    spec: {
      ...(selector !== undefined ? { selector } : {}),
      clusterIP: '10.96.0.10',
      ipFamilies: ['IPv4'],
      ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }],
      ...extra,
    },
  } as Service;
}

function pod(name: string, labels: Record<string, string>, nodeName = 'node-a', extra: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels },
    spec: { nodeName, containers: [{ name: 'app', image: 'nginx', ports: [{ name: 'web', containerPort: 8080 }] }], ...extra },
  } as Pod;
}

function slicesOf(h: Harness, svc: string): DeepReadonly<EndpointSlice>[] {
  return list<EndpointSlice>(h, 'EndpointSlice', NS).filter((s) => s.metadata?.labels?.[LABEL_SERVICE_NAME] === svc);
}

function endpointsOf(h: Harness, svc: string): Map<string, DeepReadonly<NonNullable<EndpointSlice['endpoints']>[number]>> {
  const out = new Map<string, DeepReadonly<NonNullable<EndpointSlice['endpoints']>[number]>>();
  for (const s of slicesOf(h, svc)) for (const e of s.endpoints ?? []) out.set(e.targetRef?.name ?? '', e);
  return out;
}

/** A running cluster with two zoned nodes and the controller. */
function cluster(seed = 1): Harness {
  const h = startHarness(seed, [endpointSliceController]);
  create(h, node('node-a', { labels: { 'topology.kubernetes.io/zone': 'zone-a' } }));
  create(h, node('node-b', { labels: { 'topology.kubernetes.io/zone': 'zone-b' } }));
  return h;
}

const asView = (x: unknown) => x as ServiceView;
const asPod = (x: unknown) => x as DeepReadonly<Pod>;

describe('EndpointSlice controller', () => {
  describe('pod → endpoint (table)', () => {
    const svc = asView({ ...service('web', { app: 'web' }), metadata: { name: 'web', namespace: NS, uid: 's1' } });
    const withStatus = (ready: boolean, deleting: boolean) =>
      asPod({
        ...pod('p', { app: 'web' }),
        metadata: { name: 'p', namespace: NS, uid: 'u1', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:10Z' } : {}) },
        status: { phase: 'Running', podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
      });
    const rows: { name: string; ready: boolean; deleting: boolean; publish: boolean; want: SliceEndpoint['conditions'] }[] = [
      { name: 'ready pod', ready: true, deleting: false, publish: false, want: { ready: true, serving: true, terminating: false } },
      { name: 'not ready pod', ready: false, deleting: false, publish: false, want: { ready: false, serving: false, terminating: false } },
      { name: 'terminating ready pod', ready: true, deleting: true, publish: false, want: { ready: false, serving: true, terminating: true } },
      { name: 'terminating not ready pod', ready: false, deleting: true, publish: false, want: { ready: false, serving: false, terminating: true } },
      { name: 'publishNotReadyAddresses, not ready', ready: false, deleting: false, publish: true, want: { ready: true, serving: false, terminating: false } },
      { name: 'publishNotReadyAddresses, terminating', ready: false, deleting: true, publish: true, want: { ready: true, serving: false, terminating: true } },
    ];
    for (const r of rows) {
      it(r.name, () => {
        const s = r.publish ? asView({ ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } }) : svc;
        const ep = podToEndpoint(withStatus(r.ready, r.deleting), asPod(node('node-a', { labels: { 'topology.kubernetes.io/zone': 'z1' } })) as never, s, 'IPv4');
        assert.deepEqual(ep.conditions, r.want);
        assert.deepEqual(ep.addresses, ['10.0.0.1']);
        assert.equal(ep.nodeName, 'node-a');
        assert.equal(ep.zone, 'z1');
        assert.deepEqual(ep.targetRef, { kind: 'Pod', namespace: NS, name: 'p', uid: 'u1' });
      });
    }

    it('sets hostname only for a pod whose subdomain is the Service', () => {
      const p = asPod({ ...withStatus(true, false), spec: { ...withStatus(true, false).spec, hostname: 'h0', subdomain: 'web' } });
      assert.equal(podToEndpoint(p, undefined, svc, 'IPv4').hostname, 'h0');
      const q = asPod({ ...p, spec: { ...p.spec, subdomain: 'other' } });
      assert.equal(podToEndpoint(q, undefined, svc, 'IPv4').hostname, undefined);
    });

    it('keeps only the addresses of the slice family', () => {
      const p = asPod({ ...withStatus(true, false), status: { ...withStatus(true, false).status, podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] } });
      assert.deepEqual(podToEndpoint(p, undefined, svc, 'IPv4').addresses, ['10.0.0.1']);
      assert.deepEqual(podToEndpoint(p, undefined, svc, 'IPv6').addresses, ['fd00::1']);
    });
  });

  describe('ports (table)', () => {
    const p = asPod(
      pod('p', {}, 'n', {
        containers: [{ name: 'a', image: 'x', ports: [{ name: 'web', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] }],
        initContainers: [
          { name: 'sidecar', image: 'y', restartPolicy: 'Always', ports: [{ name: 'metrics', containerPort: 9090 }] },
          { name: 'init', image: 'z', ports: [{ name: 'setup', containerPort: 7070 }] },
        ],
      }),
    );
    const rows: { name: string; port: Record<string, unknown>; want: number | undefined }[] = [
      { name: 'numeric targetPort', port: { port: 80, targetPort: 9376 }, want: 9376 },
      { name: 'no targetPort: the service port', port: { port: 80 }, want: 80 },
      { name: 'named targetPort', port: { port: 80, targetPort: 'web' }, want: 8080 },
      { name: 'named targetPort, protocol must match', port: { port: 53, targetPort: 'dns' }, want: undefined },
      { name: 'named UDP targetPort', port: { port: 53, targetPort: 'dns', protocol: 'UDP' }, want: 53 },
      { name: 'named port of a sidecar container', port: { port: 9, targetPort: 'metrics' }, want: 9090 },
      { name: 'a plain init container port does not count', port: { port: 9, targetPort: 'setup' }, want: undefined },
      { name: 'unknown name', port: { port: 80, targetPort: 'nope' }, want: undefined },
    ];
    for (const r of rows) it(r.name, () => assert.equal(findPort(p, r.port as never), r.want));

    it('a Service port that does not resolve is left out of the endpoint ports', () => {
      const svc = asView(service('s', {}, { ports: [{ name: 'http', port: 80, targetPort: 'web' }, { name: 'x', port: 81, targetPort: 'nope' }] }));
      assert.deepEqual(endpointPorts(svc, p), [{ name: 'http', port: 8080, protocol: 'TCP' }]);
      assert.equal(portMapKey([{ name: 'b', port: 2, protocol: 'TCP' }, { name: 'a', port: 1, protocol: 'TCP' }]), portMapKey([{ name: 'a', port: 1, protocol: 'TCP' }, { name: 'b', port: 2, protocol: 'TCP' }]));
    });
  });

  describe('address types and names', () => {
    const rows: { name: string; spec: Record<string, unknown>; want: string[] }[] = [
      { name: 'ipFamilies', spec: { ipFamilies: ['IPv6', 'IPv4'], clusterIP: '10.0.0.1' }, want: ['IPv6', 'IPv4'] },
      { name: 'IPv4 cluster IP', spec: { clusterIP: '10.0.0.1' }, want: ['IPv4'] },
      { name: 'IPv6 cluster IP', spec: { clusterIP: 'fd00::10' }, want: ['IPv6'] },
      { name: 'headless without families: both', spec: { clusterIP: 'None' }, want: ['IPv4', 'IPv6'] },
    ];
    for (const r of rows) it(r.name, () => assert.deepEqual(addressTypesForService(asView({ metadata: { name: 's' }, spec: r.spec })), r.want));

    it('names are <service>-<5 chars>, deterministic, distinct by ordinal, prefix cut at 58', () => {
      const s = asView({ metadata: { name: 'web', uid: 'uid-1' } });
      const a = endpointSliceName(s, 0);
      assert.match(a, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.equal(endpointSliceName(s, 0), a);
      assert.notEqual(endpointSliceName(s, 1), a);
      const long = asView({ metadata: { name: 'x'.repeat(63), uid: 'u' } });
      assert.equal(endpointSliceName(long, 0).length, 63);
    });

    it('slice labels copy the Service labels but not the reserved ones', () => {
      const svc = asView({ metadata: { name: 'web', labels: { team: 'a', [LABEL_SERVICE_NAME]: 'spoof' } }, spec: { clusterIP: 'None' } });
      const { labels, changed } = sliceLabels({ [LABEL_SERVICE_NAME]: 'web' }, svc);
      assert.deepEqual(labels, { team: 'a', [LABEL_HEADLESS_SERVICE]: '', [LABEL_SERVICE_NAME]: 'web', [LABEL_MANAGED_BY]: ENDPOINTSLICE_MANAGED_BY });
      assert.equal(changed, true);
    });
  });

  describe('planning (table)', () => {
    const svc = asView({ metadata: { name: 'web', namespace: NS, uid: 's1' }, spec: { clusterIP: '10.0.0.1', ipFamilies: ['IPv4'] } });
    const ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
    const ep = (i: number): SliceEndpoint => ({
      addresses: [`10.0.0.${i}`],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: NS, name: `p${i}`, uid: `u${i}` },
    });
    const desired = (n: number, from = 0): Map<string, DesiredGroup> => {
      const endpoints = new Map<string, SliceEndpoint>();
      for (let i = from; i < from + n; i++) endpoints.set(`10.0.0.${i}||${NS}/p${i}`, ep(i));
      return new Map([[portMapKey(ports), { ports, endpoints }]]);
    };
    const existing = (name: string, eps: SliceEndpoint[]): EndpointSliceView =>
      ({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name, namespace: NS, resourceVersion: '5', labels: sliceLabels(undefined, svc).labels, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 's1', controller: true, blockOwnerDeletion: true }] },
        addressType: 'IPv4',
        endpoints: eps,
        ports,
      }) as unknown as EndpointSliceView;

    it('no pods: one empty placeholder slice, kept as it is on the next sync', () => {
      const plan = planAddressType(svc, 'IPv4', [], new Map(), 100);
      assert.equal(plan.creates.length, 1);
      assert.deepEqual(plan.creates[0]?.endpoints, []);
      assert.deepEqual(plan.creates[0]?.ports, []);
      const placeholder = { ...existing('web-aaaaa', []), ports: [] } as unknown as EndpointSliceView;
      const again = planAddressType(svc, 'IPv4', [placeholder], new Map(), 100);
      assert.deepEqual([again.creates.length, again.updates.length, again.deletes.length], [0, 0, 0]);
    });

    it('250 endpoints: three slices of at most 100', () => {
      const plan = planAddressType(svc, 'IPv4', [], desired(250), 100);
      assert.deepEqual(plan.creates.map((s) => s.endpoints.length), [100, 100, 50]);
    });

    it('an unchanged slice is left alone; a new endpoint goes to the slice that ends closest to full', () => {
      const a = existing('web-a', [ep(0), ep(1)]);
      const b = existing('web-b', Array.from({ length: 98 }, (_, i) => ep(10 + i)));
      const want = desired(2);
      const group = want.get(portMapKey(ports)) as DesiredGroup;
      for (let i = 10; i < 108; i++) group.endpoints.set(`10.0.0.${i}||${NS}/p${i}`, ep(i));
      group.endpoints.set(`10.0.0.200||${NS}/p200`, ep(200));
      const plan = planAddressType(svc, 'IPv4', [a, b], want, 100);
      assert.equal(plan.creates.length, 0);
      assert.deepEqual(plan.updates.map((s) => [s.metadata.name, s.endpoints.length]), [['web-b', 99]]);
    });

    it('a slice whose endpoints all went is reused for new endpoints instead of delete + create', () => {
      const old = existing('web-old', [ep(0)]);
      const plan = planAddressType(svc, 'IPv4', [old], desired(1, 5), 100);
      assert.deepEqual([plan.creates.length, plan.deletes.length], [0, 0]);
      assert.equal(plan.updates[0]?.metadata.name, 'web-old');
      assert.equal(plan.updates[0]?.endpoints[0]?.targetRef.name, 'p5');
    });

    it('slices not owned by the Service are deleted', () => {
      const foreign = { ...existing('web-x', [ep(0)]), metadata: { ...existing('web-x', []).metadata, ownerReferences: [] } } as unknown as EndpointSliceView;
      const plan = planAddressType(svc, 'IPv4', [foreign], desired(1), 100);
      assert.deepEqual(plan.deletes.map((s) => s.metadata?.name), ['web-x']);
      assert.equal(plan.creates.length, 1);
    });
  });

  describe('scenarios', () => {
    it('keeps one slice per Service following pods becoming ready, not ready and terminating', () => {
      const h = cluster();
      create(h, service('web', { app: 'web' }, {}, { team: 'blue' }));
      for (const [i, n] of [[0, 'node-a'], [1, 'node-b'], [2, 'node-a']] as const) create(h, pod(`web-${i}`, { app: 'web' }, n));
      create(h, pod('other', { app: 'other' }));
      h.c.sim.runFor(2_000);
      // No pod has an IP yet: the Service gets the placeholder slice.
      let slices = slicesOf(h, 'web');
      assert.equal(slices.length, 1);
      assert.deepEqual(slices[0]?.endpoints ?? [], []);

      for (let i = 0; i < 3; i++) setPodRunning(h, NS, `web-${i}`, { ready: i !== 2, ip: `10.1.0.${i}` });
      setPodRunning(h, NS, 'other', { ready: true, ip: '10.1.0.9' });
      h.c.sim.runFor(2_000);
      slices = slicesOf(h, 'web');
      assert.equal(slices.length, 1);
      const slice = slices[0] as DeepReadonly<EndpointSlice>;
      assert.equal(slice.addressType, 'IPv4');
      assert.match(slice.metadata?.name ?? '', /^web-[a-z0-9]{5}$/);
      assert.equal(slice.metadata?.labels?.[LABEL_MANAGED_BY], ENDPOINTSLICE_MANAGED_BY);
      assert.equal(slice.metadata?.labels?.team, 'blue');
      const owner = slice.metadata?.ownerReferences?.[0];
      assert.deepEqual([owner?.kind, owner?.name, owner?.controller], ['Service', 'web', true]);
      assert.equal(owner?.uid, get<Service>(h, 'Service', NS, 'web')?.metadata?.uid);
      assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
      let eps = endpointsOf(h, 'web');
      assert.deepEqual([...eps.keys()].sort(), ['web-0', 'web-1', 'web-2']);
      assert.deepEqual(eps.get('web-0')?.conditions, { ready: true, serving: true, terminating: false });
      assert.deepEqual(eps.get('web-2')?.conditions, { ready: false, serving: false, terminating: false });
      assert.equal(eps.get('web-1')?.zone, 'zone-b');
      assert.equal(eps.get('web-1')?.nodeName, 'node-b');
      assert.deepEqual(eps.get('web-1')?.addresses, ['10.1.0.1']);

      // Readiness flips both ways.
      setPodRunning(h, NS, 'web-0', { ready: false });
      setPodRunning(h, NS, 'web-2', { ready: true });
      h.c.sim.runFor(2_000);
      eps = endpointsOf(h, 'web');
      assert.equal(eps.get('web-0')?.conditions?.ready, false);
      assert.equal(eps.get('web-2')?.conditions?.ready, true);

      // Terminating (a finalizer keeps it around): still listed, terminating, not ready, serving as reported.
      patch(h, 'Pod', NS, 'web-2', { metadata: { finalizers: ['example.com/hold'] } });
      remove(h, 'Pod', NS, 'web-2');
      h.c.sim.runFor(2_000);
      eps = endpointsOf(h, 'web');
      assert.deepEqual(eps.get('web-2')?.conditions, { ready: false, serving: true, terminating: true });

      // Gone for good, and a failed pod leaves too.
      patch(h, 'Pod', NS, 'web-2', { metadata: { finalizers: null } });
      patch(h, 'Pod', NS, 'web-1', { status: { phase: 'Failed' } }, true);
      h.c.sim.runFor(2_000);
      assert.deepEqual([...endpointsOf(h, 'web').keys()], ['web-0']);
    });

    it('follows a selector change, and leaves Services without a selector (or ExternalName) alone', () => {
      const h = cluster(2);
      create(h, service('web', { app: 'v1' }));
      create(h, service('manual', undefined));
      create(h, service('ext', { app: 'v1' }, { type: 'ExternalName', externalName: 'example.com' }));
      for (const v of ['v1', 'v2']) {
        create(h, pod(`p-${v}`, { app: v }));
        h.c.sim.runFor(100);
        setPodRunning(h, NS, `p-${v}`, { ready: true, ip: v === 'v1' ? '10.2.0.1' : '10.2.0.2' });
      }
      h.c.sim.runFor(2_000);
      assert.deepEqual([...endpointsOf(h, 'web').keys()], ['p-v1']);
      patch(h, 'Service', NS, 'web', { spec: { selector: { app: 'v2' } } });
      h.c.sim.runFor(2_000);
      assert.deepEqual([...endpointsOf(h, 'web').keys()], ['p-v2']);
      assert.equal(slicesOf(h, 'web').length, 1, 'the emptied slice is reused, not deleted and recreated');
      assert.equal(slicesOf(h, 'manual').length, 0);
      assert.equal(slicesOf(h, 'ext').length, 0);
      // A pod relabelled into the Service joins it.
      patch(h, 'Pod', NS, 'p-v1', { metadata: { labels: { app: 'v2' } } });
      h.c.sim.runFor(2_000);
      assert.deepEqual([...endpointsOf(h, 'web').keys()].sort(), ['p-v1', 'p-v2']);
    });

    it('splits more than 100 endpoints into two slices, and shrinks back to one', () => {
      const h = cluster(3);
      create(h, service('big', { app: 'big' }));
      for (let i = 0; i < 150; i++) create(h, pod(`big-${String(i).padStart(3, '0')}`, { app: 'big' }, i % 2 === 0 ? 'node-a' : 'node-b'));
      h.c.sim.runFor(1_000);
      for (let i = 0; i < 150; i++) setPodRunning(h, NS, `big-${String(i).padStart(3, '0')}`, { ready: true, ip: `10.3.${Math.floor(i / 200)}.${i % 200}` });
      h.c.sim.runFor(3_000);
      const slices = slicesOf(h, 'big');
      assert.deepEqual(slices.map((s) => (s.endpoints ?? []).length).sort((a, b) => b - a), [100, 50]);
      assert.equal(endpointsOf(h, 'big').size, 150);
      for (let i = 100; i < 150; i++) remove(h, 'Pod', NS, `big-${i}`);
      h.c.sim.runFor(3_000);
      assert.equal(endpointsOf(h, 'big').size, 100);
      assert.ok(slicesOf(h, 'big').length <= 2);
      assert.ok(h.manager.reports.every((r) => r.kind !== 'plugin-error'), JSON.stringify(h.manager.reports));
    });

    it('honours maxEndpointsPerSlice', () => {
      const h = startHarness(4, [newEndpointSliceController({ maxEndpointsPerSlice: 2 })]);
      create(h, node('node-a'));
      create(h, service('s', { app: 's' }));
      for (let i = 0; i < 5; i++) {
        create(h, pod(`s-${i}`, { app: 's' }));
        h.c.sim.runFor(10);
        setPodRunning(h, NS, `s-${i}`, { ready: true, ip: `10.4.0.${i}` });
      }
      h.c.sim.runFor(2_000);
      assert.deepEqual(slicesOf(h, 's').map((s) => (s.endpoints ?? []).length).sort(), [1, 2, 2]);
    });

    it('with a batch period, applies the pod changes of a window together at its end', () => {
      const h = startHarness(12, [newEndpointSliceController({ endpointUpdatesBatchPeriodMs: 5_000 })]);
      create(h, node('node-a'));
      create(h, service('web', { app: 'web' }));
      for (let i = 0; i < 3; i++) create(h, pod(`w-${i}`, { app: 'web' }));
      h.c.sim.runFor(1_000);
      setPodRunning(h, NS, 'w-0', { ready: true, ip: '10.12.0.0' });
      h.c.sim.runFor(1_000);
      // w-0 came a second after the last sync: it waits for the window to end.
      assert.equal(endpointsOf(h, 'web').size, 0);
      setPodRunning(h, NS, 'w-1', { ready: true, ip: '10.12.0.1' });
      h.c.sim.runFor(4_000);
      assert.equal(endpointsOf(h, 'web').size, 2);
    });

    it('resolves named ports per pod: pods exposing different ports get separate slices', () => {
      const h = cluster(5);
      create(h, service('multi', { app: 'm' }));
      create(h, pod('m-0', { app: 'm' }));
      create(h, { ...pod('m-1', { app: 'm' }), spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'x', ports: [{ name: 'web', containerPort: 9000 }] }] } });
      create(h, { ...pod('m-2', { app: 'm' }), spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'x' }] } });
      h.c.sim.runFor(100);
      for (let i = 0; i < 3; i++) setPodRunning(h, NS, `m-${i}`, { ready: true, ip: `10.5.0.${i}` });
      h.c.sim.runFor(2_000);
      const byPort = new Map(slicesOf(h, 'multi').map((s) => [JSON.stringify(s.ports), (s.endpoints ?? []).map((e) => e.targetRef?.name)]));
      assert.deepEqual(byPort.get(JSON.stringify([{ name: 'http', port: 8080, protocol: 'TCP' }])), ['m-0']);
      assert.deepEqual(byPort.get(JSON.stringify([{ name: 'http', port: 9000, protocol: 'TCP' }])), ['m-1']);
      assert.deepEqual(byPort.get(JSON.stringify([])), ['m-2']);
    });

    it('leaves out a pod whose node is unknown, and adds it once the node exists', () => {
      const h = cluster(6);
      create(h, service('web', { app: 'web' }));
      create(h, pod('far', { app: 'web' }, 'node-z'));
      h.c.sim.runFor(100);
      setPodRunning(h, NS, 'far', { ready: true, ip: '10.6.0.1' });
      h.c.sim.runFor(2_000);
      assert.equal(endpointsOf(h, 'web').size, 0);
      create(h, node('node-z', { labels: { 'topology.kubernetes.io/zone': 'zone-z' } }));
      h.c.sim.runFor(5_000);
      assert.equal(endpointsOf(h, 'web').get('far')?.zone, 'zone-z');
    });

    it('publishes not-ready addresses when asked', () => {
      const h = cluster(7);
      create(h, service('db', { app: 'db' }, { publishNotReadyAddresses: true, clusterIP: 'None' }));
      create(h, pod('db-0', { app: 'db' }));
      h.c.sim.runFor(100);
      setPodRunning(h, NS, 'db-0', { ready: false, ip: '10.7.0.1' });
      h.c.sim.runFor(2_000);
      assert.deepEqual(endpointsOf(h, 'db').get('db-0')?.conditions, { ready: true, serving: false, terminating: false });
      assert.equal(slicesOf(h, 'db')[0]?.metadata?.labels?.[LABEL_HEADLESS_SERVICE], '');
    });

    it('recreates a slice someone deleted, and removes a slice of a deleted-and-recreated Service', () => {
      const h = cluster(8);
      create(h, service('web', { app: 'web' }));
      create(h, pod('w', { app: 'web' }));
      h.c.sim.runFor(100);
      setPodRunning(h, NS, 'w', { ready: true, ip: '10.8.0.1' });
      h.c.sim.runFor(2_000);
      const first = slicesOf(h, 'web')[0]?.metadata?.name ?? '';
      // Someone else's change is undone after upstream's minimum delay of 1 s.
      patch(h, 'EndpointSlice', NS, first, { endpoints: [] });
      const editedAt = h.c.sim.nowMs;
      h.c.sim.runUntil(() => endpointsOf(h, 'web').size === 1, { maxMs: 5_000 });
      assert.ok(h.c.sim.nowMs - editedAt >= 1_000, String(h.c.sim.nowMs - editedAt));
      remove(h, 'EndpointSlice', NS, first);
      h.c.sim.runFor(2_000);
      assert.equal(endpointsOf(h, 'web').size, 1);
      // Without a garbage collector the old slices stay; the new Service's sync deletes them.
      remove(h, 'Service', NS, 'web');
      h.c.sim.runFor(1_000);
      create(h, service('web', { app: 'web' }));
      h.c.sim.runFor(3_000);
      const uid = get<Service>(h, 'Service', NS, 'web')?.metadata?.uid;
      const slices = slicesOf(h, 'web');
      assert.equal(slices.length, 1);
      assert.equal(slices[0]?.metadata?.ownerReferences?.[0]?.uid, uid);
    });

    it('syncs a Service once per burst of pod changes, not once per pod', () => {
      const h = cluster(9);
      create(h, service('web', { app: 'web' }));
      create(h, service('other', { app: 'other' }));
      for (let i = 0; i < 200; i++) create(h, pod(`w-${i}`, { app: i < 100 ? 'web' : 'other' }));
      h.c.sim.runFor(2_000);
      for (let i = 0; i < 200; i++) setPodRunning(h, NS, `w-${i}`, { ready: true, ip: `10.9.${Math.floor(i / 100)}.${i % 100}` });
      const before = h.manager.counts('endpointslice-controller').reconciles;
      h.c.sim.runFor(3_000);
      const reconciles = h.manager.counts('endpointslice-controller').reconciles - before;
      assert.equal(endpointsOf(h, 'web').size, 100);
      assert.equal(endpointsOf(h, 'other').size, 100);
      // 200 pod keys plus a handful of Service syncs.
      assert.ok(reconciles <= 230, `reconciles ${reconciles}`);
    });

    it('is deterministic: same seed, same slices and trace digest', () => {
      const run = (seed: number) => {
        const h = startHarness(seed, [endpointSliceController]);
        create(h, node('node-a'));
        create(h, service('web', { app: 'web' }));
        for (let i = 0; i < 20; i++) create(h, pod(`w-${i}`, { app: 'web' }));
        h.c.sim.runFor(500);
        for (let i = 0; i < 20; i++) setPodRunning(h, NS, `w-${i}`, { ready: i % 3 !== 0, ip: `10.10.0.${i}` });
        h.c.sim.runFor(2_000);
        return JSON.stringify(slicesOf(h, 'web')) + h.c.sim.trace.digest();
      };
      assert.equal(run(11), run(11));
      assert.notEqual(run(11), run(12));
    });
  });
});
