/**
 * Built-in defaulting: what the API server fills in when it decodes a request for a built-in kind
 * (upstream `SetObjectDefaults_<Kind>` generated from the `SetDefaults_*` functions).
 *
 * Sources: `pkg/apis/core/v1/defaults.go` (Pod and pod templates, Service, Namespace, Node, Secret,
 * LimitRange, PersistentVolume(Claim), ReplicationController, Endpoints),
 * `pkg/apis/apps/v1/defaults.go` (Deployment, ReplicaSet, DaemonSet, StatefulSet),
 * `pkg/apis/batch/v1/defaults.go` (Job, CronJob), `pkg/apis/scheduling/v1/defaults.go`
 * (PriorityClass), `pkg/apis/discovery/v1/defaults.go` (EndpointSlice) and
 * `staging/src/k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/defaults.go` (CRD).
 *
 * Defaulting is copy-on-write (see `pod-spec-defaults.ts`) and tolerates ill-typed input: a field
 * of the wrong type is left alone, for validation to report after admission.
 */
import { groupKindKey, type KindInfo } from '../api/kinds.js';
import { arrAt, isObj, mapObjects, objAt, sortedKeys, strAt, withField, type Obj } from './json-fields.js';
import { defaultPod, defaultPodTemplate } from './pod-spec-defaults.js';

type Defaulter = (obj: Readonly<Obj>) => Readonly<Obj>;

/** Applies `f` to `obj.spec` when it is an object. */
function onSpec(obj: Readonly<Obj>, f: (spec: Readonly<Obj>) => Readonly<Obj>): Readonly<Obj> {
  const spec = objAt(obj, 'spec');
  return spec === undefined ? obj : withField(obj, 'spec', f(spec));
}

function setIfAbsent(o: Readonly<Obj>, key: string, value: unknown): Readonly<Obj> {
  return o[key] === undefined || o[key] === null ? withField(o, key, value) : o;
}

function setIfEmpty(o: Readonly<Obj>, key: string, value: unknown): Readonly<Obj> {
  return o[key] === undefined || o[key] === null || o[key] === '' ? withField(o, key, value) : o;
}

const deployment: Defaulter = (obj) =>
  onSpec(obj, (spec) => {
    let s = setIfAbsent(spec, 'replicas', 1);
    let strategy = objAt(s, 'strategy') ?? {};
    strategy = setIfEmpty(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate') {
      let ru = objAt(strategy, 'rollingUpdate') ?? {};
      ru = setIfAbsent(ru, 'maxUnavailable', '25%');
      ru = setIfAbsent(ru, 'maxSurge', '25%');
      strategy = withField(strategy, 'rollingUpdate', ru);
    }
    s = withField(s, 'strategy', strategy);
    s = setIfAbsent(s, 'revisionHistoryLimit', 10);
    s = setIfAbsent(s, 'progressDeadlineSeconds', 600);
    return defaultPodTemplate(s);
  });

const replicaSet: Defaulter = (obj) => onSpec(obj, (spec) => defaultPodTemplate(setIfAbsent(spec, 'replicas', 1)));

const daemonSet: Defaulter = (obj) =>
  onSpec(obj, (spec) => {
    let s = spec;
    let strategy = objAt(s, 'updateStrategy') ?? {};
    strategy = setIfEmpty(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate') {
      let ru = objAt(strategy, 'rollingUpdate') ?? {};
      ru = setIfAbsent(ru, 'maxUnavailable', 1);
      ru = setIfAbsent(ru, 'maxSurge', 0);
      strategy = withField(strategy, 'rollingUpdate', ru);
    }
    s = withField(s, 'updateStrategy', strategy);
    s = setIfAbsent(s, 'revisionHistoryLimit', 10);
    return defaultPodTemplate(s);
  });

/** `SetDefaults_PersistentVolumeClaim` (templates included): volumeMode and a Pending phase. */
function defaultPvc(pvc: Readonly<Obj>): Readonly<Obj> {
  let p = onSpec(pvc, (spec) => setIfEmpty(spec, 'volumeMode', 'Filesystem'));
  const status = objAt(p, 'status') ?? {};
  p = withField(p, 'status', setIfEmpty(status, 'phase', 'Pending'));
  return p;
}

const statefulSet: Defaulter = (obj) =>
  onSpec(obj, (spec) => {
    let s = setIfAbsent(spec, 'replicas', 1);
    s = setIfEmpty(s, 'podManagementPolicy', 'OrderedReady');
    let strategy = objAt(s, 'updateStrategy') ?? {};
    if (strategy.type === undefined || strategy.type === '') {
      strategy = withField(strategy, 'type', 'RollingUpdate');
      strategy = setIfAbsent(strategy, 'rollingUpdate', {});
    }
    const ru = objAt(strategy, 'rollingUpdate');
    if (strategy.type === 'RollingUpdate' && ru !== undefined) strategy = withField(strategy, 'rollingUpdate', setIfAbsent(ru, 'partition', 0));
    s = withField(s, 'updateStrategy', strategy);
    s = setIfAbsent(s, 'revisionHistoryLimit', 10);
    let retention = objAt(s, 'persistentVolumeClaimRetentionPolicy') ?? {};
    retention = setIfEmpty(retention, 'whenDeleted', 'Retain');
    retention = setIfEmpty(retention, 'whenScaled', 'Retain');
    s = withField(s, 'persistentVolumeClaimRetentionPolicy', retention);
    const templates = arrAt(s, 'volumeClaimTemplates');
    if (templates !== undefined) s = withField(s, 'volumeClaimTemplates', mapObjects(templates, defaultPvc));
    return defaultPodTemplate(s);
  });

/** The largest int32: a Job's `backoffLimit` when `backoffLimitPerIndex` is set. */
const MAX_INT32 = 2_147_483_647;

const job: Defaulter = (obj) => {
  let o = onSpec(obj, (spec) => {
    let s = spec;
    if ((s.completions === undefined || s.completions === null) && (s.parallelism === undefined || s.parallelism === null)) {
      s = withField(s, 'completions', 1);
      s = withField(s, 'parallelism', 1);
    }
    s = setIfAbsent(s, 'parallelism', 1);
    s = setIfAbsent(s, 'backoffLimit', s.backoffLimitPerIndex !== undefined && s.backoffLimitPerIndex !== null ? MAX_INT32 : 6);
    s = setIfAbsent(s, 'completionMode', 'NonIndexed');
    s = setIfAbsent(s, 'suspend', false);
    const failurePolicy = objAt(s, 'podFailurePolicy');
    const rules = arrAt(failurePolicy, 'rules');
    if (failurePolicy !== undefined && rules !== undefined) {
      s = withField(
        s,
        'podFailurePolicy',
        withField(
          failurePolicy,
          'rules',
          mapObjects(rules, (rule) => {
            const conditions = arrAt(rule, 'onPodConditions');
            return conditions === undefined ? rule : withField(rule, 'onPodConditions', mapObjects(conditions, (c) => setIfEmpty(c, 'status', 'True')));
          }),
        ),
      );
    }
    s = setIfAbsent(s, 'podReplacementPolicy', failurePolicy !== undefined ? 'Failed' : 'TerminatingOrFailed');
    return defaultPodTemplate(s);
  });
  // A Job without labels takes its pod template's.
  const templateLabels = objAt(objAt(objAt(objAt(o, 'spec'), 'template'), 'metadata'), 'labels');
  const meta = objAt(o, 'metadata');
  const labels = objAt(meta, 'labels');
  if (meta !== undefined && templateLabels !== undefined && (labels === undefined || Object.keys(labels).length === 0)) {
    o = withField(o, 'metadata', withField(meta, 'labels', templateLabels));
  }
  return o;
};

const cronJob: Defaulter = (obj) =>
  onSpec(obj, (spec) => {
    let s = setIfEmpty(spec, 'concurrencyPolicy', 'Allow');
    s = setIfAbsent(s, 'suspend', false);
    s = setIfAbsent(s, 'successfulJobsHistoryLimit', 3);
    s = setIfAbsent(s, 'failedJobsHistoryLimit', 1);
    const jobTemplate = objAt(s, 'jobTemplate');
    const jobSpec = objAt(jobTemplate, 'spec');
    if (jobTemplate !== undefined && jobSpec !== undefined) s = withField(s, 'jobTemplate', withField(jobTemplate, 'spec', defaultPodTemplate(jobSpec)));
    return s;
  });

/** Upstream `DefaultClientIPServiceAffinitySeconds`. */
const CLIENT_IP_AFFINITY_SECONDS = 10_800;

const service: Defaulter = (obj) =>
  onSpec(obj, (spec) => {
    let s = setIfEmpty(spec, 'sessionAffinity', 'None');
    if (s.sessionAffinity === 'None' && s.sessionAffinityConfig !== undefined) {
      const { sessionAffinityConfig: _dropped, ...rest } = s;
      s = rest;
    }
    if (s.sessionAffinity === 'ClientIP') {
      const clientIp = objAt(objAt(s, 'sessionAffinityConfig'), 'clientIP');
      if (clientIp === undefined || clientIp.timeoutSeconds === undefined) {
        s = withField(s, 'sessionAffinityConfig', { clientIP: { timeoutSeconds: CLIENT_IP_AFFINITY_SECONDS } });
      }
    }
    s = setIfEmpty(s, 'type', 'ClusterIP');
    const ports = arrAt(s, 'ports');
    if (ports !== undefined) {
      s = withField(
        s,
        'ports',
        mapObjects(ports, (p) => {
          let port = setIfEmpty(p, 'protocol', 'TCP');
          if ((port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') && typeof port.port === 'number') port = withField(port, 'targetPort', port.port);
          return port;
        }),
      );
    }
    const externalIps = arrAt(s, 'externalIPs');
    const externallyAccessible = s.type === 'LoadBalancer' || s.type === 'NodePort' || (s.type === 'ClusterIP' && externalIps !== undefined && externalIps.length > 0);
    if (externallyAccessible) s = setIfEmpty(s, 'externalTrafficPolicy', 'Cluster');
    if (s.type === 'ClusterIP' || s.type === 'NodePort' || s.type === 'LoadBalancer') s = setIfAbsent(s, 'internalTrafficPolicy', 'Cluster');
    if (s.type === 'LoadBalancer') s = setIfAbsent(s, 'allocateLoadBalancerNodePorts', true);
    return s;
  });

/** Upstream `v1.LabelMetadataName`, set on every namespace. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

const namespace: Defaulter = (obj) => {
  const meta = objAt(obj, 'metadata');
  const name = strAt(meta, 'name') ?? '';
  if (meta === undefined || name === '') return obj;
  const labels = objAt(meta, 'labels') ?? {};
  if (labels[NAMESPACE_NAME_LABEL] === name) return obj;
  return withField(obj, 'metadata', withField(meta, 'labels', { ...labels, [NAMESPACE_NAME_LABEL]: name }));
};

const node: Defaulter = (obj) => {
  const status = objAt(obj, 'status');
  const capacity = objAt(status, 'capacity');
  if (status === undefined || capacity === undefined || status.allocatable !== undefined) return obj;
  return withField(obj, 'status', withField(status, 'allocatable', capacity));
};

const secret: Defaulter = (obj) => setIfEmpty(obj, 'type', 'Opaque');

const priorityClass: Defaulter = (obj) => setIfAbsent(obj, 'preemptionPolicy', 'PreemptLowerPriority');

const endpointSlice: Defaulter = (obj) => {
  const ports = arrAt(obj, 'ports');
  if (ports === undefined) return obj;
  return withField(obj, 'ports', mapObjects(ports, (p) => setIfAbsent(setIfAbsent(p, 'name', ''), 'protocol', 'TCP')));
};

const endpoints: Defaulter = (obj) => {
  const subsets = arrAt(obj, 'subsets');
  if (subsets === undefined) return obj;
  return withField(
    obj,
    'subsets',
    mapObjects(subsets, (subset) => {
      const ports = arrAt(subset, 'ports');
      return ports === undefined ? subset : withField(subset, 'ports', mapObjects(ports, (p) => setIfEmpty(p, 'protocol', 'TCP')));
    }),
  );
};

/** `SetDefaults_LimitRangeItem`: container defaults from max, default requests from defaults and min. */
const limitRange: Defaulter = (obj) =>
  onSpec(obj, (spec) => {
    const limits = arrAt(spec, 'limits');
    if (limits === undefined) return spec;
    return withField(
      spec,
      'limits',
      mapObjects(limits, (item) => {
        if (item.type !== 'Container') return item;
        const max = objAt(item, 'max') ?? {};
        const min = objAt(item, 'min') ?? {};
        const dflt: Obj = { ...(objAt(item, 'default') ?? {}) };
        for (const k of sortedKeys(max)) if (dflt[k] === undefined) dflt[k] = max[k];
        const dfltRequest: Obj = { ...(objAt(item, 'defaultRequest') ?? {}) };
        for (const k of sortedKeys(dflt)) if (dfltRequest[k] === undefined) dfltRequest[k] = dflt[k];
        for (const k of sortedKeys(min)) if (dfltRequest[k] === undefined) dfltRequest[k] = min[k];
        let next = item;
        // Empty maps are not written: they would not survive a JSON round trip upstream either.
        if (Object.keys(dflt).length > 0 && Object.keys(dflt).length !== Object.keys(objAt(item, 'default') ?? {}).length) next = withField(next, 'default', dflt);
        if (Object.keys(dfltRequest).length > 0 && Object.keys(dfltRequest).length !== Object.keys(objAt(item, 'defaultRequest') ?? {}).length) {
          next = withField(next, 'defaultRequest', dfltRequest);
        }
        return next;
      }),
    );
  });

const pvc: Defaulter = defaultPvc;

const pv: Defaulter = (obj) => {
  let o = onSpec(obj, (spec) => setIfEmpty(setIfEmpty(spec, 'persistentVolumeReclaimPolicy', 'Retain'), 'volumeMode', 'Filesystem'));
  o = withField(o, 'status', setIfEmpty(objAt(o, 'status') ?? {}, 'phase', 'Pending'));
  return o;
};

const replicationController: Defaulter = (obj) => {
  let o = onSpec(obj, (spec) => {
    let s = setIfAbsent(spec, 'replicas', 1);
    const templateLabels = objAt(objAt(objAt(s, 'template'), 'metadata'), 'labels');
    const selector = objAt(s, 'selector');
    if (templateLabels !== undefined && (selector === undefined || Object.keys(selector).length === 0)) s = withField(s, 'selector', templateLabels);
    return defaultPodTemplate(s);
  });
  const templateLabels = objAt(objAt(objAt(objAt(o, 'spec'), 'template'), 'metadata'), 'labels');
  const meta = objAt(o, 'metadata');
  const labels = objAt(meta, 'labels');
  if (meta !== undefined && templateLabels !== undefined && (labels === undefined || Object.keys(labels).length === 0)) {
    o = withField(o, 'metadata', withField(meta, 'labels', templateLabels));
  }
  return o;
};

const customResourceDefinition: Defaulter = (obj) =>
  onSpec(obj, (spec) => {
    let s = spec;
    const names = objAt(s, 'names');
    const kind = strAt(names, 'kind') ?? '';
    if (names !== undefined) {
      let n = names;
      if (kind !== '') n = setIfEmpty(n, 'singular', kind.toLowerCase());
      if (kind !== '') n = setIfEmpty(n, 'listKind', `${kind}List`);
      s = withField(s, 'names', n);
    }
    s = setIfAbsent(s, 'conversion', { strategy: 'None' });
    return s;
  });

const DEFAULTERS: ReadonlyMap<string, Defaulter> = new Map<string, Defaulter>([
  ['Pod', defaultPod],
  ['apps/Deployment', deployment],
  ['apps/ReplicaSet', replicaSet],
  ['apps/DaemonSet', daemonSet],
  ['apps/StatefulSet', statefulSet],
  ['batch/Job', job],
  ['batch/CronJob', cronJob],
  ['Service', service],
  ['Namespace', namespace],
  ['Node', node],
  ['Secret', secret],
  ['Endpoints', endpoints],
  ['LimitRange', limitRange],
  ['PersistentVolumeClaim', pvc],
  ['PersistentVolume', pv],
  ['ReplicationController', replicationController],
  ['scheduling.k8s.io/PriorityClass', priorityClass],
  ['discovery.k8s.io/EndpointSlice', endpointSlice],
  ['apiextensions.k8s.io/CustomResourceDefinition', customResourceDefinition],
]);

/**
 * The built-in defaults of `obj`, a request body of the built-in kind `info` (copy-on-write: the
 * input itself when nothing was defaulted). Kinds without defaults are returned unchanged.
 */
export function applyBuiltinDefaults(obj: Readonly<Obj>, info: Pick<KindInfo, 'group' | 'kind'>): Readonly<Obj> {
  const f = DEFAULTERS.get(groupKindKey(info.group, info.kind));
  return f === undefined || !isObj(obj) ? obj : f(obj);
}
