/**
 * The built-in kinds kubeprop serves, with the facts the storage layer and the API server need about
 * each: its REST resource name (for error messages such as `deployments.apps "web" not found`),
 * whether it is namespaced, whether it has a status subresource, and whether an update without a
 * `resourceVersion` is accepted (upstream `AllowUnconditionalUpdate()` of the resource's strategy).
 *
 * Custom resources get a `KindInfo` when their CustomResourceDefinition is registered; custom
 * resources never allow unconditional updates.
 */

export interface KindInfo {
  /** API group; `""` for the core group. */
  readonly group: string;
  /** Versions served, the storage version first. */
  readonly versions: readonly string[];
  readonly kind: string;
  /** Lower-case plural REST resource name, e.g. `deployments`. */
  readonly plural: string;
  readonly namespaced: boolean;
  /** Whether `/status` is a separate subresource (spec writes ignore status and vice versa). */
  readonly hasStatusSubresource: boolean;
  /** Upstream `AllowUnconditionalUpdate()`: an update without resourceVersion is accepted. */
  readonly allowUnconditionalUpdate: boolean;
  /** Whether spec changes bump `metadata.generation` (kinds with a spec/status split). */
  readonly tracksGeneration: boolean;
  /**
   * The field whose value the storage layer indexes watches and lists by: a watch or list whose
   * field selector pins this field to one value is served from the objects and changes with that
   * value only. Absent: no index. Only the speed of such requests depends on it, never their
   * results. Upstream: the trigger function and field index a resource's storage declares (pods:
   * `spec.nodeName` in `pkg/registry/core/pod/storage/storage.go`), which the watch cache
   * (`staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go`) dispatches and lists by.
   */
  readonly watchTriggerField?: string;
}

function builtin(
  group: string,
  versions: readonly string[],
  kind: string,
  plural: string,
  namespaced: boolean,
  hasStatusSubresource: boolean,
  allowUnconditionalUpdate: boolean,
  tracksGeneration = hasStatusSubresource,
): KindInfo {
  return { group, versions, kind, plural, namespaced, hasStatusSubresource, allowUnconditionalUpdate, tracksGeneration };
}

/** Every built-in kind, in a fixed order. Sources: each resource's `strategy.go` under `pkg/registry/`. */
export const BUILTIN_KINDS: readonly KindInfo[] = [
  builtin('', ['v1'], 'Namespace', 'namespaces', false, true, true, false),
  builtin('', ['v1'], 'Node', 'nodes', false, true, true, false),
  { ...builtin('', ['v1'], 'Pod', 'pods', true, true, true, true), watchTriggerField: 'spec.nodeName' },
  builtin('', ['v1'], 'Service', 'services', true, true, true, false),
  builtin('', ['v1'], 'ConfigMap', 'configmaps', true, false, true, false),
  builtin('', ['v1'], 'Secret', 'secrets', true, false, true, false),
  builtin('', ['v1'], 'ServiceAccount', 'serviceaccounts', true, false, true, false),
  builtin('', ['v1'], 'Endpoints', 'endpoints', true, false, true, false),
  builtin('', ['v1'], 'Event', 'events', true, false, true, false),
  builtin('', ['v1'], 'LimitRange', 'limitranges', true, false, true, false),
  builtin('', ['v1'], 'ResourceQuota', 'resourcequotas', true, true, true, false),
  builtin('', ['v1'], 'PersistentVolume', 'persistentvolumes', false, true, true, false),
  builtin('', ['v1'], 'PersistentVolumeClaim', 'persistentvolumeclaims', true, true, true, false),
  builtin('', ['v1'], 'ReplicationController', 'replicationcontrollers', true, true, true, true),
  builtin('apps', ['v1'], 'Deployment', 'deployments', true, true, true, true),
  builtin('apps', ['v1'], 'ReplicaSet', 'replicasets', true, true, true, true),
  builtin('apps', ['v1'], 'DaemonSet', 'daemonsets', true, true, true, true),
  builtin('apps', ['v1'], 'StatefulSet', 'statefulsets', true, true, true, true),
  builtin('apps', ['v1'], 'ControllerRevision', 'controllerrevisions', true, false, true, false),
  builtin('batch', ['v1'], 'Job', 'jobs', true, true, true, true),
  builtin('batch', ['v1'], 'CronJob', 'cronjobs', true, true, true, true),
  builtin('discovery.k8s.io', ['v1'], 'EndpointSlice', 'endpointslices', true, false, true, false),
  builtin('policy', ['v1'], 'PodDisruptionBudget', 'poddisruptionbudgets', true, true, true, true),
  builtin('scheduling.k8s.io', ['v1'], 'PriorityClass', 'priorityclasses', false, false, true, false),
  builtin('coordination.k8s.io', ['v1'], 'Lease', 'leases', true, false, true, false),
  builtin('apiextensions.k8s.io', ['v1'], 'CustomResourceDefinition', 'customresourcedefinitions', false, true, true, true),
  builtin('networking.k8s.io', ['v1'], 'Ingress', 'ingresses', true, true, true, false),
  builtin('networking.k8s.io', ['v1'], 'NetworkPolicy', 'networkpolicies', true, false, true, true),
  builtin('autoscaling', ['v2', 'v1'], 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, true, true, false),
  builtin('storage.k8s.io', ['v1'], 'StorageClass', 'storageclasses', false, false, true, false),
  builtin('rbac.authorization.k8s.io', ['v1'], 'Role', 'roles', true, false, true, false),
  builtin('rbac.authorization.k8s.io', ['v1'], 'RoleBinding', 'rolebindings', true, false, true, false),
  builtin('rbac.authorization.k8s.io', ['v1'], 'ClusterRole', 'clusterroles', false, false, true, false),
  builtin('rbac.authorization.k8s.io', ['v1'], 'ClusterRoleBinding', 'clusterrolebindings', false, false, true, false),
  builtin('admissionregistration.k8s.io', ['v1'], 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false, false, true, true),
  builtin('admissionregistration.k8s.io', ['v1'], 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false, false, true, true),
  builtin('admissionregistration.k8s.io', ['v1'], 'ValidatingAdmissionPolicy', 'validatingadmissionpolicies', false, true, true, true),
  builtin('admissionregistration.k8s.io', ['v1'], 'ValidatingAdmissionPolicyBinding', 'validatingadmissionpolicybindings', false, false, true, true),
];

/** `group/kind` (core group: just `kind`), the key a kind is registered under. */
export function groupKindKey(group: string, kind: string): string {
  return group === '' ? kind : `${group}/${kind}`;
}

/** Upstream `qualifiedResource.String()`: `pods`, `deployments.apps`. Used in API error messages. */
export function qualifiedResource(info: Pick<KindInfo, 'group' | 'plural'>): string {
  return info.group === '' ? info.plural : `${info.plural}.${info.group}`;
}

const BUILTIN_BY_GROUP_KIND: ReadonlyMap<string, KindInfo> = new Map(
  BUILTIN_KINDS.map((k) => [groupKindKey(k.group, k.kind), k] as const),
);

/** The built-in kind with this group and kind, if any. */
export function builtinKind(group: string, kind: string): KindInfo | undefined {
  return BUILTIN_BY_GROUP_KIND.get(groupKindKey(group, kind));
}
