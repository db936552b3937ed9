/**
 * Name and value checks used by the scheduler configuration's validation, with apimachinery's
 * messages: qualified names and label values (`k8s.io/apimachinery/pkg/util/validation`
 * `IsQualifiedName`, `IsValidLabelValue`, `IsDNS1123Subdomain`, implemented in `core/api/labels.ts`
 * and re-exported here under the names this module uses), extended resource names
 * (`pkg/apis/core/v1/helper.IsExtendedResourceName`), node selector requirements
 * (`k8s.io/component-helpers/scheduling/corev1/nodeaffinity` and `labels.NewRequirement`) and Go
 * durations (`time.ParseDuration`, `Duration.String`).
 */
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue, parseGoInt64 } from '../api/labels.js';
import { FieldErrors, FieldPath } from './config-errors.js';

/** `IsDNS1123Subdomain` (from the object model's label helpers). */
export const dns1123SubdomainErrors = isDNS1123Subdomain;
/** `IsQualifiedName` / `IsLabelKey` (from the object model's label helpers). */
export const qualifiedNameErrors = isQualifiedName;
/** `IsValidLabelValue` (from the object model's label helpers). */
export const labelValueErrors = isValidLabelValue;

/** `metav1validation.ValidateLabelName`: one `Invalid` error per problem. */
export function validateLabelName(name: string, path: FieldPath, errs: FieldErrors): void {
  for (const m of qualifiedNameErrors(name)) errs.invalid(path, name, m);
}

/**
 * `IsExtendedResourceName`: not a native resource (no `/`, or a `kubernetes.io/` prefix), not
 * `requests.`-prefixed, and valid as a quota name once prefixed with `requests.`.
 */
export function isExtendedResourceName(name: string): boolean {
  const native = !name.includes('/') || name.includes('kubernetes.io/');
  if (native || name.startsWith('requests.')) return false;
  return qualifiedNameErrors(`requests.${name}`).length === 0;
}

const NODE_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const;

/**
 * Validates one node selector term as `nodeaffinity.newNodeSelectorTerm` does: label requirements
 * through `labels.NewRequirement`, field requirements restricted to `In`/`NotIn` with one value.
 * `term` has already been decoded to the API shape.
 */
export function validateNodeSelectorTerm(
  term: { readonly matchExpressions?: readonly NodeSelectorRequirementLike[]; readonly matchFields?: readonly NodeSelectorRequirementLike[] },
  path: FieldPath,
  errs: FieldErrors,
): void {
  (term.matchExpressions ?? []).forEach((expr, i) => {
    const p = path.child('matchExpressions').index(i);
    if (!(NODE_SELECTOR_OPERATORS as readonly string[]).includes(expr.operator)) {
      errs.notSupported(p.child('operator'), expr.operator, NODE_SELECTOR_OPERATORS);
      return;
    }
    const keyErrs = qualifiedNameErrors(expr.key);
    if (keyErrs.length > 0) errs.invalid(p.child('key'), expr.key, keyErrs.join('; '));
    const values = expr.values ?? [];
    const vp = p.child('values');
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.invalid(vp, values, "for 'in', 'notin' operators, values set can't be empty");
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length !== 0) errs.invalid(vp, values, 'values set must be empty for exists and does not exist');
        break;
      case 'Gt':
      case 'Lt':
        if (values.length !== 1) errs.invalid(vp, values, "for 'Gt', 'Lt' operators, exactly one value is required");
        values.forEach((v, j) => {
          if (parseGoInt64(v) === undefined) errs.invalid(vp.index(j), v, "for 'Gt', 'Lt' operators, the value must be an integer");
        });
        break;
      default:
        break;
    }
    values.forEach((v, j) => {
      const valueErrs = labelValueErrors(v);
      if (valueErrs.length > 0) errs.invalid(vp.index(j), v, valueErrs.join('; '));
    });
  });
  (term.matchFields ?? []).forEach((expr, i) => {
    const p = path.child('matchFields').index(i);
    if (expr.operator === 'In' || expr.operator === 'NotIn') {
      if ((expr.values ?? []).length !== 1) errs.invalid(p.child('values'), expr.values ?? [], 'must have one element');
    } else {
      errs.notSupported(p.child('operator'), expr.operator, ['In', 'NotIn']);
    }
  });
}

/** The shape of a node selector requirement as far as validation needs it. */
export interface NodeSelectorRequirementLike {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

const DURATION_UNITS_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * Go's `time.ParseDuration`: `[-+]?(<decimal><unit>)+` or `0`; units ns, us (µs), ms, s, m, h.
 * Returns nanoseconds, or undefined when the string is not a duration.
 */
export function parseGoDuration(s: string): number | undefined {
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  const re = /^(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (!m || m[1] === undefined || m[2] === undefined || m[1] === '' || m[1] === '.') return undefined;
    const unit = DURATION_UNITS_NS[m[2]];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/** Go's `Duration.String()` for a nanosecond count: `1h2m3.5s`, `250ms`, `0s`. */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let n = Math.abs(ns);
  let out: string;
  if (n < 1e9) {
    const trim = (x: number): string => String(Number(x.toFixed(9)));
    if (n < 1e3) out = `${n}ns`;
    else if (n < 1e6) out = `${trim(n / 1e3)}µs`;
    else out = `${trim(n / 1e6)}ms`;
  } else {
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    const sec = String(Number((n / 1e9).toFixed(9)));
    out = h > 0 ? `${h}h${m}m${sec}s` : m > 0 ? `${m}m${sec}s` : `${sec}s`;
  }
  return neg ? `-${out}` : out;
}
