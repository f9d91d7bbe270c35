import type { TestProject } from 'vitest/node';
import { parseMysqlUrl } from './external-server.js';
import { type MysqlConnectionInfo, startMysql } from './mysql-server.js';
import type {} from './vitest.js';

interface SharedServer {
  info: Promise<MysqlConnectionInfo>;
  stop: () => Promise<void>;
  users: number;
}

// Every project of a run may name this setup (an example that is also tested on its own
// does); vitest runs each project's copy, from its own module graph, in the one main
// process. A key on globalThis gives them one server, stopped after the last teardown.
const SHARED = Symbol.for('@rotakit/testing/vitest-global-setup');
type Holder = { [SHARED]?: SharedServer };

// One server for the whole run. Tests read it with `testMysql()` from `@rotakit/testing/vitest`.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const holder = globalThis as Holder;
  holder[SHARED] ??= startShared();
  const shared = holder[SHARED];
  shared.users++;
  project.provide('rotakitMysql', await shared.info);
  return async () => {
    if (--shared.users > 0) return;
    delete holder[SHARED];
    await shared.stop();
  };
}

function startShared(): SharedServer {
  const externalUrl = process.env.ROTAKIT_TEST_MYSQL_URL;
  if (externalUrl) {
    return {
      info: Promise.resolve(plain(parseMysqlUrl(externalUrl))),
      stop: async () => {},
      users: 0,
    };
  }
  const server = startMysql();
  return {
    info: server.then(plain),
    stop: async () => (await server).stop(),
    users: 0,
  };
}

// `provide` serialises its value; hand it a plain object, not the server with its methods.
function plain(info: MysqlConnectionInfo): MysqlConnectionInfo {
  const { host, port, adminUser, adminPassword, url, external } = info;
  return { host, port, adminUser, adminPassword, url, external };
}
