// The package's own entry, not its files: the built subpath then shares the main entry's
// classes (one SecretCache, one set of error classes) in CJS too, where tsup does not split.
import {
  type CreatePoolOptions,
  createPool,
  InvalidOptionError,
  type SecretPool,
} from '@rotakit/secret-pool';
import type { PoolOptions } from 'mysql2';

/**
 * `@rotakit/secret-pool/typeorm`: TypeORM on a rotakit pool (docs/secret-pool.md, "TypeORM").
 *
 * TypeORM's MySQL driver takes the mysql2 module as its `driver` option and calls
 * `driver.createPool(options)` once, with the options it built from the DataSource
 * (`host`, `username` as `user`, `poolSize` as `connectionLimit`, `extra`, ...); it then uses
 * the pool's callback API only (`getConnection(callback)`, `end(callback)`), which a
 * SecretPool answers. So the module given here creates a rotakit pool instead: TypeORM's
 * options first, these options over them, the connection fields the DataSource leaves out
 * from the secret.
 */

/** Pools {@link secretPoolDriver} created, for {@link secretPoolOf}. */
const createdPools = new WeakSet<SecretPool>();

/** The `driver` module TypeORM's MySQL/MariaDB driver calls. */
export interface SecretPoolTypeormDriver {
  /** Called by TypeORM once per DataSource, with the mysql2 options it built. */
  createPool(typeormOptions: PoolOptions): SecretPool;
  /** TypeORM's `replication` option: not supported, refused by name. */
  createPoolCluster(): never;
}

/**
 * A `driver` for TypeORM's `type: 'mysql'` (or `'mariadb'`) DataSource whose pool reads its
 * credentials from a Secrets Manager secret and survives rotation. Leave `username`,
 * `password` (and `host`, `port`, `database` if the secret has them) out of the DataSource:
 * what it sets wins over the secret.
 *
 * @example
 * const dataSource = new DataSource({
 *   type: 'mysql',
 *   driver: secretPoolDriver({ secretId: 'prod/app/mysql', clientConfig: { region: 'eu-west-1' } }),
 *   entities: [User],
 * });
 * await dataSource.initialize();
 */
export function secretPoolDriver(options: CreatePoolOptions): SecretPoolTypeormDriver {
  return {
    createPool(typeormOptions) {
      const pool = createPool({ ...definedOnly(typeormOptions), ...options });
      createdPools.add(pool);
      return pool;
    },
    createPoolCluster() {
      throw InvalidOptionError.of(
        'replication',
        '@rotakit/secret-pool/typeorm gives TypeORM one pool per secret; replication (a mysql2 pool cluster) is not supported',
      );
    },
  };
}

/** TypeORM passes every field it knows, unset ones as `undefined`: those must not hide the secret's. */
function definedOnly(options: PoolOptions): PoolOptions {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as PoolOptions;
}

/**
 * The rotakit pool of an initialized DataSource whose driver came from
 * {@link secretPoolDriver} (its `stats()`, events), or undefined for any other DataSource.
 * TypeORM's `destroy()` ends it.
 *
 * @example
 * console.log(secretPoolOf(dataSource)?.stats().connections);
 */
export function secretPoolOf(dataSource: { readonly driver: unknown }): SecretPool | undefined {
  const pool = (dataSource.driver as { pool?: unknown } | undefined)?.pool;
  return createdPools.has(pool as SecretPool) ? (pool as SecretPool) : undefined;
}
