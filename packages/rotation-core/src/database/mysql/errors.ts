import { definedOnly } from '@rotakit/core';
import { type MysqlErrorMeaning, mysqlErrorMeaning, scrubSecrets } from '@rotakit/engine-mysql';
import type { LoginFailureReason } from '../../errors.js';

export { describeReason } from '../login-reason.js';

/** The fields of a mysql2 (or Node socket) error that carry no secret. */
export interface DriverErrorInfo {
  message: string;
  code: string | undefined;
  errno: number | undefined;
  sqlState: string | undefined;
}

export function driverErrorInfo(error: unknown): DriverErrorInfo {
  const record = (error ?? {}) as Record<string, unknown>;
  let code = typeof record.code === 'string' ? record.code : undefined;
  let errno = typeof record.errno === 'number' ? record.errno : undefined;
  // Node reports system errors with a negative errno; only server errnos are useful here.
  if (errno !== undefined && errno < 0) errno = undefined;
  let message = error instanceof Error ? error.message : String(error);
  // mysql2 says this, without a code, when a command is sent after the server went away.
  if (code === undefined && /connection is in closed state/i.test(message)) {
    code = 'PROTOCOL_CONNECTION_LOST';
  }
  // net.connect to several addresses fails with an AggregateError: use the first cause.
  if (error instanceof AggregateError && error.errors.length > 0) {
    const first = driverErrorInfo(error.errors[0]);
    code ??= first.code;
    message = first.message;
  }
  return {
    message,
    code,
    errno,
    sqlState: typeof record.sqlState === 'string' ? record.sqlState : undefined,
  };
}

/**
 * rotation-core's policy on the shared vocabulary. `access-denied` makes the step try the
 * other credentials (current, previous, master): a locked or expired account, or one without a
 * grant on the database (1044), may be the other account of alternating users, whose state
 * differs. Host-not-allowed (1130) is about this host for every credential: `other`.
 */
const REASON_BY_MEANING: Readonly<Record<MysqlErrorMeaning, LoginFailureReason>> = {
  'access-denied': 'access-denied',
  'access-denied-no-password': 'access-denied',
  'database-access-denied': 'access-denied',
  'password-expired': 'access-denied',
  'account-locked': 'access-denied',
  'unknown-database': 'unknown-database',
  'host-blocked': 'host-blocked',
  'host-not-allowed': 'other',
  'too-many-connections': 'too-many-connections',
  'user-connection-limit': 'too-many-connections',
  'insecure-transport': 'tls',
  'server-shutdown': 'connection-lost',
  // Statement faults, not login failures (steps/retry-policy.ts retries them).
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

/** Why a login or statement failed, from the error's code and errno. */
export function classifyDriverError(error: unknown): LoginFailureReason {
  const record = (error ?? {}) as Record<string, unknown>;
  const { code, errno, sqlState } = driverErrorInfo(error);
  const meaning = mysqlErrorMeaning({ name: record.name, code, errno, sqlState });
  return meaning === undefined ? 'other' : REASON_BY_MEANING[meaning];
}

/** `errno 1045, ER_ACCESS_DENIED_ERROR`, or empty when the error has neither. */
export function describeCodes(info: DriverErrorInfo): string {
  return [info.errno !== undefined ? `errno ${info.errno}` : undefined, info.code]
    .filter(Boolean)
    .join(', ');
}

/** A plain error holding only safe fields, used as `cause` instead of the driver's error. */
export function safeCause(info: DriverErrorInfo, secrets: readonly string[] = []): Error {
  const cause = new Error(scrubSecrets(info.message, secrets));
  cause.name = 'MysqlDriverError';
  return Object.assign(
    cause,
    definedOnly({ code: info.code, errno: info.errno, sqlState: info.sqlState }),
  );
}
