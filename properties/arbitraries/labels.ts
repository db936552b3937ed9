/**
 * Label maps and label selectors over a small vocabulary, so that selectors match some objects and
 * miss others.
 */
import fc from 'fast-check';
import type { LabelSelector, LabelSelectorRequirement } from 'kubeprop';
import { compact, optional, range, vocabulary } from './compose.js';
import { DEFAULT_POD_LABEL_KEYS, DEFAULT_POD_LABEL_VALUES } from './vocabulary.js';

/** Options of {@link labels}. */
export interface LabelsConstraints {
  /** Keys to draw from (valid qualified names). Default {@link DEFAULT_POD_LABEL_KEYS}. */
  readonly keys?: readonly string[];
  /** Values to draw from (valid label values). Default {@link DEFAULT_POD_LABEL_VALUES}. */
  readonly values?: readonly string[];
  /** Fewest labels. Default 0. */
  readonly minLabels?: number;
  /** Most labels (capped by the number of keys). Default 2. */
  readonly maxLabels?: number;
}

/** A label map with keys and values from the vocabulary; shrinks towards fewer labels. */
export function labels(constraints: LabelsConstraints = {}): fc.Arbitrary<Record<string, string>> {
  const keys = vocabulary('labels.keys', constraints.keys ?? DEFAULT_POD_LABEL_KEYS);
  const values = vocabulary('labels.values', constraints.values ?? DEFAULT_POD_LABEL_VALUES);
  const { min, max } = range('labels', constraints.minLabels ?? 0, Math.min(constraints.maxLabels ?? 2, keys.length));
  return fc
    .uniqueArray(fc.tuple(fc.constantFrom(...keys), fc.constantFrom(...values)), { minLength: min, maxLength: max, selector: ([k]) => k })
    .map((pairs) => Object.fromEntries(pairs));
}

/** Options of {@link labelSelector}. */
export interface LabelSelectorConstraints {
  /** Keys to draw from. Default {@link DEFAULT_POD_LABEL_KEYS}. */
  readonly keys?: readonly string[];
  /** Values to draw from. Default {@link DEFAULT_POD_LABEL_VALUES}. */
  readonly values?: readonly string[];
  /** Most `matchLabels` entries. Default 1. */
  readonly maxMatchLabels?: number;
  /** Most `matchExpressions`. Default 1. */
  readonly maxMatchExpressions?: number;
}

/** One `matchExpressions` entry: `In`/`NotIn` with 1–2 values, or `Exists`/`DoesNotExist`. */
export function labelSelectorRequirement(constraints: LabelSelectorConstraints = {}): fc.Arbitrary<LabelSelectorRequirement> {
  const keys = vocabulary('labelSelector.keys', constraints.keys ?? DEFAULT_POD_LABEL_KEYS);
  const values = vocabulary('labelSelector.values', constraints.values ?? DEFAULT_POD_LABEL_VALUES);
  const key = fc.constantFrom(...keys);
  return fc.oneof(
    fc.record({
      key,
      operator: fc.constantFrom('In' as const, 'NotIn' as const),
      values: fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 2 }),
    }),
    fc.record({ key, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
  );
}

/**
 * A label selector. It may be empty (`{}` selects everything), which shrinking reaches first; an
 * absent selector (which selects nothing in affinity terms) is the caller's choice.
 */
export function labelSelector(constraints: LabelSelectorConstraints = {}): fc.Arbitrary<LabelSelector> {
  const maxMatchLabels = constraints.maxMatchLabels ?? 1;
  const maxMatchExpressions = constraints.maxMatchExpressions ?? 1;
  return fc
    .record({
      matchLabels: optional(
        labels({
          ...(constraints.keys !== undefined ? { keys: constraints.keys } : {}),
          ...(constraints.values !== undefined ? { values: constraints.values } : {}),
          minLabels: maxMatchLabels > 0 ? 1 : 0,
          maxLabels: maxMatchLabels,
        }),
        maxMatchLabels > 0 ? 70 : 0,
      ),
      matchExpressions: optional(
        fc.array(labelSelectorRequirement(constraints), { minLength: 1, maxLength: Math.max(1, maxMatchExpressions) }),
        maxMatchExpressions > 0 ? 40 : 0,
      ),
    })
    .map((s) => compact(s, true));
}
