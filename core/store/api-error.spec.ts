import { strict as assert } from 'node:assert';
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  generateNameConflict,
  gone,
  internalServerError,
  invalid,
  isAlreadyExists,
  isBadRequest,
  isConflict,
  isForbidden,
  isGone,
  isInternalError,
  isInvalid,
  isMethodNotSupported,
  isNotFound,
  isResourceExpired,
  isServerTimeout,
  isServiceUnavailable,
  isTimeout,
  isTooManyRequests,
  methodNotSupported,
  notFound,
  OPTIMISTIC_LOCK_ERROR_MSG,
  resourceExpired,
  resourceNotServed,
  serverTimeout,
  serviceUnavailable,
  timeoutError,
  toStatus,
  tooManyRequests,
  type ApiError,
} from './api-error.js';
import { apiErr, apiOk, unwrap } from './api-result.js';
import { fieldErrorString, forbiddenError, requiredError } from '../api/validation-errors.js';
import { aggregateFieldErrors } from './api-error.js';
import { GO_UINT64_ZERO, goInvalid, goStringSlice, goTime } from './go-values.js';
import { ModelBug } from '../errors.js';

const pods = { group: '', resource: 'pods' };
const deployments = { group: 'apps', resource: 'deployments' };

describe('api-error', () => {
  const cases: readonly { name: string; err: ApiError; code: number; reason: string; message: string }[] = [
    { name: 'NotFound (core)', err: notFound(pods, 'web-1'), code: 404, reason: 'NotFound', message: 'pods "web-1" not found' },
    { name: 'NotFound (group)', err: notFound(deployments, 'web'), code: 404, reason: 'NotFound', message: 'deployments.apps "web" not found' },
    { name: 'unknown resource', err: resourceNotServed(), code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' },
    { name: 'AlreadyExists', err: alreadyExists(pods, 'web'), code: 409, reason: 'AlreadyExists', message: 'pods "web" already exists' },
    {
      name: 'generateName conflict',
      err: generateNameConflict(pods, 'web-bcdfg', 1),
      code: 409,
      reason: 'AlreadyExists',
      message: 'pods "web-bcdfg" already exists, the server was not able to generate a unique name for the object',
    },
    {
      name: 'Conflict',
      err: conflict(pods, 'web', OPTIMISTIC_LOCK_ERROR_MSG),
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again',
    },
    { name: 'Forbidden with name', err: forbidden(pods, 'web', 'nope'), code: 403, reason: 'Forbidden', message: 'pods "web" is forbidden: nope' },
    { name: 'Forbidden without name', err: forbidden(pods, '', 'nope'), code: 403, reason: 'Forbidden', message: 'pods is forbidden: nope' },
    { name: 'Forbidden without resource', err: forbidden({ group: '', resource: '' }, '', 'nope'), code: 403, reason: 'Forbidden', message: 'forbidden: nope' },
    {
      name: 'Invalid, one error',
      err: invalid({ group: '', kind: 'Pod' }, 'web', [requiredError(['metadata', 'name'], 'name or generateName is required')]),
      code: 422,
      reason: 'Invalid',
      message: 'Pod "web" is invalid: metadata.name: Required value: name or generateName is required',
    },
    {
      name: 'Invalid, two errors',
      err: invalid({ group: 'apps', kind: 'Deployment' }, 'web', [goInvalid(['metadata', 'uid'], '"a"', 'field is immutable'), forbiddenError(['spec'], 'no')]),
      code: 422,
      reason: 'Invalid',
      message: 'Deployment.apps "web" is invalid: [metadata.uid: Invalid value: "a": field is immutable, spec: Forbidden: no]',
    },
    { name: 'Invalid, no errors', err: invalid({ group: '', kind: 'Pod' }, 'web', []), code: 422, reason: 'Invalid', message: 'Pod "web" is invalid' },
    { name: 'BadRequest', err: badRequest('Namespace parameter required.'), code: 400, reason: 'BadRequest', message: 'Namespace parameter required.' },
    { name: 'Expired', err: resourceExpired('too old resource version: 3 (9)'), code: 410, reason: 'Expired', message: 'too old resource version: 3 (9)' },
    { name: 'Gone', err: gone('gone'), code: 410, reason: 'Gone', message: 'gone' },
    {
      name: 'MethodNotAllowed',
      err: methodNotSupported(deployments, 'patch'),
      code: 405,
      reason: 'MethodNotAllowed',
      message: 'patch is not supported on resources of kind "deployments.apps"',
    },
    { name: 'TooManyRequests', err: tooManyRequests('slow down', 1), code: 429, reason: 'TooManyRequests', message: 'slow down' },
    { name: 'InternalError', err: internalServerError('boom'), code: 500, reason: 'InternalError', message: 'Internal error occurred: boom' },
    {
      name: 'ServerTimeout',
      err: serverTimeout(pods, 'create', 2),
      code: 500,
      reason: 'ServerTimeout',
      message: 'The create operation against pods could not be completed at this time, please try again.',
    },
    { name: 'Timeout', err: timeoutError('Too large resource version: 9, current: 3', 1), code: 504, reason: 'Timeout', message: 'Timeout: Too large resource version: 9, current: 3' },
    { name: 'ServiceUnavailable', err: serviceUnavailable('apiserver is shutting down'), code: 503, reason: 'ServiceUnavailable', message: 'apiserver is shutting down' },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.code} ${c.reason}`, () => {
      assert.equal(c.err.code, c.code);
      assert.equal(c.err.reason, c.reason);
      assert.equal(c.err.message, c.message);
      assert.ok(Object.isFrozen(c.err));
    });
  }

  it('details carry group, resource and name as upstream', () => {
    assert.deepEqual(notFound(deployments, 'web').details, { name: 'web', group: 'apps', kind: 'deployments' });
    const inv = invalid({ group: '', kind: 'Pod' }, 'web', [forbiddenError(['metadata', 'finalizers'], 'no')]);
    assert.deepEqual(inv.details?.causes, [{ reason: 'FieldValueForbidden', message: 'Forbidden: no', field: 'metadata.finalizers' }]);
    assert.equal(tooManyRequests('x', 7).details?.retryAfterSeconds, 7);
  });

  const predicates = [
    { fn: isNotFound, err: notFound(pods, 'x') },
    { fn: isAlreadyExists, err: alreadyExists(pods, 'x') },
    { fn: isConflict, err: conflict(pods, 'x', 'y') },
    { fn: isInvalid, err: invalid({ group: '', kind: 'Pod' }, 'x', []) },
    { fn: isGone, err: gone('x') },
    { fn: isResourceExpired, err: resourceExpired('x') },
    { fn: isBadRequest, err: badRequest('x') },
    { fn: isForbidden, err: forbidden(pods, 'x', 'y') },
    { fn: isMethodNotSupported, err: methodNotSupported(pods, 'x') },
    { fn: isTooManyRequests, err: tooManyRequests('x', 1) },
    { fn: isInternalError, err: internalServerError('x') },
    { fn: isTimeout, err: timeoutError('x', 1) },
    { fn: isServerTimeout, err: serverTimeout(pods, 'get', 1) },
    { fn: isServiceUnavailable, err: serviceUnavailable('x') },
  ];
  for (const p of predicates) {
    it(`${p.fn.name} accepts its error, results and nothing else`, () => {
      assert.equal(p.fn(p.err), true);
      assert.equal(p.fn(apiErr(p.err)), true);
      assert.equal(p.fn(apiOk(1)), false);
      assert.equal(p.fn(undefined), false);
      assert.equal(p.fn(null), false);
      for (const other of predicates) if (other !== p && other.err.reason !== p.err.reason) assert.equal(p.fn(other.err), false, other.fn.name);
    });
  }

  it('falls back on the HTTP code when the reason is unknown (client-go)', () => {
    assert.equal(isNotFound({ code: 404, reason: '', message: '' }), true);
    assert.equal(isConflict({ code: 409, reason: '', message: '' }), true);
    assert.equal(isConflict({ code: 404, reason: '', message: '' }), false);
  });

  it('toStatus gives the v1 Status wire shape', () => {
    assert.deepEqual(toStatus(notFound(pods, 'web')), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "web" not found',
      reason: 'NotFound',
      details: { name: 'web', group: '', kind: 'pods' },
      code: 404,
    });
    assert.deepEqual(toStatus(badRequest('x')), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'x', reason: 'BadRequest', code: 400 });
  });

  it('unwrap returns values and throws ModelBug on errors', () => {
    assert.equal(unwrap(apiOk(3)), 3);
    assert.throws(() => unwrap(apiErr(notFound(pods, 'x'))), ModelBug);
  });
});

describe('Go-rendered field errors', () => {
  const cases = [
    { err: goInvalid(['metadata', 'resourceVersion'], GO_UINT64_ZERO, 'must be specified for an update'), text: 'metadata.resourceVersion: Invalid value: 0x0: must be specified for an update' },
    { err: goInvalid(['metadata', 'finalizers'], goStringSlice(['a', 'b']), 'x'), text: 'metadata.finalizers: Invalid value: []string{"a", "b"}: x' },
    { err: goInvalid(['a'], '1', ''), text: 'a: Invalid value: 1' },
  ];
  for (const c of cases) it(`formats ${c.text}`, () => assert.equal(fieldErrorString(c.err), c.text));

  it('aggregates like utilerrors: single bare, several bracketed, duplicates dropped', () => {
    const a = forbiddenError(['a'], 'x');
    const b = forbiddenError(['b'], 'y');
    assert.equal(aggregateFieldErrors([a]), 'a: Forbidden: x');
    assert.equal(aggregateFieldErrors([a, b, a]), '[a: Forbidden: x, b: Forbidden: y]');
  });

  it('renders Go values', () => {
    assert.equal(goStringSlice(['a', 'b']), '[]string{"a", "b"}');
    assert.equal(goStringSlice([]), '[]string{}');
    assert.equal(goTime('2026-01-01T00:00:05Z'), '2026-01-01 00:00:05 +0000 UTC');
    assert.equal(goTime('garbage'), '"garbage"');
  });
});
