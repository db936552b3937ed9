/**
 * The small vocabularies the arbitraries draw names from.
 *
 * Generators that drew label keys, values, zones or taint keys from open-ended string spaces would
 * almost never produce a selector that matches anything, so the interesting cases (an affinity that
 * is satisfiable on some nodes only, a toleration that matches one taint of two) would be rare.
 * Drawing from a handful of words makes matches common and mismatches common, and it keeps
 * counterexamples readable. Every vocabulary can be replaced through the constraint objects.
 */

/** Well-known node label for the node's name (upstream `v1.LabelHostname`). */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
/** Well-known node label for the zone (upstream `v1.LabelTopologyZone`). */
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
/** Well-known node label for the region (upstream `v1.LabelTopologyRegion`). */
export const LABEL_REGION = 'topology.kubernetes.io/region';

/** The topology keys that affinity terms and spread constraints use by default. */
export const DEFAULT_TOPOLOGY_KEYS: readonly string[] = Object.freeze([LABEL_HOSTNAME, LABEL_ZONE, LABEL_REGION]);

/** Zones by default; three, so that spreading over zones has something to balance. */
export const DEFAULT_ZONES: readonly string[] = Object.freeze(['zone-a', 'zone-b', 'zone-c']);

/** Regions by default. */
export const DEFAULT_REGIONS: readonly string[] = Object.freeze(['region-1', 'region-2']);

/** Pod label keys by default (one with a DNS prefix, as real labels often have). */
export const DEFAULT_POD_LABEL_KEYS: readonly string[] = Object.freeze(['app', 'tier', 'example.com/team']);

/** Pod label values by default. */
export const DEFAULT_POD_LABEL_VALUES: readonly string[] = Object.freeze(['web', 'db', 'cache']);

/** Extra node label keys by default (besides hostname, zone and region). */
export const DEFAULT_NODE_LABEL_KEYS: readonly string[] = Object.freeze(['disktype', 'example.com/pool']);

/** Extra node label values by default. */
export const DEFAULT_NODE_LABEL_VALUES: readonly string[] = Object.freeze(['ssd', 'hdd', 'gpu']);

/** Namespaces by default; `default` first so shrinking goes there. */
export const DEFAULT_NAMESPACES: readonly string[] = Object.freeze(['default', 'team-a']);

/** Namespace label keys by default (for `namespaceSelector` in affinity terms). */
export const DEFAULT_NAMESPACE_LABEL_KEYS: readonly string[] = Object.freeze(['team']);

/** Namespace label values by default. */
export const DEFAULT_NAMESPACE_LABEL_VALUES: readonly string[] = Object.freeze(['a', 'b']);

/** Taint keys by default. */
export const DEFAULT_TAINT_KEYS: readonly string[] = Object.freeze(['dedicated', 'example.com/gpu']);

/** Taint (and toleration) values by default. */
export const DEFAULT_TAINT_VALUES: readonly string[] = Object.freeze(['gpu', 'batch']);

/** Extended resources by default. */
export const DEFAULT_EXTENDED_RESOURCES: readonly string[] = Object.freeze(['example.com/gpu']);

/** A container image and the size nodes report for it. */
export interface ImageSpec {
  readonly name: string;
  readonly sizeBytes: number;
}

/**
 * Images by default, with sizes around ImageLocality's thresholds (23 MB and 1000 MB), so that its
 * score varies.
 */
export const DEFAULT_IMAGES: readonly ImageSpec[] = Object.freeze([
  Object.freeze({ name: 'busybox:1.36', sizeBytes: 4_300_000 }),
  Object.freeze({ name: 'nginx:1.25', sizeBytes: 70_000_000 }),
  Object.freeze({ name: 'redis:7', sizeBytes: 130_000_000 }),
  Object.freeze({ name: 'postgres:16', sizeBytes: 420_000_000 }),
  Object.freeze({ name: 'example.com/ml/trainer:2.1', sizeBytes: 2_500_000_000 }),
]);

/** Host ports pods may ask for by default; few, so that two pods collide on a node now and then. */
export const DEFAULT_HOST_PORTS: readonly number[] = Object.freeze([8080, 9090]);

/** A priority class name and value. */
export interface PriorityLevel {
  readonly name: string;
  readonly value: number;
}

/** Priority classes by default, lowest first (shrinking goes to the lowest). */
export const DEFAULT_PRIORITY_LEVELS: readonly PriorityLevel[] = Object.freeze([
  Object.freeze({ name: 'low', value: 100 }),
  Object.freeze({ name: 'high', value: 1000 }),
  Object.freeze({ name: 'critical', value: 100_000 }),
]);
