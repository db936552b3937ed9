/**
 * `Quantity`: the fixed-point number Kubernetes uses for every resource amount (`500m`, `1.5Gi`,
 * `12e6`), with the parsing, canonical printing and arithmetic of apimachinery's
 * `pkg/api/resource` (`quantity.go`, `suffix.go`, `amount.go`, `math.go`) as of Kubernetes v1.35.
 *
 * A value is held exactly as a `bigint` count of nano-units (10^-9). Nothing finer can exist:
 * parsing rounds every non-zero value up (away from zero) to nano precision, and sums and
 * differences of nano multiples stay nano multiples. No floating-point arithmetic is used anywhere,
 * so two simulations that parse the same manifests compute bit-identical amounts.
 */
import { assertNever } from '../errors.js';

/**
 * The three ways a quantity is printed, as upstream's `resource.Format`. A parsed quantity
 * remembers the family of the suffix it was written with and is printed in that family again.
 * - `DecimalSI`: `n u m "" k M G T P E` (powers of 1000).
 * - `BinarySI`: `Ki Mi Gi Ti Pi Ei` (powers of 1024).
 * - `DecimalExponent`: `e<n>` / `E<n>`.
 */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** Why a string is not a quantity: upstream's `ErrFormatWrong`, `ErrNumeric`, `ErrSuffix`, or too large to hold. */
export type QuantityParseErrorReason = 'FormatWrong' | 'Numeric' | 'Suffix' | 'OutOfRange';

/**
 * The largest decimal order of magnitude `parseQuantity` accepts: a value must be below 10^1000.
 * Upstream has no explicit bound but materialises the full number, so a string such as `1e999999999`
 * exhausts its memory; kubeprop rejects such input with a clear error instead. The bound leaves every
 * realistic quantity (and 980 orders of magnitude beyond the `E` suffix) untouched.
 */
export const QUANTITY_MAX_DECIMAL_DIGITS = 1000;

const SPLIT_RE_TEXT = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

const REASON_TEXT: Readonly<Record<QuantityParseErrorReason, string>> = {
  FormatWrong: `quantities must match the regular expression '${SPLIT_RE_TEXT}'`,
  Numeric: 'unable to parse numeric part of quantity',
  Suffix: "unable to parse quantity's suffix",
  OutOfRange: `quantity magnitude must be below 10^${QUANTITY_MAX_DECIMAL_DIGITS}`,
};

/**
 * Thrown by `parseQuantity` for a string that is not a quantity. The message quotes the input and
 * carries upstream's wording (`ErrFormatWrong`, `ErrNumeric`, `ErrSuffix` of
 * `apimachinery/pkg/api/resource/quantity.go`), so it reads like the API server's rejection.
 */
export class QuantityParseError extends Error {
  override readonly name = 'QuantityParseError';
  constructor(
    /** The rejected input, exactly as given. */
    readonly input: string,
    /** Which check rejected it. */
    readonly reason: QuantityParseErrorReason,
  ) {
    super(`cannot parse quantity ${JSON.stringify(input)}: ${REASON_TEXT[reason]}`);
  }
}

const NANO_PER_UNIT = 1_000_000_000n;
const MAX_INT64 = (1n << 63n) - 1n;
/** BinarySI values are silently capped at 2^63-1 by upstream's parser; this is that cap in nanos. */
const BINARY_CAP_NANOS = MAX_INT64 * NANO_PER_UNIT;
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;
const DECIMAL_SI_SUFFIXES: ReadonlyMap<number, string> = new Map([
  [-9, 'n'],
  [-6, 'u'],
  [-3, 'm'],
  [0, ''],
  [3, 'k'],
  [6, 'M'],
  [9, 'G'],
  [12, 'T'],
  [15, 'P'],
  [18, 'E'],
]);

const POW10_CACHE: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) {
    let cached = POW10_CACHE[n];
    if (cached === undefined) {
      cached = 10n ** BigInt(n);
      POW10_CACHE[n] = cached;
    }
    return cached;
  }
  return 10n ** BigInt(n);
}

/** `n / d` rounded away from zero (`d > 0`): upstream's rounding for every lossy conversion. */
function divAwayFromZero(n: bigint, d: bigint): bigint {
  const q = n / d;
  if (n % d === 0n) return q;
  return n > 0n ? q + 1n : q - 1n;
}

/** `|n| · 10^k` for `k ≥ 0`, or `|n| / 10^-k` rounded up for `k < 0`; `n ≥ 0`. */
function scaleUpRoundingUp(n: bigint, k: number, digitCount: number): bigint {
  if (k >= 0) return n * pow10(k);
  if (n === 0n) return 0n;
  // A divisor with more digits than the dividend leaves a positive fraction below one, which
  // rounds up to one; deciding that from the digit count avoids building a huge power of ten.
  if (-k > digitCount) return 1n;
  return divAwayFromZero(n, pow10(-k));
}

let construct: (nanos: bigint, format: QuantityFormat, verbatim: string | undefined) => Quantity;

/**
 * An exact, immutable resource quantity, mirroring apimachinery's `resource.Quantity`
 * (`pkg/api/resource/quantity.go`). Arithmetic returns new instances; nothing mutates.
 *
 * Equality of two quantities is `cmp`/`equal` (value only): `1Gi` equals `1073741824`, whatever the
 * format. The accessors round away from zero, as upstream's int64 paths do.
 */
export class Quantity {
  /** The value in nano-units (10^-9); every quantity is an exact multiple of one nano. */
  private readonly nanos: bigint;
  /** The format used by `toString()` (upstream `Quantity.Format`). */
  readonly format: QuantityFormat;
  /** The printed form: the parsed string when upstream keeps it verbatim, else computed lazily. */
  #printed: string | undefined;
  /**
   * `milliValue()` and `value()`, computed on first use: parsed quantities are shared (see
   * `parseQuantityCached`), and the scheduler and the kubelets convert the same few again and again.
   */
  #milli: bigint | undefined;
  #units: bigint | undefined;

  private constructor(nanos: bigint, format: QuantityFormat, verbatim: string | undefined) {
    this.nanos = nanos;
    this.format = format;
    this.#printed = verbatim;
    this.#milli = undefined;
    this.#units = undefined;
    Object.freeze(this);
  }

  static {
    construct = (nanos, format, verbatim) => new Quantity(nanos, format, verbatim);
  }

  /**
   * `value` thousandths, as upstream's `NewMilliQuantity(value, format)`. A BinarySI quantity whose
   * value is not a whole number or lies strictly between -1024 and 1024 prints as DecimalSI
   * (`fromMilli(1024n, 'BinarySI')` prints `1024m`).
   */
  static fromMilli(milli: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(milli * 1_000_000n, format, undefined);
  }

  /** The integer `value`, as upstream's `NewQuantity(value, format)`: `fromInt(2048n, 'BinarySI')` prints `2Ki`. */
  static fromInt(value: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(value * NANO_PER_UNIT, format, undefined);
  }

  /**
   * `value · 10^scale` in DecimalSI, as upstream's `NewScaledQuantity`. `scale` must be an integer of
   * at least -9: nano is the finest unit a quantity holds.
   */
  static fromScaled(value: bigint, scale: number): Quantity {
    if (!Number.isSafeInteger(scale) || scale < -9) {
      throw new RangeError(`Quantity.fromScaled: scale must be an integer >= -9, got ${scale}`);
    }
    return new Quantity(value * pow10(scale + 9), 'DecimalSI', undefined);
  }

  /** Zero in the given format; prints `0`. */
  static zero(format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(0n, format, undefined);
  }

  /**
   * The canonical string, as upstream's `String()` / `CanonicalizeBytes`: the largest suffix of the
   * quantity's format family that loses no precision and prints no fractional digits
   * (`1.5Gi` → `1536Mi`, `1.5` → `1500m`, `1000m` → `1`); DecimalSI and DecimalExponent use exponents
   * that are multiples of 3; BinarySI uses powers of 1024 only for whole values with |v| ≥ 1024 and
   * prints the rest as DecimalSI; zero prints `0`. A string that upstream's parser keeps verbatim
   * (an already-canonical one such as `100m` or `1Ki`) prints exactly as it was written.
   *
   * One deliberate difference from v1.35: a DecimalSI value whose exponent exceeds `E` (10^18), such
   * as 10^21, prints in exponent form (`1e21`). v1.35 drops the suffix and prints `1`, silently
   * changing the value; later upstream releases print the exponent form as kubeprop does. Likewise a
   * BinarySI value beyond the `Ei` suffix (reachable only through `add`) prints as DecimalSI.
   */
  toString(): string {
    let printed = this.#printed;
    if (printed === undefined) {
      printed = canonicalString(this.nanos, this.format);
      this.#printed = printed;
    }
    return printed;
  }

  /** The canonical string, so that `JSON.stringify` writes a quantity as the API server would. */
  toJSON(): string {
    return this.toString();
  }

  /**
   * `ceil(q · 1000)`, rounding away from zero: upstream's `MilliValue()`. Any positive value below 1m
   * gives 1. Unlike upstream, the result never overflows: it is an exact `bigint`.
   */
  milliValue(): bigint {
    return (this.#milli ??= this.scaledValue(-3));
  }

  /** The value rounded up to an integer, away from zero: upstream's `Value()` (`1.1` → 2, `-1.1` → -2). */
  value(): bigint {
    return (this.#units ??= this.scaledValue(0));
  }

  /**
   * `ceil(q / 10^scale)`, rounding away from zero: upstream's `ScaledValue(scale)`
   * (`parseQuantity('1').scaledValue(-3)` is 1000n). `scale` must be a safe integer.
   */
  scaledValue(scale: number): bigint {
    if (!Number.isSafeInteger(scale)) throw new RangeError(`Quantity.scaledValue: scale must be an integer, got ${scale}`);
    const k = scale + 9;
    if (k <= 0) return this.nanos * pow10(-k);
    if (this.nanos === 0n) return 0n;
    // A divisor longer than the value means |q / 10^scale| < 1, which rounds to ±1.
    const abs = this.nanos < 0n ? -this.nanos : this.nanos;
    if (k > abs.toString().length) return this.nanos > 0n ? 1n : -1n;
    return divAwayFromZero(this.nanos, pow10(k));
  }

  /** -1, 0 or 1 as this quantity is less than, equal to or greater than `other` (upstream `Cmp`). */
  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  /** Whether both quantities have the same value, whatever their formats (upstream `Equal`). */
  equal(other: Quantity): boolean {
    return this.nanos === other.nanos;
  }

  /**
   * `this + other`, as upstream's `Add`: the result keeps this quantity's format, unless this
   * quantity is zero, in which case it takes `other`'s format.
   */
  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.nanos === 0n ? other.format : this.format, undefined);
  }

  /** `this - other`, as upstream's `Sub`; the format rule is the one of `add`. */
  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.nanos === 0n ? other.format : this.format, undefined);
  }

  /** `-this`, keeping the format (upstream `Neg`). */
  neg(): Quantity {
    return new Quantity(-this.nanos, this.format, undefined);
  }

  /** -1, 0 or 1: the sign of the value (upstream `Sign`). */
  sign(): -1 | 0 | 1 {
    return this.nanos < 0n ? -1 : this.nanos > 0n ? 1 : 0;
  }

  /** Whether the value is zero (upstream `IsZero`). */
  isZero(): boolean {
    return this.nanos === 0n;
  }

  /** Readable form in assertion messages and the debugger. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Quantity(${this.toString()}, ${this.format})`;
  }
}

/** Upstream `CanonicalizeBytes` on an exact nano count (see `Quantity.toString`). */
function canonicalString(nanos: bigint, format: QuantityFormat): string {
  if (nanos === 0n) return '0';
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const sign = negative ? '-' : '';
  switch (format) {
    case 'BinarySI': {
      // Values in (-1024, 1024) and values with a fraction print as DecimalSI, so that nothing is
      // rounded; so do values beyond the largest binary suffix, which no suffix can express.
      if (abs >= 1024n * NANO_PER_UNIT && abs % NANO_PER_UNIT === 0n) {
        let mantissa = abs / NANO_PER_UNIT;
        let exponent = 0;
        while (mantissa % 1024n === 0n && exponent < BINARY_SUFFIXES.length) {
          mantissa /= 1024n;
          exponent++;
        }
        const suffix = BINARY_SUFFIXES[exponent];
        if (suffix !== undefined) return `${sign}${mantissa}${suffix}`;
      }
      return sign + decimalCanonical(abs, 'DecimalSI');
    }
    case 'DecimalSI':
    case 'DecimalExponent':
      return sign + decimalCanonical(abs, format);
    default:
      return assertNever(format, 'quantity format');
  }
}

/** Mantissa and suffix of a positive nano count in a decimal format. */
function decimalCanonical(abs: bigint, format: 'DecimalSI' | 'DecimalExponent'): string {
  const digits = abs.toString();
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  let mantissa = digits.slice(0, end);
  let exponent = digits.length - end - 9;
  // Lower the exponent to the multiple of 3 at or below it, growing the mantissa instead.
  const excess = ((exponent % 3) + 3) % 3;
  if (excess !== 0) {
    mantissa += '0'.repeat(excess);
    exponent -= excess;
  }
  if (format === 'DecimalSI') {
    const suffix = DECIMAL_SI_SUFFIXES.get(exponent);
    if (suffix !== undefined) return mantissa + suffix;
  }
  return exponent === 0 ? mantissa : `${mantissa}e${exponent}`;
}

interface Scanned {
  readonly positive: boolean;
  /** Integer digits without leading zeros; `0` when there are none. */
  readonly num: string;
  /** Fraction digits as written (trailing zeros kept). */
  readonly denom: string;
  readonly suffix: string;
  /** Whether the number part holds at least one digit (upstream's numeric re-parse needs one). */
  readonly hasDigit: boolean;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Whether `c` is one of the characters upstream's suffix scanner accepts: e E i n u m k K M G T P. */
function isSuffixChar(c: number): boolean {
  return (
    c === 101 || c === 69 || c === 105 || c === 110 || c === 117 || c === 109 || c === 107 || c === 75 || c === 77 || c === 71 || c === 84 || c === 80
  );
}

/**
 * Upstream's `parseQuantityString`: splits sign, integer digits, fraction digits and suffix, and
 * rejects anything else. It is deliberately as permissive as upstream (`1.`, `.5`, `-`, `m` and `Ki`
 * are accepted) so that kubeprop accepts exactly the strings the API server accepts.
 */
function scanQuantity(str: string): Scanned | undefined {
  const end = str.length;
  let positive = true;
  let pos = 0;
  const first = str.charCodeAt(0);
  if (first === 45) {
    positive = false;
    pos++;
  } else if (first === 43) {
    pos++;
  }
  const afterSign = pos;
  let i = pos;
  while (i < end && str.charCodeAt(i) === 48) i++;
  if (i >= end) return { positive, num: '0', denom: '', suffix: '', hasDigit: true };
  const sawZeros = i > afterSign;
  pos = i;
  while (i < end && isDigit(str.charCodeAt(i))) i++;
  const rawNum = str.slice(pos, i);
  const num = rawNum === '' ? '0' : rawNum;
  if (i >= end) return { positive, num, denom: '', suffix: '', hasDigit: true };
  pos = i;
  let denom = '';
  if (str.charCodeAt(pos) === 46) {
    pos++;
    i = pos;
    while (i < end && isDigit(str.charCodeAt(i))) i++;
    denom = str.slice(pos, i);
    pos = i;
  }
  const hasDigit = sawZeros || rawNum !== '' || denom !== '';
  if (pos >= end) return { positive, num, denom, suffix: '', hasDigit };
  const suffixStart = pos;
  i = pos;
  while (i < end && isSuffixChar(str.charCodeAt(i))) i++;
  if (i < end) {
    const c = str.charCodeAt(i);
    if (c === 45 || c === 43) i++;
    while (i < end && isDigit(str.charCodeAt(i))) i++;
    if (i < end) return undefined;
  }
  return { positive, num, denom, suffix: str.slice(suffixStart), hasDigit };
}

interface Interpreted {
  readonly base: 2 | 10;
  readonly exponent: number;
  readonly format: QuantityFormat;
}

const SUFFIXES: ReadonlyMap<string, Interpreted> = new Map<string, Interpreted>([
  ['', { base: 10, exponent: 0, format: 'DecimalSI' }],
  ['n', { base: 10, exponent: -9, format: 'DecimalSI' }],
  ['u', { base: 10, exponent: -6, format: 'DecimalSI' }],
  ['m', { base: 10, exponent: -3, format: 'DecimalSI' }],
  ['k', { base: 10, exponent: 3, format: 'DecimalSI' }],
  ['M', { base: 10, exponent: 6, format: 'DecimalSI' }],
  ['G', { base: 10, exponent: 9, format: 'DecimalSI' }],
  ['T', { base: 10, exponent: 12, format: 'DecimalSI' }],
  ['P', { base: 10, exponent: 15, format: 'DecimalSI' }],
  ['E', { base: 10, exponent: 18, format: 'DecimalSI' }],
  ['Ki', { base: 2, exponent: 10, format: 'BinarySI' }],
  ['Mi', { base: 2, exponent: 20, format: 'BinarySI' }],
  ['Gi', { base: 2, exponent: 30, format: 'BinarySI' }],
  ['Ti', { base: 2, exponent: 40, format: 'BinarySI' }],
  ['Pi', { base: 2, exponent: 50, format: 'BinarySI' }],
  ['Ei', { base: 2, exponent: 60, format: 'BinarySI' }],
]);

const EXPONENT_RE = /^[+-]?[0-9]+$/;
const MIN_INT64 = -(1n << 63n);

/** Upstream's suffix interpretation (`suffix.go`); `undefined` is `ErrSuffix`. */
function interpretSuffix(suffix: string): Interpreted | undefined {
  const known = SUFFIXES.get(suffix);
  if (known !== undefined) return known;
  const c = suffix.charCodeAt(0);
  if (suffix.length > 1 && (c === 101 || c === 69)) {
    const digits = suffix.slice(1);
    if (!EXPONENT_RE.test(digits)) return undefined;
    const parsed = BigInt(digits);
    if (parsed > MAX_INT64 || parsed < MIN_INT64) return undefined;
    // Upstream parses the exponent as an int64 and then narrows it to int32; the wrap is kept so
    // that the same (absurd) strings mean the same thing.
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
  }
  return undefined;
}

function parseString(str: string): Quantity {
  if (str.length === 0) throw new QuantityParseError(str, 'FormatWrong');
  const scanned = scanQuantity(str);
  if (scanned === undefined) throw new QuantityParseError(str, 'FormatWrong');
  const interpreted = interpretSuffix(scanned.suffix);
  if (interpreted === undefined) throw new QuantityParseError(str, 'Suffix');
  const { num, denom, positive } = scanned;
  const { base, exponent } = interpreted;
  let format = interpreted.format;
  const shifted = num + denom;

  // Upstream takes an int64 fast path for short numbers at nano precision or coarser, and on that
  // path keeps the input string as the printed form when it already looks canonical. Which inputs
  // take it decides what `toString()` prints, so the same conditions are evaluated here.
  let fastPath: boolean;
  let keepVerbatim = false;
  if (base === 10) {
    const scale = exponent - denom.length;
    fastPath = 18 - shifted.length >= 0 && scale >= -9;
    keepVerbatim = fastPath && scale % 3 === 0 && !shifted.endsWith('000') && shifted.charCodeAt(0) !== 48;
  } else {
    fastPath = denom.length === 0 && 15 - num.length - Math.trunc((exponent * 3) / 10) - 1 >= 0;
    keepVerbatim = fastPath && BigInt(shifted) % 8n !== 0n;
  }
  if (!fastPath && !scanned.hasDigit) throw new QuantityParseError(str, 'Numeric');

  const digits = BigInt(shifted);
  let nanos: bigint;
  if (base === 10) {
    const scale = exponent - denom.length;
    if (digits !== 0n) {
      const significant = shifted.replace(/^0+/, '').length;
      if (scale + significant > QUANTITY_MAX_DECIMAL_DIGITS) throw new QuantityParseError(str, 'OutOfRange');
    }
    nanos = scaleUpRoundingUp(digits, scale + 9, shifted.length);
  } else {
    const raw = digits << BigInt(exponent);
    nanos = scaleUpRoundingUp(raw, 9 - denom.length, raw.toString().length);
    if (nanos > BINARY_CAP_NANOS) nanos = BINARY_CAP_NANOS;
    // A binary value strictly between 0 and 1 is printed in decimal so that nothing rounds.
    if (nanos > 0n && nanos < NANO_PER_UNIT) format = 'DecimalSI';
  }
  return construct(positive ? nanos : -nanos, format, keepVerbatim ? str : undefined);
}

/**
 * Parses a quantity, as apimachinery's `ParseQuantity` (`pkg/api/resource/quantity.go`).
 *
 * Grammar: `<sign>?<digits>(.<digits>)?<suffix>` with the suffixes `n u m k M G T P E`, `Ki … Ei` and
 * `e<int>`/`E<int>`; `E` alone is exa, lower-case `k` only. No whitespace is allowed anywhere.
 * Non-zero values are rounded up, away from zero, to nano precision (`0.9n` → `1n`); BinarySI values
 * are capped at 2^63-1; a BinarySI value strictly between 0 and 1 becomes DecimalSI. Upstream's
 * permissive corners are kept: `1.`, `.5`, `-`, `+`, `.` and a bare suffix such as `m` parse (the
 * last four as zero).
 *
 * A number (a manifest's `cpu: 32`) is parsed from its decimal string form, as upstream's
 * `UnmarshalJSON` parses the JSON literal; a non-finite number is rejected.
 *
 * @throws QuantityParseError for input that is not a quantity, with upstream's message.
 */
export function parseQuantity(s: string | number): Quantity {
  if (typeof s === 'number') {
    if (!Number.isFinite(s)) throw new QuantityParseError(String(s), 'FormatWrong');
    return parseString(String(s));
  }
  // Manifests are untyped at run time: a YAML `cpu: true` must fail as a bad quantity, not crash.
  if (typeof s !== 'string') throw new QuantityParseError(String(s), 'FormatWrong');
  return parseString(s);
}

const PARSE_CACHE_MAX = 4096;
const parseCache = new Map<string, Quantity>();

/**
 * `parseQuantity` memoised by input: the same manifests name the same handful of quantities
 * thousands of times, and parsing dominates resource accounting. Quantities are immutable, so
 * sharing one instance is safe. The memo is bounded (it is cleared when full), and its state never
 * changes a result, so it keeps runs deterministic.
 *
 * @throws QuantityParseError as `parseQuantity` does (failures are not memoised).
 */
export function parseQuantityCached(s: string | number): Quantity {
  // A number parses exactly as its decimal string, so both share one entry.
  const key = typeof s === 'number' ? String(s) : s;
  let q = parseCache.get(key);
  if (q === undefined) {
    q = parseQuantity(s);
    if (parseCache.size >= PARSE_CACHE_MAX) parseCache.clear();
    parseCache.set(key, q);
  }
  return q;
}
