/**
 * The controller runtime's public surface, for `core/index.ts` to re-export: informers over the
 * watch network, the work queue and its rate limiters, the reconciler contract, leader election,
 * the controller manager, and owner reference helpers.
 */
export {
  RuntimeHost,
  checkDelayRange,
  describeRuntimePayload,
  drawDelay,
  isRuntimePayload,
  type ActorSystem,
  type DelayRange,
  type HostActor,
  type InformerEventsPayload,
  type InformerListPayload,
  type RuntimePayload,
  type RuntimePayloadKind,
  type RuntimeReceiver,
  type RuntimeTimerKind,
  type RuntimeTimerPayload,
  type WatchPumpPayload,
} from './runtime-host.js';
export { builtinNamespaced, kindKeyOf, parseKindKey, type GroupKindRef } from './kind-key.js';
export { WatchNetwork, type WatchNetworkOptions, type WatchRegistration, type WatchSubscriber } from './watch-network.js';
export { Indexer, NAMESPACE_INDEX, indexByControllerUid, indexByNodeName, indexByOwnerUid, indexReading, type IndexFunc, type IndexInput } from './indexer.js';
export {
  INFORMER_BACKOFF_INITIAL_MS,
  INFORMER_BACKOFF_MAX_MS,
  INFORMER_LATENCY_DEFAULT,
  SharedInformer,
  type InformerHandler,
  type InformerStats,
  type SharedInformerOptions,
} from './shared-informer.js';
export {
  BucketRateLimiter,
  DEFAULT_BUCKET_BURST,
  DEFAULT_BUCKET_QPS,
  DEFAULT_ITEM_BASE_DELAY_MS,
  DEFAULT_ITEM_MAX_DELAY_MS,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
  type RateLimiter,
} from './rate-limiter.js';
export { WorkQueue, type WorkQueueOptions } from './work-queue.js';
export {
  RECONCILE_DURATION_DEFAULT,
  defineController,
  reconcileDone,
  requestKey,
  requestOfKey,
  requeueAfter,
  retryReconcile,
  terminalReconcile,
  type CacheListOptions,
  type ControllerClient,
  type ControllerDefinition,
  type ReconcileContext,
  type ReconcileRequest,
  type ReconcileResult,
  type WatchMapping,
} from './reconciler.js';
export { Controller, emptyReconcileCounts, type ControllerOptions, type ControllerReport, type ReconcileCounts } from './controller.js';
export {
  LEASE_DURATION_DEFAULT_MS,
  LeaderElector,
  RENEW_DEADLINE_DEFAULT_MS,
  RETRY_PERIOD_DEFAULT_MS,
  leaseRecordOf,
  type LeaderCallbacks,
  type LeaderElectionRecord,
  type LeaderElectionTiming,
  type LeaderElectorOptions,
} from './leader-elector.js';
export { ControllerManager, type ControllerManagerOptions, type ManagerLeaderElection } from './controller-manager.js';
export { controllerRef, isControlledBy, newControllerRef, refersToGroupKind, type OwnerObject } from './owner-references.js';
