import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import {
  aggregateErrorMessage,
  escapeFieldValue,
  everything,
  formatLabelSelector,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  labelSelectorAsMap,
  labelSelectorAsSelector,
  matchesNothing,
  newRequirement,
  nothing,
  objectFieldGetter,
  parseFieldSelector,
  parseGoInt64,
  parseSelector,
  SelectorParseError,
  selectorFromRequirements,
  selectorFromSet,
  tryLabelSelectorAsSelector,
  tryNewRequirement,
  tryParseSelector,
  type Labels,
} from './labels.js';
import type { LabelSelector } from './types.js';

const NAME_REGEX_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_REGEX_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and " +
  "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " +
  "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function parseError(s: string): SelectorParseError {
  const r = tryParseSelector(s);
  assert.ok(!r.ok, `expected ${JSON.stringify(s)} to be rejected`);
  return r.error;
}

describe('parseSelector', () => {
  describe('accepts every operator and prints the canonical form', () => {
    const table: [input: string, canonical: string][] = [
      ['', ''],
      ['   ', ''],
      ['x=a', 'x=a'],
      ['x==a', 'x==a'],
      ['x!=a', 'x!=a'],
      ['x in (a)', 'x in (a)'],
      ['x notin (a)', 'x notin (a)'],
      ['x', 'x'],
      ['!x', '!x'],
      ['x>1', 'x>1'],
      ['x<1', 'x<1'],
      ['x=', 'x='],
      ['x= ', 'x='],
      ['x=,z= ', 'x=,z='],
      ['x>1,z<5', 'x>1,z<5'],
      ['a=b,c in (y,x),!h', 'a=b,c in (x,y),!h'],
      ['z=1,a=2,m', 'a=2,m,z=1'],
      ['x in (c,b,a,b)', 'x in (a,b,c)'],
      ['x in ()', 'x in ()'],
      ['x in ( )', 'x in ()'],
      ['x in (,)', 'x in ()'],
      ['x in (a,)', 'x in (,a)'],
      ['x notin (, a)', 'x notin (,a)'],
      ['x in (a,,a,,a,,)', 'x in (,a)'],
      ['x notin (abc,,def),bar,z in (),w', 'bar,w,x notin (,abc,def),z in ()'],
      ['a in (x,y,notin, z,in)', 'a in (in,notin,x,y,z)'],
      ['in in (in)', 'in in (in)'],
      ['notin=in', 'notin=in'],
      ['example.com/key-1 in (so,what)', 'example.com/key-1 in (so,what)'],
      ['0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)', '0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)'],
      ['x>007', 'x>007'],
    ];
    for (const [input, canonical] of table) {
      it(JSON.stringify(input), () => {
        assert.equal(parseSelector(input).toString(), canonical);
      });
    }
  });

  it('ignores blanks (space, tab, CR, LF) around tokens', () => {
    for (const s of ['foo  in\t (abc)', '\rfoo in (abc)', 'foo\nin\n(\nabc\n)', '  foo in(abc)  ']) {
      assert.equal(parseSelector(s).toString(), 'foo in (abc)', JSON.stringify(s));
    }
    assert.equal(parseSelector(' a = b , c != d ').toString(), 'a=b,c!=d');
    assert.equal(parseSelector('\tx\t').toString(), 'x');
  });

  it('keeps requirements on the same key, in input order after a stable key sort', () => {
    const s = parseSelector('b=1,a!=x,a');
    assert.equal(s.toString(), 'a!=x,a,b=1');
    assert.deepEqual(
      s.requirements().map((r) => [r.key, r.operator]),
      [
        ['a', '!='],
        ['a', 'exists'],
        ['b', '='],
      ],
    );
  });

  it('gives the same selector whatever the input order', () => {
    assert.equal(parseSelector('x=a,a=x').toString(), parseSelector('a=x,x=a').toString());
  });

  it('exposes requirements with upstream operator names and sorted, deduplicated values', () => {
    const [r] = parseSelector('k in (b,a,b)').requirements();
    assert.ok(r);
    assert.equal(r.key, 'k');
    assert.equal(r.operator, 'in');
    assert.deepEqual(r.values, ['a', 'b']);
    assert.deepEqual(
      parseSelector('a,!b,c=1,d==1,e!=1,f>1,g<1,h notin (1)')
        .requirements()
        .map((x) => x.operator),
      ['exists', '!', '=', '==', '!=', 'gt', 'lt', 'notin'],
    );
  });

  describe('rejects invalid input with the offending token and its position', () => {
    const table: [input: string, reason: string, position: number][] = [
      ['x==a==b', "found '==', expected: ',' or 'end of string'", 4],
      ['!x=a', "found '=', expected: ',' or 'end of string'", 2],
      ['a=b c', "found 'c', expected: ',' or 'end of string'", 4],
      ['x,,y', "found ',', expected: identifier after ','", 2],
      [',x,y', "found ',', expected: !, identifier, or 'end of string'", 0],
      ['a in (xyz),', "found '', expected: identifier after ','", 11],
      ['(', "found '(', expected: !, identifier, or 'end of string'", 0],
      ['a (', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt", 2],
      ['x nott in (y)', "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt", 2],
      ['a in (xyz abc)', "unable to parse requirement: found 'abc', expected: ',' or ')'", 10],
      ['a notin(', "unable to parse requirement: found '', expected: ',', ')' or identifier", 8],
      ['a in x', "unable to parse requirement: found 'x' expected: '('", 5],
      ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier", 6],
      ['a in (b,=)', "unable to parse requirement: found '=', expected: ',', or identifier", 8],
      ['a>=1', "unable to parse requirement: found '=', expected: identifier", 2],
      ['!=a', "found '!=', expected: !, identifier, or 'end of string'", 0],
      ['! =a', "unable to parse requirement: found '=', expected: identifier", 2],
      ['a=(', "unable to parse requirement: found '(', expected: identifier", 2],
    ];
    for (const [input, reason, position] of table) {
      it(JSON.stringify(input), () => {
        const err = parseError(input);
        assert.equal(err.reason, reason);
        assert.equal(err.position, position);
        assert.equal(err.selector, input);
        assert.equal(err.message, `invalid label selector ${JSON.stringify(input)}: ${reason} (at position ${position})`);
      });
    }
  });

  it('throws a SelectorParseError, which is a ConfigError', () => {
    assert.throws(() => parseSelector('x=a||y=b'), SelectorParseError);
    assert.throws(() => parseSelector('x=a||y=b'), ConfigError);
  });

  describe('validates keys and values with upstream wording', () => {
    const table: [input: string, reason: string][] = [
      ['x=a||y=b', `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${VALUE_REGEX_MSG}`],
      ['-a=b', `unable to parse requirement: Invalid value: "-a": name part ${NAME_REGEX_MSG}`],
      ['a/b/c', `unable to parse requirement: Invalid value: "a/b/c": a valid label key ${NAME_REGEX_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`],
      ['x<a', `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`],
      ['x>', `unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`],
      ['x>-1', `unable to parse requirement: values[0][x]: Invalid value: "-1": ${VALUE_REGEX_MSG}`],
      ['k=' + 'v'.repeat(64), `unable to parse requirement: values[0][k]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 bytes`],
      ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ];
    for (const [input, reason] of table) {
      it(JSON.stringify(input.length > 40 ? input.slice(0, 40) + '...' : input), () => {
        assert.equal(parseError(input).reason, reason);
      });
    }
  });

  it('rejects OR, which the syntax does not have', () => {
    assert.ok(!tryParseSelector('a=b || c=d').ok);
    assert.ok(!tryParseSelector('a=b;c=d').ok);
  });

  it('reads a NUL character as the end of a token, as upstream does', () => {
    assert.equal(parseSelector('a\u0000').toString(), 'a');
    assert.equal(parseError('a\u0000b').reason, "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  });
});

describe('Selector.matches', () => {
  const table: [selector: string, labels: Labels | undefined, expected: boolean][] = [
    ['', { x: 'y' }, true],
    ['', undefined, true],
    ['x=y', { x: 'y' }, true],
    ['x==y', { x: 'y' }, true],
    ['x=y', { x: 'z' }, false],
    ['x=z', {}, false],
    ['x=', { x: '' }, true],
    ['x=', {}, false],
    ['x=y,z=w', { x: 'y', z: 'w' }, true],
    ['x=y,z=w', { x: 'w', z: 'w' }, false],
    ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
    // != and notin match when the key is absent.
    ['x!=y', {}, true],
    ['x!=y', undefined, true],
    ['x notin (a,b)', {}, true],
    ['x notin (a,b)', { x: 'a' }, false],
    ['x notin (a,b)', { x: 'c' }, true],
    ['x notin ()', { x: '' }, false],
    ['x notin ()', { y: '' }, true],
    ['x in (a,b)', { x: 'b' }, true],
    ['x in (a,b)', { x: 'c' }, false],
    ['x in (a,b)', {}, false],
    ['x in ()', { x: '' }, true],
    ['x in ()', { y: 'baz' }, false],
    ['x', { x: '' }, true],
    ['x', { y: 'z' }, false],
    ['!x', { y: 'z' }, true],
    ['!x', { x: 'z' }, false],
    ['!x', undefined, true],
    ['x in (a,b,c,d,e,f,g,h)', { x: 'h' }, true],
    ['x in (a,b,c,d,e,f,g,h)', { x: 'i' }, false],
    ['x notin (a,b,c,d,e,f,g,h)', { x: 'h' }, false],
    ['foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }, false],
    ['x,y in (a)', { x: '1', y: 'a' }, true],
  ];
  for (const [selector, labels, expected] of table) {
    it(`${JSON.stringify(selector)} on ${JSON.stringify(labels)} ⇒ ${expected}`, () => {
      assert.equal(parseSelector(selector).matches(labels), expected);
    });
  }

  it('reads null labels (as JSON can carry) as the empty map', () => {
    assert.equal(parseSelector('x!=y,!z').matches(null), true);
    assert.equal(parseSelector('x').matches(null), false);
    assert.equal(parseSelector('x notin (a)').requirements()[0]?.matches(null), true);
  });

  it('does not mistake inherited object members for labels', () => {
    assert.equal(parseSelector('constructor').matches({}), false);
    assert.equal(parseSelector('!toString').matches({}), true);
    assert.equal(parseSelector('hasOwnProperty notin (x)').matches({}), true);
    assert.equal(parseSelector('valueOf>1').matches({}), false);
    assert.equal(parseSelector('constructor').matches({ constructor: 'x' }), true);
  });
});

describe('Gt and Lt', () => {
  const table: [selector: string, value: string | undefined, expected: boolean][] = [
    ['x>1', '2', true],
    ['x>1', '1', false],
    ['x>1', '0', false],
    ['x<1', '0', true],
    ['x<1', '1', false],
    ['x<1', '-5', true],
    ['x>1', '+2', true],
    ['x>1', '0002', true],
    ['x>1', '-0', false],
    // Label values that are not base-10 int64s never match, for either operator.
    ['x>1', 'v2', false],
    ['x<100', 'v2', false],
    ['x>1', '', false],
    ['x<1', '', false],
    ['x>1', '2.5', false],
    ['x>1', '1e3', false],
    ['x>1', '0x10', false],
    ['x>1', '1_000', false],
    ['x>1', ' 2', false],
    ['x>1', '+', false],
    ['x>1', '-', false],
    ['x>1', undefined, false],
    ['x<1', undefined, false],
    // int64 range, exactly.
    ['x>9223372036854775806', '9223372036854775807', true],
    ['x>1', '9223372036854775808', false],
    ['x<1', '-9223372036854775808', true],
    ['x<1', '-9223372036854775809', false],
    ['x>9007199254740992', '9007199254740993', true],
    ['x<9007199254740993', '9007199254740992', true],
    ['x>9007199254740993', '9007199254740993', false],
    ['x>123456789012345', '123456789012346', true],
    ['x<1234567890123456', '999', true],
  ];
  for (const [selector, value, expected] of table) {
    it(`${selector} on x=${JSON.stringify(value)} ⇒ ${expected}`, () => {
      assert.equal(parseSelector(selector).matches(value === undefined ? {} : { x: value }), expected);
    });
  }

  it('rejects an operand that is not an int64', () => {
    assert.ok(!tryParseSelector('x>9223372036854775808').ok);
    assert.ok(!tryParseSelector('x<abc').ok);
  });

  it('parseGoInt64 follows strconv.ParseInt(s, 10, 64)', () => {
    assert.equal(parseGoInt64('0'), 0);
    assert.equal(parseGoInt64('-0'), -0);
    assert.equal(parseGoInt64('+42'), 42);
    assert.equal(parseGoInt64('00042'), 42);
    assert.equal(parseGoInt64('-9223372036854775808'), -(2n ** 63n));
    assert.equal(parseGoInt64('9223372036854775807'), 2n ** 63n - 1n);
    assert.equal(parseGoInt64('000000000000000000000000009'), 9);
    for (const bad of ['', '+', '-', '1.0', '0x1', ' 1', '1 ', '9223372036854775808', '1_0', '٣']) {
      assert.equal(parseGoInt64(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('requirements', () => {
  it('validates value counts with upstream messages', () => {
    const table: [key: string, op: string, values: string[] | null, errors: string[]][] = [
      ['x1', 'in', [], ["values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"]],
      ['x2', 'notin', null, ["values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"]],
      ['x5', '=', ['bar', 'foo'], ['values: Invalid value: ["bar","foo"]: exact-match compatibility requires one single value']],
      ['x8', 'exists', ['foo'], ['values: Invalid value: ["foo"]: values set must be empty for exists and does not exist']],
      ['x13', 'gt', [], ["values: Invalid value: []: for 'Gt', 'Lt' operators, exactly one value is required"]],
      ['x14', 'gt', ['bar'], ["values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer"]],
      ['x17', '=', ['a b'], [`values[0][x17]: Invalid value: "a b": ${VALUE_REGEX_MSG}`]],
      [
        'x18',
        'unsupportedOp',
        [],
        ['operator: Unsupported value: "unsupportedOp": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"'],
      ],
      [
        'a'.repeat(254),
        'exists',
        [],
        [`key: Invalid value: "${'a'.repeat(254)}": name part must be no more than 63 bytes`],
      ],
      [
        'bad key',
        'in',
        [],
        [
          `key: Invalid value: "bad key": name part ${NAME_REGEX_MSG}`,
          "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty",
        ],
      ],
    ];
    for (const [key, op, values, errors] of table) {
      const r = tryNewRequirement(key, op, values);
      assert.ok(!r.ok, key);
      assert.deepEqual(r.errors, errors, key);
    }
  });

  it('accepts the empty value and valid operands', () => {
    for (const [key, op, values] of [
      ['x3', 'in', ['foo']],
      ['x4', 'notin', ['']],
      ['x6', 'exists', []],
      ['x7', '!', []],
      ['x11', 'gt', ['1']],
      ['x12', 'lt', ['6']],
      ['a.b/c', '==', ['']],
    ] as const) {
      assert.ok(tryNewRequirement(key, op, values).ok, key);
    }
  });

  it('newRequirement throws the aggregated message', () => {
    assert.throws(
      () => newRequirement('bad key', 'in', []),
      (err: unknown) =>
        err instanceof SelectorParseError &&
        err.reason.startsWith('[key: Invalid value: "bad key"') &&
        err.reason.endsWith("values set can't be empty]"),
    );
  });

  it('prints requirements as upstream, sorting several values without changing them', () => {
    const r = newRequirement('x', 'notin', ['def', 'abc']);
    assert.equal(r.toString(), 'x notin (abc,def)');
    assert.deepEqual(r.values, ['def', 'abc']);
    assert.equal(newRequirement('z', 'notin', ['']).toString(), 'z notin ()');
    assert.equal(newRequirement('z', '!', []).toString(), '!z');
    assert.equal(newRequirement('y', '==', ['jkl']).toString(), 'y==jkl');
    assert.equal(
      selectorFromRequirements([newRequirement('z', 'exists', []), newRequirement('x', 'gt', ['2']), newRequirement('y', 'lt', ['8'])]).toString(),
      'x>2,y<8,z',
    );
  });

  it('aggregates messages as upstream: one as is, several bracketed and deduplicated', () => {
    assert.equal(aggregateErrorMessage(['a']), 'a');
    assert.equal(aggregateErrorMessage(['a', 'b', 'a']), '[a, b]');
    assert.equal(aggregateErrorMessage(['a', 'a']), 'a');
  });
});

describe('everything, nothing, selectorFromSet', () => {
  it('everything matches all and is empty; nothing matches none and is not empty', () => {
    assert.equal(everything().matches({ x: 'y' }), true);
    assert.equal(everything().matches(undefined), true);
    assert.equal(everything().isEmpty(), true);
    assert.equal(everything().toString(), '');
    assert.equal(nothing().matches({}), false);
    assert.equal(nothing().matches(undefined), false);
    assert.equal(nothing().isEmpty(), false);
    assert.equal(nothing().toString(), '');
    assert.deepEqual(nothing().requirements(), []);
    assert.equal(matchesNothing(nothing()), true);
    assert.equal(matchesNothing(everything()), false);
    assert.equal(matchesNothing(parseSelector('a=b,a!=b')), false);
    assert.equal(nothing().add(newRequirement('a', 'exists', [])), nothing());
  });

  it('selectorFromSet: nil and empty are everything; keys sorted; no validation', () => {
    assert.equal(selectorFromSet(undefined).isEmpty(), true);
    assert.equal(selectorFromSet(null).isEmpty(), true);
    assert.equal(selectorFromSet({}).isEmpty(), true);
    const s = selectorFromSet({ foo: 'bar', baz: 'blah' });
    assert.equal(s.toString(), 'baz=blah,foo=bar');
    assert.equal(s.matches({ foo: 'bar', baz: 'blah', x: 'y' }), true);
    assert.equal(s.matches({ foo: 'bar' }), false);
    assert.equal(selectorFromSet({ 'not a key': '=x' }).matches({ 'not a key': '=x' }), true);
  });

  it('add returns a new selector sorted by key', () => {
    const s = parseSelector('m=1');
    const t = s.add(newRequirement('a', 'exists', []), newRequirement('z', '!', []));
    assert.equal(s.toString(), 'm=1');
    assert.equal(t.toString(), 'a,m=1,!z');
  });

  it('requiresExactMatch as upstream', () => {
    const s = parseSelector('a=1,b in (2),c in (3,4),d!=5,e==6');
    assert.equal(s.requiresExactMatch('a'), '1');
    assert.equal(s.requiresExactMatch('b'), '2');
    assert.equal(s.requiresExactMatch('c'), undefined);
    assert.equal(s.requiresExactMatch('d'), undefined);
    assert.equal(s.requiresExactMatch('e'), '6');
    assert.equal(s.requiresExactMatch('f'), undefined);
    assert.equal(nothing().requiresExactMatch('a'), undefined);
  });
});

describe('labelSelectorAsSelector', () => {
  it('nil matches nothing, {} matches everything', () => {
    assert.equal(labelSelectorAsSelector(undefined), nothing());
    assert.equal(labelSelectorAsSelector(null).matches({}), false);
    const empty = labelSelectorAsSelector({});
    assert.equal(empty.matches({ a: 'b' }), true);
    assert.equal(empty.isEmpty(), true);
    assert.equal(labelSelectorAsSelector({ matchLabels: {}, matchExpressions: [] }).isEmpty(), true);
  });

  it('ANDs matchLabels and matchExpressions, sorted by key', () => {
    const ls: LabelSelector = {
      matchLabels: { tier: 'web', app: 'shop' },
      matchExpressions: [
        { key: 'env', operator: 'NotIn', values: ['dev', 'ci'] },
        { key: 'zone', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'app', operator: 'In', values: ['shop', 'cart'] },
      ],
    };
    const s = labelSelectorAsSelector(ls);
    assert.equal(s.toString(), 'app=shop,app in (cart,shop),env notin (ci,dev),!legacy,tier=web,zone');
    assert.equal(s.matches({ app: 'shop', tier: 'web', zone: 'a' }), true);
    assert.equal(s.matches({ app: 'shop', tier: 'web', zone: 'a', env: 'ci' }), false);
    assert.equal(s.matches({ app: 'shop', tier: 'web', zone: 'a', legacy: '' }), false);
    assert.equal(s.matches({ app: 'shop', tier: 'web' }), false);
  });

  it('reports invalid selectors with upstream messages', () => {
    const table: [LabelSelector, string][] = [
      [{ matchExpressions: [{ key: 'a', operator: 'Gt' as 'In', values: ['1'] }] }, '"Gt" is not a valid pod selector operator'],
      [{ matchExpressions: [{ key: 'a', operator: 'In' }] }, "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"],
      [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"],
      [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'values: Invalid value: ["x"]: values set must be empty for exists and does not exist'],
      [{ matchLabels: { a: 'b c' } }, `values[0][a]: Invalid value: "b c": ${VALUE_REGEX_MSG}`],
      [{ matchLabels: { '/a': 'b' } }, 'key: Invalid value: "/a": prefix part must be non-empty'],
    ];
    for (const [ls, error] of table) {
      const r = tryLabelSelectorAsSelector(ls);
      assert.ok(!r.ok, JSON.stringify(ls));
      assert.equal(r.error, error);
      assert.throws(() => labelSelectorAsSelector(ls), (e: unknown) => e instanceof SelectorParseError && e.reason === error);
    }
  });

  it('labelSelectorAsMap converts single-value In and rejects the rest', () => {
    assert.equal(labelSelectorAsMap(undefined), undefined);
    assert.deepEqual(labelSelectorAsMap({}), {});
    assert.deepEqual(
      labelSelectorAsMap({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'In', values: ['2'] }] }),
      { a: '1', b: '2' },
    );
    assert.throws(
      () => labelSelectorAsMap({ matchExpressions: [{ key: 'b', operator: 'In', values: ['2', '3'] }] }),
      /operator "In" without a single value cannot be converted into the old label selector format/,
    );
    assert.throws(
      () => labelSelectorAsMap({ matchExpressions: [{ key: 'b', operator: 'Exists' }] }),
      /operator "Exists" cannot be converted into the old label selector format/,
    );
    assert.throws(
      () => labelSelectorAsMap({ matchExpressions: [{ key: 'b', operator: 'Foo' as 'In' }] }),
      /"Foo" is not a valid selector operator/,
    );
  });

  describe('results kept for deeply frozen selectors', () => {
    function deepFreeze<T>(o: T): T {
      if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
        for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
        Object.freeze(o);
      }
      return o;
    }

    it('a deeply frozen selector gives the same result object every time', () => {
      const ls = deepFreeze<LabelSelector>({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] });
      const a = tryLabelSelectorAsSelector(ls);
      const b = tryLabelSelectorAsSelector(ls);
      assert.ok(a.ok);
      assert.equal(b, a);
      assert.equal(labelSelectorAsSelector(ls), a.selector);
      assert.equal(a.selector.toString(), 'app=web,tier in (be,fe)');
      assert.equal(a.selector.matches({ app: 'web', tier: 'fe' }), true);
      assert.equal(a.selector.matches({ app: 'web', tier: 'x' }), false);
      // An equal but distinct frozen object gets its own (equal) result.
      const other = deepFreeze<LabelSelector>({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] });
      const c = tryLabelSelectorAsSelector(other);
      assert.ok(c.ok);
      assert.notEqual(c, a);
      assert.equal(c.selector.toString(), a.selector.toString());
    });

    it('frozen selectors with only matchLabels, only matchExpressions, or nothing are kept too', () => {
      for (const ls of [deepFreeze<LabelSelector>({ matchLabels: { a: 'b' } }), deepFreeze<LabelSelector>({ matchExpressions: [{ key: 'a', operator: 'Exists' }] })]) {
        const r = tryLabelSelectorAsSelector(ls);
        assert.equal(tryLabelSelectorAsSelector(ls), r);
      }
      const empty = deepFreeze<LabelSelector>({});
      const r = tryLabelSelectorAsSelector(empty);
      assert.ok(r.ok);
      assert.equal(r.selector.isEmpty(), true);
      assert.equal(tryLabelSelectorAsSelector(empty), r);
      assert.equal(labelSelectorAsSelector(null), nothing());
      assert.equal(matchesNothing(labelSelectorAsSelector(undefined)), true);
    });

    it('an invalid frozen selector returns the same error each time', () => {
      const ls = deepFreeze<LabelSelector>({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] });
      const a = tryLabelSelectorAsSelector(ls);
      assert.ok(!a.ok);
      assert.equal(a.error, 'values: Invalid value: ["x"]: values set must be empty for exists and does not exist');
      assert.equal(tryLabelSelectorAsSelector(ls), a);
      for (let i = 0; i < 2; i++) {
        assert.throws(() => labelSelectorAsSelector(ls), (e: unknown) => e instanceof SelectorParseError && e.reason === a.error);
      }
      const badOp = deepFreeze<LabelSelector>({ matchExpressions: [{ key: 'a', operator: 'Gt' as 'In', values: ['1'] }] });
      const b = tryLabelSelectorAsSelector(badOp);
      assert.deepEqual(b, { ok: false, error: '"Gt" is not a valid pod selector operator' });
      assert.equal(tryLabelSelectorAsSelector(badOp), b);
    });

    it('a selector that is not frozen is converted afresh: changes between calls are seen', () => {
      const ls: LabelSelector = { matchLabels: { app: 'web' } };
      const a = tryLabelSelectorAsSelector(ls);
      assert.ok(a.ok);
      ls.matchLabels!['app'] = 'db';
      const b = tryLabelSelectorAsSelector(ls);
      assert.ok(b.ok);
      assert.notEqual(b, a);
      assert.equal(a.selector.toString(), 'app=web');
      assert.equal(b.selector.toString(), 'app=db');
      ls.matchExpressions = [{ key: 'a', operator: 'Exists', values: ['x'] }];
      assert.equal(tryLabelSelectorAsSelector(ls).ok, false);
    });

    it('a frozen selector with a part that can still change is converted afresh', () => {
      // Frozen at the top only: matchLabels can change.
      const labels: Record<string, string> = { app: 'web' };
      const shallow = Object.freeze({ matchLabels: labels }) as LabelSelector;
      const a = tryLabelSelectorAsSelector(shallow);
      labels['app'] = 'db';
      const b = tryLabelSelectorAsSelector(shallow);
      assert.ok(a.ok && b.ok);
      assert.deepEqual([a.selector.toString(), b.selector.toString()], ['app=web', 'app=db']);

      // Everything frozen but one expression's values.
      const values = ['fe'];
      const exprs = Object.freeze([Object.freeze({ key: 'tier', operator: 'In' as const, values })]);
      const partial = Object.freeze({ matchExpressions: exprs }) as unknown as LabelSelector;
      const c = tryLabelSelectorAsSelector(partial);
      values.push('be');
      const d = tryLabelSelectorAsSelector(partial);
      assert.ok(c.ok && d.ok);
      assert.deepEqual([c.selector.toString(), d.selector.toString()], ['tier in (fe)', 'tier in (be,fe)']);

      // The expression list itself not frozen.
      const list: { readonly key: string; readonly operator: 'Exists' | 'DoesNotExist' }[] = [Object.freeze({ key: 'tier', operator: 'Exists' as const })];
      const openList = Object.freeze({ matchExpressions: list }) as unknown as LabelSelector;
      const e = tryLabelSelectorAsSelector(openList);
      list.push(Object.freeze({ key: 'app', operator: 'DoesNotExist' as const }));
      const f = tryLabelSelectorAsSelector(openList);
      assert.ok(e.ok && f.ok);
      assert.deepEqual([e.selector.toString(), f.selector.toString()], ['tier', '!app,tier']);

      // An expression object not frozen.
      const expr: { key: string; operator: 'In' | 'NotIn'; values: string[] } = { key: 'tier', operator: 'In', values: Object.freeze(['fe']) as string[] };
      const openExpr = Object.freeze({ matchExpressions: Object.freeze([expr]) }) as unknown as LabelSelector;
      const g = tryLabelSelectorAsSelector(openExpr);
      expr.operator = 'NotIn';
      const h = tryLabelSelectorAsSelector(openExpr);
      assert.ok(g.ok && h.ok);
      assert.deepEqual([g.selector.toString(), h.selector.toString()], ['tier in (fe)', 'tier notin (fe)']);
    });

    it('toString is stable across calls and for added requirements', () => {
      const s = parseSelector('b=2,a in (x,y)');
      assert.equal(s.toString(), 'a in (x,y),b=2');
      assert.equal(s.toString(), 'a in (x,y),b=2');
      const t = s.add(newRequirement('c', 'exists', []));
      assert.equal(t.toString(), 'a in (x,y),b=2,c');
      assert.equal(s.toString(), 'a in (x,y),b=2');
    });
  });

  it('formatLabelSelector prints <none> and <error>', () => {
    assert.equal(formatLabelSelector(undefined), '<none>');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(formatLabelSelector({ matchLabels: { a: 'b' } }), 'a=b');
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }] }), '<error>');
  });
});

describe('name validation', () => {
  it('isQualifiedName', () => {
    for (const ok of ['a', 'A', '1', 'a-b_c.d', 'example.com/MyName', 'k8s.io/a', 'a'.repeat(63), `${'a'.repeat(253)}/b`]) {
      assert.deepEqual(isQualifiedName(ok), [], ok);
    }
    const table: [string, string[]][] = [
      ['', ['name part must be non-empty', `name part ${NAME_REGEX_MSG}`]],
      ['-a', [`name part ${NAME_REGEX_MSG}`]],
      ['a_', [`name part ${NAME_REGEX_MSG}`]],
      ['a'.repeat(64), ['name part must be no more than 63 bytes']],
      ['/a', ['prefix part must be non-empty']],
      ['a/', ['name part must be non-empty', `name part ${NAME_REGEX_MSG}`]],
      [
        'Example.com/a',
        [
          "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ],
      ],
      [
        'a/b/c',
        [
          `a valid label key ${NAME_REGEX_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
        ],
      ],
    ];
    for (const [value, errors] of table) assert.deepEqual(isQualifiedName(value), errors, value);
    assert.equal(isQualifiedName(`${'a'.repeat(254)}/b`)[0], 'prefix part must be no more than 253 bytes');
  });

  it('isValidLabelValue', () => {
    for (const ok of ['', 'a', 'A1', 'a-b_c.d', '0', 'v'.repeat(63)]) assert.deepEqual(isValidLabelValue(ok), [], ok);
    assert.deepEqual(isValidLabelValue('-a'), [VALUE_REGEX_MSG]);
    assert.deepEqual(isValidLabelValue('a b'), [VALUE_REGEX_MSG]);
    assert.deepEqual(isValidLabelValue('v'.repeat(64)), ['must be no more than 63 bytes']);
    assert.deepEqual(isValidLabelValue('é'), [VALUE_REGEX_MSG]);
    // Lengths are bytes, as Go counts them: 32 two-byte characters are 64 bytes.
    assert.equal(isValidLabelValue('é'.repeat(32))[0], 'must be no more than 63 bytes');
  });

  it('isDNS1123Label and isDNS1123Subdomain', () => {
    assert.deepEqual(isDNS1123Label('my-name'), []);
    assert.deepEqual(isDNS1123Label('123-abc'), []);
    assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
    assert.deepEqual(isDNS1123Label('My'), [
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    assert.equal(isDNS1123Label('a'.repeat(64))[0], 'must be no more than 63 bytes');
    assert.deepEqual(isDNS1123Subdomain('example.com'), []);
    assert.deepEqual(isDNS1123Subdomain('a'), []);
    for (const bad of ['', '.a', 'a.', 'a..b', '-a.b', 'a-.b', 'A.b', 'a_b']) {
      assert.equal(isDNS1123Subdomain(bad).length, 1, bad);
    }
    assert.equal(isDNS1123Subdomain('a'.repeat(254))[0], 'must be no more than 253 bytes');
  });
});

describe('parseFieldSelector', () => {
  const pod = {
    metadata: { name: 'web-1', namespace: 'prod' },
    spec: { nodeName: '', hostNetwork: true, priority: 5 },
    status: { phase: 'Running' },
  };
  const get = objectFieldGetter(pod);

  const table: [selector: string, canonical: string, expected: boolean][] = [
    ['', '', true],
    ['metadata.name=web-1', 'metadata.name=web-1', true],
    ['metadata.name==web-1', 'metadata.name=web-1', true],
    ['metadata.name!=web-1', 'metadata.name!=web-1', false],
    ['status.phase=Running,metadata.namespace!=kube-system', 'metadata.namespace!=kube-system,status.phase=Running', true],
    ['spec.nodeName=', 'spec.nodeName=', true],
    ['spec.nodeName!=', 'spec.nodeName!=', false],
    ['spec.schedulerName=', 'spec.schedulerName=', true],
    ['spec.hostNetwork=true', 'spec.hostNetwork=true', true],
    ['spec.priority=5', 'spec.priority=5', true],
    ['metadata.name=a\\,b', 'metadata.name=a\\,b', false],
    [',metadata.name=web-1,', 'metadata.name=web-1', true],
    ['=', '', true],
  ];
  for (const [selector, canonical, expected] of table) {
    it(`${JSON.stringify(selector)} ⇒ ${JSON.stringify(canonical)}, ${expected}`, () => {
      const fs = parseFieldSelector(selector);
      assert.equal(fs.toString(), canonical);
      assert.equal(fs.matches(get), expected);
    });
  }

  it('unescapes values and escapes them back', () => {
    const fs = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d');
    assert.deepEqual(fs.requirements(), [{ field: 'metadata.name', operator: '=', value: 'a,b=c\\d' }]);
    assert.equal(fs.toString(), 'metadata.name=a\\,b\\=c\\\\d');
    assert.equal(fs.matchesFields({ 'metadata.name': 'a,b=c\\d' }), true);
    assert.equal(escapeFieldValue('x,y=z\\'), 'x\\,y\\=z\\\\');
  });

  it('matches missing fields as the empty string', () => {
    assert.equal(parseFieldSelector('spec.nodeName=').matchesFields({}), true);
    assert.equal(parseFieldSelector('spec.nodeName!=').matchesFields({}), false);
    assert.equal(parseFieldSelector('spec.nodeName!=n1').matches(() => undefined), true);
  });

  it('requiresExactMatch and isEmpty', () => {
    const fs = parseFieldSelector('metadata.name=x,spec.nodeName!=y');
    assert.equal(fs.requiresExactMatch('metadata.name'), 'x');
    assert.equal(fs.requiresExactMatch('spec.nodeName'), undefined);
    assert.equal(fs.isEmpty(), false);
    assert.equal(parseFieldSelector('').isEmpty(), true);
  });

  it('rejects invalid selectors with upstream messages', () => {
    const table: [string, string][] = [
      ['metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
      ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
      ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
      ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
      ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ];
    for (const [s, reason] of table) {
      assert.throws(
        () => parseFieldSelector(s),
        (e: unknown) => e instanceof SelectorParseError && e.reason === reason && e.selectorKind === 'field',
        s,
      );
    }
  });

  it('checks fields against a supported list', () => {
    const supported = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'];
    assert.equal(parseFieldSelector('spec.nodeName=n1', supported).toString(), 'spec.nodeName=n1');
    assert.throws(
      () => parseFieldSelector('spec.nodename=n1', supported),
      (e: unknown) => e instanceof SelectorParseError && e.reason === 'field label not supported: spec.nodename',
    );
  });

  it('objectFieldGetter walks own properties only', () => {
    assert.equal(get('metadata.name'), 'web-1');
    assert.equal(get('metadata.uid'), undefined);
    assert.equal(get('metadata'), undefined);
    assert.equal(get('metadata.name.length'), undefined);
    assert.equal(get('constructor'), undefined);
    assert.equal(objectFieldGetter(null)('a'), undefined);
  });
});
