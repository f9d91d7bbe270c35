import { TestingError } from './errors.js';
import { hidePassword, type MysqlConnectionInfo } from './mysql-server.js';

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
