/**
 * The `kubeprop` command: a thin shell over the library. Each subcommand lives in its own file and
 * registers itself here with a `register(program, ctx)` function.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { CliContext, CliIO, CliOptions, RegisterCommand } from './cli-context.js';
import { register as registerSchedule } from './schedule.js';
import { register as registerSimulate } from './simulate.js';
import { register as registerValidate } from './validate.js';

/** Subcommands, in the order `--help` lists them. */
const COMMANDS: readonly RegisterCommand[] = [registerValidate, registerSchedule, registerSimulate];

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Builds the program for one invocation (commander keeps parse state on the command objects). */
export function createProgram(ctx: CliContext): Command {
  const program = new Command('kubeprop')
    .description(
      'Test Kubernetes scheduler plugins, admission policies and controllers in a deterministic, virtual-time model of a cluster.',
    )
    .version(packageVersion(), '-V, --version', 'print the kubeprop version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        ctx.io.stdout.write(s);
      },
      writeErr: (s) => {
        ctx.io.stderr.write(s);
      },
    });
  for (const register of COMMANDS) register(program, ctx);
  return program;
}

/**
 * Runs the CLI. `argv` is shaped like `process.argv` (the first two entries, node and the script,
 * are ignored). Output goes to `io` (the process streams by default). Resolves to the exit code:
 * 0 on success, 1 on bad input or usage errors; never rejects and never prints a stack trace for
 * user errors.
 */
export async function main(argv: readonly string[], io: Partial<CliIO> = {}, options: CliOptions = {}): Promise<number> {
  const ctx: CliContext = {
    ...options,
    io: {
      stdout: io.stdout ?? process.stdout,
      stderr: io.stderr ?? process.stderr,
      stdin: io.stdin ?? process.stdin,
    },
    exitCode: 0,
  };
  const program = createProgram(ctx);
  try {
    if (argv.length <= 2) {
      // No subcommand: show what there is, like kubectl, as a usage error.
      program.outputHelp({ error: true });
      return 1;
    }
    await program.parseAsync([...argv], { from: 'node' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; commander has already printed usage errors.
      return err.exitCode === 0 ? 0 : 1;
    }
    ctx.io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
