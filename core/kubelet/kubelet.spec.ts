import assert from 'node:assert/strict';
import type { DeepReadonly, Node, Pod } from '../api/types.js';
import type { KubeletConfigInput } from './kubelet-config.js';
import { boundPod, newKubeletHarness, type KubeletHarness } from './kubelet-test-kit.js';

const MiB = 1024 * 1024;

/** Fixed timings, and the PLEG seeing every change at once, so times can be asserted exactly. */
const FIXED: KubeletConfigInput = {
  plegRelistPeriodMs: 0,
  runtime: {
    sandboxCreateMs: { minMs: 100, maxMs: 100 },
    cachedImagePullMs: { minMs: 10, maxMs: 10 },
    imagePullOverheadMs: { minMs: 500, maxMs: 500 },
    imagePullBytesPerSecond: { min: 10 * MiB, max: 10 * MiB },
    imageSizesBytes: { 'nginx:1.25': 20 * MiB, 'busybox:1.36': 5 * MiB },
    containerStartMs: { minMs: 200, maxMs: 200 },
    containerStopMs: { minMs: 100, maxMs: 100 },
    initContainerRunMs: { minMs: 1000, maxMs: 1000 },
    jobRunMs: { minMs: 3000, maxMs: 3000 },
  },
};

function withRuntime(runtime: NonNullable<KubeletConfigInput['runtime']>, extra: KubeletConfigInput = {}): KubeletConfigInput {
  return { ...FIXED, ...extra, runtime: { ...FIXED.runtime, ...runtime } };
}

/** When the kubelet admitted `key` (from the trace). */
function admittedAt(h: KubeletHarness, key: string): number {
  const e = h.entries('pod-admitted').find((x) => x.pod === key);
  assert.ok(e !== undefined, `${key} was not admitted`);
  return e.atMs as number;
}

function conditions(pod: DeepReadonly<Pod>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of pod.status?.conditions ?? []) out[c.type] = c.reason === undefined ? c.status : `${c.status}/${c.reason}`;
  return out;
}

function events(h: KubeletHarness, key: string, reason: string): number[] {
  return h
    .entries('pod-event')
    .filter((e) => e.pod === key && e.reason === reason)
    .map((e) => e.atMs as number);
}

describe('Kubelet', () => {
  describe('node registration and status', () => {
    it('registers its Node with upstream labels, conditions, capacity and allocatable', () => {
      const h = newKubeletHarness({ nodes: ['node-a'] });
      h.sim.runFor(1000);
      const node = h.node('node-a');
      assert.ok(node !== undefined);
      assert.deepEqual(node.metadata?.labels, {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': 'node-a',
        'kubernetes.io/os': 'linux',
      });
      assert.equal(node.metadata?.annotations?.['volumes.kubernetes.io/controller-managed-attach-detach'], 'true');
      const status = node.status;
      assert.ok(status !== undefined);
      assert.deepEqual(
        status.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
        [
          ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
          ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
          ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
          ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
        ],
      );
      assert.equal(status.capacity?.cpu, '4');
      assert.equal(status.capacity?.memory, '16Gi');
      assert.equal(status.capacity?.pods, '110');
      // Allocatable = capacity minus the default hard eviction thresholds (100Mi, 10 % of nodefs).
      assert.equal(status.allocatable?.memory, '16284Mi');
      assert.equal(status.allocatable?.['ephemeral-storage'], String((100n * 1024n ** 3n * 9n) / 10n));
      assert.deepEqual(status.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
      assert.equal(status.nodeInfo?.kubeletVersion, 'v1.35.0');
      assert.equal(status.nodeInfo?.containerRuntimeVersion, 'containerd://2.1.4');
      assert.deepEqual(status.addresses, [
        { type: 'InternalIP', address: h.kubelet('node-a').hostIP },
        { type: 'Hostname', address: 'node-a' },
      ]);
      assert.deepEqual(status.images?.[0]?.names?.[1], 'registry.k8s.io/pause:3.10.1');
    });

    it('adopts a Node from manifests, keeping its capacity and allocatable, and adds the default labels', () => {
      const existing: Node = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'big', labels: { zone: 'a' } },
        status: { capacity: { cpu: '64', memory: '256Gi', pods: '250' }, allocatable: { cpu: '63', memory: '250Gi', pods: '250' } },
      };
      const h = newKubeletHarness({ nodes: ['big'], existingNodes: [existing] });
      h.sim.runFor(1000);
      const node = h.node('big');
      assert.equal(node?.metadata?.labels?.zone, 'a');
      assert.equal(node?.metadata?.labels?.['kubernetes.io/hostname'], 'big');
      assert.equal(node?.status?.capacity?.cpu, '64');
      assert.equal(node?.status?.allocatable?.cpu, '63');
      assert.equal(node?.status?.allocatable?.memory, '250Gi');
      assert.equal(node?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    });

    it('renews the heartbeat Lease kube-node-lease/<node> every 10 s (4 % jitter), 40 s duration, owned by the Node', () => {
      const h = newKubeletHarness({ nodes: ['node-a'] });
      const renewals: number[] = [];
      let last = '';
      for (let t = 0; t < 120_000; t += 50) {
        h.sim.runFor(50);
        const renew = h.lease('node-a')?.spec?.renewTime ?? '';
        if (renew !== last) {
          last = renew;
          renewals.push(h.sim.nowMs);
        }
      }
      const lease = h.lease('node-a');
      assert.equal(lease?.spec?.holderIdentity, 'node-a');
      assert.equal(lease?.spec?.leaseDurationSeconds, 40);
      assert.deepEqual(lease?.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid]), [['Node', 'node-a', h.node('node-a')?.metadata?.uid]]);
      assert.ok(renewals.length >= 11 && renewals.length <= 13, `renewals: ${renewals.length}`);
      for (let i = 1; i < renewals.length; i++) {
        const gap = (renewals[i] as number) - (renewals[i - 1] as number);
        assert.ok(gap >= 10_000 - 50 && gap <= 10_400 + 50, `gap ${gap}`);
      }
    });

    it('writes the node status when it changes, otherwise only when the report period (5 min, ±50 % after a change) expires', () => {
      const h = newKubeletHarness({ nodes: ['node-a'], config: FIXED });
      h.sim.runFor(20_000);
      const writes = (): number[] =>
        (h.links.get('node-a')?.writes ?? []).filter((w) => w.kind === 'Node' && w.ok && (w.verb === 'updateStatus' || w.verb === 'create')).map((w) => w.atMs);
      assert.deepEqual(writes(), [0], 'only the registration so far');
      // A newly pulled image changes status.images: written at the next status tick.
      h.createPod(boundPod('web', 'node-a'));
      h.sim.runFor(20_000);
      const afterPull = writes();
      assert.equal(afterPull.length, 2);
      const pulledAt = admittedAt(h, 'default/web') + 100 + 2500;
      assert.ok((afterPull[1] as number) > pulledAt && (afterPull[1] as number) <= pulledAt + 10_400);
      // Nothing changes any more: the next write comes when the report period (+ the random offset) expires.
      h.sim.runFor(900_000);
      const later = writes().slice(2);
      assert.ok(later.length >= 2, `writes ${JSON.stringify(later)}`);
      const first = (later[0] as number) - (afterPull[1] as number);
      assert.ok(first >= 150_000 && first <= 450_000 + 10_400, `first unchanged report after ${first} ms`);
      for (let i = 1; i < later.length; i++) {
        const gap = (later[i] as number) - (later[i - 1] as number);
        assert.ok(gap >= 300_000 && gap <= 310_400, `report gap ${gap}`);
      }
      // A report refreshes the heartbeat times only.
      const ready = h.node('node-a')?.status?.conditions?.find((c) => c.type === 'Ready');
      assert.equal(ready?.lastTransitionTime, '2026-01-01T00:00:00Z');
      assert.notEqual(ready?.lastHeartbeatTime, '2026-01-01T00:00:00Z');
    });
  });

  describe('pod life cycle', () => {
    it('runs a simple pod: Pending/ContainerCreating, then Running and Ready, at the runtime model’s times', () => {
      const h = newKubeletHarness({ config: FIXED });
      h.sim.runFor(1000);
      h.createPod(boundPod('web', 'node-0'));
      h.sim.runFor(10_000);
      const t0 = admittedAt(h, 'default/web');
      const writes = h.podStatusWrites('default/web');
      assert.deepEqual(
        writes.map((w) => [w.atMs - t0, w.pod.status?.phase]),
        [
          [0, 'Pending'],
          // sandbox 100 ms + uncached pull (500 ms + 20 MiB at 10 MiB/s) + start 200 ms
          [2800, 'Running'],
        ],
      );
      const pending = (writes[0] as { pod: DeepReadonly<Pod> }).pod;
      assert.deepEqual(conditions(pending), {
        PodReadyToStartContainers: 'False',
        Initialized: 'True',
        Ready: 'False/ContainersNotReady',
        ContainersReady: 'False/ContainersNotReady',
        PodScheduled: 'True',
      });
      assert.equal(pending.status?.conditions?.find((c) => c.type === 'Ready')?.message, 'containers with unready status: [app]');
      assert.deepEqual(pending.status?.containerStatuses, [
        { name: 'app', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, image: 'nginx:1.25', imageID: '', started: false },
      ]);
      assert.equal(pending.status?.hostIP, h.kubelet('node-0').hostIP);
      assert.equal(pending.status?.podIP, undefined);
      assert.equal(pending.status?.qosClass, 'BestEffort');
      const running = (writes[1] as { pod: DeepReadonly<Pod> }).pod;
      assert.deepEqual(conditions(running), { PodReadyToStartContainers: 'True', Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' });
      const cs = running.status?.containerStatuses?.[0];
      assert.equal(cs?.ready, true);
      assert.equal(cs?.started, true);
      assert.equal(cs?.image, 'docker.io/library/nginx:1.25');
      assert.match(cs?.imageID ?? '', /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
      assert.match(cs?.containerID ?? '', /^containerd:\/\/[0-9a-f]{64}$/);
      assert.equal(running.status?.podIP, '10.64.0.2');
      assert.deepEqual(running.status?.podIPs, [{ ip: '10.64.0.2' }]);
      assert.equal(running.status?.startTime, pending.status?.startTime);
      assert.equal(running.status?.observedGeneration, 1);
      assert.equal(running.status?.conditions?.[0]?.observedGeneration, 1);
    });

    it('notices container starts at the PLEG’s next relist (every second)', () => {
      const h = newKubeletHarness({ config: withRuntime({}, { plegRelistPeriodMs: 1000 }) });
      h.sim.runFor(1000);
      h.createPod(boundPod('web', 'node-0'));
      h.sim.runFor(10_000);
      const t0 = admittedAt(h, 'default/web');
      const running = h.podStatusWrites('default/web')[1];
      assert.ok(running !== undefined);
      const lag = running.atMs - (t0 + 2800);
      assert.ok(lag >= 0 && lag < 1000, `seen ${lag} ms after the start`);
    });

    it('keeps a container unready until the first readiness probe tick after initialDelaySeconds', () => {
      const h = newKubeletHarness({ config: FIXED });
      h.sim.runFor(1000);
      h.createPod(
        boundPod('web', 'node-0', {
          containers: [{ name: 'app', image: 'nginx:1.25', readinessProbe: { httpGet: { port: 80 }, initialDelaySeconds: 5, periodSeconds: 3 } }],
        }),
      );
      h.sim.runFor(20_000);
      const t0 = admittedAt(h, 'default/web');
      const writes = h.podStatusWrites('default/web');
      // Started at +2.8 s; the probe worker ticks every 3 s from admission: +3, +6, +9 s; the first
      // tick at least 5 s after the start is +9 s.
      assert.deepEqual(
        writes.map((w) => [w.atMs - t0, w.pod.status?.phase, conditions(w.pod).Ready]),
        [
          [0, 'Pending', 'False/ContainersNotReady'],
          [2800, 'Running', 'False/ContainersNotReady'],
          [9000, 'Running', 'True'],
        ],
      );
    });

    it('delays started and readiness with a startup probe', () => {
      const h = newKubeletHarness({ config: FIXED });
      h.sim.runFor(1000);
      h.createPod(
        boundPod('web', 'node-0', {
          containers: [{ name: 'app', image: 'nginx:1.25', startupProbe: { tcpSocket: { port: 80 }, initialDelaySeconds: 4, periodSeconds: 2 } }],
        }),
      );
      h.sim.runFor(20_000);
      const t0 = admittedAt(h, 'default/web');
      const writes = h.podStatusWrites('default/web');
      assert.deepEqual(
        writes.map((w) => [w.atMs - t0, w.pod.status?.containerStatuses?.[0]?.started, w.pod.status?.containerStatuses?.[0]?.ready]),
        [
          [0, false, false],
          [2800, false, false],
          // first tick (every 2 s from admission) at least 4 s after the start at +2.8 s
          [8000, true, true],
        ],
      );
    });

    it('runs init containers in order, keeps sidecars running, then starts the containers', () => {
      const h = newKubeletHarness({ config: FIXED });
      h.sim.runFor(1000);
      h.createPod(
        boundPod('web', 'node-0', {
          initContainers: [
            { name: 'setup', image: 'busybox:1.36' },
            { name: 'proxy', image: 'nginx:1.25', restartPolicy: 'Always' },
          ],
        }),
      );
      h.sim.runFor(20_000);
      const t0 = admittedAt(h, 'default/web');
      const writes = h.podStatusWrites('default/web');
      const row = (p: DeepReadonly<Pod>): unknown[] => [
        p.status?.phase,
        conditions(p).Initialized,
        ...(p.status?.initContainerStatuses ?? []).map((c) => Object.keys(c.state ?? {})[0]),
        ...(p.status?.containerStatuses ?? []).map((c) => Object.keys(c.state ?? {})[0]),
      ];
      // sandbox 100 ms; busybox pull 500 + 500 ms, start 200 ms, runs 1 s; nginx pull 500 + 2000 ms,
      // start 200 ms; then app (nginx now cached: 10 ms) starts 200 ms later.
      assert.deepEqual(
        writes.map((w) => [w.atMs - t0, ...row(w.pod)]),
        [
          [0, 'Pending', 'False/ContainersNotInitialized', 'waiting', 'waiting', 'waiting'],
          [1300, 'Pending', 'False/ContainersNotInitialized', 'running', 'waiting', 'waiting'],
          [2300, 'Pending', 'False/ContainersNotInitialized', 'terminated', 'waiting', 'waiting'],
          [5000, 'Pending', 'True', 'terminated', 'running', 'waiting'],
          [5210, 'Running', 'True', 'terminated', 'running', 'running'],
        ],
      );
      const first = (writes[0] as { pod: DeepReadonly<Pod> }).pod;
      assert.equal(first.status?.initContainerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
      assert.equal(first.status?.conditions?.find((c) => c.type === 'Initialized')?.message, 'containers with incomplete status: [setup proxy]');
      assert.equal(first.status?.conditions?.find((c) => c.type === 'Ready')?.message, 'containers with unready status: [proxy app]');
    });
  });

  describe('crashes and restart policy', () => {
    it('restarts a crashed container at once, then backs off 10 s, 20 s, 40 s … capped at 300 s (CrashLoopBackOff)', () => {
      const h = newKubeletHarness({ config: withRuntime({ crashRatio: { numerator: 1, denominator: 1 }, crashAfterMs: { minMs: 1000, maxMs: 1000 } }) });
      h.sim.runFor(1000);
      h.createPod(boundPod('web', 'node-0'));
      h.sim.runFor(1_400_000);
      const died = events(h, 'default/web', 'Died');
      // Restarts are the pulls after the first start.
      const restarts = events(h, 'default/web', 'Pulling').concat(events(h, 'default/web', 'Pulled')).sort((a, b) => a - b).slice(1);
      const gaps = restarts.map((r, i) => r - (died[i] as number));
      assert.deepEqual(gaps.slice(0, 9), [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
      // While it waits, the status says so, with upstream's message.
      h.sim.runFor(100);
      const cs = h.pod('default/web')?.status?.containerStatuses?.[0];
      assert.equal(cs?.state?.waiting?.reason, 'CrashLoopBackOff');
      assert.equal(cs?.state?.waiting?.message, `back-off 5m0s restarting failed container=app pod=web_default(${h.pod('default/web')?.metadata?.uid})`);
      assert.equal(cs?.lastState?.terminated?.exitCode, 1);
      assert.equal(cs?.lastState?.terminated?.reason, 'Error');
      assert.equal(cs?.restartCount, restarts.filter((r) => r <= h.sim.nowMs).length);
      assert.equal(h.pod('default/web')?.status?.phase, 'Running');
      assert.equal(conditions(h.pod('default/web') as DeepReadonly<Pod>).Ready, 'False/ContainersNotReady');
    });

    it('shows the second crash as CrashLoopBackOff with a 10 s back-off', () => {
      const h = newKubeletHarness({ config: withRuntime({ crashRatio: { numerator: 1, denominator: 1 }, crashAfterMs: { minMs: 1000, maxMs: 1000 } }) });
      h.sim.runFor(1000);
      h.createPod(boundPod('web', 'node-0'));
      h.sim.runFor(8000);
      const cs = h.pod('default/web')?.status?.containerStatuses?.[0];
      assert.equal(cs?.restartCount, 1);
      assert.match(cs?.state?.waiting?.message ?? '', /^back-off 10s restarting failed container=app pod=web_default\(/);
    });

    it('resets the back-off after a container ran for more than 10 minutes', () => {
      const runs = [1000, 1000, 1000, 660_000, 1000];
      const h = newKubeletHarness({
        config: withRuntime({
          behavior: (q) => (q.containerKind === 'regular' ? { kind: 'exit', runForMs: runs[q.restartCount] ?? 1000, exitCode: 2 } : undefined),
        }),
      });
      h.sim.runFor(1000);
      h.createPod(boundPod('web', 'node-0'));
      h.sim.runFor(1_000_000);
      const died = events(h, 'default/web', 'Died');
      const restarts = events(h, 'default/web', 'Pulling').concat(events(h, 'default/web', 'Pulled')).sort((a, b) => a - b).slice(1);
      assert.deepEqual(restarts.slice(0, 5).map((r, i) => r - (died[i] as number)), [0, 10_000, 20_000, 0, 10_000]);
    });

    it('fails a pod with restartPolicy Never whose container exits non-zero', () => {
      const h = newKubeletHarness({ config: FIXED });
      h.sim.runFor(1000);
      h.createPod(boundPod('job', 'node-0', { restartPolicy: 'Never' }, { annotations: { 'kubeprop.io/run-for': '2s', 'kubeprop.io/exit-code': '3' } }));
      h.sim.runFor(20_000);
      const pod = h.pod('default/job');
      assert.equal(pod?.status?.phase, 'Failed');
      assert.deepEqual(conditions(pod as DeepReadonly<Pod>), {
        PodReadyToStartContainers: 'False',
        Initialized: 'True',
        Ready: 'False/PodFailed',
        ContainersReady: 'False/PodFailed',
        PodScheduled: 'True',
      });
      const t = pod?.status?.containerStatuses?.[0]?.state?.terminated;
      assert.equal(t?.exitCode, 3);
      assert.equal(t?.reason, 'Error');
      assert.equal(pod?.status?.containerStatuses?.[0]?.restartCount, 0);
      assert.equal(h.kubelet('node-0').stats().activePods, 0);
    });

    it('runs a job-like pod (restartPolicy OnFailure) to Succeeded', () => {
      const h = newKubeletHarness({ config: FIXED });
      h.sim.runFor(1000);
      h.createPod(boundPod('job', 'node-0', { restartPolicy: 'OnFailure' }));
      h.sim.runFor(20_000);
      const t0 = admittedAt(h, 'default/job');
      const writes = h.podStatusWrites('default/job');
      assert.deepEqual(
        writes.map((w) => [w.atMs - t0, w.pod.status?.phase]),
        [
          [0, 'Pending'],
          [2800, 'Running'],
          [5800, 'Succeeded'],
        ],
      );
      const pod = h.pod('default/job') as DeepReadonly<Pod>;
      assert.deepEqual(conditions(pod), {
        PodReadyToStartContainers: 'False',
        Initialized: 'True/PodCompleted',
        Ready: 'False/PodCompleted',
        ContainersReady: 'False/PodCompleted',
        PodScheduled: 'True',
      });
      assert.deepEqual(pod.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    });

    it('restarts a failing container of an OnFailure pod until it succeeds', () => {
      const h = newKubeletHarness({
        config: withRuntime({ behavior: (q) => ({ kind: 'exit', runForMs: 1000, exitCode: q.restartCount < 2 ? 1 : 0 }) }),
      });
      h.sim.runFor(1000);
      h.createPod(boundPod('job', 'node-0', { restartPolicy: 'OnFailure' }));
      h.sim.runFor(60_000);
      const pod = h.pod('default/job');
      assert.equal(pod?.status?.phase, 'Succeeded');
      assert.equal(pod?.status?.containerStatuses?.[0]?.restartCount, 2);
      assert.equal(pod?.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 1);
    });

    it('waits with ErrImageNeverPull for an absent image with pull policy Never', () => {
      const h = newKubeletHarness({ config: FIXED });
      h.sim.runFor(1000);
      h.createPod(boundPod('web', 'node-0', { containers: [{ name: 'app', image: 'example.com/absent:1', imagePullPolicy: 'Never' }] }));
      h.sim.runFor(10_000);
      const cs = h.pod('default/web')?.status?.containerStatuses?.[0];
      assert.equal(h.pod('default/web')?.status?.phase, 'Pending');
      assert.deepEqual(cs?.state?.waiting, { reason: 'ErrImageNeverPull', message: 'Container image "example.com/absent:1" is not present with pull policy of Never' });
    });
  });

  describe('graceful deletion', () => {
    it('stops the containers, writes the final status and deletes the pod with grace 0', () => {
      const h = newKubeletHarness({ config: FIXED });
      h.sim.runFor(1000);
      h.createPod(boundPod('web', 'node-0'));
      h.sim.runFor(10_000);
      const deletedAt = h.sim.nowMs;
      assert.equal(h.client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' }).ok, true);
      assert.ok(h.pod('default/web')?.metadata?.deletionTimestamp !== undefined);
      h.sim.runFor(5000);
      assert.equal(h.pod('default/web'), undefined);
      const writes = h.podStatusWrites('default/web');
      const final = writes[writes.length - 1];
      assert.equal(final?.pod.status?.phase, 'Succeeded');
      assert.equal(final?.pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
      const del = h.links.get('node-0')?.writes.find((w) => w.verb === 'delete' && w.ok);
      assert.ok(del !== undefined && del.atMs - deletedAt >= 100 && del.atMs - deletedAt < 200, `deleted after ${String(del?.atMs)}`);
      assert.equal(h.kubelet('node-0').stats().pods, 0);
    });

    it('kills a container that outlives the grace period (exit 137) and then deletes the pod', () => {
      const h = newKubeletHarness({ config: withRuntime({ containerStopMs: { minMs: 60_000, maxMs: 60_000 } }) });
      h.sim.runFor(1000);
      h.createPod(boundPod('web', 'node-0', { terminationGracePeriodSeconds: 5 }));
      h.sim.runFor(10_000);
      const deletedAt = h.sim.nowMs;
      h.client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' });
      h.sim.runFor(4900);
      assert.ok(h.pod('default/web') !== undefined, 'still terminating within the grace period');
      h.sim.runFor(1000);
      assert.equal(h.pod('default/web'), undefined);
      const writes = h.podStatusWrites('default/web');
      const final = writes[writes.length - 1];
      assert.equal(final?.pod.status?.phase, 'Failed');
      assert.equal(final?.pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 137);
      const del = h.links.get('node-0')?.writes.find((w) => w.verb === 'delete' && w.ok);
      assert.ok(del !== undefined);
      // The informer delivers the deletion after 1–10 ms; then 5 s of grace.
      assert.ok(del.atMs - deletedAt >= 5000 && del.atMs - deletedAt <= 5010 + 10, `deleted after ${del.atMs - deletedAt} ms`);
    });

    it('deletes a pod that had not started yet, reporting its container as lost', () => {
      const h = newKubeletHarness({ config: FIXED });
      h.sim.runFor(1000);
      h.createPod(boundPod('web', 'node-0'));
      h.sim.runFor(500);
      h.client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web' });
      h.sim.runFor(1000);
      assert.equal(h.pod('default/web'), undefined);
      const writes = h.podStatusWrites('default/web');
      const final = writes[writes.length - 1];
      assert.equal(final?.pod.status?.phase, 'Failed');
      assert.deepEqual(final?.pod.status?.containerStatuses?.[0]?.state?.terminated, {
        exitCode: 137,
        reason: 'ContainerStatusUnknown',
        message: 'The container could not be located when the pod was terminated',
      });
    });
  });
});
