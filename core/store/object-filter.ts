/**
 * Label and field selection for `list` and `watch`, as the API server's `SelectionPredicate` does
 * it (`staging/src/k8s.io/apiserver/pkg/storage/selection_predicate.go`).
 *
 * The store accepts matcher objects rather than selector strings: parsing selector syntax lives in
 * `core/api/labels.ts`, whose `Selector` satisfies `LabelMatcher`.
 */
import { objectFieldGetter, type FieldSelector } from '../api/labels.js';
import type { DeepReadonly, KubeObject } from '../api/types.js';

/** Anything that decides whether a label set matches; `core/api` `Selector` is one. */
export interface LabelMatcher {
  matches(labels: Readonly<Record<string, string>>): boolean;
}

/**
 * Field selection, in one of three forms: a parsed `core/api` `FieldSelector`
 * (`parseFieldSelector('spec.nodeName=node-a')`), a predicate on the object, or an equality map
 * from field path to value, e.g. `{ 'metadata.name': 'web-1', 'spec.nodeName': 'node-a' }`. In the
 * map form a missing field reads as `""` and booleans and numbers compare by their text, as
 * upstream's field sets (`GetAttrs`) render them; so `{ 'spec.nodeName': '' }` selects unscheduled
 * pods.
 */
export type FieldSelection = FieldSelector | ((obj: DeepReadonly<KubeObject>) => boolean) | Readonly<Record<string, string>>;

/** What a list or watch selects besides the kind. */
export interface SelectionOptions {
  /** Only objects in this namespace (ignored for cluster-scoped kinds). */
  readonly namespace?: string | undefined;
  readonly labelSelector?: LabelMatcher | undefined;
  readonly fieldSelector?: FieldSelection | undefined;
}

/** A compiled selection; `undefined` stands for "everything", the fast path. */
export type ObjectFilter = ((obj: DeepReadonly<KubeObject>) => boolean) | undefined;

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** The text of a field for equality-map selectors (see `FieldSelector`). */
export function fieldText(obj: unknown, path: readonly string[]): string {
  let cur: unknown = obj;
  for (const part of path) {
    if (typeof cur !== 'object' || cur === null) return '';
    cur = (cur as Readonly<Record<string, unknown>>)[part];
  }
  switch (typeof cur) {
    case 'string':
      return cur;
    case 'number':
    case 'boolean':
      return String(cur);
    case 'undefined':
      return '';
    default:
      // Objects and arrays are not selectable fields upstream; they match nothing but "".
      return cur === null ? '' : '\u0000';
  }
}

function isFieldSelector(sel: FieldSelection): sel is FieldSelector {
  return typeof (sel as { matches?: unknown }).matches === 'function';
}

function compileFieldSelector(sel: FieldSelection | undefined): ObjectFilter {
  if (sel === undefined) return undefined;
  if (typeof sel === 'function') return sel;
  if (isFieldSelector(sel)) return sel.isEmpty() ? undefined : (obj) => sel.matches(objectFieldGetter(obj));
  const map = sel as Readonly<Record<string, string>>;
  const terms = Object.keys(map).map((path) => ({ path: path.split('.'), want: map[path] as string }));
  if (terms.length === 0) return undefined;
  return (obj) => {
    for (const t of terms) if (fieldText(obj, t.path) !== t.want) return false;
    return true;
  };
}

/**
 * The value an equality term of `sel` pins `field` to, if it has one: every object the selection
 * matches reads that value in that field (a missing field reads as `""`). `undefined` for no such
 * term, and for predicates, which cannot be looked into. Lets the store serve a request from an
 * index on `field` (see `TriggerIndex`), as upstream's `SelectionPredicate.MatcherIndex` does with
 * `fields.Selector.RequiresExactMatch` (`staging/src/k8s.io/apiserver/pkg/storage/selection_predicate.go`).
 */
export function pinnedFieldValue(sel: FieldSelection | undefined, field: string): string | undefined {
  if (sel === undefined || typeof sel === 'function') return undefined;
  if (isFieldSelector(sel)) return sel.requiresExactMatch(field);
  const map = sel as Readonly<Record<string, string>>;
  const want = Object.hasOwn(map, field) ? map[field] : undefined;
  return typeof want === 'string' ? want : undefined;
}

/**
 * Compiles namespace, label and field selection into one predicate (or `undefined` when nothing is
 * selected away). `namespaced` says whether the kind is namespaced; cluster-scoped kinds ignore
 * `namespace`, as the API server does.
 */
export function compileObjectFilter(opts: SelectionOptions, namespaced: boolean): ObjectFilter {
  const ns = namespaced && opts.namespace !== undefined && opts.namespace !== '' ? opts.namespace : undefined;
  const labels = opts.labelSelector;
  const fields = compileFieldSelector(opts.fieldSelector);
  if (ns === undefined && labels === undefined && fields === undefined) return undefined;
  return (obj) => {
    const meta = obj.metadata;
    if (ns !== undefined && meta.namespace !== ns) return false;
    if (labels !== undefined && !labels.matches((meta.labels as Readonly<Record<string, string>> | undefined) ?? NO_LABELS)) return false;
    if (fields !== undefined && !fields(obj)) return false;
    return true;
  };
}
