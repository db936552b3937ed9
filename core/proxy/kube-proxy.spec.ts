import assert from 'node:assert/strict';
import type { DeepReadonly, EndpointSlice, Service } from '../api/types.js';
import { newKubeletHarness, type KubeletHarness } from '../kubelet/kubelet-test-kit.js';
import { unwrap } from '../store/api-result.js';
import { KubeProxy } from './kube-proxy.js';
import { serviceRoutes } from './service-routing.js';

interface Ep {
  readonly ip: string;
  readonly ready?: boolean;
  readonly serving?: boolean;
  readonly terminating?: boolean;
  readonly node?: string;
}

function slice(
  name: string,
  service: string,
  endpoints: readonly Ep[],
  ports: NonNullable<EndpointSlice['ports']> = [{ name: 'http', port: 8080, protocol: 'TCP' }],
  addressType: 'IPv4' | 'IPv6' = 'IPv4',
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType,
    ports,
    endpoints: endpoints.map((e) => {
      const conditions: Record<string, boolean> = {};
      if (e.ready !== undefined) conditions.ready = e.ready;
      if (e.serving !== undefined) conditions.serving = e.serving;
      if (e.terminating !== undefined) conditions.terminating = e.terminating;
      return { addresses: [e.ip], conditions, ...(e.node !== undefined ? { nodeName: e.node } : {}) };
    }),
  };
}

function service(name: string, spec: Partial<NonNullable<Service['spec']>> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'web' }], ...spec },
  };
}

function setup(nodes: readonly string[] = ['node-a']): { h: KubeletHarness; proxies: KubeProxy[] } {
  const h = newKubeletHarness({ nodes, start: false });
  const proxies = nodes.map((nodeName) => new KubeProxy({ sim: h.sim, network: h.network, client: h.api.client(`kube-proxy/${nodeName}`), nodeName }));
  for (const p of proxies) p.start();
  return { h, proxies };
}

function create<T extends Service | EndpointSlice>(h: KubeletHarness, obj: T): DeepReadonly<T> {
  return unwrap(h.client.create<T>(obj));
}

describe('KubeProxy', () => {
  it('routes each cluster IP and port to the ready endpoints, resolving the named target port through the slice', () => {
    const { h, proxies } = setup();
    const svc = create(h, service('web'));
    const ip = svc.spec?.clusterIP ?? '';
    assert.match(ip, /^10\.96\./);
    create(h, slice('web-abc', 'web', [{ ip: '10.64.0.5', ready: true }, { ip: '10.64.0.3', ready: false }, { ip: '10.64.0.4' }]));
    h.sim.runFor(2000);
    assert.deepEqual([...(proxies[0] as KubeProxy).routingTable()], [[`${ip}:80/TCP`, ['10.64.0.4:8080', '10.64.0.5:8080']]]);
  });

  it('falls back to serving terminating endpoints when none is ready', () => {
    const { h, proxies } = setup();
    const ip = create(h, service('web')).spec?.clusterIP ?? '';
    create(h, slice('web-abc', 'web', [{ ip: '10.64.0.5', ready: false, serving: true, terminating: true }, { ip: '10.64.0.6', ready: false, serving: false, terminating: true }, { ip: '10.64.0.7', ready: false }]));
    h.sim.runFor(2000);
    assert.deepEqual((proxies[0] as KubeProxy).routingTable().get(`${ip}:80/TCP`), ['10.64.0.5:8080']);
  });

  it('keeps a route without endpoints (its traffic is rejected), and skips headless and ExternalName services', () => {
    const { h, proxies } = setup();
    const ip = create(h, service('empty')).spec?.clusterIP ?? '';
    create(h, service('headless', { clusterIP: 'None' }));
    create(h, slice('headless-x', 'headless', [{ ip: '10.64.0.9' }]));
    create(h, service('ext', { type: 'ExternalName', externalName: 'example.com', selector: {} }));
    h.sim.runFor(2000);
    assert.deepEqual([...(proxies[0] as KubeProxy).routingTable()], [[`${ip}:80/TCP`, []]]);
  });

  it('with internalTrafficPolicy Local, uses only this node’s endpoints', () => {
    const { h, proxies } = setup(['node-a', 'node-b']);
    const ip = create(h, service('web', { internalTrafficPolicy: 'Local' })).spec?.clusterIP ?? '';
    create(h, slice('web-abc', 'web', [{ ip: '10.64.0.5', node: 'node-a' }, { ip: '10.65.0.5', node: 'node-b' }, { ip: '10.65.0.6', node: 'node-b' }]));
    h.sim.runFor(2000);
    assert.deepEqual((proxies[0] as KubeProxy).routingTable().get(`${ip}:80/TCP`), ['10.64.0.5:8080']);
    assert.deepEqual((proxies[1] as KubeProxy).routingTable().get(`${ip}:80/TCP`), ['10.65.0.5:8080', '10.65.0.6:8080']);
  });

  it('merges slices, counts an address once, and matches ports by name and protocol', () => {
    const { h, proxies } = setup();
    const ip = create(
      h,
      service('dns', {
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
      }),
    ).spec?.clusterIP;
    const ports = [
      { name: 'dns', port: 1053, protocol: 'UDP' as const },
      { name: 'dns-tcp', port: 1054, protocol: 'TCP' as const },
    ];
    create(h, slice('dns-1', 'dns', [{ ip: '10.64.0.2' }, { ip: '10.64.0.3' }], ports));
    create(h, slice('dns-2', 'dns', [{ ip: '10.64.0.3' }, { ip: '10.64.0.4' }], ports));
    h.sim.runFor(2000);
    assert.deepEqual([...(proxies[0] as KubeProxy).routingTable()], [
      [`${ip}:53/TCP`, ['10.64.0.2:1054', '10.64.0.3:1054', '10.64.0.4:1054']],
      [`${ip}:53/UDP`, ['10.64.0.2:1053', '10.64.0.3:1053', '10.64.0.4:1053']],
    ]);
  });

  it('syncs at most once per minSyncPeriod (1 s), batching the changes in between', () => {
    const { h, proxies } = setup();
    const proxy = proxies[0] as KubeProxy;
    const ip = create(h, service('web')).spec?.clusterIP ?? '';
    h.sim.runFor(3000);
    const s = create(h, slice('web-abc', 'web', [{ ip: '10.64.0.5' }]));
    h.sim.runFor(100);
    const first = proxy.lastSyncMs as number;
    assert.deepEqual(proxy.routingTable().get(`${ip}:80/TCP`), ['10.64.0.5:8080']);
    unwrap(h.client.update({ ...s, endpoints: [...s.endpoints, { addresses: ['10.64.0.6'] }] }));
    h.sim.runFor(300);
    unwrap(h.client.update({ ...unwrap(h.client.get<EndpointSlice>({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: 'default', name: 'web-abc' })), endpoints: [{ addresses: ['10.64.0.7'] }] }));
    h.sim.runFor(300);
    assert.deepEqual(proxy.routingTable().get(`${ip}:80/TCP`), ['10.64.0.5:8080'], 'still the first sync’s table');
    const syncs = proxy.syncs;
    h.sim.runFor(1000);
    assert.equal(proxy.lastSyncMs, first + 1000);
    assert.equal(proxy.syncs, syncs + 1, 'both changes in one sync');
    assert.deepEqual(proxy.routingTable().get(`${ip}:80/TCP`), ['10.64.0.7:8080']);
  });

  it('hands out read-only snapshots that later syncs do not change', () => {
    const { h, proxies } = setup();
    const proxy = proxies[0] as KubeProxy;
    const ip = create(h, service('web')).spec?.clusterIP ?? '';
    h.sim.runFor(2000);
    const before = proxy.routingTable();
    assert.equal(before, proxy.routingTable(), 'unchanged tables are the same snapshot');
    create(h, slice('web-abc', 'web', [{ ip: '10.64.0.5' }]));
    h.sim.runFor(2000);
    assert.deepEqual(before.get(`${ip}:80/TCP`), []);
    assert.deepEqual(proxy.routingTable().get(`${ip}:80/TCP`), ['10.64.0.5:8080']);
    assert.equal((before as unknown as { set?: unknown }).set, undefined);
    assert.ok(Object.isFrozen(proxy.routingTable().get(`${ip}:80/TCP`)));
  });

  it('drops the routes of a deleted service', () => {
    const { h, proxies } = setup();
    create(h, service('web'));
    create(h, slice('web-abc', 'web', [{ ip: '10.64.0.5' }]));
    h.sim.runFor(2000);
    assert.equal((proxies[0] as KubeProxy).routingTable().size, 1);
    unwrap(h.client.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'web' }));
    h.sim.runFor(2000);
    assert.equal((proxies[0] as KubeProxy).routingTable().size, 0);
  });

  it('keeps its rules when stopped, loses them in a node crash, and rebuilds them on restart', () => {
    const { h, proxies } = setup();
    const proxy = proxies[0] as KubeProxy;
    const ip = create(h, service('web')).spec?.clusterIP ?? '';
    const s = create(h, slice('web-abc', 'web', [{ ip: '10.64.0.5' }]));
    h.sim.runFor(2000);
    proxy.stop();
    unwrap(h.client.update({ ...s, endpoints: [{ addresses: ['10.64.0.9'] }] }));
    h.sim.runFor(2000);
    assert.deepEqual(proxy.routingTable().get(`${ip}:80/TCP`), ['10.64.0.5:8080'], 'stale while stopped');
    proxy.crash();
    assert.equal(proxy.routingTable().size, 0);
    proxy.restart();
    h.sim.runFor(2000);
    assert.deepEqual(proxy.routingTable().get(`${ip}:80/TCP`), ['10.64.0.9:8080']);
  });
});

describe('KubeProxy determinism', () => {
  it('gives the same trace digest for the same seed', () => {
    const run = (): string => {
      const { h } = setup(['node-a', 'node-b']);
      for (let i = 0; i < 5; i++) {
        create(h, service(`svc-${i}`));
        create(h, slice(`svc-${i}-x`, `svc-${i}`, [{ ip: `10.64.0.${i + 2}`, node: 'node-a' }, { ip: `10.65.0.${i + 2}`, node: 'node-b', ready: i % 2 === 0 }]));
        h.sim.runFor(300);
      }
      h.sim.runFor(5000);
      return h.sim.trace.digest();
    };
    assert.equal(run(), run());
  });
});

describe('serviceRoutes', () => {
  it('serves every cluster IP of a dual-stack service with endpoints of its family', () => {
    const svc: DeepReadonly<Service> = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00::10'], ports: [{ port: 80 }] },
    };
    const v4 = slice('web-4', 'web', [{ ip: '10.64.0.5' }], [{ name: '', port: 8080, protocol: 'TCP' }]);
    const v6 = slice('web-6', 'web', [{ ip: 'fd01::5' }], [{ name: '', port: 8080, protocol: 'TCP' }], 'IPv6');
    assert.deepEqual([...serviceRoutes(svc, [v6, v4], 'node-a')], [
      ['10.96.0.10:80/TCP', ['10.64.0.5:8080']],
      ['[fd00::10]:80/TCP', ['[fd01::5]:8080']],
    ]);
  });

  it('prefers the node-local copy of an address listed twice', () => {
    const svc = service('web', { clusterIP: '10.96.0.10' }) as DeepReadonly<Service>;
    const local = slice('b', 'web', [{ ip: '10.64.0.5', node: 'node-a', ready: true }]);
    const remote = slice('a', 'web', [{ ip: '10.64.0.5', node: 'node-x', ready: false }]);
    assert.deepEqual(serviceRoutes({ ...svc, spec: { ...svc.spec, internalTrafficPolicy: 'Local' } }, [remote, local], 'node-a').get('10.96.0.10:80/TCP'), ['10.64.0.5:8080']);
  });
});
