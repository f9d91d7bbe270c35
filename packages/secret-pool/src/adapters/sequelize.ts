import { EventEmitter } from 'node:events';
// The package's own entry, not its files: one copy of its classes (see knex.ts).
import {
  type CreatePoolOptions,
  createPool,
  InvalidOptionError,
  type SecretPool,
} from '@rotakit/secret-pool';
import type { PoolConnection as CorePoolConnection, QueryError } from 'mysql2';
import type { Options, PoolOptions } from 'sequelize';

/**
 * `@rotakit/secret-pool/sequelize`: Sequelize's `mysql` dialect on a rotakit pool
 * (docs/secret-pool.md, "Sequelize").
 *
 * Sequelize opens its connections with `dialectModule.createConnection(config)` and keeps
 * them in its own pool. The module given here answers `createConnection` with a lease: a
 * connection-shaped object that takes a connection from the rotakit pool (through its gate,
 * AWSPENDING bridge and login guard) at its first query and gives it back on `end()`.
 * Sequelize's pool is set to `maxUses: 1`, so every Sequelize acquire is one lease and every
 * release ends it: the rotakit pool is the only pool that keeps connections, and its
 * retirement sees every release. The session time zone Sequelize sets per connection is set
 * once per rotakit connection instead (`keepDefaultTimezone` tells Sequelize not to), so a
 * lease costs no extra round trip. Sequelize's own credentials (`username`, `password`,
 * `host`, `database`) are not used: the secret has them.
 */

/** Sequelize options that still apply: the dialect, its module and the pool come from here. */
export type SecretPoolSequelizeOptions = Omit<Options, 'dialect' | 'dialectModule' | 'pool'> & {
  /** Sequelize's pool: only the acquire timeout applies (connections live in the rotakit pool). */
  pool?: Pick<PoolOptions, 'acquire'>;
  /** As Sequelize's own (not in its `Options` type): leave the server's session time zone. */
  keepDefaultTimezone?: boolean;
};

/** What Sequelize's mysql connection manager passes to `createConnection`. */
interface SequelizeConnectionConfig {
  typeCast?: unknown;
  [option: string]: unknown;
}

/** Sequelize's per-connection options the rotakit pool's connections must log in with. */
function connectionOptions(options: SecretPoolSequelizeOptions): Partial<CreatePoolOptions> {
  return {
    // As Sequelize's connection manager sets them (affectedRows counts changed rows, etc.).
    flags: ['-FOUND_ROWS'],
    bigNumberStrings: false,
    supportBigNumbers: true,
    timezone: options.timezone ?? '+00:00',
    ...(options.dialectOptions as Partial<CreatePoolOptions> | undefined),
  };
}

/** Sequelize's `SET time_zone` value: a named zone becomes its current offset, as Sequelize does. */
export function sessionTimeZone(timezone: string): string {
  if (!timezone.includes('/')) return timezone;
  const offset = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    timeZoneName: 'longOffset',
  })
    .formatToParts(new Date())
    .find((part) => part.type === 'timeZoneName')?.value;
  // "GMT+02:00", or "GMT" for UTC itself.
  return offset === undefined || offset === 'GMT' ? '+00:00' : offset.slice(3);
}

/** Sets the session time zone on each new rotakit connection, before its first query runs. */
function setTimeZoneOnLogin(pool: SecretPool, timezone: string): void {
  pool.pool.on('connection', (connection) => {
    // Queued ahead of the query that asked for the connection (mysql2 runs commands in order).
    connection.query('SET time_zone = ?', [sessionTimeZone(timezone)], (error) => {
      if (error) connection.destroy();
    });
  });
}

type QueryCallback = (error: QueryError | null, ...results: unknown[]) => void;
type SqlArgument = string | { sql: string };
type QueryArguments = [SqlArgument, ...unknown[]];

/**
 * One Sequelize "connection": a rotakit pool connection from its first query until `end()`.
 * Only the members Sequelize's mysql dialect calls (connection-manager.js, query.js).
 */
class PoolLease extends EventEmitter {
  readonly #pool: SecretPool;
  readonly #typeCast: unknown;
  #connection: CorePoolConnection | undefined;
  #ended = false;
  readonly #forwardError = (error: Error) => this.emit('error', error);

  constructor(pool: SecretPool, config: SequelizeConnectionConfig) {
    super();
    this.#pool = pool;
    this.#typeCast = config.typeCast;
    // Sequelize listens for 'connect' after createConnection returns.
    queueMicrotask(() => this.emit('connect'));
  }

  get threadId(): number | undefined {
    return this.#connection?.threadId ?? undefined;
  }

  // What Sequelize's validate() reads to decide whether a connection is still usable.
  get _closing(): boolean {
    return this.#ended || Boolean(this.#internal._closing);
  }
  get _fatalError(): unknown {
    return this.#internal._fatalError;
  }
  get _protocolError(): unknown {
    return this.#internal._protocolError;
  }
  get stream(): { destroyed: boolean } {
    return (this.#internal.stream as { destroyed: boolean } | undefined) ?? { destroyed: false };
  }

  get #internal(): Record<string, unknown> {
    return (this.#connection ?? {}) as unknown as Record<string, unknown>;
  }

  // (sql | { sql }, [values,] callback), as mysql2's own query() and execute().
  query(...args: QueryArguments): EventEmitter {
    return this.#run('query', args);
  }

  execute(...args: QueryArguments): EventEmitter {
    return this.#run('execute', args);
  }

  /** Sequelize "closes" the connection: it goes back to the rotakit pool (or is retired). */
  end(callback?: (error?: Error) => void): void {
    this.#ended = true;
    this.#detach()?.release();
    callback?.();
  }

  destroy(): void {
    this.#ended = true;
    this.#detach()?.destroy();
  }

  /**
   * Runs the command on the leased connection, taking one from the rotakit pool first if
   * needed. Returns mysql2's command emitter, or a stand-in while the connection is taken
   * (Sequelize only calls `setMaxListeners` on it).
   */
  #run(method: 'query' | 'execute', [sql, ...rest]: QueryArguments): EventEmitter {
    const options = this.#withTypeCast(sql);
    if (this.#connection !== undefined) return this.#call(this.#connection, method, options, rest);
    const pending = new EventEmitter();
    this.#pool.pool.getConnection((error, connection) => {
      const callback = rest.at(-1) as QueryCallback | undefined;
      if (error || connection === undefined) return callback?.(error as QueryError);
      if (this.#ended) {
        connection.release();
        return callback?.(new Error('The connection was released') as QueryError);
      }
      this.#attach(connection);
      this.#call(connection, method, options, rest);
    });
    return pending;
  }

  #call(
    connection: CorePoolConnection,
    method: 'query' | 'execute',
    options: object,
    rest: unknown[],
  ): EventEmitter {
    const run = connection[method] as (...args: unknown[]) => EventEmitter;
    return run.call(connection, options, ...rest);
  }

  // Sequelize's typeCast is a per-connection option; the pool's connections get it per query.
  #withTypeCast(sql: SqlArgument): object {
    const options = typeof sql === 'string' ? { sql } : sql;
    return this.#typeCast === undefined ? options : { typeCast: this.#typeCast, ...options };
  }

  #attach(connection: CorePoolConnection): void {
    this.#connection = connection;
    connection.on('error', this.#forwardError);
  }

  #detach(): CorePoolConnection | undefined {
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.off('error', this.#forwardError);
    return connection;
  }
}

/** The mysql2-shaped module Sequelize loads as `dialectModule`; it holds the rotakit pool. */
export interface SecretPoolDialectModule {
  readonly secretPool: SecretPool;
  createConnection(config: SequelizeConnectionConfig): EventEmitter;
}

/**
 * Sequelize options whose connections come from a rotakit pool (created here, with the
 * connection flags Sequelize's mysql dialect uses): pass them to `new Sequelize()`. End the
 * pool after `sequelize.close()`: `await secretPoolOf(sequelize)?.end()`.
 *
 * @example
 * import { Sequelize } from 'sequelize';
 * import { secretPoolOf, sequelizeOptions } from '@rotakit/secret-pool/sequelize';
 *
 * const sequelize = new Sequelize(sequelizeOptions({ secretId: 'prod/app/mysql', clientConfig: { region: 'eu-west-1' }, connectionLimit: 10 }));
 * // ... at shutdown:
 * await sequelize.close();
 * await secretPoolOf(sequelize)?.end();
 */
export function sequelizeOptions(
  pool: CreatePoolOptions,
  options: SecretPoolSequelizeOptions = {},
): Options & { keepDefaultTimezone: boolean } {
  if (options.replication) {
    // Sequelize would open its read connections through the same module: the secret's host.
    throw InvalidOptionError.of(
      'replication',
      'not supported: one secret names one endpoint; use a Sequelize per endpoint',
    );
  }
  const secretPool = createPool({ ...connectionOptions(options), ...pool } as CreatePoolOptions);
  if (options.keepDefaultTimezone !== true) {
    setTimeZoneOnLogin(secretPool, options.timezone ?? '+00:00');
  }
  const dialectModule: SecretPoolDialectModule = {
    secretPool,
    createConnection: (config) => new PoolLease(secretPool, config),
  };
  const max = (pool as { connectionLimit?: number }).connectionLimit ?? 10;
  return {
    ...options,
    dialect: 'mysql',
    dialectModule,
    // Set per rotakit connection above, instead of by Sequelize on every lease.
    keepDefaultTimezone: true,
    // One Sequelize acquire = one lease; idle connections stay in the rotakit pool only.
    pool: { acquire: options.pool?.acquire, max, min: 0, maxUses: 1 },
  };
}

/** The rotakit pool under a Sequelize instance made with {@link sequelizeOptions}. */
export function secretPoolOf(sequelize: {
  config: { dialectModule?: object };
}): SecretPool | undefined {
  const module = sequelize.config.dialectModule as Partial<SecretPoolDialectModule> | undefined;
  return module?.secretPool;
}
