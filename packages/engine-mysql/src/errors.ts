import {
  type DatabaseErrorMeaning,
  type NetworkErrorMeaning,
  networkErrorMeaning,
} from '@rotakit/core';

/**
 * The meanings a MySQL/MariaDB error can have: a server errno, a client error code or a Node
 * socket code, mapped onto @rotakit/core's shared vocabulary (`DatabaseErrorMeaning`, where
 * each name is documented). Decided once, from the server manuals (MySQL 8.4 "Server Error
 * Message Reference", MariaDB "MariaDB Error Codes"); each package keeps its own policy on top
 * (retry, try other credentials, report a status).
 */
export type MysqlErrorMeaning = Extract<
  DatabaseErrorMeaning,
  | 'access-denied'
  | 'access-denied-no-password'
  | 'database-access-denied'
  | 'unknown-database'
  | 'host-blocked'
  | 'host-not-allowed'
  | 'too-many-connections'
  | 'user-connection-limit'
  | 'account-locked'
  | 'password-expired'
  | 'insecure-transport'
  | 'server-shutdown'
  | 'lock-wait-timeout'
  | 'deadlock'
  | NetworkErrorMeaning
>;

/** The meaning and symbol of each server and client errno rotakit acts on. */
export const MYSQL_ERRNOS: ReadonlyMap<number, { symbol: string; meaning: MysqlErrorMeaning }> =
  new Map(
    (
      [
        [1040, 'ER_CON_COUNT_ERROR', 'too-many-connections'],
        [1044, 'ER_DBACCESS_DENIED_ERROR', 'database-access-denied'],
        [1045, 'ER_ACCESS_DENIED_ERROR', 'access-denied'],
        [1049, 'ER_BAD_DB_ERROR', 'unknown-database'],
        [1053, 'ER_SERVER_SHUTDOWN', 'server-shutdown'],
        [1129, 'ER_HOST_IS_BLOCKED', 'host-blocked'],
        [1130, 'ER_HOST_NOT_PRIVILEGED', 'host-not-allowed'],
        [1203, 'ER_TOO_MANY_USER_CONNECTIONS', 'user-connection-limit'],
        [1205, 'ER_LOCK_WAIT_TIMEOUT', 'lock-wait-timeout'],
        [1213, 'ER_LOCK_DEADLOCK', 'deadlock'],
        [1226, 'ER_USER_LIMIT_REACHED', 'user-connection-limit'],
        [1698, 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'access-denied-no-password'],
        [1820, 'ER_MUST_CHANGE_PASSWORD', 'password-expired'],
        [1862, 'ER_MUST_CHANGE_PASSWORD_LOGIN', 'password-expired'],
        [3118, 'ER_ACCOUNT_HAS_BEEN_LOCKED', 'account-locked'], // MySQL
        [3159, 'ER_SECURE_TRANSPORT_REQUIRED', 'insecure-transport'],
        // MySQL 8.0.19+: locked for a while after FAILED_LOGIN_ATTEMPTS.
        [3955, 'ER_USER_ACCESS_DENIED_FOR_USER_ACCOUNT_BLOCKED_BY_PASSWORD_LOCK', 'account-locked'],
        [4150, 'ER_USER_IS_BLOCKED', 'account-locked'], // MariaDB max_password_errors
        [4151, 'ER_ACCOUNT_HAS_BEEN_LOCKED', 'account-locked'], // MariaDB
        // Client errors (CR_*), as the C client and some drivers report them.
        [2003, 'CR_CONN_HOST_ERROR', 'refused'],
        [2005, 'CR_UNKNOWN_HOST', 'dns'],
        [2006, 'CR_SERVER_GONE_ERROR', 'connection-lost'],
        [2013, 'CR_SERVER_LOST', 'connection-lost'],
      ] as const
    ).map(([errno, symbol, meaning]) => [errno, { symbol, meaning }]),
  );

/** What mysql2's own codes mean, beyond Node's socket codes (which core's vocabulary reads). */
const DRIVER_CODE_MEANINGS: Readonly<Record<string, MysqlErrorMeaning>> = {
  PROTOCOL_SEQUENCE_TIMEOUT: 'timeout',
  PROTOCOL_CONNECTION_LOST: 'connection-lost',
  PROTOCOL_PACKETS_OUT_OF_ORDER: 'connection-lost',
  HANDSHAKE_NO_SSL_SUPPORT: 'tls',
  HANDSHAKE_SSL_ERROR: 'tls',
  ER_SERVER_SHUTDOWN: 'server-shutdown',
  ER_HOST_IS_BLOCKED: 'host-blocked',
  ER_CON_COUNT_ERROR: 'too-many-connections',
  ER_LOCK_WAIT_TIMEOUT: 'lock-wait-timeout',
  ER_LOCK_DEADLOCK: 'deadlock',
};

/** The meaning of a server or client errno, or undefined for one rotakit does not act on. */
export function meaningOfErrno(errno: number | undefined): MysqlErrorMeaning | undefined {
  return errno === undefined ? undefined : MYSQL_ERRNOS.get(errno)?.meaning;
}

/** The meaning of a mysql2 or Node error code (mysql2 reports socket failures by Node's code) (`ECONNREFUSED`, `HANDSHAKE_SSL_ERROR`, ...). */
export function meaningOfCode(code: string | undefined): MysqlErrorMeaning | undefined {
  if (code === undefined) return undefined;
  if (Object.hasOwn(DRIVER_CODE_MEANINGS, code)) return DRIVER_CODE_MEANINGS[code];
  return networkErrorMeaning(code);
}

/**
 * What a mysql2 (or Node socket) error means: by server errno first, then by code; SQLSTATE
 * 28000 (invalid authorization) is access denied whatever the errno. Message text is never
 * read: it differs between servers, versions and languages.
 *
 * @example
 * mysqlErrorMeaning(Object.assign(new Error(), { errno: 1045 })) // 'access-denied'
 */
export function mysqlErrorMeaning(error: unknown): MysqlErrorMeaning | undefined {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  if (e.name === 'AbortError') return 'aborted';
  const errno = typeof e.errno === 'number' && e.errno > 0 ? e.errno : undefined;
  const byErrno = meaningOfErrno(errno);
  if (byErrno) return byErrno;
  const byCode = meaningOfCode(typeof e.code === 'string' ? e.code : undefined);
  if (byCode) return byCode;
  return e.sqlState === '28000' ? 'access-denied' : undefined;
}
