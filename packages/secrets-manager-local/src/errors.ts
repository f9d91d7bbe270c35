/** Base class of every error thrown by `@rotakit/secrets-manager-local`'s JS API. */
export class SecretsManagerLocalError extends Error {
  override name = 'SecretsManagerLocalError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An option given to `startSecretsManager`, `registerRotationFunction`, a fault or the CLI is invalid. */
export class InvalidOptionError extends SecretsManagerLocalError {
  override name = 'InvalidOptionError';
  readonly option: string;
  constructor(option: string, message: string, options?: { cause?: unknown }) {
    super(`Invalid option \`${option}\`: ${message}`, options);
    this.option = option;
  }
}

/** The local Secrets Manager was closed while the call was pending or before it was made. */
export class ServerClosedError extends SecretsManagerLocalError {
  override name = 'ServerClosedError';
  constructor(what: string) {
    super(`The local Secrets Manager is closed (${what})`);
  }
}

/** No secret matches the SecretId given to a JS API call (not an AWS operation). */
export class UnknownSecretError extends SecretsManagerLocalError {
  override name = 'UnknownSecretError';
  readonly secretId: string;
  constructor(secretId: string) {
    super(`No secret matches SecretId ${JSON.stringify(secretId)}`);
    this.secretId = secretId;
  }
}

/** `retryRotation` found nothing to retry, or a rotation of that secret is still running. */
export class RotationNotRetryableError extends SecretsManagerLocalError {
  override name = 'RotationNotRetryableError';
  readonly secretId: string;
  readonly reason: 'no-pending-version' | 'rotation-running' | 'no-rotation-function';
  constructor(secretId: string, reason: RotationNotRetryableError['reason'], message: string) {
    super(`Cannot retry the rotation of ${JSON.stringify(secretId)}: ${message}`);
    this.secretId = secretId;
    this.reason = reason;
  }
}

/** `waitForRotation` ran out of time. */
export class WaitTimeoutError extends SecretsManagerLocalError {
  override name = 'WaitTimeoutError';
  readonly secretId: string;
  readonly timeoutMs: number;
  constructor(secretId: string, timeoutMs: number) {
    super(
      `Timed out after ${timeoutMs} ms waiting for the rotation of ${JSON.stringify(secretId)}`,
    );
    this.secretId = secretId;
    this.timeoutMs = timeoutMs;
  }
}

/** The data file could not be read, parsed or written. */
export class PersistenceError extends SecretsManagerLocalError {
  override name = 'PersistenceError';
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`Data file ${file}: ${message}`, options);
    this.file = file;
  }
}

/**
 * An error answered on the wire with the service's shape (`__type`, `message`, HTTP status).
 * Thrown inside the server; the SDK turns it into its own exception class.
 */
export class ServiceError extends SecretsManagerLocalError {
  override name = 'ServiceError';
  readonly type: string;
  readonly statusCode: number;
  constructor(type: string, message: string, statusCode = 400) {
    super(message);
    this.type = type;
    this.statusCode = statusCode;
  }
}

export const resourceNotFound = (message = "Secrets Manager can't find the specified secret.") =>
  new ServiceError('ResourceNotFoundException', message);
export const invalidParameter = (message: string) =>
  new ServiceError('InvalidParameterException', message);
export const invalidRequest = (message: string) =>
  new ServiceError('InvalidRequestException', message);
export const resourceExists = (message: string) =>
  new ServiceError('ResourceExistsException', message);
export const serialization = (message: string) =>
  new ServiceError('SerializationException', message);
/** Model constraint failures, worded as the service's request validator words them. */
export const validation = (message: string) =>
  new ServiceError('ValidationException', `1 validation error detected: ${message}`);
export const markedForDeletion = () =>
  invalidRequest(
    "You can't perform this operation on the secret because it was marked for deletion.",
  );
