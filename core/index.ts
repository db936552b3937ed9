/**
 * kubeprop's public API: what `import ... from 'kubeprop'` gives. Everything a user's plugin,
 * controller, admission policy or property suite needs is exported here, and the default plugins in
 * `plugins/` are written against nothing else.
 */
export * from './errors.js';
export * from './api/types.js';
export * from './api/kinds.js';
export * from './api/quantity.js';
export * from './api/labels.js';
export * from './api/node-affinity.js';
export * from './api/taints.js';
export * from './api/pod-resources.js';
// Scheduling framework.
export * from './scheduler/status.js';
export * from './scheduler/cycle-state.js';
export * from './scheduler/cluster-event.js';
export * from './scheduler/node-info.js';
export * from './scheduler/plugin.js';
export { Framework, type EnabledPlugin, type PluginsByPoint, type PreFilterOutcome, type NodePluginScores, type PermitOutcome } from './scheduler/framework.js';
export { SchedulerCache, normalizedImageName, zoneKey } from './scheduler/scheduler-cache.js';
export { createTestHandle, type TestHandle, type TestHandleOptions, type RecordedClientCall } from './scheduler/testing.js';
export * from './sim/index.js';
// Scheduler configuration, queue and runtime.
export * from './scheduler/config.js';
export * from './scheduler/plugin-args.js';
export {
  SchedulingQueue,
  PrioritySort,
  podPriority,
  buildQueueProfile,
  type QueueProfile,
  type QueuedPodSnapshot,
  type SchedulingQueueOptions,
  type SchedulingFailure,
  type RequeueResult,
  type PendingPodsReport,
} from './scheduler/scheduling-queue.js';
export * from './scheduler/scheduler.js';
export * from './scheduler/what-if.js';
// Manifests, kinds and schema validation.
export * from './api/manifests.js';
export * from './api/manifests-validation.js';
export * from './api/type-registry.js';
export * from './api/validation-errors.js';
export type { FieldValidationMode, ValidateOptions, ValidationResult } from './api/validation.js';
// Storage model (etcd + API server storage).
export * from './store/index.js';
// Preemption (the evaluator behind DefaultPreemption, reusable by custom PostFilter plugins).
export * from './scheduler/preemption.js';
// Controller runtime: informers, work queue, reconcilers, leader election, controller manager.
export * from './controllers/index.js';
export { StoreApiClient, newTestCluster, type TestCluster, type ClientVerb, type ClientInterceptor } from './controllers/controller-test-kit.js';
export * from './scheduler/scheduler-component.js';
export * from './sim/fault-plan.js';
// Whole-cluster simulation.
export * from './cluster/default-components.js';
export * from './cluster/cluster-simulation.js';
export * from './apiserver/index.js';
export * from './kubelet/index.js';
export * from './proxy/index.js';
