/**
 * The kubelet's configuration: the upstream `KubeletConfiguration` fields the model honours, with
 * their v1.35 defaults, and the container runtime model's parameters.
 *
 * Upstream defaults: `pkg/kubelet/apis/config/v1beta1/defaults.go` (KubeletConfiguration),
 * `pkg/kubelet/kubelet.go` (`backOffPeriod`, `MaxContainerBackOff`, the 4 % jitter of the status
 * loop), `pkg/kubelet/nodelease/controller.go` and `staging/src/k8s.io/component-helpers/
 * apimachinery/lease/controller.go` (renew interval = 0.25 × lease duration, 4 % jitter),
 * `pkg/kubelet/pleg/generic.go` (relist period 1 s), `pkg/kubelet/status/status_manager.go`
 * (sync period 10 s). Durations are integer milliseconds, units last in the names.
 */
import type { DeepReadonly, Taint } from '../api/types.js';
import type { DelayRange } from '../controllers/runtime-host.js';
import { ConfigError } from '../errors.js';

/** A probability as a ratio of integers (`{ numerator: 1, denominator: 100 }` is 1 %). */
export interface ChanceRatio {
  readonly numerator: number;
  readonly denominator: number;
}

/**
 * What a container does once it runs, as the runtime model decides it: run until stopped, or exit
 * on its own after `runForMs` with `exitCode`.
 */
export type ContainerBehavior =
  | { readonly kind: 'run-forever' }
  | { readonly kind: 'exit'; readonly runForMs: number; readonly exitCode: number };

/** Identifies a container for `ContainerRuntimeConfig.behavior`. */
export interface ContainerBehaviorQuery {
  readonly namespace: string;
  readonly podName: string;
  readonly containerName: string;
  /** `init` (ordinary init container), `sidecar` (init container with restartPolicy Always) or `regular`. */
  readonly containerKind: 'init' | 'sidecar' | 'regular';
  /** The pod's `spec.restartPolicy` (defaulted to `Always`). */
  readonly restartPolicy: 'Always' | 'OnFailure' | 'Never';
  /** How many times the container has been restarted so far. */
  readonly restartCount: number;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * The container runtime model (containerd behind the CRI, as the kubelet drives it in
 * `pkg/kubelet/kuberuntime/`): how long things take and how containers behave. Every duration is
 * drawn from the kubelet's own random stream, so a seed replays it exactly.
 */
export interface ContainerRuntimeConfig {
  /** `RunPodSandbox` including CNI setup, before the first container can start. */
  readonly sandboxCreateMs: DelayRange;
  /** Pulling an image that is already on the node (a registry round trip at most). */
  readonly cachedImagePullMs: DelayRange;
  /** Fixed part of pulling an image that is not on the node (resolve, manifest, unpack). */
  readonly imagePullOverheadMs: DelayRange;
  /** Download bandwidth for uncached pulls, in bytes per second; drawn per pull. */
  readonly imagePullBytesPerSecond: { readonly min: number; readonly max: number };
  /**
   * Image sizes in bytes, by image reference as written in pods (`nginx:1.25`) or normalized
   * (`docker.io/library/nginx:1.25`). Images not listed get a size from `defaultImageSizeBytes`.
   */
  readonly imageSizesBytes: Readonly<Record<string, number>>;
  /**
   * Size range of images not in `imageSizesBytes`. The size is a hash of the image name into this
   * range, not a random draw, so every node agrees on an image's size.
   */
  readonly defaultImageSizeBytes: { readonly min: number; readonly max: number };
  /** Images present on every node when its kubelet starts (the pause image at least). */
  readonly preloadedImages: readonly string[];
  /** `CreateContainer` + `StartContainer` after the image is present. */
  readonly containerStartMs: DelayRange;
  /**
   * Readiness of a container without a readiness probe, after it runs. Upstream marks such a
   * container ready as soon as it is seen running, hence the default of zero.
   */
  readonly readyDelayWithoutProbeMs: DelayRange;
  /** Probability that a container start ends in a crash (exit with one of `crashExitCodes`). */
  readonly crashRatio: ChanceRatio;
  /** How long a crashing container runs before it exits. */
  readonly crashAfterMs: DelayRange;
  /** Exit codes of crashes, chosen uniformly. Non-zero. */
  readonly crashExitCodes: readonly number[];
  /**
   * How long a regular container of a pod with restartPolicy `OnFailure` or `Never` (a job-like
   * pod) runs before exiting 0, when nothing more specific says otherwise.
   */
  readonly jobRunMs: DelayRange;
  /** How long an ordinary init container runs before exiting 0. */
  readonly initContainerRunMs: DelayRange;
  /**
   * How long a container takes to exit after SIGTERM. The model caps it at the grace period: a
   * container still running then is killed (exit code 137).
   */
  readonly containerStopMs: DelayRange;
  /** Exit code of a container that exits on SIGTERM within its grace period. */
  readonly stopExitCode: number;
  /**
   * Per-container override of the behaviour, consulted on every start before the annotations and
   * the defaults; `undefined` falls through. Must be a pure function of its argument.
   */
  readonly behavior?: ((query: ContainerBehaviorQuery) => ContainerBehavior | undefined) | undefined;
  /** Reported as `nodeInfo.containerRuntimeVersion` (`containerd://2.1.4`). */
  readonly runtimeVersion: string;
}

/** The kubelet configuration fields the model honours (upstream `KubeletConfiguration` names). */
export interface KubeletConfig {
  /** `nodeStatusUpdateFrequency`: how often the status loop computes the node status. Default 10 s. */
  readonly nodeStatusUpdateFrequencyMs: number;
  /** `nodeStatusReportFrequency`: the longest an unchanged node status goes unposted. Default 5 min. */
  readonly nodeStatusReportFrequencyMs: number;
  /** `nodeLeaseDurationSeconds`: the heartbeat Lease's duration. Default 40. */
  readonly nodeLeaseDurationSeconds: number;
  /** `maxPods`: the node's `pods` capacity unless the node model says otherwise. Default 110. */
  readonly maxPods: number;
  /** `serializeImagePulls`: pull one image at a time per node. Default true. */
  readonly serializeImagePulls: boolean;
  /** `nodeStatusMaxImages`: images reported in `status.images`. Default 50. */
  readonly nodeStatusMaxImages: number;
  /** The generic PLEG's relist period: how late the kubelet notices a container change. Default 1 s. */
  readonly plegRelistPeriodMs: number;
  /** The status manager's resync period: failed pod status writes are retried this often. Default 10 s. */
  readonly statusSyncPeriodMs: number;
  /** First CrashLoopBackOff delay (`backOffPeriod`). Default 10 s. */
  readonly crashLoopBackOffInitialMs: number;
  /** CrashLoopBackOff cap (`MaxContainerBackOff`). Default 300 s; the back-off resets after twice this without a crash. */
  readonly crashLoopBackOffMaxMs: number;
  /** `kubeletVersion` in `nodeInfo`. Default `v1.35.0`. */
  readonly kubeletVersion: string;
  /** `registerWithTaints`: taints put on the Node when the kubelet creates it. */
  readonly registerWithTaints: readonly DeepReadonly<Taint>[];
  /** `nodeLabels` (`--node-labels`): labels put on the Node when the kubelet creates it. */
  readonly nodeLabels: Readonly<Record<string, string>>;
  /** The container runtime model. */
  readonly runtime: ContainerRuntimeConfig;
}

/** A `KubeletConfig` given partially; `runtime` may be partial too. */
export type KubeletConfigInput = Partial<Omit<KubeletConfig, 'runtime'>> & { readonly runtime?: Partial<ContainerRuntimeConfig> };

const MiB = 1024 * 1024;

/** The pause image of v1.35 (`registry.k8s.io/pause:3.10.1`), which every node has. */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10.1';
/** The pause image's size as containerd reports it (about 320 kB); used unless `imageSizesBytes` says otherwise. */
export const PAUSE_IMAGE_SIZE_BYTES = 320_368;

/**
 * The runtime model's defaults: a fast containerd on a decent network, nothing crashes. Durations
 * are ranges of virtual milliseconds (`DelayRange`) drawn uniformly.
 */
export const DEFAULT_CONTAINER_RUNTIME_CONFIG: ContainerRuntimeConfig = Object.freeze({
  sandboxCreateMs: { minMs: 100, maxMs: 500 },
  cachedImagePullMs: { minMs: 0, maxMs: 50 },
  imagePullOverheadMs: { minMs: 200, maxMs: 1000 },
  imagePullBytesPerSecond: { min: 20 * MiB, max: 100 * MiB },
  imageSizesBytes: Object.freeze({}),
  defaultImageSizeBytes: { min: 10 * MiB, max: 200 * MiB },
  preloadedImages: Object.freeze([PAUSE_IMAGE]),
  containerStartMs: { minMs: 50, maxMs: 300 },
  readyDelayWithoutProbeMs: { minMs: 0, maxMs: 0 },
  crashRatio: { numerator: 0, denominator: 1 },
  crashAfterMs: { minMs: 1000, maxMs: 30_000 },
  crashExitCodes: Object.freeze([1]),
  jobRunMs: { minMs: 5000, maxMs: 30_000 },
  initContainerRunMs: { minMs: 500, maxMs: 3000 },
  containerStopMs: { minMs: 10, maxMs: 200 },
  stopExitCode: 0,
  runtimeVersion: 'containerd://2.1.4',
});

/** The upstream v1.35 defaults (see each field). */
export const DEFAULT_KUBELET_CONFIG: KubeletConfig = Object.freeze({
  nodeStatusUpdateFrequencyMs: 10_000,
  nodeStatusReportFrequencyMs: 300_000,
  nodeLeaseDurationSeconds: 40,
  maxPods: 110,
  serializeImagePulls: true,
  nodeStatusMaxImages: 50,
  plegRelistPeriodMs: 1000,
  statusSyncPeriodMs: 10_000,
  crashLoopBackOffInitialMs: 10_000,
  crashLoopBackOffMaxMs: 300_000,
  kubeletVersion: 'v1.35.0',
  registerWithTaints: Object.freeze([]),
  nodeLabels: Object.freeze({}),
  runtime: DEFAULT_CONTAINER_RUNTIME_CONFIG,
});

/**
 * The lease renew interval as upstream derives it: `nodeLeaseDurationSeconds × 0.25`
 * (`nodeLeaseRenewIntervalFraction`), 10 s for the default 40 s lease.
 */
export function leaseRenewIntervalMs(config: KubeletConfig): number {
  return Math.floor((config.nodeLeaseDurationSeconds * 1000) / 4);
}

function checkRange(range: DelayRange, what: string): void {
  if (!Number.isSafeInteger(range.minMs) || !Number.isSafeInteger(range.maxMs) || range.minMs < 0 || range.maxMs < range.minMs) {
    throw new ConfigError(`${what}: invalid range [${String(range.minMs)}, ${String(range.maxMs)}] ms`);
  }
}

function checkPositive(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new ConfigError(`${what} must be a positive integer, got ${String(value)}`);
}

/**
 * The full configuration: `input` over the defaults, validated. Invalid values (negative or
 * non-integer durations, an empty `crashExitCodes`, a ratio above one) are `ConfigError`s.
 */
export function resolveKubeletConfig(input: KubeletConfigInput = {}): KubeletConfig {
  const runtime: ContainerRuntimeConfig = { ...DEFAULT_CONTAINER_RUNTIME_CONFIG, ...input.runtime };
  const config: KubeletConfig = { ...DEFAULT_KUBELET_CONFIG, ...input, runtime };
  checkPositive(config.nodeStatusUpdateFrequencyMs, 'nodeStatusUpdateFrequencyMs');
  checkPositive(config.nodeStatusReportFrequencyMs, 'nodeStatusReportFrequencyMs');
  checkPositive(config.nodeLeaseDurationSeconds, 'nodeLeaseDurationSeconds');
  checkPositive(config.maxPods, 'maxPods');
  checkPositive(config.nodeStatusMaxImages, 'nodeStatusMaxImages');
  checkPositive(config.statusSyncPeriodMs, 'statusSyncPeriodMs');
  checkPositive(config.crashLoopBackOffInitialMs, 'crashLoopBackOffInitialMs');
  checkPositive(config.crashLoopBackOffMaxMs, 'crashLoopBackOffMaxMs');
  if (!Number.isSafeInteger(config.plegRelistPeriodMs) || config.plegRelistPeriodMs < 0) {
    throw new ConfigError(`plegRelistPeriodMs must be a non-negative integer, got ${String(config.plegRelistPeriodMs)}`);
  }
  for (const [name, range] of [
    ['sandboxCreateMs', runtime.sandboxCreateMs],
    ['cachedImagePullMs', runtime.cachedImagePullMs],
    ['imagePullOverheadMs', runtime.imagePullOverheadMs],
    ['containerStartMs', runtime.containerStartMs],
    ['readyDelayWithoutProbeMs', runtime.readyDelayWithoutProbeMs],
    ['crashAfterMs', runtime.crashAfterMs],
    ['jobRunMs', runtime.jobRunMs],
    ['initContainerRunMs', runtime.initContainerRunMs],
    ['containerStopMs', runtime.containerStopMs],
  ] as const) {
    checkRange(range, `runtime.${name}`);
  }
  const bw = runtime.imagePullBytesPerSecond;
  if (!Number.isSafeInteger(bw.min) || !Number.isSafeInteger(bw.max) || bw.min < 1 || bw.max < bw.min) {
    throw new ConfigError(`runtime.imagePullBytesPerSecond: invalid range [${String(bw.min)}, ${String(bw.max)}]`);
  }
  const size = runtime.defaultImageSizeBytes;
  if (!Number.isSafeInteger(size.min) || !Number.isSafeInteger(size.max) || size.min < 0 || size.max < size.min) {
    throw new ConfigError(`runtime.defaultImageSizeBytes: invalid range [${String(size.min)}, ${String(size.max)}]`);
  }
  const r = runtime.crashRatio;
  if (!Number.isSafeInteger(r.numerator) || !Number.isSafeInteger(r.denominator) || r.denominator < 1 || r.numerator < 0 || r.numerator > r.denominator) {
    throw new ConfigError(`runtime.crashRatio: invalid ratio ${String(r.numerator)}/${String(r.denominator)}`);
  }
  if (runtime.crashExitCodes.length === 0 || runtime.crashExitCodes.some((c) => !Number.isSafeInteger(c) || c === 0)) {
    throw new ConfigError('runtime.crashExitCodes must be a non-empty list of non-zero integers');
  }
  if (!Number.isSafeInteger(runtime.stopExitCode) || runtime.stopExitCode < 0) {
    throw new ConfigError(`runtime.stopExitCode must be a non-negative integer, got ${String(runtime.stopExitCode)}`);
  }
  return config;
}
