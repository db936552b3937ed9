/**
 * Kinds as the controller runtime names them: `group/Kind` (`apps/ReplicaSet`), or just `Kind` for
 * the core group (`Pod`), the same `groupKindKey` form the store registers kinds under. Versions
 * are left out on purpose: an informer lists and watches a kind at the version the API server
 * serves first, as a controller-runtime cache does for the Go type it was given.
 */
import { builtinKind, groupKindKey } from '../api/kinds.js';
import { parseApiVersion } from '../api/types.js';
import { ConfigError } from '../errors.js';

/** A kind by group (`''` for core) and kind name: upstream `schema.GroupKind`. */
export interface GroupKindRef {
  readonly group: string;
  readonly kind: string;
}

const KIND_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const GROUP_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Parses a kind key (`apps/ReplicaSet`, `Pod`, `example.com/Widget`). A key with a version in it
 * (`apps/v1/ReplicaSet`) or an empty part is a `ConfigError`: kind keys come from controller
 * definitions, which are user input.
 */
export function parseKindKey(key: string): GroupKindRef {
  const slash = key.indexOf('/');
  const group = slash < 0 ? '' : key.slice(0, slash);
  const kind = slash < 0 ? key : key.slice(slash + 1);
  if (!KIND_NAME.test(kind) || (slash >= 0 && !GROUP_NAME.test(group))) {
    throw new ConfigError(`invalid kind ${JSON.stringify(key)}: expected "Kind" (core group) or "group/Kind", e.g. "Pod" or "apps/ReplicaSet"`);
  }
  return { group, kind };
}

/** The kind key of an object or reference with `apiVersion` and `kind`. */
export function kindKeyOf(ref: { readonly apiVersion: string; readonly kind: string }): string {
  return groupKindKey(parseApiVersion(ref.apiVersion).group, ref.kind);
}

/**
 * Whether objects of the kind are namespaced, for built-in kinds; `undefined` for kinds the
 * runtime cannot know about statically (custom resources).
 */
export function builtinNamespaced(gk: GroupKindRef): boolean | undefined {
  return builtinKind(gk.group, gk.kind)?.namespaced;
}
