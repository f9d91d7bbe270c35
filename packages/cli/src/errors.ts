/** Exit codes of the `rotakit` command, documented in the README. */
export const ExitCode = {
  /** Everything checked out. */
  Ok: 0,
  /** A check or verdict failed (stuck rotation, failed probe, failed rotation step). */
  CheckFailed: 1,
  /** The command line was wrong. */
  Usage: 2,
  /** AWS or the endpoint answered with an error, or could not be reached. */
  AwsError: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class for errors the CLI reports as one line with an exit code, never a stack trace. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Wrong or missing arguments. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
  }
}

/** Secrets Manager (or another AWS API) failed or was unreachable. */
export class AwsApiError extends CliError {
  readonly operation: string;
  readonly errorName: string;
  constructor(operation: string, error: unknown) {
    const name = (error as { name?: string }).name ?? 'Error';
    const message = (error as { message?: string }).message ?? String(error);
    super(`${operation} failed: ${name}: ${message}`, ExitCode.AwsError, { cause: error });
    this.operation = operation;
    this.errorName = name;
  }
}
