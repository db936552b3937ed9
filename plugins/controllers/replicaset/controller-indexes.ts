/**
 * The cache indexes the workload controllers read their dependents through, so that a reconcile
 * touches only the objects it owns (and the namespace's orphans), never a whole namespace. Upstream
 * `pkg/controller/controller_utils.go` (`AddPodControllerUIDIndexer`, `PodControllerUIDIndex`,
 * `OrphanPodIndexKeyForNamespace`) indexes pods the same way: by controller uid, and orphans by
 * namespace.
 *
 * Every controller that declares one of these indexes must declare it with the very function
 * exported here: a controller manager merges the indexes of all its controllers by name and rejects
 * one name bound to two functions.
 */
import { controllerRef, indexByControllerUid, indexReading, type IndexFunc } from 'kubeprop';

/** Index name: the uid of the object's controller owner (`indexByControllerUid`). */
export const CONTROLLER_UID_INDEX = 'controllerUid';

/** Index name: the namespace of objects that have no controller owner (orphans). */
export const ORPHANS_BY_NAMESPACE_INDEX = 'orphansByNamespace';

const NONE: readonly string[] = Object.freeze([]);

/**
 * Index function for {@link ORPHANS_BY_NAMESPACE_INDEX}: `[namespace]` for an object without a
 * controller owner reference, nothing otherwise.
 */
export const indexOrphansByNamespace: IndexFunc = indexReading(['metadata.namespace', 'metadata.ownerReferences'], (obj) =>
  controllerRef(obj) === undefined ? [obj.metadata.namespace ?? ''] : NONE,
);

/** The indexes, as a controller definition's `indexers` entry for one kind declares them. */
export const OWNERSHIP_INDEXERS: Readonly<Record<string, IndexFunc>> = Object.freeze({
  [CONTROLLER_UID_INDEX]: indexByControllerUid,
  [ORPHANS_BY_NAMESPACE_INDEX]: indexOrphansByNamespace,
});
