/**
 * The container runtime model: what the kubelet's CRI runtime (containerd) does for it, reduced to
 * timings and outcomes. It owns the node's image store (what is present, what is being pulled),
 * draws how long sandbox creation, pulls, starts and stops take, decides how each started
 * container will behave (run, complete, crash), and mints deterministic container and image IDs.
 *
 * Upstream counterparts: `pkg/kubelet/kuberuntime/kuberuntime_manager.go` (`SyncPod`: sandbox,
 * then containers one after another), `pkg/kubelet/images/image_manager.go` (`EnsureImageExists`,
 * pull policies, `ErrImageNeverPull`) and `puller.go` (serialized pulls by default),
 * `pkg/kubelet/images/image_gc_manager.go` and `pkg/kubelet/nodestatus/setters.go` (`Images`:
 * digests then tags, largest first).
 *
 * Every duration is drawn from the random stream handed in, so the whole model replays from the
 * seed; the bookkeeping is O(1) per call (a map lookup and a few draws).
 */
import type { DeepReadonly, Container, ContainerImage } from '../api/types.js';
import { ModelBug } from '../errors.js';
import type { Rng } from '../sim/rng.js';
import type { DelayRange } from '../controllers/runtime-host.js';
import { PAUSE_IMAGE, PAUSE_IMAGE_SIZE_BYTES, type ContainerBehavior, type ContainerBehaviorQuery, type ContainerRuntimeConfig } from './kubelet-config.js';

/** Annotation (simulation hint) with a Go duration after which each regular container exits. */
export const RUN_FOR_ANNOTATION = 'kubeprop.io/run-for';
/** Annotation (simulation hint) with the exit code used with `kubeprop.io/run-for` (default 0). */
export const EXIT_CODE_ANNOTATION = 'kubeprop.io/exit-code';

/** Upstream `images.ErrImageNeverPull` reason. */
export const ERR_IMAGE_NEVER_PULL = 'ErrImageNeverPull';

/** The outcome of `ContainerRuntime.ensureImage`. */
export type EnsureImageResult =
  /** The image will be present at `readyAtMs`; `pulled` says whether a registry pull was needed. */
  | { readonly ok: true; readonly readyAtMs: number; readonly pulled: boolean }
  /** The image cannot be had (pull policy `Never` and absent): upstream's waiting reason and message. */
  | { readonly ok: false; readonly reason: string; readonly message: string };

interface ImageEntry {
  /** Normalized tag reference, e.g. `docker.io/library/nginx:1.25`. */
  readonly tagRef: string;
  /** Digest reference, e.g. `docker.io/library/nginx@sha256:…`: the container status `imageID`. */
  readonly digestRef: string;
  readonly sizeBytes: number;
  /** When the image is (or will be) present; a pull in flight has a future time. */
  presentAtMs: number;
}

/**
 * Normalizes an image reference as containerd names images (docker's reference rules): a missing
 * registry is `docker.io`, a single-component Docker Hub name gets `library/`, and a reference
 * without tag or digest gets `:latest`. `nginx` → `docker.io/library/nginx:latest`.
 */
export function normalizeImageReference(image: string): string {
  let name = image;
  let suffix = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    suffix = name.slice(at);
    name = name.slice(0, at);
  }
  const slash = name.indexOf('/');
  const lastSlash = name.lastIndexOf('/');
  const lastPart = name.slice(lastSlash + 1);
  if (suffix === '' && !lastPart.includes(':')) suffix = ':latest';
  if (slash < 0) return `docker.io/library/${name}${suffix}`;
  const first = name.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return `${name}${suffix}`;
  return `docker.io/${name}${suffix}`;
}

/** The repository part of a normalized reference (without tag or digest). */
function repositoryOf(normalized: string): string {
  const at = normalized.indexOf('@');
  if (at >= 0) return normalized.slice(0, at);
  const lastSlash = normalized.lastIndexOf('/');
  const colon = normalized.indexOf(':', lastSlash + 1);
  return colon >= 0 ? normalized.slice(0, colon) : normalized;
}

/** Two lower-case hex digits for every byte value. */
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * 64 lower-case hex digits derived from `text` alone (FNV-1a seeded rounds of a 32-bit mixer).
 * Not cryptographic; it only has to be deterministic, well spread and cheap, for IDs and digests.
 */
export function hex64(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  let out = '';
  let x = h >>> 0;
  for (let round = 0; round < 8; round++) {
    // A murmur3-style finalizer per round, fed with the round number, gives 8 independent words.
    x = (x + 0x9e3779b9 + round) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    // Byte by byte from a table: number-to-text conversion and padding cost more than the mixing.
    out += (HEX_BYTE[z >>> 24] as string) + (HEX_BYTE[(z >>> 16) & 0xff] as string) + (HEX_BYTE[(z >>> 8) & 0xff] as string) + (HEX_BYTE[z & 0xff] as string);
  }
  return out;
}


/** The `sha256:` digest the model assigns to an image, a function of its normalized name. */
export function imageDigest(normalized: string): string {
  return `sha256:${hex64(`image:${normalized}`)}`;
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a Go duration (`30s`, `1m30s`, `250ms`, `1.5h`) into whole milliseconds (rounded down);
 * `undefined` when the text is not one.
 */
export function parseGoDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  if (text.length === 0) return undefined;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    DURATION_PART.lastIndex = pos;
    const m = DURATION_PART.exec(text);
    if (m === null) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    pos = DURATION_PART.lastIndex;
  }
  const ms = Math.floor(total);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * A whole-millisecond duration as Go's `time.Duration.String()` prints it for the values the
 * kubelet prints (`10s`, `1m20s`, `5m0s`, `1.5s`, `250ms`).
 */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const secMs = ms % 60_000;
  const whole = Math.floor(secMs / 1000);
  const frac = secMs % 1000;
  const seconds = frac === 0 ? `${whole}s` : `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

/** The pull policy the API server defaults when a container has none (`:latest` or no tag ⇒ Always). */
export function effectivePullPolicy(container: DeepReadonly<Container>): 'Always' | 'IfNotPresent' | 'Never' {
  const policy = container.imagePullPolicy;
  if (policy === 'Always' || policy === 'IfNotPresent' || policy === 'Never') return policy;
  const image = container.image ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  return colon < 0 || lastPart.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Construction options of a `ContainerRuntime`. */
export interface ContainerRuntimeOptions {
  readonly nodeName: string;
  readonly config: ContainerRuntimeConfig;
  /** Upstream `serializeImagePulls`: one pull at a time on the node. */
  readonly serializeImagePulls: boolean;
  /** The random stream durations are drawn from (the kubelet's). */
  readonly rng: Rng;
}

/**
 * One node's container runtime. The kubelet asks it how long things take; it never schedules
 * anything itself. Its state (images, the pull queue, the container ID counter) survives kubelet
 * restarts and node reboots, as containerd's on-disk state does.
 */
export class ContainerRuntime {
  readonly #nodeName: string;
  readonly #config: ContainerRuntimeConfig;
  readonly #serialize: boolean;
  #rng: Rng;
  /** Images by normalized tag reference. */
  readonly #images = new Map<string, ImageEntry>();
  /** When the (serialized) puller is free again. */
  #pullerFreeAtMs = 0;
  #containerSeq = 0;
  #sandboxSeq = 0;
  /** Present images sorted for the node status, rebuilt when the present set changes. */
  #statusImages: readonly DeepReadonly<ContainerImage>[] = [];
  #statusImagesCount = -1;
  #statusImagesMax = 0;

  constructor(options: ContainerRuntimeOptions) {
    this.#nodeName = options.nodeName;
    this.#config = options.config;
    this.#serialize = options.serializeImagePulls;
    this.#rng = options.rng;
    for (const image of options.config.preloadedImages) {
      const entry = this.#entry(image);
      entry.presentAtMs = Number.NEGATIVE_INFINITY;
    }
  }

  /** Replaces the random stream (a new kubelet incarnation draws from a fresh one). */
  setRng(rng: Rng): void {
    this.#rng = rng;
  }

  /** The runtime configuration. */
  get config(): ContainerRuntimeConfig {
    return this.#config;
  }

  /** A duration drawn uniformly from `range`. */
  draw(range: DelayRange): number {
    return this.#rng.int(range.minMs, range.maxMs);
  }

  /** How long `RunPodSandbox` takes this time. */
  sandboxCreateMs(): number {
    return this.draw(this.#config.sandboxCreateMs);
  }

  /** A new sandbox ID (deterministic: node name and a counter). */
  newSandboxId(): string {
    return hex64(`sandbox:${this.#nodeName}:${++this.#sandboxSeq}`);
  }

  /** How long `CreateContainer` + `StartContainer` take this time. */
  containerStartMs(): number {
    return this.draw(this.#config.containerStartMs);
  }

  /** A new container ID as the container status shows it (`containerd://<64 hex>`). */
  newContainerId(): string {
    return `containerd://${hex64(`container:${this.#nodeName}:${++this.#containerSeq}`)}`;
  }

  /** The status `image` of a container running `image`: the normalized tag reference. */
  statusImage(image: string): string {
    return normalizeImageReference(image);
  }

  /** The status `imageID` of a container running `image`: the digest reference. */
  imageId(image: string): string {
    return this.#entry(image).digestRef;
  }

  /** Whether `image` is present on the node at `atMs`. */
  hasImage(image: string, atMs: number): boolean {
    const entry = this.#images.get(normalizeImageReference(image));
    return entry !== undefined && entry.presentAtMs <= atMs;
  }

  /**
   * Upstream `EnsureImageExists`, requested at `atMs`: when the image will be present. A present
   * image costs a cached pull (policy `Always` still asks the registry; the others skip the pull,
   * which the model treats the same way for simplicity). An absent image is pulled: after any pull
   * in flight when pulls are serialized, taking the overhead plus its size over the drawn bandwidth.
   * A second request for an image being pulled waits for that pull. Policy `Never` with an absent
   * image fails with `ErrImageNeverPull`.
   */
  ensureImage(image: string, policy: 'Always' | 'IfNotPresent' | 'Never', atMs: number): EnsureImageResult {
    const entry = this.#entry(image);
    if (entry.presentAtMs <= atMs) {
      return { ok: true, readyAtMs: atMs + this.draw(this.#config.cachedImagePullMs), pulled: false };
    }
    if (policy === 'Never') {
      return {
        ok: false,
        reason: ERR_IMAGE_NEVER_PULL,
        message: `Container image "${image}" is not present with pull policy of Never`,
      };
    }
    if (entry.presentAtMs !== Number.POSITIVE_INFINITY) {
      // A pull of this image is already under way: wait for it.
      return { ok: true, readyAtMs: entry.presentAtMs, pulled: true };
    }
    const bw = this.#config.imagePullBytesPerSecond;
    const bytesPerSecond = this.#rng.int(bw.min, bw.max);
    const durationMs = this.draw(this.#config.imagePullOverheadMs) + Math.ceil((entry.sizeBytes * 1000) / bytesPerSecond);
    const startMs = this.#serialize ? Math.max(atMs, this.#pullerFreeAtMs) : atMs;
    const doneMs = startMs + durationMs;
    if (this.#serialize) this.#pullerFreeAtMs = doneMs;
    entry.presentAtMs = doneMs;
    return { ok: true, readyAtMs: doneMs, pulled: true };
  }

  /**
   * How a container started now behaves. Precedence: the configured `behavior` hook; then a crash,
   * drawn with `crashRatio` on every start (the draw is made even when the hook answers, so that
   * adding a hook does not shift later draws); then the pod's `kubeprop.io/run-for` /
   * `kubeprop.io/exit-code` annotations (regular containers only); then the defaults: ordinary init
   * containers complete after `initContainerRunMs`, regular containers of job-like pods
   * (restartPolicy `OnFailure`/`Never`) complete after `jobRunMs`, everything else runs until
   * stopped.
   */
  decideBehavior(query: ContainerBehaviorQuery): ContainerBehavior {
    const config = this.#config;
    const crashes = this.#rng.chance(config.crashRatio.numerator, config.crashRatio.denominator);
    const crashAfterMs = this.draw(config.crashAfterMs);
    const crashCode = this.#rng.pick(config.crashExitCodes);
    const hooked = config.behavior?.(query);
    if (hooked !== undefined) {
      if (hooked.kind === 'exit' && (!Number.isSafeInteger(hooked.runForMs) || hooked.runForMs < 0 || !Number.isSafeInteger(hooked.exitCode))) {
        throw new ModelBug(`ContainerRuntime: the behavior hook returned an invalid exit ${JSON.stringify(hooked)}`);
      }
      return hooked;
    }
    if (crashes) return { kind: 'exit', runForMs: crashAfterMs, exitCode: crashCode };
    switch (query.containerKind) {
      case 'init':
        return { kind: 'exit', runForMs: this.draw(config.initContainerRunMs), exitCode: 0 };
      case 'sidecar':
        return { kind: 'run-forever' };
      case 'regular': {
        const runFor = query.annotations[RUN_FOR_ANNOTATION];
        const runForMs = runFor === undefined ? undefined : parseGoDurationMs(runFor);
        if (runForMs !== undefined) {
          const codeText = query.annotations[EXIT_CODE_ANNOTATION];
          const code = codeText === undefined ? 0 : Number(codeText);
          return { kind: 'exit', runForMs, exitCode: Number.isSafeInteger(code) ? code : 0 };
        }
        if (query.restartPolicy !== 'Always') return { kind: 'exit', runForMs: this.draw(config.jobRunMs), exitCode: 0 };
        return { kind: 'run-forever' };
      }
    }
  }

  /**
   * How long a running container takes to stop on SIGTERM, capped by `graceMs`, and its exit code:
   * `stopExitCode` when it exits in time, 137 (SIGKILL) when the grace period runs out first.
   */
  stopDuration(graceMs: number): { readonly durationMs: number; readonly exitCode: number } {
    const want = this.draw(this.#config.containerStopMs);
    if (want <= graceMs) return { durationMs: want, exitCode: this.#config.stopExitCode };
    return { durationMs: graceMs, exitCode: 137 };
  }

  /**
   * The node's `status.images` at `atMs`: present images, largest first (ties by ID, as upstream's
   * `ByImageSize`), each named by its digest then its tag, at most `max` of them. The array is
   * reused while the set of present images is unchanged, so an unchanged node status costs nothing.
   */
  statusImages(atMs: number, max: number): readonly DeepReadonly<ContainerImage>[] {
    let present = 0;
    for (const entry of this.#images.values()) if (entry.presentAtMs <= atMs) present++;
    if (present === this.#statusImagesCount && max === this.#statusImagesMax) return this.#statusImages;
    const entries = [...this.#images.values()].filter((e) => e.presentAtMs <= atMs);
    entries.sort((a, b) => b.sizeBytes - a.sizeBytes || (a.digestRef < b.digestRef ? 1 : a.digestRef > b.digestRef ? -1 : 0));
    this.#statusImages = Object.freeze(
      entries.slice(0, max).map((e) => Object.freeze({ names: Object.freeze([e.digestRef, e.tagRef]), sizeBytes: e.sizeBytes })),
    );
    this.#statusImagesCount = present;
    this.#statusImagesMax = max;
    return this.#statusImages;
  }

  /** The image entry for `image`, created (absent, not being pulled) on first mention. */
  #entry(image: string): ImageEntry {
    const tagRef = normalizeImageReference(image);
    let entry = this.#images.get(tagRef);
    if (entry === undefined) {
      const repo = repositoryOf(tagRef);
      const digest = tagRef.includes('@') ? tagRef.slice(tagRef.indexOf('@') + 1) : imageDigest(tagRef);
      entry = { tagRef, digestRef: `${repo}@${digest}`, sizeBytes: this.#sizeOf(image, tagRef), presentAtMs: Number.POSITIVE_INFINITY };
      this.#images.set(tagRef, entry);
    }
    return entry;
  }

  #sizeOf(image: string, normalized: string): number {
    const sizes = this.#config.imageSizesBytes;
    const given = sizes[image] ?? sizes[normalized];
    if (given !== undefined) return given;
    if (normalized === PAUSE_IMAGE) return PAUSE_IMAGE_SIZE_BYTES;
    const range = this.#config.defaultImageSizeBytes;
    const span = range.max - range.min + 1;
    // The first 13 hex digits of the name's hash are below 2^52, exact as a number.
    return range.min + (parseInt(hex64(`size:${normalized}`).slice(0, 13), 16) % span);
  }
}
