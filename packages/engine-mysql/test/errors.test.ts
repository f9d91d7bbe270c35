import { describe, expect, it } from 'vitest';
import { MYSQL_ERRNOS, meaningOfCode, mysqlErrorMeaning } from '../src/errors.js';

const serverError = (errno: number, sqlState = 'HY000') =>
  Object.assign(new Error('message text is never read'), { errno, sqlState });

// One row per code: errno, its symbol in the server manual, and the meaning decided for it.
// MySQL 8.4 Server Error Message Reference / MariaDB Error Codes:
describe('server and client errnos', () => {
  it.each([
    [1040, 'ER_CON_COUNT_ERROR', 'too-many-connections'], // "Too many connections"
    // "Access denied for user '%s'@'%s' to database '%s'": sent after the password was
    // accepted, so it is a grant of the account, not a wrong password.
    [1044, 'ER_DBACCESS_DENIED_ERROR', 'database-access-denied'],
    [1045, 'ER_ACCESS_DENIED_ERROR', 'access-denied'], // "(using password: YES)"
    [1049, 'ER_BAD_DB_ERROR', 'unknown-database'], // "Unknown database '%s'"
    [1053, 'ER_SERVER_SHUTDOWN', 'server-shutdown'], // "Server shutdown in progress"
    // "Host '%s' is blocked because of many connection errors; unblock with
    // 'mysqladmin flush-hosts'": it stays blocked until someone flushes, waiting does not help.
    [1129, 'ER_HOST_IS_BLOCKED', 'host-blocked'],
    [1130, 'ER_HOST_NOT_PRIVILEGED', 'host-not-allowed'], // "Host '%s' is not allowed to connect"
    [1203, 'ER_TOO_MANY_USER_CONNECTIONS', 'user-connection-limit'], // max_user_connections
    [1205, 'ER_LOCK_WAIT_TIMEOUT', 'lock-wait-timeout'], // "Lock wait timeout exceeded"
    [1213, 'ER_LOCK_DEADLOCK', 'deadlock'], // "Deadlock found when trying to get lock"

    [1226, 'ER_USER_LIMIT_REACHED', 'user-connection-limit'], // "has exceeded the '%s' resource"
    [1698, 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'access-denied-no-password'],
    [1820, 'ER_MUST_CHANGE_PASSWORD', 'password-expired'],
    [1862, 'ER_MUST_CHANGE_PASSWORD_LOGIN', 'password-expired'],
    [3118, 'ER_ACCOUNT_HAS_BEEN_LOCKED', 'account-locked'], // MySQL ACCOUNT LOCK
    [3159, 'ER_SECURE_TRANSPORT_REQUIRED', 'insecure-transport'], // require_secure_transport
    [
      3955,
      'ER_USER_ACCESS_DENIED_FOR_USER_ACCOUNT_BLOCKED_BY_PASSWORD_LOCK',
      'account-locked', // MySQL 8.0.19+ FAILED_LOGIN_ATTEMPTS / PASSWORD_LOCK_TIME
    ],
    [4150, 'ER_USER_IS_BLOCKED', 'account-locked'], // MariaDB max_password_errors
    [4151, 'ER_ACCOUNT_HAS_BEEN_LOCKED', 'account-locked'], // MariaDB ACCOUNT LOCK
    [2003, 'CR_CONN_HOST_ERROR', 'refused'], // "Can't connect to MySQL server on '%s'"
    [2005, 'CR_UNKNOWN_HOST', 'dns'],
    [2006, 'CR_SERVER_GONE_ERROR', 'connection-lost'], // "MySQL server has gone away"
    [2013, 'CR_SERVER_LOST', 'connection-lost'], // "Lost connection to MySQL server"
  ])('errno %i (%s) means %s', (errno, symbol, meaning) => {
    expect(MYSQL_ERRNOS.get(errno)).toEqual({ symbol, meaning });
    expect(mysqlErrorMeaning(serverError(errno))).toBe(meaning);
  });

  it('has a row above for every errno in the table', () => {
    expect([...MYSQL_ERRNOS.keys()].sort()).toEqual(
      [
        1040, 1044, 1045, 1049, 1053, 1129, 1130, 1203, 1205, 1213, 1226, 1698, 1820, 1862, 3118,
        3159, 3955, 4150, 4151, 2003, 2005, 2006, 2013,
      ].sort(),
    );
  });

  it('reads SQLSTATE 28000 (invalid authorization) as access denied for an unknown errno', () => {
    expect(mysqlErrorMeaning(serverError(9999, '28000'))).toBe('access-denied');
    expect(mysqlErrorMeaning(serverError(9999, 'HY000'))).toBeUndefined();
  });

  it('ignores negative errnos (Node system errors) and reads the code instead', () => {
    const refused = Object.assign(new Error('connect'), { errno: -111, code: 'ECONNREFUSED' });
    expect(mysqlErrorMeaning(refused)).toBe('refused');
  });

  it('never reads the message text', () => {
    expect(mysqlErrorMeaning(new Error("Access denied for user 'app'@'%'"))).toBeUndefined();
    expect(mysqlErrorMeaning(undefined)).toBeUndefined();
    expect(mysqlErrorMeaning('ECONNREFUSED')).toBeUndefined();
  });

  it('takes an AbortError for aborted, whatever its code', () => {
    expect(mysqlErrorMeaning(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(
      'aborted',
    );
  });
});

describe('driver and socket codes', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['ESOCKETTIMEDOUT', 'timeout'],
    ['PROTOCOL_SEQUENCE_TIMEOUT', 'timeout'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['EAI_FAIL', 'dns'],
    ['EAI_NONAME', 'dns'],
    ['ENODATA', 'dns'],
    ['ESERVFAIL', 'dns'],
    ['ENOTIMP', 'dns'],
    ['EREFUSED', 'dns'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['EHOSTDOWN', 'unreachable'],
    ['ENETDOWN', 'unreachable'],
    ['EADDRNOTAVAIL', 'unreachable'],
    ['EACCES', 'unreachable'],
    ['EPERM', 'unreachable'],
    ['ECONNABORTED', 'timeout'],
    ['ECONNRESET', 'connection-lost'],
    ['EPIPE', 'connection-lost'],
    ['ERR_SOCKET_CLOSED', 'connection-lost'],
    ['PROTOCOL_CONNECTION_LOST', 'connection-lost'],
    ['PROTOCOL_PACKETS_OUT_OF_ORDER', 'connection-lost'],
    ['ER_SERVER_SHUTDOWN', 'server-shutdown'],
    ['ER_HOST_IS_BLOCKED', 'host-blocked'],
    ['ER_CON_COUNT_ERROR', 'too-many-connections'],
    ['ER_LOCK_WAIT_TIMEOUT', 'lock-wait-timeout'],
    ['ER_LOCK_DEADLOCK', 'deadlock'],
    ['ABORT_ERR', 'aborted'],
    ['HANDSHAKE_SSL_ERROR', 'tls'],
    ['HANDSHAKE_NO_SSL_SUPPORT', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['EPROTO', 'tls'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['CERT_HAS_EXPIRED', 'tls'],
  ])('%s means %s', (code, meaning) => {
    expect(meaningOfCode(code)).toBe(meaning);
    expect(mysqlErrorMeaning(Object.assign(new Error('x'), { code }))).toBe(meaning);
  });

  it('knows nothing of other codes, nor of inherited property names', () => {
    expect(meaningOfCode('ER_PARSE_ERROR')).toBeUndefined();
    expect(meaningOfCode('toString')).toBeUndefined();
    expect(meaningOfCode(undefined)).toBeUndefined();
  });
});
