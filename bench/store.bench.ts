/**
 * Store throughput: pod creates and updates with 10 watchers attached that consume every event
 * (each polled after every write, as the simulation delivers them), with periodic compaction as
 * the API server does it. Reports writes per second, the cost of one write including its delivery to
 * all watchers, and the peak heap growth.
 */
import type { BenchResult } from './bench-result.js';
import { Store } from '../core/store/store.js';
import type { Watcher } from '../core/store/watch-event.js';
import type { KubeObject } from '../core/api/types.js';

const PODS = 100_000;
const UPDATES = 100_000;
const WATCHERS = 10;
const COMPACT_EVERY = 10_000;
/** Compaction keeps this many revisions of history, like a watch cache window. */
const HISTORY_KEPT = 5_000;

/** A pod shaped like what a ReplicaSet controller creates (about 1 KB of JSON). */
function podManifest(i: number): KubeObject {
  const rs = `web-${i % 50}-7d9f8c6b5`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${rs}-${i.toString(36)}`,
      namespace: `ns-${i % 20}`,
      labels: { app: `web-${i % 50}`, 'pod-template-hash': '7d9f8c6b5', tier: i % 3 === 0 ? 'frontend' : 'backend' },
      annotations: { 'kubeprop.io/bench': 'true' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: `rs-${i % 50}`, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      schedulerName: 'default-scheduler',
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/web:1.25.3',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: [
            { name: 'MODE', value: 'production' },
            { name: 'REPLICA', value: String(i) },
          ],
          resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
        },
      ],
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
}

function heapMb(): number {
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

export async function run(): Promise<BenchResult[]> {
  // The same creates without watchers: the cost of the write path alone.
  let bare: Store | undefined = new Store({ clock: { nowMs: () => 0 } });
  const t3 = performance.now();
  for (let i = 0; i < PODS; i++) {
    const res = bare.create(podManifest(i));
    if (!res.ok) throw new Error(res.error.message);
  }
  const t4 = performance.now();

  bare = undefined;
  // Let the collector reclaim the bare store before measuring heap growth (if exposed).
  (globalThis as { gc?: () => void }).gc?.();

  let nowMs = 0;
  const store = new Store({ clock: { nowMs: () => nowMs } });
  const watchers: Watcher[] = [];
  for (let i = 0; i < WATCHERS; i++) {
    const w = store.watch({ apiVersion: 'v1', kind: 'Pod', resourceVersion: '0', allowBookmarks: true });
    if (!w.ok) throw new Error(w.error.message);
    watchers.push(w.value);
  }
  let delivered = 0;
  const consume = (): void => {
    for (const w of watchers) delivered += w.poll().length;
  };
  const heapBase = heapMb();
  let heapPeak = heapBase;
  const maintain = (writes: number): void => {
    if (writes % COMPACT_EVERY !== 0) return;
    store.bookmark();
    consume();
    store.compact(Math.max(0, store.revision - HISTORY_KEPT));
    heapPeak = Math.max(heapPeak, heapMb());
  };

  const names: { namespace: string; name: string }[] = [];
  const t0 = performance.now();
  for (let i = 0; i < PODS; i++) {
    nowMs += 1;
    const res = store.create(podManifest(i));
    if (!res.ok) throw new Error(res.error.message);
    names.push({ namespace: res.value.metadata.namespace as string, name: res.value.metadata.name as string });
    consume();
    maintain(i + 1);
  }
  const t1 = performance.now();
  for (let i = 0; i < UPDATES; i++) {
    nowMs += 1;
    const target = names[(i * 7919) % names.length] as { namespace: string; name: string };
    const cur = store.get({ apiVersion: 'v1', kind: 'Pod', ...target });
    if (!cur.ok) throw new Error(cur.error.message);
    const pod = cur.value;
    // Alternate a kubelet-style status write and a controller-style label write.
    const res =
      i % 2 === 0
        ? store.updateStatus({ ...pod, status: { ...(pod.status as object), phase: 'Running', podIP: `10.0.${(i >> 8) & 255}.${i & 255}` } })
        : store.update({ ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, rev: String(i) } } });
    if (!res.ok) throw new Error(res.error.message);
    consume();
    maintain(PODS + i + 1);
  }
  const t2 = performance.now();
  heapPeak = Math.max(heapPeak, heapMb());
  const stats = store.stats();
  for (const w of watchers) w.stop();

  const writes = PODS + UPDATES;
  const expected = writes * WATCHERS;
  if (delivered !== expected) throw new Error(`watchers received ${delivered} events, expected ${expected}`);
  const name = `store: ${WATCHERS} watchers`;
  return [
    { name, metric: 'creates', value: Math.round(PODS / ((t1 - t0) / 1000)), unit: 'writes/s', extra: { pods: PODS } },
    { name, metric: 'updates', value: Math.round(UPDATES / ((t2 - t1) / 1000)), unit: 'writes/s', extra: { updates: UPDATES } },
    { name, metric: 'all writes', value: Math.round(writes / ((t2 - t0) / 1000)), unit: 'writes/s', extra: { events: delivered } },
    { name, metric: 'per write incl. delivery', value: ((t2 - t0) * 1000) / writes, unit: 'µs' },
    { name, metric: 'peak heap growth', value: heapPeak - heapBase, unit: 'MB', extra: { objects: stats.objects, history: stats.historyEntries } },
    { name: 'store: no watchers', metric: 'creates', value: Math.round(PODS / ((t4 - t3) / 1000)), unit: 'writes/s', extra: { pods: PODS } },
  ];
}
