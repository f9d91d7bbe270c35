import {
  type ErrorOptions,
  type RdsManagedResource,
  RotakitError,
  type RotationStep,
} from '@rotakit/core';

export type { RotationStep };

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
  /** The server accepts no logins yet or any more (PostgreSQL 57P03: starting up, shutting down, recovery). */
  | 'starting-up'
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

/*
 * Every class takes the same two arguments, `(message, { cause, ...context })`: the context
 * fields become readonly properties. Classes whose message always reads the same way have a
 * static `of(...)` that words it, so every throw site says it alike. Messages never contain
 * secret values.
 */

/** Where an error happened; the dispatcher fills in what a lower layer did not know. */
export interface RotationErrorContext extends ErrorOptions {
  /** The step that failed, once the dispatcher knows it. */
  readonly step?: RotationStep | undefined;
  readonly secretId?: string | undefined;
  /** The version (ClientRequestToken) being rotated. */
  readonly versionId?: string | undefined;
}

/** Base class of every error this package throws. Messages never contain secret values. */
export class RotationError extends RotakitError {
  override readonly name: string = 'RotationError';
  /** The step that failed, once the dispatcher knows it. */
  readonly step: RotationStep | undefined;
  readonly secretId: string | undefined;
  /** The version (ClientRequestToken) being rotated. */
  readonly versionId: string | undefined;

  constructor(message: string, context: RotationErrorContext = {}) {
    super(message, context);
    this.step = context.step;
    this.secretId = context.secretId;
    this.versionId = context.versionId;
  }
}

export interface InvalidOptionErrorContext extends RotationErrorContext {
  /** The option path (`password.length`) or environment variable (`PASSWORD_LENGTH`). */
  readonly option: string;
}

/** The option or environment variable given is invalid. */
export class InvalidOptionError extends RotationError {
  override readonly name: string = 'InvalidOptionError';
  /** The option path (`password.length`) or environment variable (`PASSWORD_LENGTH`). */
  readonly option: string;
  constructor(message: string, context: InvalidOptionErrorContext) {
    super(message, context);
    this.option = context.option;
  }

  /** `Invalid option <option>: <problem>`. */
  static of(option: string, problem: string, context: RotationErrorContext = {}) {
    return new InvalidOptionError(`Invalid option ${option}: ${problem}`, { ...context, option });
  }
}

export interface InvalidEventErrorContext extends RotationErrorContext {
  /** The event field at fault (`Step`, `SecretId`, `ClientRequestToken`, `RotationToken`, or `event`). */
  readonly field: string;
}

/** The Lambda event is not a Secrets Manager rotation event. */
export class InvalidEventError extends RotationError {
  override readonly name: string = 'InvalidEventError';
  /** The event field at fault (`Step`, `SecretId`, `ClientRequestToken`, `RotationToken`, or `event`). */
  readonly field: string;
  constructor(message: string, context: InvalidEventErrorContext) {
    super(message, context);
    this.field = context.field;
  }

  /** `Invalid rotation event: <field> <problem>`. */
  static of(field: string, problem: string, context: RotationErrorContext = {}) {
    return new InvalidEventError(`Invalid rotation event: ${field} ${problem}`, {
      ...context,
      field,
    });
  }
}

/** Where a secret value came from. */
export type SecretSource = 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS' | 'master';

/**
 * The secret JSON is missing a field or has an invalid one: @rotakit/core's one class for it
 * (not a RotationError; the dispatcher annotates it all the same). rotation-core words it with
 * `secretFormatError()` in secret.ts.
 */
export { SecretFormatError } from '@rotakit/core';

/** DescribeSecret says rotation is disabled for the secret. */
export class RotationNotEnabledError extends RotationError {
  override readonly name: string = 'RotationNotEnabledError';
}

export interface ManagedSecretErrorContext extends RotationErrorContext {
  /** The service that owns the secret and rotates it itself (`rds`). */
  readonly owningService: string;
  /** For RDS: the DB cluster or instance whose master user password the secret holds. */
  readonly rdsResource?: RdsManagedResource | undefined;
}

/**
 * The secret is owned by another service (an RDS-managed master user secret,
 * `ManageMasterUserPassword`), which rotates it itself: rotakit refuses to rotate it.
 * The message says what to run instead (`managedRotationCommands` in managed-secret.ts).
 */
export class ManagedSecretError extends RotationError {
  override readonly name: string = 'ManagedSecretError';
  /** The service that owns the secret and rotates it itself (`rds`). */
  readonly owningService: string;
  /** For RDS: the DB cluster or instance whose master user password the secret holds. */
  readonly rdsResource: RdsManagedResource | undefined;
  constructor(message: string, context: ManagedSecretErrorContext) {
    super(message, context);
    this.owningService = context.owningService;
    this.rdsResource = context.rdsResource;
  }
}

export interface VersionNotPendingErrorContext extends RotationErrorContext {
  /** The labels the version carries (empty when the version does not exist). */
  readonly stages: readonly string[];
}

/** The token is not a version of the secret, or does not carry AWSPENDING. */
export class VersionNotPendingError extends RotationError {
  override readonly name: string = 'VersionNotPendingError';
  /** The labels the version carries (empty when the version does not exist). */
  readonly stages: readonly string[];
  constructor(message: string, context: VersionNotPendingErrorContext) {
    super(message, context);
    this.stages = Object.freeze([...context.stages]);
  }
}

export interface CredentialMismatchErrorContext extends RotationErrorContext {
  readonly field: 'username' | 'host';
}

/** Two secret versions disagree where they must agree (username, host). */
export class CredentialMismatchError extends RotationError {
  override readonly name: string = 'CredentialMismatchError';
  readonly field: 'username' | 'host';
  constructor(message: string, context: CredentialMismatchErrorContext) {
    super(message, context);
    this.field = context.field;
  }
}

export interface LoginAttempt {
  readonly credentials: CredentialRole;
  readonly reason: LoginFailureReason;
  readonly errno?: number | undefined;
  readonly code?: string | undefined;
}

export interface DatabaseLoginErrorContext extends RotationErrorContext {
  readonly credentials: CredentialRole;
  readonly reason: LoginFailureReason;
  readonly host: string;
  readonly port: number;
  readonly errno?: number | undefined;
  readonly code?: string | undefined;
  readonly sqlState?: string | undefined;
  /** Every login tried before giving up, in order (for "previous, current, or pending"). */
  readonly attempts?: readonly LoginAttempt[] | undefined;
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
  constructor(message: string, context: DatabaseLoginErrorContext) {
    super(message, context);
    this.credentials = context.credentials;
    this.reason = context.reason;
    this.host = context.host;
    this.port = context.port;
    this.errno = context.errno;
    this.code = context.code;
    this.sqlState = context.sqlState;
    this.attempts = Object.freeze([...(context.attempts ?? [attemptOf(context)])]);
  }
}

function attemptOf(context: DatabaseLoginErrorContext): LoginAttempt {
  const { credentials, reason, errno, code } = context;
  return { credentials, reason, errno, code };
}

/** TLS was required (secret `ssl: true` or `tls.strict`) and could not be established. */
export class TlsRequiredError extends DatabaseLoginError {
  override readonly name: string = 'TlsRequiredError';
}

export interface DatabaseErrorContext extends RotationErrorContext {
  /** The kind of statement (`GRANT`, `ALTER USER`), never its values. */
  readonly statement: string;
  readonly errno?: number | undefined;
  readonly code?: string | undefined;
  readonly sqlState?: string | undefined;
}

/** A SQL statement failed after login. */
export class DatabaseError extends RotationError {
  override readonly name: string = 'DatabaseError';
  readonly statement: string;
  readonly errno: number | undefined;
  readonly code: string | undefined;
  readonly sqlState: string | undefined;
  constructor(message: string, context: DatabaseErrorContext) {
    super(message, context);
    this.statement = context.statement;
    this.errno = context.errno;
    this.code = context.code;
    this.sqlState = context.sqlState;
  }
}

/** The account cannot be copied faithfully (an authentication plugin without a password, a missing account...). */
export class AccountCopyError extends RotationError {
  override readonly name: string = 'AccountCopyError';
}

export interface AdminOptionRequiredErrorContext extends RotationErrorContext {
  /** The role the master lacks ADMIN OPTION on. */
  readonly role: string;
  /** The master user (the session's user). */
  readonly master: string;
  /** What it was needed for (`change its password`, `grant it to "app_clone"`). */
  readonly needed: string;
  readonly serverMajor: number;
  /** The statement that fixes it, for a superuser or a role with ADMIN OPTION on `role`. */
  readonly fix: string;
}

/**
 * PostgreSQL 16+: a CREATEROLE role may grant a role, or change its password, only with
 * ADMIN OPTION on it; the master lacks it on `role`. The message names the grant that fixes it.
 */
export class AdminOptionRequiredError extends AccountCopyError {
  override readonly name: string = 'AdminOptionRequiredError';
  /** The role the master lacks ADMIN OPTION on. */
  readonly role: string;
  /** The master user (the session's user). */
  readonly master: string;
  /** What it was needed for (`change its password`, `grant it to "app_clone"`). */
  readonly needed: string;
  readonly serverMajor: number;
  /** The statement that fixes it, for a superuser or a role with ADMIN OPTION on `role`. */
  readonly fix: string;
  constructor(message: string, context: AdminOptionRequiredErrorContext) {
    super(message, context);
    this.role = context.role;
    this.master = context.master;
    this.needed = context.needed;
    this.serverMajor = context.serverMajor;
    this.fix = context.fix;
  }

  /** Names the role, the master, what needed it and the GRANT to run. */
  static of(context: Omit<AdminOptionRequiredErrorContext, 'fix'>) {
    const { role, master, needed, serverMajor } = context;
    const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
    const fix = `GRANT ${quote(role)} TO ${quote(master)} WITH ADMIN OPTION;`;
    return new AdminOptionRequiredError(
      `The master user ${JSON.stringify(master)} lacks ADMIN OPTION on role ${JSON.stringify(role)}, which PostgreSQL ${serverMajor} (16 and later) requires of a CREATEROLE role to ${needed}. As a superuser or a role with ADMIN OPTION on ${JSON.stringify(role)} (on RDS, the role that created it), run: ${fix}`,
      { ...context, fix },
    );
  }
}

export interface SecretsManagerErrorContext extends RotationErrorContext {
  readonly operation: string;
  readonly kind: SecretsManagerFailureKind;
  /** The service's error name (`ThrottlingException`) or the network error code. */
  readonly code?: string | undefined;
  readonly httpStatusCode?: number | undefined;
  readonly requestId?: string | undefined;
  /** Attempts made, retries included. @default 1 */
  readonly attempts?: number | undefined;
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
  constructor(message: string, context: SecretsManagerErrorContext) {
    super(message, context);
    this.operation = context.operation;
    this.kind = context.kind;
    this.code = context.code;
    this.httpStatusCode = context.httpStatusCode;
    this.requestId = context.requestId;
    this.attempts = context.attempts ?? 1;
  }
}

export interface CloneNameTooLongErrorContext extends RotationErrorContext {
  readonly username: string;
  readonly cloneUsername: string;
  readonly limit: number;
  /** Where the limit came from: the option/environment variable or the server. */
  readonly limitSource: 'option' | 'server';
}

/** The alternate username is longer than the server (or `usernameCharacterLimit`) allows. */
export class CloneNameTooLongError extends RotationError {
  override readonly name: string = 'CloneNameTooLongError';
  readonly username: string;
  readonly cloneUsername: string;
  readonly limit: number;
  /** Where the limit came from: the option/environment variable or the server. */
  readonly limitSource: 'option' | 'server';
  constructor(message: string, context: CloneNameTooLongErrorContext) {
    super(message, context);
    this.username = context.username;
    this.cloneUsername = context.cloneUsername;
    this.limit = context.limit;
    this.limitSource = context.limitSource;
  }

  /** Names both usernames, the limit and where it came from. */
  static of(context: CloneNameTooLongErrorContext) {
    const { username, cloneUsername, limit, limitSource } = context;
    const hint =
      limitSource === 'option'
        ? ' (from usernameCharacterLimit / USERNAME_CHARACTER_LIMIT; raise it if your server allows longer names)'
        : ' (the server maximum); use a shorter username';
    return new CloneNameTooLongError(
      `Cannot clone user ${JSON.stringify(username)}: ${JSON.stringify(cloneUsername)} is ${cloneUsername.length} characters, more than the limit of ${limit}${hint}`,
      context,
    );
  }
}

export interface UnsafeIdentifierErrorContext extends RotationErrorContext {
  /** What was refused: `username`, `host`, `password`, `role`, ... */
  readonly what: string;
}

/** A username, host or password cannot be put in SQL safely (control characters, empty, ...). */
export class UnsafeIdentifierError extends RotationError {
  override readonly name: string = 'UnsafeIdentifierError';
  /** What was refused: `username`, `host`, `password`, `role`, ... */
  readonly what: string;
  constructor(message: string, context: UnsafeIdentifierErrorContext) {
    super(message, context);
    this.what = context.what;
  }

  /** `Refusing to use this <what> in SQL: <problem>` (the problem never quotes the value). */
  static of(what: string, problem: string) {
    return new UnsafeIdentifierError(`Refusing to use this ${what} in SQL: ${problem}`, { what });
  }
}

export interface TimeBudgetExceededErrorContext extends RotationErrorContext {
  /** What was about to run or was running. */
  readonly operation: string;
  readonly remainingMs: number;
  readonly reserveMs: number;
}

/** The Lambda's remaining time ran out before the step could finish. */
export class TimeBudgetExceededError extends RotationError {
  override readonly name: string = 'TimeBudgetExceededError';
  /** What was about to run or was running. */
  readonly operation: string;
  readonly remainingMs: number;
  readonly reserveMs: number;
  constructor(message: string, context: TimeBudgetExceededErrorContext) {
    super(message, context);
    this.operation = context.operation;
    this.remainingMs = context.remainingMs;
    this.reserveMs = context.reserveMs;
  }

  /** Says what ran out of time, how much was left and kept back, and what to do. */
  static of(context: TimeBudgetExceededErrorContext) {
    const { operation, remainingMs, reserveMs } = context;
    return new TimeBudgetExceededError(
      `Out of time during ${operation}: ${Math.max(0, Math.round(remainingMs))} ms of the Lambda's time left, ${reserveMs} ms kept in reserve to report the failure. Raise the function timeout, or look at the diagnosis for a network path that hangs.`,
      context,
    );
  }
}

/** The master's database endpoint could not be found through the RDS API. */
export class MasterEndpointError extends RotationError {
  override readonly name: string = 'MasterEndpointError';
}

export interface PreflightErrorContext extends RotationErrorContext {
  /** The failing checks' ids (R3, R7, ...). */
  readonly failedChecks: readonly string[];
}

/** The preflight network checks found a problem before createSecret. */
export class PreflightError extends RotationError {
  override readonly name: string = 'PreflightError';
  /** The failing checks' ids (R3, R7, ...). */
  readonly failedChecks: readonly string[];
  constructor(message: string, context: PreflightErrorContext) {
    super(message, context);
    this.failedChecks = Object.freeze([...context.failedChecks]);
  }
}

const PENDING_CONTEXT = Symbol('rotakit.contextAnnotated');

/**
 * Fills in `step`, `secretId` and `versionId` on an error thrown below the dispatcher and
 * prefixes its message once, so the Lambda's errorMessage names the step and the secret.
 * Any rotakit error qualifies: @rotakit/core's SecretFormatError is not a RotationError.
 * @internal
 */
export function annotateError<E extends RotakitError>(
  error: E,
  context: { step: RotationStep; secretId: string; versionId: string },
): E {
  const record = error as unknown as Record<PropertyKey, unknown>;
  if (record[PENDING_CONTEXT]) return error;
  for (const key of ['step', 'secretId', 'versionId'] as const) {
    if (record[key] === undefined) {
      Object.defineProperty(error, key, { value: context[key], enumerable: true });
    }
  }
  error.message = `${context.step} failed for secret ${context.secretId}: ${error.message}`;
  Object.defineProperty(error, PENDING_CONTEXT, { value: true, enumerable: false });
  return error;
}
