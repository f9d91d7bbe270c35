import { createPool, type SecretPool } from '@rotakit/secret-pool';
import type { ResultSetHeader, RowDataPacket } from 'mysql2';
import type { Item, ItemStore, StorePoolOptions } from './items.js';

/** What the MySQL store calls on its pool: a `SecretPool`, or any mysql2 promise pool. */
export interface MysqlPool {
  query: SecretPool['query'];
  end(): Promise<void>;
  /** Reported by GET /health when present (a `SecretPool` has it). */
  stats?: SecretPool['stats'];
}

interface ItemRow extends RowDataPacket {
  id: number;
  name: string;
  created_at: Date;
}

/**
 * The items table (schema.sql) on MySQL or MariaDB, through `pool`.
 *
 * @example
 * const store = mysqlStore(createPool({ secretId: 'app/db', clientConfig: {} }));
 */
export function mysqlStore(pool: MysqlPool): ItemStore {
  return {
    async listNewest(limit) {
      const [rows] = await pool.query<ItemRow[]>(
        'SELECT id, name, created_at FROM items ORDER BY id DESC LIMIT ?',
        [limit],
      );
      return rows.map((row): Item => ({ id: row.id, name: row.name, createdAt: row.created_at }));
    },
    async insert(name) {
      const [result] = await pool.query<ResultSetHeader>('INSERT INTO items (name) VALUES (?)', [
        name,
      ]);
      return result.insertId;
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    stats: () => pool.stats?.(),
    end: () => pool.end(),
  };
}

/** A rotakit mysql2 pool (`createPool`) on the secret, and the store on it. */
export function openMysqlStore(options: StorePoolOptions): ItemStore {
  const { size, ...source } = options;
  return mysqlStore(createPool({ ...source, connectionLimit: size }));
}
