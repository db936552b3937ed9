/**
 * DefaultBinder: binds the pod to the chosen node through the API server (`POST pods/binding`).
 * Mirrors upstream `pkg/scheduler/framework/plugins/defaultbinder/default_binder.go`.
 */
import { defineSchedulerPlugin, type CycleState, type DeepReadonly, type Handle, type Pod, type SchedulerPluginInstance, type Status } from 'kubeprop';

/** The upstream plugin name. */
export const NAME = 'DefaultBinder';

function newDefaultBinder(handle: Handle): SchedulerPluginInstance {
  return {
    /** Bind: the binding call's status, as is (a failed call fails the binding cycle). */
    bind(_state: CycleState, pod: DeepReadonly<Pod>, nodeName: string): Status {
      return handle.client.bind(pod, nodeName);
    },
  };
}

/** The DefaultBinder plugin (Bind). */
export const defaultBinderPlugin = defineSchedulerPlugin({
  name: NAME,
  create: (_args: unknown, handle: Handle) => newDefaultBinder(handle),
});
