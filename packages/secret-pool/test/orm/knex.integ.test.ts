// Knex on a rotakit pool through @rotakit/secret-pool/knex: real Knex queries by 32 workers
// through RotateSecret rotations (both strategies), a transaction across a rotation, a wrong
// secret, and what Knex's external-pool mode would lack without the adapter's client.
import knexFactory, { type Knex } from 'knex';
import type { PoolConnection } from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knexConfig, secretPoolOf } from '../../src/adapters/knex.js';
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

afterAll(async () => {
  await stack?.close();
});

interface Item {
  id: number;
  name: string;
}

/** A Knex instance on a rotakit pool for a new secret, with an `items` table holding one row. */
async function knexFor(strategy: RotationStrategy): Promise<{ db: Knex; pool: SecretPool }> {
  const secret = await stack.secret(strategy);
  await stack.admin(
    secret.user.database,
    'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL)',
  );
  await stack.admin(secret.user.database, "INSERT INTO items (name) VALUES ('first')");
  const db = knexFactory(
    knexConfig({ secretId: secret.name, client: stack.client, ...loadedPoolOptions(strategy) }),
  );
  const pool = secretPoolOf(db);
  if (pool === undefined) throw new Error('knexConfig did not put a rotakit pool under Knex');
  return { db, pool };
}

function knexWorkload(db: Knex): OrmWorkload {
  const selectFirst = (query: Knex.QueryBuilder<Item>) =>
    query.select('id', 'name').where('id', 1).first();
  return {
    query: () => selectFirst(db<Item>('items')),
    async queryOnNewConnection() {
      // Knex's public `.connection()`: the query runs on this connection, which is then closed.
      const connection = (await db.client.acquireConnection()) as PoolConnection;
      try {
        return await selectFirst(db<Item>('items').connection(connection));
      } finally {
        connection.destroy();
      }
    },
  };
}

describe('Knex through RotateSecret rotations under load', () => {
  for (const strategy of ['single-user', 'alternating-users'] as const) {
    it(`5 ${strategy} rotations: zero failed Knex queries, bounded Secrets Manager calls`, async () => {
      const { db, pool } = await knexFor(strategy);
      try {
        const { result, windowCallsPerRotation } = await rotateUnderOrmLoad({
          label: 'knex',
          stack,
          secretId: pool.secretId,
          strategy,
          rotations: 5,
          workload: knexWorkload(db),
          cacheStats: () => pool.stats().cache,
        });
        expect(result.failed).toBe(0);
        expect(result.ok).toBeGreaterThan(500);
        // At most AWSCURRENT + AWSPENDING for a window; the TTL refreshes on top (printed)
        // grow with the run's length, which a busy machine stretches.
        expect(windowCallsPerRotation).toBeLessThanOrEqual(2);
        const stats = pool.stats();
        expect(stats.connectionsOpened).toBeGreaterThan(5);
        if (strategy === 'single-user') expect(stats.pendingProbeSuccesses).toBeGreaterThan(0);
        else expect(stats.credentialRefreshes).toBeGreaterThanOrEqual(5);
      } finally {
        await db.destroy();
      }
    });
  }
});

describe('Knex transactions and errors', () => {
  for (const strategy of ['single-user', 'alternating-users'] as const) {
    it(`a transaction spanning a ${strategy} rotation commits`, async () => {
      const { db, pool } = await knexFor(strategy);
      try {
        await db.transaction(async (trx) => {
          await trx<Item>('items').insert({ name: 'before' });
          await stack.rotate(pool.secretId, strategy);
          // New logins need the new password now; this transaction's session is unaffected.
          const fresh = await Promise.all(Array.from({ length: 4 }, () => db.raw('SELECT 1')));
          expect(fresh).toHaveLength(4);
          await trx<Item>('items').insert({ name: 'after' });
        });
        const names = await db<Item>('items').orderBy('id').pluck('name');
        expect(names).toEqual(['first', 'before', 'after']);
      } finally {
        await db.destroy();
      }
    });
  }

  it("a wrong secret rejects the Knex query with rotakit's AuthenticationError, not a hang", async () => {
    const secret = await stack.wrongSecret();
    const db = knexFactory(knexConfig({ secretId: secret.name, client: stack.client }));
    try {
      const error = await db('items')
        .select('id')
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).secretId).toBe(secret.name);
      expect(String((error as Error).stack)).not.toContain(secret.user.password);
    } finally {
      await db.destroy();
    }
  });
});

describe('what the adapter adds to Knex external-pool mode', () => {
  it('schema introspection knows the database, and knex.destroy() ends the pool it created', async () => {
    const { db, pool } = await knexFor('single-user');
    const columns = await db('items').columnInfo();
    expect(Object.keys(columns).sort()).toEqual(['id', 'name']);
    expect(await db.schema.hasTable('items')).toBe(true);
    await db.destroy();
    await expect(pool.query('SELECT 1')).rejects.toThrow(/closed/i);
  });

  it('a pool passed in stays open after knex.destroy(): its owner ends it', async () => {
    const secret = await stack.secret();
    await using pool = createPool({ secretId: secret.name, client: stack.client });
    const db = knexFactory(knexConfig(pool));
    expect(secretPoolOf(db)).toBe(pool);
    expect((await db.raw('SELECT 1 AS ok'))[0]).toEqual([{ ok: 1 }]);
    await db.destroy();
    const [rows] = await pool.query('SELECT 2 AS ok');
    expect(rows).toEqual([{ ok: 2 }]);
  });

  it('a query timeout with cancel kills the query through a pooled connection', async () => {
    const { db } = await knexFor('single-user');
    try {
      const error = await db
        .raw('SELECT SLEEP(5)')
        .timeout(200, { cancel: true })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((error as Error).name).toBe('KnexTimeoutError');
      // The killed query freed its connection: the pool still serves queries.
      expect((await db.raw('SELECT 3 AS ok'))[0]).toEqual([{ ok: 3 }]);
    } finally {
      await db.destroy();
    }
  });

  it('nothing Knex logs or prints holds the password', async () => {
    const secret = await stack.secret();
    const db = knexFactory(knexConfig({ secretId: secret.name, client: stack.client }));
    try {
      const connection = (await db.client.acquireConnection()) as PoolConnection;
      await db.client.releaseConnection(connection);
      const printed = [
        JSON.stringify(db.client.config),
        String(db.client),
        JSON.stringify(secretPoolOf(db)),
      ].join('\n');
      expect(printed).not.toContain(secret.user.password);
    } finally {
      await db.destroy();
    }
  });
});
