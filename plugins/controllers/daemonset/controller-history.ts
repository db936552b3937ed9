/**
 * DaemonSet revision history, after upstream `pkg/controller/daemon/update.go` (`constructHistory`,
 * `snapshot`, `Match`, `getPatch`, `dedupCurHistories`, `cleanupHistory`) and
 * `pkg/controller/history` / `controller.ComputeHash`.
 *
 * Each distinct pod template gets a `ControllerRevision` named `<daemonset>-<hash>`, labelled with
 * the hash (`controller-revision-hash`) and carrying the template as a patch; the current one has
 * the highest `revision`. Pods carry the hash of the revision they were created from, which is how
 * a rolling update tells old pods from new.
 */
import { canonicalJson, newControllerRef, type ControllerClient, type DeepReadonly, type KubeObject, type TraceValue } from 'kubeprop';
import { CONTROLLER_REVISION_HASH_LABEL, type DaemonSetView } from './daemonset-util.js';
import { CONTROLLER_UID_INDEX } from '../pod-indexes.js';

/** `apps/v1` `ControllerRevision`, as the controller reads and writes it. */
export interface RevisionObject {
  apiVersion: 'apps/v1';
  kind: 'ControllerRevision';
  metadata: KubeObject['metadata'];
  data?: unknown;
  revision: number;
}

/** A ControllerRevision as the cache hands it out. */
export type RevisionView = DeepReadonly<RevisionObject>;

/** Upstream `rand.SafeEncodeString`'s alphabet (no vowels, no look-alikes). */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`. */
function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

const encoder = new TextEncoder();

/**
 * Upstream `controller.ComputeHash(template, collisionCount)`: FNV-1a over the template (here its
 * canonical JSON; upstream prints the Go struct), then the collision count as 8 little-endian
 * bytes when set, printed in decimal and encoded with the safe alphabet.
 */
export function computeHash(template: unknown, collisionCount: number | undefined): string {
  let h = fnv32a(encoder.encode(canonicalJson((template ?? {}) as TraceValue)));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  let out = '';
  for (const ch of String(h)) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}

/** Upstream `getPatch`: what a revision stores, `{"spec":{"template":{...,"$patch":"replace"}}}`. */
export function revisionData(ds: DaemonSetView): unknown {
  return { spec: { template: { ...(ds.spec?.template ?? {}), $patch: 'replace' } } };
}

/** Upstream `Match`: the revision stores exactly the DaemonSet's current template. */
export function revisionMatches(ds: DaemonSetView, revision: RevisionView): boolean {
  return canonicalJson(revisionData(ds) as TraceValue) === canonicalJson((revision.data ?? null) as TraceValue);
}

/** Outcome of {@link constructHistory}. */
export type HistoryResult =
  | { readonly ok: true; readonly current: RevisionView; readonly old: readonly RevisionView[] }
  | { readonly ok: false; readonly error: string };

function byRevisionThenName(a: RevisionView, b: RevisionView): number {
  if (a.revision !== b.revision) return a.revision - b.revision;
  const x = a.metadata.name ?? '';
  const y = b.metadata.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Upstream `constructHistory`: the DaemonSet's revisions (from the cache, by owner), the one
 * matching the current template (created if missing, deduplicated, and moved to the highest
 * revision number) and the others. `relabel` is called with the current hash before duplicate
 * revisions are deleted, so pods of a duplicate can be moved to the kept one.
 */
export function constructHistory(client: ControllerClient, ds: DaemonSetView, relabel: (hash: string) => string | undefined): HistoryResult {
  const ns = ds.metadata?.namespace ?? '';
  const listed = client.list<RevisionObject>('apps/ControllerRevision', { namespace: ns, index: { name: CONTROLLER_UID_INDEX, value: ds.metadata?.uid ?? '' } });
  if (!listed.ok) return { ok: false, error: listed.error.message };
  const current: RevisionView[] = [];
  const old: RevisionView[] = [];
  for (let rev of [...listed.value].sort(byRevisionThenName)) {
    if (rev.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === undefined) {
      const labelled = client.update<RevisionObject>({ ...rev, metadata: { ...rev.metadata, labels: { ...(rev.metadata.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: rev.metadata.name ?? '' } } });
      if (!labelled.ok) return { ok: false, error: labelled.error.message };
      rev = labelled.value;
    }
    (revisionMatches(ds, rev) ? current : old).push(rev);
  }
  let maxOld = 0;
  for (const r of old) if (r.revision > maxOld) maxOld = r.revision;
  const nextRevision = maxOld + 1;
  if (current.length === 0) {
    const snap = snapshot(client, ds, nextRevision);
    return snap.ok ? { ok: true, current: snap.value, old } : { ok: false, error: snap.error };
  }
  // dedupCurHistories: keep the highest revision (the last one wins ties, as upstream's >=).
  let keep = current[0] as RevisionView;
  for (const r of current) if (r.revision >= keep.revision) keep = r;
  if (current.length > 1) {
    const err = relabel(keep.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '');
    if (err !== undefined) return { ok: false, error: err };
    for (const r of current) {
      if (r === keep) continue;
      const del = client.delete({ apiVersion: 'apps/v1', kind: 'ControllerRevision', namespace: ns, name: r.metadata.name ?? '' });
      if (!del.ok && del.error.code !== 404) return { ok: false, error: del.error.message };
    }
  }
  if (keep.revision < nextRevision) {
    const bumped = client.update<RevisionObject>({ ...keep, revision: nextRevision });
    if (!bumped.ok) return { ok: false, error: bumped.error.message };
    keep = bumped.value;
  }
  return { ok: true, current: keep, old };
}

/**
 * Upstream `snapshot`: creates the revision of the current template. A name collision with a
 * revision of the same template returns that revision; with a different template it bumps
 * `status.collisionCount` (so the next attempt hashes differently) and fails.
 */
function snapshot(client: ControllerClient, ds: DaemonSetView, revision: number): { ok: true; value: RevisionView } | { ok: false; error: string } {
  const collisionCount = ds.status?.collisionCount;
  const hash = computeHash(ds.spec?.template, collisionCount);
  const name = `${ds.metadata?.name ?? ''}-${hash}`;
  const ns = ds.metadata?.namespace ?? '';
  const obj: RevisionObject = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: ns,
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(ds.metadata?.annotations !== undefined ? { annotations: { ...ds.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: ds.metadata?.name, uid: ds.metadata?.uid } })],
    },
    data: revisionData(ds),
    revision,
  };
  const created = client.create<RevisionObject>(obj);
  if (created.ok) return { ok: true, value: created.value };
  if (created.error.code !== 409) return { ok: false, error: created.error.message };
  const existing = client.api.get<RevisionObject>({ apiVersion: 'apps/v1', kind: 'ControllerRevision', namespace: ns, name });
  if (!existing.ok) return { ok: false, error: existing.error.message };
  if (revisionMatches(ds, existing.value)) return { ok: true, value: existing.value };
  const fresh = client.api.get<DaemonSetView>({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: ns, name: ds.metadata?.name ?? '' });
  if (!fresh.ok) return { ok: false, error: fresh.error.message };
  if (fresh.value.status?.collisionCount !== collisionCount) {
    return { ok: false, error: `found a stale collision count (${String(collisionCount)}, expected ${String(fresh.value.status?.collisionCount)}) of DaemonSet ${JSON.stringify(ds.metadata?.name)} while processing; will retry until it is updated` };
  }
  const bumped = client.updateStatus({ ...fresh.value, status: { ...(fresh.value.status ?? {}), collisionCount: (collisionCount ?? 0) + 1 } });
  if (!bumped.ok) return { ok: false, error: bumped.error.message };
  return { ok: false, error: created.error.message };
}

/**
 * Upstream `cleanupHistory`: deletes the oldest revisions beyond `revisionHistoryLimit` (default
 * 10), except those some pod still carries the hash of.
 */
export function cleanupHistory(client: ControllerClient, ds: DaemonSetView, old: readonly RevisionView[], liveHashes: ReadonlySet<string>): string | undefined {
  const limit = ds.spec?.revisionHistoryLimit ?? 10;
  let toKill = old.length - limit;
  if (toKill <= 0) return undefined;
  for (const rev of [...old].sort(byRevisionThenName)) {
    if (toKill <= 0) break;
    if (liveHashes.has(rev.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '')) continue;
    const del = client.delete({ apiVersion: 'apps/v1', kind: 'ControllerRevision', namespace: rev.metadata.namespace ?? '', name: rev.metadata.name ?? '' });
    if (!del.ok && del.error.code !== 404) return del.error.message;
    toKill--;
  }
  return undefined;
}
