import { definedOnly, type ErrorOptions, RotakitError } from '@rotakit/core';

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
  readonly exitCode?: ExitCode;
}

/**
 * Base class for errors the CLI reports as one line (or one JSON document with `--json`)
 * with an exit code, never a stack trace. Messages never carry a secret value.
 */
export class CliError extends RotakitError {
  // Literal names: bundlers minify class names, and `rotakit --json` prints this one.
  override readonly name: string = 'CliError';
  readonly exitCode: ExitCode;
  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, options);
    this.exitCode = options.exitCode ?? ExitCode.CheckFailed;
  }

  /** The fields `--json` prints under `error` besides name and message. */
  context(): Record<string, unknown> {
    return { exitCode: this.exitCode };
  }
}

export interface UsageErrorOptions extends ErrorOptions {
  /** The flag (or environment variable) that was wrong, e.g. `--endpoint-url`. */
  readonly option?: string | undefined;
}

/** Wrong or missing arguments (exit code 2). */
export class UsageError extends CliError {
  override readonly name: string = 'UsageError';
  readonly option: string | undefined;
  constructor(message: string, options: UsageErrorOptions = {}) {
    super(message, { cause: options.cause, exitCode: ExitCode.Usage });
    this.option = options.option;
  }

  override context(): Record<string, unknown> {
    return { ...super.context(), ...definedOnly({ option: this.option }) };
  }
}

export interface AwsApiErrorOptions extends ErrorOptions {
  /** The API operation, e.g. `DescribeSecret`. */
  readonly operation: string;
  /** The service's or the SDK's error name, e.g. `ResourceNotFoundException`. */
  readonly errorName: string;
  readonly region?: string | undefined;
  /** The endpoint URL when one was configured (else the SDK's default for the Region). */
  readonly endpoint?: string | undefined;
}

/** Secrets Manager (or another AWS API) failed or was unreachable (exit code 3). */
export class AwsApiError extends CliError {
  override readonly name: string = 'AwsApiError';
  readonly operation: string;
  readonly errorName: string;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  constructor(message: string, options: AwsApiErrorOptions) {
    super(message, { cause: options.cause, exitCode: ExitCode.AwsError });
    this.operation = options.operation;
    this.errorName = options.errorName;
    this.region = options.region;
    this.endpoint = options.endpoint;
  }

  override context(): Record<string, unknown> {
    return {
      ...super.context(),
      operation: this.operation,
      errorName: this.errorName,
      ...definedOnly({ region: this.region, endpoint: this.endpoint }),
    };
  }
}

export interface RegionMissingErrorOptions extends ErrorOptions {
  /** The AWS profile whose config was read. */
  readonly profile: string;
}

/** No AWS Region from the flag, the environment or the profile (exit code 3). */
export class RegionMissingError extends CliError {
  override readonly name: string = 'RegionMissingError';
  readonly profile: string;
  constructor(message: string, options: RegionMissingErrorOptions) {
    super(message, { cause: options.cause, exitCode: ExitCode.AwsError });
    this.profile = options.profile;
  }

  override context(): Record<string, unknown> {
    return { ...super.context(), profile: this.profile };
  }
}

export interface ManagedSecretRefusedErrorOptions extends ErrorOptions {
  /** The rotakit command that refused (`rotate`, `unstick`). */
  readonly command: string;
  /** The service that owns the secret and rotates it itself (`rds`). */
  readonly owningService: string;
  /** The command that starts the owning service's own rotation. */
  readonly rotateSecret: string;
  /** RDS only: `aws rds modify-db-cluster|modify-db-instance … --rotate-master-user-password`. */
  readonly rdsRotate?: string | undefined;
}

/**
 * `rotate` or `unstick` on a secret another service owns (RDS's `rds!…` master user
 * secrets): the service rotates it and moves its labels itself (exit code 1).
 */
export class ManagedSecretRefusedError extends CliError {
  override readonly name: string = 'ManagedSecretRefusedError';
  readonly command: string;
  readonly owningService: string;
  readonly rotateSecret: string;
  readonly rdsRotate: string | undefined;
  constructor(message: string, options: ManagedSecretRefusedErrorOptions) {
    super(message, { cause: options.cause, exitCode: ExitCode.CheckFailed });
    this.command = options.command;
    this.owningService = options.owningService;
    this.rotateSecret = options.rotateSecret;
    this.rdsRotate = options.rdsRotate;
  }

  override context(): Record<string, unknown> {
    return {
      ...super.context(),
      command: this.command,
      owningService: this.owningService,
      rotateSecret: this.rotateSecret,
      ...definedOnly({ rdsRotate: this.rdsRotate }),
    };
  }
}

/** Ctrl-C (or SIGTERM) stopped a command before it finished (exit code 130). */
export class InterruptedError extends CliError {
  override readonly name: string = 'InterruptedError';
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { cause: options.cause, exitCode: ExitCode.Interrupted });
  }
}
