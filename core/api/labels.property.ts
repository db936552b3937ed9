import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  escapeFieldValue,
  labelSelectorAsSelector,
  newRequirement,
  parseFieldSelector,
  parseSelector,
  SelectorParseError,
  selectorFromRequirements,
  selectorFromSet,
  tryParseSelector,
  type Labels,
  type SelectionOperator,
} from './labels.js';
import type { LabelSelector, LabelSelectorRequirement } from './types.js';

const NUM_RUNS = Number(process.env['FC_NUM_RUNS'] ?? 200);

// ---------------------------------------------------------------------------------------------------
// The reference definition: label requirements as the Kubernetes documentation states them, written
// as directly as possible (own-property lookups, BigInt arithmetic, a regex for integers), with no
// attempt at speed, so that it shares no code path with the compiled matchers.
// ---------------------------------------------------------------------------------------------------

interface RefRequirement {
  readonly key: string;
  readonly op: SelectionOperator;
  readonly values: readonly string[];
}

function refInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < -(2n ** 63n) || v > 2n ** 63n - 1n ? undefined : v;
}

function refMatches(r: RefRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.op) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(v as string);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(v as string);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const a = refInt64(v as string);
      const b = refInt64(r.values[0] as string);
      if (a === undefined || b === undefined) return false;
      return r.op === 'gt' ? a > b : a < b;
    }
  }
}

function refSelectorMatches(reqs: readonly RefRequirement[], labels: Labels): boolean {
  return reqs.every((r) => refMatches(r, labels));
}

// ---------------------------------------------------------------------------------------------------
// Generators. Small pools make keys and values collide often, which is where the semantics bite.
// ---------------------------------------------------------------------------------------------------

// Keys include the parser's keywords and names of inherited object members.
const KEYS = ['a', 'b', 'app', 'example.com/tier', 'in', 'notin', 'constructor', 'toString'] as const;
const VALUES = ['', 'x', 'y', 'in', '0', '1', '2', '10', '007'] as const;
const INTS = ['0', '1', '2', '10', '007', '9223372036854775807'] as const;
// Label values that requirements cannot spell but nodes may carry (an API server would reject some
// of them; the matchers must still treat them as upstream does).
const LABEL_VALUES = [...VALUES, '-1', '+3', 'v2', '1.5', '9223372036854775808', '-9223372036854775808'] as const;

const keyArb = fc.constantFrom(...KEYS);
const valueArb = fc.constantFrom(...VALUES);

const requirementArb: fc.Arbitrary<RefRequirement> = fc.oneof(
  fc.record({
    key: keyArb,
    op: fc.constantFrom<SelectionOperator>('in', 'notin'),
    values: fc.array(valueArb, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ key: keyArb, op: fc.constantFrom<SelectionOperator>('=', '==', '!='), values: fc.tuple(valueArb) }),
  fc.record({ key: keyArb, op: fc.constantFrom<SelectionOperator>('exists', '!'), values: fc.constant([]) }),
  fc.record({ key: keyArb, op: fc.constantFrom<SelectionOperator>('gt', 'lt'), values: fc.tuple(fc.constantFrom(...INTS)) }),
);

const labelsArb: fc.Arbitrary<Labels> = fc.dictionary(keyArb, fc.constantFrom(...LABEL_VALUES), { maxKeys: 5 });

const labelSetsArb = fc.array(labelsArb, { minLength: 1, maxLength: 8 });

function build(reqs: readonly RefRequirement[]) {
  return selectorFromRequirements(reqs.map((r) => newRequirement(r.key, r.op, r.values)));
}

describe('label selector properties', () => {
  it('a requirement list matches exactly the label maps the reference definition says', () => {
    fc.assert(
      fc.property(fc.array(requirementArb, { maxLength: 5 }), labelSetsArb, (reqs, sets) => {
        const sel = build(reqs);
        for (const labels of sets) assert.equal(sel.matches(labels), refSelectorMatches(reqs, labels));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('parseSelector(sel.toString()) is equivalent to sel, and printing is canonical', () => {
    fc.assert(
      fc.property(fc.array(requirementArb, { maxLength: 5 }), labelSetsArb, (reqs, sets) => {
        const sel = build(reqs);
        const printed = sel.toString();
        const reparsed = parseSelector(printed);
        for (const labels of sets) assert.equal(reparsed.matches(labels), sel.matches(labels), printed);
        // One round trip removes duplicate values; from then on printing is a fixed point.
        const canonical = reparsed.toString();
        assert.equal(parseSelector(canonical).toString(), canonical);
        assert.equal(reparsed.isEmpty(), reqs.length === 0);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('the printed form does not depend on the order of the requirements', () => {
    // Keys are unique here: requirements on the same key keep their input order, by design.
    const pairArb = fc
      .uniqueArray(requirementArb, { maxLength: 5, selector: (r) => r.key })
      .chain((reqs) => fc.tuple(fc.constant(reqs), fc.shuffledSubarray(reqs, { minLength: reqs.length, maxLength: reqs.length })));
    fc.assert(
      fc.property(pairArb, ([reqs, shuffled]) => {
        assert.equal(build(shuffled).toString(), build(reqs).toString());
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('any string either parses to a selector that reprints stably, or fails with SelectorParseError', () => {
    const tokenArb = fc.constantFrom('a', 'b', 'x', '1', '=', '==', '!', '!=', '(', ')', ',', ' ', '\t', 'in', 'notin', '>', '<', '-', '/', '.', '|');
    fc.assert(
      fc.property(fc.array(tokenArb, { maxLength: 14 }).map((ts) => ts.join('')), labelSetsArb, (s, sets) => {
        let r;
        try {
          r = tryParseSelector(s);
        } catch (err) {
          assert.fail(`tryParseSelector threw on ${JSON.stringify(s)}: ${String(err)}`);
        }
        if (!r.ok) {
          assert.ok(r.error instanceof SelectorParseError);
          if (r.error.position !== undefined) assert.ok(r.error.position >= 0 && r.error.position <= s.length);
          return;
        }
        const printed = r.selector.toString();
        const again = parseSelector(printed);
        assert.equal(again.toString(), printed);
        for (const labels of sets) assert.equal(again.matches(labels), r.selector.matches(labels));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('labelSelectorAsSelector ANDs matchLabels and matchExpressions as defined', () => {
    const exprArb: fc.Arbitrary<LabelSelectorRequirement> = fc.oneof(
      fc.record({ key: keyArb, operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.array(valueArb, { minLength: 1, maxLength: 3 }) }),
      fc.record({ key: keyArb, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
    );
    const lsArb: fc.Arbitrary<LabelSelector> = fc.record(
      { matchLabels: fc.dictionary(keyArb, valueArb, { maxKeys: 3 }), matchExpressions: fc.array(exprArb, { maxLength: 3 }) },
      { requiredKeys: [] },
    );
    const opOf = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const;
    fc.assert(
      fc.property(lsArb, labelSetsArb, (ls, sets) => {
        const sel = labelSelectorAsSelector(ls);
        const ref: RefRequirement[] = [
          ...Object.entries(ls.matchLabels ?? {}).map(([key, v]) => ({ key, op: '=' as const, values: [v] })),
          ...(ls.matchExpressions ?? []).map((e) => ({ key: e.key, op: opOf[e.operator as keyof typeof opOf], values: e.values ?? [] })),
        ];
        assert.equal(sel.isEmpty(), ref.length === 0);
        for (const labels of sets) assert.equal(sel.matches(labels), refSelectorMatches(ref, labels));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('selectorFromSet(set) matches exactly the label maps that contain set', () => {
    fc.assert(
      fc.property(fc.dictionary(keyArb, valueArb, { maxKeys: 3 }), labelSetsArb, (set, sets) => {
        const sel = selectorFromSet(set);
        for (const labels of [...sets, set]) {
          const expected = Object.entries(set).every(([k, v]) => Object.prototype.hasOwnProperty.call(labels, k) && labels[k] === v);
          assert.equal(sel.matches(labels), expected);
        }
        assert.equal(parseSelector(sel.toString()).toString(), sel.toString());
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('field selector properties', () => {
  const FIELDS = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'] as const;
  const valueCharArb = fc.constantFrom('a', 'b', '1', '-', '.', '\\', ',', '=', '!', ' ');
  const fieldValueArb = fc.array(valueCharArb, { maxLength: 6 }).map((cs) => cs.join(''));
  const termArb = fc.record({ field: fc.constantFrom(...FIELDS), op: fc.constantFrom('=', '==', '!='), value: fieldValueArb });
  const objectArb = fc.dictionary(fc.constantFrom(...FIELDS), fieldValueArb, { maxKeys: 4 });

  it('escaped terms parse back to the same requirements and match as defined', () => {
    fc.assert(
      fc.property(fc.array(termArb, { maxLength: 4 }), fc.array(objectArb, { minLength: 1, maxLength: 5 }), (terms, objects) => {
        const s = terms.map((t) => `${t.field}${t.op}${escapeFieldValue(t.value)}`).join(',');
        const fs = parseFieldSelector(s);
        assert.equal(fs.requirements().length, terms.length);
        for (const fields of objects) {
          const expected = terms.every((t) => ((fields[t.field] ?? '') === t.value) === (t.op !== '!='));
          assert.equal(fs.matchesFields(fields), expected, s);
          assert.equal(fs.matches((p) => fields[p]), expected, s);
        }
        // Terms are sorted as written (`==` and `=` sort differently), so the first print may reorder
        // them; from then on printing is a fixed point.
        const printed = parseFieldSelector(fs.toString()).toString();
        assert.equal(parseFieldSelector(printed).toString(), printed);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
