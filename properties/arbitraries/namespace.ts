/**
 * Namespaces, labelled over a small vocabulary so that `namespaceSelector`s match some of them.
 */
import fc from 'fast-check';
import type { KubeObject, Namespace } from 'kubeprop';
import { labels } from './labels.js';
import { DEFAULT_NAMESPACE_LABEL_KEYS, DEFAULT_NAMESPACE_LABEL_VALUES } from './vocabulary.js';

/** A generated Namespace, usable wherever a `KubeObject` is. */
export type NamespaceObject = Namespace & KubeObject;

/** Options of {@link namespace}. */
export interface NamespaceConstraints {
  /** The name. Default `default`. */
  readonly name?: string;
  readonly labelKeys?: readonly string[];
  readonly labelValues?: readonly string[];
}

/**
 * A Namespace. It carries the `kubernetes.io/metadata.name` label the API server sets on every
 * namespace, plus up to one label from the vocabulary.
 */
export function namespace(constraints: NamespaceConstraints = {}): fc.Arbitrary<NamespaceObject> {
  const name = constraints.name ?? 'default';
  return labels({
    keys: constraints.labelKeys ?? DEFAULT_NAMESPACE_LABEL_KEYS,
    values: constraints.labelValues ?? DEFAULT_NAMESPACE_LABEL_VALUES,
    maxLabels: 1,
  }).map((l) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...l, 'kubernetes.io/metadata.name': name } } }));
}
