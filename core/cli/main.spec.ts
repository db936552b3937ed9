import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from './cli-test-support.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('cli: main', () => {
  it('prints help with the description and the validate command', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: kubeprop \[options\] \[command\]/);
    assert.match(r.stdout, /deterministic, virtual-time model of a cluster/);
    assert.match(r.stdout, /validate \[options\]/);
    assert.equal(r.stderr, '');
  });

  it('prints the version', async () => {
    const r = await runCli(['--version']);
    assert.deepEqual(r, { code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('prints help for a subcommand', async () => {
    const r = await runCli(['validate', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: kubeprop validate \[options\]/);
    assert.match(r.stdout, /-f, --filename <path>/);
    assert.match(r.stdout, /-o, --output <format>/);
  });

  it('shows usage on stderr and exits 1 without a command', async () => {
    const r = await runCli([]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Usage: kubeprop/);
  });

  it('rejects unknown commands and options with exit code 1 and no stack trace', async () => {
    for (const args of [['frobnicate'], ['validate', '--frob'], ['validate', '-f', 'x.yaml', '-o', 'yaml']]) {
      const r = await runCli(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^error: /, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  it('runs independent invocations in one process', async () => {
    const a = await runCli(['--version']);
    const b = await runCli(['--version']);
    assert.deepEqual(a, b);
  });
});
