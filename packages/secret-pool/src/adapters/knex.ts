import { promisify } from 'node:util';
// The package's own entry, not its files: the built subpath then uses the main entry's
// classes (one SecretCache, one set of error classes) in ESM and CJS alike.
import {
  type CreatePoolOptions,
  createPool,
  type SecretPool,
  UnsupportedDriverError,
} from '@rotakit/secret-pool';
import knex, { type Knex } from 'knex';
import type { PoolConnection as CorePoolConnection } from 'mysql2';

/**
 * `@rotakit/secret-pool/knex`: Knex on a rotakit pool (docs/secret-pool.md, "Knex").
 *
 * Knex (>= 3.3) takes a native mysql2 pool through its public `connectionPool` option and
 * then asks that pool for every connection and gives each one back, so the rotakit pool's
 * gate, AWSPENDING bridge, login guard and retirement see every login and every release.
 * What external-pool mode leaves out is filled in by a subclass of Knex's own mysql2 client:
 * `knex.destroy()` ends a pool this module created, `database()` names the database the
 * connections use (schema queries need it), the server version is read once, and a query
 * cancel takes its `KILL QUERY` connection from the rotakit pool instead of Knex's empty
 * connection settings. The client class is read from `knex({ client: 'mysql2' })` and
 * checked here, once, so a Knex that changed it fails at once with UnsupportedDriverError.
 */

/** Knex's options that still apply: connections and their pool come from the rotakit pool. */
export type SecretPoolKnexConfig = Omit<Knex.Config, 'client' | 'connection' | 'connectionPool'>;

/** The members of Knex's mysql2 client this module calls or overrides. */
interface KnexMysql2Client {
  config: Knex.Config;
  acquireConnection(): Promise<CorePoolConnection>;
  checkVersion(connection: CorePoolConnection): Promise<unknown>;
  destroy(callback?: (error?: unknown) => void): Promise<void>;
}

type KnexMysql2ClientClass = new (config: Knex.Config) => KnexMysql2Client;

const CHECKED_MEMBERS = [
  'acquireConnection',
  'releaseConnection',
  'acquireRawConnection',
  'destroyRawConnection',
  'checkVersion',
  'wrapNativePool',
  'destroy',
  'database',
] as const;

/** Pools this module created for a Knex instance: `knex.destroy()` ends them. */
const ownedPools = new WeakSet<SecretPool>();
let clientClass: KnexMysql2ClientClass | undefined;

/** Knex's own mysql2 client class, checked for the members overridden below. */
function knexMysql2Client(): KnexMysql2ClientClass {
  if (clientClass !== undefined) return clientClass;
  const probe = knex({ client: 'mysql2' }) as Knex & { client: object };
  const base = probe.client.constructor as KnexMysql2ClientClass;
  const proto = base.prototype as unknown as Record<string, unknown>;
  const missing = CHECKED_MEMBERS.filter((name) => typeof proto[name] !== 'function');
  if (missing.length > 0) {
    throw new UnsupportedDriverError(
      `The installed knex's mysql2 client lacks ${missing.join(', ')}: @rotakit/secret-pool/knex needs knex >= 3.3 (its connectionPool option)`,
      { missing },
    );
  }
  clientClass = secretPoolClient(base);
  return clientClass;
}

function secretPoolClient(base: KnexMysql2ClientClass): KnexMysql2ClientClass {
  return class SecretPoolKnexClient extends base {
    #database: string | undefined;

    get #pool(): SecretPool {
      return this.config.connectionPool as SecretPool;
    }

    override async acquireConnection(): Promise<CorePoolConnection> {
      const connection = await super.acquireConnection();
      // Read once per client (Knex caches it); MariaDB and MySQL differ in some DDL.
      await this.checkVersion(connection);
      this.#database = connection.config.database;
      return connection;
    }

    /** The database the rotakit pool's connections log in to (the secret's `dbname`). */
    database(): string | undefined {
      return this.#database;
    }

    /** Only `cancelQuery` asks for a raw connection when the pool is external. */
    acquireRawConnection(): Promise<CorePoolConnection> {
      const core = this.#pool.pool;
      return promisify(core.getConnection.bind(core))();
    }

    async destroyRawConnection(connection: CorePoolConnection): Promise<void> {
      connection.release();
    }

    override async destroy(callback?: (error?: unknown) => void): Promise<void> {
      const pool = this.#pool;
      try {
        await super.destroy();
        if (ownedPools.has(pool)) await pool.end();
      } catch (error) {
        if (callback === undefined) throw error;
        return callback(error);
      }
      callback?.();
    }
  } as unknown as KnexMysql2ClientClass;
}

/**
 * Knex configuration whose connections come from a rotakit pool: pass it to `knex()`.
 * Given pool options, it creates the pool and `knex.destroy()` ends it; given a
 * {@link SecretPool}, the caller keeps it and ends it.
 *
 * @example
 * import knex from 'knex';
 * import { knexConfig } from '@rotakit/secret-pool/knex';
 *
 * const db = knex(knexConfig({ secretId: 'prod/app/mysql', clientConfig: { region: 'eu-west-1' }, connectionLimit: 10 }));
 * const rows = await db('users').where({ id: 1 });
 */
export function knexConfig(
  pool: SecretPool | CreatePoolOptions,
  config: SecretPoolKnexConfig = {},
): Knex.Config {
  const client = knexMysql2Client();
  const secretPool = isSecretPool(pool) ? pool : createPool(pool);
  if (secretPool !== pool) ownedPools.add(secretPool);
  return { ...config, client: client as unknown as typeof Knex.Client, connectionPool: secretPool };
}

/** The rotakit pool under a Knex instance made with {@link knexConfig} (for `stats()`, events). */
export function secretPoolOf(db: Knex): SecretPool | undefined {
  const pool = (db.client as { config?: Knex.Config }).config?.connectionPool;
  return isSecretPool(pool) ? pool : undefined;
}

function isSecretPool(value: unknown): value is SecretPool {
  const candidate = value as Partial<SecretPool> | undefined;
  return typeof candidate?.stats === 'function' && typeof candidate.end === 'function';
}
