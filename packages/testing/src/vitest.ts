import { inject } from 'vitest';
import { hidePassword, type MysqlConnectionInfo } from './mysql-server.js';

/**
 * The MariaDB/MySQL server the test run shares (started once by the global setup, or the
 * one named by `ROTAKIT_TEST_MYSQL_URL`). Isolate tests with `createDatabaseUser`.
 */
export function testMysql(): MysqlConnectionInfo {
  const info = inject('rotakitMysql');
  if (!info) {
    throw new Error(
      'No test MySQL server was provided: add the global setup that starts one to vitest.config.ts ' +
        "(test: { globalSetup: ['@rotakit/testing/vitest-global-setup'] }).",
    );
  }
  return hidePassword({ ...info });
}

declare module 'vitest' {
  export interface ProvidedContext {
    rotakitMysql: MysqlConnectionInfo;
  }
}
