import assert from 'node:assert/strict';
import {
  getRequiredNodeAffinity,
  matchNodeSelectorTerms,
  NodeSelectorMatcher,
  PreferredSchedulingTerms,
  RequiredNodeAffinity,
  type NodeLike,
} from './node-affinity.js';
import type { Affinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod, PreferredSchedulingTerm } from './types.js';

const NAME_REGEX_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

function node(name: string | undefined, labels?: Record<string, string>): NodeLike {
  const metadata: { name?: string; labels?: Record<string, string> } = {};
  if (name !== undefined) metadata.name = name;
  if (labels !== undefined) metadata.labels = labels;
  return { metadata };
}

function expr(key: string, operator: string, values?: string[]): NodeSelectorRequirement {
  const e = { key, operator: operator as NodeSelectorRequirement['operator'] } as NodeSelectorRequirement;
  if (values !== undefined) e.values = values;
  return e;
}

function terms(...ts: NodeSelectorTerm[]): NodeSelector {
  return { nodeSelectorTerms: ts };
}

describe('NodeSelectorMatcher', () => {
  describe('nil and empty', () => {
    const n = node('n1', { a: 'b' });
    it('undefined, null, [] terms and only-empty terms match nothing', () => {
      assert.equal(NodeSelectorMatcher.compile(undefined).match(n), false);
      assert.equal(NodeSelectorMatcher.compile(null).match(n), false);
      assert.equal(NodeSelectorMatcher.compile({ nodeSelectorTerms: [] }).match(n), false);
      assert.equal(NodeSelectorMatcher.compile(terms({})).match(n), false);
      assert.equal(NodeSelectorMatcher.compile(terms({ matchExpressions: [], matchFields: [] })).match(n), false);
      assert.equal(NodeSelectorMatcher.compile(terms({})).termCount, 0);
    });

    it('an empty term is dropped while the other terms still work', () => {
      const m = NodeSelectorMatcher.compile(terms({}, { matchExpressions: [expr('a', 'Exists')] }));
      assert.equal(m.termCount, 1);
      assert.equal(m.match(n), true);
      assert.equal(m.match(node('n2', { c: 'd' })), false);
    });

    it('a null or undefined node never matches', () => {
      const m = NodeSelectorMatcher.compile(terms({ matchExpressions: [expr('a', 'DoesNotExist')] }));
      assert.equal(m.match(undefined), false);
      assert.equal(m.match(null), false);
      assert.deepEqual(m.matchLazy(null), { matches: false, error: undefined });
      assert.deepEqual(matchNodeSelectorTerms(null, terms({ matchExpressions: [expr('a', 'DoesNotExist')] })), {
        matches: false,
        error: undefined,
      });
    });
  });

  describe('operators on labels', () => {
    const table: [what: string, e: NodeSelectorRequirement, labels: Record<string, string> | undefined, expected: boolean][] = [
      ['In, value listed', expr('zone', 'In', ['a', 'b']), { zone: 'b' }, true],
      ['In, value not listed', expr('zone', 'In', ['a', 'b']), { zone: 'c' }, false],
      ['In, key absent', expr('zone', 'In', ['a']), {}, false],
      ['NotIn, value listed', expr('zone', 'NotIn', ['a']), { zone: 'a' }, false],
      ['NotIn, value not listed', expr('zone', 'NotIn', ['a']), { zone: 'b' }, true],
      ['NotIn, key absent', expr('zone', 'NotIn', ['a']), {}, true],
      ['NotIn, node without labels', expr('zone', 'NotIn', ['a']), undefined, true],
      ['Exists, present with empty value', expr('gpu', 'Exists'), { gpu: '' }, true],
      ['Exists, absent', expr('gpu', 'Exists'), { cpu: '' }, false],
      ['DoesNotExist, absent', expr('gpu', 'DoesNotExist'), {}, true],
      ['DoesNotExist, present', expr('gpu', 'DoesNotExist'), { gpu: 'x' }, false],
      ['Gt, greater', expr('mem', 'Gt', ['8']), { mem: '16' }, true],
      ['Gt, equal', expr('mem', 'Gt', ['8']), { mem: '8' }, false],
      ['Gt, leading zeros accepted', expr('mem', 'Gt', ['8']), { mem: '0016' }, true],
      ['Gt, non-integer label', expr('mem', 'Gt', ['8']), { mem: '16Gi' }, false],
      ['Gt, absent', expr('mem', 'Gt', ['8']), {}, false],
      ['Lt, less', expr('mem', 'Lt', ['8']), { mem: '4' }, true],
      ['Lt, non-integer label', expr('mem', 'Lt', ['8']), { mem: 'four' }, false],
      ['Lt, greater', expr('mem', 'Lt', ['8']), { mem: '9' }, false],
    ];
    for (const [what, e, labels, expected] of table) {
      it(`${what} ⇒ ${expected}`, () => {
        const m = NodeSelectorMatcher.compile(terms({ matchExpressions: [e] }));
        assert.deepEqual(m.errors(), []);
        assert.equal(m.match(node('n1', labels)), expected);
      });
    }
  });

  it('ANDs expressions within a term and ORs terms', () => {
    const m = NodeSelectorMatcher.compile(
      terms(
        { matchExpressions: [expr('zone', 'In', ['a']), expr('gpu', 'Exists')] },
        { matchExpressions: [expr('tier', 'In', ['edge'])] },
      ),
    );
    assert.equal(m.match(node('n', { zone: 'a', gpu: '1' })), true);
    assert.equal(m.match(node('n', { zone: 'a' })), false);
    assert.equal(m.match(node('n', { tier: 'edge' })), true);
    assert.equal(m.match(node('n', { zone: 'b', gpu: '1' })), false);
  });

  describe('matchFields', () => {
    const table: [what: string, t: NodeSelectorTerm, n: NodeLike, expected: boolean][] = [
      ['In, name matches', { matchFields: [expr('metadata.name', 'In', ['n1'])] }, node('n1'), true],
      ['In, name differs', { matchFields: [expr('metadata.name', 'In', ['n1'])] }, node('n2'), false],
      ['NotIn, name differs', { matchFields: [expr('metadata.name', 'NotIn', ['n1'])] }, node('n2'), true],
      ['NotIn, name matches', { matchFields: [expr('metadata.name', 'NotIn', ['n1'])] }, node('n1'), false],
      // A node without a name has no fields, so matchFields are not evaluated at all.
      ['node without a name skips matchFields', { matchFields: [expr('metadata.name', 'In', ['n1'])] }, node(undefined), true],
      ['node with an empty name skips matchFields', { matchFields: [expr('metadata.name', 'In', ['n1'])] }, node(''), true],
      // Other field keys read as the empty string.
      ['unknown field, In', { matchFields: [expr('metadata.uid', 'In', ['x'])] }, node('n1'), false],
      ['unknown field, NotIn', { matchFields: [expr('metadata.uid', 'NotIn', ['x'])] }, node('n1'), true],
      ['unknown field, In empty value', { matchFields: [expr('spec.x', 'In', [''])] }, node('n1'), true],
      [
        'fields match but labels do not',
        { matchExpressions: [expr('l', 'In', ['v'])], matchFields: [expr('metadata.name', 'In', ['n1'])] },
        node('n1'),
        false,
      ],
      [
        'fields and labels match',
        { matchExpressions: [expr('l', 'In', ['v'])], matchFields: [expr('metadata.name', 'In', ['n1'])] },
        node('n1', { l: 'v' }),
        true,
      ],
      [
        'labels match but fields do not',
        { matchExpressions: [expr('l', 'In', ['v'])], matchFields: [expr('metadata.name', 'In', ['n2'])] },
        node('n1', { l: 'v' }),
        false,
      ],
    ];
    for (const [what, t, n, expected] of table) {
      it(`${what} ⇒ ${expected}`, () => {
        const m = NodeSelectorMatcher.compile(terms(t));
        assert.deepEqual(m.errors(), []);
        assert.equal(m.match(n), expected);
      });
    }

    it('a second term can match on fields alone', () => {
      const m = NodeSelectorMatcher.compile(
        terms({ matchExpressions: [expr('label_1', 'In', ['label_1_val'])] }, { matchFields: [expr('metadata.name', 'In', ['host_1'])] }),
      );
      assert.equal(m.match(node('host_1')), true);
    });
  });

  describe('lazy errors', () => {
    const selector = terms(
      { matchFields: [expr('metadata.name', 'In', ['host_1', 'host_2'])] },
      { matchExpressions: [expr('label_1', 'In', ['label_1_val'])], matchFields: [expr('metadata.name', 'In', ['host_1'])] },
      { matchExpressions: [expr('invalid key', 'In', ['label_value'])] },
    );
    const e0 = 'nodeSelectorTerms[0].matchFields[0].values: Invalid value: ["host_1","host_2"]: must have one element';
    const e2 = `nodeSelectorTerms[2].matchExpressions[0].key: Invalid value: "invalid key": name part ${NAME_REGEX_MSG}`;

    it('reports every parse error eagerly, with upstream paths', () => {
      const m = NodeSelectorMatcher.compile(selector);
      assert.deepEqual(m.errors(), [e0, e2]);
      assert.equal(m.error(), `[${e0}, ${e2}]`);
    });

    it('a valid term still matches, hiding the errors of the invalid ones', () => {
      const m = NodeSelectorMatcher.compile(selector);
      const ok = node('host_1', { label_1: 'label_1_val' });
      assert.equal(m.match(ok), true);
      assert.deepEqual(m.matchLazy(ok), { matches: true, error: undefined });
    });

    it('when nothing matches, the errors are returned with the result', () => {
      const m = NodeSelectorMatcher.compile(selector);
      assert.deepEqual(m.matchLazy(node('host_2')), { matches: false, error: `[${e0}, ${e2}]` });
      assert.equal(m.match(node('host_2')), false);
    });

    it('an invalid term never matches, even when the node would satisfy its valid parts', () => {
      const m = NodeSelectorMatcher.compile(
        terms({ matchExpressions: [expr('zone', 'In', ['a']), expr('mem', 'Gt', ['lots'])] }),
      );
      assert.equal(m.match(node('n', { zone: 'a', mem: '5' })), false);
      assert.deepEqual(m.errors(), [
        "nodeSelectorTerms[0].matchExpressions[1].values[0]: Invalid value: \"lots\": for 'Gt', 'Lt' operators, the value must be an integer",
      ]);
    });

    it('reports value-count and operator errors as upstream', () => {
      const m = NodeSelectorMatcher.compile(
        terms(
          {
            matchExpressions: [
              expr('a', 'Exists', ['x']),
              expr('b', 'In', []),
              expr('c', 'In'),
              expr('d', 'Gt', ['1', '2']),
              expr('e', 'Bogus', ['1']),
            ],
          },
          { matchFields: [expr('metadata.name', 'Exists'), expr('metadata.name', 'NotIn')] },
        ),
      );
      assert.deepEqual(m.errors(), [
        'nodeSelectorTerms[0].matchExpressions[0].values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
        "nodeSelectorTerms[0].matchExpressions[1].values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty",
        "nodeSelectorTerms[0].matchExpressions[2].values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
        'nodeSelectorTerms[0].matchExpressions[3].values: Invalid value: ["1","2"]: for \'Gt\', \'Lt\' operators, exactly one value is required',
        'nodeSelectorTerms[0].matchExpressions[4].operator: Unsupported value: "Bogus": supported values: "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"',
        'nodeSelectorTerms[1].matchFields[0].operator: Unsupported value: "Exists": supported values: "In", "NotIn"',
        'nodeSelectorTerms[1].matchFields[1].values: Invalid value: null: must have one element',
      ]);
    });

    it('prefixes paths with the given path', () => {
      const m = NodeSelectorMatcher.compile(terms({ matchExpressions: [expr('a', 'In')] }), 'spec.nodeAffinity');
      assert.deepEqual(m.errors(), [
        "spec.nodeAffinity.nodeSelectorTerms[0].matchExpressions[0].values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
      ]);
    });

    it('matchNodeSelectorTerms returns the lazy result', () => {
      assert.deepEqual(matchNodeSelectorTerms(node('host_2'), selector), { matches: false, error: `[${e0}, ${e2}]` });
      assert.deepEqual(matchNodeSelectorTerms(node('host_1', { label_1: 'label_1_val' }), selector), {
        matches: true,
        error: undefined,
      });
    });
  });
});

describe('RequiredNodeAffinity', () => {
  function pod(nodeSelector?: Record<string, string>, affinity?: Affinity): Pod {
    const spec: Pod['spec'] = { containers: [{ name: 'c' }] };
    if (nodeSelector !== undefined) spec.nodeSelector = nodeSelector;
    if (affinity !== undefined) spec.affinity = affinity;
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec };
  }
  function required(ns: NodeSelector): Affinity {
    return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: ns } };
  }
  const labels = { foo: 'bar', baz: 'blah', kernel: '5', gpu: '' };

  const table: [what: string, p: Pod, n: NodeLike, expected: boolean][] = [
    ['no selector', pod(), node('n', labels), true],
    ['no selector, node without labels', pod(), node('n'), true],
    ['empty nodeSelector map', pod({}), node('n'), true],
    ['nodeSelector: missing labels', pod({ foo: 'bar' }), node('n'), false],
    ['nodeSelector: same labels', pod({ foo: 'bar' }), node('n', { foo: 'bar' }), true],
    ['nodeSelector: node labels are a superset', pod({ foo: 'bar' }), node('n', labels), true],
    ['nodeSelector: node labels are a subset', pod({ foo: 'bar', baz: 'blah', x: 'y' }), node('n', labels), false],
    ['nodeSelector: empty value must be present', pod({ gpu: '' }), node('n', labels), true],
    ['nodeSelector: empty value, key absent', pod({ tpu: '' }), node('n', labels), false],
    ['nodeSelector: inherited member is not a label', pod({ constructor: 'x' }), node('n', {}), false],
    ['affinity without nodeAffinity', pod(undefined, {}), node('n'), true],
    ['nodeAffinity without required terms', pod(undefined, { nodeAffinity: {} }), node('n'), true],
    ['required with [] terms matches nothing', pod(undefined, required({ nodeSelectorTerms: [] })), node('n', labels), false],
    ['required with only an empty term matches nothing', pod(undefined, required(terms({}))), node('n', labels), false],
    [
      'required In matches',
      pod(undefined, required(terms({ matchExpressions: [expr('foo', 'In', ['value1', 'bar'])] }))),
      node('n', labels),
      true,
    ],
    [
      'required Gt matches',
      pod(undefined, required(terms({ matchExpressions: [expr('kernel', 'Gt', ['4'])] }))),
      node('n', labels),
      true,
    ],
    [
      'affinity matches but nodeSelector does not',
      pod({ foo: 'other' }, required(terms({ matchExpressions: [expr('foo', 'Exists')] }))),
      node('n', labels),
      false,
    ],
    [
      'nodeSelector matches but affinity does not',
      pod({ foo: 'bar' }, required(terms({ matchExpressions: [expr('foo', 'DoesNotExist')] }))),
      node('n', labels),
      false,
    ],
    [
      'both match',
      pod({ foo: 'bar' }, required(terms({ matchExpressions: [expr('baz', 'NotIn', ['x'])] }))),
      node('n', labels),
      true,
    ],
    [
      'invalid value in the only term',
      pod(undefined, required(terms({ matchExpressions: [expr('foo', 'In', ['invalid value: ___@#$%^'])] }))),
      node('n', labels),
      false,
    ],
    [
      'matchFields name in a second term',
      pod(undefined, required(terms({ matchExpressions: [expr('nope', 'Exists')] }, { matchFields: [expr('metadata.name', 'In', ['n'])] }))),
      node('n', labels),
      true,
    ],
  ];
  for (const [what, p, n, expected] of table) {
    it(`${what} ⇒ ${expected}`, () => {
      const r = getRequiredNodeAffinity(p);
      assert.equal(r.match(n), expected);
      assert.equal(r.matchLazy(n).matches, expected);
    });
  }

  it('reports the lazy error only from the affinity part', () => {
    const bad = required(terms({ matchExpressions: [expr('foo', 'In')] }));
    const r = RequiredNodeAffinity.of(undefined, bad);
    assert.match(r.matchLazy(node('n', labels)).error ?? '', /values set can't be empty/);
    const r2 = RequiredNodeAffinity.of({ foo: 'other' }, bad);
    assert.deepEqual(r2.matchLazy(node('n', labels)), { matches: false, error: undefined });
  });

  it('reads null labels and a null nodeSelector as absent', () => {
    const n: NodeLike = { metadata: { name: 'n', labels: null } };
    assert.equal(RequiredNodeAffinity.of({ a: 'b' }, null).match(n), false);
    assert.equal(RequiredNodeAffinity.of(null, null).match(n), true);
    assert.equal(
      RequiredNodeAffinity.of(null, required(terms({ matchExpressions: [expr('a', 'DoesNotExist')] }))).match(n),
      true,
    );
  });

  it('isEmpty and the compiled matcher', () => {
    assert.equal(RequiredNodeAffinity.of(undefined, undefined).isEmpty, true);
    assert.equal(RequiredNodeAffinity.of({}, {}).isEmpty, true);
    assert.equal(RequiredNodeAffinity.of({ a: 'b' }, undefined).isEmpty, false);
    const r = RequiredNodeAffinity.of(undefined, required({ nodeSelectorTerms: [] }));
    assert.equal(r.isEmpty, false);
    assert.equal(r.nodeSelectorMatcher?.termCount, 0);
  });
});

describe('PreferredSchedulingTerms', () => {
  const pref = (weight: number, preference: NodeSelectorTerm): PreferredSchedulingTerm => ({ weight, preference });

  it('scores the sum of the weights of the matching terms', () => {
    const p = PreferredSchedulingTerms.compile([
      pref(5, { matchFields: [expr('metadata.name', 'In', ['host_1'])] }),
      pref(7, { matchExpressions: [expr('unknown_label', 'In', ['unknown_label_val'])] }),
      pref(11, { matchExpressions: [expr('label_1', 'In', ['label_1_val'])] }),
    ]);
    assert.deepEqual(p.errors(), []);
    assert.equal(p.termCount, 3);
    assert.equal(p.score(node('host_1', { label_1: 'label_1_val' })), 16);
    assert.equal(p.score(node('host_2', { label_1: 'label_1_val' })), 11);
    assert.equal(p.score(node('host_2')), 0);
  });

  it('skips weight-0 terms without validating them, and empty preferences', () => {
    const p = PreferredSchedulingTerms.compile([
      pref(0, { matchFields: [expr('metadata.name', 'In', ['host_1', 'host_2'])] }),
      pref(0, { matchExpressions: [expr('a', 'Exists')] }),
      pref(9, {}),
      pref(3, { matchExpressions: [] }),
    ]);
    assert.deepEqual(p.errors(), []);
    assert.equal(p.termCount, 0);
    assert.equal(p.score(node('host_1', { a: '' })), 0);
  });

  it('nil and empty lists score 0', () => {
    assert.equal(PreferredSchedulingTerms.compile(undefined).score(node('n')), 0);
    assert.equal(PreferredSchedulingTerms.compile([]).termCount, 0);
    assert.equal(PreferredSchedulingTerms.compile(null).error(), undefined);
  });

  it('reports invalid terms with upstream paths and scores only the valid ones', () => {
    const p = PreferredSchedulingTerms.compile([
      pref(1, { matchFields: [expr('metadata.name', 'In', ['host_1', 'host_2'])] }),
      pref(2, { matchExpressions: [expr('label_1', 'In', ['label_1_val'])], matchFields: [expr('metadata.name', 'In', ['host_1'])] }),
      pref(4, { matchExpressions: [expr('invalid key', 'In', ['label_value'])] }),
    ]);
    const e0 = '[0].matchFields[0].values: Invalid value: ["host_1","host_2"]: must have one element';
    const e2 = `[2].matchExpressions[0].key: Invalid value: "invalid key": name part ${NAME_REGEX_MSG}`;
    assert.deepEqual(p.errors(), [e0, e2]);
    assert.equal(p.error(), `[${e0}, ${e2}]`);
    assert.equal(p.termCount, 1);
    assert.equal(p.score(node('host_1', { label_1: 'label_1_val' })), 2);
  });

  it('prefixes paths with the given path', () => {
    const p = PreferredSchedulingTerms.compile([pref(1, { matchExpressions: [expr('a', 'Lt', ['x'])] })], 'preferred');
    assert.deepEqual(p.errors(), [
      "preferred[0].matchExpressions[0].values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer",
    ]);
  });
});
