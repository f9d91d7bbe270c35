import {
  type PostgresErrorMeaning,
  postgresErrorMeaning,
  sqlStateOf,
} from '@rotakit/engine-postgres';
import {
  type DriverErrorContext,
  newTerminalError,
  type TerminalConnectionError,
  type TerminalReason,
} from '../errors.js';
import type { FailureKind } from '../pool/auth-errors.js';

/**
 * secret-pool's policy on @rotakit/engine-postgres's vocabulary, from the SQLSTATE only
 * (message text differs between versions and `lc_messages`): 28P01 is a refused password
 * (refresh and retry); 28000 (pg_hba.conf or a NOLOGIN role), 3D000 and 42501 (no CONNECT on
 * the database: the password was accepted) are terminal; 53300 and 57P03 are load or
 * start-up, worth a back-off.
 */
const KIND_BY_MEANING: Partial<Record<PostgresErrorMeaning, FailureKind>> = {
  'access-denied': 'auth',
  rejected: 'terminal',
  'unknown-database': 'terminal',
  'insufficient-privilege': 'terminal',
  'too-many-connections': 'busy',
  'starting-up': 'busy',
};

const REASON_BY_MEANING: Partial<Record<PostgresErrorMeaning, TerminalReason>> = {
  rejected: 'login-rejected',
  'unknown-database': 'unknown-database',
  'insufficient-privilege': 'database-access-denied',
};

const MESSAGES: Partial<Record<TerminalReason, string>> = {
  'login-rejected':
    'the server rejects this login (no pg_hba.conf entry for this host, user and database, or the role may not log in)',
  'unknown-database': 'the database does not exist',
  'database-access-denied': 'the role may not connect to the database (CONNECT privilege)',
};

/** A pg error's SQLSTATE as the errors' driver context (PostgreSQL has no errno). */
export function pgErrorContext(error: unknown): DriverErrorContext {
  const sqlState = sqlStateOf(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  return { errno: undefined, code: typeof code === 'string' ? code : undefined, sqlState };
}

/** What a failed login means (see FailureKind); network errors and the rest are `other`. */
export function classifyPgConnectError(error: unknown): FailureKind {
  if (sqlStateOf(error) === undefined) return 'other';
  const meaning = postgresErrorMeaning(error);
  return (meaning && KIND_BY_MEANING[meaning]) ?? 'other';
}

/** The typed error for a `terminal` failure. */
export function pgTerminalError(error: unknown, secretId: string): TerminalConnectionError {
  const context = pgErrorContext(error);
  const meaning = postgresErrorMeaning(error);
  const reason = (meaning && REASON_BY_MEANING[meaning]) ?? 'login-rejected';
  const message = `Cannot connect with the credentials of secret ${secretId}: ${MESSAGES[reason]} (SQLSTATE ${context.sqlState})`;
  return newTerminalError(reason, message, { ...context, secretId, cause: error });
}
