import assert from 'node:assert/strict';
import { ModelBug } from '../errors.js';
import { VIRTUAL_EPOCH_MS, VirtualClock, formatRfc3339, formatRfc3339Micro, parseRfc3339 } from './clock.js';
import { Rng } from './rng.js';

describe('VirtualClock', () => {
  it('starts at 0, or at the given start', () => {
    assert.equal(new VirtualClock().nowMs(), 0);
    assert.equal(new VirtualClock(5000).nowMs(), 5000);
    assert.throws(() => new VirtualClock(0.5), ModelBug);
  });

  it('moves forward and may stay at the same instant', () => {
    const clock = new VirtualClock();
    clock.advanceTo(10);
    clock.advanceTo(10);
    clock.advanceTo(250);
    assert.equal(clock.nowMs(), 250);
  });

  it('refuses to move backwards or to a non-integer time', () => {
    const clock = new VirtualClock(100);
    assert.throws(() => clock.advanceTo(99), ModelBug);
    assert.throws(() => clock.advanceTo(100.5), ModelBug);
    assert.throws(() => clock.advanceTo(NaN), ModelBug);
    assert.equal(clock.nowMs(), 100);
  });

  it('is monotonic under any sequence of accepted and refused moves', () => {
    const rng = new Rng(1);
    const clock = new VirtualClock();
    let last = clock.nowMs();
    for (let i = 0; i < 10_000; i++) {
      const target = last + rng.int(-50, 100);
      try {
        clock.advanceTo(target);
      } catch (err) {
        assert.ok(err instanceof ModelBug);
        assert.ok(target < last);
      }
      assert.ok(clock.nowMs() >= last);
      last = clock.nowMs();
    }
  });
});

describe('virtual time formatting', () => {
  it('maps virtual 0 to 2026-01-01T00:00:00Z', () => {
    assert.equal(VIRTUAL_EPOCH_MS, Date.UTC(2026, 0, 1));
    assert.equal(formatRfc3339(0), '2026-01-01T00:00:00Z');
  });

  it('prints metav1.Time with whole seconds, dropping the fraction', () => {
    assert.equal(formatRfc3339(999), '2026-01-01T00:00:00Z');
    assert.equal(formatRfc3339(1000), '2026-01-01T00:00:01Z');
    assert.equal(formatRfc3339(10 * 60_000 + 1), '2026-01-01T00:10:00Z');
    assert.equal(formatRfc3339(86_400_000 * 31), '2026-02-01T00:00:00Z');
    // Before the epoch the second is rounded down too, as Go does.
    assert.equal(formatRfc3339(-1), '2025-12-31T23:59:59Z');
  });

  it('prints each second the same whatever was printed in between', () => {
    const seconds = [5, 3, 5, 7, 3, 5];
    const first = seconds.map((s) => formatRfc3339(s * 1000 + 250));
    assert.deepEqual(first, ['2026-01-01T00:00:05Z', '2026-01-01T00:00:03Z', '2026-01-01T00:00:05Z', '2026-01-01T00:00:07Z', '2026-01-01T00:00:03Z', '2026-01-01T00:00:05Z']);
  });

  it('prints metav1.MicroTime with six fractional digits', () => {
    assert.equal(formatRfc3339Micro(0), '2026-01-01T00:00:00.000000Z');
    assert.equal(formatRfc3339Micro(1250), '2026-01-01T00:00:01.250000Z');
  });

  it('rejects times that are not integers or outside years 0000..9999', () => {
    assert.throws(() => formatRfc3339(0.5), ModelBug);
    assert.throws(() => formatRfc3339(300_000_000_000_000), ModelBug);
    assert.throws(() => formatRfc3339Micro(-VIRTUAL_EPOCH_MS - 70_000_000_000_000), ModelBug);
  });

  it('parses RFC 3339 back into virtual time, with offsets and fractions', () => {
    assert.equal(parseRfc3339('2026-01-01T00:00:00Z'), 0);
    assert.equal(parseRfc3339('2026-01-01T00:00:01.25Z'), 1250);
    assert.equal(parseRfc3339('2026-01-01T00:00:01.123456789Z'), 1123);
    assert.equal(parseRfc3339('2026-01-01t01:00:00+01:00'), 0);
    assert.equal(parseRfc3339('2025-12-31T23:59:59z'), -1000);
    for (const ms of [0, 1000, -5000, 123_456_000]) assert.equal(parseRfc3339(formatRfc3339(ms)), ms);
    for (const ms of [0, 1, 1250, -7]) assert.equal(parseRfc3339(formatRfc3339Micro(ms)), ms);
  });

  it('returns undefined for anything that is not an RFC 3339 date-time', () => {
    for (const text of [
      '',
      'yesterday',
      '2026-01-01',
      '2026-01-01T00:00:00',
      '2026-01-01 00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:60:00Z',
      '2026-01-01T00:00:00+0100',
    ]) {
      assert.equal(parseRfc3339(text), undefined, text);
    }
  });
});
