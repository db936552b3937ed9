import assert from 'node:assert/strict';
import type { DeepReadonly, Pod } from '../api/types.js';
import { buildPodStatus, buildRejectedPodStatus, computePodPhase, toApiContainerStatus, type ContainerStateView, type ContainerStatusView, type TerminatedView } from './pod-status.js';

function view(name: string, state: ContainerStateView, extra: Partial<ContainerStatusView> = {}): ContainerStatusView {
  return { name, image: 'img', imageID: '', containerID: undefined, state, lastState: undefined, ready: false, started: false, restartCount: 0, ...extra };
}
const waiting: ContainerStateView = { kind: 'waiting', reason: 'ContainerCreating' };
const running: ContainerStateView = { kind: 'running', startedAtMs: 0 };
const exited = (exitCode: number): TerminatedView => ({ kind: 'terminated', exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' });

function pod(restartPolicy: 'Always' | 'OnFailure' | 'Never', init: { name: string; sidecar?: boolean }[] = [], readinessGates?: string[]): DeepReadonly<Pod> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'd', uid: 'u', generation: 2 },
    spec: {
      restartPolicy,
      containers: [{ name: 'a' }, { name: 'b' }],
      initContainers: init.map((c) => (c.sidecar === true ? { name: c.name, restartPolicy: 'Always' } : { name: c.name })),
      ...(readinessGates === undefined ? {} : { readinessGates: readinessGates.map((conditionType) => ({ conditionType })) }),
    },
    status: { conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }, { type: 'example.com/ready', status: 'False' }] },
  };
}

describe('pod status', () => {
  describe('computePodPhase (upstream getPhase)', () => {
    it('is Pending while a container waits for its first start, Running once all started', () => {
      assert.equal(computePodPhase(pod('Always'), [], [view('a', running), view('b', waiting)], false, true), 'Pending');
      assert.equal(computePodPhase(pod('Always'), [], [view('a', running), view('b', running)], false, true), 'Running');
    });

    it('is Pending while an init container has to run', () => {
      const p = pod('Always', [{ name: 'i' }]);
      assert.equal(computePodPhase(p, [view('i', running)], [view('a', waiting), view('b', waiting)], false, false), 'Pending');
      assert.equal(computePodPhase(p, [view('i', exited(0))], [view('a', running), view('b', running)], false, true), 'Running');
    });

    it('fails a Never pod whose init container failed', () => {
      assert.equal(computePodPhase(pod('Never', [{ name: 'i' }]), [view('i', exited(1))], [view('a', waiting), view('b', waiting)], false, false), 'Failed');
      assert.equal(computePodPhase(pod('OnFailure', [{ name: 'i' }]), [view('i', exited(1))], [view('a', waiting), view('b', waiting)], false, false), 'Pending');
    });

    it('decides stopped pods by restart policy, or by exit codes when terminal', () => {
      const stopped = [view('a', exited(0)), view('b', exited(1))];
      assert.equal(computePodPhase(pod('Always'), [], stopped, false, true), 'Running');
      assert.equal(computePodPhase(pod('OnFailure'), [], stopped, false, true), 'Running');
      assert.equal(computePodPhase(pod('Never'), [], stopped, false, true), 'Failed');
      assert.equal(computePodPhase(pod('OnFailure'), [], [view('a', exited(0)), view('b', exited(0))], false, true), 'Succeeded');
      assert.equal(computePodPhase(pod('Always'), [], stopped, true, true), 'Failed');
      assert.equal(computePodPhase(pod('Always'), [], [view('a', exited(0)), view('b', exited(0))], true, true), 'Succeeded');
    });

    it('counts a container in CrashLoopBackOff as stopped: a restarting Always pod is Running', () => {
      const backoff = view('b', { kind: 'waiting', reason: 'CrashLoopBackOff' }, { lastState: exited(1) });
      assert.equal(computePodPhase(pod('Always'), [], [view('a', running), backoff], false, true), 'Running');
    });

    it('keeps a pod with an unstarted sidecar Pending until it is initialized', () => {
      const p = pod('Always', [{ name: 's', sidecar: true }]);
      assert.equal(computePodPhase(p, [view('s', running)], [view('a', waiting), view('b', waiting)], false, false), 'Pending');
      assert.equal(computePodPhase(p, [view('s', running, { started: true })], [view('a', running), view('b', running)], false, true), 'Running');
    });
  });

  describe('buildPodStatus', () => {
    const base = { initStatuses: [], sandboxReady: true, podIsTerminal: false, podHasInitialized: true, hostIP: '10.1.0.2', podIP: '10.64.0.2', startTimeMs: 1000 };

    it('keeps foreign conditions first, then the kubelet’s in upstream order, with observed generations', () => {
      const s = buildPodStatus({ ...base, pod: pod('Always'), statuses: [view('a', running, { ready: true }), view('b', running)], previous: undefined, nowMs: 5000 });
      assert.deepEqual(s.conditions?.map((c) => [c.type, c.status, c.reason, c.observedGeneration]), [
        ['example.com/ready', 'False', undefined, undefined],
        ['PodReadyToStartContainers', 'True', undefined, 2],
        ['Initialized', 'True', undefined, 2],
        ['Ready', 'False', 'ContainersNotReady', 2],
        ['ContainersReady', 'False', 'ContainersNotReady', 2],
        ['PodScheduled', 'True', undefined, 2],
      ]);
      assert.equal(s.conditions?.find((c) => c.type === 'Ready')?.message, 'containers with unready status: [b]');
      // PodScheduled keeps the scheduler's transition time; new conditions get now.
      assert.equal(s.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime, '2026-01-01T00:00:00Z');
      assert.equal(s.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime, '2026-01-01T00:00:05Z');
      assert.equal(s.phase, 'Running');
      assert.equal(s.startTime, '2026-01-01T00:00:01Z');
      assert.equal(s.observedGeneration, 2);
      assert.equal(s.qosClass, 'BestEffort');
    });

    it('changes a condition’s transition time only when its status changes', () => {
      const first = buildPodStatus({ ...base, pod: pod('Always'), statuses: [view('a', running), view('b', running)], previous: undefined, nowMs: 5000 });
      const same = buildPodStatus({ ...base, pod: pod('Always'), statuses: [view('a', running), view('b', running)], previous: first, nowMs: 9000 });
      assert.deepEqual(same.conditions, first.conditions);
      const ready = buildPodStatus({ ...base, pod: pod('Always'), statuses: [view('a', running, { ready: true }), view('b', running, { ready: true })], previous: first, nowMs: 9000 });
      assert.equal(ready.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime, '2026-01-01T00:00:09Z');
      assert.equal(ready.conditions?.find((c) => c.type === 'Initialized')?.lastTransitionTime, '2026-01-01T00:00:05Z');
    });

    it('reports unmet readiness gates', () => {
      const s = buildPodStatus({
        ...base,
        pod: pod('Always', [], ['example.com/ready', 'example.com/other']),
        statuses: [view('a', running, { ready: true }), view('b', running, { ready: true })],
        previous: undefined,
        nowMs: 0,
      });
      const ready = s.conditions?.find((c) => c.type === 'Ready');
      assert.equal(ready?.reason, 'ReadinessGatesNotReady');
      assert.equal(
        ready?.message,
        'the status of pod readiness gate "example.com/ready" is not "True", but False, corresponding condition of pod readiness gate "example.com/other" does not exist.',
      );
      assert.equal(s.conditions?.find((c) => c.type === 'ContainersReady')?.status, 'True');
    });

    it('sorts regular container statuses by name', () => {
      const s = buildPodStatus({ ...base, pod: pod('Always'), statuses: [view('b', running), view('a', running)], previous: undefined, nowMs: 0 });
      assert.deepEqual(s.containerStatuses?.map((c) => c.name), ['a', 'b']);
    });

    it('builds the status of a rejected pod', () => {
      assert.deepEqual(buildRejectedPodStatus(pod('Always'), 'OutOfcpu', 'Pod was rejected: x', 3000), {
        phase: 'Failed',
        conditions: [{ type: 'example.com/ready', status: 'False' }],
        message: 'Pod was rejected: x',
        reason: 'OutOfcpu',
        startTime: '2026-01-01T00:00:03Z',
        qosClass: 'BestEffort',
        observedGeneration: 2,
      });
    });

    it('shares equal parts between statuses, frozen, with the JSON of fresh ones', () => {
      const input = { ...base, pod: pod('Always'), statuses: [view('a', waiting), view('b', waiting)], previous: undefined, nowMs: 5000 };
      const first = buildPodStatus(input);
      const second = buildPodStatus(input);
      assert.deepEqual(second, first);
      assert.equal(JSON.stringify(second), JSON.stringify(first));
      // Conditions and host IPs are shared at once, container statuses from their second use on.
      for (let i = 0; i < (first.conditions?.length ?? 0); i++) {
        const c = second.conditions?.[i];
        if (c?.type === 'example.com/ready') continue;
        assert.equal(c, first.conditions?.[i]);
        assert.ok(Object.isFrozen(c));
      }
      assert.equal(second.hostIPs, first.hostIPs);
      assert.ok(Object.isFrozen(second.hostIPs) && Object.isFrozen(second.hostIPs?.[0]));
      assert.equal(second.containerStatuses?.[0], first.containerStatuses?.[0]);
      assert.ok(Object.isFrozen(second.containerStatuses?.[0]) && Object.isFrozen(second.containerStatuses?.[0]?.state?.waiting));
      // A status that differs is not confused with a shared one.
      const other = buildPodStatus({ ...input, statuses: [view('a', waiting), view('b', waiting, { image: 'img:2' })] });
      assert.equal(other.containerStatuses?.[1]?.image, 'img:2');
      assert.notEqual(other.containerStatuses?.[1], first.containerStatuses?.[1]);
    });

    it('converts container state views to API container statuses', () => {
      assert.deepEqual(
        toApiContainerStatus(view('a', { kind: 'terminated', exitCode: 1, reason: 'Error', startedAtMs: 1000, finishedAtMs: 2000, containerID: 'containerd://x' }, { restartCount: 2, lastState: exited(0) })),
        {
          name: 'a',
          state: { terminated: { exitCode: 1, reason: 'Error', startedAt: '2026-01-01T00:00:01Z', finishedAt: '2026-01-01T00:00:02Z', containerID: 'containerd://x' } },
          lastState: { terminated: { exitCode: 0, reason: 'Completed' } },
          ready: false,
          restartCount: 2,
          image: 'img',
          imageID: '',
          started: false,
        },
      );
    });
  });
});
