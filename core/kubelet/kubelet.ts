/**
 * The kubelet of one node, as an actor (`kubelet/<node>`) of the simulation.
 *
 * What it does, as upstream's kubelet does it (`pkg/kubelet/kubelet.go` and the packages named in
 * each part):
 * - registers its Node, or adopts one created from manifests, and keeps its status fresh: the
 *   status loop runs every `nodeStatusUpdateFrequency` (10 s, 4 % jitter) and writes only when the
 *   status changed or `nodeStatusReportFrequency` (5 min, plus a one-time random offset of ±50 %
 *   after each change) elapsed (`kubelet_node_status.go`);
 * - renews the heartbeat Lease `kube-node-lease/<node>` every 10 s (`node-lease.ts`);
 * - watches the pods bound to it (an informer field-selected on `spec.nodeName`), admits or
 *   rejects each new one (`pod-admission.ts`), and runs the admitted ones through the container
 *   runtime model (`container-runtime.ts`): sandbox, init containers one after another (sidecars
 *   keep running), then the containers; readiness and startup probes; crashes, restarts and
 *   CrashLoopBackOff (`crash-loop-back-off.ts`); graceful termination and the final deletion;
 * - writes each pod's status when it changes (`pod-status.ts`), retrying failed writes every
 *   10 s as the status manager's resync does.
 *
 * Observation model: container starts and exits are seen by the PLEG's relist, every second on
 * a per-kubelet phase; probe results and the kubelet's own actions (kills) are seen at once.
 * Every pod has at most one pending wake-up timer, at the next time something about it can be
 * observed, so a pod costs a handful of events: admission, start, readiness.
 *
 * Faults: `stop` (KubeletStop: the process is gone, containers keep running and exiting; nothing is
 * written until `restart`), `crash` (NodeCrash: the node goes down with its containers; `restart`
 * boots it with a new boot ID, new sandboxes and restarted containers per restart policy),
 * `crashPod` (PodCrash: the pod's containers are killed now). Partitions are the client's
 * business: failed calls are retried, never fatal.
 */
import { podRequests, emptyResourceVector, addResourceVectors, subtractResourceVectors, resourceVectorFromList, type ResourceVector } from '../api/pod-resources.js';
import type { Container, DeepReadonly, Node, Pod, PodStatus } from '../api/types.js';
import type { ApiClient } from '../apiserver/api-client.js';
import { RuntimeHost, type DelayRange, type HostActor, type RuntimePayload } from '../controllers/runtime-host.js';
import { SharedInformer } from '../controllers/shared-informer.js';
import type { WatchNetwork } from '../controllers/watch-network.js';
import { assertNever, ConfigError } from '../errors.js';
import { parseRfc3339 } from '../sim/clock.js';
import type { EventHandle } from '../sim/event-queue.js';
import { Rng } from '../sim/rng.js';
import type { SimPayload } from '../sim/simulation.js';
import type { TraceFields } from '../sim/trace.js';
import { isAlreadyExists, isConflict, isNotFound } from '../store/api-error.js';
import { deepEqual } from '../store/deep-equal.js';
import { HostPortInfo, podHostPorts } from '../scheduler/node-info.js';
import { ContainerRuntime, effectivePullPolicy, formatGoDuration } from './container-runtime.js';
import { CrashLoopBackOff } from './crash-loop-back-off.js';
import { leaseRenewIntervalMs, resolveKubeletConfig, type KubeletConfig, type KubeletConfigInput } from './kubelet-config.js';
import { NodeLeaseController } from './node-lease.js';
import {
  allocatableFromCapacity,
  buildNodeStatus,
  initialNode,
  nodeCapacity,
  nodeStatusConstants,
  nodeStatusHasChanged,
  reconcileExistingNodeMeta,
  type NodeMachine,
  type NodeStatusConstants,
} from './node-status.js';
import { admitPod, REJECTED_MESSAGE_PREFIX } from './pod-admission.js';
import {
  containerStatusView,
  formatPod,
  inCrashLoopBackOff,
  newContainerRecord,
  probeSuccessAtMs,
  terminatedViewOf,
  type ContainerRecord,
  type PodRecord,
} from './pod-record.js';
import {
  buildPodStatus,
  buildRejectedPodStatus,
  isRestartableInitContainer,
  REASON_CONTAINER_STATUS_UNKNOWN,
  REASON_CRASH_LOOP_BACK_OFF,
  terminatedReason,
} from './pod-status.js';

/** The kubelet's own events (timers on its actor); each becomes the trace entry's kind when delivered. */
export type KubeletPayload =
  /** The incarnation boots. */
  | { readonly kind: 'kubelet-start' }
  /** The node status loop (`syncNodeStatus`). */
  | { readonly kind: 'kubelet-node-status' }
  /** The heartbeat lease loop. */
  | { readonly kind: 'kubelet-lease' }
  /** A pod has something to observe or do. */
  | { readonly kind: 'kubelet-pod-sync'; readonly uid: string; readonly pod: string }
  /** The status manager's resync: failed status writes and deletions are retried. */
  | { readonly kind: 'kubelet-status-resync' };

/** The `kind` strings of `KubeletPayload`. */
export type KubeletPayloadKind = KubeletPayload['kind'];

const KUBELET_KINDS: ReadonlySet<string> = new Set<KubeletPayloadKind>([
  'kubelet-start',
  'kubelet-node-status',
  'kubelet-lease',
  'kubelet-pod-sync',
  'kubelet-status-resync',
]);

/** Whether `payload` is one of the kubelet's own payloads. */
export function isKubeletPayload(payload: SimPayload): payload is KubeletPayload {
  return KUBELET_KINDS.has(payload.kind);
}

/** Small trace fields for a kubelet payload (the pod of a pod sync), for a simulation's `describe`. */
export function describeKubeletPayload(payload: KubeletPayload): TraceFields | undefined {
  return payload.kind === 'kubelet-pod-sync' ? { pod: payload.pod } : undefined;
}

/**
 * What the kubelet needs of its actor: a runtime host actor that also takes kubelet payloads.
 * `Actor<P>` of a simulation whose payload union includes `RuntimePayload | KubeletPayload` fits.
 */
export interface KubeletHostActor extends HostActor {
  setTimer(delayMs: number, payload: RuntimePayload | KubeletPayload): EventHandle;
}

/** What the kubelet needs of the simulation: `Simulation<P>` with `P ⊇ RuntimePayload | KubeletPayload`. */
export interface KubeletActorSystem {
  addActor(name: string, handler: (payload: SimPayload) => void): KubeletHostActor;
  removeActor(name: string): void;
  record(actor: string, kind: string, fields?: TraceFields): void;
}

/** Construction options of a `Kubelet`. */
export interface KubeletOptions {
  readonly sim: KubeletActorSystem;
  readonly network: WatchNetwork;
  /** The kubelet's connection to the API server (the fault layer may wrap it). */
  readonly client: ApiClient;
  readonly nodeName: string;
  /** The node's position in the cluster (0-based): its addresses derive from it. */
  readonly nodeIndex: number;
  readonly config?: KubeletConfigInput;
  /**
   * The machine's capacity (`cpu`, `memory`, `pods`, `ephemeral-storage`, extended resources).
   * Default: the existing Node's `status.capacity` when adopting one, else 4 CPUs / 16Gi / 100Gi
   * and `maxPods` pods.
   */
  readonly capacity?: Readonly<Record<string, string | number>>;
  /** Latency of the pod informer's deliveries (default: the informer's). */
  readonly informerLatencyMs?: DelayRange;
  /** How long the first incarnation takes to boot; default 0. */
  readonly startDelayMs?: number;
}

/** The kubelet's life: not started, running, stopped (KubeletStop), or its node down (NodeCrash). */
export type KubeletState = 'new' | 'running' | 'stopped' | 'crashed';

interface Incarnation {
  readonly number: number;
  readonly actor: KubeletHostActor;
  readonly host: RuntimeHost;
  readonly rng: Rng;
  informer: SharedInformer<Pod> | undefined;
  started: boolean;
  /** Initial-list adds, admitted in creation order once the informer has synced. */
  initialAdds: DeepReadonly<Pod>[] | undefined;
  resync: EventHandle | undefined;
}

/** Counters for tests and benchmarks. */
export interface KubeletStats {
  readonly pods: number;
  readonly activePods: number;
  readonly podStatusWrites: number;
  readonly nodeStatusWrites: number;
  readonly leaseRenewals: number;
  readonly admitted: number;
  readonly rejected: number;
  readonly containerStarts: number;
}

const NEVER = Number.POSITIVE_INFINITY;
/** Upstream `nodeStatusUpdateRetry`. */
const NODE_STATUS_UPDATE_RETRY = 5;
/** Upstream kuberuntime `minimumGracePeriodInSeconds`: every container gets at least 2 s to stop. */
const MINIMUM_GRACE_MS = 2000;
/** Upstream default `terminationGracePeriodSeconds`. */
const DEFAULT_GRACE_SECONDS = 30;
/** Exit code and reason of containers that died with their node (containerd reports them so after a reboot). */
const NODE_CRASH_EXIT_CODE = 255;
const NODE_CRASH_REASON = 'Unknown';
/** Exit code of a container killed with SIGKILL. */
const SIGKILL_EXIT_CODE = 137;

function timestampMs(text: string | undefined): number {
  if (text === undefined) return 0;
  return parseRfc3339(text) ?? 0;
}

/** The kubelet of one node. See the module comment. */
export class Kubelet {
  /** The actor name: `kubelet/<node>`. */
  readonly name: string;
  readonly nodeName: string;
  readonly nodeIndex: number;
  readonly config: KubeletConfig;
  readonly #sim: KubeletActorSystem;
  readonly #network: WatchNetwork;
  readonly #client: ApiClient;
  readonly #capacityOverride: Readonly<Record<string, string | number>> | undefined;
  readonly #informerLatency: DelayRange | undefined;
  readonly #startDelayMs: number;
  readonly #runtime: ContainerRuntime;
  readonly #backoff: CrashLoopBackOff;
  readonly #lease: NodeLeaseController;
  readonly #pods = new Map<string, PodRecord>();
  readonly #podsByKey = new Map<string, PodRecord>();
  readonly #requested: ResourceVector = emptyResourceVector();
  #podCount = 0;
  readonly #usedPorts = new HostPortInfo();
  readonly #ipsInUse = new Set<string>();
  #ipNext = 0;
  readonly #hostIP: string;
  #podCidrBase: string;
  #state: KubeletState = 'new';
  #incarnations = 0;
  #bootCount = 0;
  #inc: Incarnation | undefined = undefined;
  #plegPhaseMs = 0;
  // Node registration and status.
  #registered = false;
  #node: DeepReadonly<Node> | undefined = undefined;
  #machine: NodeMachine | undefined = undefined;
  #constants: NodeStatusConstants | undefined = undefined;
  /** The boot the constants were built for (the boot ID changes with each boot). */
  #constantsBoot = -1;
  #allocatable: ResourceVector | undefined = undefined;
  #allocatableSource: unknown = undefined;
  #lastStatusReportMs: number | undefined = undefined;
  #delayAfterChangeMs = 0;
  /** A new process reports its node status at its first status round, changed or not. */
  #reportAfterBoot = false;
  // Counters.
  #podStatusWrites = 0;
  #nodeStatusWrites = 0;
  #admitted = 0;
  #rejected = 0;
  #containerStarts = 0;

  constructor(options: KubeletOptions) {
    if (options.nodeName === '') throw new ConfigError('Kubelet: nodeName must not be empty');
    if (!Number.isSafeInteger(options.nodeIndex) || options.nodeIndex < 0 || options.nodeIndex >= 250 * 256) {
      throw new ConfigError(`Kubelet ${options.nodeName}: nodeIndex must be an integer in [0, 64000), got ${String(options.nodeIndex)}`);
    }
    const startDelay = options.startDelayMs ?? 0;
    if (!Number.isSafeInteger(startDelay) || startDelay < 0) throw new ConfigError(`Kubelet ${options.nodeName}: invalid startDelayMs ${String(startDelay)}`);
    this.nodeName = options.nodeName;
    this.nodeIndex = options.nodeIndex;
    this.name = `kubelet/${options.nodeName}`;
    this.config = resolveKubeletConfig(options.config);
    this.#sim = options.sim;
    this.#network = options.network;
    this.#client = options.network.wrap(options.client);
    this.#capacityOverride = options.capacity;
    this.#informerLatency = options.informerLatencyMs;
    this.#startDelayMs = startDelay;
    const idx = options.nodeIndex;
    this.#hostIP = `10.1.${Math.floor(idx / 250)}.${(idx % 250) + 2}`;
    this.#podCidrBase = `10.${64 + (idx >> 8)}.${idx & 255}`;
    this.#runtime = new ContainerRuntime({
      nodeName: this.nodeName,
      config: this.config.runtime,
      serializeImagePulls: this.config.serializeImagePulls,
      // Replaced by each incarnation's own stream when it boots, before any draw.
      rng: new Rng(0, ['kubelet-not-started']),
    });
    this.#backoff = new CrashLoopBackOff(this.config.crashLoopBackOffInitialMs, this.config.crashLoopBackOffMaxMs);
    this.#lease = new NodeLeaseController({
      client: this.#client,
      nodeName: this.nodeName,
      leaseDurationSeconds: this.config.nodeLeaseDurationSeconds,
      renewIntervalMs: leaseRenewIntervalMs(this.config),
      nodeUid: () => this.#node?.metadata?.uid,
    });
  }

  // --- public surface ---------------------------------------------------------------------------

  /** Where the kubelet is in its life. */
  get state(): KubeletState {
    return this.#state;
  }

  /** The node's InternalIP (every pod's `hostIP`). */
  get hostIP(): string {
    return this.#hostIP;
  }

  /** The current incarnation's number (1 for the first); 0 before `start`. */
  get incarnation(): number {
    return this.#incarnations;
  }

  /** The container runtime model (images, timings), for inspection. */
  get runtime(): ContainerRuntime {
    return this.#runtime;
  }

  /** The current incarnation's pod informer, for fault hooks (`pause`, `interruptWatch`). */
  get podInformer(): SharedInformer<Pod> | undefined {
    return this.#inc?.informer;
  }

  /** The heartbeat lease controller, for inspection. */
  get lease(): NodeLeaseController {
    return this.#lease;
  }

  /** Counters, for tests and benchmarks. */
  stats(): KubeletStats {
    let active = 0;
    for (const rec of this.#pods.values()) if (rec.lifecycle === 'active' || rec.lifecycle === 'terminating') active++;
    return {
      pods: this.#pods.size,
      activePods: active,
      podStatusWrites: this.#podStatusWrites,
      nodeStatusWrites: this.#nodeStatusWrites,
      leaseRenewals: this.#lease.renewals,
      admitted: this.#admitted,
      rejected: this.#rejected,
      containerStarts: this.#containerStarts,
    };
  }

  /** Starts the first incarnation (after `startDelayMs`). A no-op unless the kubelet is new. */
  start(): void {
    if (this.#state !== 'new') return;
    this.#boot(this.#startDelayMs);
  }

  /**
   * Fault KubeletStop: the kubelet process stops. No heartbeats, no status writes, no reaction to
   * pods; the containers keep running (and exiting) as the runtime has them. A no-op unless running.
   */
  stop(): void {
    if (this.#state !== 'running') return;
    this.#teardownIncarnation('kubelet-stop');
    this.#state = 'stopped';
  }

  /**
   * Fault NodeCrash: the node goes down. Every container dies now (exit code 255, reason `Unknown`,
   * as containerd reports them after a reboot), sandboxes and pod IPs are lost, and the kubelet's
   * memory (back-off, probe results) with them. Nothing is written until `restart`.
   */
  crash(): void {
    if (this.#state !== 'running' && this.#state !== 'stopped') return;
    if (this.#state === 'running') this.#teardownIncarnation('node-crash');
    else this.#sim.record(this.name, 'node-crash', {});
    const now = this.#nowForFaults();
    for (const rec of this.#pods.values()) {
      if (rec.lifecycle !== 'active' && rec.lifecycle !== 'terminating') continue;
      for (const c of rec.allContainers) this.#killInstance(c, now, NODE_CRASH_EXIT_CODE, NODE_CRASH_REASON);
      this.#releaseSandbox(rec);
      if (rec.lifecycle === 'terminating') rec.stopDoneAtMs = Math.min(rec.stopDoneAtMs, now);
    }
    this.#backoff.clear();
    this.#lease.reset();
    this.#state = 'crashed';
  }

  /**
   * Starts a new incarnation after `stop` or `crash` (after `delayMs`, default 0): it re-lists its
   * pods and catches up with everything that happened meanwhile. After a crash the node has a new
   * boot ID. A no-op while running.
   */
  restart(delayMs = 0): void {
    if (this.#state === 'running' || this.#state === 'new') return;
    if (this.#state === 'crashed') this.#bootCount++;
    this.#boot(delayMs);
  }

  /**
   * Fault PodCrash: kills the containers of pod `namespace/name` now (SIGKILL, exit code 137); its
   * restart policy decides what follows. Returns whether the kubelet runs that pod.
   */
  crashPod(key: string): boolean {
    const rec = this.#podsByKey.get(key);
    if (rec === undefined || rec.lifecycle !== 'active') return false;
    const now = this.#nowForFaults();
    for (const c of rec.allContainers) this.#killInstance(c, now, SIGKILL_EXIT_CODE, terminatedReason(SIGKILL_EXIT_CODE));
    this.#sim.record(this.name, 'pod-crash', { pod: key });
    if (this.#inc !== undefined && this.#inc.started) this.#scheduleWake(rec, this.#pleg(now));
    return true;
  }

  // --- incarnations -----------------------------------------------------------------------------

  #boot(delayMs: number): void {
    const number = ++this.#incarnations;
    const actor = this.#sim.addActor(this.name, (payload) => this.#handle(inc, payload));
    const host = new RuntimeHost(actor);
    const rng = actor.rng.fork(`incarnation-${number}`);
    const inc: Incarnation = { number, actor, host, rng, informer: undefined, started: false, initialAdds: undefined, resync: undefined };
    this.#inc = inc;
    this.#state = 'running';
    this.#runtime.setRng(rng.fork('runtime'));
    // A new process: what the old one kept in memory is gone.
    this.#lease.reset();
    this.#reportAfterBoot = number > 1;
    actor.setTimer(delayMs, { kind: 'kubelet-start' });
  }

  #teardownIncarnation(kind: string): void {
    const inc = this.#inc;
    if (inc === undefined) return;
    this.#inc = undefined;
    inc.informer?.stop();
    for (const rec of this.#pods.values()) {
      rec.wake = undefined;
      rec.wakeAtMs = NEVER;
    }
    this.#sim.record(this.name, kind, { incarnation: inc.number });
    this.#sim.removeActor(this.name);
  }

  /** The time a fault happens: the simulation's now, read through any actor. */
  #nowForFaults(): number {
    return this.#network.actor.nowMs();
  }

  #handle(inc: Incarnation, payload: SimPayload): void {
    if (this.#inc !== inc) return;
    if (inc.host.dispatch(payload)) return;
    if (!isKubeletPayload(payload)) return;
    switch (payload.kind) {
      case 'kubelet-start':
        this.#onStart(inc);
        return;
      case 'kubelet-node-status':
        this.#syncNodeStatus(inc);
        return;
      case 'kubelet-lease': {
        const delay = this.#lease.sync(inc.actor.nowMs(), inc.rng);
        inc.actor.setTimer(delay, { kind: 'kubelet-lease' });
        return;
      }
      case 'kubelet-pod-sync': {
        const rec = this.#pods.get(payload.uid);
        if (rec === undefined) return;
        rec.wake = undefined;
        rec.wakeAtMs = NEVER;
        this.#syncPod(rec, inc.actor.nowMs());
        return;
      }
      case 'kubelet-status-resync':
        inc.resync = undefined;
        this.#resyncStatuses(inc);
        return;
      default:
        assertNever(payload, 'kubelet payload');
    }
  }

  #onStart(inc: Incarnation): void {
    inc.started = true;
    const now = inc.actor.nowMs();
    inc.actor.trace('kubelet-start', { incarnation: inc.number, boot: this.#bootCount });
    this.#plegPhaseMs = this.config.plegRelistPeriodMs === 0 ? 0 : inc.rng.int(0, this.config.plegRelistPeriodMs - 1);
    // Upstream starts the status loop and the lease controller first, then the pod sources.
    this.#syncNodeStatus(inc);
    const leaseDelay = this.#lease.sync(now, inc.rng);
    inc.actor.setTimer(leaseDelay, { kind: 'kubelet-lease' });
    const informer = new SharedInformer<Pod>({
      host: inc.host,
      network: this.#network,
      client: this.#client,
      kind: 'Pod',
      selection: { fieldSelector: { 'spec.nodeName': this.nodeName } },
      rng: inc.rng.fork('informer/Pod'),
      ...(this.#informerLatency !== undefined ? { latencyMs: this.#informerLatency } : {}),
    });
    inc.informer = informer;
    inc.initialAdds = [];
    informer.addEventHandler({
      onAdd: (pod, initial) => {
        if (initial && inc.initialAdds !== undefined) inc.initialAdds.push(pod);
        else this.#onPodAdd(pod);
      },
      onUpdate: (_old, pod) => this.#onPodUpdate(pod),
      onDelete: (pod) => this.#onPodDelete(pod),
    });
    informer.onSynced(() => this.#onInformerSynced(inc));
    informer.start();
  }

  /**
   * The first list arrived: pods the kubelet knew that are gone were deleted meanwhile; the rest
   * are admitted (new ones, in creation order, as upstream's `HandlePodAdditions` sorts them) or
   * caught up (known ones).
   */
  #onInformerSynced(inc: Incarnation): void {
    const adds = inc.initialAdds ?? [];
    inc.initialAdds = undefined;
    const listed = new Set<string>();
    for (const pod of adds) listed.add(pod.metadata?.uid ?? '');
    for (const rec of [...this.#pods.values()]) if (!listed.has(rec.uid)) this.#forget(rec);
    // Sort keys are computed once per pod, not once per comparison: parsing timestamps inside the
    // comparator dominated a kubelet's start with many pods.
    const ordered = adds.map((pod) => ({
      pod,
      ms: timestampMs(pod.metadata?.creationTimestamp),
      key: `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`,
    }));
    ordered.sort((a, b) => (a.ms !== b.ms ? a.ms - b.ms : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const now = inc.actor.nowMs();
    for (const { pod } of ordered) {
      const rec = this.#pods.get(pod.metadata?.uid ?? '');
      if (rec === undefined) {
        this.#onPodAdd(pod);
        continue;
      }
      rec.pod = pod;
      // The probe workers start over with the new process; results already reached are kept.
      rec.probeWorkersStartMs = now;
      if (rec.lifecycle === 'active' && pod.metadata?.deletionTimestamp !== undefined) this.#beginTermination(rec, now, 'deletion');
      else if (rec.lifecycle === 'active' || rec.lifecycle === 'terminating') this.#scheduleWake(rec, now);
      else if (rec.lifecycle === 'terminated' || rec.lifecycle === 'inactive') this.#maybeDeleteTerminal(rec);
      if (rec.statusDirty) this.#ensureResync();
    }
  }

  // --- node registration and status -------------------------------------------------------------

  /** Upstream `syncNodeStatus`: register if needed, then `updateNodeStatus`; reschedules itself. */
  #syncNodeStatus(inc: Incarnation): void {
    const now = inc.actor.nowMs();
    if (!this.#registered) this.#registerNode(now);
    if (this.#registered) {
      for (let attempt = 0; attempt < NODE_STATUS_UPDATE_RETRY; attempt++) {
        const outcome = this.#tryUpdateNodeStatus(inc, now);
        if (outcome !== 'retry') break;
      }
    }
    const period = this.config.nodeStatusUpdateFrequencyMs;
    inc.actor.setTimer(period + inc.rng.int(0, Math.floor((period * 4) / 100)), { kind: 'kubelet-node-status' });
  }

  /** The machine model, fixed at the first registration (from options, the adopted Node, or defaults). */
  #ensureMachine(existing: DeepReadonly<Node> | undefined): NodeMachine {
    if (this.#machine !== undefined) return this.#machine;
    const given = this.#capacityOverride ?? (existing?.status?.capacity as DeepReadonly<Record<string, string | number>> | undefined);
    const capacity = nodeCapacity(given, this.config.maxPods);
    const existingAllocatable = existing?.status?.allocatable as DeepReadonly<Record<string, string | number>> | undefined;
    // An adopted Node keeps its declared allocatable (manifests describe the cluster the user wants).
    const allocatable =
      this.#capacityOverride === undefined && existingAllocatable !== undefined && Object.keys(existingAllocatable).length > 0
        ? nodeCapacity(existingAllocatable, Number(capacity.pods))
        : allocatableFromCapacity(capacity);
    const podCidr = existing?.spec?.podCIDR;
    const m = podCidr === undefined ? null : /^(\d+)\.(\d+)\.(\d+)\.0\/(\d+)$/.exec(podCidr);
    if (m !== null && Number(m[4]) <= 24) this.#podCidrBase = `${m[1]}.${m[2]}.${m[3]}`;
    this.#machine = { capacity, allocatable, hostIP: this.#hostIP };
    return this.#machine;
  }

  #statusConstants(existing: DeepReadonly<Node> | undefined): NodeStatusConstants {
    const c = this.#constants;
    if (c !== undefined && this.#constantsBoot === this.#bootCount) return c;
    this.#constants = nodeStatusConstants(
      this.nodeName,
      this.#ensureMachine(existing),
      { kubeletVersion: this.config.kubeletVersion, runtimeVersion: this.config.runtime.runtimeVersion },
      this.#bootCount,
    );
    this.#constantsBoot = this.#bootCount;
    return this.#constants;
  }

  /** Upstream `registerWithAPIServer`: create the Node, or adopt the existing one. */
  #registerNode(now: number): void {
    const got = this.#client.get<Node>({ apiVersion: 'v1', kind: 'Node', name: this.nodeName });
    if (got.ok) {
      this.#adoptNode(got.value);
      return;
    }
    if (!isNotFound(got)) return;
    const constants = this.#statusConstants(undefined);
    const status = buildNodeStatus(undefined, constants, this.#runtime.statusImages(now, this.config.nodeStatusMaxImages), now);
    const node = initialNode(this.nodeName, this.config.nodeLabels, this.config.registerWithTaints, status);
    const created = this.#client.create<Node>(node);
    if (created.ok) {
      this.#node = created.value;
      this.#registered = true;
      // The created Node carries a full status: that counts as the first report.
      this.#lastStatusReportMs = now;
      this.#delayAfterChangeMs = this.#reportDelay();
      this.#nodeStatusWrites++;
      this.#inc?.actor.trace('node-registered', { node: this.nodeName });
      return;
    }
    if (isAlreadyExists(created)) {
      const again = this.#client.get<Node>({ apiVersion: 'v1', kind: 'Node', name: this.nodeName });
      if (again.ok) this.#adoptNode(again.value);
    }
  }

  #adoptNode(node: DeepReadonly<Node>): void {
    this.#statusConstants(node);
    const meta = reconcileExistingNodeMeta(node);
    if (meta !== undefined) {
      const updated = this.#client.update<Node>({ ...node, metadata: { ...node.metadata, labels: meta.labels, annotations: meta.annotations } });
      if (!updated.ok) return;
      node = updated.value;
    }
    this.#node = node;
    this.#registered = true;
    this.#inc?.actor.trace('node-adopted', { node: this.nodeName });
  }

  /** Upstream `calculateDelay`: uniform in ±50 % of the report frequency. */
  #reportDelay(): number {
    const f = this.config.nodeStatusReportFrequencyMs;
    const rng = this.#inc?.rng;
    if (rng === undefined) return 0;
    return rng.int(0, f) - Math.floor(f / 2);
  }

  /** Upstream `tryUpdateNodeStatus`: write when changed or when the report period expired. */
  #tryUpdateNodeStatus(inc: Incarnation, now: number): 'done' | 'retry' | 'failed' {
    const got = this.#client.get<Node>({ apiVersion: 'v1', kind: 'Node', name: this.nodeName });
    if (!got.ok) {
      if (isNotFound(got)) {
        // The Node was deleted: register again on the next round, as upstream re-registers.
        this.#registered = false;
        this.#node = undefined;
      }
      return 'failed';
    }
    const original = got.value;
    this.#node = original;
    const constants = this.#statusConstants(original);
    const status = buildNodeStatus(original.status, constants, this.#runtime.statusImages(now, this.config.nodeStatusMaxImages), now);
    const changed = nodeStatusHasChanged(original.status, status) || this.#reportAfterBoot;
    const expired = this.#lastStatusReportMs !== undefined && now - this.#lastStatusReportMs >= this.config.nodeStatusReportFrequencyMs + this.#delayAfterChangeMs;
    if (!changed && !expired) return 'done';
    this.#delayAfterChangeMs = changed ? this.#reportDelay() : 0;
    const res = this.#client.updateStatus<Node>({ ...original, status });
    if (!res.ok) return isConflict(res) ? 'retry' : 'failed';
    this.#node = res.value;
    this.#lastStatusReportMs = now;
    this.#reportAfterBoot = false;
    this.#nodeStatusWrites++;
    inc.actor.trace('node-status', { changed });
    return 'done';
  }

  /** Upstream `getNodeAnyWay`'s fallback: the Node the kubelet would register, when it has not read one. */
  #fallbackNode(now: number): DeepReadonly<Node> {
    const status = buildNodeStatus(undefined, this.#statusConstants(undefined), [], now);
    return initialNode(this.nodeName, this.config.nodeLabels, this.config.registerWithTaints, status);
  }

  /** The node's allocatable as a vector: the API Node's when known, else the machine's. */
  #allocatableVector(): ResourceVector {
    const source = this.#node?.status?.allocatable ?? this.#machine?.allocatable;
    if (this.#allocatable === undefined || source !== this.#allocatableSource) {
      this.#allocatable = resourceVectorFromList(source as Readonly<Record<string, string>> | undefined);
      this.#allocatableSource = source;
    }
    return this.#allocatable;
  }

  // --- pod events -------------------------------------------------------------------------------

  #onPodAdd(pod: DeepReadonly<Pod>): void {
    const uid = pod.metadata?.uid ?? '';
    const existing = this.#pods.get(uid);
    if (existing !== undefined) {
      this.#onPodUpdate(pod);
      return;
    }
    const inc = this.#inc;
    if (inc === undefined) return;
    const now = inc.actor.nowMs();
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const rec = this.#newRecord(pod, now);
    this.#pods.set(uid, rec);
    this.#podsByKey.set(rec.key, rec);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      // Already terminal: nothing to run; only a pending deletion to complete.
      rec.lifecycle = 'inactive';
      this.#maybeDeleteTerminal(rec);
      return;
    }
    if (pod.metadata?.deletionTimestamp !== undefined) {
      // Deleted before the kubelet ran it: nothing to stop.
      rec.lifecycle = 'active';
      this.#beginTermination(rec, now, 'deletion');
      return;
    }
    // Upstream re-fetches the Node when node affinity alone fails; a fresh read serves both.
    const fresh = this.#client.get<Node>({ apiVersion: 'v1', kind: 'Node', name: this.nodeName });
    if (fresh.ok) this.#node = fresh.value;
    const node = this.#node ?? this.#fallbackNode(now);
    const result = admitPod(pod, node, this.#allocatableVector(), { requested: this.#requested, podCount: this.#podCount, usedPorts: this.#usedPorts }, rec.requests);
    if (!result.admit) {
      this.#rejected++;
      rec.lifecycle = 'inactive';
      const message = `${REJECTED_MESSAGE_PREFIX}${result.message}`;
      this.#event(rec, undefined, result.reason, message);
      this.#writeRejected(rec, result.reason, message, now);
      return;
    }
    this.#admitted++;
    rec.lifecycle = 'active';
    this.#account(rec);
    inc.actor.trace('pod-admitted', { pod: `${namespace}/${name}` });
    this.#syncPod(rec, now);
  }

  #onPodUpdate(pod: DeepReadonly<Pod>): void {
    const rec = this.#pods.get(pod.metadata?.uid ?? '');
    if (rec === undefined) {
      this.#onPodAdd(pod);
      return;
    }
    const before = rec.pod;
    rec.pod = pod;
    const inc = this.#inc;
    if (inc === undefined) return;
    const now = inc.actor.nowMs();
    const deleting = pod.metadata?.deletionTimestamp !== undefined;
    switch (rec.lifecycle) {
      case 'active':
        if (deleting) this.#beginTermination(rec, now, 'deletion');
        else if ((pod.spec?.readinessGates ?? []).length > 0 && !deepEqual(before.status?.conditions, pod.status?.conditions)) this.#writeStatus(rec, now);
        else if (rec.lastSent !== undefined && !rec.statusDirty && !deepEqual(pod.status, rec.lastSent)) {
          // Someone else changed the status (the node lifecycle controller marking the pod not
          // ready while the node was unreachable, say). Upstream's status manager notices the
          // difference in its periodic sync and writes the kubelet's view back.
          rec.statusDirty = true;
          this.#ensureResync();
        }
        return;
      case 'terminating':
        return;
      case 'terminated':
      case 'inactive':
        if (deleting) this.#maybeDeleteTerminal(rec);
        return;
      default:
        assertNever(rec.lifecycle, 'pod lifecycle');
    }
  }

  /** The pod is gone from the API (deleted with grace 0, or by the kubelet itself). */
  #onPodDelete(pod: DeepReadonly<Pod>): void {
    const rec = this.#pods.get(pod.metadata?.uid ?? '');
    if (rec !== undefined) this.#forget(rec);
  }

  /** Drops a pod: kills what still runs (no status to write: the object is gone) and frees its resources. */
  #forget(rec: PodRecord): void {
    const now = this.#inc?.actor.nowMs() ?? this.#nowForFaults();
    if (rec.lifecycle === 'active' || rec.lifecycle === 'terminating') {
      for (const c of rec.allContainers) this.#killInstance(c, now, SIGKILL_EXIT_CODE, terminatedReason(SIGKILL_EXIT_CODE));
    }
    this.#unaccount(rec);
    this.#releaseSandbox(rec);
    if (rec.wake !== undefined) this.#inc?.actor.cancelTimer(rec.wake);
    for (const c of rec.allContainers) this.#backoff.delete(c.backoffKey);
    this.#pods.delete(rec.uid);
    if (this.#podsByKey.get(rec.key) === rec) this.#podsByKey.delete(rec.key);
  }

  #newRecord(pod: DeepReadonly<Pod>, now: number): PodRecord {
    const uid = pod.metadata?.uid ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const initContainers = (pod.spec?.initContainers ?? []).map((c) =>
      newContainerRecord(uid, c as DeepReadonly<Container>, isRestartableInitContainer(c as DeepReadonly<Container>) ? 'sidecar' : 'init'),
    );
    const containers = (pod.spec?.containers ?? []).map((c) => newContainerRecord(uid, c as DeepReadonly<Container>, 'regular'));
    let requests: ResourceVector;
    try {
      requests = podRequests(pod);
    } catch {
      // An unparsable amount cannot pass the API server; count it as nothing.
      requests = emptyResourceVector();
    }
    return {
      uid,
      namespace,
      name,
      key: `${namespace}/${name}`,
      pod,
      lifecycle: 'inactive',
      requests,
      accounted: false,
      initContainers,
      containers,
      allContainers: initContainers.length === 0 ? containers : [...initContainers, ...containers],
      admittedAtMs: now,
      probeWorkersStartMs: now,
      sandboxCreated: false,
      sandboxReadyAtMs: NEVER,
      sandboxes: 0,
      sandboxSeen: false,
      podIP: undefined,
      initDone: initContainers.length === 0,
      podHasInitialized: false,
      stopDoneAtMs: NEVER,
      terminationCause: undefined,
      lastSent: undefined,
      statusDirty: false,
      deletePending: false,
      deleteSent: false,
      wake: undefined,
      wakeAtMs: NEVER,
    };
  }

  #account(rec: PodRecord): void {
    if (rec.accounted) return;
    rec.accounted = true;
    addResourceVectors(this.#requested, rec.requests);
    this.#podCount++;
    for (const hp of podHostPorts(rec.pod)) this.#usedPorts.add(hp.ip, hp.protocol, hp.port);
  }

  #unaccount(rec: PodRecord): void {
    if (!rec.accounted) return;
    rec.accounted = false;
    subtractResourceVectors(this.#requested, rec.requests);
    this.#podCount--;
    for (const hp of podHostPorts(rec.pod)) this.#usedPorts.remove(hp.ip, hp.protocol, hp.port);
  }

  // --- the pod worker ---------------------------------------------------------------------------

  /** The first PLEG relist at or after `t`: when the kubelet notices a container change at `t`. */
  #pleg(t: number): number {
    const period = this.config.plegRelistPeriodMs;
    if (period === 0 || !Number.isFinite(t)) return t;
    const phase = this.#plegPhaseMs;
    if (t <= phase) return phase;
    return phase + Math.ceil((t - phase) / period) * period;
  }

  #scheduleWake(rec: PodRecord, atMs: number): void {
    const inc = this.#inc;
    if (inc === undefined || !inc.started || !Number.isFinite(atMs)) return;
    const now = inc.actor.nowMs();
    const at = Math.max(atMs, now);
    if (rec.wake !== undefined) {
      if (rec.wakeAtMs <= at) return;
      inc.actor.cancelTimer(rec.wake);
    }
    rec.wakeAtMs = at;
    rec.wake = inc.actor.setTimer(at - now, { kind: 'kubelet-pod-sync', uid: rec.uid, pod: rec.key });
  }

  /** One pod worker round at `now`: observe, act, write the status, and wait for the next change. */
  #syncPod(rec: PodRecord, now: number): void {
    switch (rec.lifecycle) {
      case 'inactive':
      case 'terminated':
        return;
      case 'terminating':
        this.#observe(rec, now);
        if (now >= rec.stopDoneAtMs) this.#finishTermination(rec, now);
        else this.#scheduleWake(rec, rec.stopDoneAtMs);
        return;
      case 'active':
        this.#observe(rec, now);
        this.#act(rec, now);
        if (rec.lifecycle !== 'active') return;
        this.#writeStatus(rec, now);
        this.#scheduleWake(rec, this.#nextWake(rec));
        return;
      default:
        assertNever(rec.lifecycle, 'pod lifecycle');
    }
  }

  /** Applies what the PLEG and the probes have seen by `now`. */
  #observe(rec: PodRecord, now: number): void {
    for (const c of rec.allContainers) {
      if (c.instance === 'starting' && c.startAtMs <= now) c.instance = 'running';
      if (c.instance === 'running' && c.exitAtMs <= now) c.instance = 'exited';
      if (c.observedInstance !== c.instances && (c.instance === 'running' || c.instance === 'exited') && this.#pleg(c.startAtMs) <= now) {
        this.#observeNewInstance(rec, c, now);
      }
      if (c.observedInstance === c.instances && c.instance === 'exited' && c.lastTerminatedInstance !== c.instances && this.#pleg(c.exitAtMs) <= now) {
        this.#observeExit(rec, c);
      }
      if (c.observedInstance === c.instances && c.instance === 'running') {
        if (!c.started && c.startedAtMsProbe <= now) {
          c.started = true;
          if (c.kind === 'sidecar') c.initDone = true;
          this.#computeReadiness(rec, c, now);
        }
        if (c.started && !c.ready && c.readyAtMs <= now) c.ready = true;
      }
    }
  }

  #observeNewInstance(rec: PodRecord, c: ContainerRecord, now: number): void {
    c.observedInstance = c.instances;
    c.waiting = undefined;
    rec.sandboxSeen = true;
    c.image = this.#runtime.statusImage(c.spec.image ?? '');
    c.imageID = this.#runtime.imageId(c.spec.image ?? '');
    c.ready = false;
    c.started = false;
    if (c.kind === 'regular') {
      rec.podHasInitialized = true;
      rec.initDone = true;
    }
    this.#event(rec, c, 'Started', undefined);
    if (c.kind === 'init') return;
    const startup = c.spec.startupProbe;
    c.startedAtMsProbe = startup === undefined ? now : probeSuccessAtMs(startup, rec.probeWorkersStartMs, c.startAtMs, now, now);
    c.readyAtMs = NEVER;
    if (c.startedAtMsProbe <= now) {
      c.started = true;
      if (c.kind === 'sidecar') c.initDone = true;
      this.#computeReadiness(rec, c, now);
      if (c.readyAtMs <= now) c.ready = true;
    }
  }

  #computeReadiness(rec: PodRecord, c: ContainerRecord, now: number): void {
    const probe = c.spec.readinessProbe;
    c.readyAtMs =
      probe === undefined
        ? now + this.#runtime.draw(this.config.runtime.readyDelayWithoutProbeMs)
        : probeSuccessAtMs(probe, rec.probeWorkersStartMs, c.startAtMs, this.#pleg(c.startAtMs), c.startedAtMsProbe);
  }

  #observeExit(rec: PodRecord, c: ContainerRecord): void {
    c.lastTerminatedInstance = c.instances;
    c.prevTerminated = c.lastTerminated;
    c.lastTerminated = terminatedViewOf(c);
    c.ready = c.kind === 'init' && c.exitCode === 0;
    c.started = false;
    if (c.kind === 'init' && c.exitCode === 0) c.initDone = true;
    if (c.kind === 'sidecar') c.initDone = false;
    if (c.exitCode !== 0) this.#event(rec, c, 'Died', `Container ${c.name} exited with code ${c.exitCode}`);
  }

  /** Upstream `computePodActions` + `SyncPod`: sandbox, init containers, containers, restarts, completion. */
  #act(rec: PodRecord, now: number): void {
    const policy = rec.pod.spec?.restartPolicy ?? 'Always';
    if (!rec.sandboxCreated) {
      const recreated = rec.sandboxes > 0;
      if (recreated && policy === 'Never' && rec.containers.some((c) => c.instances > 0)) {
        // A Never pod whose sandbox is gone is not started again (upstream computePodActions).
        this.#beginTermination(rec, now, 'completion');
        return;
      }
      this.#createSandbox(rec, now);
      if (recreated) {
        rec.initDone = rec.initContainers.length === 0;
        for (const c of rec.initContainers) c.initDone = false;
      }
    }
    const toStart: ContainerRecord[] = [];
    if (!rec.initDone) {
      for (const c of rec.initContainers) {
        if (c.initDone) continue;
        if (c.waiting !== undefined && !inCrashLoopBackOff(c)) break;
        if (c.instance === 'exited' && c.lastTerminatedInstance === c.instances) {
          if (c.kind === 'init' && c.exitCode === 0) {
            // It completed in an earlier sandbox: a new sandbox runs every init container again.
            toStart.push(c);
          } else if (c.kind === 'init' && policy === 'Never') {
            this.#beginTermination(rec, now, 'completion');
            return;
          } else {
            this.#restartWithBackOff(rec, c, now, toStart);
          }
        } else if (c.instance === 'none') {
          toStart.push(c);
        }
        // Running, starting, or waiting: the next init container waits for this one.
        break;
      }
      if (rec.initContainers.every((c) => c.initDone)) rec.initDone = true;
    }
    if (rec.initDone) {
      for (const c of rec.initContainers) {
        if (c.kind === 'sidecar' && c.instance === 'exited' && c.lastTerminatedInstance === c.instances) this.#restartWithBackOff(rec, c, now, toStart);
        if (c.kind === 'sidecar' && c.instance === 'none') toStart.push(c);
      }
      for (const c of rec.containers) {
        if (c.instance === 'none' && c.waiting === undefined) toStart.push(c);
        else if (c.instance === 'exited' && c.lastTerminatedInstance === c.instances && this.#shouldRestart(policy, c)) this.#restartWithBackOff(rec, c, now, toStart);
      }
    }
    if (toStart.length > 0) this.#startContainers(rec, toStart, now);
    if (rec.initDone && rec.containers.length > 0 && rec.containers.every((c) => this.#done(policy, c))) {
      this.#beginTermination(rec, now, 'completion');
    }
  }

  /** Whether a regular container has exited for good (observed, and its policy does not restart it). */
  #done(policy: string, c: ContainerRecord): boolean {
    return c.instance === 'exited' && c.lastTerminatedInstance === c.instances && !this.#shouldRestart(policy, c);
  }

  #shouldRestart(policy: string, c: ContainerRecord): boolean {
    if (c.kind === 'sidecar') return true;
    if (c.kind === 'init') return policy !== 'Never' && c.exitCode !== 0;
    return policy === 'Always' || (policy === 'OnFailure' && c.exitCode !== 0);
  }

  /**
   * Upstream `doBackOff`: restart now if the container is not in back-off (recording `Next`), or
   * wait in CrashLoopBackOff until the back-off since its exit has passed.
   */
  #restartWithBackOff(rec: PodRecord, c: ContainerRecord, now: number, toStart: ContainerRecord[]): void {
    const finishedAt = c.exitAtMs;
    if (this.#backoff.isInBackOffSince(c.backoffKey, finishedAt, now)) {
      const endsAt = this.#backoff.backOffEndMs(c.backoffKey, finishedAt);
      if (c.restartAtMs !== endsAt) {
        c.restartAtMs = endsAt;
        const message = `back-off ${formatGoDuration(this.#backoff.get(c.backoffKey))} restarting failed container=${c.name} pod=${formatPod(rec)}`;
        c.waiting = { reason: REASON_CRASH_LOOP_BACK_OFF, message };
        this.#event(rec, c, 'BackOff', `Back-off restarting failed container ${c.name} in pod ${formatPod(rec)}`);
      }
      return;
    }
    this.#backoff.next(c.backoffKey, finishedAt, now);
    c.restartAtMs = NEVER;
    c.waiting = undefined;
    toStart.push(c);
  }

  #createSandbox(rec: PodRecord, now: number): void {
    rec.sandboxCreated = true;
    rec.sandboxSeen = false;
    rec.sandboxes++;
    rec.sandboxReadyAtMs = now + this.#runtime.sandboxCreateMs();
    rec.podIP = this.#allocateIp(rec);
  }

  #releaseSandbox(rec: PodRecord): void {
    if (!rec.sandboxCreated) return;
    rec.sandboxCreated = false;
    rec.sandboxSeen = false;
    rec.sandboxReadyAtMs = NEVER;
    if (rec.podIP !== undefined && rec.podIP !== this.#hostIP) this.#ipsInUse.delete(rec.podIP);
  }

  /** The next free address of the node's pod CIDR (host-local IPAM hands addresses out round robin). */
  #allocateIp(rec: PodRecord): string {
    if (rec.pod.spec?.hostNetwork === true) return this.#hostIP;
    for (let i = 0; i < 253; i++) {
      const host = (this.#ipNext % 253) + 2;
      this.#ipNext++;
      const ip = `${this.#podCidrBase}.${host}`;
      if (!this.#ipsInUse.has(ip)) {
        this.#ipsInUse.add(ip);
        return ip;
      }
    }
    // More than 253 live sandboxes on one node cannot happen below maxPods 253; share rather than fail.
    return `${this.#podCidrBase}.${(this.#ipNext % 253) + 2}`;
  }

  /**
   * Upstream `SyncPod`'s start loop: after the sandbox is ready, each container in turn has its
   * image ensured (serialized pulls) and is created and started; each start draws its behaviour.
   */
  #startContainers(rec: PodRecord, list: readonly ContainerRecord[], now: number): void {
    let t = Math.max(now, rec.sandboxReadyAtMs);
    const policy = (rec.pod.spec?.restartPolicy ?? 'Always') as 'Always' | 'OnFailure' | 'Never';
    for (const c of list) {
      const image = c.spec.image ?? '';
      const ensured = this.#runtime.ensureImage(image, effectivePullPolicy(c.spec), t);
      if (!ensured.ok) {
        c.waiting = { reason: ensured.reason, message: ensured.message };
        this.#event(rec, c, 'Failed', ensured.message);
        continue;
      }
      // Routine events carry no message (upstream's: `Pulling image "x"`, `Container image "x" already
      // present on machine`, `Started container c`): they are the bulk of the trace.
      this.#event(rec, c, ensured.pulled ? 'Pulling' : 'Pulled', undefined);
      t = ensured.readyAtMs + this.#runtime.containerStartMs();
      const behavior = this.#runtime.decideBehavior({
        namespace: rec.namespace,
        podName: rec.name,
        containerName: c.name,
        containerKind: c.kind,
        restartPolicy: policy,
        restartCount: c.instances,
        annotations: rec.pod.metadata?.annotations ?? {},
      });
      c.instances++;
      this.#containerStarts++;
      c.instance = 'starting';
      c.startAtMs = t;
      c.containerID = this.#runtime.newContainerId();
      c.startedAtMsProbe = NEVER;
      c.readyAtMs = NEVER;
      c.restartAtMs = NEVER;
      c.waiting = undefined;
      if (behavior.kind === 'exit') {
        c.exitAtMs = t + behavior.runForMs;
        c.exitCode = behavior.exitCode;
        c.exitReason = terminatedReason(behavior.exitCode);
      } else {
        c.exitAtMs = NEVER;
        c.exitCode = 0;
        c.exitReason = '';
      }
    }
  }

  /** The earliest time something about the pod can next be observed or done. */
  #nextWake(rec: PodRecord): number {
    let next = NEVER;
    for (const c of rec.allContainers) {
      if (c.observedInstance !== c.instances && (c.instance === 'starting' || c.instance === 'running' || c.instance === 'exited')) {
        next = Math.min(next, this.#pleg(c.startAtMs));
      }
      if ((c.instance === 'starting' || c.instance === 'running') && Number.isFinite(c.exitAtMs)) next = Math.min(next, this.#pleg(c.exitAtMs));
      if (c.instance === 'exited' && c.lastTerminatedInstance !== c.instances) next = Math.min(next, this.#pleg(c.exitAtMs));
      if (c.observedInstance === c.instances && c.instance === 'running') {
        if (!c.started) next = Math.min(next, c.startedAtMsProbe);
        else if (!c.ready) next = Math.min(next, c.readyAtMs);
      }
      if (c.waiting !== undefined && Number.isFinite(c.restartAtMs)) next = Math.min(next, c.restartAtMs);
    }
    return next;
  }

  /**
   * Kills the current instance of `c` at `now` (a crash, a node crash, a forced removal): a
   * running instance exits now with `exitCode`; one that has not started yet never runs.
   */
  #killInstance(c: ContainerRecord, now: number, exitCode: number, reason: string): void {
    if (c.instance === 'starting' && c.startAtMs > now) {
      this.#cancelStart(c);
      return;
    }
    if ((c.instance === 'starting' || c.instance === 'running') && c.exitAtMs > now) {
      c.instance = 'running';
      c.exitAtMs = now;
      c.exitCode = exitCode;
      c.exitReason = reason;
    }
  }

  /** A container creation that had not completed: it never runs; the previous instance stays the last one. */
  #cancelStart(c: ContainerRecord): void {
    c.instances--;
    if (c.instances === 0) {
      c.instance = 'none';
      c.startAtMs = NEVER;
      c.exitAtMs = NEVER;
      c.containerID = undefined;
    } else {
      // Restore the previous (exited, observed) instance's numbers from its terminated view.
      const last = c.lastTerminated;
      c.instance = 'exited';
      c.startAtMs = last?.startedAtMs ?? c.startAtMs;
      c.exitAtMs = last?.finishedAtMs ?? c.startAtMs;
      c.exitCode = last?.exitCode ?? 0;
      c.exitReason = last?.reason ?? '';
      c.containerID = last?.containerID;
    }
  }

  /**
   * Starts stopping the pod's containers (upstream `killPod`): each running container gets SIGTERM
   * and exits after its drawn stop time, or is killed when the grace period (at least 2 s) runs
   * out; containers not started yet never start. Deletion uses the deletion grace period, else
   * `terminationGracePeriodSeconds` (30 s by default).
   */
  #beginTermination(rec: PodRecord, now: number, cause: 'deletion' | 'completion'): void {
    if (rec.lifecycle !== 'active') return;
    rec.lifecycle = 'terminating';
    rec.terminationCause = cause;
    const spec = rec.pod.spec;
    const graceSeconds =
      cause === 'deletion' ? (rec.pod.metadata?.deletionGracePeriodSeconds ?? spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) : (spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS);
    const graceMs = Math.max(graceSeconds * 1000, MINIMUM_GRACE_MS);
    let doneAt = now;
    for (const c of rec.allContainers) {
      c.restartAtMs = NEVER;
      if (c.instance === 'starting' && c.startAtMs > now) {
        this.#cancelStart(c);
        continue;
      }
      if ((c.instance === 'starting' || c.instance === 'running') && c.exitAtMs > now) {
        c.instance = 'running';
        const stop = this.#runtime.stopDuration(graceMs);
        const stopAt = now + stop.durationMs;
        if (c.exitAtMs > stopAt) {
          c.exitAtMs = stopAt;
          c.exitCode = stop.exitCode;
          c.exitReason = terminatedReason(stop.exitCode);
        }
        this.#event(rec, c, 'Killing', `Stopping container ${c.name}`);
      }
      if (c.instance === 'running' && c.exitAtMs > doneAt) doneAt = c.exitAtMs;
    }
    rec.stopDoneAtMs = doneAt;
    if (doneAt <= now) this.#finishTermination(rec, now);
    else this.#scheduleWake(rec, doneAt);
  }

  /**
   * Every container has stopped: the final status (terminal phase), resources freed, and for a
   * deleted pod the final deletion with grace 0 and a uid precondition (upstream status manager's
   * `canBeDeleted` path).
   */
  #finishTermination(rec: PodRecord, now: number): void {
    for (const c of rec.allContainers) {
      if (c.instance === 'starting' || c.instance === 'running') c.instance = 'exited';
      if (c.instance === 'exited') {
        if (c.observedInstance !== c.instances) {
          c.observedInstance = c.instances;
          c.image = this.#runtime.statusImage(c.spec.image ?? '');
          c.imageID = this.#runtime.imageId(c.spec.image ?? '');
        }
        if (c.lastTerminatedInstance !== c.instances) this.#observeExit(rec, c);
        c.waiting = undefined;
      } else if (c.instance === 'none' && c.lastTerminated === undefined) {
        // Never created: upstream reports it as lost with the pod.
        c.lastTerminated = { kind: 'terminated', exitCode: SIGKILL_EXIT_CODE, reason: REASON_CONTAINER_STATUS_UNKNOWN, message: 'The container could not be located when the pod was terminated' };
        c.waiting = undefined;
      }
      c.ready = false;
      c.started = false;
    }
    rec.lifecycle = 'terminated';
    this.#unaccount(rec);
    this.#releaseSandbox(rec);
    this.#inc?.actor.trace('pod-terminated', { pod: rec.key, cause: rec.terminationCause });
    this.#writeStatus(rec, now);
    this.#maybeDeleteTerminal(rec);
  }

  /** A terminal pod marked for deletion is deleted with grace 0 (upstream status manager). */
  #maybeDeleteTerminal(rec: PodRecord): void {
    if (rec.pod.metadata?.deletionTimestamp === undefined || rec.deleteSent) return;
    const res = this.#client.delete({ apiVersion: 'v1', kind: 'Pod', namespace: rec.namespace, name: rec.name }, { gracePeriodSeconds: 0, preconditions: { uid: rec.uid } });
    if (res.ok || isNotFound(res) || isConflict(res)) {
      rec.deletePending = false;
      rec.deleteSent = true;
      if (res.ok) this.#inc?.actor.trace('pod-deleted', { pod: rec.key });
      return;
    }
    rec.deletePending = true;
    this.#ensureResync();
  }

  // --- status writes ----------------------------------------------------------------------------

  /**
   * Upstream status manager `syncPod`: read the pod, merge the kubelet's status into it, write it
   * if it changed. A failed write is retried by the resync; a pod that is gone or was recreated
   * (different uid) is left alone.
   */
  #writeStatus(rec: PodRecord, now: number): void {
    const got = this.#client.get<Pod>({ apiVersion: 'v1', kind: 'Pod', namespace: rec.namespace, name: rec.name });
    if (!got.ok) {
      if (!isNotFound(got)) {
        rec.statusDirty = true;
        this.#ensureResync();
      }
      return;
    }
    const api = got.value;
    if (api.metadata?.uid !== rec.uid) return;
    const apiPhase = api.status?.phase;
    if ((apiPhase === 'Succeeded' || apiPhase === 'Failed') && rec.lifecycle !== 'terminated') {
      // A terminal phase in the API never goes back (upstream refuses that transition).
      rec.statusDirty = false;
      return;
    }
    const hasInit = rec.initContainers.length > 0;
    const status = buildPodStatus({
      pod: api,
      initStatuses: rec.initContainers.map((c) => containerStatusView(c, hasInit)),
      statuses: rec.containers.map((c) => containerStatusView(c, hasInit)),
      sandboxReady: rec.sandboxSeen,
      podIsTerminal: rec.lifecycle === 'terminated',
      podHasInitialized: rec.podHasInitialized,
      hostIP: this.#hostIP,
      podIP: rec.sandboxSeen ? rec.podIP : rec.lastSent?.podIP,
      startTimeMs: rec.admittedAtMs,
      previous: rec.lastSent ?? api.status,
      nowMs: now,
    });
    if (deepEqual(status, api.status)) {
      rec.lastSent = status;
      rec.statusDirty = false;
      return;
    }
    this.#sendStatus(rec, api, status);
  }

  #writeRejected(rec: PodRecord, reason: string, message: string, now: number): void {
    const got = this.#client.get<Pod>({ apiVersion: 'v1', kind: 'Pod', namespace: rec.namespace, name: rec.name });
    if (!got.ok) {
      if (!isNotFound(got)) {
        rec.statusDirty = true;
        rec.lastSent = buildRejectedPodStatus(rec.pod, reason, message, now);
        this.#ensureResync();
      }
      return;
    }
    if (got.value.metadata?.uid !== rec.uid) return;
    this.#sendStatus(rec, got.value, buildRejectedPodStatus(got.value, reason, message, now));
  }

  #sendStatus(rec: PodRecord, api: DeepReadonly<Pod>, status: DeepReadonly<PodStatus>): void {
    const res = this.#client.updateStatus<Pod>({ ...api, status });
    if (!res.ok) {
      rec.statusDirty = true;
      this.#ensureResync();
      return;
    }
    this.#podStatusWrites++;
    rec.lastSent = res.value.status;
    rec.statusDirty = false;
  }

  #ensureResync(): void {
    const inc = this.#inc;
    if (inc === undefined || inc.resync !== undefined) return;
    inc.resync = inc.actor.setTimer(this.config.statusSyncPeriodMs, { kind: 'kubelet-status-resync' });
  }

  /** Upstream status manager `syncBatch`: retry failed writes and deletions. */
  #resyncStatuses(inc: Incarnation): void {
    const now = inc.actor.nowMs();
    for (const rec of this.#pods.values()) {
      if (rec.statusDirty) {
        rec.statusDirty = false;
        if (rec.lifecycle === 'inactive' && rec.lastSent !== undefined && rec.lastSent.phase === 'Failed') {
          this.#writeRejected(rec, rec.lastSent.reason ?? '', rec.lastSent.message ?? '', now);
        } else {
          this.#writeStatus(rec, now);
        }
      }
      if (rec.deletePending) this.#maybeDeleteTerminal(rec);
    }
  }

  // --- events -----------------------------------------------------------------------------------

  /** Records a pod event (upstream `recorder.Eventf`) in the trace. */
  #event(rec: PodRecord, c: ContainerRecord | undefined, reason: string, message: string | undefined): void {
    const actor = this.#inc?.actor;
    if (actor === undefined) return;
    actor.trace('pod-event', { pod: rec.key, container: c?.name, reason, message });
  }
}
