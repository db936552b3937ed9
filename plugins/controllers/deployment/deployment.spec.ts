import assert from 'node:assert/strict';
import { forbidden, unwrap, type Deployment, type KubeObject } from 'kubeprop';
import { replicaSetController } from '../replicaset/replicaset.js';
import {
  deploymentObject,
  pluginErrors,
  podIsReady,
  readyAll,
  runWithKubelet,
  startControllers,
  stored,
  storedPods,
  storedReplicaSets,
  traceOf,
  type ControllerCluster,
  type DeploymentShape,
  type StoredDeployment,
  type StoredPod,
  type StoredReplicaSet,
} from '../test-support.js';
import {
  CONCURRENT_DEPLOYMENT_SYNCS,
  DEPLOYMENT_CONTROLLER_NAME,
  DEPLOYMENT_MAX_RETRIES,
  ORPHAN_REPLICASET_REQUEST_PREFIX,
  deploymentController,
  orphanReplicaSetRequests,
} from './deployment.js';
import {
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  equalIgnoreHash,
  maxSurge,
  maxUnavailable,
  replicaSetFraction,
  resolveFenceposts,
  type CachedDeployment,
  type CachedReplicaSet,
} from './deployment-util.js';
import { computePodTemplateHash, safeEncodeString } from './pod-template-hash.js';

const BOTH = [deploymentController, replicaSetController];

function start(seed: number): ControllerCluster {
  return startControllers(seed, BOTH);
}

function deployment(cl: ControllerCluster, name = 'web'): StoredDeployment {
  const d = stored<Deployment & KubeObject>(cl.c, 'apps/v1', 'Deployment', name);
  assert.ok(d, `Deployment ${name} exists`);
  return d;
}

function ref(name: string) {
  return { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name };
}

function patchDeployment(cl: ControllerCluster, name: string, patch: unknown): void {
  unwrap(cl.c.client.patch(ref(name), patch));
}

function setImage(cl: ControllerCluster, name: string, image: string): void {
  const d = deployment(cl, name);
  const template = d.spec?.template;
  const containers = (template?.spec?.containers ?? []).map((c) => ({ ...c, image }));
  patchDeployment(cl, name, { spec: { template: { spec: { containers } } } });
}

function condition(d: StoredDeployment, type: string) {
  return d.status?.conditions?.find((c) => c.type === type);
}

function live(pods: readonly StoredPod[]): StoredPod[] {
  return pods.filter((p) => p.metadata.deletionTimestamp === undefined);
}

function specSum(rss: readonly StoredReplicaSet[]): number {
  return rss.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
}

function imageOf(pod: StoredPod): string {
  return pod.spec?.containers[0]?.image ?? '';
}

function noErrors(cl: ControllerCluster): void {
  assert.deepEqual(pluginErrors(cl), []);
}

const asDeployment = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec, status }) as unknown as CachedDeployment;

describe('Deployment controller', () => {
  it('is named and tuned as upstream', () => {
    assert.equal(deploymentController.name, DEPLOYMENT_CONTROLLER_NAME);
    assert.equal(DEPLOYMENT_CONTROLLER_NAME, 'deployment-controller');
    assert.equal(deploymentController.for, 'apps/Deployment');
    assert.deepEqual(deploymentController.owns, ['apps/ReplicaSet']);
    assert.equal(deploymentController.maxConcurrentReconciles, CONCURRENT_DEPLOYMENT_SYNCS);
    assert.equal(CONCURRENT_DEPLOYMENT_SYNCS, 5);
    assert.equal(DEPLOYMENT_MAX_RETRIES, 15);
  });

  describe('fenceposts', () => {
    const table: [surge: number | string, unavailable: number | string, replicas: number, expected: [number, number]][] = [
      ['25%', '25%', 10, [3, 2]],
      ['25%', '25%', 4, [1, 1]],
      ['25%', '25%', 1, [1, 0]],
      ['25%', '25%', 3, [1, 0]],
      [0, 0, 5, [0, 1]],
      ['1%', '0%', 2, [1, 0]],
      ['0%', '1%', 2, [0, 1]],
      ['0%', '49%', 2, [0, 1]],
      ['50%', '50%', 5, [3, 2]],
      [2, 1, 10, [2, 1]],
      ['100%', 0, 3, [3, 0]],
    ];
    for (const [surge, unavailable, replicas, expected] of table) {
      it(`maxSurge ${surge}, maxUnavailable ${unavailable}, ${replicas} replicas ⇒ surge ${expected[0]}, unavailable ${expected[1]} (surge rounds up, unavailable down)`, () => {
        assert.deepEqual(resolveFenceposts(surge, unavailable, replicas), expected);
        const d = asDeployment({ replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } });
        assert.equal(maxSurge(d), expected[0]);
        assert.equal(maxUnavailable(d), Math.min(expected[1], replicas));
      });
    }

    it('maxUnavailable never exceeds the replicas, and Recreate has neither', () => {
      assert.equal(maxUnavailable(asDeployment({ replicas: 3, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '200%' } } })), 3);
      assert.equal(maxUnavailable(asDeployment({ replicas: 0, strategy: { type: 'RollingUpdate' } })), 0);
      assert.equal(maxSurge(asDeployment({ replicas: 3, strategy: { type: 'Recreate' } })), 0);
      assert.equal(maxUnavailable(asDeployment({ replicas: 3, strategy: { type: 'Recreate' } })), 0);
      // Absent fields read as the apps/v1 defaults (RollingUpdate, 25%/25%).
      assert.equal(maxSurge(asDeployment({ replicas: 8 })), 2);
    });
  });

  describe('pod-template hash', () => {
    const template = deploymentObject('web').spec as { template: unknown };

    it('is deterministic, uses only the safe alphabet, and changes with the template and the collision count', () => {
      const h = computePodTemplateHash(template.template, undefined);
      assert.equal(h, computePodTemplateHash(JSON.parse(JSON.stringify(template.template)), undefined));
      assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
      assert.notEqual(h, computePodTemplateHash(template.template, 0), 'a collision count of 0 still counts');
      assert.notEqual(computePodTemplateHash(template.template, 0), computePodTemplateHash(template.template, 1));
      assert.notEqual(h, computePodTemplateHash((deploymentObject('web', { image: 'nginx:2' }).spec as { template: unknown }).template, undefined));
      assert.equal(safeEncodeString('0123456789'), '456789bcdf');
    });

    it('equalIgnoreHash ignores only the hash label', () => {
      const t = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'x' }] } };
      const withHash = { ...t, metadata: { labels: { app: 'web', [POD_TEMPLATE_HASH_LABEL]: 'abc' } } };
      assert.equal(equalIgnoreHash(t as never, withHash as never), true);
      assert.equal(equalIgnoreHash(t as never, { ...t, spec: { containers: [{ name: 'a', image: 'y' }] } } as never), false);
      // Absent and empty are the same to a decoded Go struct.
      assert.equal(equalIgnoreHash(t as never, { ...t, metadata: { labels: { app: 'web' }, annotations: {} } } as never), true);
    });
  });

  describe('create', () => {
    it('creates a ReplicaSet <name>-<hash> and its pods, then reports availability and completion', () => {
      const cl = start(1);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 3 })));
      runWithKubelet(cl, 3_000);
      const d = deployment(cl);
      const rss = storedReplicaSets(cl.c);
      assert.equal(rss.length, 1);
      const rs = rss[0] as StoredReplicaSet;
      const hash = rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
      assert.equal(hash, computePodTemplateHash(d.spec?.template, undefined));
      assert.equal(rs.metadata.name, `web-${hash}`);
      assert.deepEqual(rs.spec?.selector, { matchLabels: { app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash } });
      assert.deepEqual(rs.spec?.template?.metadata?.labels, { app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
      assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      assert.deepEqual(rs.metadata.annotations, {
        'deployment.kubernetes.io/desired-replicas': '3',
        'deployment.kubernetes.io/max-replicas': '4',
        [REVISION_ANNOTATION]: '1',
      });
      assert.equal(d.metadata.annotations?.[REVISION_ANNOTATION], '1');
      const pods = storedPods(cl.c);
      assert.equal(pods.length, 3);
      for (const p of pods) assert.equal(p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL], hash);

      const { conditions, ...counts } = d.status ?? {};
      assert.deepEqual(counts, { observedGeneration: d.metadata.generation, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, terminatingReplicas: 0 });
      const available = condition(d, 'Available');
      assert.equal(available?.status, 'True');
      assert.equal(available?.reason, 'MinimumReplicasAvailable');
      assert.equal(available?.message, 'Deployment has minimum availability.');
      const progressing = condition(d, 'Progressing');
      assert.equal(progressing?.status, 'True');
      assert.equal(progressing?.reason, 'NewReplicaSetAvailable');
      assert.equal(progressing?.message, `ReplicaSet "web-${hash}" has successfully progressed.`);
      assert.equal(conditions?.length, 2);
      const scaled = traceOf(cl.c, 'event').filter((e) => e['reason'] === 'ScalingReplicaSet');
      assert.deepEqual(
        scaled.map((e) => e['message']),
        [`Scaled up replica set web-${hash} from 0 to 3`],
      );
      noErrors(cl);
    });

    it('reports NewReplicaSetCreated, then ReplicaSetUpdated while pods come up, and MinimumReplicasUnavailable until they do', () => {
      const cl = start(2);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 4, maxUnavailable: 0, maxSurge: 1 })));
      const reasons: string[] = [];
      const seen = () => {
        const d = stored<Deployment & KubeObject>(cl.c, 'apps/v1', 'Deployment', 'web');
        const r = d === undefined ? undefined : condition(d, 'Progressing')?.reason;
        if (r !== undefined && reasons[reasons.length - 1] !== r) reasons.push(r);
      };
      cl.c.sim.runUntil(
        () => {
          seen();
          return false;
        },
        { maxMs: 1_000 },
      );
      assert.equal(condition(deployment(cl), 'Available')?.reason, 'MinimumReplicasUnavailable');
      assert.equal(condition(deployment(cl), 'Available')?.message, 'Deployment does not have minimum availability.');
      runWithKubelet(cl, 3_000, { check: seen });
      assert.deepEqual(reasons, ['NewReplicaSetCreated', 'ReplicaSetUpdated', 'NewReplicaSetAvailable']);
      assert.equal(condition(deployment(cl), 'Available')?.reason, 'MinimumReplicasAvailable');
    });
  });

  describe('rolling update', () => {
    const table: [what: string, shape: DeploymentShape][] = [
      ['defaults (25%/25%) with 10 replicas', { replicas: 10 }],
      ['maxSurge 3, maxUnavailable 2', { replicas: 10, maxSurge: 3, maxUnavailable: 2 }],
      ['maxSurge 1, maxUnavailable 0 (never below replicas)', { replicas: 5, maxSurge: 1, maxUnavailable: 0 }],
      ['maxSurge 0, maxUnavailable 1 (never above replicas)', { replicas: 5, maxSurge: 0, maxUnavailable: 1 }],
      ['percentages that round to 0/0 (unavailable becomes 1)', { replicas: 3, maxSurge: '10%', maxUnavailable: '10%' }],
    ];
    for (const [what, shape] of table) {
      it(`${what}: total ≤ replicas + maxSurge and available ≥ replicas - maxUnavailable at every step`, () => {
        const cl = start(3);
        const obj = deploymentObject('web', shape);
        unwrap(cl.c.client.create(obj));
        runWithKubelet(cl, 3_000);
        const d0 = deployment(cl);
        const replicas = d0.spec?.replicas ?? 1;
        const surge = maxSurge(d0);
        const unavailable = maxUnavailable(d0);
        assert.equal(storedPods(cl.c).filter(podIsReady).length, replicas);

        setImage(cl, 'web', 'nginx:1.28');
        let maxTotal = 0;
        let minAvailable = Infinity;
        let maxSpec = 0;
        const check = () => {
          const pods = live(storedPods(cl.c));
          maxTotal = Math.max(maxTotal, pods.length);
          minAvailable = Math.min(minAvailable, pods.filter(podIsReady).length);
          maxSpec = Math.max(maxSpec, specSum(storedReplicaSets(cl.c)));
        };
        runWithKubelet(cl, 30_000, { check, sliceMs: 100 });

        assert.ok(maxSpec <= replicas + surge, `ReplicaSets sized ${maxSpec} > ${replicas} + ${surge}`);
        assert.ok(maxTotal <= replicas + surge, `${maxTotal} pods > ${replicas} + ${surge}`);
        assert.ok(minAvailable >= replicas - unavailable, `${minAvailable} available < ${replicas} - ${unavailable}`);
        // Done: every pod runs the new image, the old ReplicaSet is scaled to 0 and kept.
        const pods = live(storedPods(cl.c));
        assert.equal(pods.length, replicas);
        assert.ok(pods.every((p) => imageOf(p) === 'nginx:1.28' && podIsReady(p)));
        const rss = storedReplicaSets(cl.c);
        assert.equal(rss.length, 2);
        const byRevision = new Map(rss.map((rs) => [rs.metadata.annotations?.[REVISION_ANNOTATION], rs]));
        assert.equal(byRevision.get('1')?.spec?.replicas, 0);
        assert.equal(byRevision.get('2')?.spec?.replicas, replicas);
        const d = deployment(cl);
        assert.equal(d.metadata.annotations?.[REVISION_ANNOTATION], '2');
        assert.equal(condition(d, 'Progressing')?.reason, 'NewReplicaSetAvailable');
        assert.equal(d.status?.updatedReplicas, replicas);
        assert.equal(d.status?.observedGeneration, d.metadata.generation);
        noErrors(cl);
      });
    }

    it('scales proportionally when replicas change mid-rollout', () => {
      const cl = start(4);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 10, maxSurge: 3, maxUnavailable: 2 })));
      runWithKubelet(cl, 3_000);
      const oldRS = storedReplicaSets(cl.c)[0] as StoredReplicaSet;
      setImage(cl, 'web', 'nginx:broken');
      // New pods never become ready: the rollout stalls with old 8, new 5 (13 = 10 + 3).
      runWithKubelet(cl, 5_000, { ready: (p) => imageOf(p) !== 'nginx:broken' });
      const sizes = () => {
        const rss = storedReplicaSets(cl.c);
        const o = rss.find((rs) => rs.metadata.uid === oldRS.metadata.uid);
        const n = rss.find((rs) => rs.metadata.uid !== oldRS.metadata.uid);
        return [o?.spec?.replicas, n?.spec?.replicas];
      };
      assert.deepEqual(sizes(), [8, 5]);
      patchDeployment(cl, 'web', { spec: { replicas: 20 } });
      runWithKubelet(cl, 5_000, { ready: (p) => imageOf(p) !== 'nginx:broken' });
      // Both were sized for a maximum of 13 (10 + 3); the new maximum is 23 (20 + 3): the old one
      // becomes round(8 × 23 / 13) = 14, the new one round(5 × 23 / 13) = 9.
      assert.deepEqual(sizes(), [14, 9]);
      for (const rs of storedReplicaSets(cl.c)) {
        assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '20');
        assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '23');
      }
      noErrors(cl);
    });

    it('replicaSetFraction: the new size in proportion to the new maximum, rounded half away from zero', () => {
      const d = asDeployment({ replicas: 20, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }, { replicas: 13 });
      const rs = (replicas: number, max?: string) =>
        ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r', annotations: max === undefined ? {} : { 'deployment.kubernetes.io/max-replicas': max } }, spec: { replicas } }) as unknown as CachedReplicaSet;
      assert.equal(replicaSetFraction(rs(8, '13'), d), 6); // 8 × 23 / 13 = 14.15 → 14
      assert.equal(replicaSetFraction(rs(5, '13'), d), 4); // 5 × 23 / 13 = 8.85 → 9
      assert.equal(replicaSetFraction(rs(1, '2'), d), 11); // 1 × 23 / 2 = 11.5 → 12 (half away from zero)
      assert.equal(replicaSetFraction(rs(5), d), 4, 'no annotation: status.replicas');
      assert.equal(replicaSetFraction(rs(5), asDeployment({ replicas: 0 })), -5, 'scaling to zero');
    });
  });

  describe('recreate', () => {
    it('deletes every old pod before the new ReplicaSet has any', () => {
      const cl = start(5);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 4, strategy: 'Recreate' })));
      runWithKubelet(cl, 3_000);
      assert.equal(live(storedPods(cl.c)).length, 4);
      setImage(cl, 'web', 'nginx:1.28');
      let overlap = false;
      let sawNone = false;
      const check = () => {
        const images = new Set(live(storedPods(cl.c)).map(imageOf));
        if (images.size > 1) overlap = true;
        if (images.size === 0) sawNone = true;
      };
      runWithKubelet(cl, 20_000, { check, sliceMs: 100 });
      assert.equal(overlap, false, 'old and new pods never coexist');
      assert.equal(sawNone, true, 'there is a moment with no pods at all');
      const pods = live(storedPods(cl.c));
      assert.equal(pods.length, 4);
      assert.ok(pods.every((p) => imageOf(p) === 'nginx:1.28'));
      assert.equal(condition(deployment(cl), 'Progressing')?.reason, 'NewReplicaSetAvailable');
      noErrors(cl);
    });

    it('waits for terminating old pods to go', () => {
      const cl = start(6);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 2, strategy: 'Recreate' })));
      runWithKubelet(cl, 3_000);
      // Terminate the old pods gracefully (as a kubelet would take 30 s to), by hand: the
      // ReplicaSet controller deletes them immediately in this test cluster, so do it first.
      for (const p of storedPods(cl.c)) {
        unwrap(cl.c.store.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: p.metadata.name ?? '' }, { gracePeriodSeconds: 30 }));
      }
      cl.c.network.notify('Pod');
      cl.c.sim.runFor(500);
      setImage(cl, 'web', 'nginx:1.28');
      cl.c.sim.runFor(5_000);
      // The old pods are still terminating (and their replacements, if any, were created by the
      // old ReplicaSet before it was scaled down): no pod of the new template yet.
      assert.ok(storedPods(cl.c).every((p) => imageOf(p) === 'nginx:1.27'));
      // The terminations complete.
      for (const p of storedPods(cl.c)) {
        if (p.metadata.deletionTimestamp !== undefined) unwrap(cl.c.store.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: p.metadata.name ?? '' }, { gracePeriodSeconds: 0 }));
      }
      cl.c.network.notify('Pod');
      runWithKubelet(cl, 5_000);
      const pods = live(storedPods(cl.c));
      assert.equal(pods.length, 2);
      assert.ok(pods.every((p) => imageOf(p) === 'nginx:1.28'));
    });
  });

  describe('revisions', () => {
    it('numbers revisions, keeps revisionHistoryLimit old ReplicaSets, and deletes the oldest', () => {
      const cl = start(7);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 2, revisionHistoryLimit: 2 })));
      runWithKubelet(cl, 3_000);
      for (const v of ['1.28', '1.29', '1.30', '1.31']) {
        setImage(cl, 'web', `nginx:${v}`);
        runWithKubelet(cl, 10_000);
      }
      const rss = storedReplicaSets(cl.c);
      const revisions = rss.map((rs) => rs.metadata.annotations?.[REVISION_ANNOTATION]).sort();
      assert.deepEqual(revisions, ['3', '4', '5']);
      assert.equal(deployment(cl).metadata.annotations?.[REVISION_ANNOTATION], '5');
      assert.equal(traceOf(cl.c, 'cleanup').length, 2);
      noErrors(cl);
    });

    it('a rollback makes an old ReplicaSet new again, with the next revision and its history', () => {
      const cl = start(8);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 2 })));
      runWithKubelet(cl, 3_000);
      const first = storedReplicaSets(cl.c)[0] as StoredReplicaSet;
      setImage(cl, 'web', 'nginx:1.28');
      runWithKubelet(cl, 10_000);
      setImage(cl, 'web', 'nginx:1.27');
      runWithKubelet(cl, 10_000);
      const rss = storedReplicaSets(cl.c);
      assert.equal(rss.length, 2, 'no new ReplicaSet for a known template');
      const back = rss.find((rs) => rs.metadata.uid === first.metadata.uid) as StoredReplicaSet;
      assert.equal(back.spec?.replicas, 2);
      assert.equal(back.metadata.annotations?.[REVISION_ANNOTATION], '3');
      assert.equal(back.metadata.annotations?.[REVISION_HISTORY_ANNOTATION], '1');
      assert.equal(deployment(cl).metadata.annotations?.[REVISION_ANNOTATION], '3');
      assert.ok(live(storedPods(cl.c)).every((p) => imageOf(p) === 'nginx:1.27'));
    });
  });

  describe('progress deadline', () => {
    it('reports ProgressDeadlineExceeded when nothing moves for progressDeadlineSeconds, without any event', () => {
      const cl = start(9);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 2, progressDeadlineSeconds: 30 })));
      runWithKubelet(cl, 3_000);
      setImage(cl, 'web', 'nginx:broken');
      runWithKubelet(cl, 5_000, { ready: (p) => imageOf(p) !== 'nginx:broken' });
      assert.equal(condition(deployment(cl), 'Progressing')?.reason, 'ReplicaSetUpdated');
      const hash = storedReplicaSets(cl.c).find((rs) => rs.spec?.template?.spec?.containers[0]?.image === 'nginx:broken')?.metadata.name;
      // Quiet from here on (no pod ever gets ready): only the controller's own requeue can act.
      cl.c.sim.runFor(40_000);
      const d = deployment(cl);
      const progressing = condition(d, 'Progressing');
      assert.equal(progressing?.status, 'False');
      assert.equal(progressing?.reason, 'ProgressDeadlineExceeded');
      assert.equal(progressing?.message, `ReplicaSet ${JSON.stringify(hash)} has timed out progressing.`);
      // The pods finally start: the rollout completes and says so.
      runWithKubelet(cl, 10_000);
      assert.equal(condition(deployment(cl), 'Progressing')?.reason, 'NewReplicaSetAvailable');
      noErrors(cl);
    });

    it('without a deadline (MaxInt32) has no Progressing condition', () => {
      const cl = start(10);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 1, progressDeadlineSeconds: 2_147_483_647 })));
      runWithKubelet(cl, 3_000);
      assert.equal(condition(deployment(cl), 'Progressing'), undefined);
      assert.equal(condition(deployment(cl), 'Available')?.status, 'True');
    });
  });

  describe('paused', () => {
    it('does not roll out while paused, but scales, and resumes where it left', () => {
      const cl = start(11);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 2 })));
      runWithKubelet(cl, 3_000);
      patchDeployment(cl, 'web', { spec: { paused: true } });
      runWithKubelet(cl, 2_000);
      const paused = condition(deployment(cl), 'Progressing');
      assert.equal(paused?.status, 'Unknown');
      assert.equal(paused?.reason, 'DeploymentPaused');
      assert.equal(paused?.message, 'Deployment is paused');
      setImage(cl, 'web', 'nginx:1.28');
      patchDeployment(cl, 'web', { spec: { replicas: 4 } });
      runWithKubelet(cl, 5_000);
      assert.equal(storedReplicaSets(cl.c).length, 1, 'no new ReplicaSet while paused');
      assert.equal(live(storedPods(cl.c)).length, 4, 'scaling still works');
      assert.ok(live(storedPods(cl.c)).every((p) => imageOf(p) === 'nginx:1.27'));
      assert.equal(deployment(cl).status?.observedGeneration, deployment(cl).metadata.generation);

      patchDeployment(cl, 'web', { spec: { paused: false } });
      const reasons: string[] = [];
      runWithKubelet(cl, 15_000, {
        check: () => {
          const r = condition(deployment(cl), 'Progressing')?.reason;
          if (r !== undefined && reasons[reasons.length - 1] !== r) reasons.push(r);
        },
      });
      assert.deepEqual(reasons.slice(0, 2), ['DeploymentPaused', 'DeploymentResumed']);
      assert.equal(reasons[reasons.length - 1], 'NewReplicaSetAvailable');
      const pods = live(storedPods(cl.c));
      assert.equal(pods.length, 4);
      assert.ok(pods.every((p) => imageOf(p) === 'nginx:1.28'));
      noErrors(cl);
    });
  });

  describe('adoption', () => {
    it('adopts an orphan ReplicaSet with its template instead of creating one', () => {
      const cl = start(12);
      const d = deploymentObject('web', { replicas: 2 });
      const spec = d.spec as { selector: unknown; template: unknown };
      unwrap(
        cl.c.client.create({
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name: 'web-legacy', namespace: 'default', labels: { app: 'web' } },
          spec: { replicas: 2, selector: spec.selector, template: spec.template },
          status: { replicas: 0 },
        }),
      );
      runWithKubelet(cl, 2_000);
      unwrap(cl.c.client.create(d));
      const reasons: string[] = [];
      runWithKubelet(cl, 3_000, {
        check: () => {
          const dep = stored<Deployment & KubeObject>(cl.c, 'apps/v1', 'Deployment', 'web');
          const r = dep === undefined ? undefined : condition(dep, 'Progressing')?.reason;
          if (r !== undefined && reasons[reasons.length - 1] !== r) reasons.push(r);
        },
      });
      assert.deepEqual(reasons, ['FoundNewReplicaSet', 'NewReplicaSetAvailable']);
      assert.equal(condition(deployment(cl), 'Progressing')?.message, 'ReplicaSet "web-legacy" has successfully progressed.');
      const rss = storedReplicaSets(cl.c);
      assert.equal(rss.length, 1);
      const rs = rss[0] as StoredReplicaSet;
      assert.equal(rs.metadata.name, 'web-legacy');
      assert.equal(rs.metadata.ownerReferences?.[0]?.uid, deployment(cl).metadata.uid);
      assert.equal(rs.metadata.annotations?.[REVISION_ANNOTATION], '1');
      assert.equal(live(storedPods(cl.c)).length, 2);
      assert.equal(condition(deployment(cl), 'Progressing')?.reason, 'NewReplicaSetAvailable');
    });

    it('maps only orphan ReplicaSet events to orphan-claim requests', () => {
      const orphan = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r', namespace: 'ns' } } as KubeObject;
      assert.deepEqual(orphanReplicaSetRequests(orphan), [{ namespace: 'ns', name: `${ORPHAN_REPLICASET_REQUEST_PREFIX}r` }]);
      const owned = { ...orphan, metadata: { ...orphan.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u', controller: true }] } };
      assert.deepEqual(orphanReplicaSetRequests(owned), []);
      // A bare ReplicaSet's status updates (its spec observed) are not mapped.
      const observed = { ...orphan, metadata: { ...orphan.metadata, generation: 2 }, status: { replicas: 1, observedGeneration: 2 } };
      assert.deepEqual(orphanReplicaSetRequests(observed), []);
      assert.equal(orphanReplicaSetRequests({ ...observed, metadata: { ...observed.metadata, generation: 3 } }).length, 1);
    });
  });

  describe('failures', () => {
    it('a hash collision bumps collisionCount and the next name is tried', () => {
      const cl = start(13);
      const obj = deploymentObject('web', { replicas: 2 });
      const template = (obj.spec as { template: unknown }).template;
      const taken = `web-${computePodTemplateHash(template, undefined)}`;
      // Someone else's ReplicaSet already has the name (labels the Deployment does not select).
      unwrap(
        cl.c.client.create({
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name: taken, namespace: 'default', labels: { app: 'squatter' } },
          spec: { replicas: 0, selector: { matchLabels: { app: 'squatter' } }, template: { metadata: { labels: { app: 'squatter' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
          status: { replicas: 0 },
        }),
      );
      cl.c.sim.runFor(500);
      unwrap(cl.c.client.create(obj));
      runWithKubelet(cl, 5_000);
      const d = deployment(cl);
      assert.equal(d.status?.collisionCount, 1);
      const mine = storedReplicaSets(cl.c).filter((rs) => rs.metadata.ownerReferences?.[0]?.uid === d.metadata.uid);
      assert.equal(mine.length, 1);
      assert.equal(mine[0]?.metadata.name, `web-${computePodTemplateHash(template, 1)}`);
      assert.equal(live(storedPods(cl.c)).length, 2);
      noErrors(cl);
    });

    it('a ReplicaSet that cannot be created: Progressing False/ReplicaSetCreateError', () => {
      const cl = start(14);
      cl.c.raw.interceptor = (verb, t) => (verb === 'create' && t.kind === 'ReplicaSet' ? forbidden({ group: 'apps', resource: 'replicasets' }, t.name ?? '', 'exceeded quota') : undefined);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 2 })));
      cl.c.sim.runFor(2_000);
      const cond = condition(deployment(cl), 'Progressing');
      assert.equal(cond?.status, 'False');
      assert.equal(cond?.reason, 'ReplicaSetCreateError');
      assert.match(cond?.message ?? '', /^Failed to create new replica set "web-[a-z0-9]+": replicasets.apps "web-[a-z0-9]+" is forbidden: exceeded quota$/);
      // The quota is lifted: the rollout proceeds.
      cl.c.raw.interceptor = undefined;
      runWithKubelet(cl, 10_000);
      assert.equal(condition(deployment(cl), 'Progressing')?.reason, 'NewReplicaSetAvailable');
    });

    it("surfaces the new ReplicaSet's ReplicaFailure condition", () => {
      const cl = start(15);
      cl.c.raw.interceptor = (verb, t) => (verb === 'create' && t.kind === 'Pod' ? forbidden({ group: '', resource: 'pods' }, t.name ?? '', 'exceeded quota: pods') : undefined);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 2 })));
      cl.c.sim.runFor(3_000);
      const failure = condition(deployment(cl), 'ReplicaFailure');
      assert.equal(failure?.status, 'True');
      assert.equal(failure?.reason, 'FailedCreate');
      assert.match(failure?.message ?? '', /is forbidden: exceeded quota: pods/);
      cl.c.raw.interceptor = undefined;
      runWithKubelet(cl, 20_000);
      assert.equal(condition(deployment(cl), 'ReplicaFailure'), undefined);
    });

    it(`gives up after ${DEPLOYMENT_MAX_RETRIES} failed syncs until the next event`, () => {
      const cl = start(16);
      cl.c.raw.interceptor = (verb, t) => (verb === 'create' && t.kind === 'ReplicaSet' ? forbidden({ group: 'apps', resource: 'replicasets' }, t.name ?? '', 'exceeded quota') : undefined);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 1 })));
      cl.c.sim.runFor(600_000);
      const terminal = cl.manager.reports.filter((r) => r.kind === 'terminal' && r.controller === DEPLOYMENT_CONTROLLER_NAME);
      assert.equal(terminal.length, 1);
      const counts = cl.manager.counts(DEPLOYMENT_CONTROLLER_NAME);
      assert.equal(counts.terminal, 1);
      // A new event (here: a spec change) brings it back.
      cl.c.raw.interceptor = undefined;
      patchDeployment(cl, 'web', { spec: { replicas: 2 } });
      runWithKubelet(cl, 5_000);
      assert.equal(live(storedPods(cl.c)).length, 2);
    });

    it('a Deployment selecting everything is reported, not rolled out', () => {
      const cl = start(17);
      const obj = deploymentObject('web');
      unwrap(cl.c.client.create({ ...obj, spec: { ...(obj.spec as object), selector: {} } }));
      cl.c.sim.runFor(1_000);
      assert.equal(storedReplicaSets(cl.c).length, 0);
      assert.ok(traceOf(cl.c, 'event').some((e) => e['reason'] === 'SelectingAll' && e['message'] === 'This deployment is selecting all pods. A non-empty selector is required.'));
      assert.equal(deployment(cl).status?.observedGeneration, 1);
    });
  });

  describe('minReadySeconds', () => {
    it('a rollout waits for new pods to be available, not just ready', () => {
      const cl = start(18);
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 2, maxSurge: 1, maxUnavailable: 0, minReadySeconds: 5 })));
      runWithKubelet(cl, 10_000);
      assert.equal(deployment(cl).status?.availableReplicas, 2);
      const rs0 = storedReplicaSets(cl.c)[0] as StoredReplicaSet;
      assert.equal(rs0.spec?.minReadySeconds, 5);
      setImage(cl, 'web', 'nginx:1.28');
      const startMs = cl.c.sim.nowMs;
      let doneMs: number | undefined;
      runWithKubelet(cl, 30_000, {
        check: () => {
          if (doneMs === undefined && condition(deployment(cl), 'Progressing')?.reason === 'NewReplicaSetAvailable' && deployment(cl).metadata.annotations?.[REVISION_ANNOTATION] === '2') doneMs = cl.c.sim.nowMs;
        },
      });
      assert.ok(doneMs !== undefined);
      // Two surge steps, each waiting more than 5 s for the new pod to become available.
      assert.ok(doneMs - startMs > 10_000, `done after ${doneMs - startMs} ms`);
      assert.ok(doneMs - startMs < 16_000, `done after ${doneMs - startMs} ms`);
    });
  });

  it('is deterministic: same seed, same trace', () => {
    const digest = (seed: number) => {
      const cl = startControllers(seed, BOTH, { informerLatencyMs: { minMs: 1, maxMs: 100 } });
      unwrap(cl.c.client.create(deploymentObject('web', { replicas: 6 })));
      runWithKubelet(cl, 3_000);
      setImage(cl, 'web', 'nginx:1.28');
      runWithKubelet(cl, 10_000);
      readyAll(cl.c);
      return cl.c.sim.trace.digest();
    };
    assert.equal(digest(31), digest(31));
    assert.notEqual(digest(31), digest(32));
  });
});
