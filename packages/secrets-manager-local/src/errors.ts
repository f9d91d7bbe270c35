import { type ErrorOptions, RotakitError } from '@rotakit/core';

/*
 * Every class takes the same two arguments, `(message, { cause, ...context })`: the context
 * fields become readonly properties. A class whose message always reads the same way has a
 * static `of(...)` that words it, so every throw site says it alike. Messages never contain
 * secret values.
 */

/** Base class of every error thrown by `@rotakit/secrets-manager-local`'s JS API. */
export class SecretsManagerLocalError extends RotakitError {
  override readonly name: string = 'SecretsManagerLocalError';
}

export interface InvalidOptionErrorContext extends ErrorOptions {
  /** The option at fault, e.g. `port`, `rotationFunction` or `--rotation-function`. */
  readonly option: string;
}

/** An option given to `startSecretsManager`, `registerRotationFunction`, a fault or the CLI is invalid. */
export class InvalidOptionError extends SecretsManagerLocalError {
  override readonly name: string = 'InvalidOptionError';
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

export interface ServerClosedErrorContext extends ErrorOptions {
  /** The call that found the server closed, e.g. `client` or `GetSecretValue`. */
  readonly operation: string;
}

/** The local Secrets Manager was closed while the call was pending or before it was made. */
export class ServerClosedError extends SecretsManagerLocalError {
  override readonly name: string = 'ServerClosedError';
  readonly operation: string;
  constructor(message: string, context: ServerClosedErrorContext) {
    super(message, context);
    this.operation = context.operation;
  }

  /** `The local Secrets Manager is closed (<operation>)`. */
  static of(operation: string): ServerClosedError {
    return new ServerClosedError(`The local Secrets Manager is closed (${operation})`, {
      operation,
    });
  }
}

export interface UnknownSecretErrorContext extends ErrorOptions {
  readonly secretId: string;
}

/** No secret matches the SecretId given to a JS API call (not an AWS operation). */
export class UnknownSecretError extends SecretsManagerLocalError {
  override readonly name: string = 'UnknownSecretError';
  readonly secretId: string;
  constructor(message: string, context: UnknownSecretErrorContext) {
    super(message, context);
    this.secretId = context.secretId;
  }

  /** `No secret matches SecretId "<secretId>"`. */
  static of(secretId: string): UnknownSecretError {
    return new UnknownSecretError(`No secret matches SecretId ${JSON.stringify(secretId)}`, {
      secretId,
    });
  }
}

/** Why `retryRotation` could not retry. */
export type RotationNotRetryableReason =
  | 'no-pending-version'
  | 'rotation-running'
  | 'no-rotation-function';

export interface RotationNotRetryableErrorContext extends ErrorOptions {
  readonly secretId: string;
  readonly reason: RotationNotRetryableReason;
}

/** `retryRotation` found nothing to retry, or a rotation of that secret is still running. */
export class RotationNotRetryableError extends SecretsManagerLocalError {
  override readonly name: string = 'RotationNotRetryableError';
  readonly secretId: string;
  readonly reason: RotationNotRetryableReason;
  constructor(message: string, context: RotationNotRetryableErrorContext) {
    super(message, context);
    this.secretId = context.secretId;
    this.reason = context.reason;
  }

  /** `Cannot retry the rotation of "<secretId>": <problem>`. */
  static of(
    secretId: string,
    reason: RotationNotRetryableReason,
    problem: string,
  ): RotationNotRetryableError {
    return new RotationNotRetryableError(
      `Cannot retry the rotation of ${JSON.stringify(secretId)}: ${problem}`,
      { secretId, reason },
    );
  }
}

export interface WaitTimeoutErrorContext extends ErrorOptions {
  readonly secretId: string;
  readonly timeoutMs: number;
}

/** `waitForRotation` ran out of time. */
export class WaitTimeoutError extends SecretsManagerLocalError {
  override readonly name: string = 'WaitTimeoutError';
  readonly secretId: string;
  readonly timeoutMs: number;
  constructor(message: string, context: WaitTimeoutErrorContext) {
    super(message, context);
    this.secretId = context.secretId;
    this.timeoutMs = context.timeoutMs;
  }

  /** `Timed out after <timeoutMs> ms waiting for the rotation of "<secretId>"`. */
  static of(secretId: string, timeoutMs: number): WaitTimeoutError {
    return new WaitTimeoutError(
      `Timed out after ${timeoutMs} ms waiting for the rotation of ${JSON.stringify(secretId)}`,
      { secretId, timeoutMs },
    );
  }
}

export interface PersistenceErrorContext extends ErrorOptions {
  /** The data file's path. */
  readonly file: string;
}

/** The data file could not be read, parsed or written. */
export class PersistenceError extends SecretsManagerLocalError {
  override readonly name: string = 'PersistenceError';
  readonly file: string;
  constructor(message: string, context: PersistenceErrorContext) {
    super(message, context);
    this.file = context.file;
  }

  /** `Data file <file>: <problem>`. */
  static of(file: string, problem: string, options: ErrorOptions = {}): PersistenceError {
    return new PersistenceError(`Data file ${file}: ${problem}`, { ...options, file });
  }
}

export interface ServiceErrorContext extends ErrorOptions {
  /** The wire `__type`, e.g. `ResourceNotFoundException`. */
  readonly type: string;
  /** @default 400 */
  readonly statusCode?: number | undefined;
}

/**
 * An error answered on the wire with the service's shape (`__type`, `message`, HTTP status).
 * Thrown inside the server; the SDK turns it into its own exception class.
 */
export class ServiceError extends SecretsManagerLocalError {
  override readonly name: string = 'ServiceError';
  readonly type: string;
  readonly statusCode: number;
  constructor(message: string, context: ServiceErrorContext) {
    super(message, context);
    this.type = context.type;
    this.statusCode = context.statusCode ?? 400;
  }

  /** An error of wire type `type` with the service's `message`. */
  static of(type: string, message: string, statusCode = 400): ServiceError {
    return new ServiceError(message, { type, statusCode });
  }
}

export const resourceNotFound = (message = "Secrets Manager can't find the specified secret.") =>
  ServiceError.of('ResourceNotFoundException', message);
export const invalidParameter = (message: string) =>
  ServiceError.of('InvalidParameterException', message);
export const invalidRequest = (message: string) =>
  ServiceError.of('InvalidRequestException', message);
export const resourceExists = (message: string) =>
  ServiceError.of('ResourceExistsException', message);
export const serialization = (message: string) =>
  ServiceError.of('SerializationException', message);
/** Model constraint failures, worded as the service's request validator words them. */
export const validation = (message: string) =>
  ServiceError.of('ValidationException', `1 validation error detected: ${message}`);
export const markedForDeletion = () =>
  invalidRequest(
    "You can't perform this operation on the secret because it was marked for deletion.",
  );

export interface ManagedRotationErrorContext extends ErrorOptions {
  readonly secretId: string;
  /** The step of the simulated managed rotation that failed. */
  readonly step: string;
  /** The database's errno, when the database refused the statement. */
  readonly errno?: number | undefined;
  /** The driver's error code (`ER_…`, `ECONNREFUSED`), when it gave one. */
  readonly code?: string | undefined;
}

/** A simulated RDS-managed rotation failed (recorded as the rotation's error; never thrown to the caller). */
export class ManagedRotationError extends SecretsManagerLocalError {
  override readonly name: string = 'ManagedRotationError';
  readonly secretId: string;
  readonly step: string;
  readonly errno: number | undefined;
  readonly code: string | undefined;
  constructor(message: string, context: ManagedRotationErrorContext) {
    super(message, context);
    this.secretId = context.secretId;
    this.step = context.step;
    this.errno = context.errno;
    this.code = context.code;
  }
}
