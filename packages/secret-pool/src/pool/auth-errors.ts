import { type MysqlErrorMeaning, mysqlErrorMeaning } from '@rotakit/engine-mysql';
import {
  type DriverErrorContext,
  newTerminalError,
  type TerminalConnectionError,
  type TerminalReason,
} from '../errors.js';

/** The terminal reasons a MySQL/MariaDB server's answer can mean. */
type MysqlTerminalReason = Exclude<TerminalReason, 'login-rejected'>;

/**
 * What a failed connection attempt means, from mysql2's `errno`/`sqlState` only (message
 * text differs between servers, versions and languages):
 * - `auth`: the credentials were refused; refresh them and try again.
 * - `terminal`: new credentials or retries will not help; fail fast.
 * - `busy`: the server refuses connections for load reasons; back off and retry.
 * - `other`: not ours to handle (network errors, pool closed, ...); passed through.
 */
export type FailureKind = 'auth' | 'terminal' | 'busy' | 'other';

/**
 * secret-pool's policy on @rotakit/engine-mysql's vocabulary. A locked or expired account, a
 * missing grant (1044: the password was accepted, so a refreshed one changes nothing), a host
 * the server refuses (1130) or blocks until FLUSH HOSTS (1129: waiting does not unblock it)
 * and an unknown database are terminal; connection limits are busy.
 */
const KIND_BY_MEANING: Partial<Record<MysqlErrorMeaning, FailureKind>> = {
  'access-denied': 'auth',
  'access-denied-no-password': 'auth',
  'account-locked': 'terminal',
  'password-expired': 'terminal',
  'database-access-denied': 'terminal',
  'host-not-allowed': 'terminal',
  'host-blocked': 'terminal',
  'unknown-database': 'terminal',
  'too-many-connections': 'busy',
  'user-connection-limit': 'busy',
};

const REASON_BY_MEANING: Partial<Record<MysqlErrorMeaning, MysqlTerminalReason>> = {
  'account-locked': 'account-locked',
  'password-expired': 'password-expired',
  'database-access-denied': 'database-access-denied',
  'host-not-allowed': 'host-not-allowed',
  'host-blocked': 'host-blocked',
  'unknown-database': 'unknown-database',
};

/** The meaning of a server answer; socket-level failures are not ours to handle here. */
function serverMeaning(error: unknown): MysqlErrorMeaning | undefined {
  const { errno, sqlState } = driverContext(error);
  return mysqlErrorMeaning({ errno, sqlState });
}

export function driverContext(error: unknown): DriverErrorContext {
  const e = (error ?? {}) as { errno?: unknown; code?: unknown; sqlState?: unknown };
  return {
    errno: typeof e.errno === 'number' ? e.errno : undefined,
    code: typeof e.code === 'string' ? e.code : undefined,
    sqlState: typeof e.sqlState === 'string' ? e.sqlState : undefined,
  };
}

export function classifyConnectError(error: unknown): FailureKind {
  const meaning = serverMeaning(error);
  return (meaning && KIND_BY_MEANING[meaning]) ?? 'other';
}

const MESSAGES: Record<MysqlTerminalReason, string> = {
  'account-locked': 'the database account is locked',
  'password-expired': 'the database account password has expired',
  'database-access-denied': 'the database account may not use the database',
  'host-not-allowed': 'the database does not accept this account from this host',
  'unknown-database': 'the database does not exist',
  'host-blocked':
    'the server blocks this host after too many connection errors (run FLUSH HOSTS; raise max_connect_errors)',
};

/** The typed error for a `terminal` failure. */
export function terminalError(error: unknown, secretId: string): TerminalConnectionError {
  const context = driverContext(error);
  const meaning = serverMeaning(error);
  const reason = (meaning && REASON_BY_MEANING[meaning]) ?? 'account-locked';
  const init = { ...context, secretId, reason, cause: error };
  const message = `Cannot connect with the credentials of secret ${secretId}: ${MESSAGES[reason]} (errno ${context.errno}${context.code ? ` ${context.code}` : ''})`;
  return newTerminalError(reason, message, init);
}
