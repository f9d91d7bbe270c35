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
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM: 128 + SIGINT, as shells report it. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface CliErrorOptions extends ErrorOptions {
  /** @default ExitCode.CheckFailed */
  exitCode?: ExitCode;
}

/**
 * Base class for errors the CLI reports as one line (or one JSON document with `--json`)
 * with an exit code, never a stack trace. Messages never carry a secret value.
 */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, options: CliErrorOptions = {}) {
    const { exitCode, ...errorOptions } = options;
    super(message, errorOptions);
    // Literal names: bundlers minify class names, and `rotakit --json` prints this one.
    this.name = 'CliError';
    this.exitCode = exitCode ?? ExitCode.CheckFailed;
  }

  /** The fields `--json` prints under `error` besides name and message. */
  context(): Record<string, unknown> {
    return { exitCode: this.exitCode };
  }
}

export interface UsageErrorOptions extends ErrorOptions {
  /** The flag (or environment variable) that was wrong, e.g. `--endpoint-url`. */
  option?: string;
}

/** Wrong or missing arguments (exit code 2). */
export class UsageError extends CliError {
  readonly option: string | undefined;
  constructor(message: string, options: UsageErrorOptions = {}) {
    const { option, ...errorOptions } = options;
    super(message, { ...errorOptions, exitCode: ExitCode.Usage });
    this.name = 'UsageError';
    this.option = option;
  }

  override context(): Record<string, unknown> {
    return { ...super.context(), ...(this.option ? { option: this.option } : {}) };
  }
}

export interface AwsApiErrorOptions extends ErrorOptions {
  /** The API operation, e.g. `DescribeSecret`. */
  operation: string;
  /** The service's or the SDK's error name, e.g. `ResourceNotFoundException`. */
  errorName: string;
  region?: string | undefined;
  /** The endpoint URL when one was configured (else the SDK's default for the Region). */
  endpoint?: string | undefined;
}

/** Secrets Manager (or another AWS API) failed or was unreachable (exit code 3). */
export class AwsApiError extends CliError {
  readonly operation: string;
  readonly errorName: string;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  constructor(message: string, options: AwsApiErrorOptions) {
    const { operation, errorName, region, endpoint, ...errorOptions } = options;
    super(message, { ...errorOptions, exitCode: ExitCode.AwsError });
    this.name = 'AwsApiError';
    this.operation = operation;
    this.errorName = errorName;
    this.region = region;
    this.endpoint = endpoint;
  }

  override context(): Record<string, unknown> {
    return {
      ...super.context(),
      operation: this.operation,
      errorName: this.errorName,
      ...(this.region ? { region: this.region } : {}),
      ...(this.endpoint ? { endpoint: this.endpoint } : {}),
    };
  }
}

/** No AWS Region from the flag, the environment or the profile (exit code 3). */
export class RegionMissingError extends CliError {
  readonly profile: string;
  constructor(message: string, options: ErrorOptions & { profile: string }) {
    const { profile, ...errorOptions } = options;
    super(message, { ...errorOptions, exitCode: ExitCode.AwsError });
    this.name = 'RegionMissingError';
    this.profile = profile;
  }

  override context(): Record<string, unknown> {
    return { ...super.context(), profile: this.profile };
  }
}

/** Ctrl-C (or SIGTERM) stopped a command before it finished (exit code 130). */
export class InterruptedError extends CliError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, exitCode: ExitCode.Interrupted });
    this.name = 'InterruptedError';
  }
}
