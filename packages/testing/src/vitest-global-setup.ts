import type { TestProject } from 'vitest/node';
import { parseMysqlUrl, parsePostgresUrl } from './external-server.js';
import { type MysqlConnectionInfo, startMysql } from './mysql-server.js';
import { withPostgresAdmin } from './postgres-roles.js';
import { type PostgresConnectionInfo, startPostgres } from './postgres-server.js';
import type {} from './vitest.js';

interface SharedServers {
  mysql: Promise<MysqlConnectionInfo>;
  /** A PostgreSQL that failed to start fails only the tests that ask for it (testPostgres()). */
  postgres: Promise<PostgresConnectionInfo | { error: string }>;
  stop: () => Promise<void>;
  users: number;
}

// Every project of a run may name this setup (an example that is also tested on its own
// does); vitest runs each project's copy, from its own module graph, in the one main
// process. A key on globalThis gives them one server of each engine, stopped after the
// last teardown.
const SHARED = Symbol.for('@rotakit/testing/vitest-global-setup');
type Holder = { [SHARED]?: SharedServers };

// One MariaDB and one PostgreSQL for the whole run. Tests read them with `testMysql()` and
// `testPostgres()` from `@rotakit/testing/vitest`.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const holder = globalThis as Holder;
  holder[SHARED] ??= startShared();
  const shared = holder[SHARED];
  shared.users++;
  const [mysql, postgres] = await Promise.all([shared.mysql, shared.postgres]);
  project.provide('rotakitMysql', mysql);
  if ('error' in postgres) project.provide('rotakitPostgresError', postgres.error);
  else project.provide('rotakitPostgres', postgres);
  return async () => {
    if (--shared.users > 0) return;
    delete holder[SHARED];
    await shared.stop();
  };
}

function startShared(): SharedServers {
  const mysql = sharedMysql();
  const postgres = sharedPostgres();
  // PostgreSQL may not be left running when MariaDB failed to start and fails the run.
  mysql.info.catch(() => postgres.stop());
  return {
    mysql: mysql.info,
    postgres: postgres.info.catch((error: unknown) => ({
      error: error instanceof Error ? error.message : String(error),
    })),
    stop: async () => {
      await Promise.all([mysql.stop(), postgres.stop()]);
    },
    users: 0,
  };
}

interface Started<T> {
  info: Promise<T>;
  stop: () => Promise<void>;
}

function sharedMysql(): Started<MysqlConnectionInfo> {
  const externalUrl = process.env.ROTAKIT_TEST_MYSQL_URL;
  if (externalUrl) {
    return { info: Promise.resolve(plainMysql(parseMysqlUrl(externalUrl))), stop: async () => {} };
  }
  const server = startMysql();
  return {
    info: server.then(plainMysql),
    stop: async () => (await server.catch(() => undefined))?.stop(),
  };
}

function sharedPostgres(): Started<PostgresConnectionInfo> {
  const externalUrl = process.env.ROTAKIT_TEST_POSTGRES_URL;
  if (externalUrl) {
    return { info: describeExternalPostgres(externalUrl), stop: async () => {} };
  }
  // The newest Debian major (15 here), else the npm package's.
  const server = startPostgres();
  return {
    info: server.then(plainPostgres),
    stop: async () => (await server.catch(() => undefined))?.stop(),
  };
}

async function describeExternalPostgres(url: string): Promise<PostgresConnectionInfo> {
  const info = parsePostgresUrl(url);
  const version = await withPostgresAdmin(info, async (client) => {
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return result.rows[0]?.server_version ?? '';
  });
  const number = /^\d+(?:\.\d+)?/.exec(version)?.[0] ?? version;
  return plainPostgres({ ...info, version: number, major: Number.parseInt(number, 10) });
}

// `provide` serialises its value; hand it plain objects, not the servers with their methods.
function plainMysql(info: MysqlConnectionInfo): MysqlConnectionInfo {
  const { host, port, adminUser, adminPassword, url, external } = info;
  return { host, port, adminUser, adminPassword, url, external };
}

function plainPostgres(info: PostgresConnectionInfo): PostgresConnectionInfo {
  const { host, port, version, major, ca, tls, logFile, url, external } = info;
  const { username, password, database } = info.admin;
  return {
    host,
    port,
    version,
    major,
    admin: { username, password, database },
    ca,
    tls,
    logFile,
    url,
    external,
  };
}
