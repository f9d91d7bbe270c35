// Which failed statements make a step run again: the mysql() driver's judgement on
// engine-mysql's vocabulary, and the engine-neutral policy on top of it.
import { describe, expect, it } from 'vitest';
import { mysql } from '../src/database/mysql/driver.js';
import { DatabaseError, DatabaseLoginError, type LoginFailureReason } from '../src/errors.js';
import { isTransientDatabaseError } from '../src/steps/retry-policy.js';

const statementError = (fields: { errno?: number; code?: string }) =>
  new DatabaseError('GRANT failed', { statement: 'GRANT', ...fields });
const loginError = (reason: LoginFailureReason) =>
  new DatabaseLoginError('login failed', { credentials: 'current', reason, host: 'db', port: 1 });

describe("mysql()'s transient statement failures", () => {
  const driver = mysql();

  it.each([
    ['ER_SERVER_SHUTDOWN', { errno: 1053, code: 'ER_SERVER_SHUTDOWN' }],
    ['ER_LOCK_WAIT_TIMEOUT', { errno: 1205, code: 'ER_LOCK_WAIT_TIMEOUT' }],
    ['ER_LOCK_DEADLOCK', { errno: 1213, code: 'ER_LOCK_DEADLOCK' }],
    ['errno 1213 alone', { errno: 1213 }],
    ['CR_SERVER_LOST (2013)', { errno: 2013 }],
    ['PROTOCOL_CONNECTION_LOST', { code: 'PROTOCOL_CONNECTION_LOST' }],
    ['ECONNRESET', { code: 'ECONNRESET' }],
    ['EPIPE', { code: 'EPIPE' }],
  ])('%s: the step runs again', (_name, fields) => {
    expect(isTransientDatabaseError(statementError(fields), driver)).toBe(true);
  });

  it.each([
    ['ER_ACCESS_DENIED_ERROR', { errno: 1045, code: 'ER_ACCESS_DENIED_ERROR' }],
    ['ER_DBACCESS_DENIED_ERROR', { errno: 1044, code: 'ER_DBACCESS_DENIED_ERROR' }],
    ['ER_PARSE_ERROR', { errno: 1064, code: 'ER_PARSE_ERROR' }],
    ['no errno or code', {}],
  ])('%s: the step fails', (_name, fields) => {
    expect(isTransientDatabaseError(statementError(fields), driver)).toBe(false);
  });

  it('a driver without isTransientError retries no statement failure', () => {
    const { isTransientError: _judge, ...plain } = driver;
    expect(isTransientDatabaseError(statementError({ errno: 1213 }), plain)).toBe(false);
  });
});

describe('transient login failures (engine-neutral reasons)', () => {
  it.each([
    ['connection-lost', true],
    ['refused', true],
    ['too-many-connections', true],
    ['access-denied', false],
    ['timeout', false],
    ['tls', false],
    ['host-blocked', false],
  ] as const)('%s: %s', (reason, transient) => {
    expect(isTransientDatabaseError(loginError(reason), mysql())).toBe(transient);
  });

  it('anything else is not a database fault', () => {
    expect(isTransientDatabaseError(new Error('ECONNRESET'), mysql())).toBe(false);
  });
});
