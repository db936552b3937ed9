/**
 * The resource-allocation scorer shared by NodeResourcesFit's scoring strategies and by
 * NodeResourcesBalancedAllocation, with the per-strategy formulas.
 *
 * Mirrors upstream `pkg/scheduler/framework/plugins/noderesources/resource_allocation.go`
 * (`resourceAllocationScorer`), `least_allocated.go`, `most_allocated.go`,
 * `requested_to_capacity_ratio.go`, `balanced_allocation.go` (`balancedResourceScorer`) and
 * `pkg/scheduler/framework/plugins/helper/shape_score.go` (`BuildBrokenLinearFunction`), v1.35.
 *
 * Every formula keeps upstream's int64 arithmetic: integer division truncates toward zero, and the
 * only floats are RequestedToCapacityRatio's final `math.Round` and BalancedAllocation's standard
 * deviation, exactly where upstream uses float64. Products such as `requested · 100` stay exact: they
 * are computed in doubles while they are below 2^53 and in `bigint` beyond (a node with more than
 * about 90 TB of a resource), so no result depends on double rounding.
 *
 * The scorer is built for the scheduler's hot loop: the per-pod requests are computed once (at
 * PreScore), and `score` fills two scratch arrays owned by the scorer instead of allocating per node.
 * That is safe because the simulation is synchronous and a scorer belongs to one plugin instance.
 */
import {
  DefaultMemoryRequest,
  DefaultMilliCPURequest,
  MAX_CUSTOM_PRIORITY_SCORE,
  MAX_NODE_SCORE,
  Quantity,
  ResourceCPU,
  ResourceEphemeralStorage,
  ResourceMemory,
  isScalarResourceName,
  podRequestQuantities,
  type DeepReadonly,
  type NodeInfo,
  type Pod,
  type ResourceSpec,
  type UtilizationShapePoint,
} from 'kubeprop';

/** Upstream `maxUtilization`: the top of the utilization axis of RequestedToCapacityRatio. */
export const MAX_UTILIZATION = 100;

/**
 * A scoring function over one node: `requested[i]` and `allocatable[i]` per configured resource, in
 * configuration order; a resource the scorer must ignore has `allocatable[i] === 0` (upstream's
 * `scorer func(requested, allocable []int64) int64`). Returns the raw node score.
 */
export type ResourceScorerFn = (requested: ArrayLike<number>, allocatable: ArrayLike<number>) => number;

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/** A bigint as a number, clamped to ±`Number.MAX_SAFE_INTEGER` like the core resource vectors. */
export function toSafeInteger(v: bigint): number {
  if (v > MAX_SAFE_BIG) return Number.MAX_SAFE_INTEGER;
  if (v < -MAX_SAFE_BIG) return -Number.MAX_SAFE_INTEGER;
  return Number(v);
}

/** The largest value whose product with 100 is still below 2^53. */
const MUL100_SAFE = Math.floor(Number.MAX_SAFE_INTEGER / 100);

/**
 * `a · 100 / b` with Go's int64 semantics (truncation toward zero) for integers `a ≥ 0`, `b > 0`.
 * Below 2^53 the double quotient of two exact integers never rounds across an integer boundary, so
 * `Math.trunc` is exact there; larger products go through `bigint`.
 */
export function mulDiv100(a: number, b: number): number {
  if (a <= MUL100_SAFE && a >= -MUL100_SAFE) return Math.trunc((a * 100) / b);
  return Number((BigInt(a) * 100n) / BigInt(b));
}

/**
 * Upstream `leastRequestedScore`: the unused share of `capacity` on a 0–100 scale, integer
 * division; 0 when the capacity is 0 or already exceeded.
 */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  if (requested > capacity) return 0;
  return mulDiv100(capacity - requested, capacity);
}

/**
 * Upstream `mostRequestedScore`: the used share of `capacity` on a 0–100 scale, integer division;
 * `requested` is capped at `capacity` (the non-zero defaults may push it over).
 */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  const r = requested > capacity ? capacity : requested;
  return mulDiv100(r, capacity);
}

/**
 * Upstream `leastResourceScorer`: `Σ leastRequestedScore_i · w_i / Σ w_i` over the resources with
 * allocatable ≠ 0 (integer division), 0 when no resource counts.
 */
export function leastResourceScorer(resources: readonly ResourceSpec[]): ResourceScorerFn {
  const weights = resources.map((r) => r.weight);
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < weights.length; i++) {
      const alloc = allocatable[i] ?? 0;
      if (alloc === 0) continue;
      const w = weights[i] ?? 0;
      nodeScore += leastRequestedScore(requested[i] ?? 0, alloc) * w;
      weightSum += w;
    }
    // `| 0` is Go's truncating integer division here: the quotient lies within 0..100.
    return weightSum === 0 ? 0 : (nodeScore / weightSum) | 0;
  };
}

/** Upstream `mostResourceScorer`: the same weighted integer mean over `mostRequestedScore`. */
export function mostResourceScorer(resources: readonly ResourceSpec[]): ResourceScorerFn {
  const weights = resources.map((r) => r.weight);
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < weights.length; i++) {
      const alloc = allocatable[i] ?? 0;
      if (alloc === 0) continue;
      const w = weights[i] ?? 0;
      nodeScore += mostRequestedScore(requested[i] ?? 0, alloc) * w;
      weightSum += w;
    }
    return weightSum === 0 ? 0 : (nodeScore / weightSum) | 0;
  };
}

/** A point of a broken linear function (upstream `helper.FunctionShapePoint`). */
export interface FunctionShapePoint {
  readonly utilization: number;
  readonly score: number;
}

/**
 * Upstream `helper.BuildBrokenLinearFunction`: `f(p)` is `shape[0].score` for `p ≤ shape[0].utilization`,
 * the last score beyond the last point, and linear in between with integer arithmetic:
 * `y₍ₖ₋₁₎ + (yₖ − y₍ₖ₋₁₎)·(p − x₍ₖ₋₁₎) / (xₖ − x₍ₖ₋₁₎)`, the division truncating toward zero (so a
 * falling segment rounds up, a rising one down). `shape` must be non-empty with strictly
 * increasing utilizations, as the args validation guarantees.
 */
export function buildBrokenLinearFunction(shape: readonly FunctionShapePoint[]): (p: number) => number {
  const xs = shape.map((s) => s.utilization);
  const ys = shape.map((s) => s.score);
  const n = xs.length;
  return (p) => {
    for (let i = 0; i < n; i++) {
      const x = xs[i]!;
      if (p <= x) {
        if (i === 0) return ys[0]!;
        const x0 = xs[i - 1]!;
        const y0 = ys[i - 1]!;
        return y0 + Math.trunc(((ys[i]! - y0) * (p - x0)) / (x - x0));
      }
    }
    return n === 0 ? 0 : ys[n - 1]!;
  };
}

/**
 * Upstream `requestedToCapacityRatioScorer`: the shape's scores (0–10) are scaled by
 * `MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE` (×10); each resource with allocatable ≠ 0 scores
 * `f(requested·100/allocatable)` (integer division), or `f(100)` when over capacity; only resources
 * scoring > 0 enter the weighted mean, which is rounded half away from zero (`math.Round`).
 */
export function requestedToCapacityRatioScorer(
  resources: readonly ResourceSpec[],
  shape: readonly UtilizationShapePoint[],
): ResourceScorerFn {
  const scale = Math.trunc(MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE);
  const f = buildBrokenLinearFunction(shape.map((p) => ({ utilization: p.utilization, score: p.score * scale })));
  const weights = resources.map((r) => r.weight);
  const resourceScore = (requested: number, capacity: number): number => {
    if (capacity === 0 || requested > capacity) return f(MAX_UTILIZATION);
    return f(mulDiv100(requested, capacity));
  };
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < weights.length; i++) {
      const alloc = allocatable[i] ?? 0;
      if (alloc === 0) continue;
      const w = weights[i] ?? 0;
      const s = resourceScore(requested[i] ?? 0, alloc);
      if (s > 0) {
        nodeScore += s * w;
        weightSum += w;
      }
    }
    if (weightSum === 0) return 0;
    return roundHalfAwayFromZero(nodeScore / weightSum);
  };
}

/** Go's `math.Round`: half away from zero (JavaScript's `Math.round` rounds half toward +∞). */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * Upstream `balancedResourceScorer` (v1.30–v1.35): with `fᵢ = min(requestedᵢ / allocatableᵢ, 1)` in
 * float64 over the resources with allocatable ≠ 0, `std = |f₀ − f₁| / 2` for two fractions, the
 * population standard deviation for more, 0 otherwise; the score is `int64((1 − std) · 100)`
 * (truncation). Runs in two passes instead of collecting the fractions, with upstream's order of
 * floating-point operations.
 */
export const balancedResourceScorer: ResourceScorerFn = (requested, allocatable) => {
  const len = requested.length;
  let n = 0;
  let total = 0;
  let f0 = 0;
  let f1 = 0;
  for (let i = 0; i < len; i++) {
    const alloc = allocatable[i] ?? 0;
    if (alloc === 0) continue;
    let fraction = (requested[i] ?? 0) / alloc;
    if (fraction > 1) fraction = 1;
    total += fraction;
    if (n === 0) f0 = fraction;
    else if (n === 1) f1 = fraction;
    n++;
  }
  let std = 0;
  if (n === 2) {
    std = Math.abs((f0 - f1) / 2);
  } else if (n > 2) {
    const mean = total / n;
    let sum = 0;
    for (let i = 0; i < len; i++) {
      const alloc = allocatable[i] ?? 0;
      if (alloc === 0) continue;
      let fraction = (requested[i] ?? 0) / alloc;
      if (fraction > 1) fraction = 1;
      sum = sum + (fraction - mean) * (fraction - mean);
    }
    std = Math.sqrt(sum / n);
  }
  // `| 0` truncates toward zero like Go's int64 conversion (the value is within 0..100) and keeps
  // the result a small integer.
  return ((1 - std) * MAX_NODE_SCORE) | 0;
};

// How a configured resource is read from a NodeInfo; fixed per plugin instance.
const KIND_CPU = 0;
const KIND_MEMORY = 1;
const KIND_EPHEMERAL_STORAGE = 2;
const KIND_SCALAR = 3;
/** Neither cpu, memory, ephemeral-storage nor a scalar resource (e.g. `pods`): never scored. */
const KIND_OTHER = 4;

function kindOf(name: string): number {
  switch (name) {
    case ResourceCPU:
      return KIND_CPU;
    case ResourceMemory:
      return KIND_MEMORY;
    case ResourceEphemeralStorage:
      return KIND_EPHEMERAL_STORAGE;
    default:
      return isScalarResourceName(name) ? KIND_SCALAR : KIND_OTHER;
  }
}

/** The scheduler's per-container fallback requests for scoring (100m cpu, 200Mi memory). */
const NON_MISSING_CONTAINER_REQUESTS: ReadonlyMap<string, Quantity> = new Map([
  [ResourceCPU, Quantity.fromMilli(BigInt(DefaultMilliCPURequest))],
  [ResourceMemory, Quantity.fromInt(BigInt(DefaultMemoryRequest))],
]);

/** Options of a `ResourceAllocationScorer`. */
export interface ResourceAllocationScorerOptions {
  /** The configured resources and weights, in order. */
  readonly resources: readonly ResourceSpec[];
  /**
   * `true`: actual requests (`NodeInfo.requested`, no defaults), as BalancedAllocation. `false`: the
   * non-zero cpu/memory defaults for the pod and `NodeInfo.nonZeroRequested` for the node, as the
   * NodeResourcesFit strategies.
   */
  readonly useRequested: boolean;
  readonly scorer: ResourceScorerFn;
}

/**
 * Upstream `resourceAllocationScorer`: reads, per configured resource, the node's allocatable and
 * its requested amount plus the pod's request, and hands both lists to the strategy's scorer.
 */
export class ResourceAllocationScorer {
  readonly resources: readonly ResourceSpec[];
  readonly useRequested: boolean;
  readonly #scorer: ResourceScorerFn;
  readonly #names: readonly string[];
  readonly #kinds: Uint8Array;
  // Scratch lists reused by every `score` call (see the file comment).
  readonly #requested: Float64Array;
  readonly #allocatable: Float64Array;

  constructor(options: ResourceAllocationScorerOptions) {
    this.resources = options.resources;
    this.useRequested = options.useRequested;
    this.#scorer = options.scorer;
    this.#names = options.resources.map((r) => r.name);
    this.#kinds = Uint8Array.from(this.#names, kindOf);
    this.#requested = new Float64Array(this.#names.length);
    this.#allocatable = new Float64Array(this.#names.length);
  }

  /**
   * Upstream `calculatePodResourceRequestList`: the pod's request for each configured resource, in
   * order (cpu in millicores, everything else in whole units). With `useRequested: false`, a
   * container that names no cpu (memory) request counts 100m (200Mi). In-place resize status and
   * pod-level resources count, as in v1.35 (both features on by default).
   *
   * @throws QuantityParseError when the pod holds an amount that is not a quantity.
   */
  podRequestList(pod: DeepReadonly<Pod>): number[] {
    const q = podRequestQuantities(pod, this.useRequested ? {} : { nonMissingContainerRequests: NON_MISSING_CONTAINER_REQUESTS });
    const out = new Array<number>(this.#names.length);
    for (let i = 0; i < this.#names.length; i++) {
      const name = this.#names[i]!;
      const v = q.get(name);
      out[i] = v === undefined ? 0 : toSafeInteger(name === ResourceCPU ? v.milliValue() : v.value());
    }
    return out;
  }

  /** Upstream `isBestEffortPod`: every configured request is zero. */
  static isBestEffort(podRequests: readonly number[]): boolean {
    for (const r of podRequests) if (r !== 0) return false;
    return true;
  }

  /**
   * Upstream `resourceAllocationScorer.score`: per resource, upstream's
   * `calculateResourceAllocatableRequest` (a scalar resource the pod does not request, a resource
   * the node does not list and a resource with allocatable 0 are left out), then the scorer.
   * Ephemeral storage and scalar resources always use the node's actual requests.
   */
  score(nodeInfo: NodeInfo, podRequests: readonly number[]): number {
    const kinds = this.#kinds;
    const req = this.#requested;
    const alloc = this.#allocatable;
    const nodeRequested = this.useRequested ? nodeInfo.requested : nodeInfo.nonZeroRequested;
    const allocatable = nodeInfo.allocatable;
    for (let i = 0; i < kinds.length; i++) {
      const podRequest = podRequests[i] ?? 0;
      let a = 0;
      let r = 0;
      switch (kinds[i]) {
        case KIND_CPU:
          a = allocatable.milliCPU;
          r = nodeRequested.milliCPU + podRequest;
          break;
        case KIND_MEMORY:
          a = allocatable.memory;
          r = nodeRequested.memory + podRequest;
          break;
        case KIND_EPHEMERAL_STORAGE:
          a = allocatable.ephemeralStorage;
          r = nodeInfo.requested.ephemeralStorage + podRequest;
          break;
        case KIND_SCALAR:
          if (podRequest !== 0) {
            const name = this.#names[i]!;
            const have = allocatable.scalar.get(name);
            if (have !== undefined) {
              a = have;
              r = (nodeInfo.requested.scalar.get(name) ?? 0) + podRequest;
            }
          }
          break;
        default:
          break;
      }
      if (a === 0) {
        alloc[i] = 0;
        req[i] = 0;
      } else {
        alloc[i] = a;
        req[i] = r;
      }
    }
    return this.#scorer(req, alloc);
  }
}
