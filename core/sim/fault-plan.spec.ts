import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { faultPlanFromData, formatDurationMs, formatFaultPlan, parseDurationMs, parseFaultPlan } from './fault-plan.js';

describe('fault plans', () => {
  describe('durations', () => {
    const cases: [string, number | undefined][] = [
      ['0', 0],
      ['250ms', 250],
      ['1s', 1000],
      ['1.5s', 1500],
      ['90s', 90_000],
      ['2m', 120_000],
      ['1m30s', 90_000],
      ['1h2m3s', 3_723_000],
      ['', undefined],
      ['soon', undefined],
      ['10', undefined],
      ['1.0001s', undefined],
      ['-1s', undefined],
    ];
    for (const [text, ms] of cases) it(`${JSON.stringify(text)} → ${String(ms)}`, () => assert.equal(parseDurationMs(text), ms));
    it('formats the shortest form and round-trips', () => {
      for (const ms of [0, 1, 250, 1000, 1500, 60_000, 90_000, 3_723_000, 7_200_000]) {
        assert.equal(parseDurationMs(formatDurationMs(ms)), ms, formatDurationMs(ms));
      }
      assert.equal(formatDurationMs(90_000), '1m30s');
      assert.equal(formatDurationMs(250), '250ms');
    });
  });

  it('parses the documented examples, sorted by start time, and prints them back', () => {
    const text = [
      '- {at: 2m, kind: NodePartition, target: node-3, for: 90s}',
      '- {at: 60s, kind: NodeCrash, target: node-2}',
      '- {at: 3m, kind: ComponentCrash, target: scheduler-0, for: 30s}',
      '- {at: 10s, kind: PodCrash, target: default/web-1}',
      '- {at: 10s, kind: KubeletStop, target: node-1}',
      '',
    ].join('\n');
    const plan = parseFaultPlan(text, 'faults.yaml');
    assert.deepEqual(
      plan.map((f) => [f.atMs, f.kind, f.target, f.forMs]),
      [
        [10_000, 'PodCrash', 'default/web-1', undefined],
        [10_000, 'KubeletStop', 'node-1', undefined],
        [60_000, 'NodeCrash', 'node-2', undefined],
        [120_000, 'NodePartition', 'node-3', 90_000],
        [180_000, 'ComponentCrash', 'scheduler-0', 30_000],
      ],
    );
    assert.deepEqual(parseFaultPlan(formatFaultPlan(plan), 'again.yaml'), plan);
  });

  it('accepts block style and an empty file', () => {
    assert.deepEqual(parseFaultPlan('- at: 1m\n  kind: NodeCrash\n  target: node-a\n', 'f.yaml'), [{ atMs: 60_000, kind: 'NodeCrash', target: 'node-a' }]);
    assert.deepEqual(parseFaultPlan('', 'f.yaml'), []);
    assert.equal(formatFaultPlan([]), '[]\n');
  });

  const bad: [string, string][] = [
    ['- {at: 60s, kind: NodeCrush, target: node-1}', 'f.yaml:1:19: [0].kind: Unsupported value: "NodeCrush": supported values: "NodeCrash", "NodePartition", "KubeletStop", "PodCrash", "ComponentCrash"'],
    ['- {at: soon, kind: NodeCrash, target: node-1}', 'f.yaml:1:8: [0].at: Invalid value: "soon": expected a duration such as 90s, 2m or 1m30s'],
    ['- {kind: NodeCrash, target: node-1}', 'f.yaml:1:3: [0].at: Required value: when the fault starts, e.g. 60s'],
    ['- {at: 1s, kind: PodCrash, target: web}', 'f.yaml:1:36: [0].target: Invalid value: "web": PodCrash targets a pod as namespace/name'],
    ['- {at: 1s, kind: NodeCrash, target: node-1, foo: 1}', 'f.yaml:1:50: [0].foo: unknown field "foo" (expected at, kind, target, for)'],
    ['- {at: 1s, kind: NodeCrash, target: node-1, for: 0s}', 'f.yaml:1:50: [0].for: Invalid value: "0s": must be greater than 0'],
    ['kind: NodeCrash', 'f.yaml:1:1: a fault plan is a list of {at, kind, target, for?} entries'],
    ['- {at: 1s, kind: NodeCrash, target: node-1\n', 'f.yaml:'],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)} naming the file, line, column and field`, () => {
      assert.throws(
        () => parseFaultPlan(text, 'f.yaml'),
        (e: unknown) => e instanceof ConfigError && e.message.startsWith(message),
      );
    });
  }

  it('validates plans given as data', () => {
    assert.deepEqual(faultPlanFromData([{ at: '5s', kind: 'KubeletStop', target: 'n1', for: '1m' }]), [{ atMs: 5000, kind: 'KubeletStop', target: 'n1', forMs: 60_000 }]);
    assert.throws(() => faultPlanFromData({}), /a fault plan is a list/);
    assert.throws(() => faultPlanFromData([{ at: '5s', kind: 'Meteor', target: 'n1' }]), /Unsupported value: "Meteor"/);
  });
});
