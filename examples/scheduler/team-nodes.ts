/**
 * An example custom scheduler plugin: nodes labelled `example.com/team=<name>` are dedicated to the
 * namespace of that name (Filter), and a pod prefers the nodes of its own team (Score).
 *
 * Enable it by name in a KubeSchedulerConfiguration (see scheduler-config.yaml next to this file)
 * and load it with `kubeprop schedule --plugin examples/scheduler/team-nodes.ts ...`.
 */
import { defineSchedulerPlugin, Status } from 'kubeprop';

const TEAM_LABEL = 'example.com/team';

export const teamNodesPlugin = defineSchedulerPlugin({
  name: 'TeamNodes',
  filter(_state, pod, nodeInfo) {
    const team = nodeInfo.node.metadata?.labels?.[TEAM_LABEL];
    const namespace = pod.metadata?.namespace ?? 'default';
    if (team !== undefined && team !== namespace) {
      return Status.unschedulableAndUnresolvable(`node(s) were dedicated to another team`);
    }
    return undefined;
  },
  score(_state, pod, nodeInfo) {
    return nodeInfo.node.metadata?.labels?.[TEAM_LABEL] === (pod.metadata?.namespace ?? 'default') ? 100 : 0;
  },
});
