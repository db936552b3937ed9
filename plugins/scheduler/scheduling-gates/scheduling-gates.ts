/**
 * SchedulingGates: keeps a pod out of the active queue while its `spec.schedulingGates` is not
 * empty. Mirrors upstream `pkg/scheduler/framework/plugins/schedulinggates/scheduling_gates.go`.
 */
import { ActionType, defineSchedulerPlugin, Status, type DeepReadonly, type KubeObject, type Pod, type QueueingHint } from 'kubeprop';

/** The upstream plugin name. */
export const NAME = 'SchedulingGates';

/**
 * PreEnqueue: Success without gates; otherwise `UnschedulableAndUnresolvable` with upstream's
 * message, the gate names in order as Go prints a `[]string`: `waiting for scheduling gates: [a b]`.
 */
function preEnqueue(pod: DeepReadonly<Pod>): Status | undefined {
  const gates = pod.spec?.schedulingGates;
  if (gates === undefined || gates.length === 0) return undefined;
  const names = gates.map((g) => g.name);
  return Status.unschedulableAndUnresolvable(`waiting for scheduling gates: [${names.join(' ')}]`);
}

/**
 * Only the gated pod's own update can release it. kubeprop's `Pod` resource matches every pod's
 * updates, so the hint checks that the updated pod is the one waiting.
 */
function isSchedulableAfterGatesEliminated(
  pod: DeepReadonly<Pod>,
  _oldObj: DeepReadonly<KubeObject> | undefined,
  newObj: DeepReadonly<KubeObject> | undefined,
): QueueingHint {
  if (newObj === undefined) return 'Queue';
  return newObj.metadata.uid === pod.metadata?.uid ? 'Queue' : 'QueueSkip';
}

/** The SchedulingGates plugin (PreEnqueue). */
export const schedulingGatesPlugin = defineSchedulerPlugin({
  name: NAME,
  preEnqueue,
  eventsToRegister: () => [
    {
      event: { resource: 'Pod', actionType: ActionType.UpdatePodSchedulingGatesEliminated },
      queueingHintFn: isSchedulableAfterGatesEliminated,
    },
  ],
});
