/**
 * The per-kind create and update strategies of the API server (upstream `PrepareForCreate`,
 * `PrepareForUpdate` of each resource's `strategy.go` under `pkg/registry/`): what a create resets,
 * what the server computes, what a status update may not change.
 *
 * - Status on create: kinds with a status subresource start from their zero status, written the
 *   way the API serializes it (`{}` for a Deployment, `{replicas: 0}` for a ReplicaSet, ...), and
 *   so do custom resources whose CRD declares `/status`. Nodes keep theirs (the kubelet registers
 *   a node with its status). Pods start `Pending` with their QoS class.
 * - Pods: the `PodScheduled=False/SchedulingGated` condition for gated pods, and `matchLabelKeys`
 *   / `mismatchLabelKeys` of pod (anti-)affinity terms merged into their label selectors
 *   (`pkg/registry/core/pod/strategy.go`).
 * - Namespaces: phase `Active` and the `kubernetes` finalizer in `spec.finalizers`.
 * - Jobs: the generated selector and the `job-name` / `controller-uid` labels, which need the
 *   final name and uid (`pkg/registry/batch/job/strategy.go` `generateSelector`), applied through
 *   the store's create hook.
 * - Pod status updates: `status.qosClass` is backfilled from the stored pod when left out and may
 *   not change.
 */
import { groupKindKey, type KindInfo } from '../api/kinds.js';
import { invalidError, type FieldError } from '../api/validation-errors.js';
import { arrAt, mapObjects, objAt, strAt, withField, type Obj } from './json-fields.js';
import { podQosClass } from './pod-qos.js';

/** Zero statuses as upstream serializes them (fields without `omitempty` appear as 0). */
const STATUS_ON_CREATE: ReadonlyMap<string, () => Obj> = new Map<string, () => Obj>([
  ['apps/Deployment', () => ({})],
  ['apps/ReplicaSet', () => ({ replicas: 0 })],
  ['apps/DaemonSet', () => ({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 })],
  ['apps/StatefulSet', () => ({ replicas: 0, availableReplicas: 0 })],
  ['batch/Job', () => ({})],
  ['batch/CronJob', () => ({})],
  ['ReplicationController', () => ({ replicas: 0 })],
  ['policy/PodDisruptionBudget', () => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 })],
  ['Service', () => ({ loadBalancer: {} })],
  ['Namespace', () => ({ phase: 'Active' })],
  ['PersistentVolumeClaim', () => ({ phase: 'Pending' })],
  ['PersistentVolume', () => ({ phase: 'Pending' })],
  ['ResourceQuota', () => ({})],
  ['networking.k8s.io/Ingress', () => ({ loadBalancer: {} })],
  ['autoscaling/HorizontalPodAutoscaler', () => ({ desiredReplicas: 0 })],
]);

/** Upstream `apiv1.PodReasonSchedulingGated`. */
export const POD_REASON_SCHEDULING_GATED = 'SchedulingGated';

/** Upstream `applyMatchLabelKeysAndMismatchLabelKeys` for one affinity term. */
function applyLabelKeys(term: Readonly<Obj>, labels: Readonly<Obj>): Readonly<Obj> {
  const matchKeys = arrAt(term, 'matchLabelKeys') ?? [];
  const mismatchKeys = arrAt(term, 'mismatchLabelKeys') ?? [];
  const selector = objAt(term, 'labelSelector');
  // A nil selector matches nothing; nothing to merge into.
  if ((matchKeys.length === 0 && mismatchKeys.length === 0) || selector === undefined) return term;
  const exprs: unknown[] = [...(arrAt(selector, 'matchExpressions') ?? [])];
  const before = exprs.length;
  for (const key of matchKeys) {
    const v = typeof key === 'string' ? labels[key] : undefined;
    if (typeof v === 'string') exprs.push({ key, operator: 'In', values: [v] });
  }
  for (const key of mismatchKeys) {
    const v = typeof key === 'string' ? labels[key] : undefined;
    if (typeof v === 'string') exprs.push({ key, operator: 'NotIn', values: [v] });
  }
  return exprs.length === before ? term : withField(term, 'labelSelector', withField(selector, 'matchExpressions', exprs));
}

function mutateAffinityTerms(affinity: Readonly<Obj>, labels: Readonly<Obj>): Readonly<Obj> {
  let a = affinity;
  const required = arrAt(a, 'requiredDuringSchedulingIgnoredDuringExecution');
  if (required !== undefined) a = withField(a, 'requiredDuringSchedulingIgnoredDuringExecution', mapObjects(required, (t) => applyLabelKeys(t, labels)));
  const preferred = arrAt(a, 'preferredDuringSchedulingIgnoredDuringExecution');
  if (preferred !== undefined) {
    a = withField(
      a,
      'preferredDuringSchedulingIgnoredDuringExecution',
      mapObjects(preferred, (w) => {
        const term = objAt(w, 'podAffinityTerm');
        return term === undefined ? w : withField(w, 'podAffinityTerm', applyLabelKeys(term, labels));
      }),
    );
  }
  return a;
}

/** Pod create strategy: status, gated condition, affinity label keys. */
function preparePod(pod: Readonly<Obj>): Readonly<Obj> {
  let p = pod;
  const spec = objAt(p, 'spec');
  const affinity = objAt(spec, 'affinity');
  if (spec !== undefined && affinity !== undefined) {
    const labels = objAt(objAt(p, 'metadata'), 'labels') ?? {};
    let a = affinity;
    for (const key of ['podAffinity', 'podAntiAffinity']) {
      const terms = objAt(a, key);
      if (terms !== undefined) a = withField(a, key, mutateAffinityTerms(terms, labels));
    }
    p = withField(p, 'spec', withField(spec, 'affinity', a));
  }
  const status: Obj = { phase: 'Pending', qosClass: podQosClass(p) };
  const gates = arrAt(objAt(p, 'spec'), 'schedulingGates');
  if (gates !== undefined && gates.length > 0) {
    status.conditions = [{ type: 'PodScheduled', status: 'False', reason: POD_REASON_SCHEDULING_GATED, message: 'Scheduling is blocked due to non-empty scheduling gates' }];
  }
  return withField(p, 'status', status);
}

/** Upstream `api.FinalizerKubernetes`. */
export const NAMESPACE_FINALIZER = 'kubernetes';

function prepareNamespace(ns: Readonly<Obj>): Readonly<Obj> {
  const spec = objAt(ns, 'spec') ?? {};
  const finalizers = arrAt(spec, 'finalizers') ?? [];
  const withFinalizer = finalizers.includes(NAMESPACE_FINALIZER) ? spec : withField(spec, 'finalizers', [...finalizers, NAMESPACE_FINALIZER]);
  return withField(withField(ns, 'spec', withFinalizer), 'status', { phase: 'Active' });
}

/**
 * The create strategy of a kind: the object as it will be stored (before the store's own
 * metadata). `custom`: the kind comes from a CRD.
 */
export function prepareForCreate(info: KindInfo, custom: boolean, obj: Readonly<Obj>): Readonly<Obj> {
  const key = groupKindKey(info.group, info.kind);
  if (key === 'Pod') return preparePod(obj);
  if (key === 'Namespace') return prepareNamespace(obj);
  const zero = STATUS_ON_CREATE.get(key);
  if (zero !== undefined) return withField(obj, 'status', zero());
  if (custom && info.hasStatusSubresource && obj.status !== undefined) {
    const { status: _dropped, ...rest } = obj;
    return rest;
  }
  return obj;
}

/** Upstream `batch.LegacyJobNameLabel`, `JobNameLabel`, `LegacyControllerUidLabel`, `ControllerUidLabel`. */
export const JOB_LABELS = Object.freeze({
  legacyJobName: 'job-name',
  jobName: 'batch.kubernetes.io/job-name',
  legacyControllerUid: 'controller-uid',
  controllerUid: 'batch.kubernetes.io/controller-uid',
});

/**
 * The store create hook for Jobs: unless `spec.manualSelector` is true, labels the pod template
 * with the job's name and uid (keeping labels the user set) and selects on the uid.
 */
export function prepareJobWithIdentity(job: Readonly<Record<string, unknown>>, name: string, uid: string): Readonly<Record<string, unknown>> {
  const spec = objAt(job, 'spec');
  if (spec === undefined || spec.manualSelector === true) return job;
  const template = objAt(spec, 'template') ?? {};
  const tmeta = objAt(template, 'metadata') ?? {};
  const labels: Obj = { ...(objAt(tmeta, 'labels') ?? {}) };
  for (const k of [JOB_LABELS.legacyJobName, JOB_LABELS.jobName]) if (labels[k] === undefined) labels[k] = name;
  for (const k of [JOB_LABELS.legacyControllerUid, JOB_LABELS.controllerUid]) if (labels[k] === undefined) labels[k] = uid;
  const selector = objAt(spec, 'selector') ?? {};
  const matchLabels = objAt(selector, 'matchLabels') ?? {};
  const nextSelector = matchLabels[JOB_LABELS.controllerUid] === undefined ? withField(selector, 'matchLabels', { ...matchLabels, [JOB_LABELS.controllerUid]: uid }) : selector;
  const nextSpec = withField(withField(spec, 'template', withField(template, 'metadata', withField(tmeta, 'labels', labels))), 'selector', nextSelector);
  return withField(job, 'spec', nextSpec);
}

/** Whether objects of this kind need the store's create hook (`prepareJobWithIdentity`). */
export function needsIdentityOnCreate(info: KindInfo): boolean {
  return info.group === 'batch' && info.kind === 'Job';
}

/**
 * The status update strategy: the body to store (status taken from `body`) and the field errors.
 * Pods: `status.qosClass` is backfilled when absent and may not change.
 */
export function prepareForStatusUpdate(info: KindInfo, body: Readonly<Obj>, existing: Readonly<Obj>): { readonly body: Readonly<Obj>; readonly errors: readonly FieldError[] } {
  if (info.group !== '' || info.kind !== 'Pod') return { body, errors: [] };
  const status = objAt(body, 'status');
  const oldQos = strAt(objAt(existing, 'status'), 'qosClass');
  if (status === undefined || oldQos === undefined) return { body, errors: [] };
  const qos = status.qosClass;
  if (qos === undefined || qos === '') return { body: withField(body, 'status', withField(status, 'qosClass', oldQos)), errors: [] };
  if (qos !== oldQos) return { body, errors: [invalidError(['status', 'qosClass'], qos, 'field is immutable')] };
  return { body, errors: [] };
}

