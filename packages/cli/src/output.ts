import type { Readable, Writable } from 'node:stream';
import Table from 'cli-table3';
import { createSpinner } from 'nanospinner';
import picocolors from 'picocolors';

/** Where a command reads and writes; the real process in the bin, buffers in tests. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /**
   * The first Ctrl-C (or SIGTERM): `rotate` stops after the step in progress, `local` stops
   * serving, every other command stops at once (exit 130).
   */
  signal?: AbortSignal;
  /** The second Ctrl-C: `rotate` abandons the step in progress too. */
  abortNow?: AbortSignal;
}

export type Colors = ReturnType<typeof picocolors.createColors>;

/** Output helpers shared by every command: colours only on a TTY, tables, JSON, progress. */
export class Output {
  readonly colors: Colors;
  readonly json: boolean;
  constructor(
    readonly io: CliIo,
    options: { json?: boolean; color?: boolean },
  ) {
    this.json = options.json ?? false;
    const colorWanted =
      options.color !== false &&
      !('NO_COLOR' in io.env) &&
      io.env.TERM !== 'dumb' &&
      (Boolean(io.stdout.isTTY) || 'FORCE_COLOR' in io.env);
    this.colors = picocolors.createColors(colorWanted && !this.json);
  }

  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  error(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** Machine-readable output: one JSON document on stdout. */
  printJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  table(head: string[], rows: string[][]): string {
    const table = new Table({
      head: head.map((h) => this.colors.bold(h)),
      style: { head: [], border: [] },
      wordWrap: true,
    });
    table.push(...rows);
    return table.toString();
  }

  /**
   * Shows a spinner on stderr when `work` takes over a second and stderr is a terminal;
   * prints nothing otherwise, so pipes and JSON stay clean.
   */
  async progress<T>(label: string, work: () => Promise<T>): Promise<T> {
    if (!this.io.stderr.isTTY || this.json) return work();
    const spinner = createSpinner(label, { stream: this.io.stderr as NodeJS.WriteStream });
    // Unref'd on purpose: nobody awaits this timer (it only shows the spinner), so it must
    // not keep the process alive; `work()` holds the loop with its own sockets and timers.
    const timer = setTimeout(() => spinner.start(), 1000);
    timer.unref();
    try {
      return await work();
    } finally {
      clearTimeout(timer);
      if (spinner.isSpinning()) spinner.clear();
    }
  }
}

/** Formats a duration for progress lines: `850 ms`, `2.4 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
