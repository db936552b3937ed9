import assert from 'node:assert/strict';
import { formatRfc3339, type DeepReadonly, type Job, type KubeObject, type Pod } from 'kubeprop';
import { create, finishPod, get, list, loadFixture, patch, remove, setPodRunning, startHarness, type Harness } from '../controller-spec-kit.js';
import { jobController, JOB_REASONS } from './job.js';
import {
  CONTROLLER_UID_LABEL,
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_NAME_LABEL,
  JOB_TRACKING_FINALIZER,
  NO_FAILURES,
  OrderedIntervals,
  backoffRemainingMs,
  firstPendingIndexes,
  nextBackoffRecord,
  podGenerateNameWithIndex,
} from './job-util.js';

const NS = 'default';

function job(name: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }], ...podSpec } },
      ...spec,
    },
  } as Job;
}

function jobOf(h: Harness, name: string): DeepReadonly<Job> {
  return get<Job>(h, 'Job', NS, name) as DeepReadonly<Job>;
}

function podsOf(h: Harness, name: string): DeepReadonly<Pod>[] {
  return list<Pod>(h, 'Pod', NS).filter((p) => p.metadata?.ownerReferences?.[0]?.name === name);
}

function activePods(h: Harness, name: string): DeepReadonly<Pod>[] {
  return podsOf(h, name).filter((p) => p.metadata?.deletionTimestamp === undefined && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
}

function conditions(h: Harness, name: string): string[] {
  return (jobOf(h, name).status?.conditions ?? []).map((c) => `${c.type}=${c.status}:${c.reason ?? ''}`);
}

/** Plays the kubelet: pods not started yet start running (ready). */
function startPods(h: Harness, name: string): void {
  for (const p of activePods(h, name)) if (p.status?.phase === undefined) setPodRunning(h, NS, p.metadata?.name ?? '', { ready: true, ip: '10.0.0.1' });
}

const view = (x: unknown) => x as DeepReadonly<Pod>;

describe('Job controller', () => {
  describe('helpers (table)', () => {
    const intervals: { text: string; completions: number; add: number[]; want: string; total: number }[] = [
      { text: '', completions: 10, add: [], want: '', total: 0 },
      { text: '1,3-5', completions: 10, add: [2], want: '1-5', total: 5 },
      { text: '0,1', completions: 10, add: [3, 4], want: '0,1,3,4', total: 4 },
      { text: '0-2,x,7', completions: 10, add: [8], want: '0-2,7,8', total: 5 },
      { text: '5-9', completions: 7, add: [], want: '5,6', total: 2 },
    ];
    for (const r of intervals) {
      it(`completed indexes ${JSON.stringify(r.text)} + ${JSON.stringify(r.add)}`, () => {
        const iv = OrderedIntervals.parse(r.text, r.completions).withOrderedIndexes(r.add);
        assert.equal(iv.toString(), r.want);
        assert.equal(iv.total(), r.total);
      });
    }

    it('first pending indexes skip succeeded and busy ones', () => {
      assert.deepEqual(firstPendingIndexes(OrderedIntervals.parse('0,2', 6), [1, 4], 3, 6), [3, 5]);
      assert.deepEqual(firstPendingIndexes(OrderedIntervals.empty(), [], 2, 6), [0, 1]);
    });

    const backoffs: { failures: number; sinceMs: number; want: number }[] = [
      { failures: 0, sinceMs: 0, want: 0 },
      { failures: 1, sinceMs: 0, want: 10_000 },
      { failures: 1, sinceMs: 4_000, want: 6_000 },
      { failures: 2, sinceMs: 0, want: 20_000 },
      { failures: 3, sinceMs: 0, want: 40_000 },
      { failures: 7, sinceMs: 0, want: 600_000 },
      { failures: 30, sinceMs: 100_000, want: 500_000 },
      { failures: 2, sinceMs: 25_000, want: 0 },
    ];
    for (const r of backoffs) {
      it(`pod failure back-off after ${r.failures} failures, ${r.sinceMs} ms ago: ${r.want} ms`, () => {
        assert.equal(backoffRemainingMs({ failuresAfterLastSuccess: r.failures, lastFailureMs: 1_000 }, 1_000 + r.sinceMs, 10_000, 600_000), r.want);
      });
    }

    it('the back-off record counts failures since the last success', () => {
      const at = (ms: number, phase: string) => view({ status: { phase, conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: formatRfc3339(ms) }] } });
      const r1 = nextBackoffRecord(NO_FAILURES, [], [at(1_000, 'Failed'), at(3_000, 'Failed')]);
      assert.deepEqual(r1, { failuresAfterLastSuccess: 2, lastFailureMs: 3_000 });
      assert.deepEqual(nextBackoffRecord(r1, [at(4_000, 'Succeeded')], []), NO_FAILURES);
      assert.deepEqual(nextBackoffRecord(r1, [at(4_000, 'Succeeded')], [at(2_000, 'Failed'), at(5_000, 'Failed')]), { failuresAfterLastSuccess: 1, lastFailureMs: 5_000 });
    });

    it('indexed pod name prefixes', () => {
      assert.equal(podGenerateNameWithIndex('job', 3), 'job-3-');
      assert.equal(podGenerateNameWithIndex('j'.repeat(70), 12).length, 58);
    });
  });

  describe('scenarios', () => {
    it('completes with parallelism: never more than 2 active, then SuccessCriteriaMet and Complete', () => {
      const h = startHarness(1, [jobController]);
      create(h, job('batch', { completions: 5, parallelism: 2 }));
      let maxActive = 0;
      let done = 0;
      for (let step = 0; step < 40 && done < 5; step++) {
        h.c.sim.runFor(700);
        const active = activePods(h, 'batch');
        maxActive = Math.max(maxActive, active.length);
        startPods(h, 'batch');
        const first = active.find((p) => p.status?.phase === 'Running');
        if (first !== undefined) {
          finishPod(h, NS, first.metadata?.name ?? '', 'Succeeded');
          done++;
        }
      }
      h.c.sim.runFor(5_000);
      const j = jobOf(h, 'batch');
      assert.equal(maxActive, 2);
      assert.equal(j.status?.succeeded, 5);
      assert.equal(j.status?.failed, undefined);
      assert.equal(j.status?.active, undefined);
      assert.deepEqual(conditions(h, 'batch'), ['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
      assert.equal(j.status?.conditions?.[1]?.message, JOB_REASONS.completionsReached.message);
      assert.ok(j.status?.startTime !== undefined && j.status?.completionTime !== undefined);
      assert.deepEqual(j.status?.uncountedTerminatedPods, {});
      const pods = podsOf(h, 'batch');
      assert.equal(pods.length, 5);
      for (const p of pods) {
        assert.equal(p.metadata?.labels?.[JOB_NAME_LABEL], 'batch');
        assert.equal(p.metadata?.labels?.[CONTROLLER_UID_LABEL], j.metadata?.uid);
        assert.equal(p.metadata?.labels?.['job-name'], 'batch');
        assert.ok(!(p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER), 'counted pods lose the tracking finalizer');
        assert.match(p.metadata?.name ?? '', /^batch-[a-z0-9]{5}$/);
      }
      assert.ok(h.manager.reports.every((r) => r.kind !== 'plugin-error'), JSON.stringify(h.manager.reports));
    });

    it('keeps pods tracked with a finalizer until counted', () => {
      const h = startHarness(2, [jobController]);
      create(h, job('t'));
      h.c.sim.runFor(1_000);
      const [p] = podsOf(h, 't');
      assert.deepEqual(p?.metadata?.finalizers, [JOB_TRACKING_FINALIZER]);
      assert.equal(jobOf(h, 't').status?.active, 1);
    });

    it('retries failures with back-off (10 s, 20 s) until backoffLimit, then FailureTarget and Failed', () => {
      const h = startHarness(3, [jobController]);
      create(h, job('flaky', { backoffLimit: 2 }));
      const failedAt: number[] = [];
      const startedAt: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        h.c.sim.runUntil(() => activePods(h, 'flaky').length === 1, { maxMs: 120_000 });
        startedAt.push(h.c.sim.nowMs);
        const pod = activePods(h, 'flaky')[0];
        setPodRunning(h, NS, pod?.metadata?.name ?? '', { ready: true });
        h.c.sim.runFor(100);
        finishPod(h, NS, pod?.metadata?.name ?? '', 'Failed');
        failedAt.push(h.c.sim.nowMs);
      }
      h.c.sim.runFor(5_000);
      const delays = [(startedAt[1] ?? 0) - (failedAt[0] ?? 0), (startedAt[2] ?? 0) - (failedAt[1] ?? 0)];
      // The failure time is whole seconds (as the API prints it), so a delay may be up to 1 s short.
      assert.ok((delays[0] ?? 0) >= 9_000 && (delays[0] ?? 0) < 12_000, JSON.stringify(delays));
      assert.ok((delays[1] ?? 0) >= 19_000 && (delays[1] ?? 0) < 22_000, JSON.stringify(delays));
      const j = jobOf(h, 'flaky');
      assert.equal(j.status?.failed, 3);
      assert.deepEqual(conditions(h, 'flaky'), ['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded']);
      assert.equal(j.status?.conditions?.[1]?.message, JOB_REASONS.backoffLimitExceeded.message);
      assert.equal(j.status?.completionTime, undefined);
      assert.equal(podsOf(h, 'flaky').length, 3);
    });

    it('fails a Job past activeDeadlineSeconds, deleting its running pods', () => {
      const h = startHarness(4, [jobController]);
      create(h, job('slow', { activeDeadlineSeconds: 30, parallelism: 2, completions: 4 }));
      h.c.sim.runFor(2_000);
      startPods(h, 'slow');
      h.c.sim.runFor(27_000);
      assert.deepEqual(conditions(h, 'slow'), []);
      h.c.sim.runFor(5_000);
      assert.deepEqual(conditions(h, 'slow'), ['FailureTarget=True:DeadlineExceeded', 'Failed=True:DeadlineExceeded']);
      const j = jobOf(h, 'slow');
      assert.equal(j.status?.failed, 2, 'the deleted running pods count as failed');
      assert.equal(activePods(h, 'slow').length, 0);
      assert.equal(podsOf(h, 'slow').length, 0, 'without their finalizer the deleted pods are gone');
      const failedAt = Date.parse(j.status?.conditions?.[0]?.lastTransitionTime ?? '') - Date.parse(j.status?.startTime ?? '');
      assert.ok(failedAt >= 30_000 && failedAt <= 31_000, String(failedAt));
    });

    it('runs Indexed completions: one pod per index, failed indexes retried, completedIndexes', () => {
      const h = startHarness(5, [jobController]);
      create(h, job('idx', { completions: 4, parallelism: 2, completionMode: 'Indexed', backoffLimit: 3 }));
      h.c.sim.runFor(1_000);
      const first = activePods(h, 'idx');
      assert.deepEqual(first.map((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).sort(), ['0', '1']);
      const p0 = first.find((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] === '0');
      assert.match(p0?.metadata?.name ?? '', /^idx-0-[a-z0-9]{5}$/);
      assert.equal(p0?.metadata?.labels?.[JOB_COMPLETION_INDEX_ANNOTATION], '0');
      assert.equal(p0?.spec?.hostname, 'idx-0');
      assert.deepEqual(p0?.spec?.containers?.[0]?.env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } }]);
      // Index 1 fails once, then everything succeeds.
      let failedOnce = false;
      for (let step = 0; step < 80 && !conditions(h, 'idx').includes('Complete=True:CompletionsReached'); step++) {
        h.c.sim.runFor(1_000);
        for (const p of activePods(h, 'idx')) {
          const ix = p.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
          if (ix === '1' && !failedOnce) {
            finishPod(h, NS, p.metadata?.name ?? '', 'Failed');
            failedOnce = true;
          } else {
            finishPod(h, NS, p.metadata?.name ?? '', 'Succeeded');
          }
        }
      }
      const j = jobOf(h, 'idx');
      assert.equal(j.status?.completedIndexes, '0-3');
      assert.equal(j.status?.succeeded, 4);
      assert.equal(j.status?.failed, 1);
      const byIndex = podsOf(h, 'idx').map((p) => p.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).sort();
      assert.deepEqual(byIndex, ['0', '1', '1', '2', '3']);
      assert.deepEqual(conditions(h, 'idx'), ['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
    });

    it('runs the rabbitmq-publisher fixture to Failed after backoffLimit 4', function () {
      const objects = loadFixture('apps/rabbitmq-publisher-job.yaml');
      if (objects === undefined) this.skip();
      const h = startHarness(6, [jobController]);
      for (const o of objects ?? []) create(h, { ...o, metadata: { ...(o as KubeObject).metadata, namespace: NS } });
      for (let i = 0; i < 5; i++) {
        h.c.sim.runUntil(() => activePods(h, 'rabbitmq-publish').length === 1, { maxMs: 400_000 });
        const pod = activePods(h, 'rabbitmq-publish')[0];
        finishPod(h, NS, pod?.metadata?.name ?? '', 'Failed');
      }
      h.c.sim.runFor(5_000);
      const j = jobOf(h, 'rabbitmq-publish');
      assert.equal(j.status?.failed, 5);
      assert.deepEqual(conditions(h, 'rabbitmq-publish'), ['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded']);
      // Back-offs 10 + 20 + 40 + 80 s between the five attempts.
      assert.ok(h.c.sim.nowMs >= 150_000, String(h.c.sim.nowMs));
    });

    it('suspends and resumes: no pods and no start time while suspended', () => {
      const h = startHarness(7, [jobController]);
      create(h, job('s', { suspend: true, parallelism: 2, completions: 2 }));
      h.c.sim.runFor(3_000);
      assert.equal(podsOf(h, 's').length, 0);
      assert.equal(jobOf(h, 's').status?.startTime, undefined);
      assert.deepEqual(conditions(h, 's'), ['Suspended=True:JobSuspended']);
      patch(h, 'Job', NS, 's', { spec: { suspend: false } });
      h.c.sim.runFor(3_000);
      assert.equal(activePods(h, 's').length, 2);
      assert.deepEqual(conditions(h, 's'), ['Suspended=False:JobResumed']);
      assert.ok(jobOf(h, 's').status?.startTime !== undefined);
      patch(h, 'Job', NS, 's', { spec: { suspend: true } });
      h.c.sim.runFor(3_000);
      assert.equal(activePods(h, 's').length, 0);
      assert.deepEqual(conditions(h, 's'), ['Suspended=True:JobSuspended']);
      assert.equal(jobOf(h, 's').status?.failed, undefined, 'pods deleted for suspension are not failures');
    });

    it('a work-queue Job (no completions) completes when one pod succeeded and the rest finished', () => {
      const h = startHarness(8, [jobController]);
      create(h, job('wq', { parallelism: 3 }));
      h.c.sim.runFor(1_000);
      const pods = activePods(h, 'wq');
      assert.equal(pods.length, 3);
      finishPod(h, NS, pods[0]?.metadata?.name ?? '', 'Succeeded');
      h.c.sim.runFor(3_000);
      assert.equal(activePods(h, 'wq').length, 2, 'after a success nothing new starts, nothing is stopped');
      for (const p of activePods(h, 'wq')) finishPod(h, NS, p.metadata?.name ?? '', 'Succeeded');
      h.c.sim.runFor(3_000);
      assert.equal(jobOf(h, 'wq').status?.succeeded, 3);
      assert.ok(conditions(h, 'wq').includes('Complete=True:CompletionsReached'));
    });

    it('deletes a finished Job after ttlSecondsAfterFinished', () => {
      const h = startHarness(9, [jobController]);
      create(h, job('ttl', { ttlSecondsAfterFinished: 60 }));
      h.c.sim.runFor(1_000);
      finishPod(h, NS, activePods(h, 'ttl')[0]?.metadata?.name ?? '', 'Succeeded');
      h.c.sim.runFor(5_000);
      assert.ok(conditions(h, 'ttl').includes('Complete=True:CompletionsReached'));
      h.c.sim.runFor(50_000);
      assert.equal(jobOf(h, 'ttl').metadata?.deletionTimestamp, undefined);
      h.c.sim.runFor(10_000);
      // Foreground deletion: the garbage collector finishes it; here it is marked.
      const j = get<Job>(h, 'Job', NS, 'ttl');
      assert.ok(j === undefined || j.metadata?.deletionTimestamp !== undefined);
    });

    it('releases the tracking finalizer of pods whose Job was deleted', () => {
      const h = startHarness(10, [jobController]);
      create(h, job('gone', { parallelism: 2, completions: 2 }));
      h.c.sim.runFor(2_000);
      assert.equal(podsOf(h, 'gone').length, 2);
      remove(h, 'Job', NS, 'gone');
      h.c.sim.runFor(3_000);
      assert.ok(podsOf(h, 'gone').every((p) => !(p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)));
    });

    it('replaces a pod someone deleted and counts it as failed', () => {
      const h = startHarness(11, [jobController]);
      create(h, job('r', { backoffLimit: 6 }));
      h.c.sim.runFor(1_000);
      const [p] = activePods(h, 'r');
      remove(h, 'Pod', NS, p?.metadata?.name ?? '');
      h.c.sim.runFor(15_000);
      const j = jobOf(h, 'r');
      assert.equal(j.status?.failed, 1);
      assert.equal(activePods(h, 'r').length, 1);
      assert.notEqual(activePods(h, 'r')[0]?.metadata?.name, p?.metadata?.name);
    });

    it('counts exactly once across a controller-manager restart, with a slow informer', () => {
      const h = startHarness(12, [jobController], { informerLatencyMs: { minMs: 200, maxMs: 900 } });
      create(h, job('exact', { completions: 6, parallelism: 3 }));
      let maxActive = 0;
      for (let step = 0; step < 100 && !conditions(h, 'exact').includes('Complete=True:CompletionsReached'); step++) {
        h.c.sim.runFor(400);
        maxActive = Math.max(maxActive, activePods(h, 'exact').length);
        const [p] = activePods(h, 'exact');
        if (p !== undefined) finishPod(h, NS, p.metadata?.name ?? '', 'Succeeded');
        if (step === 4) h.manager.restart();
      }
      const j = jobOf(h, 'exact');
      assert.equal(h.manager.incarnation, 2);
      assert.equal(j.status?.succeeded, 6);
      assert.equal(podsOf(h, 'exact').filter((p) => p.status?.phase === 'Succeeded').length, 6);
      assert.ok(maxActive <= 3, String(maxActive));
      assert.ok(conditions(h, 'exact').includes('Complete=True:CompletionsReached'));
    });

    it('is deterministic: same seed, same trace digest', () => {
      const run = (seed: number) => {
        const h = startHarness(seed, [jobController]);
        create(h, job('d', { completions: 4, parallelism: 2 }));
        for (let i = 0; i < 10; i++) {
          h.c.sim.runFor(1_500);
          const [p] = activePods(h, 'd');
          if (p !== undefined) finishPod(h, NS, p.metadata?.name ?? '', i % 3 === 0 ? 'Failed' : 'Succeeded');
        }
        return JSON.stringify(jobOf(h, 'd').status) + h.c.sim.trace.digest();
      };
      assert.equal(run(31), run(31));
      assert.notEqual(run(31), run(32));
    });
  });
});
