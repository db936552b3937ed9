import assert from 'node:assert/strict';
import {
  duplicateError,
  fieldErrorString,
  forbiddenError,
  formatFieldPath,
  internalError,
  invalidError,
  isBlockingError,
  notSupportedError,
  OMIT_VALUE,
  pointerToPath,
  renderBadValue,
  requiredError,
  tooLongError,
  tooManyError,
  typeInvalidError,
  strictDecodingMessage,
  unknownField,
  unknownFieldMessage,
} from './validation-errors.js';
import { convertSchemaErrors, type SchemaErrorObject } from './validation-schema-errors.js';

describe('validation-errors', () => {
  it('formats paths like field.Path', () => {
    assert.equal(formatFieldPath([]), '');
    assert.equal(formatFieldPath(['spec', 'containers', 0, 'ports', 1, 'containerPort']), 'spec.containers[0].ports[1].containerPort');
    assert.equal(formatFieldPath(['metadata', 'labels', 'app.kubernetes.io/name']), 'metadata.labels[app.kubernetes.io/name]');
    assert.equal(formatFieldPath(['x-kubernetes-validations', 0]), 'x-kubernetes-validations[0]');
  });

  it('renders bad values like ErrorBody', () => {
    assert.equal(renderBadValue('x'), '"x"');
    assert.equal(renderBadValue(3), '3');
    assert.equal(renderBadValue(true), 'true');
    assert.equal(renderBadValue(5n), '5');
    assert.equal(renderBadValue(null), 'null');
    assert.equal(renderBadValue(undefined), 'null');
    assert.equal(renderBadValue({ a: [1n] }), '{"a":["1"]}');
  });

  it('renders each error type with upstream wording', () => {
    const p = ['spec', 'x'];
    assert.equal(fieldErrorString(requiredError(p)), 'spec.x: Required value');
    assert.equal(fieldErrorString(requiredError(p, 'needed')), 'spec.x: Required value: needed');
    assert.equal(fieldErrorString(invalidError(p, 'v', 'bad')), 'spec.x: Invalid value: "v": bad');
    assert.equal(fieldErrorString(invalidError(p, OMIT_VALUE, 'bad')), 'spec.x: Invalid value: bad');
    assert.equal(fieldErrorString(typeInvalidError(p, 'string', 'wrong')), 'spec.x: Invalid value: "string": wrong');
    assert.equal(fieldErrorString(notSupportedError(p, 'C', ['A', 'B'])), 'spec.x: Unsupported value: "C": supported values: "A", "B"');
    assert.equal(fieldErrorString(notSupportedError(p, 3, [1, 2])), 'spec.x: Unsupported value: 3: supported values: "1", "2"');
    assert.equal(fieldErrorString(notSupportedError(p, 3, [])), 'spec.x: Unsupported value: 3');
    assert.equal(fieldErrorString(forbiddenError(p, 'no')), 'spec.x: Forbidden: no');
    assert.equal(fieldErrorString(duplicateError(p, { name: 'a' })), 'spec.x: Duplicate value: {"name":"a"}');
    assert.equal(fieldErrorString(tooLongError(p, 1)), 'spec.x: Too long: may not be more than 1 byte');
    assert.equal(fieldErrorString(tooManyError(p, 3, 1)), 'spec.x: Too many: 3: must have at most 1 item');
    assert.equal(fieldErrorString(internalError(p, 'oops')), 'spec.x: Internal error: oops');
    assert.equal(unknownFieldMessage(unknownField(p)), 'unknown field "spec.x"');
    assert.equal(strictDecodingMessage([unknownField(p), unknownField(['a', 0])]), 'strict decoding error: unknown field "spec.x", unknown field "a[0]"');
    assert.equal(fieldErrorString(invalidError([], null, 'root')), 'Invalid value: null: root');
  });

  it('keeps upstream parts apart: type, field, value, detail', () => {
    assert.deepEqual(invalidError(['spec', 'replicas'], 'x', 'must be an integer', 'integer'), {
      type: 'FieldValueInvalid',
      field: 'spec.replicas',
      path: ['spec', 'replicas'],
      value: '"x"',
      detail: 'must be an integer',
      message: 'Invalid value: "x": must be an integer',
      expected: 'integer',
    });
    assert.deepEqual(requiredError(['a']), { type: 'FieldValueRequired', field: 'a', path: ['a'], detail: '', message: 'Required value' });
  });

  it('classifies blocking errors as upstream does before CEL', () => {
    assert.equal(isBlockingError(requiredError(['a'])), true);
    assert.equal(isBlockingError(typeInvalidError(['a'], 'string', '')), true);
    assert.equal(isBlockingError(notSupportedError(['a'], 'x', ['y'])), true);
    assert.equal(isBlockingError(invalidError(['a'], 'x', '')), false);
  });

  it('parses JSON pointers against the data', () => {
    const data = { a: [{ '0': { 'x/y': 1 } }], m: { '1': 2 } };
    assert.deepEqual(pointerToPath('', data), []);
    assert.deepEqual(pointerToPath('/a/0/0/x~1y', data), ['a', 0, '0', 'x/y']);
    assert.deepEqual(pointerToPath('/m/1', data), ['m', '1']);
    assert.deepEqual(pointerToPath('/t~0/z', {}), ['t~', 'z']);
  });
});

describe('convertSchemaErrors', () => {
  const e = (keyword: string, instancePath: string, params: Record<string, unknown> = {}, schemaPath = `#/${keyword}`): SchemaErrorObject => ({
    keyword,
    instancePath,
    schemaPath,
    params,
  });

  it('converts keyword errors with kube-openapi wording', () => {
    const data = { n: 3, s: 'ab', l: [1, 1], o: { a: 1 } };
    const out = convertSchemaErrors(
      [
        e('multipleOf', '/n', { multipleOf: 2 }),
        e('exclusiveMaximum', '/n', { limit: 3 }),
        e('minItems', '/l', { limit: 3 }),
        e('uniqueItems', '/l'),
        e('maxProperties', '/o', { limit: 0 }),
        e('minProperties', '/o', { limit: 2 }),
        e('const', '/s', { allowedValue: 'x' }),
        e('additionalProperties', '/o', { additionalProperty: 'a' }),
        e('dependencies', '/o'),
      ],
      data,
      ['spec'],
    );
    assert.deepEqual(out.map(fieldErrorString), [
      'spec.n: Invalid value: 3: spec.n in body should be a multiple of 2',
      'spec.n: Invalid value: 3: spec.n in body should be less than 3',
      'spec.l: Invalid value: 2: spec.l in body should have at least 3 items',
      "spec.l: Invalid value: spec.l in body shouldn't contain duplicates",
      'spec.o: Too many: 1: must have at most 0 items',
      'spec.o: Invalid value: spec.o in body should have at least 2 properties',
      'spec.s: Unsupported value: "ab": supported values: "x"',
      'spec.o: Invalid value: "a": spec.o.a in body is a forbidden property',
      'spec.o: Invalid value: spec.o in body failed dependencies validation',
    ]);
  });

  it('folds branch errors of oneOf/anyOf/not into one error', () => {
    const data = { v: { a: 1 }, w: 'x' };
    const out = convertSchemaErrors(
      [
        e('required', '/v', { missingProperty: 'b' }, '#/properties/v/oneOf/0/required'),
        e('required', '/v', { missingProperty: 'c' }, '#/properties/v/oneOf/1/required'),
        e('oneOf', '/v', { passingSchemas: null }, '#/properties/v/oneOf'),
        e('anyOf', '/w', {}, '#/properties/w/anyOf'),
        e('not', '/w', {}, '#/properties/w/not'),
        e('oneOf', '/v', { passingSchemas: [0, 1] }, '#/properties/x/oneOf'),
      ],
      data,
    );
    assert.deepEqual(out.map(fieldErrorString), [
      'v: Invalid value: v in body must validate one and only one schema (oneOf). Found none valid',
      'w: Invalid value: w in body must validate at least one schema (anyOf)',
      'w: Invalid value: w in body must not validate the schema (not)',
      'v: Invalid value: v in body must validate one and only one schema (oneOf). Found 2 valid alternatives',
    ]);
  });

  it('drops exact duplicates', () => {
    const out = convertSchemaErrors([e('required', '', { missingProperty: 'a' }), e('required', '', { missingProperty: 'a' })], {});
    assert.deepEqual(out.map(fieldErrorString), ['a: Required value']);
  });
});
