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
  // The pod of the nodes being scored now, looked up once rather than once per node.
  let lastPod: DeepReadonly<Pod> | undefined;
  let lastImages: readonly string[] = [];
  return {
    score(_state: CycleState, pod: DeepReadonly<Pod>, nodeInfo: NodeInfo): number {
      let images: readonly string[] | undefined = lastImages;
      if (pod !== lastPod) {
        images = imagesByPod.get(pod);
        if (images === undefined) {
          images = podImages(pod);
          imagesByPod.set(pod, images);
        }
        lastPod = pod;
        lastImages = images;
      }
      const totalNumNodes = handle.snapshot().list().length;
      const states = nodeInfo.imageStates;
      let sum = 0;
      for (let i = 0; i < images.length; i++) {
        const state = states.get(images[i] as string);
        if (state !== undefined) sum += scaledImageScore(state, totalNumNodes);
      }
      return calculatePriority(sum, images.length);
    },
  };
}

/** The ImageLocality plugin (Score, no NormalizeScore; default weight 1). */
export const imageLocalityPlugin = defineSchedulerPlugin({
  name: NAME,
  create: (_args: unknown, handle: Handle) => newImageLocality(handle),
});
