/**
 * Architecture test: nothing on the simulation path reads the host's clock, randomness or timers
 * (ARCHITECTURE.md §3). The scanner is tested on small snippets first, so that a scanner that
 * finds nothing cannot pass the repository check vacuously.
 */
import assert from 'node:assert/strict';
import { formatFindings, scanDeterminism } from './support/determinism-scan.js';
import { readRepoFile, simulationPathFiles } from './support/repo-files.js';

/** The APIs the scanner reports for a snippet, in order. */
function apis(code: string): string[] {
  return scanDeterminism('snippet.ts', code).map((f) => f.api);
}

describe('architecture: determinism of the simulation path', () => {
  describe('the scanner', () => {
    it('finds direct uses of every banned API', () => {
      const cases: [string, string][] = [
        ['const x = Math.random();', 'Math.random'],
        ['const t = Date.now();', 'Date.now'],
        ['const d = new Date();', 'new Date()'],
        ['const d = new Date;', 'new Date()'],
        ['const s = Date();', 'Date()'],
        ['const t = performance.now();', 'performance.now'],
        ['const t = process.hrtime();', 'process.hrtime'],
        ['const t = process.hrtime.bigint();', 'process.hrtime'],
        ['setTimeout(() => {}, 10);', 'setTimeout'],
        ['const h = setInterval(tick, 10);', 'setInterval'],
        ['setImmediate(tick);', 'setImmediate'],
        ['queueMicrotask(tick);', 'queueMicrotask'],
        ['const id = crypto.randomUUID();', 'crypto.randomUUID'],
        ['crypto.getRandomValues(buf);', 'crypto.getRandomValues'],
      ];
      for (const [code, api] of cases) assert.deepEqual(apis(code), [api], code);
    });

    it('sees through the global object, optional chaining, brackets and parentheses', () => {
      assert.deepEqual(apis('globalThis.setTimeout(f, 1);'), ['setTimeout']);
      assert.deepEqual(apis('globalThis.Math.random();'), ['Math.random']);
      assert.deepEqual(apis('window.performance.now();'), ['performance.now']);
      assert.deepEqual(apis("Math['random']();"), ['Math.random']);
      assert.deepEqual(apis('(Math).random();'), ['Math.random']);
      assert.deepEqual(apis('Math?.random();'), ['Math.random']);
      assert.deepEqual(apis('const d = new globalThis.Date();'), ['new Date()']);
    });

    it('follows simple aliases and destructuring', () => {
      assert.deepEqual(apis('const r = Math.random;\nconst x = r();'), ['Math.random', 'Math.random']);
      assert.deepEqual(apis('const M = Math;\nM.random();'), ['Math.random']);
      assert.deepEqual(apis('const { now } = Date;\nnow();'), ['Date.now', 'Date.now']);
      assert.deepEqual(apis('const { now: clock } = performance;\nclock();'), ['performance.now', 'performance.now']);
      assert.deepEqual(apis('const { random } = Math, { now } = Date;'), ['Math.random', 'Date.now']);
      assert.deepEqual(apis('const { crypto: { randomUUID } } = globalThis;'), ['crypto.randomUUID']);
      assert.deepEqual(apis('const p = performance;\nconst { now } = p;'), ['performance.now']);
      assert.deepEqual(apis('const D = Date;\nnew D();'), ['new Date()']);
      assert.deepEqual(apis('const t = globalThis.setTimeout;'), ['setTimeout']);
      assert.deepEqual(apis('const o = { setTimeout };'), ['setTimeout']);
      assert.deepEqual(apis('run(queueMicrotask);'), ['queueMicrotask']);
    });

    it('follows imports from Node built-ins', () => {
      assert.deepEqual(apis("import { randomUUID } from 'node:crypto';\nrandomUUID();"), ['crypto.randomUUID', 'crypto.randomUUID']);
      assert.deepEqual(apis("import { randomUUID as id } from 'crypto';\nid();"), ['crypto.randomUUID', 'crypto.randomUUID']);
      assert.deepEqual(apis("import * as c from 'node:crypto';\nc.randomUUID();"), ['crypto.randomUUID']);
      assert.deepEqual(apis("import c from 'node:crypto';\nc.randomUUID();"), ['crypto.randomUUID']);
      assert.deepEqual(apis("import { performance } from 'node:perf_hooks';\nperformance.now();"), ['performance.now']);
      assert.deepEqual(apis("import { setTimeout as sleep } from 'node:timers/promises';\nawait sleep(5);"), ['setTimeout', 'setTimeout']);
      assert.deepEqual(apis("import * as timers from 'timers';\ntimers.setInterval(f, 1);"), ['setInterval']);
      assert.deepEqual(apis("import { hrtime } from 'node:process';\nhrtime();"), ['process.hrtime', 'process.hrtime']);
    });

    it('reports file, line and column', () => {
      const findings = scanDeterminism('core/x/y.ts', 'const a = 1;\n\n  const b = Date.now();\n');
      assert.deepEqual(findings, [{ file: 'core/x/y.ts', line: 3, column: 13, api: 'Date.now', text: 'Date.now' }]);
      assert.equal(formatFindings(findings), 'core/x/y.ts:3: Date.now');
      assert.equal(formatFindings(scanDeterminism('a.ts', 'const r = Math.random;\nr();')), 'a.ts:1: Math.random\na.ts:2: Math.random (r)');
    });

    it('accepts deterministic code that merely looks similar', () => {
      const clean = [
        'const d = new Date(ms).toISOString();',
        'const t = Date.UTC(2026, 0, 1) + Date.parse(text);',
        'const x = rng.int(0, 10); const y = Math.floor(x / 2); const z = Math.max(1, 2);',
        'const now = clock.nowMs(); sim.setTimer(10, payload); actor.setTimeout?.(1);',
        'const o = { setTimeout: 1, random() { return 4; } }; o.setTimeout; o.random();',
        'class C { now() { return 0; } setInterval = 1; m() { return this.now() + this.setInterval; } }',
        'type T = ReturnType<typeof setTimeout>; let h: typeof Math.random;',
        'interface I { setTimeout(): void; now: typeof Date.now }',
        'function f(setTimeout: (f: () => void) => void) { setTimeout(() => {}); }',
        'const performance = fakePerformance(); performance.now();',
        'const { now } = clock; now();',
        "import { createHash } from 'node:crypto'; createHash('sha256');",
        "import { performance as p } from './my-perf.js'; p.now();",
        'const s = "Math.random() and Date.now()"; // setTimeout(f)',
        'label: for (;;) { break label; }',
        'const f = fc.date(); const m = process.memoryUsage();',
      ];
      for (const code of clean) assert.deepEqual(apis(code), [], code);
    });
  });

  describe('the repository', () => {
    it('scans a non-trivial set of files', () => {
      const files = simulationPathFiles();
      assert.ok(files.includes('core/sim/simulation.ts'), 'core/sim/simulation.ts should be on the simulation path');
      assert.ok(!files.some((f) => f.startsWith('core/cli/')), 'core/cli/ is not on the simulation path');
      assert.ok(!files.some((f) => f.endsWith('.spec.ts') || f.endsWith('.property.ts')), 'specs are not on the simulation path');
    });

    it('uses no banned API on the simulation path (core/ except core/cli/, and plugins/)', function () {
      this.timeout(30_000);
      const findings = simulationPathFiles().flatMap((file) => scanDeterminism(file, readRepoFile(file)));
      assert.equal(findings.length, 0, `banned APIs on the simulation path:\n${formatFindings(findings)}`);
    });
  });
});
