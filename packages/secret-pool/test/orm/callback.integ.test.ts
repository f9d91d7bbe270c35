// mysql2's callback API (`require('mysql2').createPool` users): `createPool(...).pool` is
// mysql2's callback pool behind the SecretPool. Rotations under a load of callback queries, a
// callback transaction across a rotation, a wrong secret, and `.pool.end(callback)` ending
// the whole SecretPool.
import { inspect } from 'node:util';
import { describeLoadErrors } from '@rotakit/testing';
import type { Pool as CorePool, PoolConnection as CorePoolConnection } from 'mysql2';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { AuthenticationError, createPool, type SecretPool } from '../../src/index.js';
import {
  loadedPoolOptions,
  type OrmStack,
  type OrmWorkload,
  type RotationStrategy,
  rotateUnderOrmLoad,
  startOrmStack,
} from './orm-load.js';

let stack: OrmStack;
beforeAll(async () => {
  stack = await startOrmStack();
});
afterAll(() => stack?.close());

/** A secret whose database has the `items` table with one row. */
async function secretWithItems(strategy: RotationStrategy) {
  const secret = await stack.secret(strategy);
  await stack.admin(
    secret.user.database,
    'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL)',
  );
  await stack.admin(secret.user.database, "INSERT INTO items (name) VALUES ('first')");
  return secret;
}

type Queryable = Pick<CorePool, 'query'> | Pick<CorePoolConnection, 'query'>;

/** A callback query, awaited by the test (the code under test only sees callbacks). */
function query(on: Queryable, sql: string, values: unknown[] = []): Promise<unknown> {
  return new Promise((resolve, reject) => {
    on.query(sql, values, (error, rows) => (error ? reject(error) : resolve(rows)));
  });
}

function connectionOf(pool: CorePool): Promise<CorePoolConnection> {
  return new Promise((resolve, reject) => {
    pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection)));
  });
}

function callbackWorkload(pool: CorePool): OrmWorkload {
  return {
    query: () => query(pool, 'SELECT id, name FROM items WHERE id = ?', [1]),
    async queryOnNewConnection() {
      const connection = await connectionOf(pool);
      try {
        await query(connection, 'SELECT id, name FROM items LIMIT 1');
      } finally {
        connection.destroy();
      }
    },
  };
}

describe("mysql2's callback API on createPool(...).pool", () => {
  it("is mysql2's callback Pool (type check)", () => {
    expectTypeOf<SecretPool['pool']>().toEqualTypeOf<CorePool>();
  });

  for (const strategy of ['single-user', 'alternating-users'] as const) {
    it(`5 ${strategy} rotations under 32 workers of callback queries: zero failed queries`, async () => {
      const secret = await secretWithItems(strategy);
      await using pool = createPool({
        secretId: secret.name,
        client: stack.client,
        ...loadedPoolOptions(strategy),
      });
      const report = await rotateUnderOrmLoad({
        label: 'mysql2 callback',
        stack,
        secretId: secret.name,
        strategy,
        rotations: 5,
        workload: callbackWorkload(pool.pool),
        cacheStats: () => pool.stats().cache,
      });
      expect(report.result.failed, describeLoadErrors(report.result)).toBe(0);
      expect(report.result.ok).toBeGreaterThan(500);
      // AWSCURRENT + AWSPENDING for a window (about 2 measured), besides the short test TTL's
      // refreshes; the bound leaves room for a window that needed a second refresh.
      expect(report.windowCallsPerRotation).toBeLessThanOrEqual(3);
    });
  }

  it('a callback transaction that spans an alternating-users rotation commits', async () => {
    const secret = await secretWithItems('alternating-users');
    await using pool = createPool({
      secretId: secret.name,
      client: stack.client,
      cacheOptions: { ttlMs: 50 },
      credentialCheckIntervalMs: 20,
      // Short enough that the transaction's connection is past its deadline before commit.
      retireConnections: { overMs: 50 },
    });
    const connection = await connectionOf(pool.pool);
    try {
      await query(connection, 'START TRANSACTION');
      await query(connection, 'INSERT INTO items (name) VALUES (?)', ['before rotation']);
      await stack.rotate(secret.name, 'alternating-users');
      await expect.poll(() => pool.stats().credentialRefreshes).toBeGreaterThanOrEqual(2);
      await query(connection, 'INSERT INTO items (name) VALUES (?)', ['after rotation']);
      await query(connection, 'COMMIT');
    } finally {
      connection.release();
    }
    const rows = (await query(pool.pool, 'SELECT COUNT(*) AS n FROM items')) as { n: number }[];
    expect(Number(rows[0]?.n)).toBe(3);
    expect(pool.stats().credentials.username).not.toBe(secret.user.username);
  });

  it('a wrong secret fails the callback query with AuthenticationError, without a hang', async () => {
    const secret = await stack.wrongSecret();
    await using pool = createPool({
      secretId: secret.name,
      client: stack.client,
      auth: { maxRetries: 1, retryDelayMs: 20 },
    });
    const error = await query(pool.pool, 'SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(inspect(error)).not.toContain(secret.user.password);
  });

  it("the SecretPool's own getConnection(callback) and end(callback) settle their callbacks", async () => {
    const secret = await secretWithItems('single-user');
    const pool = createPool({ secretId: secret.name, client: stack.client });
    const connection = await new Promise<CorePoolConnection>((resolve, reject) =>
      pool.getConnection((error, c) => (error ? reject(error) : resolve(c))),
    );
    // The callback form hands out mysql2's callback connection, not a promise one.
    expect(await query(connection, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    connection.release();
    expect(await new Promise<unknown>((resolve) => pool.end(resolve))).toBeNull();
    expect(await new Promise<unknown>((resolve) => pool.end(resolve))).toBeNull();
    const refused = await new Promise<unknown>((resolve) =>
      pool.getConnection((error) => resolve(error)),
    );
    expect(refused).toMatchObject({ message: 'Pool is closed.' });
  });

  it('.pool.end(callback) ends the whole SecretPool', async () => {
    const secret = await secretWithItems('single-user');
    const pool = createPool({ secretId: secret.name, client: stack.client });
    await query(pool.pool, 'SELECT 1');
    const ended = await new Promise<unknown>((resolve) => pool.pool.end(resolve));
    expect(ended).toBeNull();
    expect(pool.cache.closed).toBe(true);
    await expect(pool.query('SELECT 1')).rejects.toThrow('Pool is closed.');
  });
});
