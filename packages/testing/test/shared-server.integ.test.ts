import { describe, expect, it } from 'vitest';
import { canLogin, createDatabaseUser, dropDatabaseUser } from '../src/index.js';
import { testMysql } from '../src/vitest.js';

describe('the shared test server (global setup)', () => {
  it('is provided to tests and isolates them with their own users', async () => {
    const server = testMysql();
    expect(server.port).toBeGreaterThan(0);
    const user = await createDatabaseUser(server);
    await expect(canLogin(user)).resolves.toEqual({ ok: true });
    await dropDatabaseUser(server, user, { dropDatabase: true });
    await expect(canLogin(user)).resolves.toMatchObject({ ok: false, errno: 1045 });
  });
});
