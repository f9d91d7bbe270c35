/** Base class for every error thrown by `@rotakit/netcheck`. */
export class NetcheckError extends Error {
  override readonly name: string = 'NetcheckError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** An option is missing, has the wrong type, or is out of range. */
export class InvalidOptionError extends NetcheckError {
  override readonly name: string = 'InvalidOptionError';
  /** The option path, for example `timeoutMs` or `clients.ec2`. */
  readonly option: string;
  constructor(option: string, problem: string, options?: ErrorOptions) {
    super(`Invalid option \`${option}\`: ${problem}`, options);
    this.option = option;
  }
}

/** The snapshot given to `analyzeRotationNetwork` is not usable (wrong shape, missing lists). */
export class InvalidSnapshotError extends NetcheckError {
  override readonly name: string = 'InvalidSnapshotError';
  /** The snapshot field that is wrong, for example `subnets`. */
  readonly field: string;
  constructor(field: string, problem: string, options?: ErrorOptions) {
    super(`Invalid snapshot field \`${field}\`: ${problem}`, options);
    this.field = field;
  }
}

/** An AWS API call made by `collectSnapshot` failed. */
export class SnapshotCollectionError extends NetcheckError {
  override readonly name: string = 'SnapshotCollectionError';
  /** The API operation, for example `DescribeSecurityGroups`. */
  readonly operation: string;
  constructor(operation: string, options?: ErrorOptions) {
    const cause = options?.cause;
    const detail =
      cause instanceof Error ? `${cause.name}: ${cause.message}` : cause ? String(cause) : '';
    super(`collectSnapshot: ${operation} failed${detail ? ` (${detail})` : ''}`, options);
    this.operation = operation;
  }
}
