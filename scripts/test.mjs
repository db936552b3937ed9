#!/usr/bin/env node
// The project's test command: type check, every spec and property suite under coverage, then the
// per-folder coverage thresholds. Extra arguments (for example --forbid-only) go to mocha.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';

const SPECS = ['{core,plugins,properties,docs,test}/**/*.spec.ts', '{core,plugins,properties,docs,test}/**/*.property.ts'];
// Line coverage floors per top-level folder, checked on the c8 json summary.
const THRESHOLDS = { core: 90, plugins: 90, properties: 85 };

function run(cmd, args) {
  const res = spawnSync(cmd, args, { stdio: ['inherit', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 28 });
  if (res.stdout) process.stdout.write(res.stdout);
  if (res.error) throw res.error;
  return { code: res.status ?? 1, out: res.stdout ?? '' };
}

const tsc = run('npx', ['--no-install', 'tsc', '-p', '.']);
if (tsc.code !== 0) {
  console.error('type check failed');
  process.exit(tsc.code);
}
console.log('type check: ok');

const mocha = run('npx', ['--no-install', 'c8', 'mocha', ...SPECS, ...process.argv.slice(2)]);
const count = (word) => Number((mocha.out.match(new RegExp(`^\\s*(\\d+) ${word}`, 'm')) ?? [])[1] ?? 0);
const passed = count('passing');
const failed = count('failing');
const pending = count('pending');

let coverageOk = true;
try {
  const summary = JSON.parse(readFileSync('coverage/coverage-summary.json', 'utf8'));
  const totals = {};
  for (const [file, data] of Object.entries(summary)) {
    if (file === 'total') continue;
    const top = relative(process.cwd(), file).split(sep)[0];
    const t = (totals[top] ??= { covered: 0, total: 0 });
    t.covered += data.lines.covered;
    t.total += data.lines.total;
  }
  for (const [dir, min] of Object.entries(THRESHOLDS)) {
    const t = totals[dir];
    if (!t || t.total === 0) continue;
    const pct = (100 * t.covered) / t.total;
    const ok = pct >= min;
    if (!ok) coverageOk = false;
    console.log(`coverage ${dir}/: ${pct.toFixed(2)}% lines (floor ${min}%)${ok ? '' : ' BELOW FLOOR'}`);
  }
} catch (err) {
  console.error(`could not read the coverage summary: ${err.message}`);
  coverageOk = false;
}

console.log(`tests: ${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}`);
process.exit(mocha.code !== 0 ? mocha.code : coverageOk ? 0 : 1);
