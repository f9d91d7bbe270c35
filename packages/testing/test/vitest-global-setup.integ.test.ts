// The global setup as two projects of one run call it (the root config and an example's
// own config both name it): one server for both, stopped only by the last teardown.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestProject } from 'vitest/node';
import {
  canLogin,
  canLoginPostgres,
  findFreePort,
  type MysqlConnectionInfo,
  type PostgresConnectionInfo,
} from '../src/index.js';
import setup from '../src/vitest-global-setup.js';

function fakeProject(): TestProject & { provided: Record<string, unknown> } {
  const provided: Record<string, unknown> = {};
  return {
    provided,
    provide: (key: string, value: unknown) => {
      provided[key] = value;
    },
  } as unknown as TestProject & { provided: Record<string, unknown> };
}

const admin = (info: MysqlConnectionInfo) => ({
  host: info.host,
  port: info.port,
  username: info.adminUser,
  password: info.adminPassword,
});

describe('vitest-global-setup named by several projects', { timeout: 90_000 }, () => {
  const externalUrl = process.env.ROTAKIT_TEST_MYSQL_URL;
  const externalPostgresUrl = process.env.ROTAKIT_TEST_POSTGRES_URL;
  beforeAll(() => {
    delete process.env.ROTAKIT_TEST_MYSQL_URL;
    delete process.env.ROTAKIT_TEST_POSTGRES_URL;
  });
  afterAll(() => {
    if (externalUrl !== undefined) process.env.ROTAKIT_TEST_MYSQL_URL = externalUrl;
    if (externalPostgresUrl === undefined) delete process.env.ROTAKIT_TEST_POSTGRES_URL;
    else process.env.ROTAKIT_TEST_POSTGRES_URL = externalPostgresUrl;
  });

  it('starts one server for both and stops it after the last teardown', async () => {
    const first = fakeProject();
    const second = fakeProject();
    const teardownFirst = await setup(first);
    const teardownSecond = await setup(second);
    const info = first.provided.rotakitMysql as MysqlConnectionInfo;
    expect(second.provided.rotakitMysql).toEqual(info);
    expect(info.external).toBe(false);
    await expect(canLogin(admin(info))).resolves.toEqual({ ok: true });
    const postgres = first.provided.rotakitPostgres as PostgresConnectionInfo;
    expect(second.provided.rotakitPostgres).toEqual(postgres);
    await expect(canLoginPostgres(postgres, postgres.admin)).resolves.toEqual({ ok: true });

    await teardownFirst();
    await expect(canLogin(admin(info))).resolves.toEqual({ ok: true });
    await expect(canLoginPostgres(postgres, postgres.admin)).resolves.toEqual({ ok: true });
    await teardownSecond();
    expect(await canLogin({ ...admin(info), connectTimeoutMs: 2000 })).toMatchObject({ ok: false });
    expect(await canLoginPostgres(postgres, postgres.admin)).toMatchObject({
      ok: false,
      code: 'ECONNREFUSED',
    });

    // A later run (say, vitest's watch mode) gets a server of its own again. Its PostgreSQL
    // (an external one nobody listens on) fails to come up: that fails only the tests that
    // ask for it, with the reason, and the MariaDB is still provided.
    process.env.ROTAKIT_TEST_POSTGRES_URL = `postgres://admin:pw@127.0.0.1:${await findFreePort()}/postgres`;
    const third = fakeProject();
    const teardownThird = await setup(third);
    const again = third.provided.rotakitMysql as MysqlConnectionInfo;
    await expect(canLogin(admin(again))).resolves.toEqual({ ok: true });
    expect(third.provided.rotakitPostgres).toBeUndefined();
    expect(third.provided.rotakitPostgresError).toMatch(/ECONNREFUSED/);
    await teardownThird();
  });
});
