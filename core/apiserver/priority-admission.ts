/**
 * The Priority admission plugin: resolves a pod's `priorityClassName` into `spec.priority` and
 * `spec.preemptionPolicy` at creation, and keeps at most one global default PriorityClass.
 *
 * Upstream: `plugin/pkg/admission/priority/admission.go`.
 * - Pod create: no class name ⇒ the global default class (the lowest-valued one if several), else
 *   priority 0 and `PreemptLowerPriority`, with no class name; a name that resolves to no
 *   PriorityClass ⇒ 403 `no PriorityClass with name X was found`; a `spec.priority` or
 *   `spec.preemptionPolicy` that disagrees with the class ⇒ 403.
 * - Pod update: a missing priority or preemption policy is restored from the stored pod.
 * - PriorityClass create/update with `globalDefault: true` while another class is the default ⇒
 *   403 `PriorityClass X is already marked as default. Only one default can exist`.
 *
 * The built-in `system-cluster-critical` and `system-node-critical` classes exist as objects (the
 * control plane creates them at boot, as upstream's scheduling storage does), so they resolve like
 * any other class.
 */
import type { Store } from '../store/store.js';
import { forbidden, type ApiError, type GroupResource } from '../store/api-error.js';
import type { AdmissionOperation } from './admission-policy.js';
import { admissionObjectName } from './admission-denial.js';
import { objAt, strAt, withField, type Obj } from './json-fields.js';

/** Upstream `scheduling.SystemCriticalPriority` (2 × the highest user-definable priority). */
export const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;
/** Upstream `scheduling.HighestUserDefinablePriority`. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;

/** The PriorityClasses upstream creates at boot (`scheduling.SystemPriorityClasses()`). */
export const SYSTEM_PRIORITY_CLASS_OBJECTS: readonly Readonly<Obj>[] = Object.freeze([
  Object.freeze({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: Object.freeze({ name: 'system-node-critical' }),
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  }),
  Object.freeze({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: Object.freeze({ name: 'system-cluster-critical' }),
    value: SYSTEM_CRITICAL_PRIORITY,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  }),
]);

const PRIORITY_CLASS = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass' } as const;

interface ClassFacts {
  readonly name: string;
  readonly value: number;
  readonly preemptionPolicy: string | undefined;
}

function facts(pc: Readonly<Obj>): ClassFacts {
  const value = pc.value;
  const policy = pc.preemptionPolicy;
  return {
    name: strAt(objAt(pc, 'metadata'), 'name') ?? '',
    value: typeof value === 'number' ? value : 0,
    preemptionPolicy: typeof policy === 'string' ? policy : undefined,
  };
}

/** Upstream `getDefaultPriorityClass`: the global default with the lowest value (ties: first by name). */
function defaultClass(store: Store, except?: string): ClassFacts | undefined {
  const list = store.list(PRIORITY_CLASS);
  if (!list.ok) return undefined;
  let best: ClassFacts | undefined;
  for (const pc of list.value.items) {
    const raw = pc as unknown as Readonly<Obj>;
    if (raw.globalDefault !== true) continue;
    const f = facts(raw);
    if (f.name === except) continue;
    if (best === undefined || f.value < best.value) best = f;
  }
  return best;
}

/** Outcome of the mutating half: the pod to continue with, or the rejection. */
export type PriorityOutcome = { readonly ok: true; readonly object: Readonly<Obj> } | { readonly ok: false; readonly error: ApiError };

/** The pod half of the plugin (mutating). */
export function priorityAdmitPod(
  store: Store,
  operation: AdmissionOperation,
  pod: Readonly<Obj>,
  oldPod: Readonly<Obj> | undefined,
  resource: GroupResource,
): PriorityOutcome {
  const spec = objAt(pod, 'spec');
  if (spec === undefined) return { ok: true, object: pod };
  if (operation === 'UPDATE') {
    const oldSpec = objAt(oldPod, 'spec');
    let s = spec;
    if (s.priority === undefined && oldSpec?.priority !== undefined) s = withField(s, 'priority', oldSpec.priority);
    if (s.preemptionPolicy === undefined && oldSpec?.preemptionPolicy !== undefined) s = withField(s, 'preemptionPolicy', oldSpec.preemptionPolicy);
    return { ok: true, object: withField(pod, 'spec', s) };
  }
  if (operation !== 'CREATE') return { ok: true, object: pod };
  const meta = objAt(pod, 'metadata');
  const name = admissionObjectName(strAt(meta, 'name') ?? '', strAt(meta, 'generateName'));
  const className = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
  let priority: number;
  let policy: string | undefined;
  let s = spec;
  if (className === '') {
    const dflt = defaultClass(store);
    if (dflt !== undefined) {
      priority = dflt.value;
      policy = dflt.preemptionPolicy;
      s = withField(s, 'priorityClassName', dflt.name);
    } else {
      priority = 0;
      policy = 'PreemptLowerPriority';
    }
  } else {
    const pc = store.get({ ...PRIORITY_CLASS, name: className });
    if (!pc.ok) return { ok: false, error: forbidden(resource, name, `no PriorityClass with name ${className} was found`) };
    const f = facts(pc.value as unknown as Readonly<Obj>);
    priority = f.value;
    policy = f.preemptionPolicy;
  }
  if (typeof s.priority === 'number' && s.priority !== priority) {
    return {
      ok: false,
      error: forbidden(
        resource,
        name,
        `the integer value of priority (${s.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
      ),
    };
  }
  s = withField(s, 'priority', priority);
  if (policy !== undefined) {
    if (typeof s.preemptionPolicy === 'string' && s.preemptionPolicy !== policy) {
      return {
        ok: false,
        error: forbidden(
          resource,
          name,
          `the string value of PreemptionPolicy (${s.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
        ),
      };
    }
    s = withField(s, 'preemptionPolicy', policy);
  }
  return { ok: true, object: withField(pod, 'spec', s) };
}

/** The PriorityClass half of the plugin (validating): at most one global default. */
export function priorityValidateClass(store: Store, operation: AdmissionOperation, pc: Readonly<Obj>, resource: GroupResource): ApiError | undefined {
  if ((operation !== 'CREATE' && operation !== 'UPDATE') || pc.globalDefault !== true) return undefined;
  const name = strAt(objAt(pc, 'metadata'), 'name') ?? '';
  const other = defaultClass(store, name);
  if (other === undefined) return undefined;
  return forbidden(resource, admissionObjectName(name, strAt(objAt(pc, 'metadata'), 'generateName')), `PriorityClass ${other.name} is already marked as default. Only one default can exist`);
}
