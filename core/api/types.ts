/**
 * The Kubernetes object model, in the real API shapes (apiVersion/kind/metadata/spec/status).
 *
 * The field-level interfaces come from the `kubernetes-models` package (generated from the upstream
 * OpenAPI definitions), so every field a manifest can carry is typed exactly as the API server knows
 * it. This file gives them the names Kubernetes engineers use and adds the generic shapes the store
 * works with (any object, custom resources). Objects handed out by the store are deeply frozen; their
 * type is `DeepReadonly<T>`.
 */
import type { IObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import type { IOwnerReference } from '@kubernetes-models/apimachinery/apis/meta/v1/OwnerReference';
import type { ILabelSelector } from '@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector';
import type { ILabelSelectorRequirement } from '@kubernetes-models/apimachinery/apis/meta/v1/LabelSelectorRequirement';
import type { ICondition } from '@kubernetes-models/apimachinery/apis/meta/v1/Condition';
import type { IQuantity } from '@kubernetes-models/apimachinery/api/resource/Quantity';
import type { IIntOrString } from '@kubernetes-models/apimachinery/util/intstr/IntOrString';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { INode } from 'kubernetes-models/v1/Node';
import type { INodeSpec } from 'kubernetes-models/v1/NodeSpec';
import type { INodeStatus } from 'kubernetes-models/v1/NodeStatus';
import type { INodeCondition } from 'kubernetes-models/v1/NodeCondition';
import type { INodeSelector } from 'kubernetes-models/v1/NodeSelector';
import type { INodeSelectorTerm } from 'kubernetes-models/v1/NodeSelectorTerm';
import type { INodeSelectorRequirement } from 'kubernetes-models/v1/NodeSelectorRequirement';
import type { INodeAffinity } from 'kubernetes-models/v1/NodeAffinity';
import type { IPreferredSchedulingTerm } from 'kubernetes-models/v1/PreferredSchedulingTerm';
import type { IPodAffinity } from 'kubernetes-models/v1/PodAffinity';
import type { IPodAntiAffinity } from 'kubernetes-models/v1/PodAntiAffinity';
import type { IPodAffinityTerm } from 'kubernetes-models/v1/PodAffinityTerm';
import type { IWeightedPodAffinityTerm } from 'kubernetes-models/v1/WeightedPodAffinityTerm';
import type { IAffinity } from 'kubernetes-models/v1/Affinity';
import type { ITaint } from 'kubernetes-models/v1/Taint';
import type { IToleration } from 'kubernetes-models/v1/Toleration';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IPodStatus } from 'kubernetes-models/v1/PodStatus';
import type { IPodCondition } from 'kubernetes-models/v1/PodCondition';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IContainerPort } from 'kubernetes-models/v1/ContainerPort';
import type { IContainerStatus } from 'kubernetes-models/v1/ContainerStatus';
import type { IContainerImage } from 'kubernetes-models/v1/ContainerImage';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { ITopologySpreadConstraint } from 'kubernetes-models/v1/TopologySpreadConstraint';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServicePort } from 'kubernetes-models/v1/ServicePort';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IReplicaSet } from 'kubernetes-models/apps/v1/ReplicaSet';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IEndpointSlice } from 'kubernetes-models/discovery.k8s.io/v1/EndpointSlice';
import type { IEndpoint } from 'kubernetes-models/discovery.k8s.io/v1/Endpoint';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IPriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass';
import type { ILease } from 'kubernetes-models/coordination.k8s.io/v1/Lease';
import type { ICustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import type { IJSONSchemaProps } from 'kubernetes-models/apiextensions.k8s.io/v1/JSONSchemaProps';

/** Recursively read-only view of a value; what the store and the informers hand out. */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** A JSON value, as objects are stored (no `undefined`, no class instances). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type ObjectMeta = IObjectMeta;
export type OwnerReference = IOwnerReference;
export type LabelSelector = ILabelSelector;
export type LabelSelectorRequirement = ILabelSelectorRequirement;
export type Condition = ICondition;
/** A quantity as it appears in a manifest: a string (`"500m"`) or a bare number (`32`). */
export type QuantityValue = IQuantity;
export type IntOrString = IIntOrString;

export type Namespace = INamespace;
export type Node = INode;
export type NodeSpec = INodeSpec;
export type NodeStatus = INodeStatus;
export type NodeCondition = INodeCondition;
export type NodeSelector = INodeSelector;
export type NodeSelectorTerm = INodeSelectorTerm;
export type NodeSelectorRequirement = INodeSelectorRequirement;
export type NodeAffinity = INodeAffinity;
export type PreferredSchedulingTerm = IPreferredSchedulingTerm;
export type PodAffinity = IPodAffinity;
export type PodAntiAffinity = IPodAntiAffinity;
export type PodAffinityTerm = IPodAffinityTerm;
export type WeightedPodAffinityTerm = IWeightedPodAffinityTerm;
export type Affinity = IAffinity;
export type Taint = ITaint;
export type Toleration = IToleration;
export type Pod = IPod;
export type PodSpec = IPodSpec;
export type PodStatus = IPodStatus;
export type PodCondition = IPodCondition;
export type PodTemplateSpec = IPodTemplateSpec;
export type Container = IContainer;
export type ContainerPort = IContainerPort;
export type ContainerStatus = IContainerStatus;
export type ContainerImage = IContainerImage;
export type ResourceRequirements = IResourceRequirements;
export type TopologySpreadConstraint = ITopologySpreadConstraint;
export type Service = IService;
export type ServicePort = IServicePort;
export type Deployment = IDeployment;
export type ReplicaSet = IReplicaSet;
export type DaemonSet = IDaemonSet;
export type StatefulSet = IStatefulSet;
export type Job = IJob;
export type EndpointSlice = IEndpointSlice;
export type Endpoint = IEndpoint;
export type PodDisruptionBudget = IPodDisruptionBudget;
export type PriorityClass = IPriorityClass;
export type Lease = ILease;
export type CustomResourceDefinition = ICustomResourceDefinition;
export type JSONSchemaProps = IJSONSchemaProps;

/**
 * Any Kubernetes object, built-in or custom, in its wire shape. `metadata` is required: every object
 * that reaches the store has a name (the API server rejects one without).
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** A custom resource instance (or any object whose kind has no built-in type): unstructured. */
export interface UnstructuredObject extends KubeObject {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** `v1 List`, as `kubectl get -o json` prints several objects. */
export interface List<T extends KubeObject = KubeObject> {
  apiVersion: 'v1';
  kind: 'List';
  metadata: { resourceVersion?: string };
  items: T[];
}

/** Group/version/kind of an object: `apps/v1` + `Deployment`. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** Splits an `apiVersion` into group and version (`v1` is the core group, `""`). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The `namespace/name` key of an object (just `name` for cluster-scoped objects). */
export function objectKey(obj: { metadata?: { namespace?: string; name?: string } | undefined }): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}
