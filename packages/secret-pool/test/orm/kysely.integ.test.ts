// Kysely's MysqlDialect over createPool's result as is (`new MysqlDialect({ pool })`): it
// calls mysql2's callback `getConnection(callback)` and `end(callback)`, which the SecretPool
// answers. Rotations under a load of Kysely queries, a Kysely transaction across a rotation,
// a wrong secret, and `db.destroy()` ending the rotakit pool.
import { inspect } from 'node:util';
import { describeLoadErrors } from '@rotakit/testing';
import { type Generated, Kysely, MysqlDialect, type MysqlPool, sql } from 'kysely';
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

interface Database {
  items: { id: Generated<number>; name: string };
}

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

const kyselyOn = (pool: SecretPool) =>
  new Kysely<Database>({ dialect: new MysqlDialect({ pool }) });

function kyselyWorkload(pool: SecretPool, db: Kysely<Database>): OrmWorkload {
  const query = () => db.selectFrom('items').selectAll().where('id', '=', 1).execute();
  return {
    query,
    // Kysely has no public way to discard the connection it used, so one pooled connection is
    // destroyed first: the pool (saturated by 32 workers on 8 connections) logs in a new one
    // for the next waiting Kysely query.
    async queryOnNewConnection() {
      (await pool.getConnection()).destroy();
      await query();
    },
  };
}

describe('Kysely over createPool', () => {
  it('takes createPool as its MysqlPool, with the callback getConnection it calls (type check)', () => {
    expectTypeOf<SecretPool>().toExtend<MysqlPool>();
    expectTypeOf<SecretPool['getConnection']>().toBeCallableWith((_error, connection) => {
      expectTypeOf(connection.release).toBeFunction();
    });
    expectTypeOf<SecretPool['end']>().toBeCallableWith((_error) => undefined);
  });

  for (const strategy of ['single-user', 'alternating-users'] as const) {
    it(`5 ${strategy} rotations under 32 workers of Kysely queries: zero failed queries`, async () => {
      const secret = await secretWithItems(strategy);
      const pool = createPool({
        secretId: secret.name,
        client: stack.client,
        ...loadedPoolOptions(strategy),
      });
      const db = kyselyOn(pool);
      try {
        const report = await rotateUnderOrmLoad({
          label: 'kysely',
          stack,
          secretId: secret.name,
          strategy,
          rotations: 5,
          workload: kyselyWorkload(pool, db),
          cacheStats: () => pool.stats().cache,
        });
        expect(report.result.failed, describeLoadErrors(report.result)).toBe(0);
        expect(report.result.ok).toBeGreaterThan(500);
        // AWSCURRENT + AWSPENDING for a window (about 2 measured), besides the short test TTL's
        // refreshes; the bound leaves room for a window that needed a second refresh.
        expect(report.windowCallsPerRotation).toBeLessThanOrEqual(3);
      } finally {
        await db.destroy();
      }
    });
  }

  it('a Kysely transaction that spans an alternating-users rotation commits', async () => {
    const secret = await secretWithItems('alternating-users');
    const pool = createPool({
      secretId: secret.name,
      client: stack.client,
      cacheOptions: { ttlMs: 50 },
      credentialCheckIntervalMs: 20,
      // Short enough that the transaction's connection is past its deadline before commit.
      retireConnections: { overMs: 50 },
    });
    const db = kyselyOn(pool);
    try {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ name: 'before rotation' }).execute();
        await stack.rotate(secret.name, 'alternating-users');
        await expect.poll(() => pool.stats().credentialRefreshes).toBeGreaterThanOrEqual(2);
        await trx.insertInto('items').values({ name: 'after rotation' }).execute();
      });
      const row = await db
        .selectFrom('items')
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(row.n)).toBe(3);
      expect(pool.stats().credentials.username).not.toBe(secret.user.username);
    } finally {
      await db.destroy();
    }
  });

  it('a wrong secret fails the Kysely query with AuthenticationError, without a hang', async () => {
    const secret = await stack.wrongSecret();
    const pool = createPool({
      secretId: secret.name,
      client: stack.client,
      auth: { maxRetries: 1, retryDelayMs: 20 },
    });
    const db = kyselyOn(pool);
    try {
      const error = await db
        .selectFrom('items')
        .selectAll()
        .execute()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(inspect(error)).not.toContain(secret.user.password);
    } finally {
      await db.destroy();
    }
  });

  it('db.destroy() ends the rotakit pool through end(callback)', async () => {
    const secret = await secretWithItems('single-user');
    const pool = createPool({ secretId: secret.name, client: stack.client });
    const db = kyselyOn(pool);
    await db.selectFrom('items').selectAll().execute();
    expect(pool.cache.closed).toBe(false);
    await db.destroy();
    // The whole SecretPool ended, its own SecretCache (and Secrets Manager client) too.
    expect(pool.cache.closed).toBe(true);
    await expect(pool.query('SELECT 1')).rejects.toThrow('Pool is closed.');
  });
});
