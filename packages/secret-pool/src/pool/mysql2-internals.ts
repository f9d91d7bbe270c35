import type { Pool as CorePool, PoolConnection as CorePoolConnection } from 'mysql2';
import { UnsupportedDriverError } from '../errors.js';
import { hideFromPrinting } from '../redact.js';

/**
 * The one module that touches mysql2's pool internals (docs/secret-pool.md, "mysql2
 * internals"). mysql2 takes the password as a fixed string in the pool's connection config;
 * the pool swaps that config per secret version and routes requests that would open a new
 * connection through its own gate. Everything used is typed below and checked when a pool
 * is created, so a mysql2 that changed them fails at once with UnsupportedDriverError.
 */

/** The mysql2 versions whose internals were proven (the package's mysql2 peer range). */
export const SUPPORTED_MYSQL2 = '>=3.22.2 <3.25.0';

/** The mysql2 callback both our gate and mysql2's own `getConnection` settle. */
export type ConnectCallback = (error: Error | null, connection?: CorePoolConnection) => void;

interface RingQueue<T> {
  readonly length: number;
  get(index: number): T;
}

type ConnectionConfig = Record<PropertyKey, unknown>;

/** The subset of a mysql2 pool used here: every member is checked by {@link checkInternals}. */
interface InternalPool {
  config: { connectionConfig: ConnectionConfig; connectionLimit: number };
  _allConnections: RingQueue<CorePoolConnection>;
  _freeConnections: RingQueue<CorePoolConnection>;
  _connectionQueue: RingQueue<unknown>;
  _closed: boolean;
  getConnection(callback: ConnectCallback): void;
  releaseConnection(connection: CorePoolConnection): void;
}

/**
 * What mysql2's `getConnection` does with a request right now. It decides synchronously
 * from the pool's state in this order, so reading the state just before the call tells
 * what the call did.
 */
export type ConnectRoute =
  /** The pool was ended: mysql2 refuses ("Pool is closed."). */
  | 'closed'
  /** An idle connection is handed out: no login. */
  | 'free'
  /** Below `connectionLimit`: a new connection logs in. */
  | 'open'
  /** At `connectionLimit`: the request is queued for a released connection (or refused). */
  | 'full';

/** The connection fields a secret version sets; the rest comes from the pool's options. */
export interface CredentialFields {
  readonly user: string;
  readonly password: string;
  readonly host: unknown;
  readonly port: unknown;
  readonly database: unknown;
  /** A mysql2 `ssl` option, or undefined to keep the pool's. */
  readonly ssl: unknown;
}

/** How the pool takes over the requests that would open a connection, and releases. */
export interface PoolHooks {
  /** A request that would open a new connection (route `open`); settle it with `open()` or an error. */
  onOpen(callback: ConnectCallback): void;
  /** Takes a released connection out of service instead of returning it; true if it did. */
  retireOnRelease(connection: CorePoolConnection): boolean;
  /** A connection went back to the pool (or to a queued request). */
  afterRelease(): void;
}

/** The mysql2 version a pool comes from (its default connection attribute), if it says. */
export function mysql2VersionOf(core: unknown): string | undefined {
  const config = (core as { config?: { connectionConfig?: ConnectionConfig } })?.config;
  const attributes = config?.connectionConfig?.connectAttributes as
    | { _client_version?: unknown }
    | undefined;
  const version = attributes?._client_version;
  return typeof version === 'string' ? version : undefined;
}

const isQueue = (value: unknown): boolean =>
  typeof (value as RingQueue<unknown>)?.length === 'number' &&
  typeof (value as RingQueue<unknown>)?.get === 'function';

/** Throws UnsupportedDriverError naming every internal a mysql2 pool lacks, and its version. */
export function checkInternals(core: unknown): asserts core is InternalPool {
  const pool = (core ?? {}) as Partial<InternalPool>;
  const checks: [string, boolean][] = [
    ['config.connectionConfig', typeof pool.config?.connectionConfig === 'object'],
    ['config.connectionLimit', typeof pool.config?.connectionLimit === 'number'],
    ['_allConnections', isQueue(pool._allConnections)],
    ['_freeConnections', isQueue(pool._freeConnections)],
    ['_connectionQueue', typeof pool._connectionQueue?.length === 'number'],
    ['_closed', typeof pool._closed === 'boolean'],
    ['getConnection', typeof pool.getConnection === 'function'],
    ['releaseConnection', typeof pool.releaseConnection === 'function'],
  ];
  const missing = checks.filter(([, ok]) => !ok).map(([name]) => name);
  if (missing.length === 0) return;
  const version = mysql2VersionOf(core);
  throw new UnsupportedDriverError(
    `The installed mysql2 (${version ?? 'version unknown'}) pool has no ${missing.map((name) => `\`${name}\``).join(', ')}; ` +
      `@rotakit/secret-pool supports mysql2 ${SUPPORTED_MYSQL2}`,
    { missing, mysql2Version: version },
  );
}

/** A mysql2 pool seen through the internals the secret pool relies on. */
export class Mysql2PoolAdapter<Tag extends object> {
  /** The public, callback-style mysql2 pool. */
  readonly pool: CorePool;
  readonly mysql2Version: string | undefined;
  readonly #core: InternalPool;
  /** The connection config mysql2 built from the pool's options: every version's copy starts from it. */
  readonly #baseConfig: ConnectionConfig;
  readonly #getConnection: InternalPool['getConnection'];
  readonly #releaseConnection: InternalPool['releaseConnection'];
  readonly #tag = Symbol('rotakit.secret-pool.connection-tag');

  constructor(pool: CorePool) {
    checkInternals(pool);
    const core: InternalPool = pool;
    this.pool = pool;
    this.#core = core;
    this.mysql2Version = mysql2VersionOf(pool);
    this.#baseConfig = core.config.connectionConfig;
    this.#getConnection = core.getConnection;
    this.#releaseConnection = core.releaseConnection;
  }

  /** Makes printing the pool's base connection config show `view()` (it holds the options' password). */
  hideBaseConfig(view: () => unknown): void {
    hideFromPrinting(this.#baseConfig, view);
  }

  /** The pool options' own host, port, database and ssl: the secret's fields fill what they leave out. */
  get defaults(): { host: unknown; port: unknown; database: unknown; ssl: unknown } {
    const { host, port, database, ssl } = this.#baseConfig;
    return { host, port, database, ssl };
  }

  /**
   * A copy of the base connection config with a secret version's fields, tagged with `tag`
   * (read back with {@link tagOf}) and printed as `view()`. Each connection keeps the config
   * it logged in with (on every supported mysql2, whether or not the pool copies it per
   * connection), which is how retirement tells its version.
   */
  configWith(fields: CredentialFields, tag: Tag, view: () => unknown): ConnectionConfig {
    const base = this.#baseConfig;
    const config = Object.create(
      Object.getPrototypeOf(base),
      Object.getOwnPropertyDescriptors(base),
    ) as ConnectionConfig;
    config.user = fields.user;
    config.password = fields.password;
    config.passwordSha1 = undefined;
    config.host = fields.host;
    config.port = fields.port;
    config.database = fields.database;
    if (fields.ssl !== undefined) config.ssl = fields.ssl;
    Object.defineProperty(config, this.#tag, { value: tag, enumerable: false });
    return hideFromPrinting(config, view);
  }

  /** New connections log in with `config` from now on. */
  useConfig(config: ConnectionConfig): void {
    this.#core.config.connectionConfig = config;
  }

  /** The tag of the config a connection was opened with. */
  tagOf(connection: CorePoolConnection): Tag | undefined {
    const config = (connection as unknown as { config?: ConnectionConfig }).config;
    return config?.[this.#tag] as Tag | undefined;
  }

  /** What `getConnection` would do with a request now. */
  route(): ConnectRoute {
    const core = this.#core;
    if (core._closed) return 'closed';
    if (core._freeConnections.length > 0) return 'free';
    const { connectionLimit } = core.config;
    return connectionLimit === 0 || core._allConnections.length < connectionLimit ? 'open' : 'full';
  }

  /** Gives the request to mysql2's own `getConnection`; returns what it did with it. */
  getConnection(callback: ConnectCallback): ConnectRoute {
    const route = this.route();
    this.#getConnection.call(this.#core, callback);
    return route;
  }

  /** Replaces the pool's `getConnection` and `releaseConnection` (every caller, mysql2's own included, goes through them). */
  install(hooks: PoolHooks): void {
    const core = this.#core;
    core.getConnection = (callback: ConnectCallback) => {
      if (this.route() === 'open') hooks.onOpen(callback);
      else this.#getConnection.call(core, callback);
    };
    core.releaseConnection = (connection: CorePoolConnection) => {
      if (hooks.retireOnRelease(connection)) return;
      this.#releaseConnection.call(core, connection);
      hooks.afterRelease();
    };
  }

  /** Open connections, busy and idle (a snapshot). */
  connections(): CorePoolConnection[] {
    return snapshot(this.#core._allConnections);
  }

  /** Idle connections (a snapshot). */
  idleConnections(): CorePoolConnection[] {
    return snapshot(this.#core._freeConnections);
  }

  get counts(): { total: number; idle: number; queued: number } {
    const core = this.#core;
    return {
      total: core._allConnections.length,
      idle: core._freeConnections.length,
      queued: core._connectionQueue.length,
    };
  }

  get hasIdle(): boolean {
    return this.#core._freeConnections.length > 0;
  }

  /** Still one of the pool's connections (mysql2 drops a destroyed or failed one from the list). */
  isPooled(connection: CorePoolConnection): boolean {
    const all = this.#core._allConnections;
    for (let i = 0; i < all.length; i++) if (all.get(i) === connection) return true;
    return false;
  }
}

function snapshot<T>(queue: RingQueue<T>): T[] {
  const items: T[] = [];
  for (let i = 0; i < queue.length; i++) items.push(queue.get(i));
  return items;
}
