/**
 * A pod's quality-of-service class, as the API server computes it at creation time and stores it
 * in `status.qosClass` (immutable afterwards).
 *
 * Upstream: `pkg/apis/core/helper/qos/qos.go` (`ComputePodQOS`), with pod-level resources
 * (feature PodLevelResources, on by default in v1.35): when `spec.resources` is set, it alone
 * decides; otherwise containers and init containers do. Only `cpu` and `memory` count, and only
 * quantities above zero.
 */
import type { DeepReadonly, Pod } from '../api/types.js';
import { parseQuantityCached, type Quantity } from '../api/quantity.js';
import { isObj } from './json-fields.js';

/** Upstream `core.PodQOSClass`. */
export type PodQosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const QOS_RESOURCES: ReadonlySet<string> = new Set(['cpu', 'memory']);

type Totals = Map<string, Quantity>;

function quantity(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return parseQuantityCached(v);
  } catch {
    // Unparseable quantities are a validation error; they do not count here.
    return undefined;
  }
}

/** Adds the positive cpu/memory quantities of `list` to `into`; returns the names seen. */
function accumulate(list: unknown, into: Totals): Set<string> {
  const found = new Set<string>();
  if (!isObj(list)) return found;
  for (const name in list) {
    if (!QOS_RESOURCES.has(name)) continue;
    const q = quantity(list[name]);
    if (q === undefined || q.sign() <= 0) continue;
    found.add(name);
    const prev = into.get(name);
    into.set(name, prev === undefined ? q : prev.add(q));
  }
  return found;
}

/** Upstream `ComputePodQOS` for a pod (typed or unstructured). */
export function podQosClass(pod: DeepReadonly<Pod> | Readonly<Record<string, unknown>>): PodQosClass {
  const spec = (pod as { spec?: unknown }).spec;
  const requests: Totals = new Map();
  const limits: Totals = new Map();
  let guaranteed = true;
  const podResources = isObj(spec) ? spec['resources'] : undefined;
  if (isObj(podResources)) {
    accumulate(podResources['requests'], requests);
    const limitNames = accumulate(podResources['limits'], limits);
    if (isObj(podResources['limits']) && Object.keys(podResources['limits']).length > 0 && !(limitNames.has('cpu') && limitNames.has('memory'))) {
      guaranteed = false;
    }
  } else if (isObj(spec)) {
    for (const key of ['containers', 'initContainers']) {
      const list = spec[key];
      if (!Array.isArray(list)) continue;
      for (const c of list) {
        const resources = isObj(c) ? c['resources'] : undefined;
        accumulate(isObj(resources) ? resources['requests'] : undefined, requests);
        const limitNames = accumulate(isObj(resources) ? resources['limits'] : undefined, limits);
        if (!(limitNames.has('cpu') && limitNames.has('memory'))) guaranteed = false;
      }
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (lim === undefined || lim.cmp(req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
