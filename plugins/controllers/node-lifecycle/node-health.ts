/**
 * Node health tracking: when the controller last saw a sign of life from each node (a new
 * `lastHeartbeatTime` on its Ready condition, or a renewed Lease), and the node status write that
 * turns its conditions `Unknown` once the grace period has passed without one.
 *
 * Upstream: `pkg/controller/nodelifecycle/node_lifecycle_controller.go` (`nodeHealthData`,
 * `tryUpdateNodeHealth`). The probe time is the controller's own clock when it noticed the change,
 * never a timestamp written by the kubelet, as upstream does to be immune to clock skew.
 */
import { formatRfc3339, type ReconcileContext } from 'kubeprop';
import {
  NODE_LEASE_NAMESPACE,
  asKubeObject,
  conditionOf,
  conditionsEqual,
  nodeReadyCondition,
  timeMs,
  type ConditionView,
  type LeaseView,
  type NodeView,
} from './node-objects.js';

/** Upstream `nodeHealthData`, with the saved status reduced to its Ready condition (all that is read back). */
export interface NodeHealth {
  /** When the controller last saw the node heartbeat (virtual ms). */
  readonly probeMs: number;
  /** When the controller last saw the Ready condition change (virtual ms). */
  readonly readyTransitionMs: number;
  /** The Ready condition of the status last saved; `undefined` when that status had none. */
  readonly ready: ConditionView | undefined;
  /** The lease last saved: `undefined` when none; its renew time may itself be missing. */
  readonly lease: { readonly renewMs: number | undefined } | undefined;
}

/** What `tryUpdateNodeHealth` found. */
export interface HealthUpdate {
  /** The Ready condition as the node carried it before this update (a fake `Unknown` one when it had none). */
  readonly observed: ConditionView;
  /** The Ready condition now (after an `Unknown` write, if one was made); `undefined` when there is none yet. */
  readonly current: ConditionView | undefined;
  /** Whether a status write failed (the caller retries with a fresh read). */
  readonly failed: boolean;
}

/** Grace periods of `tryUpdateNodeHealth`. */
export interface HealthTiming {
  readonly nodeMonitorGracePeriodMs: number;
  readonly nodeStartupGracePeriodMs: number;
}

/** The conditions the controller sets to `Unknown` (upstream leaves `NetworkUnavailable` alone). */
const UNKNOWN_ON_SILENCE: readonly string[] = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** Upstream's reason for a condition whose kubelet went silent. */
export const NODE_STATUS_UNKNOWN_REASON = 'NodeStatusUnknown';
/** Upstream's message for a condition whose kubelet went silent. */
export const NODE_STATUS_UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';
/** Upstream's reason for a condition the kubelet never posted. */
export const NODE_STATUS_NEVER_UPDATED_REASON = 'NodeStatusNeverUpdated';
/** Upstream's message for a condition the kubelet never posted. */
export const NODE_STATUS_NEVER_UPDATED_MESSAGE = 'Kubelet never posted node status.';

function before(a: number | undefined, b: number | undefined): boolean {
  return a !== undefined && b !== undefined && a < b;
}

/**
 * Upstream `tryUpdateNodeHealth`: updates the node's health record in `healths` and, when no sign
 * of life came for the grace period (the startup grace period while the node has no Ready
 * condition), writes the node status with its Ready and pressure conditions `Unknown`.
 */
export function tryUpdateNodeHealth(ctx: ReconcileContext, healths: Map<string, NodeHealth>, node: NodeView, timing: HealthTiming): HealthUpdate {
  const name = node.metadata.name ?? '';
  const now = ctx.nowMs();
  const created = node.metadata.creationTimestamp;
  const createdMs = timeMs(created) ?? 0;
  let health = healths.get(name);
  const currentReady = nodeReadyCondition(node);
  let observed: ConditionView;
  let graceMs: number;
  if (currentReady === undefined) {
    // The kubelet never posted a status: a fake Unknown condition dated at the node's creation.
    observed = { type: 'Ready', status: 'Unknown', ...(created !== undefined ? { lastHeartbeatTime: created, lastTransitionTime: created } : {}) };
    graceMs = timing.nodeStartupGracePeriodMs;
    health = health !== undefined ? { ...health, ready: undefined } : { probeMs: createdMs, readyTransitionMs: createdMs, ready: undefined, lease: undefined };
  } else {
    observed = currentReady;
    graceMs = timing.nodeMonitorGracePeriodMs;
  }
  const saved = health?.ready;
  const savedLease = health?.lease;
  if (health === undefined) {
    health = { probeMs: now, readyTransitionMs: now, ready: currentReady, lease: undefined };
  } else if (saved === undefined && currentReady !== undefined) {
    health = { probeMs: now, readyTransitionMs: now, ready: currentReady, lease: undefined };
  } else if (saved !== undefined && currentReady === undefined) {
    health = { probeMs: now, readyTransitionMs: now, ready: undefined, lease: undefined };
  } else if (saved !== undefined && currentReady !== undefined && (saved.lastHeartbeatTime ?? '') !== (currentReady.lastHeartbeatTime ?? '')) {
    const transitionMs = (saved.lastTransitionTime ?? '') !== (currentReady.lastTransitionTime ?? '') ? now : health.readyTransitionMs;
    // Upstream builds a fresh record here, without the saved lease.
    health = { probeMs: now, readyTransitionMs: transitionMs, ready: currentReady, lease: undefined };
  }
  // A renewed lease is always a sign of life.
  const leaseRes = ctx.client.get<LeaseView>('coordination.k8s.io/Lease', NODE_LEASE_NAMESPACE, name);
  const observedLease = leaseRes.ok ? { renewMs: timeMs(leaseRes.value.spec?.renewTime) } : undefined;
  if (observedLease !== undefined && (savedLease === undefined || before(savedLease.renewMs, observedLease.renewMs))) {
    health = { ...health, lease: observedLease, probeMs: now };
  }

  let current = currentReady;
  if (now > health.probeMs + graceMs) {
    const nowText = formatRfc3339(now);
    const conditions: ConditionView[] = [...(node.status?.conditions ?? [])];
    for (const type of UNKNOWN_ON_SILENCE) {
      const i = conditions.findIndex((c) => c.type === type);
      if (i < 0) {
        conditions.push({
          type,
          status: 'Unknown',
          reason: NODE_STATUS_NEVER_UPDATED_REASON,
          message: NODE_STATUS_NEVER_UPDATED_MESSAGE,
          ...(created !== undefined ? { lastHeartbeatTime: created } : {}),
          lastTransitionTime: nowText,
        });
      } else {
        const c = conditions[i] as ConditionView;
        if (c.status !== 'Unknown') {
          conditions[i] = { ...c, status: 'Unknown', reason: NODE_STATUS_UNKNOWN_REASON, message: NODE_STATUS_UNKNOWN_MESSAGE, lastTransitionTime: nowText };
        }
      }
    }
    current = conditionOf(conditions, 'Ready');
    if (!conditionsEqual(current, observed)) {
      const res = ctx.client.updateStatus(asKubeObject({ ...node, status: { ...node.status, conditions } }));
      if (!res.ok) {
        healths.set(name, health);
        return { observed, current, failed: true };
      }
      ctx.trace('node-status-unknown', { node: name, silentForMs: now - health.probeMs });
      healths.set(name, { probeMs: health.probeMs, readyTransitionMs: now, ready: current, lease: observedLease });
      return { observed, current, failed: false };
    }
  }
  healths.set(name, health);
  return { observed, current, failed: false };
}
