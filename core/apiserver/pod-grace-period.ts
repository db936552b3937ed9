/**
 * The grace period of a pod deletion, as the pod registry's graceful delete strategy resolves it
 * (`pkg/registry/core/pod/strategy.go`) before the storage layer applies it (the store's
 * `DeleteOptions.gracePeriodSeconds`).
 */
import type { DeepReadonly, Pod } from '../api/types.js';
import { objAt, strAt, type Obj } from './json-fields.js';

/**
 * Upstream `podStrategy.CheckGracefulDelete`: the request's period, else the pod's
 * `terminationGracePeriodSeconds`; 0 for a pod that is not bound or has terminated. For a pod
 * already terminating, only an explicit period can shorten the deletion, so without one the
 * current period is passed (which changes nothing).
 */
export function podGracePeriod(pod: DeepReadonly<Pod> | Readonly<Obj>, requested: number | undefined): number {
  const meta = objAt(pod, 'metadata');
  if (meta?.deletionTimestamp !== undefined) {
    if (requested !== undefined) return requested;
    const current = meta.deletionGracePeriodSeconds;
    return typeof current === 'number' ? current : 0;
  }
  const spec = objAt(pod, 'spec');
  let period = requested ?? (typeof spec?.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 0);
  if ((strAt(spec, 'nodeName') ?? '') === '') period = 0;
  const phase = strAt(objAt(pod, 'status'), 'phase');
  if (phase === 'Failed' || phase === 'Succeeded') period = 0;
  return period;
}
