// Sequelize (mysql dialect) on a rotakit pool through @rotakit/secret-pool/sequelize: real
// model queries by 32 workers through RotateSecret rotations (both strategies), a managed
// transaction across a rotation, a wrong secret, and Sequelize's connection semantics kept.
import { DataTypes, type Model, type ModelStatic, Sequelize, type Transaction } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { secretPoolOf, sequelizeOptions, sessionTimeZone } from '../../src/adapters/sequelize.js';
import { AuthenticationError, InvalidOptionError, type SecretPool } from '../../src/index.js';
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

interface ItemModel extends Model {
  id: number;
  name: string;
  createdAt: Date;
}

interface Orm {
  sequelize: Sequelize;
  Item: ModelStatic<ItemModel>;
  pool: SecretPool;
  close(): Promise<void>;
}

/** A Sequelize on a rotakit pool for a new secret, with an `items` table holding one row. */
async function sequelizeFor(
  strategy: RotationStrategy,
  poolOptions: Record<string, unknown> = {},
): Promise<Orm> {
  const secret = await stack.secret(strategy);
  const sequelize = new Sequelize(
    sequelizeOptions(
      {
        secretId: secret.name,
        client: stack.client,
        ...loadedPoolOptions(strategy),
        ...poolOptions,
      },
      { logging: false },
    ),
  );
  const Item = sequelize.define<ItemModel>(
    'Item',
    { name: { type: DataTypes.STRING(64), allowNull: false } },
    { tableName: 'items', updatedAt: false },
  );
  await Item.sync();
  await Item.create({ name: 'first' });
  const pool = secretPoolOf(sequelize);
  if (pool === undefined)
    throw new Error('sequelizeOptions did not put a rotakit pool under Sequelize');
  return {
    sequelize,
    Item,
    pool,
    async close() {
      await sequelize.close();
      await pool.end();
    },
  };
}

function sequelizeWorkload({ sequelize, Item }: Orm): OrmWorkload {
  const manager = sequelize.connectionManager as unknown as {
    getConnection(): Promise<{ destroy(): void }>;
    releaseConnection(connection: unknown): void;
  };
  return {
    query: () => Item.findByPk(1),
    async queryOnNewConnection() {
      // A model query on one Sequelize connection (as Sequelize runs a transaction's queries),
      // whose rotakit connection is then destroyed: the next request logs in anew.
      const connection = await manager.getConnection();
      try {
        return await Item.findByPk(1, { transaction: { connection } as unknown as Transaction });
      } finally {
        connection.destroy();
        manager.releaseConnection(connection);
      }
    },
  };
}

describe('Sequelize through RotateSecret rotations under load', () => {
  for (const strategy of ['single-user', 'alternating-users'] as const) {
    it(`5 ${strategy} rotations: zero failed Sequelize queries, bounded Secrets Manager calls`, async () => {
      const orm = await sequelizeFor(strategy);
      try {
        const { result, windowCallsPerRotation } = await rotateUnderOrmLoad({
          label: 'sequelize',
          stack,
          secretId: orm.pool.secretId,
          strategy,
          rotations: 5,
          workload: sequelizeWorkload(orm),
          cacheStats: () => orm.pool.stats().cache,
        });
        expect(result.failed).toBe(0);
        expect(result.ok).toBeGreaterThan(500);
        // At most AWSCURRENT + AWSPENDING for a window; the TTL refreshes on top (printed)
        // grow with the run's length, which a busy machine stretches.
        expect(windowCallsPerRotation).toBeLessThanOrEqual(2);
        const stats = orm.pool.stats();
        expect(stats.connectionsOpened).toBeGreaterThan(5);
        if (strategy === 'single-user') expect(stats.pendingProbeSuccesses).toBeGreaterThan(0);
        else expect(stats.credentialRefreshes).toBeGreaterThanOrEqual(5);
      } finally {
        await orm.close();
      }
    });
  }
});

describe('Sequelize transactions, errors and connection semantics', () => {
  for (const strategy of ['single-user', 'alternating-users'] as const) {
    it(`a managed transaction spanning a ${strategy} rotation commits`, async () => {
      const orm = await sequelizeFor(strategy);
      try {
        await orm.sequelize.transaction(async (transaction) => {
          await orm.Item.create({ name: 'before' }, { transaction });
          await stack.rotate(orm.pool.secretId, strategy);
          // New logins need the new password now; this transaction's session is unaffected.
          const counts = await Promise.all(Array.from({ length: 4 }, () => orm.Item.count()));
          expect(counts).toEqual([1, 1, 1, 1]);
          await orm.Item.create({ name: 'after' }, { transaction });
        });
        const names = (await orm.Item.findAll({ order: [['id', 'ASC']] })).map((i) => i.name);
        expect(names).toEqual(['first', 'before', 'after']);
      } finally {
        await orm.close();
      }
    });
  }

  it("a wrong secret rejects the Sequelize query with rotakit's AuthenticationError as its parent, not a hang", async () => {
    const secret = await stack.wrongSecret();
    const sequelize = new Sequelize(
      sequelizeOptions({ secretId: secret.name, client: stack.client }, { logging: false }),
    );
    try {
      const error = await sequelize.query('SELECT 1').then(
        () => undefined,
        (e: unknown) => e as Error & { parent?: unknown },
      );
      expect(error?.name).toBe('SequelizeDatabaseError');
      expect(error?.parent).toBeInstanceOf(AuthenticationError);
      expect(String(error?.stack)).not.toContain(secret.user.password);
    } finally {
      await sequelize.close();
      await secretPoolOf(sequelize)?.end();
    }
  });

  it("keeps Sequelize's connection settings: matched-rows counts, time zone, type parsing", async () => {
    const orm = await sequelizeFor('single-user');
    try {
      // Sequelize logs in without FOUND_ROWS: an UPDATE counts the rows it changed, not the
      // rows it matched (mysql2's default would give 1 for the unchanged row).
      const [unchanged] = await orm.Item.update({ name: 'first' }, { where: { id: 1 } });
      expect(unchanged).toBe(0);
      const [changed] = await orm.Item.update({ name: 'renamed' }, { where: { id: 1 } });
      expect(changed).toBe(1);
      const [[zone]] = (await orm.sequelize.query('SELECT @@session.time_zone AS tz')) as [
        { tz: string }[],
        unknown,
      ];
      expect(zone?.tz).toBe('+00:00');
      const item = await orm.Item.findByPk(1);
      expect(item?.createdAt).toBeInstanceOf(Date);
      const [[big]] = (await orm.sequelize.query('SELECT 9007199254740993 AS n')) as [
        { n: unknown }[],
        unknown,
      ];
      expect(big?.n).toBe('9007199254740993');
    } finally {
      await orm.close();
    }
  });

  it('idle connections live in the rotakit pool, not in Sequelize: a release returns them', async () => {
    const orm = await sequelizeFor('single-user', { maxIdle: 8, idleTimeout: 60_000 });
    try {
      await Promise.all(Array.from({ length: 6 }, () => orm.Item.findByPk(1)));
      // Sequelize ends each lease (maxUses 1) just after the query resolves.
      await vi.waitFor(() => {
        const { total, idle } = orm.pool.stats().connections;
        expect(total).toBeGreaterThan(1);
        expect(idle).toBe(total);
      });
    } finally {
      await orm.close();
    }
  });
});

describe('sequelizeOptions', () => {
  it('refuses replication by name: one secret names one endpoint', () => {
    const replication = { read: [{ host: 'replica' }], write: { host: 'primary' } };
    expect(() =>
      sequelizeOptions({ secretId: 'unused', clientConfig: {} }, { replication }),
    ).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'replication' }));
    expect(() =>
      sequelizeOptions({ secretId: 'unused', clientConfig: {} }, { replication }),
    ).toThrow(InvalidOptionError);
  });
});

describe('sessionTimeZone', () => {
  it("gives Sequelize's SET time_zone value: offsets as they are, named zones as their offset now", () => {
    expect(sessionTimeZone('+02:00')).toBe('+02:00');
    expect(sessionTimeZone('Etc/UTC')).toBe('+00:00');
    // POSIX-style names: Etc/GMT-3 is three hours east of UTC.
    expect(sessionTimeZone('Etc/GMT-3')).toBe('+03:00');
    expect(sessionTimeZone('Asia/Kolkata')).toBe('+05:30');
  });
});
