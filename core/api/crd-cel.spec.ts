import assert from 'node:assert/strict';
import { CelValueCache, compileRule, evaluateRules, parseRuleFieldPath, rewriteHasMacros } from './crd-cel.js';
import { fieldErrorString } from './validation-errors.js';
import type { JSONSchemaProps } from './types.js';

function rule(spec: Parameters<typeof compileRule>[0]) {
  const r = compileRule(spec);
  if (!r.ok) throw new Error(r.error);
  return r.rule;
}

describe('crd-cel', () => {
  describe('rewriteHasMacros', () => {
    it('leaves variable-rooted selections alone', () => {
      assert.equal(rewriteHasMacros('has(self.a.b) && has(self.c)'), 'has(self.a.b) && has(self.c)');
    });

    it('rewrites has() over an index expression into an optional-field test', () => {
      assert.equal(rewriteHasMacros('!has(self.matches[0].path)'), '!(self.matches[0]).?path.hasValue()');
      assert.equal(rewriteHasMacros('has(self.m["k"].v) || x.has(y)'), '(self.m["k"]).?v.hasValue() || x.has(y)');
    });

    it('does not touch has( inside string literals', () => {
      assert.equal(rewriteHasMacros("'has(a[0].b)' == self.s"), "'has(a[0].b)' == self.s");
    });

    it('gives has() its CEL meaning', () => {
      const r = rule({ rule: 'has(self.items[0].name)' });
      assert.equal(r.program({ self: { items: [{ name: 'a' }] } }), true);
      assert.equal(r.program({ self: { items: [{}] } }), false);
    });
  });

  describe('parseRuleFieldPath', () => {
    it('parses fields, quoted keys and indices', () => {
      assert.deepEqual(parseRuleFieldPath('.spec.foo'), ['spec', 'foo']);
      assert.deepEqual(parseRuleFieldPath(".labels['app.kubernetes.io/name']"), ['labels', 'app.kubernetes.io/name']);
      assert.deepEqual(parseRuleFieldPath('.list[2].x'), ['list', 2, 'x']);
      assert.equal(parseRuleFieldPath('spec'), undefined);
      assert.equal(parseRuleFieldPath('.a[b]'), undefined);
    });
  });

  describe('compileRule', () => {
    it('reports syntax and type errors as values', () => {
      const bad = compileRule({ rule: 'self.a ==' });
      assert.equal(bad.ok, false);
      assert.equal(!bad.ok && bad.field, 'rule');
      assert.match(!bad.ok ? bad.error : '', /^compilation failed: /);
      const badMsg = compileRule({ rule: 'true', messageExpression: '"a" +' });
      assert.equal(!badMsg.ok && badMsg.field, 'messageExpression');
      const badPath = compileRule({ rule: 'true', fieldPath: 'nope' });
      assert.equal(!badPath.ok && badPath.field, 'fieldPath');
    });

    it('detects transition rules', () => {
      assert.equal(rule({ rule: 'self == oldSelf' }).usesOldSelf, true);
      assert.equal(rule({ rule: "self == 'oldSelf'" }).usesOldSelf, false);
      assert.equal(rule({ rule: 'self.oldSelfish == 1' }).usesOldSelf, false);
    });
  });

  describe('CelValueCache', () => {
    it('turns integers into BigInt except in number fields', () => {
      const schema: JSONSchemaProps = { type: 'object', properties: { n: { type: 'integer' }, d: { type: 'number' }, l: { type: 'array', items: { type: 'integer' } } } };
      const v = new CelValueCache().convert({ n: 3, d: 2, l: [1, 2], free: { x: 4, y: 1.5 } }, schema);
      assert.deepEqual(v, { n: 3n, d: 2, l: [1n, 2n], free: { x: 4n, y: 1.5 } });
    });
  });

  describe('evaluateRules', () => {
    const base = { path: ['spec'], schemaType: 'object', hasOldSelf: false } as const;

    it('reports message, messageExpression, or the failed rule', () => {
      const rules = [
        rule({ rule: 'self.a < 3', message: 'a must be small' }),
        rule({ rule: 'self.a < 2', messageExpression: "'a is ' + string(self.a)" }),
        rule({ rule: 'self.a < 1' }),
        rule({ rule: 'self.a * 2 == 10' }),
      ];
      const errs = evaluateRules(rules, { ...base, value: { a: 5 }, self: { a: 5n } });
      assert.deepEqual(errs.map(fieldErrorString), [
        'spec: Invalid value: a must be small',
        'spec: Invalid value: a is 5',
        'spec: Invalid value: failed rule: self.a < 1',
      ]);
    });

    it('reports evaluation errors as validation errors', () => {
      const errs = evaluateRules([rule({ rule: 'self.missing == 1' })], { ...base, value: {}, self: {} });
      assert.equal(errs.length, 1);
      assert.match(fieldErrorString(errs[0] ?? assert.fail()), /^spec: Invalid value: "object": no such key: missing evaluating rule: self\.missing == 1$/);
    });

    it('uses fieldPath and reason, and shows scalar values', () => {
      const errs = evaluateRules(
        [
          rule({ rule: 'self.x > 0', fieldPath: '.x', reason: 'FieldValueForbidden', message: 'x must be positive' }),
          rule({ rule: 'has(self.y)', fieldPath: '.y', reason: 'FieldValueRequired', message: 'y is required' }),
        ],
        { ...base, value: { x: 0 }, self: { x: 0n } },
      );
      assert.deepEqual(errs.map(fieldErrorString), ['spec.x: Forbidden: x must be positive', 'spec.y: Required value: y is required']);
      const scalar = evaluateRules([rule({ rule: "self.startsWith('a')" })], { path: ['spec', 's'], schemaType: 'string', hasOldSelf: false, value: 'b', self: 'b' });
      assert.deepEqual(scalar.map(fieldErrorString), ['spec.s: Invalid value: "b": failed rule: self.startsWith(\'a\')']);
    });

    it('skips transition rules without an old value unless optionalOldSelf', () => {
      const transition = rule({ rule: 'self == oldSelf', message: 'immutable' });
      const optional = rule({ rule: '!oldSelf.hasValue() || self == oldSelf.value()', optionalOldSelf: true, message: 'immutable' });
      assert.deepEqual(evaluateRules([transition, optional], { ...base, value: 'a', self: 'a' }), []);
      const updated = evaluateRules([transition, optional], { ...base, value: 'a', self: 'a', oldSelf: 'b', hasOldSelf: true });
      assert.deepEqual(updated.map(fieldErrorString), ['spec: Invalid value: immutable', 'spec: Invalid value: immutable']);
    });
  });
});
