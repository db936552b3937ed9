/**
 * Nodes: labels (hostname, zone, region and a few others), capacity and allocatable, taints,
 * `unschedulable`, and the images the node holds.
 */
import fc from 'fast-check';
import type { KubeObject, Node } from 'kubeprop';
import { chance, compact, optional, range, vocabulary } from './compose.js';
import { labels } from './labels.js';
import { quantityNotations } from './quantity-string.js';
import { taints, type TaintsConstraints } from './taint.js';
import {
  DEFAULT_EXTENDED_RESOURCES,
  DEFAULT_IMAGES,
  DEFAULT_NODE_LABEL_KEYS,
  DEFAULT_NODE_LABEL_VALUES,
  DEFAULT_REGIONS,
  DEFAULT_ZONES,
  LABEL_HOSTNAME,
  LABEL_REGION,
  LABEL_ZONE,
  type ImageSpec,
} from './vocabulary.js';

/** A generated node: a `Node` whose `metadata` is always set, usable wherever a `KubeObject` is. */
export type NodeObject = Node & KubeObject;

/** Options of {@link node}. */
export interface NodeConstraints {
  /** The node's name. Default: drawn from `node-0` … `node-4`. */
  readonly name?: string;
  /** Zones for `topology.kubernetes.io/zone`. Default {@link DEFAULT_ZONES}. */
  readonly zones?: readonly string[];
  /** Regions for `topology.kubernetes.io/region`. Default {@link DEFAULT_REGIONS}. */
  readonly regions?: readonly string[];
  /** Keys of the other labels. Default {@link DEFAULT_NODE_LABEL_KEYS}. */
  readonly labelKeys?: readonly string[];
  /** Values of the other labels. Default {@link DEFAULT_NODE_LABEL_VALUES}. */
  readonly labelValues?: readonly string[];
  /** Most other labels. Default 1. */
  readonly maxExtraLabels?: number;
  /** Allocatable cpu range in millicores, in steps of 500m. Default 1000–8000. */
  readonly minCpuMilli?: number;
  readonly maxCpuMilli?: number;
  /** Allocatable memory range in bytes, in steps of 512 MiB. Default 1 GiB – 16 GiB. */
  readonly minMemoryBytes?: number;
  readonly maxMemoryBytes?: number;
  /**
   * Allocatable `pods` range. Default 1–16: far below real nodes' 110, so that "Too many pods" is
   * reachable with few pods.
   */
  readonly minPods?: number;
  readonly maxPods?: number;
  /** Extended resources a node may offer (0–4 of each). Default {@link DEFAULT_EXTENDED_RESOURCES}; `[]` for none. */
  readonly extendedResources?: readonly string[];
  /** Taint options, or `false` for untainted nodes. Default: up to 2 taints from the vocabulary. */
  readonly taints?: TaintsConstraints | false;
  /** Percentage of nodes cordoned (`spec.unschedulable`). Default 10. */
  readonly unschedulablePercent?: number;
  /** Images nodes may hold. Default {@link DEFAULT_IMAGES}; `[]` for none. */
  readonly images?: readonly ImageSpec[];
}

const MI = 1024 * 1024;
const GI = 1024 * MI;

/** Default node names when neither the caller nor a cluster names the node. */
const DEFAULT_NODE_NAMES = ['node-0', 'node-1', 'node-2', 'node-3', 'node-4'];

/** An amount drawn in steps, with `reserved` added on top for capacity. */
function amount(min: number, max: number, step: number): fc.Arbitrary<number> {
  return fc.integer({ min: Math.ceil(min / step), max: Math.floor(max / step) }).map((k) => k * step);
}

/**
 * A node. `status.allocatable` never exceeds `status.capacity` (system reservations are drawn on
 * top of allocatable). Shrinks towards a small, untainted, schedulable node with only the
 * hostname label.
 */
export function node(constraints: NodeConstraints = {}): fc.Arbitrary<NodeObject> {
  const zones = vocabulary('node.zones', constraints.zones ?? DEFAULT_ZONES);
  const regions = vocabulary('node.regions', constraints.regions ?? DEFAULT_REGIONS);
  const cpu = range('node cpu', constraints.minCpuMilli ?? 1000, constraints.maxCpuMilli ?? 8000);
  const memory = range('node memory', constraints.minMemoryBytes ?? GI, constraints.maxMemoryBytes ?? 16 * GI);
  const pods = range('node pods', constraints.minPods ?? 1, constraints.maxPods ?? 16);
  const extended = constraints.extendedResources ?? DEFAULT_EXTENDED_RESOURCES;
  const images = constraints.images ?? DEFAULT_IMAGES;
  const unschedulablePercent = constraints.unschedulablePercent ?? 10;
  const taintOptions = constraints.taints;

  return fc
    .record({
      name: constraints.name !== undefined ? fc.constant(constraints.name) : fc.constantFrom(...DEFAULT_NODE_NAMES),
      zone: optional(fc.constantFrom(...zones), 90),
      region: optional(fc.constantFrom(...regions), 80),
      extraLabels: labels({
        keys: constraints.labelKeys ?? DEFAULT_NODE_LABEL_KEYS,
        values: constraints.labelValues ?? DEFAULT_NODE_LABEL_VALUES,
        maxLabels: constraints.maxExtraLabels ?? 1,
      }),
      cpuMilli: amount(cpu.min, cpu.max, 500),
      memoryBytes: amount(memory.min, memory.max, 512 * MI),
      pods: fc.integer(pods),
      storageGi: fc.integer({ min: 10, max: 100 }),
      reserved: fc.boolean(),
      extended: fc.uniqueArray(fc.tuple(extended.length > 0 ? fc.constantFrom(...extended) : fc.constant(''), fc.integer({ min: 0, max: 4 })), {
        maxLength: extended.length > 0 ? extended.length : 0,
        selector: ([n]) => n,
      }),
      taints: taintOptions === false ? fc.constant([]) : optional(taints({ ...(taintOptions ?? {}) }), taintOptions?.taintedPercent ?? 40).map((t) => t ?? []),
      unschedulable: chance(unschedulablePercent),
      images: images.length > 0 ? fc.subarray([...images], { maxLength: 3 }) : fc.constant([] as ImageSpec[]),
      notation: fc.nat({ max: 6 }),
    })
    .map((d) => {
      const nodeLabels: Record<string, string> = { ...d.extraLabels, [LABEL_HOSTNAME]: d.name };
      if (d.zone !== undefined) nodeLabels[LABEL_ZONE] = d.zone;
      if (d.region !== undefined) nodeLabels[LABEL_REGION] = d.region;
      const write = (unit: 'cpu' | 'bytes', n: number): string => {
        const all = quantityNotations(unit, n);
        return all[d.notation % all.length]!;
      };
      const allocatable: Record<string, string> = {
        cpu: write('cpu', d.cpuMilli),
        memory: write('bytes', d.memoryBytes),
        pods: String(d.pods),
        'ephemeral-storage': `${d.storageGi}Gi`,
      };
      // Kubelets reserve some cpu and memory for the system; capacity is allocatable plus that.
      const capacity: Record<string, string> = {
        cpu: write('cpu', d.cpuMilli + (d.reserved ? 100 : 0)),
        memory: write('bytes', d.memoryBytes + (d.reserved ? 256 * MI : 0)),
        pods: String(d.pods),
        'ephemeral-storage': `${d.storageGi}Gi`,
      };
      for (const [resource, count] of d.extended) {
        allocatable[resource] = String(count);
        capacity[resource] = String(count);
      }
      const spec = compact({ taints: d.taints.length > 0 ? [...d.taints] : undefined, unschedulable: d.unschedulable ? true : undefined });
      const status = compact({
        capacity,
        allocatable,
        images: d.images.length > 0 ? d.images.map((i) => ({ names: [i.name], sizeBytes: i.sizeBytes })) : undefined,
      });
      const n: NodeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: d.name, labels: nodeLabels }, ...(Object.keys(spec).length > 0 ? { spec } : {}), status };
      return n;
    });
}

/** A copy of `n` named `name` (metadata.name and the hostname label both follow). */
export function renameNode(n: NodeObject, name: string): NodeObject {
  return { ...n, metadata: { ...n.metadata, name, labels: { ...(n.metadata.labels ?? {}), [LABEL_HOSTNAME]: name } } };
}

/** The default node names a cluster of up to `count` nodes uses: `node-0` … `node-<count-1>`. */
export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `node-${i}`);
}
