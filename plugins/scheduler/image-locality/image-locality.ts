/**
 * ImageLocality: prefers nodes that already have the pod's container images, weighted by how far
 * each image has spread through the cluster. Mirrors upstream
 * `pkg/scheduler/framework/plugins/imagelocality/image_locality.go`.
 */
import {
  defineSchedulerPlugin,
  MAX_NODE_SCORE,
  normalizedImageName,
  type CycleState,
  type DeepReadonly,
  type Handle,
  type ImageStateSummary,
  type NodeInfo,
  type Pod,
  type SchedulerPluginInstance,
} from 'kubeprop';

/** The upstream plugin name. */
export const NAME = 'ImageLocality';

const MB = 1024 * 1024;
/**
 * Upstream's score range bounds: about the 90th-percentile range of compressed image sizes on
 * Docker Hub. A node's image sum below 23 MiB scores 0; at 1000 MiB per container it scores 100.
 */
export const MIN_THRESHOLD_BYTES = 23 * MB;
export const MAX_CONTAINER_THRESHOLD_BYTES = 1000 * MB;

/**
 * Upstream `scaledImageScore`: the image's size scaled by the fraction of nodes that have it, so a
 * pod is not drawn to the few nodes that happen to hold a rare image (the "node heating" problem).
 * Computed in float64 and truncated, as upstream.
 */
export function scaledImageScore(image: ImageStateSummary, totalNumNodes: number): number {
  const spread = image.numNodes / totalNumNodes;
  return Math.trunc(image.sizeBytes * spread);
}

/**
 * Upstream `calculatePriority`: the sum clamped to `[23 MiB, 1000 MiB × containers]`, mapped
 * linearly (integer division) onto `[0, 100]`.
 */
export function calculatePriority(sumScores: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD_BYTES * numContainers;
  let sum = sumScores;
  if (sum < MIN_THRESHOLD_BYTES) sum = MIN_THRESHOLD_BYTES;
  else if (sum > maxThreshold) sum = maxThreshold;
  const q = Math.trunc((MAX_NODE_SCORE * (sum - MIN_THRESHOLD_BYTES)) / (maxThreshold - MIN_THRESHOLD_BYTES));
  // With no container at all the range is negative and the quotient is -0; upstream's is 0.
  return q === 0 ? 0 : q;
}

/** The normalized image names of the pod's init containers and containers, in that order. */
function podImages(pod: DeepReadonly<Pod>): readonly string[] {
  const out: string[] = [];
  for (const c of pod.spec?.initContainers ?? []) out.push(normalizedImageName(c.image ?? ''));
  for (const c of pod.spec?.containers ?? []) out.push(normalizedImageName(c.image ?? ''));
  return out;
}

function newImageLocality(handle: Handle): SchedulerPluginInstance {
  // Score runs once per node for the same (frozen) pod object, so its image names are computed
  // once per pod, not once per node.
  const imagesByPod = new WeakMap<DeepReadonly<Pod>, readonly string[]>();
  // The cycle being scored now: its pod's images, the node count, and the last node's image
  // states with their score. Nodes with the same image names share one `imageStates` map in the
  // scheduler cache, and nothing changes within a cycle, so a node whose map is the previous
  // node's has the previous node's score.
  let lastState: CycleState | undefined;
  let lastPod: DeepReadonly<Pod> | undefined;
  let images: readonly string[] = [];
  let totalNumNodes = 0;
  let lastStates: ReadonlyMap<string, ImageStateSummary> | undefined;
  let lastScore = 0;
  return {
    score(state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): number {
      if (state !== lastState || pod !== lastPod) {
        let known = imagesByPod.get(pod);
        if (known === undefined) {
          known = podImages(pod);
          imagesByPod.set(pod, known);
        }
        images = known;
        totalNumNodes = handle.snapshot().list().length;
        lastState = state;
        lastPod = pod;
        lastStates = undefined;
      }
      const states = nodeInfo.imageStates;
      if (states === lastStates) return lastScore;
      let sum = 0;
      for (let i = 0; i < images.length; i++) {
        const summary = states.get(images[i] as string);
        if (summary !== undefined) sum += scaledImageScore(summary, totalNumNodes);
      }
      lastStates = states;
      lastScore = calculatePriority(sum, images.length);
      return lastScore;
    },
  };
}

export const imageLocalityPlugin = defineSchedulerPlugin({
  name: NAME,
  create: (_args: unknown, handle: Handle) => newImageLocality(handle),
});
