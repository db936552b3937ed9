/**
 * Helpers for the CLI specs: run `main` in-process with captured output.
 */
import { main } from './main.js';

/** A text sink that keeps what was written. */
export class CapturedOutput {
  #text = '';
  write(chunk: string): boolean {
    this.#text += chunk;
    return true;
  }
  get text(): string {
    return this.#text;
  }
}

/** What one in-process run of the CLI produced. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function* chunks(text: string): AsyncIterable<string> {
  yield text;
}

/** Runs `kubeprop <args>` in-process; `stdin` is the text a `-` file argument reads. */
export async function runCli(args: readonly string[], stdin = ''): Promise<CliRun> {
  const stdout = new CapturedOutput();
  const stderr = new CapturedOutput();
  const code = await main(['node', 'kubeprop', ...args], { stdout, stderr, stdin: chunks(stdin) });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
