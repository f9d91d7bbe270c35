import { PassThrough, Writable } from 'node:stream';
import { runCli } from '../src/index.js';
import type { CliIo } from '../src/output.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  stdinText?: string;
  stdinIsTTY?: boolean;
  signal?: AbortSignal;
}

/** Runs `rotakit <argv>` in-process with captured output and no terminal. */
export async function rotakit(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  return startRotakit(argv, options).result;
}

/** Like `rotakit()`, but gives access to the output while the command still runs. */
export function startRotakit(
  argv: string[],
  options: RunOptions = {},
): { result: Promise<CliRun>; stdout: Capture } {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = Object.assign(new PassThrough(), { isTTY: options.stdinIsTTY ?? false });
  if (options.stdinText !== undefined) stdin.end(options.stdinText);
  const io: CliIo = {
    stdout,
    stderr,
    stdin,
    env: { ...(options.env ?? {}) },
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const result = runCli(argv, io).then((code) => ({
    code,
    stdout: stdout.text,
    stderr: stderr.text,
  }));
  return { result, stdout };
}
