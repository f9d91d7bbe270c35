import { type ErrorOptions, RotakitError } from '@rotakit/core';

/**
 * Base class for every error thrown by `@rotakit/netcheck`. Every class takes
 * `(message, { cause, ...context })`; the context fields become readonly properties and
 * `of()` words the usual message. Messages never quote a secret.
 */
export class NetcheckError extends RotakitError {
  override readonly name: string = 'NetcheckError';
}

export interface InvalidOptionErrorContext extends ErrorOptions {
  /** The option path, for example `timeoutMs` or `clients.ec2`. */
  option: string;
}

/** An option is missing, has the wrong type, or is out of range. */
export class InvalidOptionError extends NetcheckError {
  override readonly name: string = 'InvalidOptionError';
  /** The option path, for example `timeoutMs` or `clients.ec2`. */
  readonly option: string;
  constructor(message: string, context: InvalidOptionErrorContext) {
    super(message, context);
    this.option = context.option;
  }

  /** ``Invalid option `<option>`: <problem>``. */
  static of(option: string, problem: string, options: ErrorOptions = {}): InvalidOptionError {
    return new InvalidOptionError(`Invalid option \`${option}\`: ${problem}`, {
      ...options,
      option,
    });
  }
}

export interface InvalidSnapshotErrorContext extends ErrorOptions {
  /** The snapshot field that is wrong, for example `subnets`. */
  field: string;
}

/** The snapshot given to `analyzeRotationNetwork` is not usable (wrong shape, missing lists). */
export class InvalidSnapshotError extends NetcheckError {
  override readonly name: string = 'InvalidSnapshotError';
  /** The snapshot field that is wrong, for example `subnets`. */
  readonly field: string;
  constructor(message: string, context: InvalidSnapshotErrorContext) {
    super(message, context);
    this.field = context.field;
  }

  /** ``Invalid snapshot field `<field>`: <problem>``. */
  static of(field: string, problem: string, options: ErrorOptions = {}): InvalidSnapshotError {
    return new InvalidSnapshotError(`Invalid snapshot field \`${field}\`: ${problem}`, {
      ...options,
      field,
    });
  }
}

export interface SnapshotCollectionErrorContext extends ErrorOptions {
  /** The API operation, for example `DescribeSecurityGroups`. */
  operation: string;
}

/** An AWS API call made by `collectSnapshot` failed. */
export class SnapshotCollectionError extends NetcheckError {
  override readonly name: string = 'SnapshotCollectionError';
  /** The API operation, for example `DescribeSecurityGroups`. */
  readonly operation: string;
  constructor(message: string, context: SnapshotCollectionErrorContext) {
    super(message, context);
    this.operation = context.operation;
  }

  /** `collectSnapshot: <operation> failed (<cause's name: message>)`. */
  static of(operation: string, options: ErrorOptions = {}): SnapshotCollectionError {
    const { cause } = options;
    const detail =
      cause instanceof Error ? `${cause.name}: ${cause.message}` : cause ? String(cause) : '';
    return new SnapshotCollectionError(
      `collectSnapshot: ${operation} failed${detail ? ` (${detail})` : ''}`,
      { ...options, operation },
    );
  }
}

/** Raised inside probes when their time is up; never escapes a probe. */
export class DeadlineExceeded extends NetcheckError {
  override readonly name: string = 'DeadlineExceeded';
}
