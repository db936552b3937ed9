/**
 * The API server model's public surface (re-exported by `core/index.ts`): the control plane and
 * its instances, clients, admission policies, request records, and the pieces of upstream logic
 * other components reuse (pod QoS, built-in defaulting, the graceful deletion period).
 */
export type { ApiClient, BindingRequest, ClientDeleteOptions, EvictionRequest } from './api-client.js';
export type { ApiRequestRecord, ApiSubresource, ApiVerb } from './api-request-record.js';
export { ApiServer, INSTANCE_UNAVAILABLE, type ApiServerOptions } from './api-server.js';
export {
  APISERVER_USER_AGENT,
  ControlPlaneApi,
  SYSTEM_NAMESPACES,
  createApiServer,
  createControlPlaneApi,
  type ControlPlaneApiOptions,
  type ControlPlaneBootstrap,
} from './control-plane-api.js';
export { FailoverClient } from './failover-client.js';
export {
  ADMISSION_OPERATIONS,
  defineAdmissionPolicy,
  type AdmissionAllowed,
  type AdmissionDenied,
  type AdmissionOperation,
  type AdmissionPatched,
  type AdmissionPolicy,
  type AdmissionPolicyDefinition,
  type AdmissionReplaced,
  type AdmissionRequest,
  type AdmissionUserInfo,
  type MutatingAdmissionDecision,
  type ValidatingAdmissionDecision,
} from './admission-policy.js';
export { applyBuiltinDefaults, NAMESPACE_NAME_LABEL } from './builtin-defaults.js';
export { defaultPodSpec, DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS } from './pod-spec-defaults.js';
export { podQosClass, type PodQosClass } from './pod-qos.js';
export { podGracePeriod } from './pod-grace-period.js';
export { DEFAULT_TOLERATION_SECONDS, TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from './default-toleration-seconds.js';
export { IMMORTAL_NAMESPACES } from './namespace-lifecycle.js';
export { SYSTEM_CRITICAL_PRIORITY, SYSTEM_PRIORITY_CLASS_OBJECTS } from './priority-admission.js';
export { LIMIT_RANGER_ANNOTATION } from './limit-ranger.js';
export { EVICTION_BUDGET_MESSAGE, EVICTION_MULTIPLE_PDBS_MESSAGE } from './pod-eviction.js';
export { DEFAULT_NODE_PORT_RANGE, DEFAULT_SERVICE_CIDR } from './service-allocator.js';
export type { SchemaValidatorStats } from './builtin-schema-validator.js';
