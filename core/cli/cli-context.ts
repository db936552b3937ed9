/**
 * What a subcommand of the `kubeprop` CLI receives: where to write, where to read stdin from, and a
 * way to set the process exit code. Passing these in (rather than using `process.*`) lets the specs
 * run the CLI in-process and capture its output.
 */
import type { Command } from 'commander';
import type { ControllerDefinition } from '../controllers/reconciler.js';
import type { SchedulerPluginDefinition } from '../scheduler/plugin.js';

/** A sink for text output (a `process.stdout`-like stream or a test buffer). */
export interface TextSink {
  write(chunk: string): unknown;
}

/** The CLI's input and outputs. */
export interface CliIO {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Read when a file argument is `-`. */
  readonly stdin: AsyncIterable<string | Uint8Array>;
}

/** What the process entry point hands to the CLI besides its streams. */
export interface CliOptions {
  /**
   * The default scheduler plugins. core/ may not import plugins/, so the entry point that can
   * (bin/kubeprop.js) passes them in.
   */
  readonly schedulerPlugins?: readonly SchedulerPluginDefinition<unknown>[];
  /** The built-in controllers, passed in by the entry point for the same reason. */
  readonly controllers?: readonly ControllerDefinition[];
}

/** Shared state of one CLI invocation. */
export interface CliContext extends CliOptions {
  readonly io: CliIO;
  /** Exit code the invocation returns (0 unless a subcommand sets it). */
  exitCode: number;
}

/** A subcommand module adds its command to the program with this function. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** Reads a whole stream as UTF-8 text. */
export async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let out = '';
  for await (const chunk of stream) {
    out += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  }
  return out + decoder.decode();
}
