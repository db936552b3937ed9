import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NodeSelectorMatcher, PreferredSchedulingTerms, RequiredNodeAffinity, type NodeLike } from './node-affinity.js';
import type { NodeSelectorRequirement, NodeSelectorTerm } from './types.js';

const NUM_RUNS = Number(process.env['FC_NUM_RUNS'] ?? 200);

// ---------------------------------------------------------------------------------------------------
// The reference definition of node selector terms, from the rules in the NodeAffinity
// documentation: terms ORed, requirements ANDed, empty terms dropped, invalid terms never match,
// matchFields only read metadata.name and are skipped for a node without a name.
// ---------------------------------------------------------------------------------------------------

type Op = NodeSelectorRequirement['operator'] | 'Bogus';

const KEYS = ['zone', 'gpu', 'mem', 'example.com/pool'] as const;
const VALUES = ['', 'a', 'b', '1', '8', '16'] as const;
const LABEL_VALUES = [...VALUES, '08', 'v2', '-3'] as const;
const NAMES = ['', 'n1', 'n2'] as const;

function isInt(s: string): boolean {
  return /^[+-]?[0-9]+$/.test(s);
}

function exprValid(e: NodeSelectorRequirement): boolean {
  const n = e.values?.length ?? 0;
  switch (e.operator as Op) {
    case 'In':
    case 'NotIn':
      return n >= 1;
    case 'Exists':
    case 'DoesNotExist':
      return n === 0;
    case 'Gt':
    case 'Lt':
      return n === 1 && isInt(e.values?.[0] ?? '');
    default:
      return false;
  }
}

function fieldValid(e: NodeSelectorRequirement): boolean {
  return (e.operator === 'In' || e.operator === 'NotIn') && (e.values?.length ?? 0) === 1;
}

function exprMatches(e: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, e.key);
  const v = labels[e.key] ?? '';
  const values = e.values ?? [];
  switch (e.operator) {
    case 'In':
      return has && values.includes(v);
    case 'NotIn':
      return !has || !values.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt':
      if (!has || !isInt(v)) return false;
      return e.operator === 'Gt' ? BigInt(v) > BigInt(values[0] as string) : BigInt(v) < BigInt(values[0] as string);
  }
}

function termIsEmpty(t: NodeSelectorTerm): boolean {
  return (t.matchExpressions ?? []).length === 0 && (t.matchFields ?? []).length === 0;
}

function termValid(t: NodeSelectorTerm): boolean {
  return (t.matchExpressions ?? []).every(exprValid) && (t.matchFields ?? []).every(fieldValid);
}

function termMatches(t: NodeSelectorTerm, name: string, labels: Readonly<Record<string, string>>): boolean {
  if (!(t.matchExpressions ?? []).every((e) => exprMatches(e, labels))) return false;
  if (name === '') return true;
  return (t.matchFields ?? []).every((f) => (f.key === 'metadata.name' ? name : '') === f.values?.[0] === (f.operator === 'In'));
}

function refMatch(terms: readonly NodeSelectorTerm[], name: string, labels: Readonly<Record<string, string>>): boolean {
  return terms.some((t) => !termIsEmpty(t) && termValid(t) && termMatches(t, name, labels));
}

// ---------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------

const opArb = fc.constantFrom<Op>('In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt', 'Bogus');

function withValues(key: string, operator: Op, values: string[] | undefined): NodeSelectorRequirement {
  const e = { key, operator } as NodeSelectorRequirement;
  if (values !== undefined) e.values = values;
  return e;
}

// Mostly well-formed requirements (the value count fits the operator), with some malformed ones.
const exprArb: fc.Arbitrary<NodeSelectorRequirement> = fc
  .tuple(fc.constantFrom(...KEYS), opArb, fc.array(fc.constantFrom(...VALUES), { maxLength: 3 }), fc.nat(9))
  .map(([key, op, values, dice]) => {
    if (dice < 7) {
      if (op === 'Exists' || op === 'DoesNotExist') return withValues(key, op, undefined);
      if (op === 'Gt' || op === 'Lt') return withValues(key, op, [values[0] === undefined || values[0] === '' ? '8' : values[0]]);
      if (values.length === 0) return withValues(key, op, ['a']);
    }
    return withValues(key, op, values);
  });

const fieldArb: fc.Arbitrary<NodeSelectorRequirement> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom<Op>('In', 'NotIn'), fc.constantFrom('n1', 'n2', '')).map(([op, v]) => withValues('metadata.name', op, [v])) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom<Op>('In', 'NotIn', 'Exists'), fc.array(fc.constantFrom('n1', 'n2'), { maxLength: 2 })).map(([op, vs]) => withValues('metadata.name', op, vs)) },
  { weight: 1, arbitrary: fc.constantFrom('In', 'NotIn').map((op) => withValues('metadata.uid', op as Op, ['x'])) },
);

const termArb: fc.Arbitrary<NodeSelectorTerm> = fc.record(
  { matchExpressions: fc.array(exprArb, { maxLength: 3 }), matchFields: fc.array(fieldArb, { maxLength: 2 }) },
  { requiredKeys: [] },
);

const nodeArb: fc.Arbitrary<{ name: string; labels: Record<string, string> }> = fc.record({
  name: fc.constantFrom(...NAMES),
  labels: fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...LABEL_VALUES), { maxKeys: 4 }),
});

function toNode(n: { name: string; labels: Record<string, string> }): NodeLike {
  return { metadata: { name: n.name, labels: n.labels } };
}

describe('node affinity properties', () => {
  it('NodeSelectorMatcher matches exactly the nodes the reference definition says', () => {
    fc.assert(
      fc.property(fc.array(termArb, { maxLength: 4 }), fc.array(nodeArb, { minLength: 1, maxLength: 6 }), (terms, nodes) => {
        const m = NodeSelectorMatcher.compile({ nodeSelectorTerms: terms });
        const anyInvalid = terms.some((t) => !termIsEmpty(t) && !termValid(t));
        assert.equal(m.errors().length > 0, anyInvalid);
        for (const n of nodes) {
          const expected = refMatch(terms, n.name, n.labels);
          assert.equal(m.match(toNode(n)), expected);
          const lazy = m.matchLazy(toNode(n));
          assert.equal(lazy.matches, expected);
          // Errors surface exactly when nothing matched and some term was invalid.
          assert.equal(lazy.error !== undefined, !expected && anyInvalid);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('RequiredNodeAffinity is the nodeSelector map AND the required terms', () => {
    const mapArb = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 2 });
    const requiredArb = fc.option(fc.array(termArb, { maxLength: 3 }), { nil: undefined });
    fc.assert(
      fc.property(mapArb, requiredArb, fc.array(nodeArb, { minLength: 1, maxLength: 6 }), (map, required, nodes) => {
        const affinity =
          required === undefined ? undefined : { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: required } } };
        const r = RequiredNodeAffinity.of(map, affinity);
        for (const n of nodes) {
          const mapOk = Object.entries(map).every(([k, v]) => Object.prototype.hasOwnProperty.call(n.labels, k) && n.labels[k] === v);
          const termsOk = required === undefined || refMatch(required, n.name, n.labels);
          assert.equal(r.match(toNode(n)), mapOk && termsOk);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('PreferredSchedulingTerms.score sums the weights of the valid matching terms', () => {
    const prefArb = fc.array(fc.record({ weight: fc.integer({ min: 0, max: 100 }), preference: termArb }), { maxLength: 4 });
    fc.assert(
      fc.property(prefArb, fc.array(nodeArb, { minLength: 1, maxLength: 6 }), (prefs, nodes) => {
        const p = PreferredSchedulingTerms.compile(prefs);
        const counted = prefs.filter((t) => t.weight !== 0 && !termIsEmpty(t.preference));
        assert.equal(p.errors().length > 0, counted.some((t) => !termValid(t.preference)));
        for (const n of nodes) {
          const expected = counted
            .filter((t) => termValid(t.preference) && termMatches(t.preference, n.name, n.labels))
            .reduce((sum, t) => sum + t.weight, 0);
          assert.equal(p.score(toNode(n)), expected);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
