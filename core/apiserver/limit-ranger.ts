/**
 * The LimitRanger admission plugin, defaulting half: a new pod's containers get the default
 * requests and limits of the `Container` items of the LimitRanges in its namespace, for every
 * resource they do not set, and the pod is annotated with what was set.
 *
 * Upstream: `plugin/pkg/admission/limitranger/admission.go` (`defaultContainerResourceRequirements`,
 * `mergeContainerResources`, `mergePodResourceRequirements`; pods on create only). The min/max
 * and ratio checks of the validating half are not modelled.
 */
import type { Store } from '../store/store.js';
import { arrAt, isObj, objAt, sortedKeys, withField, type Obj } from './json-fields.js';

/** Upstream `limitRangerAnnotation`. */
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

interface DefaultRequirements {
  readonly requests: Readonly<Obj>;
  readonly limits: Readonly<Obj>;
}

/** The container defaults of the namespace's LimitRanges (later items win, as upstream's loop does). */
function namespaceDefaults(store: Store, namespace: string): DefaultRequirements[] {
  const list = store.list({ apiVersion: 'v1', kind: 'LimitRange', namespace });
  if (!list.ok || list.value.items.length === 0) return [];
  const out: DefaultRequirements[] = [];
  for (const lr of list.value.items) {
    const requests: Obj = {};
    const limits: Obj = {};
    for (const item of arrAt(objAt(lr, 'spec'), 'limits') ?? []) {
      if (!isObj(item) || item.type !== 'Container') continue;
      Object.assign(requests, objAt(item, 'defaultRequest') ?? {});
      Object.assign(limits, objAt(item, 'default') ?? {});
    }
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) out.push({ requests, limits });
  }
  return out;
}

function mergeContainer(container: Readonly<Obj>, defaults: DefaultRequirements, prefix: string, notes: string[]): Readonly<Obj> {
  const resources = objAt(container, 'resources') ?? {};
  const limits = objAt(resources, 'limits') ?? {};
  const requests = objAt(resources, 'requests') ?? {};
  const setLimits = sortedKeys(defaults.limits).filter((k) => limits[k] === undefined);
  const setRequests = sortedKeys(defaults.requests).filter((k) => requests[k] === undefined);
  if (setLimits.length === 0 && setRequests.length === 0) return container;
  let r = resources;
  if (setLimits.length > 0) {
    const next: Obj = { ...limits };
    for (const k of setLimits) next[k] = defaults.limits[k];
    r = withField(r, 'limits', next);
  }
  if (setRequests.length > 0) {
    const next: Obj = { ...requests };
    for (const k of setRequests) next[k] = defaults.requests[k];
    r = withField(r, 'requests', next);
  }
  const name = typeof container.name === 'string' ? container.name : '';
  if (setRequests.length > 0) notes.push(`${setRequests.join(', ')} request for ${prefix} ${name}`);
  if (setLimits.length > 0) notes.push(`${setLimits.join(', ')} limit for ${prefix} ${name}`);
  return withField(container, 'resources', r);
}

/** Applies the namespace's LimitRange defaults to a pod being created (the pod itself when none apply). */
export function limitRangerDefaults(store: Store, namespace: string, pod: Readonly<Obj>): Readonly<Obj> {
  const spec = objAt(pod, 'spec');
  if (spec === undefined) return pod;
  const all = namespaceDefaults(store, namespace);
  let p = pod;
  for (const defaults of all) {
    const notes: string[] = [];
    let s = objAt(p, 'spec') as Readonly<Obj>;
    for (const [key, prefix] of [['containers', 'container'], ['initContainers', 'init container']] as const) {
      const list = arrAt(s, key);
      if (list === undefined) continue;
      let changed: unknown[] | undefined;
      for (let i = 0; i < list.length; i++) {
        const c = list[i];
        if (!isObj(c)) continue;
        const next = mergeContainer(c, defaults, prefix, notes);
        if (next !== c) (changed ??= list.slice())[i] = next;
      }
      if (changed !== undefined) s = withField(s, key, changed);
    }
    if (notes.length === 0) continue;
    p = withField(p, 'spec', s);
    const meta = objAt(p, 'metadata') ?? {};
    const annotations = objAt(meta, 'annotations') ?? {};
    p = withField(p, 'metadata', withField(meta, 'annotations', { ...annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` }));
  }
  return p;
}
