import { describe, expect, it } from 'vitest';
import { meaningOfSqlState, postgresErrorMeaning, SQLSTATES, sqlStateOf } from '../src/errors.js';

// pg's DatabaseError carries the SQLSTATE in `code`; its message is the server's, in the
// server's lc_messages language, and never read.
const serverError = (code: string) =>
  Object.assign(new Error('message text is never read'), { code, severity: 'FATAL' });

// One row per code: the SQLSTATE, its condition name in the PostgreSQL manual's Appendix A
// ("PostgreSQL Error Codes"), and the meaning decided for it.
describe('SQLSTATEs', () => {
  it.each([
    // "password authentication failed for user": also for a role that does not exist, and
    // for an expired VALID UNTIL (the server log alone says which).
    ['28P01', 'invalid_password', 'access-denied'],
    // "no pg_hba.conf entry for host", a `reject` line, "role ... is not permitted to log in".
    ['28000', 'invalid_authorization_specification', 'rejected'],
    ['3D000', 'invalid_catalog_name', 'unknown-database'], // "database ... does not exist"
    // "sorry, too many clients already", "too many connections for role", reserved slots.
    ['53300', 'too_many_connections', 'too-many-connections'],
    // "the database system is starting up" / "is in recovery mode" / "is shutting down".
    ['57P03', 'cannot_connect_now', 'starting-up'],
    ['57P01', 'admin_shutdown', 'server-shutdown'], // "terminating connection due to administrator command"
    ['57P02', 'crash_shutdown', 'server-shutdown'], // "... because of crash of another server process"
    // "permission denied to alter role", "permission denied for database" (no CONNECT).
    ['42501', 'insufficient_privilege', 'insufficient-privilege'],
    ['0LP01', 'invalid_grant_operation', 'invalid-grant'], // "role ... is a member of role ..."
    // "cannot execute ALTER ROLE in a read-only transaction": a standby or reader endpoint.
    ['25006', 'read_only_sql_transaction', 'read-only'],
    ['42710', 'duplicate_object', 'already-exists'], // "role ... already exists"
    ['42704', 'undefined_object', 'does-not-exist'], // "role ... does not exist"
    ['55P03', 'lock_not_available', 'lock-wait-timeout'], // lock_timeout, NOWAIT
    ['40P01', 'deadlock_detected', 'deadlock'],
  ])('%s (%s) means %s', (code, name, meaning) => {
    expect(SQLSTATES[code]).toEqual({ name, meaning });
    expect(meaningOfSqlState(code)).toBe(meaning);
    expect(postgresErrorMeaning(serverError(code))).toBe(meaning);
    expect(sqlStateOf(serverError(code))).toBe(code);
  });

  it('has a row above for every SQLSTATE in the table, and the table is frozen', () => {
    expect(Object.keys(SQLSTATES).sort()).toEqual(
      [
        '28P01',
        '28000',
        '3D000',
        '53300',
        '57P03',
        '57P01',
        '57P02',
        '42501',
        '0LP01',
        '25006',
        '42710',
        '42704',
        '55P03',
        '40P01',
      ].sort(),
    );
    expect(Object.isFrozen(SQLSTATES)).toBe(true);
    expect(Object.isFrozen(SQLSTATES['28P01'])).toBe(true);
  });

  it('knows nothing of other SQLSTATEs, nor of inherited property names', () => {
    expect(postgresErrorMeaning(serverError('42601'))).toBeUndefined(); // syntax_error
    expect(meaningOfSqlState('toString')).toBeUndefined();
    expect(meaningOfSqlState(undefined)).toBeUndefined();
  });
});

describe('socket and client errors', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ECONNRESET', 'connection-lost'],
    ['EPIPE', 'connection-lost'],
    ['EPERM', 'unreachable'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
  ])('%s means %s and is not taken for a SQLSTATE', (code, meaning) => {
    const error = Object.assign(new Error('connect'), { code, errno: -111 });
    expect(postgresErrorMeaning(error)).toBe(meaning);
    expect(sqlStateOf(error)).toBeUndefined();
  });

  it('takes an AbortError for aborted, whatever its code', () => {
    const aborted = Object.assign(new Error('x'), { name: 'AbortError', code: '28P01' });
    expect(postgresErrorMeaning(aborted)).toBe('aborted');
  });

  it('never reads the message text', () => {
    expect(postgresErrorMeaning(new Error('password authentication failed'))).toBeUndefined();
    expect(postgresErrorMeaning(undefined)).toBeUndefined();
    expect(postgresErrorMeaning('28P01')).toBeUndefined();
    expect(sqlStateOf({ code: 28000 })).toBeUndefined();
  });
});
