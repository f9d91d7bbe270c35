import { TestingError } from './errors.js';
import { hidePassword, type MysqlConnectionInfo } from './mysql-server.js';
import { hidePostgresPassword, type PostgresConnectionInfo } from './postgres-server.js';

/**
 * Reads `mysql://USER:PASSWORD@HOST:PORT` (an account allowed to create users, databases
 * and grants) into connection info, for running the tests against an existing server.
 */
export function parseMysqlUrl(url: string): MysqlConnectionInfo {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TestingError(
      'ROTAKIT_TEST_MYSQL_URL is not a URL; expected mysql://USER:PASSWORD@HOST:PORT',
    );
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new TestingError(
      `ROTAKIT_TEST_MYSQL_URL must start with mysql:// (got ${parsed.protocol}//); expected mysql://USER:PASSWORD@HOST:PORT`,
    );
  }
  if (!parsed.username) throw new TestingError('ROTAKIT_TEST_MYSQL_URL has no user name');
  return hidePassword({
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    adminUser: decodeURIComponent(parsed.username),
    adminPassword: decodeURIComponent(parsed.password),
    url,
    external: true,
  });
}

/**
 * Reads `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (a superuser, or a role that may
 * create roles and databases) for running the tests against an existing PostgreSQL.
 * `version` and `major` are left empty: the global setup asks the server.
 */
export function parsePostgresUrl(url: string): PostgresConnectionInfo {
  const expected = 'expected postgres://USER:PASSWORD@HOST:PORT/DATABASE';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TestingError(`ROTAKIT_TEST_POSTGRES_URL is not a URL; ${expected}`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new TestingError(
      `ROTAKIT_TEST_POSTGRES_URL must start with postgres:// (got ${parsed.protocol}//); ${expected}`,
    );
  }
  if (!parsed.username) throw new TestingError('ROTAKIT_TEST_POSTGRES_URL has no user name');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres';
  return hidePostgresPassword({
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 5432,
    version: '',
    major: 0,
    admin: {
      username: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      database,
    },
    ca: undefined,
    tls: false,
    logFile: undefined,
    url,
    external: true,
  });
}
