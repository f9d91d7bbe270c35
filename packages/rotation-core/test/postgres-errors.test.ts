// The postgres() driver's reading of engine-postgres's vocabulary: login reasons and the
// statement failures a step runs again for, by SQLSTATE (the text is never read); and
// byEngine()'s choice of driver.
import { describe, expect, it } from 'vitest';
import { byEngine, driverFor } from '../src/database/by-engine.js';
import { mysql } from '../src/database/mysql/driver.js';
import { postgres } from '../src/database/postgres/driver.js';
import { classifyPostgresError, describePostgresCodes } from '../src/database/postgres/errors.js';
import { statementLabel } from '../src/database/postgres/session.js';
import { DatabaseError, DatabaseLoginError, InvalidOptionError } from '../src/errors.js';
import { isTransientDatabaseError } from '../src/steps/retry-policy.js';

// pg reports a server error's SQLSTATE as `code`; the message is whatever lc_messages says.
const server = (code: string) => Object.assign(new Error('text is never read'), { code });

describe('classifyPostgresError', () => {
  it.each([
    ['28P01', 'access-denied'],
    ['28000', 'access-denied'], // pg_hba.conf or NOLOGIN: the other user may pass
    ['42501', 'access-denied'], // no CONNECT on the database: a grant of this role
    ['3D000', 'unknown-database'],
    ['53300', 'too-many-connections'],
    ['57P03', 'starting-up'],
    ['57P01', 'connection-lost'],
    ['42601', 'other'],
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['ENOTFOUND', 'dns'],
    ['ECONNRESET', 'connection-lost'],
    ['EPIPE', 'connection-lost'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
  ])('%s is %s', (code, reason) => {
    expect(classifyPostgresError(server(code))).toBe(reason);
  });

  it('an error without a code is other, whatever it says', () => {
    expect(classifyPostgresError(new Error('password authentication failed'))).toBe('other');
  });

  it('names the SQLSTATE and its condition name, or the socket code', () => {
    expect(describePostgresCodes({ sqlState: '28P01', code: undefined })).toBe(
      'SQLSTATE 28P01 invalid_password',
    );
    expect(describePostgresCodes({ sqlState: '42601', code: undefined })).toBe('SQLSTATE 42601');
    expect(describePostgresCodes({ sqlState: undefined, code: 'ECONNREFUSED' })).toBe(
      'ECONNREFUSED',
    );
  });
});

describe("postgres()'s transient statement failures", () => {
  const driver = postgres();
  const failed = (fields: { sqlState?: string; code?: string }) =>
    new DatabaseError('ALTER ROLE failed', { statement: 'ALTER ROLE', ...fields });

  it.each([
    ['57P01 admin_shutdown', { sqlState: '57P01' }],
    ['57P02 crash_shutdown', { sqlState: '57P02' }],
    ['40001 serialization_failure', { sqlState: '40001' }],
    ['40P01 deadlock_detected', { sqlState: '40P01' }],
    ['55P03 lock_not_available', { sqlState: '55P03' }],
    ['ECONNRESET', { code: 'ECONNRESET' }],
  ])('%s: the step runs again', (_name, fields) => {
    expect(isTransientDatabaseError(failed(fields), driver)).toBe(true);
  });

  it.each([
    ['42501 insufficient_privilege', { sqlState: '42501' }],
    ['25006 read_only_sql_transaction', { sqlState: '25006' }],
    ['0LP01 invalid_grant_operation', { sqlState: '0LP01' }],
    ['ETIMEDOUT (statement timeout)', { code: 'ETIMEDOUT' }],
    ['no code', {}],
  ])('%s: the step fails', (_name, fields) => {
    expect(isTransientDatabaseError(failed(fields), driver)).toBe(false);
  });

  it('57P03 at login is retried like a refused connection', () => {
    const starting = new DatabaseLoginError('starting', {
      credentials: 'current',
      reason: 'starting-up',
      host: 'db',
      port: 5432,
    });
    expect(isTransientDatabaseError(starting, driver)).toBe(true);
  });
});

describe('byEngine', () => {
  const both = byEngine({ mysql: mysql(), postgres: postgres() });

  it('serves each engine name with its driver and default port', () => {
    expect(both.engines).toEqual(
      expect.arrayContaining(['mysql', 'aurora-mysql', 'postgres', 'aurora-postgresql']),
    );
    expect(driverFor(both, 'aurora-postgresql').name).toBe('postgres');
    expect(driverFor(both, 'postgres').defaultPort).toBe(5432);
    expect(driverFor(both, 'mariadb').defaultPort).toBe(3306);
    // No engine in the secret: MySQL, as before PostgreSQL.
    expect(driverFor(both, undefined).name).toBe('mysql');
  });

  it('a missing engine driver is an option error; no driver at all too', () => {
    expect(() => driverFor(byEngine({ mysql: mysql() }), 'postgres')).toThrow(InvalidOptionError);
    expect(() => byEngine({})).toThrow(InvalidOptionError);
  });

  it('judges statement failures with either driver', () => {
    const deadlock = new DatabaseError('GRANT failed', { statement: 'GRANT', sqlState: '40P01' });
    expect(isTransientDatabaseError(deadlock, both)).toBe(true);
    const mysqlLock = new DatabaseError('GRANT failed', { statement: 'GRANT', errno: 1205 });
    expect(isTransientDatabaseError(mysqlLock, both)).toBe(true);
  });
});

describe('statementLabel', () => {
  it.each([
    ['ALTER ROLE "app" PASSWORD \'x\'', 'ALTER ROLE'],
    ['  create role "a" LOGIN', 'CREATE ROLE'],
    ['GRANT "a" TO "b"', 'GRANT'],
    ['SELECT 1', 'SELECT'],
    ['(SELECT 1) UNION (SELECT 2)', 'SELECT'],
    ['REASSIGN OWNED BY a TO b', 'REASSIGN OWNED'],
  ])('%s -> %s', (sql, label) => {
    expect(statementLabel(sql)).toBe(label);
  });
});
