/**
 * The fast schema validator must answer exactly as `validateBuiltinObject` does: checked
 * differentially on the real-world manifests in `shared/fixtures` (when present) and on variants
 * derived from them (unknown fields, wrong types, frozen subtrees reused in new objects).
 */
import { strict as assert } from 'node:assert';
import { builtinKind } from '../api/kinds.js';
import { loadManifestFiles } from '../api/manifests.js';
import { parseApiVersion, type KubeObject } from '../api/types.js';
import { validateBuiltinObject } from '../api/validation.js';
import { freezeCopy } from '../store/freeze-copy.js';
import { fixturesDir, pod } from './apiserver-test-kit.js';
import { BuiltinSchemaValidator } from './builtin-schema-validator.js';

function infoOf(obj: KubeObject): { info: NonNullable<ReturnType<typeof builtinKind>>; version: string } | undefined {
  const { group, version } = parseApiVersion(obj.apiVersion);
  const info = builtinKind(group, obj.kind);
  return info === undefined || !info.versions.includes(version) ? undefined : { info, version };
}

/** Asserts that fast and slow validation agree on `obj` (twice: learning, then learned). */
function agree(v: BuiltinSchemaValidator, obj: KubeObject): void {
  const k = infoOf(obj);
  if (k === undefined) return;
  const slow = validateBuiltinObject(obj, k.info, k.version);
  for (let round = 0; round < 2; round++) {
    const fast = v.validate(obj, k.info, k.version);
    assert.deepEqual(fast.errors, slow.errors, `${obj.kind}/${obj.metadata.name ?? ''} errors (round ${round})`);
    assert.deepEqual(fast.unknownFields, slow.unknownFields, `${obj.kind}/${obj.metadata.name ?? ''} unknown fields (round ${round})`);
    assert.deepEqual(fast.object, slow.object, `${obj.kind}/${obj.metadata.name ?? ''} object (round ${round})`);
  }
}

/** Variants that must take the slow path or be caught by the fast one. */
function variants(obj: KubeObject): KubeObject[] {
  const out: KubeObject[] = [];
  const spec = obj['spec'];
  out.push({ ...obj, metadata: { ...obj.metadata, bogusMeta: 1 } as KubeObject['metadata'] });
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
    out.push({ ...obj, spec: { ...spec, notAField: true } });
    for (const key of Object.keys(spec).slice(0, 3)) out.push({ ...obj, spec: { ...spec, [key]: 12345 } });
  }
  out.push({ ...obj, metadata: { ...obj.metadata, name: 'Not_A_Name' } });
  return out;
}

describe('BuiltinSchemaValidator', function () {
  this.timeout(60_000);

  it('agrees with validateBuiltinObject on pods and their variants, frozen or not', () => {
    const v = new BuiltinSchemaValidator();
    const base = pod('p', { spec: { containers: [{ name: 'a', image: 'x:1', resources: { requests: { cpu: '1' } }, ports: [{ containerPort: 80 }] }] } });
    agree(v, base);
    for (const variant of variants(base)) agree(v, variant);
    const frozen = freezeCopy(base);
    agree(v, frozen);
    // A frozen spec learnt clean, reused next to broken metadata, still reports the metadata.
    agree(v, { ...frozen, metadata: { name: 'Bad_Name', namespace: 'default' } } as KubeObject);
    agree(v, { ...frozen, spec: { ...(frozen['spec'] as object), bogus: 1 } } as KubeObject);
    agree(v, { ...frozen, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: 'not a time' }] } } as KubeObject);
    assert.ok(v.stats().fast > 0);
    assert.ok(v.stats().slow > 0);
  });

  it('agrees with validateBuiltinObject when frozen array items and arrays learnt clean are reused', () => {
    const v = new BuiltinSchemaValidator();
    const ready = freezeCopy({ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' });
    const scheduled = freezeCopy({ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' });
    const hostIPs = freezeCopy([{ ip: '10.1.0.2' }]);
    const withStatus = (status: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, status });
    agree(v, withStatus({ phase: 'Running', conditions: [ready, scheduled], hostIPs }));
    const fast = v.stats().fast;
    // Memoized items next to fresh ones, good and bad; a memoized array next to a bad sibling.
    agree(v, withStatus({ phase: 'Running', conditions: [ready, { type: 'Initialized', status: 'True' }, scheduled], hostIPs }));
    agree(v, withStatus({ phase: 'Running', conditions: [ready, { type: 'Initialized', status: 'True', lastTransitionTime: 'not a time' }], hostIPs }));
    agree(v, withStatus({ phase: 'Running', conditions: [scheduled, { type: 'Initialized', status: 'True', bogus: 1 }], hostIPs }));
    agree(v, withStatus({ phase: 'Running', conditions: [ready], hostIPs, podIP: 12 }));
    agree(v, withStatus({ phase: 7, conditions: [ready, scheduled], hostIPs }));
    // A frozen item that is not clean is never memoized: it is reported wherever it reappears.
    const bad = freezeCopy({ type: 'Ready', status: 'True', lastTransitionTime: 'yesterday' });
    agree(v, withStatus({ phase: 'Running', conditions: [bad] }));
    agree(v, withStatus({ phase: 'Running', conditions: [ready, bad] }));
    // The same item under another shape path is checked there.
    agree(v, withStatus({ phase: 'Running', conditions: [ready], hostIPs: [ready] }));
    assert.ok(v.stats().fast > fast);
  });

  it('agrees with validateBuiltinObject on every built-in manifest in shared/fixtures and their variants', function () {
    const dir = fixturesDir();
    if (dir === undefined) this.skip();
    const load = loadManifestFiles([`${dir}apps`, `${dir}nodes`, `${dir}crds`, `${dir}instances`]);
    const v = new BuiltinSchemaValidator();
    let checked = 0;
    for (const m of load.manifests) {
      if (infoOf(m.object) === undefined) continue;
      agree(v, m.object);
      agree(v, freezeCopy(m.object));
      for (const variant of variants(m.object)) agree(v, variant);
      checked++;
    }
    assert.ok(checked > 40, `only ${checked} built-in manifests found`);
    assert.ok(v.stats().fast > 0);
  });
});
