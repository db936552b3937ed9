import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ModelBug } from '../errors.js';
import { Trace, TRACE_LIMIT_DEFAULT, canonicalJson, type TraceOptions } from './trace.js';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A small, fixed workload: `n` entries with a few field shapes. */
function fill(trace: Trace, n: number): Trace {
  for (let i = 0; i < n; i++) {
    trace.record(i * 10, i + 1, `actor-${i % 3}`, i % 2 === 0 ? 'tick' : 'bind', {
      pod: `default/web-${i}`,
      node: i % 4 === 0 ? undefined : `node-${i % 4}`,
      score: i % 5,
    });
  }
  return trace;
}

describe('Trace', () => {
  describe('canonical lines', () => {
    it('puts the header first in a fixed order, then the fields sorted, without undefined', () => {
      const trace = new Trace();
      trace.record(1500, 7, 'scheduler-0', 'bind', { pod: 'default/a', node: 'n1', absent: undefined, attempt: 2 });
      assert.deepEqual(trace.lines(), [
        '{"atMs":1500,"seq":7,"actor":"scheduler-0","kind":"bind","attempt":2,"node":"n1","pod":"default/a"}',
      ]);
    });

    it('sorts nested object keys and keeps array order', () => {
      assert.equal(canonicalJson({ b: [3, { z: 1, a: null }], a: { d: true, c: 'x' } }), '{"a":{"c":"x","d":true},"b":[3,{"a":null,"z":1}]}');
      assert.equal(canonicalJson({ skipped: undefined, kept: 0 }), '{"kept":0}');
      assert.equal(canonicalJson(-0), '0');
      assert.equal(canonicalJson('quote " and \n newline'), JSON.stringify('quote " and \n newline'));
    });

    it('rejects reserved field names and non-finite numbers', () => {
      const trace = new Trace();
      for (const key of ['atMs', 'seq', 'actor', 'kind']) {
        assert.throws(() => trace.record(0, 0, 'a', 'k', { [key]: 1 }), ModelBug, key);
      }
      assert.throws(() => trace.record(0, 0, 'a', 'k', { x: NaN }), ModelBug);
      assert.throws(() => trace.record(0, 0, 'a', 'k', { x: [Infinity] }), ModelBug);
      assert.throws(() => canonicalJson((() => 1) as never), ModelBug);
    });

    it('reads entries back as objects', () => {
      const trace = new Trace();
      trace.record(0, 0, 'sim', 'start');
      trace.record(5, 1, 'kubelet/node-1', 'status', { phase: 'Running', ready: true });
      assert.deepEqual(trace.entries(), [
        { atMs: 0, seq: 0, actor: 'sim', kind: 'start' },
        { atMs: 5, seq: 1, actor: 'kubelet/node-1', kind: 'status', phase: 'Running', ready: true },
      ]);
      assert.equal(trace.toJsonl(), `${trace.lines().join('\n')}\n`);
      assert.equal(new Trace().toJsonl(), '');
    });
  });

  describe('digest', () => {
    it('is the SHA-256 of the JSON Lines export', () => {
      const trace = fill(new Trace({ limit: Infinity }), 5000);
      assert.equal(trace.digest(), sha256(trace.toJsonl()));
      assert.equal(new Trace().digest(), sha256(''));
    });

    it('is stable: the same entries give the same digest', () => {
      assert.equal(fill(new Trace(), 3000).digest(), fill(new Trace(), 3000).digest());
    });

    it('does not depend on the insertion order of field keys', () => {
      const a = new Trace();
      const b = new Trace();
      a.record(1, 1, 'x', 'k', { first: 1, second: { p: 1, q: 2 } });
      b.record(1, 1, 'x', 'k', { second: { q: 2, p: 1 }, first: 1 });
      assert.equal(a.digest(), b.digest());
    });

    it('changes when any single part of one entry changes', () => {
      const base = (): Trace => fill(new Trace(), 100);
      const reference = base().digest();
      const variants: [string, (t: Trace) => void][] = [
        ['atMs', (t) => t.record(1, 1, 'a', 'k', { v: 1 })],
        ['seq', (t) => t.record(0, 2, 'a', 'k', { v: 1 })],
        ['actor', (t) => t.record(0, 1, 'b', 'k', { v: 1 })],
        ['kind', (t) => t.record(0, 1, 'a', 'j', { v: 1 })],
        ['field value', (t) => t.record(0, 1, 'a', 'k', { v: 2 })],
        ['field type', (t) => t.record(0, 1, 'a', 'k', { v: '1' })],
        ['field name', (t) => t.record(0, 1, 'a', 'k', { w: 1 })],
        ['extra field', (t) => t.record(0, 1, 'a', 'k', { v: 1, w: null })],
      ];
      const withEntry = base();
      withEntry.record(0, 1, 'a', 'k', { v: 1 });
      const digestWith = withEntry.digest();
      assert.notEqual(digestWith, reference);
      const seen = new Set([reference, digestWith]);
      for (const [name, write] of variants) {
        const t = base();
        write(t);
        const d = t.digest();
        assert.ok(!seen.has(d), `changing the ${name} did not change the digest`);
        seen.add(d);
      }
    });

    it('covers entries evicted from the ring, and entries never kept', () => {
      const digests = [Infinity, TRACE_LIMIT_DEFAULT, 1234, 2, 0].map((limit) => fill(new Trace({ limit }), 5000).digest());
      assert.equal(new Set(digests).size, 1);
    });

    it('can be taken mid-run without changing the final digest', () => {
      const a = new Trace();
      const b = new Trace();
      for (let i = 0; i < 2000; i++) {
        a.record(i, i, 'x', 'k', { i });
        b.record(i, i, 'x', 'k', { i });
        if (i % 97 === 0) b.digest();
      }
      assert.equal(a.digest(), b.digest());
    });
  });

  describe('retention', () => {
    it('keeps the last `limit` entries, oldest first, across chunk boundaries', () => {
      const full = fill(new Trace({ limit: Infinity }), 5000).lines();
      for (const limit of [0, 1, 2, 1234, 4999, 5000, 6000]) {
        const trace = fill(new Trace({ limit }), 5000);
        const kept = Math.min(limit, 5000);
        assert.deepEqual(trace.lines(), full.slice(full.length - kept), `limit ${limit}`);
        assert.equal(trace.count, 5000);
        assert.equal(trace.evicted, 5000 - kept);
      }
    });

    it('keeps everything with limit Infinity and defaults to a bounded ring', () => {
      const trace = fill(new Trace({ limit: Infinity }), 300);
      assert.equal(trace.lines().length, 300);
      assert.equal(trace.evicted, 0);
      const bounded = new Trace();
      for (let i = 0; i < TRACE_LIMIT_DEFAULT + 10; i++) bounded.record(i, i, 'a', 'k');
      assert.equal(bounded.lines().length, TRACE_LIMIT_DEFAULT);
      assert.equal(bounded.evicted, 10);
      assert.equal(bounded.entries()[0]?.atMs, 10);
    });

    it('rejects an invalid limit', () => {
      for (const limit of [-1, 1.5, NaN]) assert.throws(() => new Trace({ limit } as TraceOptions), ModelBug);
    });
  });

  describe('excluded kinds', () => {
    it('neither keeps nor digests them, and says so through wants()', () => {
      const trace = new Trace({ excludeKinds: ['score'] });
      assert.equal(trace.wants('score'), false);
      assert.equal(trace.wants('bind'), true);
      trace.record(0, 1, 'scheduler-0', 'score', { node: 'n1', score: 50 });
      trace.record(0, 1, 'scheduler-0', 'bind', { node: 'n1' });
      const plain = new Trace();
      plain.record(0, 1, 'scheduler-0', 'bind', { node: 'n1' });
      assert.equal(trace.count, 1);
      assert.equal(trace.digest(), plain.digest());
      assert.equal(new Trace().wants('anything'), true);
    });
  });
});
