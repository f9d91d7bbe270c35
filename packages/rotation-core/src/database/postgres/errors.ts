import { definedOnly } from '@rotakit/core';
import {
  type PostgresErrorMeaning,
  postgresErrorMeaning,
  SQLSTATES,
  scrubSecrets,
  sqlStateOf,
} from '@rotakit/engine-postgres';
import type { LoginFailureReason } from '../../errors.js';

/** The fields of a pg (or Node socket) error that carry no secret. */
export interface PostgresErrorInfo {
  message: string;
  /** Node's code (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`); undefined for a server error. */
  code: string | undefined;
  /** The server's SQLSTATE (pg reports it as `code`). */
  sqlState: string | undefined;
}

export function postgresErrorInfo(error: unknown): PostgresErrorInfo {
  // net.connect to several addresses fails with an AggregateError: use the first cause.
  if (error instanceof AggregateError && error.errors.length > 0) {
    return postgresErrorInfo(error.errors[0]);
  }
  const record = (error ?? {}) as Record<string, unknown>;
  const sqlState = sqlStateOf(error);
  const code = sqlState === undefined && typeof record.code === 'string' ? record.code : undefined;
  return { message: error instanceof Error ? error.message : String(error), code, sqlState };
}

/**
 * rotation-core's policy on engine-postgres's vocabulary. `access-denied` makes the step try
 * the other credentials (current, previous): 28P01 is a wrong (or expired) password, 28000 a
 * pg_hba.conf rule or a role without LOGIN, 42501 a database without CONNECT privilege, each
 * possibly true of one user of alternating users and not the other.
 */
const REASON_BY_MEANING: Readonly<Record<PostgresErrorMeaning, LoginFailureReason>> = {
  'access-denied': 'access-denied',
  rejected: 'access-denied',
  'insufficient-privilege': 'access-denied',
  'unknown-database': 'unknown-database',
  'too-many-connections': 'too-many-connections',
  'starting-up': 'starting-up',
  'server-shutdown': 'connection-lost',
  // Statement faults, not login failures (isTransientPostgresError retries some).
  'invalid-grant': 'other',
  'read-only': 'other',
  'already-exists': 'other',
  'does-not-exist': 'other',
  'lock-wait-timeout': 'other',
  deadlock: 'other',
  refused: 'refused',
  timeout: 'timeout',
  dns: 'dns',
  unreachable: 'unreachable',
  'connection-lost': 'connection-lost',
  tls: 'tls',
  aborted: 'aborted',
};

/** Why a login or statement failed, from the SQLSTATE or Node's code (never the text). */
export function classifyPostgresError(error: unknown): LoginFailureReason {
  const meaning = postgresErrorMeaning(error);
  return meaning === undefined ? 'other' : REASON_BY_MEANING[meaning];
}

/** `SQLSTATE 28P01 invalid_password`, `ECONNREFUSED`, or empty when the error has neither. */
export function describePostgresCodes(info: Pick<PostgresErrorInfo, 'code' | 'sqlState'>): string {
  if (info.sqlState !== undefined) {
    const name = Object.hasOwn(SQLSTATES, info.sqlState)
      ? SQLSTATES[info.sqlState]?.name
      : undefined;
    return `SQLSTATE ${info.sqlState}${name ? ` ${name}` : ''}`;
  }
  return info.code ?? '';
}

/** A plain error holding only safe fields, used as `cause` instead of pg's error. */
export function safePostgresCause(info: PostgresErrorInfo, secrets: readonly string[] = []): Error {
  const cause = new Error(scrubSecrets(info.message, secrets));
  cause.name = 'PostgresDriverError';
  return Object.assign(
    cause,
    definedOnly({ code: info.code ?? info.sqlState, sqlState: info.sqlState }),
  );
}
