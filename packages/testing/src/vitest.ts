import { inject } from 'vitest';
import { TestingError } from './errors.js';
import { hidePassword, type MysqlConnectionInfo } from './mysql-server.js';
import { hidePostgresPassword, type PostgresConnectionInfo } from './postgres-server.js';

/**
 * The MariaDB/MySQL server the test run shares (started once by the global setup, or the
 * one named by `ROTAKIT_TEST_MYSQL_URL`). Isolate tests with `createDatabaseUser`.
 */
export function testMysql(): MysqlConnectionInfo {
  const info = inject('rotakitMysql');
  if (!info) throw noServer('MySQL');
  return hidePassword({ ...info });
}

/**
 * The PostgreSQL server the test run shares (started once by the global setup, or the one
 * named by `ROTAKIT_TEST_POSTGRES_URL`). Isolate tests with `createPostgresRole`.
 */
export function testPostgres(): PostgresConnectionInfo {
  const info = inject('rotakitPostgres');
  if (!info) {
    const startError = inject('rotakitPostgresError');
    if (startError)
      throw new TestingError(`The shared test PostgreSQL did not start: ${startError}`);
    throw noServer('PostgreSQL');
  }
  return hidePostgresPassword({ ...info, admin: { ...info.admin } });
}

function noServer(engine: string): Error {
  return new Error(
    `No test ${engine} server was provided: add the global setup that starts one to vitest.config.ts ` +
      "(test: { globalSetup: ['@rotakit/testing/vitest-global-setup'] }).",
  );
}

declare module 'vitest' {
  export interface ProvidedContext {
    rotakitMysql: MysqlConnectionInfo;
    rotakitPostgres: PostgresConnectionInfo;
    /** Why the global setup's PostgreSQL did not start (then `rotakitPostgres` is absent). */
    rotakitPostgresError: string;
  }
}
