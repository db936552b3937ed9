/**
 * A few of upstream's semantic validation rules that the OpenAPI schemas do not express, for the
 * fields a simulation's workloads exercise: counts that must not be negative.
 *
 * Upstream: `pkg/apis/apps/validation/validation.go` (`ValidateDeploymentSpec`,
 * `ValidateReplicaSetSpec`, `ValidateStatefulSetSpec`), `pkg/apis/batch/validation/validation.go`
 * (`validateJobSpec`), `pkg/apis/core/validation/validation.go` (`ValidateReplicationControllerSpec`,
 * `ValidateNonnegativeField`: `must be greater than or equal to 0`). The rest of upstream's
 * semantic validation is not modelled.
 */
import { groupKindKey, type KindInfo } from '../api/kinds.js';
import { invalidError, type FieldError } from '../api/validation-errors.js';
import { objAt, type Obj } from './json-fields.js';

/** Upstream `isNegativeErrorMsg`. */
export const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';

const NON_NEGATIVE_SPEC_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['apps/Deployment', ['replicas', 'minReadySeconds', 'revisionHistoryLimit']],
  ['apps/ReplicaSet', ['replicas', 'minReadySeconds']],
  ['apps/StatefulSet', ['replicas', 'minReadySeconds', 'revisionHistoryLimit']],
  ['apps/DaemonSet', ['minReadySeconds', 'revisionHistoryLimit']],
  ['ReplicationController', ['replicas', 'minReadySeconds']],
  ['batch/Job', ['parallelism', 'completions', 'backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished']],
]);

/** The semantic errors of an object of a built-in kind (`[]` for kinds without rules here). */
export function validateBuiltinSemantics(info: Pick<KindInfo, 'group' | 'kind'>, obj: Readonly<Obj>): FieldError[] {
  const fields = NON_NEGATIVE_SPEC_FIELDS.get(groupKindKey(info.group, info.kind));
  const spec = objAt(obj, 'spec');
  if (fields === undefined || spec === undefined) return [];
  const errs: FieldError[] = [];
  for (const f of fields) {
    const v = spec[f];
    if (typeof v === 'number' && v < 0) errs.push(invalidError(['spec', f], v, IS_NEGATIVE_ERROR_MSG));
  }
  return errs;
}
