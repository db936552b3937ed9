/**
 * Quantity strings (`"500m"`, `"2"`, `"1.5"`, `"512Mi"`, `"1G"`) as manifests write them.
 */
import fc from 'fast-check';
import { range } from './compose.js';

/** What an amount measures; it picks the notations used. */
export type QuantityUnit = 'cpu' | 'bytes' | 'count';

/** Options of {@link quantityString}. */
export interface QuantityStringConstraints {
  /**
   * `cpu`: the amount is in millicores and is written `250m`, `2` or `1.5`; `bytes`: written `512Mi`,
   * `1Gi`, `500M`, `1000k` or as plain bytes; `count`: a plain integer. Default `cpu`.
   */
  readonly unit?: QuantityUnit;
  /** Smallest amount, in base units (millicores, bytes, items). Default 0. */
  readonly min?: number;
  /** Largest amount, in base units. Default 4000 millicores, 8 GiB, or 110 items. */
  readonly max?: number;
  /**
   * Amounts are multiples of `step` (default 100 millicores, 64 MiB, 1 item): coarse steps make
   * equal sums, and with them exact fits, common.
   */
  readonly step?: number;
}

const KI = 1024;
const MI = 1024 * KI;
const GI = 1024 * MI;

const DEFAULTS: Readonly<Record<QuantityUnit, { readonly max: number; readonly step: number }>> = {
  cpu: { max: 4000, step: 100 },
  bytes: { max: 8 * GI, step: 64 * MI },
  count: { max: 110, step: 1 },
};

/** The notations that denote exactly `amount` base units, most common first. */
export function quantityNotations(unit: QuantityUnit, amount: number): string[] {
  switch (unit) {
    case 'count':
      return [String(amount)];
    case 'cpu': {
      const out: string[] = [];
      if (amount % 1000 === 0) out.push(String(amount / 1000));
      out.push(`${amount}m`);
      // A decimal such as 1.5 or 0.25 is only exact when the millicores have no sub-decimal rest.
      if (amount % 1000 !== 0 && amount % 10 === 0) out.push(String(amount / 1000));
      return out;
    }
    case 'bytes': {
      const out: string[] = [];
      if (amount !== 0 && amount % GI === 0) out.push(`${amount / GI}Gi`);
      if (amount !== 0 && amount % MI === 0) out.push(`${amount / MI}Mi`);
      if (amount !== 0 && amount % 1_000_000_000 === 0) out.push(`${amount / 1_000_000_000}G`);
      if (amount !== 0 && amount % 1_000_000 === 0) out.push(`${amount / 1_000_000}M`);
      if (amount !== 0 && amount % KI === 0) out.push(`${amount / KI}Ki`);
      if (amount !== 0 && amount % 1000 === 0) out.push(`${amount / 1000}k`);
      out.push(String(amount));
      return out;
    }
  }
}

/**
 * An amount in base units together with one of its notations. The amount shrinks towards `min`, the
 * notation towards the most common one.
 */
export function quantityAmount(constraints: QuantityStringConstraints = {}): fc.Arbitrary<{ readonly amount: number; readonly text: string }> {
  const unit = constraints.unit ?? 'cpu';
  const step = constraints.step ?? DEFAULTS[unit].step;
  if (!Number.isSafeInteger(step) || step <= 0) throw new RangeError(`quantityString: step must be a positive integer, got ${step}`);
  const { min, max } = range('quantityString', constraints.min ?? 0, constraints.max ?? DEFAULTS[unit].max);
  const lo = Math.ceil(min / step);
  const hi = Math.floor(max / step);
  if (lo > hi) throw new RangeError(`quantityString: no multiple of ${step} between ${min} and ${max}`);
  return fc.tuple(fc.integer({ min: lo, max: hi }), fc.nat({ max: 6 })).map(([k, which]) => {
    const amount = k * step;
    const notations = quantityNotations(unit, amount);
    return { amount, text: notations[which % notations.length]! };
  });
}

/** A quantity string; see {@link QuantityStringConstraints}. Always parses with `parseQuantity`. */
export function quantityString(constraints: QuantityStringConstraints = {}): fc.Arbitrary<string> {
  return quantityAmount(constraints).map((q) => q.text);
}
