/**
 * The default plugins, registered with one line each. `kubeprop`'s CLI and the property toolkit
 * use `defaultSchedulerPlugins` as the registry a `KubeSchedulerConfiguration` resolves against;
 * users add their own definitions next to these.
 */
import { registerDefaultComponents, type ControllerDefinition, type SchedulerPluginDefinition } from 'kubeprop';
import { daemonSetController } from './controllers/daemonset/daemonset.js';
import { deploymentController } from './controllers/deployment/deployment.js';
import { endpointSliceController } from './controllers/endpointslice/endpointslice.js';
import { garbageCollectorController } from './controllers/garbage-collector/garbage-collector.js';
import { jobController } from './controllers/job/job.js';
import { nodeLifecycleController } from './controllers/node-lifecycle/node-lifecycle.js';
import { taintEvictionController } from './controllers/node-lifecycle/taint-eviction.js';
import { podGcController } from './controllers/pod-gc/pod-gc.js';
import { replicaSetController } from './controllers/replicaset/replicaset.js';
import { defaultBinderPlugin } from './scheduler/default-binder/default-binder.js';
import { defaultPreemptionPlugin } from './scheduler/default-preemption/default-preemption.js';
import { imageLocalityPlugin } from './scheduler/image-locality/image-locality.js';
import { interPodAffinityPlugin } from './scheduler/inter-pod-affinity/inter-pod-affinity.js';
import { nodeAffinityPlugin } from './scheduler/node-affinity/node-affinity.js';
import { nodeNamePlugin } from './scheduler/node-name/node-name.js';
import { nodePortsPlugin } from './scheduler/node-ports/node-ports.js';
import { nodeResourcesBalancedAllocationPlugin } from './scheduler/node-resources-balanced-allocation/node-resources-balanced-allocation.js';
import { nodeResourcesFitPlugin } from './scheduler/node-resources-fit/node-resources-fit.js';
import { nodeUnschedulablePlugin } from './scheduler/node-unschedulable/node-unschedulable.js';
import { podTopologySpreadPlugin } from './scheduler/pod-topology-spread/pod-topology-spread.js';
import { prioritySortPlugin } from './scheduler/priority-sort/priority-sort.js';
import { schedulingGatesPlugin } from './scheduler/scheduling-gates/scheduling-gates.js';
import { taintTolerationPlugin } from './scheduler/taint-toleration/taint-toleration.js';

/** Every default scheduler plugin of kube-scheduler v1.35 that kubeprop models. */
export const defaultSchedulerPlugins: readonly SchedulerPluginDefinition<unknown>[] = Object.freeze([
  schedulingGatesPlugin,
  prioritySortPlugin,
  nodeUnschedulablePlugin,
  nodeNamePlugin,
  taintTolerationPlugin,
  nodeAffinityPlugin,
  nodePortsPlugin,
  nodeResourcesFitPlugin,
  podTopologySpreadPlugin,
  interPodAffinityPlugin,
  defaultPreemptionPlugin,
  nodeResourcesBalancedAllocationPlugin,
  imageLocalityPlugin,
  defaultBinderPlugin,
] as SchedulerPluginDefinition<unknown>[]);

export {
  defaultBinderPlugin,
  defaultPreemptionPlugin,
  imageLocalityPlugin,
  interPodAffinityPlugin,
  nodeAffinityPlugin,
  nodeNamePlugin,
  nodePortsPlugin,
  nodeResourcesBalancedAllocationPlugin,
  nodeResourcesFitPlugin,
  nodeUnschedulablePlugin,
  podTopologySpreadPlugin,
  prioritySortPlugin,
  schedulingGatesPlugin,
  taintTolerationPlugin,
};

/** The built-in controllers kube-controller-manager runs, in kubeprop's model. */
export const defaultControllers: readonly ControllerDefinition[] = Object.freeze([
  replicaSetController,
  deploymentController,
  daemonSetController,
  jobController,
  endpointSliceController,
  nodeLifecycleController,
  taintEvictionController,
  garbageCollectorController,
  podGcController,
]);

export {
  daemonSetController,
  deploymentController,
  endpointSliceController,
  garbageCollectorController,
  jobController,
  nodeLifecycleController,
  podGcController,
  replicaSetController,
  taintEvictionController,
};

// Makes these the defaults of `createSimulation` for anyone who imports this module.
registerDefaultComponents({ schedulerPlugins: defaultSchedulerPlugins, controllers: defaultControllers });
