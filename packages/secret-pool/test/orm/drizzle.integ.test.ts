// Drizzle ORM over createPool's result as is (`drizzle({ client: pool.pool })`): rotations under a
// load of Drizzle queries, a Drizzle transaction across a rotation, a wrong secret.
import { inspect } from 'node:util';
import { describeLoadErrors } from '@rotakit/testing';
import { DrizzleQueryError, eq, sql } from 'drizzle-orm';
import { int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { drizzle } from 'drizzle-orm/mysql2';
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

const items = mysqlTable('items', {
  id: int('id').primaryKey().autoincrement(),
  name: varchar('name', { length: 64 }).notNull(),
});

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

function drizzleWorkload(pool: SecretPool): OrmWorkload {
  const db = drizzle({ client: pool.pool });
  return {
    query: () => db.select().from(items).where(eq(items.id, 1)),
    // Drizzle over one connection of the pool, as its docs show for a single client.
    async queryOnNewConnection() {
      const connection = await pool.getConnection();
      try {
        await drizzle({ client: connection }).select().from(items).limit(1);
      } finally {
        connection.destroy();
      }
    },
  };
}

describe('Drizzle ORM over createPool', () => {
  it("takes createPool's callback pool as its mysql2 client (type check)", () => {
    expectTypeOf(drizzle<Record<string, never>, SecretPool['pool']>).toBeCallableWith({
      client: {} as SecretPool['pool'],
    });
  });

  for (const strategy of ['single-user', 'alternating-users'] as const) {
    it(`5 ${strategy} rotations under 32 workers of Drizzle queries: zero failed queries`, async () => {
      const secret = await secretWithItems(strategy);
      await using pool = createPool({
        secretId: secret.name,
        client: stack.client,
        ...loadedPoolOptions(strategy),
      });
      const report = await rotateUnderOrmLoad({
        label: 'drizzle',
        stack,
        secretId: secret.name,
        strategy,
        rotations: 5,
        workload: drizzleWorkload(pool),
        cacheStats: () => pool.stats().cache,
      });
      expect(report.result.failed, describeLoadErrors(report.result)).toBe(0);
      expect(report.result.ok).toBeGreaterThan(500);
      // AWSCURRENT + AWSPENDING for a window (about 2 measured), besides the short test TTL's
      // refreshes; the bound leaves room for a window that needed a second refresh.
      expect(report.windowCallsPerRotation).toBeLessThanOrEqual(3);
    });
  }

  it('a Drizzle transaction that spans an alternating-users rotation commits', async () => {
    const secret = await secretWithItems('alternating-users');
    await using pool = createPool({
      secretId: secret.name,
      client: stack.client,
      cacheOptions: { ttlMs: 50 },
      credentialCheckIntervalMs: 20,
      // Short enough that the transaction's connection is past its deadline before commit.
      retireConnections: { overMs: 50 },
    });
    const db = drizzle({ client: pool.pool });
    await db.transaction(async (tx) => {
      await tx.insert(items).values({ name: 'before rotation' });
      await stack.rotate(secret.name, 'alternating-users');
      await expect.poll(() => pool.stats().credentialRefreshes).toBeGreaterThanOrEqual(2);
      await tx.insert(items).values({ name: 'after rotation' });
    });
    const [row] = await db.select({ n: sql<number>`count(*)` }).from(items);
    expect(Number(row?.n)).toBe(3);
    expect(pool.stats().credentials.username).not.toBe(secret.user.username);
  });

  it('a wrong secret fails the Drizzle query with AuthenticationError, without a hang', async () => {
    const secret = await stack.wrongSecret();
    await using pool = createPool({
      secretId: secret.name,
      client: stack.client,
      auth: { maxRetries: 1, retryDelayMs: 20 },
    });
    const error = await drizzle({ client: pool.pool })
      .select()
      .from(items)
      .catch((e: unknown) => e);
    // Drizzle wraps every driver error in its DrizzleQueryError, with the driver's as `cause`.
    expect(error).toBeInstanceOf(DrizzleQueryError);
    expect((error as DrizzleQueryError).cause).toBeInstanceOf(AuthenticationError);
    expect(inspect(error)).not.toContain(secret.user.password);
  });
});
