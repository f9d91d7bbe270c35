// TypeORM's MySQL driver with `driver: secretPoolDriver(...)` (@rotakit/secret-pool/typeorm):
// TypeORM calls its createPool and gets a rotakit pool. Rotations under a load of TypeORM
// queries, a TypeORM transaction across a rotation, a wrong secret at initialize().
import 'reflect-metadata';
import { inspect } from 'node:util';
import { describeLoadErrors } from '@rotakit/testing';
import { DataSource, type DataSourceOptions, EntitySchema } from 'typeorm';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { secretPoolDriver, secretPoolOf } from '../../src/adapters/typeorm.js';
import {
  AuthenticationError,
  type CreatePoolOptions,
  InvalidOptionError,
  type SecretPool,
} from '../../src/index.js';
import {
  loadedPoolOptions,
  type OrmStack,
  type OrmWorkload,
  type RotationStrategy,
  rotateUnderOrmLoad,
  startOrmStack,
} from './orm-load.js';

interface Item {
  id: number;
  name: string;
}

const ItemSchema = new EntitySchema<Item>({
  name: 'Item',
  tableName: 'items',
  columns: {
    id: { type: Number, primary: true, generated: true },
    name: { type: String, length: 64 },
  },
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

/** A DataSource as a TypeORM user writes it: no username, password, host or database. */
async function dataSourceOn(options: CreatePoolOptions): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'mysql',
    driver: secretPoolDriver(options),
    entities: [ItemSchema],
  });
  return dataSource.initialize();
}

/** The pool TypeORM holds: the one secretPoolDriver created. */
function poolOf(dataSource: DataSource): SecretPool {
  const pool = secretPoolOf(dataSource);
  if (pool === undefined) throw new Error('TypeORM does not hold a SecretPool');
  return pool;
}

function typeormWorkload(dataSource: DataSource): OrmWorkload {
  const items = dataSource.getRepository(ItemSchema);
  return {
    query: () => items.findOneBy({ id: 1 }),
    // A query runner holds one connection; destroying it makes the pool log in a new one.
    async queryOnNewConnection() {
      const runner = dataSource.createQueryRunner();
      const connection = (await runner.connect()) as { destroy(): void };
      try {
        await runner.manager.findOneBy(ItemSchema, { id: 1 });
      } finally {
        connection.destroy();
        await runner.release();
      }
    },
  };
}

describe('TypeORM with secretPoolDriver', () => {
  it('gives TypeORM a driver module (type check)', () => {
    const options = {
      type: 'mysql',
      driver: secretPoolDriver({ secretId: 's', clientConfig: {} }),
    } satisfies DataSourceOptions;
    expectTypeOf(options.driver.createPool).returns.toEqualTypeOf<SecretPool>();
  });

  for (const strategy of ['single-user', 'alternating-users'] as const) {
    it(`5 ${strategy} rotations under 32 workers of TypeORM queries: zero failed queries`, async () => {
      const secret = await secretWithItems(strategy);
      const dataSource = await dataSourceOn({
        secretId: secret.name,
        client: stack.client,
        ...loadedPoolOptions(strategy),
      });
      try {
        const pool = poolOf(dataSource);
        const report = await rotateUnderOrmLoad({
          label: 'typeorm',
          stack,
          secretId: secret.name,
          strategy,
          rotations: 5,
          workload: typeormWorkload(dataSource),
          cacheStats: () => pool.stats().cache,
        });
        expect(report.result.failed, describeLoadErrors(report.result)).toBe(0);
        expect(report.result.ok).toBeGreaterThan(500);
        // AWSCURRENT + AWSPENDING for a window (about 2 measured), besides the short test TTL's
        // refreshes; the bound leaves room for a window that needed a second refresh.
        expect(report.windowCallsPerRotation).toBeLessThanOrEqual(3);
      } finally {
        await dataSource.destroy();
      }
    });
  }

  it('a TypeORM transaction that spans an alternating-users rotation commits', async () => {
    const secret = await secretWithItems('alternating-users');
    const dataSource = await dataSourceOn({
      secretId: secret.name,
      client: stack.client,
      cacheOptions: { ttlMs: 50 },
      credentialCheckIntervalMs: 20,
      // Short enough that the transaction's connection is past its deadline before commit.
      retireConnections: { overMs: 50 },
    });
    const pool = poolOf(dataSource);
    try {
      await dataSource.transaction(async (manager) => {
        await manager.insert(ItemSchema, { name: 'before rotation' });
        await stack.rotate(secret.name, 'alternating-users');
        await expect.poll(() => pool.stats().credentialRefreshes).toBeGreaterThanOrEqual(2);
        await manager.insert(ItemSchema, { name: 'after rotation' });
      });
      expect(await dataSource.getRepository(ItemSchema).count()).toBe(3);
      expect(pool.stats().credentials.username).not.toBe(secret.user.username);
    } finally {
      await dataSource.destroy();
    }
    // TypeORM's destroy() ended the rotakit pool, its SecretCache included.
    expect(pool.cache.closed).toBe(true);
  });

  it('a wrong secret fails initialize() with AuthenticationError, without a hang', async () => {
    const secret = await stack.wrongSecret();
    const error = await dataSourceOn({
      secretId: secret.name,
      client: stack.client,
      auth: { maxRetries: 1, retryDelayMs: 20 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(inspect(error)).not.toContain(secret.user.password);
  });

  it('TypeORM replication is refused by name', async () => {
    const dataSource = new DataSource({
      type: 'mysql',
      driver: secretPoolDriver({ secretId: 's', client: stack.client }),
      replication: { master: {}, slaves: [] },
    });
    const error = await dataSource.initialize().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ option: 'replication' });
  });
});
