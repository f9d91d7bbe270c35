import { describe, expect, it } from 'vitest';
import {
  canLogin,
  canLoginPostgres,
  createDatabaseUser,
  createPostgresRole,
  dropDatabaseUser,
  dropPostgresRole,
} from '../src/index.js';
import { testMysql, testPostgres } from '../src/vitest.js';

describe('the shared test server (global setup)', () => {
  it('is provided to tests and isolates them with their own users', async () => {
    const server = testMysql();
    expect(server.port).toBeGreaterThan(0);
    const user = await createDatabaseUser(server);
    await expect(canLogin(user)).resolves.toEqual({ ok: true });
    await dropDatabaseUser(server, user, { dropDatabase: true });
    await expect(canLogin(user)).resolves.toMatchObject({ ok: false, errno: 1045 });
  });

  it('provides a PostgreSQL too, isolating tests with their own roles', async () => {
    const server = testPostgres();
    expect(server.port).toBeGreaterThan(0);
    expect(server.major).toBeGreaterThanOrEqual(13);
    const role = await createPostgresRole(server, { database: 'own' });
    await expect(canLoginPostgres(server, role)).resolves.toEqual({ ok: true });
    await dropPostgresRole(server, role, { dropDatabase: true });
    await expect(canLoginPostgres(server, role)).resolves.toMatchObject({ ok: false });
  });
});
