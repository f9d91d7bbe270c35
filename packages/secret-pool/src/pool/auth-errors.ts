import {
  AccountLockedError,
  DatabaseAccessDeniedError,
  type DriverErrorContext,
  HostNotAllowedError,
  PasswordExpiredError,
  type TerminalConnectionError,
  type TerminalReason,
  UnknownDatabaseError,
} from '../errors.js';

/**
 * What a failed connection attempt means, from mysql2's `errno`/`sqlState` only (message
 * text differs between servers, versions and languages):
 * - `auth`: the credentials were refused; refresh them and try again.
 * - `terminal`: new credentials or retries will not help; fail fast.
 * - `busy`: the server refuses connections for load reasons; back off and retry.
 * - `other`: not ours to handle (network errors, pool closed, ...); passed through.
 */
export type FailureKind = 'auth' | 'terminal' | 'busy' | 'other';

const TERMINAL: ReadonlyMap<number, TerminalReason> = new Map([
  [3118, 'account-locked'], // MySQL ER_ACCOUNT_HAS_BEEN_LOCKED
  [3955, 'account-locked'], // MySQL 8.0.19+ locked after FAILED_LOGIN_ATTEMPTS
  [4150, 'account-locked'], // MariaDB ER_USER_IS_BLOCKED (max_password_errors)
  [4151, 'account-locked'], // MariaDB ER_ACCOUNT_HAS_BEEN_LOCKED
  [1862, 'password-expired'], // ER_MUST_CHANGE_PASSWORD_LOGIN
  [1820, 'password-expired'], // ER_MUST_CHANGE_PASSWORD
  [1044, 'database-access-denied'], // ER_DBACCESS_DENIED_ERROR
  [1130, 'host-not-allowed'], // ER_HOST_NOT_PRIVILEGED
  [1049, 'unknown-database'], // ER_BAD_DB_ERROR
]);

/** ER_ACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR. */
const AUTH = new Set([1045, 1698]);

/** ER_CON_COUNT_ERROR, ER_TOO_MANY_USER_CONNECTIONS, ER_HOST_IS_BLOCKED. */
const BUSY = new Set([1040, 1203, 1129]);

export function driverContext(error: unknown): DriverErrorContext {
  const e = (error ?? {}) as { errno?: unknown; code?: unknown; sqlState?: unknown };
  return {
    errno: typeof e.errno === 'number' ? e.errno : undefined,
    code: typeof e.code === 'string' ? e.code : undefined,
    sqlState: typeof e.sqlState === 'string' ? e.sqlState : undefined,
  };
}

export function classifyConnectError(error: unknown): FailureKind {
  const { errno, sqlState } = driverContext(error);
  if (errno !== undefined && TERMINAL.has(errno)) return 'terminal';
  if (errno !== undefined && AUTH.has(errno)) return 'auth';
  if (errno !== undefined && BUSY.has(errno)) return 'busy';
  if (sqlState === '28000') return 'auth';
  return 'other';
}

const MESSAGES: Record<TerminalReason, string> = {
  'account-locked': 'the database account is locked',
  'password-expired': 'the database account password has expired',
  'database-access-denied': 'the database account may not use the database',
  'host-not-allowed': 'the database does not accept this account from this host',
  'unknown-database': 'the database does not exist',
};

/** The typed error for a `terminal` failure. */
export function terminalError(error: unknown, secretId: string): TerminalConnectionError {
  const context = driverContext(error);
  const reason = TERMINAL.get(context.errno ?? -1) ?? 'account-locked';
  const init = { ...context, secretId, reason, cause: error };
  const message = `Cannot connect with the credentials of secret ${secretId}: ${MESSAGES[reason]} (errno ${context.errno}${context.code ? ` ${context.code}` : ''})`;
  switch (reason) {
    case 'account-locked':
      return new AccountLockedError(message, init);
    case 'password-expired':
      return new PasswordExpiredError(message, init);
    case 'database-access-denied':
      return new DatabaseAccessDeniedError(message, init);
    case 'host-not-allowed':
      return new HostNotAllowedError(message, init);
    case 'unknown-database':
      return new UnknownDatabaseError(message, init);
  }
}
