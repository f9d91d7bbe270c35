import type { TestProject } from 'vitest/node';
import { parseMysqlUrl } from './external-server.js';
import { type MysqlConnectionInfo, startMysql } from './mysql-server.js';
import type {} from './vitest.js';

// One server for the whole run. Tests read it with `testMysql()` from `@rotakit/testing/vitest`.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const externalUrl = process.env.ROTAKIT_TEST_MYSQL_URL;
  if (externalUrl) {
    project.provide('rotakitMysql', plain(parseMysqlUrl(externalUrl)));
    return async () => {};
  }
  const server = await startMysql();
  project.provide('rotakitMysql', plain(server));
  return () => server.stop();
}

// `provide` serialises its value; hand it a plain object, not the server with its methods.
function plain(info: MysqlConnectionInfo): MysqlConnectionInfo {
  const { host, port, adminUser, adminPassword, url, external } = info;
  return { host, port, adminUser, adminPassword, url, external };
}
