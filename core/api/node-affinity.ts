/**
 * Node selectors and node affinity, compiled for the scheduler's filter and score loops, with
 * Kubernetes v1.35 semantics.
 *
 * Mirrors component-helpers `scheduling/corev1/nodeaffinity/nodeaffinity.go` (`NodeSelector`,
 * `LazyErrorNodeSelector`, `PreferredSchedulingTerms`, `RequiredNodeAffinity`) and
 * `scheduling/corev1/helpers.go` (`MatchNodeSelectorTerms`). Compile once per pod (or per
 * configuration), then match each node with no allocation and no parsing.
 */
import type { Affinity, DeepReadonly, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PreferredSchedulingTerm } from './types.js';
import {
  aggregateErrorMessage,
  selectorFromRequirements,
  type Labels,
  type Requirement,
  type SelectionOperator,
  tryNewRequirement,
} from './labels.js';

/**
 * The parts of a Node that node selectors read: its name (for `matchFields` on `metadata.name`)
 * and its labels. A `Node` or a store's `DeepReadonly<Node>` fits.
 */
export interface NodeLike {
  readonly metadata?:
    | {
        readonly name?: string | undefined;
        readonly labels?: Labels | null | undefined;
      }
    | undefined;
}

/** The parts of a Pod that {@link getRequiredNodeAffinity} reads. */
export interface PodNodeAffinitySource {
  readonly spec?:
    | {
        readonly nodeSelector?: Labels | null | undefined;
        readonly affinity?: DeepReadonly<Affinity> | null | undefined;
      }
    | undefined;
}

/** A match outcome with upstream's lazily reported parse errors. */
export interface LazyMatch {
  readonly matches: boolean;
  /**
   * Upstream's aggregated error text for the terms that could not be parsed; set only when no term
   * matched (a matching term hides the errors of the others, as upstream's lazy selector does).
   */
  readonly error: string | undefined;
}

const NODE_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const;
const FIELD_SELECTOR_OPERATORS = ['In', 'NotIn'] as const;

function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function toSelectionOperator(op: string): SelectionOperator | undefined {
  switch (op) {
    case 'In':
      return 'in';
    case 'NotIn':
      return 'notin';
    case 'Exists':
      return 'exists';
    case 'DoesNotExist':
      return '!';
    case 'Gt':
      return 'gt';
    case 'Lt':
      return 'lt';
    default:
      return undefined;
  }
}

/** A compiled `matchFields` requirement: the node field `field` must (not) equal `value`. */
interface FieldTerm {
  readonly field: string;
  readonly equal: boolean;
  readonly value: string;
}

/**
 * A compiled `NodeSelectorTerm`: its `matchExpressions` (ANDed, as a label selector) and its
 * `matchFields` (ANDed), or the parse errors that make it never match.
 */
class CompiledTerm {
  constructor(
    private readonly labelReqs: readonly Requirement[] | undefined,
    private readonly fieldTerms: readonly FieldTerm[] | undefined,
    readonly errors: readonly string[],
  ) {}

  /** Upstream `nodeSelectorTerm.match`; callers check `errors` first. */
  match(labels: Labels | null | undefined, name: string): boolean {
    const reqs = this.labelReqs;
    if (reqs !== undefined) {
      for (let i = 0; i < reqs.length; i++) if (!(reqs[i] as Requirement).matches(labels)) return false;
    }
    // The only node field is metadata.name, and a node without a name has no fields at all, in
    // which case upstream skips matchFields entirely.
    const fields = this.fieldTerms;
    if (fields !== undefined && name !== '') {
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i] as FieldTerm;
        const actual = f.field === 'metadata.name' ? name : '';
        if ((actual === f.value) !== f.equal) return false;
      }
    }
    return true;
  }
}

function isEmptyTerm(term: DeepReadonly<NodeSelectorTerm>): boolean {
  return (term.matchExpressions?.length ?? 0) === 0 && (term.matchFields?.length ?? 0) === 0;
}

/** Upstream `nodeSelectorRequirementsAsSelector`: every expression validated, errors collected. */
function compileExpressions(
  exprs: readonly DeepReadonly<NodeSelectorRequirement>[],
  path: string,
  errors: string[],
): Requirement[] {
  const reqs: Requirement[] = [];
  exprs.forEach((expr, i) => {
    const p = `${path}[${i}]`;
    const op = toSelectionOperator(String(expr.operator));
    if (op === undefined) {
      errors.push(
        `${p}.operator: Unsupported value: ${JSON.stringify(String(expr.operator))}: supported values: ${quoteList(NODE_SELECTOR_OPERATORS)}`,
      );
      return;
    }
    const r = tryNewRequirement(expr.key, op, expr.values, p);
    if (r.ok) reqs.push(r.requirement);
    else errors.push(...r.errors);
  });
  // Sorting by key is what upstream's Selector.Add does; evaluation order does not change the
  // result, but keeping it makes the compiled form identical to upstream's.
  return [...selectorFromRequirements(reqs).requirements()];
}

/** Upstream `nodeSelectorRequirementsAsFieldSelector`: In/NotIn with exactly one value each. */
function compileFields(
  exprs: readonly DeepReadonly<NodeSelectorRequirement>[],
  path: string,
  errors: string[],
): FieldTerm[] {
  const out: FieldTerm[] = [];
  exprs.forEach((expr, i) => {
    const p = `${path}[${i}]`;
    const op = String(expr.operator);
    if (op === 'In' || op === 'NotIn') {
      const values = expr.values;
      if (values === undefined || values.length !== 1) {
        errors.push(`${p}.values: Invalid value: ${values === undefined ? 'null' : JSON.stringify(values)}: must have one element`);
      } else {
        out.push({ field: expr.key, equal: op === 'In', value: values[0] as string });
      }
    } else {
      errors.push(`${p}.operator: Unsupported value: ${JSON.stringify(op)}: supported values: ${quoteList(FIELD_SELECTOR_OPERATORS)}`);
    }
  });
  return out;
}

/** Upstream `newNodeSelectorTerm`. */
function compileTerm(term: DeepReadonly<NodeSelectorTerm>, path: string): CompiledTerm {
  const errors: string[] = [];
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  const labelReqs = exprs.length > 0 ? compileExpressions(exprs, `${path}.matchExpressions`, errors) : undefined;
  const fieldTerms = fields.length > 0 ? compileFields(fields, `${path}.matchFields`, errors) : undefined;
  return new CompiledTerm(labelReqs, fieldTerms, Object.freeze(errors));
}

function nodeName(node: NodeLike): string {
  return node.metadata?.name ?? '';
}

/**
 * A compiled `v1.NodeSelector` (`requiredDuringSchedulingIgnoredDuringExecution`, a PV's node
 * affinity, ...). Mirrors component-helpers `LazyErrorNodeSelector`:
 * - `nodeSelectorTerms` are ORed; within a term `matchExpressions` and `matchFields` are ANDed.
 * - A term with neither expressions nor fields is dropped; with no term left (nil, `[]`, or only
 *   empty terms) the selector matches nothing.
 * - Expression operators In, NotIn, Exists, DoesNotExist, Gt, Lt on labels (see
 *   {@link Requirement}); `matchFields` support In/NotIn with exactly one value, and the only node
 *   field is `metadata.name` (a node without a name skips `matchFields`).
 * - A term that fails validation never matches; the other terms still do. The errors are kept and
 *   reported only when nothing matched ({@link matchLazy}), or all at once ({@link errors}), which is
 *   what upstream's eager `NewNodeSelector` reports.
 */
export class NodeSelectorMatcher {
  private constructor(private readonly terms: readonly CompiledTerm[]) {}

  /**
   * Compiles `ns`. `path` prefixes the field paths in error messages (upstream's `WithPath`
   * option); by default they start at `nodeSelectorTerms[i]`. `undefined`/`null` compiles to a
   * selector with no terms, which matches nothing.
   */
  static compile(ns: DeepReadonly<NodeSelector> | null | undefined, path = ''): NodeSelectorMatcher {
    const termsPath = path === '' ? 'nodeSelectorTerms' : `${path}.nodeSelectorTerms`;
    const terms: CompiledTerm[] = [];
    (ns?.nodeSelectorTerms ?? []).forEach((term, i) => {
      if (isEmptyTerm(term)) return;
      terms.push(compileTerm(term, `${termsPath}[${i}]`));
    });
    return new NodeSelectorMatcher(Object.freeze(terms));
  }

  /**
   * Whether some term matches `node` (terms with parse errors never match; their errors are
   * ignored, as the NodeAffinity filter ignores them). `undefined`/`null` never matches.
   */
  match(node: NodeLike | null | undefined): boolean {
    if (node === undefined || node === null) return false;
    const labels = node.metadata?.labels;
    const name = nodeName(node);
    const terms = this.terms;
    for (let i = 0; i < terms.length; i++) {
      const t = terms[i] as CompiledTerm;
      if (t.errors.length === 0 && t.match(labels, name)) return true;
    }
    return false;
  }

  /** Upstream `LazyErrorNodeSelector.Match`: the match, plus the parse errors when nothing matched. */
  matchLazy(node: NodeLike | null | undefined): LazyMatch {
    if (node === undefined || node === null) return { matches: false, error: undefined };
    const labels = node.metadata?.labels;
    const name = nodeName(node);
    const errors: string[] = [];
    for (const t of this.terms) {
      if (t.errors.length > 0) {
        errors.push(...t.errors);
        continue;
      }
      if (t.match(labels, name)) return { matches: true, error: undefined };
    }
    return { matches: false, error: errors.length > 0 ? aggregateErrorMessage(errors) : undefined };
  }

  /** Every parse error of every (non-empty) term, in term order (upstream `NewNodeSelector`'s). */
  errors(): readonly string[] {
    return this.terms.flatMap((t) => t.errors);
  }

  /** The errors of {@link errors} as upstream's aggregated message, or `undefined` if there are none. */
  error(): string | undefined {
    const errs = this.errors();
    return errs.length > 0 ? aggregateErrorMessage(errs) : undefined;
  }

  /** The number of non-empty terms (0 ⇒ matches nothing). */
  get termCount(): number {
    return this.terms.length;
  }
}

/**
 * Upstream `MatchNodeSelectorTerms` (component-helpers `helpers.go`): whether `node` matches the
 * terms of `nodeSelector`, with the lazy parse errors. Compiles on each call; compile a
 * {@link NodeSelectorMatcher} once when matching many nodes.
 */
export function matchNodeSelectorTerms(
  node: NodeLike | null | undefined,
  nodeSelector: DeepReadonly<NodeSelector> | null | undefined,
): LazyMatch {
  if (node === undefined || node === null) return { matches: false, error: undefined };
  return NodeSelectorMatcher.compile(nodeSelector).matchLazy(node);
}

/**
 * The required node constraints of a pod: `spec.nodeSelector` (every `key: value` must be a node
 * label; an empty or absent map is no constraint) AND
 * `spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution` (absent ⇒ no
 * constraint; present ⇒ a {@link NodeSelectorMatcher}, so no usable term ⇒ matches nothing).
 * Mirrors component-helpers `RequiredNodeAffinity`.
 */
export class RequiredNodeAffinity {
  private constructor(
    /** `nodeSelector` as flat `[key, value, key, value, ...]`, or undefined when empty. */
    private readonly pairs: readonly string[] | undefined,
    private readonly selector: NodeSelectorMatcher | undefined,
  ) {}

  /**
   * Upstream `NewRequiredNodeAffinity`: from a node selector map and an affinity, for callers that
   * hold a pod template's fields rather than a pod.
   */
  static of(
    nodeSelector: Labels | null | undefined,
    affinity: DeepReadonly<Affinity> | null | undefined,
  ): RequiredNodeAffinity {
    let pairs: string[] | undefined;
    if (nodeSelector !== undefined && nodeSelector !== null) {
      const keys = Object.keys(nodeSelector);
      if (keys.length > 0) {
        // Key order does not change the result; sorting keeps evaluation independent of the
        // manifest's key order.
        keys.sort();
        pairs = [];
        for (const k of keys) pairs.push(k, nodeSelector[k] as string);
      }
    }
    const required = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    const selector = required === undefined || required === null ? undefined : NodeSelectorMatcher.compile(required);
    return new RequiredNodeAffinity(pairs, selector);
  }

  /** Upstream `GetRequiredNodeAffinity`. */
  static fromPod(pod: PodNodeAffinitySource): RequiredNodeAffinity {
    return RequiredNodeAffinity.of(pod.spec?.nodeSelector, pod.spec?.affinity);
  }

  /** True when the pod has neither a node selector nor required node affinity. */
  get isEmpty(): boolean {
    return this.pairs === undefined && this.selector === undefined;
  }

  /** The compiled required node affinity, if the pod has one. */
  get nodeSelectorMatcher(): NodeSelectorMatcher | undefined {
    return this.selector;
  }

  /** Whether `node` satisfies both parts; parse errors of the affinity terms are ignored. */
  match(node: NodeLike): boolean {
    if (!this.matchesNodeSelectorMap(node)) return false;
    return this.selector === undefined || this.selector.match(node);
  }

  /** Upstream `RequiredNodeAffinity.Match`: like {@link match}, with the affinity's lazy errors. */
  matchLazy(node: NodeLike): LazyMatch {
    if (!this.matchesNodeSelectorMap(node)) return { matches: false, error: undefined };
    return this.selector === undefined ? { matches: true, error: undefined } : this.selector.matchLazy(node);
  }

  private matchesNodeSelectorMap(node: NodeLike): boolean {
    const pairs = this.pairs;
    if (pairs === undefined) return true;
    const labels = node.metadata?.labels;
    if (labels === undefined || labels === null) return false;
    for (let i = 0; i < pairs.length; i += 2) {
      // A string value never equals an inherited member such as `constructor`, so a plain lookup
      // is an exact own-label test here.
      if (labels[pairs[i] as string] !== pairs[i + 1]) return false;
    }
    return true;
  }
}

/** Upstream `GetRequiredNodeAffinity`: compiles a pod's required node constraints. */
export function getRequiredNodeAffinity(pod: PodNodeAffinitySource): RequiredNodeAffinity {
  return RequiredNodeAffinity.fromPod(pod);
}

/**
 * Compiled `preferredDuringSchedulingIgnoredDuringExecution` terms. Mirrors component-helpers
 * `PreferredSchedulingTerms`: terms with weight 0 or an empty preference are skipped without being
 * validated; {@link score} is the sum of the weights of the terms that match.
 *
 * Upstream's constructor fails as a whole when any (non-skipped) term is invalid. Here the valid
 * terms are kept and the errors are reported by {@link errors}/{@link error}; a caller mirroring
 * upstream (the NodeAffinity plugin's PreScore) must treat a non-empty error list as that failure.
 */
export class PreferredSchedulingTerms {
  private constructor(
    private readonly terms: readonly CompiledTerm[],
    private readonly weights: readonly number[],
    private readonly errs: readonly string[],
  ) {}

  /**
   * Compiles `terms`. Error paths start at `[i]` as upstream's (pass `path` to prefix them, e.g.
   * `spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution`).
   */
  static compile(
    terms: readonly DeepReadonly<PreferredSchedulingTerm>[] | null | undefined,
    path = '',
  ): PreferredSchedulingTerms {
    const compiled: CompiledTerm[] = [];
    const weights: number[] = [];
    const errors: string[] = [];
    (terms ?? []).forEach((term, i) => {
      // A term without a preference is malformed input; it is skipped like an empty preference.
      if (term.weight === 0 || !term.preference || isEmptyTerm(term.preference)) return;
      const t = compileTerm(term.preference, `${path}[${i}]`);
      if (t.errors.length > 0) errors.push(...t.errors);
      else {
        compiled.push(t);
        weights.push(term.weight);
      }
    });
    return new PreferredSchedulingTerms(Object.freeze(compiled), Object.freeze(weights), Object.freeze(errors));
  }

  /** Sum of the weights of the valid terms that match `node`. */
  score(node: NodeLike): number {
    const labels = node.metadata?.labels;
    const name = nodeName(node);
    let score = 0;
    const terms = this.terms;
    for (let i = 0; i < terms.length; i++) {
      if ((terms[i] as CompiledTerm).match(labels, name)) score += this.weights[i] as number;
    }
    return score;
  }

  /** The number of terms that take part in scoring. */
  get termCount(): number {
    return this.terms.length;
  }

  /** The validation errors of the non-skipped terms, in term order. */
  errors(): readonly string[] {
    return this.errs;
  }

  /** The errors as upstream's aggregated message, or `undefined` if there are none. */
  error(): string | undefined {
    return this.errs.length > 0 ? aggregateErrorMessage(this.errs) : undefined;
  }
}
