/**
 * kubeprop's property toolkit (`import ... from 'kubeprop/properties'`): fast-check arbitraries for
 * Kubernetes objects and whole clusters, the scheduler plugin conformance laws, reusable invariants,
 * and the run helpers that print a replay command on failure.
 *
 * Built on fast-check; every arbitrary follows its conventions (one function per generated thing,
 * options in an `XConstraints` object, shrinking towards small and simple values).
 */

// Arbitraries.
export { quantityString, quantityAmount, quantityNotations, type QuantityStringConstraints, type QuantityUnit } from './arbitraries/quantity-string.js';
export {
  labels,
  labelSelector,
  labelSelectorRequirement,
  type LabelsConstraints,
  type LabelSelectorConstraints,
} from './arbitraries/labels.js';
export { taint, taints, TAINT_EFFECTS, type TaintConstraints, type TaintsConstraints, type TaintEffect } from './arbitraries/taint.js';
export { toleration, tolerations, type TolerationConstraints, type TolerationsConstraints } from './arbitraries/toleration.js';
export { node, nodeNames, renameNode, type NodeConstraints, type NodeObject } from './arbitraries/node.js';
export { pod, container, type PodConstraints, type ContainerConstraints, type PodObject } from './arbitraries/pod.js';
export { namespace, type NamespaceConstraints, type NamespaceObject } from './arbitraries/namespace.js';
export {
  priorityClass,
  HIGHEST_USER_DEFINABLE_PRIORITY,
  type PriorityClassConstraints,
  type PriorityClassObject,
} from './arbitraries/priority-class.js';
export {
  podDisruptionBudget,
  type PodDisruptionBudgetConstraints,
  type PodDisruptionBudgetObject,
} from './arbitraries/pod-disruption-budget.js';
export { cluster, clusterObjects, type Cluster, type ClusterConstraints, type ClusterPodConstraints } from './arbitraries/cluster.js';
export { optional, list, chance } from './arbitraries/compose.js';
export * from './arbitraries/vocabulary.js';

// Scheduler plugin conformance laws.
export {
  ALLOWED_STATUS_CODES,
  SchedulerPluginLawViolation,
  SchedulerPluginLawsError,
  checkSchedulerPluginLaws,
  pluginLawScenario,
  schedulerPluginLaws,
  type LawOutcomeCounts,
  type PluginLawScenario,
  type SchedulerPluginLaw,
  type SchedulerPluginLawCheck,
  type SchedulerPluginLawProperty,
  type SchedulerPluginLawsOptions,
  type SchedulerPluginLawsReport,
} from './laws/scheduler-plugin-laws.js';

// Invariants and oracles.
export { filterOracle, type ClusterState, type FilterOracle, type FilterOracleOptions, type FilterVerdict } from './invariants/filter-oracle.js';
export { findOvercommits, type Overcommit } from './invariants/no-overcommit.js';

// Running properties.
export {
  assertProperty,
  propertyParameters,
  replayEnvironment,
  type AssertPropertyOptions,
  type PropertyRunOptions,
} from './runner/property-parameters.js';
