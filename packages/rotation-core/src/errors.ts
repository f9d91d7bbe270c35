/** The four rotation steps, in the order the service runs them. */
export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/** Which credentials a database login used. */
export type CredentialRole = 'pending' | 'current' | 'previous' | 'master';

/** The secret each credential role comes from, as messages name it. @internal */
export const CREDENTIAL_LABEL: Readonly<Record<CredentialRole, string>> = Object.freeze({
  pending: 'AWSPENDING',
  current: 'AWSCURRENT',
  previous: 'AWSPREVIOUS',
  master: 'master',
});

/** Why a database login failed, as far as the client can tell. */
export type LoginFailureReason =
  | 'access-denied'
  | 'timeout'
  | 'refused'
  | 'dns'
  | 'tls'
  | 'unreachable'
  | 'connection-lost'
  | 'host-blocked'
  | 'too-many-connections'
  | 'unknown-database'
  | 'aborted'
  | 'other';

/** How a Secrets Manager call failed. */
export type SecretsManagerFailureKind =
  | 'throttling'
  | 'access-denied'
  | 'not-found'
  | 'exists'
  | 'invalid-request'
  | 'invalid-parameter'
  | 'decryption'
  | 'internal'
  | 'network'
  | 'timeout'
  | 'other';

export interface RotationErrorContext {
  step?: RotationStep | undefined;
  secretId?: string | undefined;
  versionId?: string | undefined;
  cause?: unknown;
}

/** Base class of every error this package throws. Messages never contain secret values. */
export class RotationError extends Error {
  override readonly name: string = 'RotationError';
  /** The step that failed, once the dispatcher knows it. */
  readonly step: RotationStep | undefined;
  readonly secretId: string | undefined;
  /** The version (ClientRequestToken) being rotated. */
  readonly versionId: string | undefined;

  constructor(message: string, context: RotationErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.step = context.step;
    this.secretId = context.secretId;
    this.versionId = context.versionId;
  }
}

/** The option or environment variable given is invalid. */
export class InvalidOptionError extends RotationError {
  override readonly name: string = 'InvalidOptionError';
  /** The option path (`password.length`) or environment variable (`PASSWORD_LENGTH`). */
  readonly option: string;
  constructor(option: string, problem: string, context: RotationErrorContext = {}) {
    super(`Invalid option ${option}: ${problem}`, context);
    this.option = option;
  }
}

/** The Lambda event is not a Secrets Manager rotation event. */
export class InvalidEventError extends RotationError {
  override readonly name: string = 'InvalidEventError';
  /** The event field at fault (`Step`, `SecretId`, `ClientRequestToken`, `RotationToken`, or `event`). */
  readonly field: string;
  constructor(field: string, problem: string, context: RotationErrorContext = {}) {
    super(`Invalid rotation event: ${field} ${problem}`, context);
    this.field = field;
  }
}

/** Where a secret value came from. */
export type SecretSource = 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS' | 'master';

/** The secret JSON is missing a field or has an invalid one. Names the field, never the value. */
export class SecretFormatError extends RotationError {
  override readonly name: string = 'SecretFormatError';
  /** The JSON key at fault, or `SecretString` for the whole value. */
  readonly field: string;
  readonly source: SecretSource;
  constructor(
    field: string,
    problem: string,
    source: SecretSource,
    context: RotationErrorContext = {},
  ) {
    super(`${describeSource(source)} secret: ${field} ${problem}`, context);
    this.field = field;
    this.source = source;
  }
}

function describeSource(source: SecretSource): string {
  return source === 'master' ? 'The master' : `The ${source}`;
}

/** DescribeSecret says rotation is disabled for the secret. */
export class RotationNotEnabledError extends RotationError {
  override readonly name: string = 'RotationNotEnabledError';
}

/** The token is not a version of the secret, or does not carry AWSPENDING. */
export class VersionNotPendingError extends RotationError {
  override readonly name: string = 'VersionNotPendingError';
  /** The labels the version carries (empty when the version does not exist). */
  readonly stages: readonly string[];
  constructor(message: string, stages: readonly string[], context: RotationErrorContext = {}) {
    super(message, context);
    this.stages = Object.freeze([...stages]);
  }
}

/** Two secret versions disagree where they must agree (username, host). */
export class CredentialMismatchError extends RotationError {
  override readonly name: string = 'CredentialMismatchError';
  readonly field: 'username' | 'host';
  constructor(field: 'username' | 'host', message: string, context: RotationErrorContext = {}) {
    super(message, context);
    this.field = field;
  }
}

export interface LoginAttempt {
  credentials: CredentialRole;
  reason: LoginFailureReason;
  errno?: number | undefined;
  code?: string | undefined;
}

export interface DatabaseLoginErrorDetails {
  credentials: CredentialRole;
  reason: LoginFailureReason;
  host: string;
  port: number;
  errno?: number | undefined;
  code?: string | undefined;
  sqlState?: string | undefined;
  /** Every login tried before giving up, in order (for "previous, current, or pending"). */
  attempts?: readonly LoginAttempt[] | undefined;
}

/** A database login failed; `reason` says whether it was the network, TLS or the credentials. */
export class DatabaseLoginError extends RotationError {
  override readonly name: string = 'DatabaseLoginError';
  readonly credentials: CredentialRole;
  readonly reason: LoginFailureReason;
  readonly host: string;
  readonly port: number;
  readonly errno: number | undefined;
  readonly code: string | undefined;
  readonly sqlState: string | undefined;
  readonly attempts: readonly LoginAttempt[];
  constructor(
    message: string,
    details: DatabaseLoginErrorDetails,
    context: RotationErrorContext = {},
  ) {
    super(message, context);
    this.credentials = details.credentials;
    this.reason = details.reason;
    this.host = details.host;
    this.port = details.port;
    this.errno = details.errno;
    this.code = details.code;
    this.sqlState = details.sqlState;
    this.attempts = Object.freeze([
      ...(details.attempts ?? [
        {
          credentials: details.credentials,
          reason: details.reason,
          errno: details.errno,
          code: details.code,
        },
      ]),
    ]);
  }
}

/** TLS was required (secret `ssl: true` or `tls.strict`) and could not be established. */
export class TlsRequiredError extends DatabaseLoginError {
  override readonly name: string = 'TlsRequiredError';
}

export interface DatabaseErrorDetails {
  /** The kind of statement (`GRANT`, `ALTER USER`), never its values. */
  statement: string;
  errno?: number | undefined;
  code?: string | undefined;
  sqlState?: string | undefined;
}

/** A SQL statement failed after login. */
export class DatabaseError extends RotationError {
  override readonly name: string = 'DatabaseError';
  readonly statement: string;
  readonly errno: number | undefined;
  readonly code: string | undefined;
  readonly sqlState: string | undefined;
  constructor(message: string, details: DatabaseErrorDetails, context: RotationErrorContext = {}) {
    super(message, context);
    this.statement = details.statement;
    this.errno = details.errno;
    this.code = details.code;
    this.sqlState = details.sqlState;
  }
}

/** The account cannot be copied faithfully (an authentication plugin without a password, a missing account...). */
export class AccountCopyError extends RotationError {
  override readonly name: string = 'AccountCopyError';
}

export interface SecretsManagerErrorDetails {
  operation: string;
  kind: SecretsManagerFailureKind;
  /** The service's error name (`ThrottlingException`) or the network error code. */
  code?: string | undefined;
  httpStatusCode?: number | undefined;
  requestId?: string | undefined;
  /** Attempts made, retries included. */
  attempts?: number | undefined;
}

/** A Secrets Manager call failed. */
export class SecretsManagerError extends RotationError {
  override readonly name: string = 'SecretsManagerError';
  readonly operation: string;
  readonly kind: SecretsManagerFailureKind;
  readonly code: string | undefined;
  readonly httpStatusCode: number | undefined;
  readonly requestId: string | undefined;
  readonly attempts: number;
  constructor(
    message: string,
    details: SecretsManagerErrorDetails,
    context: RotationErrorContext = {},
  ) {
    super(message, context);
    this.operation = details.operation;
    this.kind = details.kind;
    this.code = details.code;
    this.httpStatusCode = details.httpStatusCode;
    this.requestId = details.requestId;
    this.attempts = details.attempts ?? 1;
  }
}

/** The alternate username is longer than the server (or `usernameCharacterLimit`) allows. */
export class CloneNameTooLongError extends RotationError {
  override readonly name: string = 'CloneNameTooLongError';
  readonly username: string;
  readonly cloneUsername: string;
  readonly limit: number;
  /** Where the limit came from: the option/environment variable or the server. */
  readonly limitSource: 'option' | 'server';
  constructor(
    details: {
      username: string;
      cloneUsername: string;
      limit: number;
      limitSource: 'option' | 'server';
    },
    context: RotationErrorContext = {},
  ) {
    const hint =
      details.limitSource === 'option'
        ? ' (from usernameCharacterLimit / USERNAME_CHARACTER_LIMIT; raise it if your server allows longer names)'
        : ' (the server maximum); use a shorter username';
    super(
      `Cannot clone user ${JSON.stringify(details.username)}: ${JSON.stringify(details.cloneUsername)} is ${details.cloneUsername.length} characters, more than the limit of ${details.limit}${hint}`,
      context,
    );
    this.username = details.username;
    this.cloneUsername = details.cloneUsername;
    this.limit = details.limit;
    this.limitSource = details.limitSource;
  }
}

/** A username, host or password cannot be put in SQL safely (control characters, empty, ...). */
export class UnsafeIdentifierError extends RotationError {
  override readonly name: string = 'UnsafeIdentifierError';
  /** What was refused: `username`, `host`, `password`, `role`, ... */
  readonly what: string;
  constructor(what: string, problem: string, context: RotationErrorContext = {}) {
    super(`Refusing to use this ${what} in SQL: ${problem}`, context);
    this.what = what;
  }
}

/** The Lambda's remaining time ran out before the step could finish. */
export class TimeBudgetExceededError extends RotationError {
  override readonly name: string = 'TimeBudgetExceededError';
  /** What was about to run or was running. */
  readonly operation: string;
  readonly remainingMs: number;
  readonly reserveMs: number;
  constructor(
    details: { operation: string; remainingMs: number; reserveMs: number },
    context: RotationErrorContext = {},
  ) {
    super(
      `Out of time during ${details.operation}: ${Math.max(0, Math.round(details.remainingMs))} ms of the Lambda's time left, ${details.reserveMs} ms kept in reserve to report the failure. Raise the function timeout, or look at the diagnosis for a network path that hangs.`,
      context,
    );
    this.operation = details.operation;
    this.remainingMs = details.remainingMs;
    this.reserveMs = details.reserveMs;
  }
}

/** The master's database endpoint could not be found through the RDS API. */
export class MasterEndpointError extends RotationError {
  override readonly name: string = 'MasterEndpointError';
}

/** The preflight network checks found a problem before createSecret. */
export class PreflightError extends RotationError {
  override readonly name: string = 'PreflightError';
  /** The failing checks' ids (R3, R7, ...). */
  readonly failedChecks: readonly string[];
  constructor(
    message: string,
    failedChecks: readonly string[],
    context: RotationErrorContext = {},
  ) {
    super(message, context);
    this.failedChecks = Object.freeze([...failedChecks]);
  }
}

const PENDING_CONTEXT = Symbol('rotakit.contextAnnotated');

/**
 * Fills in `step`, `secretId` and `versionId` on an error thrown below the dispatcher and
 * prefixes its message once, so the Lambda's errorMessage names the step and the secret.
 * @internal
 */
export function annotateError<E extends RotationError>(
  error: E,
  context: { step: RotationStep; secretId: string; versionId: string },
): E {
  const record = error as unknown as Record<PropertyKey, unknown>;
  if (record[PENDING_CONTEXT]) return error;
  for (const key of ['step', 'secretId', 'versionId'] as const) {
    if (error[key] === undefined) {
      Object.defineProperty(error, key, { value: context[key], enumerable: true });
    }
  }
  error.message = `${context.step} failed for secret ${context.secretId}: ${error.message}`;
  Object.defineProperty(error, PENDING_CONTEXT, { value: true, enumerable: false });
  return error;
}
