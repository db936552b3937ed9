import assert from 'node:assert/strict';
import {
  parseQuantity,
  parseQuantityCached,
  Quantity,
  QuantityParseError,
  QUANTITY_MAX_DECIMAL_DIGITS,
  type QuantityFormat,
  type QuantityParseErrorReason,
} from './quantity.js';

const MAX_INT64 = (1n << 63n) - 1n;

/** `unscaled · 10^exponent` (exponent ≥ -9), the way upstream's tables spell expected values. */
function dec(unscaled: bigint, exponent: number): Quantity {
  return Quantity.fromScaled(unscaled, exponent);
}

describe('parseQuantity', () => {
  // Expected values and formats follow upstream's TestQuantityParse table.
  const valid: readonly [input: string, expected: Quantity, format: QuantityFormat][] = [
    ['0', dec(0n, 0), 'DecimalSI'],
    ['0n', dec(0n, 0), 'DecimalSI'],
    ['0u', dec(0n, 0), 'DecimalSI'],
    ['0m', dec(0n, 0), 'DecimalSI'],
    ['0Ki', dec(0n, 0), 'BinarySI'],
    ['0k', dec(0n, 0), 'DecimalSI'],
    ['0Mi', dec(0n, 0), 'BinarySI'],
    ['0M', dec(0n, 0), 'DecimalSI'],
    ['0Gi', dec(0n, 0), 'BinarySI'],
    ['0G', dec(0n, 0), 'DecimalSI'],
    ['0Ti', dec(0n, 0), 'BinarySI'],
    ['0T', dec(0n, 0), 'DecimalSI'],
    ['1', dec(1n, 0), 'DecimalSI'],
    ['1Ki', dec(1024n, 0), 'BinarySI'],
    ['8Ki', dec(8n * 1024n, 0), 'BinarySI'],
    ['7Mi', dec(7n * 1024n ** 2n, 0), 'BinarySI'],
    ['6Gi', dec(6n * 1024n ** 3n, 0), 'BinarySI'],
    ['5Ti', dec(5n * 1024n ** 4n, 0), 'BinarySI'],
    ['4Pi', dec(4n * 1024n ** 5n, 0), 'BinarySI'],
    ['3Ei', dec(3n * 1024n ** 6n, 0), 'BinarySI'],
    ['10Ti', dec(10n * 1024n ** 4n, 0), 'BinarySI'],
    ['100Ti', dec(100n * 1024n ** 4n, 0), 'BinarySI'],
    ['5n', dec(5n, -9), 'DecimalSI'],
    ['4u', dec(4n, -6), 'DecimalSI'],
    ['3m', dec(3n, -3), 'DecimalSI'],
    ['9', dec(9n, 0), 'DecimalSI'],
    ['8k', dec(8n, 3), 'DecimalSI'],
    ['50k', dec(5n, 4), 'DecimalSI'],
    ['7M', dec(7n, 6), 'DecimalSI'],
    ['6G', dec(6n, 9), 'DecimalSI'],
    ['5T', dec(5n, 12), 'DecimalSI'],
    ['40T', dec(4n, 13), 'DecimalSI'],
    ['300T', dec(3n, 14), 'DecimalSI'],
    ['2P', dec(2n, 15), 'DecimalSI'],
    ['1E', dec(1n, 18), 'DecimalSI'],
    ['1E-3', dec(1n, -3), 'DecimalExponent'],
    ['1e3', dec(1n, 3), 'DecimalExponent'],
    ['1E6', dec(1n, 6), 'DecimalExponent'],
    ['1e9', dec(1n, 9), 'DecimalExponent'],
    ['1E12', dec(1n, 12), 'DecimalExponent'],
    ['1e15', dec(1n, 15), 'DecimalExponent'],
    ['1E18', dec(1n, 18), 'DecimalExponent'],
    ['1e14', dec(1n, 14), 'DecimalExponent'],
    ['1e13', dec(1n, 13), 'DecimalExponent'],
    ['100.035k', dec(100035n, 0), 'DecimalSI'],
    ['0.001', dec(1n, -3), 'DecimalSI'],
    ['0.0005k', dec(5n, -1), 'DecimalSI'],
    ['0.005', dec(5n, -3), 'DecimalSI'],
    ['0.05', dec(5n, -2), 'DecimalSI'],
    ['0.5', dec(5n, -1), 'DecimalSI'],
    ['0.00050k', dec(5n, -1), 'DecimalSI'],
    ['0.00500', dec(5n, -3), 'DecimalSI'],
    ['0.05000', dec(5n, -2), 'DecimalSI'],
    ['0.50000', dec(5n, -1), 'DecimalSI'],
    ['0.5e0', dec(5n, -1), 'DecimalExponent'],
    ['0.5e-1', dec(5n, -2), 'DecimalExponent'],
    ['0.5e-2', dec(5n, -3), 'DecimalExponent'],
    ['10.035M', dec(10035n, 3), 'DecimalSI'],
    ['1.2e3', dec(12n, 2), 'DecimalExponent'],
    ['1.3E+6', dec(13n, 5), 'DecimalExponent'],
    ['1.40e9', dec(14n, 8), 'DecimalExponent'],
    ['1.53E12', dec(153n, 10), 'DecimalExponent'],
    ['1.6e15', dec(16n, 14), 'DecimalExponent'],
    ['1.7E18', dec(17n, 17), 'DecimalExponent'],
    ['9.01', dec(901n, -2), 'DecimalSI'],
    ['8.1k', dec(81n, 2), 'DecimalSI'],
    ['7.123456M', dec(7123456n, 0), 'DecimalSI'],
    ['6.987654321G', dec(6987654321n, 0), 'DecimalSI'],
    ['5.444T', dec(5444n, 9), 'DecimalSI'],
    ['40.1T', dec(401n, 11), 'DecimalSI'],
    ['300.2T', dec(3002n, 11), 'DecimalSI'],
    ['2.5P', dec(25n, 14), 'DecimalSI'],
    ['1.01E', dec(101n, 16), 'DecimalSI'],
    // Values below nano precision round up, away from zero.
    ['3.001n', dec(4n, -9), 'DecimalSI'],
    ['1.1E-9', dec(2n, -9), 'DecimalExponent'],
    ['0.0000000001', dec(1n, -9), 'DecimalSI'],
    ['0.0000000005', dec(1n, -9), 'DecimalSI'],
    ['0.00000000050', dec(1n, -9), 'DecimalSI'],
    ['0.5e-9', dec(1n, -9), 'DecimalExponent'],
    ['0.9n', dec(1n, -9), 'DecimalSI'],
    ['0.00000012345', dec(124n, -9), 'DecimalSI'],
    ['0.00000012354', dec(124n, -9), 'DecimalSI'],
    // BinarySI saturates at 2^63-1; decimal values do not.
    ['9Ei', Quantity.fromInt(MAX_INT64), 'BinarySI'],
    ['9223372036854775807Ki', Quantity.fromInt(MAX_INT64), 'BinarySI'],
    ['12E', dec(12n, 18), 'DecimalSI'],
    ['100.035Ki', dec(10243584n, -2), 'BinarySI'],
    ['0.5Mi', dec(512n * 1024n, 0), 'BinarySI'],
    ['0.05Gi', dec(536870912n, -1), 'BinarySI'],
    ['0.025Ti', dec(274877906944n, -1), 'BinarySI'],
    // A binary value below one rounds up at nano and switches to DecimalSI.
    ['0.000000000001Ki', dec(2n, -9), 'DecimalSI'],
    ['.001', dec(1n, -3), 'DecimalSI'],
    ['.0001k', dec(100n, -3), 'DecimalSI'],
    ['1.', dec(1n, 0), 'DecimalSI'],
    ['1.G', dec(1n, 9), 'DecimalSI'],
  ];

  for (const [input, expected, format] of valid) {
    it(`parses ${JSON.stringify(input)} with its sign variants`, () => {
      const q = parseQuantity(input);
      assert.ok(q.equal(expected), `${input}: got ${q.toString()}, want ${expected.toString()}`);
      assert.equal(q.format, format);
      const negative = parseQuantity(`-${input}`);
      assert.ok(negative.equal(expected.neg()), `-${input}: got ${negative.toString()}`);
      assert.equal(negative.format, format);
      const plus = parseQuantity(`+${input}`);
      assert.ok(plus.equal(expected), `+${input}: got ${plus.toString()}`);
      assert.equal(plus.format, format);
    });
  }

  it('accepts a JSON/YAML number through its decimal string form', () => {
    const cases: readonly [number, string, QuantityFormat][] = [
      [32, '32', 'DecimalSI'],
      [0, '0', 'DecimalSI'],
      [-0, '0', 'DecimalSI'],
      [1.5, '1500m', 'DecimalSI'],
      [0.1, '100m', 'DecimalSI'],
      [-4, '-4', 'DecimalSI'],
      [1e-7, '100e-9', 'DecimalExponent'],
      [1e21, '1e+21', 'DecimalExponent'],
    ];
    for (const [n, printed, format] of cases) {
      const q = parseQuantity(n);
      assert.equal(q.toString(), printed, String(n));
      assert.equal(q.format, format, String(n));
      assert.ok(q.equal(parseQuantity(String(n))));
    }
  });

  it('keeps upstream permissive corners: a lone sign, a lone dot or a bare suffix parse as zero', () => {
    for (const input of ['.', '-.', '+.', '-', '+', 'm', 'k', 'Ki', 'e3', '.e-9']) {
      const q = parseQuantity(input);
      assert.ok(q.isZero(), input);
      assert.equal(q.toString(), '0', input);
    }
    assert.equal(parseQuantity('Ki').format, 'BinarySI');
  });

  const invalid: readonly [input: string, reason: QuantityParseErrorReason][] = [
    ['', 'FormatWrong'],
    [' 1', 'FormatWrong'],
    ['1 ', 'FormatWrong'],
    ['1Ki ', 'FormatWrong'],
    [' ', 'FormatWrong'],
    ['\t1', 'FormatWrong'],
    ['1\n', 'FormatWrong'],
    ['1.2.3', 'FormatWrong'],
    ['1.1.M', 'FormatWrong'],
    ['1+1.0M', 'FormatWrong'],
    ['--1', 'Suffix'],
    ['+-1', 'Suffix'],
    ['aoeu', 'FormatWrong'],
    ['Non-Numeric', 'FormatWrong'],
    ['0.1am', 'FormatWrong'],
    ['1e3m', 'FormatWrong'],
    ['1,000', 'FormatWrong'],
    ['0x10', 'FormatWrong'],
    ['1_000', 'FormatWrong'],
    ['１', 'FormatWrong'],
    ['i', 'Suffix'],
    ['mi', 'Suffix'],
    ['1i', 'Suffix'],
    ['.5i', 'Suffix'],
    ['-3.01i', 'Suffix'],
    ['0.1mi', 'Suffix'],
    ['1K', 'Suffix'],
    ['1KB', 'FormatWrong'],
    ['1Kb', 'FormatWrong'],
    ['1ki', 'Suffix'],
    ['1MI', 'FormatWrong'],
    ['1Mm', 'Suffix'],
    ['1e', 'Suffix'],
    ['1E+', 'Suffix'],
    ['-3.01e-', 'Suffix'],
    ['1ee3', 'Suffix'],
    ['1e99999999999999999999', 'Suffix'],
    ['1Kie3', 'Suffix'],
    ['e-10', 'Numeric'],
    ['-.e-12', 'Numeric'],
    ['1e1000', 'OutOfRange'],
    ['12345e996', 'OutOfRange'],
  ];

  for (const [input, reason] of invalid) {
    it(`rejects ${JSON.stringify(input)} (${reason})`, () => {
      assert.throws(
        () => parseQuantity(input),
        (err: unknown) => {
          assert.ok(err instanceof QuantityParseError);
          assert.ok(err instanceof Error);
          assert.equal(err.name, 'QuantityParseError');
          assert.equal(err.reason, reason);
          assert.equal(err.input, input);
          assert.ok(err.message.includes(JSON.stringify(input)), err.message);
          return true;
        },
      );
    });
  }

  it("uses upstream's error wording", () => {
    const message = (input: string): string => {
      try {
        parseQuantity(input);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    };
    assert.equal(
      message('1 '),
      `cannot parse quantity "1 ": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
    assert.equal(message('1i'), `cannot parse quantity "1i": unable to parse quantity's suffix`);
    assert.equal(message('e-10'), 'cannot parse quantity "e-10": unable to parse numeric part of quantity');
    assert.ok(message('1e1000').includes(`10^${QUANTITY_MAX_DECIMAL_DIGITS}`));
  });

  it('rejects non-finite numbers and values that are neither strings nor numbers', () => {
    for (const n of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.throws(() => parseQuantity(n), QuantityParseError);
    }
    for (const v of [true, null, undefined, {}, 1n]) {
      assert.throws(() => parseQuantity(v as unknown as string), QuantityParseError);
    }
  });

  it('accepts the largest magnitude below the bound and tiny exponents', () => {
    assert.equal(parseQuantity('1e999').toString(), '1e999');
    assert.equal(parseQuantity('1e-2147483648').toString(), '1e-9');
    assert.equal(parseQuantity('-1e-99999').toString(), '-1e-9');
    assert.equal(parseQuantity('1e-2147483648').format, 'DecimalExponent');
    assert.equal(parseQuantity('0e5000').toString(), '0');
  });
});

describe('Quantity.toString (canonical form)', () => {
  const parseEmit: readonly [input: string, printed: string][] = [
    // Requested and upstream's TestQuantityParseEmit.
    ['1.5Gi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['1000m', '1'],
    ['100000m', '100'],
    ['1e3', '1e3'],
    ['1.1e3', '1100'],
    ['12e6', '12e6'],
    ['1Ki', '1Ki'],
    ['1Mi', '1Mi'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    // Upstream's TestQuantityString alternates: non-canonical inputs re-emitted canonically.
    ['1024Mi', '1Gi'],
    ['307200Ki', '300Mi'],
    ['1025024Mi', '1001Gi'],
    ['1024Gi', '1Ti'],
    ['5000m', '5'],
    ['0.5', '500m'],
    ['0.001T', '1G'],
    ['1000u', '1m'],
    ['1.08', '1080m'],
    ['1080000000n', '1080m'],
    ['.001e12', '1e9'],
    ['0.001e0', '1e-3'],
    ['1000e-12', '1e-9'],
    ['00', '0'],
    // Fractions and precision.
    ['1.5', '1500m'],
    ['1.2345', '1234500u'],
    ['0.1m', '100u'],
    ['1.5Ki', '1536'],
    ['1.1Ki', '1126400m'],
    ['0.5Ki', '512'],
    ['0.0001Ki', '102400u'],
    ['1023', '1023'],
    ['2048', '2048'],
    ['1.5e0', '1500e-3'],
    ['1.5E3', '1500'],
    ['15e2', '1500'],
    ['1e4', '10e3'],
    ['1e-4', '100e-6'],
    ['10000k', '10M'],
    ['8Ei', '9223372036854775807'],
    ['1024Ei', '9223372036854775807'],
    // Upstream's boundary table (TestParseQuantity on master).
    ['999999999999999999.0', '999999999999999999'],
    ['999999999999999999.1', '999999999999999999100m'],
    ['9999999999999999999.0', '9999999999999999999'],
    ['1000000000000000000', '1E'],
    ['1.0E', '1E'],
    ['1000000000000000000.0', '1E'],
    ['9999999999999999999000m', '9999999999999999999'],
    ['1.0000000000000000001E', '1000000000000000000100m'],
    ['1.000000000000000001E', '1000000000000000001'],
    ['10000000000000000000', '10E'],
    ['10.0E', '10E'],
    ['10000000000000000000000m', '10E'],
    ['10.0000000000000000001E', '10000000000000000000100m'],
    ['9223372036854775808000m', '9223372036854775808'],
    ['9223372036854775807.1', '9223372036854775807100m'],
    // Beyond the E suffix a DecimalSI value prints in exponent form (v1.35 would print "1").
    ['1000E', '1e21'],
    ['1000000000000000000000', '1e21'],
    ['123456E', '123456E'],
    ['1234567E', '1234567E'],
  ];

  for (const [input, printed] of parseEmit) {
    it(`prints ${JSON.stringify(input)} as ${JSON.stringify(printed)}`, () => {
      assert.equal(parseQuantity(input).toString(), printed);
      const negative = parseQuantity(`-${input}`);
      if (!negative.isZero()) assert.equal(negative.toString(), `-${printed}`);
    });
  }

  it('keeps a string the upstream parser keeps verbatim, including its quirks', () => {
    for (const s of ['1Gi', '300Mi', '6Ki', '1001Gi', '1Ti', '5', '500m', '1G', '1m', '80m', '1080m', '300M', '1T', '1234567M',
      '3k', '1025', '0', '1e9', '1e-3', '1e-9', '80e-3', '300e6', '1e12', '1e3', '3e3', '1n', '80n', '1080n', '1u', '80u',
      '1080u', '-999999999999999999', '999999999999999999', '1E', '-1E', '-10E', '10E', '12Ki', '1025Ki']) {
      assert.equal(parseQuantity(s).toString(), s);
    }
    // Upstream's fast path stores the input as is when it merely looks canonical.
    assert.equal(parseQuantity('+1').toString(), '+1');
    assert.equal(parseQuantity('007').toString(), '007');
    assert.equal(parseQuantity('1E3').toString(), '1E3');
    assert.equal(parseQuantity('1e+3').toString(), '1e+3');
    assert.equal(parseQuantity('1e0').toString(), '1e0');
    assert.equal(parseQuantity('1.Ki').toString(), '1.Ki');
    // Numbers too long for that path, binary values divisible by 8 and big binary suffixes are
    // printed canonically.
    assert.equal(parseQuantity('+1234567890123456789').toString(), '1234567890123456789');
    assert.equal(parseQuantity('+16Ki').toString(), '16Ki');
    assert.equal(parseQuantity('+1Pi').toString(), '1Pi');
    assert.equal(parseQuantity('+1.5').toString(), '1500m');
  });

  it('prints constructed quantities as upstream (TestQuantityString, TestMilliNewSet, TestNewSet)', () => {
    const table: readonly [Quantity, string][] = [
      [Quantity.fromInt(1024n ** 3n, 'BinarySI'), '1Gi'],
      [Quantity.fromInt(300n * 1024n ** 2n, 'BinarySI'), '300Mi'],
      [Quantity.fromInt(6n * 1024n, 'BinarySI'), '6Ki'],
      [Quantity.fromInt(5n, 'BinarySI'), '5'],
      [Quantity.fromMilli(500n, 'BinarySI'), '500m'],
      [Quantity.fromMilli(1234567n, 'BinarySI'), '1234567m'],
      [Quantity.fromInt(1025n, 'BinarySI'), '1025'],
      [Quantity.fromInt(1024n, 'BinarySI').neg(), '-1Ki'],
      [Quantity.fromInt(1023n, 'BinarySI').neg(), '-1023'],
      [Quantity.fromInt(0n, 'BinarySI'), '0'],
      [Quantity.fromInt(0n, 'DecimalExponent'), '0'],
      [Quantity.fromScaled(1n, 9), '1G'],
      [Quantity.fromScaled(1000n, 6), '1G'],
      [Quantity.fromScaled(1000000n, 3), '1G'],
      [Quantity.fromScaled(1000000000n, 0), '1G'],
      [Quantity.fromScaled(108n, -2), '1080m'],
      [Quantity.fromScaled(10800n, -4), '1080m'],
      [Quantity.fromScaled(108n, -8), '1080n'],
      [Quantity.fromScaled(1n, -9), '1n'],
      [Quantity.fromScaled(1000n, -9), '1u'],
      [Quantity.fromScaled(1000n, -6), '1m'],
      [Quantity.fromScaled(0n, -9), '0'],
      [Quantity.fromMilli(1n), '1m'],
      [Quantity.fromMilli(1000n), '1'],
      [Quantity.fromMilli(1234000n), '1234'],
      [Quantity.fromMilli(1024n, 'BinarySI'), '1024m'],
      [Quantity.fromMilli(1024n * 1024n, 'BinarySI'), '1048576m'],
      [Quantity.fromMilli(1000000n, 'DecimalExponent'), '1e3'],
      [Quantity.fromInt(1n), '1'],
      [Quantity.fromInt(1000n), '1k'],
      [Quantity.fromInt(1234000n), '1234k'],
      [Quantity.fromInt(1024n, 'BinarySI'), '1Ki'],
      [Quantity.fromInt(1000000n, 'DecimalExponent'), '1e6'],
      [Quantity.fromInt(1024n * 1024n, 'BinarySI'), '1Mi'],
      [Quantity.fromInt(1n << 70n, 'BinarySI'), '1180591620717411303424'],
      [Quantity.fromInt(1n << 60n, 'BinarySI'), '1Ei'],
      [Quantity.zero(), '0'],
    ];
    for (const [q, printed] of table) {
      assert.equal(q.toString(), printed);
      if (q.sign() > 0) assert.equal(q.neg().toString(), `-${printed}`);
    }
  });

  it('serialises to JSON as its canonical string', () => {
    assert.equal(JSON.stringify({ cpu: parseQuantity('1000m'), memory: parseQuantity('1.5Gi') }), '{"cpu":"1","memory":"1536Mi"}');
  });
});

describe('Quantity accessors', () => {
  const table: readonly [input: string, milli: bigint, value: bigint][] = [
    ['0', 0n, 0n],
    ['1', 1000n, 1n],
    ['100m', 100n, 1n],
    ['1.5', 1500n, 2n],
    ['1.001', 1001n, 2n],
    ['0.1m', 1n, 1n],
    ['1n', 1n, 1n],
    ['1001u', 2n, 1n],
    ['-1n', -1n, -1n],
    ['-1.5', -1500n, -2n],
    ['-0.1m', -1n, -1n],
    ['1Ki', 1024000n, 1024n],
    ['1.1Ki', 1126400n, 1127n],
    ['1Ei', 1152921504606846976000n, 1152921504606846976n],
    ['9Ei', 9223372036854775807000n, 9223372036854775807n],
    ['1e30', 10n ** 33n, 10n ** 30n],
  ];
  for (const [input, milli, value] of table) {
    it(`milliValue and value of ${input}`, () => {
      const q = parseQuantity(input);
      assert.equal(q.milliValue(), milli);
      assert.equal(q.value(), value);
    });
  }

  it('scaledValue rounds up away from zero at any scale (TestScaledValue)', () => {
    const scales = [-9, -6, -3, 0] as const;
    const expected: Record<number, Record<number, bigint>> = {
      [-9]: { [-9]: 1n, [-6]: 1n, [-3]: 1n, 0: 1n },
      [-6]: { [-9]: 1000n, [-6]: 1n, [-3]: 1n, 0: 1n },
      [-3]: { [-9]: 1000000n, [-6]: 1000n, [-3]: 1n, 0: 1n },
      0: { [-9]: 1000000000n, [-6]: 1000000n, [-3]: 1000n, 0: 1n },
    };
    for (const from of scales) {
      for (const to of scales) assert.equal(Quantity.fromScaled(1n, from).scaledValue(to), expected[from]?.[to], `${from}→${to}`);
    }
    assert.equal(Quantity.fromScaled(1n, 2).scaledValue(-2), 10000n);
    assert.equal(parseQuantity('1.5G').scaledValue(9), 2n);
    assert.equal(parseQuantity('-1.5G').scaledValue(9), -2n);
    assert.equal(parseQuantity('1n').scaledValue(100), 1n);
    assert.equal(parseQuantity('-1n').scaledValue(100), -1n);
    assert.equal(parseQuantity('0').scaledValue(100), 0n);
    assert.equal(parseQuantity('12').scaledValue(-12), 12000000000000n);
    assert.throws(() => parseQuantity('1').scaledValue(0.5), RangeError);
  });

  it('sign and isZero', () => {
    assert.equal(parseQuantity('5m').sign(), 1);
    assert.equal(parseQuantity('-5m').sign(), -1);
    assert.equal(parseQuantity('0Ki').sign(), 0);
    assert.equal(parseQuantity('-0').isZero(), true);
    assert.equal(parseQuantity('1n').isZero(), false);
  });
});

describe('Quantity comparison and arithmetic', () => {
  const cmpTable: readonly [string, string, -1 | 0 | 1][] = [
    ['0', '0', 0],
    ['100m', '50m', 1],
    ['50m', '100m', -1],
    ['10000T', '100Gi', 1],
    ['1Gi', '1073741824', 0],
    ['1G', '1Gi', -1],
    ['1000m', '1', 0],
    ['1e3', '1k', 0],
    ['9.01', '9.01', 0],
    ['0.9', '9.01', -1],
    ['0.8', '1', -1],
    ['0.8', '0.79', 1],
    ['-1', '0', -1],
    ['-1Ki', '-1000', -1],
    ['1n', '0', 1],
    ['9Ei', '9223372036854775807', 0],
    ['100E', '9Ei', 1],
  ];
  for (const [a, b, expected] of cmpTable) {
    it(`cmp(${a}, ${b}) = ${expected}`, () => {
      const qa = parseQuantity(a);
      const qb = parseQuantity(b);
      assert.equal(qa.cmp(qb), expected);
      assert.equal(qb.cmp(qa), expected === 0 ? 0 : -expected);
      assert.equal(qa.equal(qb), expected === 0);
    });
  }

  it('add and sub keep the receiver format unless the receiver is zero (TestAdd, TestSub)', () => {
    const ten = Quantity.fromInt(10n);
    const tenBinary = Quantity.fromInt(10n, 'BinarySI');
    assert.ok(ten.add(Quantity.fromScaled(1n, 1)).equal(Quantity.fromInt(20n)));
    assert.equal(ten.add(Quantity.fromInt(1n, 'BinarySI')).format, 'DecimalSI');
    assert.equal(tenBinary.add(Quantity.fromInt(1n)).format, 'BinarySI');
    assert.ok(tenBinary.add(Quantity.fromInt(1n)).equal(Quantity.fromInt(11n)));
    assert.ok(ten.sub(Quantity.fromScaled(1n, 1)).isZero());
    assert.equal(tenBinary.sub(Quantity.fromInt(1n)).format, 'BinarySI');
    assert.ok(Quantity.zero().sub(Quantity.fromInt(50n)).equal(Quantity.fromInt(-50n)));
    assert.ok(Quantity.fromInt(50n).sub(Quantity.zero()).equal(Quantity.fromInt(50n)));
    assert.equal(Quantity.zero().add(parseQuantity('1Gi')).format, 'BinarySI');
    assert.equal(Quantity.zero('BinarySI').add(parseQuantity('100m')).format, 'DecimalSI');
  });

  it('a zero operand preserves the suffix on either side (TestQuantityAddZeroPreservesSuffix)', () => {
    const zero = parseQuantity('0');
    for (const s of ['100m', '1Gi']) {
      const v = parseQuantity(s);
      assert.equal(v.add(zero).toString(), s);
      assert.equal(zero.add(v).toString(), s);
      assert.equal(v.sub(zero).toString(), s);
      assert.equal(zero.sub(v).toString(), v.neg().toString());
    }
  });

  it('sums exactly where rounding each term would not', () => {
    const half = parseQuantity('0.5m');
    assert.equal(half.milliValue(), 1n);
    assert.equal(half.add(half).milliValue(), 1n);
    assert.equal(parseQuantity('1.5Gi').add(parseQuantity('512Mi')).toString(), '2Gi');
    assert.equal(parseQuantity('250m').add(parseQuantity('750m')).toString(), '1');
    assert.equal(parseQuantity('1').sub(parseQuantity('1001m')).toString(), '-1m');
    assert.equal(parseQuantity('9Ei').add(parseQuantity('9Ei')).toString(), '18446744073709551614');
  });

  it('neg keeps the format and never prints -0 (TestQuantityNeg, TestNeg)', () => {
    assert.equal(Quantity.fromScaled(901n, -2).neg().toString(), '-9010m');
    assert.equal(Quantity.fromInt(10n, 'BinarySI').neg().format, 'BinarySI');
    assert.ok(Quantity.fromInt(-10n, 'BinarySI').neg().equal(Quantity.fromInt(10n)));
    assert.equal(Quantity.zero().neg().toString(), '0');
    assert.ok(parseQuantity('1.5').neg().neg().equal(parseQuantity('1.5')));
  });

  it('is immutable', () => {
    const q = parseQuantity('1Gi');
    assert.ok(Object.isFrozen(q));
    q.add(parseQuantity('1Gi'));
    q.neg();
    assert.equal(q.toString(), '1Gi');
    assert.throws(() => {
      (q as unknown as { format: string }).format = 'DecimalSI';
    }, TypeError);
  });

  it('rejects a scale finer than nano in fromScaled', () => {
    assert.throws(() => Quantity.fromScaled(1n, -10), RangeError);
    assert.throws(() => Quantity.fromScaled(1n, 1.5), RangeError);
  });

  it('has a readable inspection form', () => {
    const inspect = (parseQuantity('1Gi') as unknown as Record<symbol, () => string>)[Symbol.for('nodejs.util.inspect.custom')];
    assert.equal(inspect?.call(parseQuantity('1Gi')), 'Quantity(1Gi, BinarySI)');
  });
});

describe('parseQuantityCached', () => {
  it('returns the same immutable instance for the same input and treats a number as its string', () => {
    const a = parseQuantityCached('1536Mi');
    assert.equal(parseQuantityCached('1536Mi'), a);
    assert.equal(parseQuantityCached(32), parseQuantityCached('32'));
    assert.ok(parseQuantityCached(32).equal(parseQuantity(32)));
  });

  it('stays correct after its memo fills up', () => {
    for (let i = 0; i < 5000; i++) assert.equal(parseQuantityCached(`${i}m`).milliValue(), BigInt(i));
    assert.equal(parseQuantityCached('7m').toString(), '7m');
  });

  it('does not memoise failures', () => {
    assert.throws(() => parseQuantityCached('1 '), QuantityParseError);
    assert.throws(() => parseQuantityCached('1 '), QuantityParseError);
  });
});
