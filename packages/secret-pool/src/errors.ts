import { RotakitError, SecretFormatError } from '@rotakit/core';

/**
 * Every error thrown by `@rotakit/secret-pool` extends {@link SecretPoolError}. Messages name
 * what went wrong and never contain a secret value (no passwords, no SecretString content).
 * One constructor shape, `(message, { cause, ...context })`, as every rotakit error.
 */
export class SecretPoolError extends RotakitError {
  override name = 'SecretPoolError';
  /** The secret involved, when there is one. */
  readonly secretId: string | undefined;

  constructor(message: string, options: { cause?: unknown; secretId?: string | undefined } = {}) {
    super(message, options);
    this.secretId = options.secretId;
  }
}

/** An option passed to `SecretCache` or `createPool` is missing or invalid. */
export class InvalidOptionError extends SecretPoolError {
  override name = 'InvalidOptionError';
  /** The option at fault, e.g. `'ttlMs'` or `'loginGuard.maxFailures'`. */
  readonly option: string;

  constructor(message: string, context: { option: string; cause?: unknown }) {
    super(message, { cause: context.cause });
    this.option = context.option;
  }

  /** ``Invalid option `<option>`: <problem>``. */
  static of(option: string, problem: string): InvalidOptionError {
    return new InvalidOptionError(`Invalid option \`${option}\`: ${problem}`, { option });
  }
}

/**
 * Secrets Manager could not give a value and none is cached (a cached value is served
 * instead whenever one exists).
 */
export class SecretFetchError extends SecretPoolError {
  override name = 'SecretFetchError';
  readonly stage: string | undefined;
  readonly versionId: string | undefined;
  /** The AWS error name (`ThrottlingException`, `ResourceNotFoundException`, ...), when known. */
  readonly code: string | undefined;
  /** False when retrying cannot help (not found, access denied, bad request). */
  readonly retryable: boolean;

  constructor(
    message: string,
    context: {
      secretId: string;
      stage?: string | undefined;
      versionId?: string | undefined;
      code?: string | undefined;
      retryable: boolean;
      cause?: unknown;
    },
  ) {
    super(message, { secretId: context.secretId, cause: context.cause });
    this.stage = context.stage;
    this.versionId = context.versionId;
    this.code = context.code;
    this.retryable = context.retryable;
  }
}

/**
 * The secret's value does not have the expected shape (not JSON, or a required field such as
 * `username` or `password` is missing or of the wrong type): @rotakit/core's one class for it,
 * re-exported. `field` is the key at fault, or `SecretString` for the whole value. The JSON
 * parser's own message is never forwarded because it quotes the secret text.
 */
export { SecretFormatError };

/** True for an error this package raises itself (SecretFormatError is core's class). */
export function isOwnError(error: unknown): error is SecretPoolError | SecretFormatError {
  return error instanceof SecretPoolError || error instanceof SecretFormatError;
}

/** Fields copied from the mysql2 error that caused a connection failure. */
export interface DriverErrorContext {
  errno: number | undefined;
  code: string | undefined;
  sqlState: string | undefined;
}

/** Base for errors raised while opening a database connection. */
export class ConnectionError extends SecretPoolError {
  override name = 'ConnectionError';
  readonly errno: number | undefined;
  readonly code: string | undefined;
  readonly sqlState: string | undefined;

  constructor(
    message: string,
    context: Partial<DriverErrorContext> & { secretId: string; cause?: unknown },
  ) {
    super(message, { secretId: context.secretId, cause: context.cause });
    this.errno = context.errno;
    this.code = context.code;
    this.sqlState = context.sqlState;
  }
}

/**
 * Access was still denied after refreshing AWSCURRENT, probing AWSPENDING and the bounded
 * retries: the secret and the database disagree.
 */
export class AuthenticationError extends ConnectionError {
  override name = 'AuthenticationError';
  /** Login attempts made for the request that failed. */
  readonly attempts: number;

  constructor(
    message: string,
    context: Partial<DriverErrorContext> & { secretId: string; attempts: number; cause?: unknown },
  ) {
    super(message, context);
    this.attempts = context.attempts;
  }
}

/** Why a {@link TerminalConnectionError} cannot be fixed by new credentials or a retry. */
export type TerminalReason =
  | 'account-locked'
  | 'password-expired'
  | 'database-access-denied'
  | 'host-not-allowed'
  | 'host-blocked'
  | 'unknown-database'
  /** PostgreSQL 28000: pg_hba.conf has no entry for this host, user and database, or the role may not log in. */
  | 'login-rejected';

/**
 * The server refused the login for a reason retrying would not fix (account locked,
 * password expired, host not allowed, host blocked until FLUSH HOSTS (1129, reason
 * `host-blocked`, this class itself), no access to or unknown database). Fails fast.
 */
export class TerminalConnectionError extends ConnectionError {
  override name = 'TerminalConnectionError';
  readonly reason: TerminalReason;

  constructor(
    message: string,
    context: Partial<DriverErrorContext> & {
      secretId: string;
      reason: TerminalReason;
      cause?: unknown;
    },
  ) {
    super(message, context);
    this.reason = context.reason;
  }
}

/** The account is locked (MySQL 3118/3955, MariaDB 4151). */
export class AccountLockedError extends TerminalConnectionError {
  override name = 'AccountLockedError';
}

/** The account's password has expired (1862, 1820). */
export class PasswordExpiredError extends TerminalConnectionError {
  override name = 'PasswordExpiredError';
}

/** The account may not use the database (1044). */
export class DatabaseAccessDeniedError extends TerminalConnectionError {
  override name = 'DatabaseAccessDeniedError';
}

/** The server does not accept this account from this host (1130). */
export class HostNotAllowedError extends TerminalConnectionError {
  override name = 'HostNotAllowedError';
}

/** The database named in the secret or options does not exist (1049). */
export class UnknownDatabaseError extends TerminalConnectionError {
  override name = 'UnknownDatabaseError';
}

/** The typed error of a terminal reason: the class a caller can `instanceof`, or the base class. */
export function newTerminalError(
  reason: TerminalReason,
  message: string,
  init: Partial<DriverErrorContext> & { secretId: string; cause?: unknown },
): TerminalConnectionError {
  const context = { ...init, reason };
  switch (reason) {
    case 'account-locked':
      return new AccountLockedError(message, context);
    case 'password-expired':
      return new PasswordExpiredError(message, context);
    case 'database-access-denied':
      return new DatabaseAccessDeniedError(message, context);
    case 'host-not-allowed':
      return new HostNotAllowedError(message, context);
    case 'unknown-database':
      return new UnknownDatabaseError(message, context);
    case 'host-blocked':
    case 'login-rejected':
      return new TerminalConnectionError(message, context);
  }
}

/**
 * Why a {@link LoginGuardError} was raised: `limit`, the account has `loginGuard.maxFailures`
 * failed logins in a row; `password-refused`, the server already refused the password (since
 * the account's last successful login) and Secrets Manager had no other one to try.
 */
export type LoginGuardReason = 'limit' | 'password-refused';

/**
 * The pool did not try a login because it could not succeed or could lock the account: the
 * servers count failed logins in a row until a successful one, and block the account at their
 * limit (MySQL `FAILED_LOGIN_ATTEMPTS`, MariaDB `max_password_errors`).
 */
export class LoginGuardError extends ConnectionError {
  override name = 'LoginGuardError';
  readonly reason: LoginGuardReason;
  /** Failed logins in a row counted for the account since its last successful login. */
  readonly failures: number;
  readonly maxFailures: number;
  /** The secret version whose credentials were held back. */
  readonly versionId: string;

  constructor(
    message: string,
    context: {
      secretId: string;
      reason: LoginGuardReason;
      failures: number;
      maxFailures: number;
      versionId: string;
      cause?: unknown;
    },
  ) {
    super(message, { secretId: context.secretId, cause: context.cause });
    this.reason = context.reason;
    this.failures = context.failures;
    this.maxFailures = context.maxFailures;
    this.versionId = context.versionId;
  }
}

/**
 * The server kept refusing new connections for load reasons (1040 too many connections,
 * 1203/1226 user connection limits) after the bounded retries.
 */
export class ServerBusyError extends ConnectionError {
  override name = 'ServerBusyError';
  readonly attempts: number;

  constructor(
    message: string,
    context: Partial<DriverErrorContext> & { secretId: string; attempts: number; cause?: unknown },
  ) {
    super(message, context);
    this.attempts = context.attempts;
  }
}

/**
 * An RDS-managed secret (`rds!db-...`, `rds!cluster-...`, rotated by RDS itself) kept being
 * refused and Secrets Manager had nothing newer within `managedRotation.waitMs`: a managed
 * rotation may be under way (RDS moves AWSCURRENT after it changed the password), or the
 * password was changed outside Secrets Manager.
 */
export class ManagedRotationPendingError extends ConnectionError {
  override name = 'ManagedRotationPendingError';
  /** The secret version whose password the database refused. */
  readonly versionId: string;
  /** How long the pool had been re-reading the secret for this version. */
  readonly waitedMs: number;

  constructor(
    message: string,
    context: Partial<DriverErrorContext> & {
      secretId: string;
      versionId: string;
      waitedMs: number;
      cause?: unknown;
    },
  ) {
    super(message, context);
    this.versionId = context.versionId;
    this.waitedMs = context.waitedMs;
  }
}

/**
 * The endpoint of an RDS-managed secret's DB cluster or instance could not be read (the
 * `rds` option): DescribeSecret failed, the secret has no `aws:rds:primaryDB...Arn` tag, or
 * the RDS API failed or returned no endpoint.
 */
export class EndpointLookupError extends SecretPoolError {
  override name = 'EndpointLookupError';
  /** The DB cluster or instance ARN from the secret's tags, when it was read. */
  readonly resourceArn: string | undefined;

  constructor(
    message: string,
    context: { secretId: string; resourceArn?: string | undefined; cause?: unknown },
  ) {
    super(message, { secretId: context.secretId, cause: context.cause });
    this.resourceArn = context.resourceArn;
  }
}

/** The installed mysql2 does not have the pool internals this version relies on. */
export class UnsupportedDriverError extends SecretPoolError {
  override name = 'UnsupportedDriverError';
  /** The internals that are missing, comma-separated (e.g. `'_freeConnections, _closed'`). */
  readonly missing: string;
  /** The installed mysql2's version, when it says. */
  readonly mysql2Version: string | undefined;

  constructor(
    message: string,
    context: {
      missing?: readonly string[];
      mysql2Version?: string | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: context.cause });
    this.missing = (context.missing ?? []).join(', ');
    this.mysql2Version = context.mysql2Version;
  }
}

/** The cache or pool was closed. */
export class ClosedError extends SecretPoolError {
  override name = 'ClosedError';
}
