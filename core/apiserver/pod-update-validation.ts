/**
 * What an update of a pod (the resource, not its subresources) may change in `spec`.
 *
 * Upstream: `pkg/apis/core/validation/validation.go` (`ValidatePodUpdate`): the new spec, with the
 * few mutable fields copied back from the old one, must equal the old spec; otherwise the update
 * is rejected with one `spec: Forbidden` error listing what may change. Mutable: container and
 * init container images, `activeDeadlineSeconds` (set, or lowered), tolerations (additions only),
 * `terminationGracePeriodSeconds` (to 1, from a negative value) and scheduling gates (removals
 * only). Upstream appends a Go diff of the two specs to the message; kubeprop does not.
 */
import { forbiddenError, invalidError, type FieldError } from '../api/validation-errors.js';
import { deepEqual } from '../store/deep-equal.js';
import { arrAt, isObj, objAt, type Obj } from './json-fields.js';

/** Upstream's list of what a pod update may change, as its error message prints it. */
export const POD_UPDATABLE_FIELDS_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function withImagesOf(newList: unknown, oldList: unknown): unknown {
  if (!Array.isArray(newList) || !Array.isArray(oldList) || newList.length !== oldList.length) return newList;
  return newList.map((c: unknown, i: number) => {
    const old: unknown = oldList[i];
    if (!isObj(c) || !isObj(old)) return c;
    return { ...c, image: old.image };
  });
}

/** Field errors of a pod update (`[]` when the spec change is allowed). */
export function validatePodUpdate(newPod: Readonly<Obj>, oldPod: Readonly<Obj>): FieldError[] {
  const spec = objAt(newPod, 'spec');
  const old = objAt(oldPod, 'spec');
  if (spec === undefined || old === undefined || deepEqual(spec, old)) return [];
  const errs: FieldError[] = [];
  const munged: Obj = { ...spec };
  munged.containers = withImagesOf(spec.containers, old.containers);
  munged.initContainers = withImagesOf(spec.initContainers, old.initContainers);

  const newDeadline = spec.activeDeadlineSeconds;
  const oldDeadline = old.activeDeadlineSeconds;
  if (typeof oldDeadline === 'number' && newDeadline === undefined) {
    errs.push(invalidError(['spec', 'activeDeadlineSeconds'], 'null', 'must not update from a positive integer to nil value'));
  } else if (typeof oldDeadline === 'number' && typeof newDeadline === 'number' && newDeadline > oldDeadline) {
    errs.push(invalidError(['spec', 'activeDeadlineSeconds'], newDeadline, 'must be less than or equal to previous value'));
  }
  munged.activeDeadlineSeconds = oldDeadline;

  const oldTolerations = arrAt(old, 'tolerations') ?? [];
  const newTolerations = arrAt(spec, 'tolerations') ?? [];
  for (const t of oldTolerations) {
    if (!newTolerations.some((n) => deepEqual(n, t))) {
      errs.push(forbiddenError(['spec', 'tolerations'], 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }
  munged.tolerations = old.tolerations;

  const oldGrace = old.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && spec.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;

  const oldGates = arrAt(old, 'schedulingGates') ?? [];
  const newGates = arrAt(spec, 'schedulingGates') ?? [];
  const added = newGates.find((g) => !oldGates.some((o) => deepEqual(o, g)));
  if (added !== undefined) {
    const name = isObj(added) && typeof added.name === 'string' ? added.name : '';
    errs.push(forbiddenError(['spec', 'schedulingGates'], `only deletion is allowed, but found new scheduling gate '${name}'`));
  }
  munged.schedulingGates = old.schedulingGates;

  // Fields absent on both sides compare equal whether or not the copy carries them as undefined.
  for (const k of Object.keys(munged)) if (munged[k] === undefined) delete munged[k];
  if (!deepEqual(munged, old)) errs.push(forbiddenError(['spec'], POD_UPDATABLE_FIELDS_MESSAGE));
  return errs;
}
