import { createPgPool, type SecretPgPool } from '@rotakit/secret-pool/pg';
import type { Item, ItemStore, StorePoolOptions } from './items.js';

/** What the PostgreSQL store calls on its pool: a `SecretPgPool`, or any pg `Pool`. */
export interface PostgresPool {
  query: SecretPgPool['query'];
  end(): Promise<void>;
  /** Reported by GET /health when present (a `SecretPgPool` has it). */
  stats?: SecretPgPool['stats'];
}

interface ItemRow {
  id: number;
  name: string;
  created_at: Date;
}

/**
 * The items table (schema.postgres.sql) on PostgreSQL, through `pool`: `$1` placeholders, and
 * the new id from `RETURNING` (PostgreSQL has no insert id in its reply).
 *
 * @example
 * const store = postgresStore(createPgPool({ secretId: 'app/postgres', clientConfig: {} }));
 */
export function postgresStore(pool: PostgresPool): ItemStore {
  return {
    async listNewest(limit) {
      const { rows } = await pool.query<ItemRow>(
        'SELECT id, name, created_at FROM items ORDER BY id DESC LIMIT $1',
        [limit],
      );
      return rows.map((row): Item => ({ id: row.id, name: row.name, createdAt: row.created_at }));
    },
    async insert(name) {
      const { rows } = await pool.query<Pick<ItemRow, 'id'>>(
        'INSERT INTO items (name) VALUES ($1) RETURNING id',
        [name],
      );
      return (rows[0] as Pick<ItemRow, 'id'>).id;
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    stats: () => pool.stats?.(),
    end: () => pool.end(),
  };
}

/** A rotakit pg pool (`createPgPool`) on the secret, and the store on it. */
export function openPostgresStore(options: StorePoolOptions): ItemStore {
  const { size, ...source } = options;
  return postgresStore(createPgPool({ ...source, max: size }));
}
