import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import mysql, {
  type Pool as CorePool,
  type PoolConnection as CorePoolConnection,
  type PoolOptions,
} from 'mysql2';
import type { Pool as PromisePool } from 'mysql2/promise';
import {
  type EndCallback,
  eitherGetConnection,
  endWithCallback,
  type GetConnection,
  routeCoreEnd,
} from '../adapters/callback.js';
import type { SecretCache } from '../cache/secret-cache.js';
import { attachPoolMetrics } from '../metrics.js';
import { hideFromPrinting, REDACTED } from '../redact.js';
import type { SecretPoolStats } from '../stats.js';
import { ConnectGate } from './connect-gate.js';
import { newPoolCounters, type PoolContext, type PoolCounters } from './context.js';
import type { ExplicitConnectionFields } from './credentials.js';
import {
  type Announce,
  EVENT_CHANNELS,
  FORWARDED_EVENTS,
  type OwnEventName,
  type SecretPoolEvents,
} from './events.js';
import { CredentialGenerations, type Generation } from './generations.js';
import { LoginGuard } from './login-guard.js';
import { LoginOutcomes } from './login-outcomes.js';
import { Mysql2CredentialTarget } from './mysql2-credentials.js';
import { Mysql2PoolAdapter } from './mysql2-internals.js';
import { type CreatePoolOptions, type ResolvedPoolOptions, resolvePoolOptions } from './options.js';
import { cacheFor } from './pool-cache.js';
import { type DescribeSecretVia, describeSecretVia, RdsEndpointLookup } from './rds-endpoint.js';
import { Retirement } from './retirement.js';

export type {
  AuthFailureEvent,
  ConnectionRetiredEvent,
  CredentialsRefreshedEvent,
  CredentialsRejectedEvent,
  LoginGuardEvent,
  RefreshReason,
  SecretPoolEvents,
} from './events.js';

/** The pool's parts, each with one job (docs/secret-pool.md, "How the pool is built"). */
interface PoolParts {
  readonly adapter: Mysql2PoolAdapter<Generation>;
  readonly generations: CredentialGenerations<CorePoolConnection>;
  readonly gate: ConnectGate;
  readonly retirement: Retirement;
}

/**
 * A mysql2 promise pool whose new connections always use the freshest credentials from a
 * Secrets Manager secret, and which bridges rotations: on access denied it refreshes the
 * secret once for every waiting request, tries AWSPENDING during the rotation window, and
 * retries only the login, never a statement. Create it with {@link createPool}.
 */
export class SecretPool extends EventEmitter<SecretPoolEvents> {
  /** The secret the credentials come from. */
  readonly secretId: string;
  readonly query: PromisePool['query'];
  readonly execute: PromisePool['execute'];
  /** mysql2's promise form, and its callback form (Kysely's MysqlDialect and TypeORM call that one). */
  readonly getConnection: GetConnection;
  readonly releaseConnection: PromisePool['releaseConnection'];
  readonly escape: PromisePool['escape'];
  readonly escapeId: PromisePool['escapeId'];
  readonly format: PromisePool['format'];
  /**
   * The callback-style mysql2 pool underneath, for code and libraries typed for it
   * (`require('mysql2').createPool` users, Drizzle); its `end()` ends this SecretPool.
   */
  readonly pool: CorePool;

  readonly #options: ResolvedPoolOptions;
  readonly #cache: SecretCache;
  readonly #ownsCache: boolean;
  readonly #counters: PoolCounters = newPoolCounters();
  readonly #parts: PoolParts;
  /** mysql2's own end of the core pool (its `end` now ends this SecretPool). */
  readonly #endCore: () => Promise<void>;
  readonly #checkTimer: NodeJS.Timeout;
  readonly #forwarders = new Map<string, (...args: unknown[]) => void>();
  /** DescribeSecret for the `rds` lookup (its own Secrets Manager client with `clientConfig`). */
  #describeSecret: DescribeSecretVia | undefined;
  #ending: Promise<void> | undefined;

  /** @internal Use {@link createPool}. */
  constructor(options: CreatePoolOptions) {
    super();
    const { resolved, mysqlOptions } = resolvePoolOptions(options);
    this.#options = resolved;
    this.secretId = resolved.secretId;
    [this.#cache, this.#ownsCache] = cacheFor(options);
    const explicit = explicitFields(mysqlOptions);
    const endpoint = this.#endpointLookup(options, explicit);
    this.#parts = this.#buildParts(mysql.createPool(mysqlOptions), explicit, endpoint);
    const { adapter, generations } = this.#parts;
    this.pool = adapter.pool;
    adapter.hideBaseConfig(() => this.#printable());
    hideFromPrinting(adapter.pool, () => this.#printable());

    const promise = adapter.pool.promise();
    this.#endCore = routeCoreEnd(adapter.pool, (callback) =>
      callback ? this.end(callback) : this.end(),
    );
    this.query = promise.query.bind(promise) as PromisePool['query'];
    this.execute = promise.execute.bind(promise) as PromisePool['execute'];
    this.getConnection = eitherGetConnection(promise, adapter.pool);
    this.releaseConnection = promise.releaseConnection.bind(promise);
    this.escape = promise.escape.bind(promise);
    this.escapeId = promise.escapeId.bind(promise) as PromisePool['escapeId'];
    this.format = promise.format.bind(promise);

    this.#forwardMysql2Events();
    if (resolved.metrics) attachPoolMetrics(this, resolved.metrics);
    this.#checkTimer = setInterval(() => generations.check(), resolved.credentialCheckIntervalMs);
    // Unref'd: a periodic look at the cache that nobody awaits (docs/secret-pool.md, timers).
    this.#checkTimer.unref();
    // Warm the cache so the first query does not pay for the fetch; its errors reach the first request.
    generations.ensure().catch(() => undefined);
  }

  /** Counters and state; never contains a secret. */
  stats(): SecretPoolStats {
    const { adapter, generations, gate } = this.#parts;
    const gen = generations.current;
    const { total, idle, queued } = adapter.counts;
    return {
      secretId: this.secretId,
      credentials: {
        versionId: gen?.value.versionId,
        source: gen?.source,
        username: gen?.credentials.user,
        verified: gen?.verified ?? false,
      },
      ...this.#counters,
      consecutiveFailedLogins: gen === undefined ? 0 : gate.failedLoginsOf(gen),
      connections: { total, idle, queued, waiting: gate.waiting, connecting: gate.connecting },
      cache: this.#cache.stats(),
    };
  }

  /** The SecretCache this pool reads (shared when one was passed as `cache`). */
  get cache(): SecretCache {
    return this.#cache;
  }

  /**
   * Closes every connection; closes the cache too when the pool created it. `end(callback)`
   * is mysql2's callback form (Kysely's and TypeORM's `destroy()` call it).
   */
  end(): Promise<void>;
  end(callback: EndCallback): void;
  end(callback?: EndCallback): Promise<void> | void {
    this.#ending ??= (async () => {
      clearInterval(this.#checkTimer);
      this.#parts.retirement.stop();
      this.#parts.generations.close();
      this.#describeSecret?.close();
      const ended = this.#endCore();
      // The core pool is closed now: waiting requests get mysql2's "Pool is closed." error.
      this.#parts.gate.close();
      try {
        await ended;
      } finally {
        if (this.#ownsCache) await this.#cache.close();
      }
    })();
    if (callback === undefined) return this.#ending;
    endWithCallback(this.#ending, callback);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }

  [inspect.custom](_depth: number, options: Parameters<typeof inspect>[1]): string {
    return `SecretPool ${inspect(this.#printable(), options)}`;
  }

  toJSON(): Record<string, unknown> {
    return this.#printable();
  }

  #printable(): Record<string, unknown> {
    const gen = this.#parts.generations.current;
    return {
      secretId: this.secretId,
      versionId: gen?.value.versionId,
      source: gen?.source,
      user: gen?.credentials.user,
      password: REDACTED,
      connections: this.#parts.adapter.counts.total,
    };
  }

  /** Composes the parts around mysql2's pool and takes over its new connections and releases. */
  #buildParts(
    core: CorePool,
    explicit: ExplicitConnectionFields,
    endpoint: RdsEndpointLookup | undefined,
  ): PoolParts {
    const options = this.#options;
    const adapter = new Mysql2PoolAdapter<Generation>(core);
    const context: PoolContext = {
      secretId: this.secretId,
      adapter,
      counters: this.#counters,
      announce: this.#announce,
    };
    const generations = new CredentialGenerations<CorePoolConnection>({
      ...context,
      target: new Mysql2CredentialTarget(adapter, explicit),
      cache: this.#cache,
      probePending: options.auth.probePending,
      managedRotation: options.managedRotation,
      explicit,
      endpoint,
      onIdentityChanged: () => retirement.start(),
      onSettled: () => gate.drain(),
      onFirstLoadFailed: (error) => gate.failWaiting(error),
    });
    const retirement = new Retirement({ ...context, overMs: options.retire?.overMs, generations });
    const guard = options.loginGuard && new LoginGuard(options.loginGuard.maxFailures);
    const gate: ConnectGate = new ConnectGate({
      ...context,
      maxConnecting: options.maxConnecting,
      guard,
      generations,
      onLoginResult: (request, error, connection, kind) =>
        outcomes.handle(request, error, connection, kind),
      onPasswordRefused: (request, gen) => outcomes.skipRefusedLogin(request, gen),
    });
    const outcomes = new LoginOutcomes({
      ...context,
      auth: options.auth,
      serverBusy: options.serverBusy,
      gate,
      generations,
    });
    adapter.install({
      onOpen: (callback) => gate.request(callback),
      retireOnRelease: (connection) => retirement.retireOnRelease(connection),
      afterRelease: () => gate.afterRelease(),
    });
    core.on('connection', (connection) => {
      context.counters.connectionsOpened++;
      generations.loggedIn(connection);
    });
    return { adapter, generations, gate, retirement };
  }

  /** The RDS API lookup, when `rds` is given and no `host` or `socketPath` replaces it. */
  #endpointLookup(
    options: CreatePoolOptions,
    explicit: ExplicitConnectionFields,
  ): RdsEndpointLookup | undefined {
    if (options.rds === undefined) return undefined;
    if (explicit.host !== undefined || explicit.socketPath !== undefined) return undefined;
    this.#describeSecret = describeSecretVia(this.secretId, options);
    return new RdsEndpointLookup(this.secretId, options.rds.client, this.#describeSecret.describe);
  }

  readonly #announce: Announce = (event, payload) => {
    (this.emit as (event: OwnEventName, payload: unknown) => boolean)(event, payload);
    const channel = EVENT_CHANNELS[event];
    if (channel?.hasSubscribers) channel.publish(payload);
  };

  /** Forwards mysql2's events only while someone listens: emitting costs on the hot path. */
  #forwardMysql2Events(): void {
    const self = this as EventEmitter;
    self.on('newListener', (event: string | symbol) => this.#forward(String(event), true));
    self.on('removeListener', (event: string | symbol) => this.#forward(String(event), false));
  }

  #forward(event: string, add: boolean): void {
    if (!FORWARDED_EVENTS.has(event)) return;
    const core = this.#parts.adapter.pool;
    if (add && !this.#forwarders.has(event)) {
      const forwarder = (...args: unknown[]) =>
        (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
      this.#forwarders.set(event, forwarder);
      core.on(event, forwarder);
    } else if (!add && this.listenerCount(event as keyof SecretPoolEvents) === 0) {
      const forwarder = this.#forwarders.get(event);
      if (forwarder) core.off(event, forwarder);
      this.#forwarders.delete(event);
    }
  }
}

/** The connection fields the caller set explicitly; they win over the secret's. */
function explicitFields(mysqlOptions: PoolOptions): ExplicitConnectionFields {
  const explicit: ExplicitConnectionFields = {
    host: mysqlOptions.host,
    port: mysqlOptions.port,
    user: mysqlOptions.user,
    // mysql2 takes `password1` (the first factor of multi-factor auth) as the password.
    password: mysqlOptions.password || mysqlOptions.password1 || undefined,
    database: mysqlOptions.database,
    socketPath: mysqlOptions.socketPath,
    ssl: mysqlOptions.ssl,
  };
  Object.defineProperty(explicit, 'password', { enumerable: false });
  return explicit;
}

/**
 * Creates a mysql2 promise pool whose credentials come from a Secrets Manager secret (RDS
 * format: `username`, `password`, `host`, `port`, `dbname`; explicit options override) and
 * survive rotation.
 *
 * @example
 * const pool = createPool({ secretId: 'prod/app/mysql', clientConfig: { region: 'eu-west-1' }, connectionLimit: 10 });
 * const [rows] = await pool.query('SELECT 1 AS ok');
 */
export function createPool(options: CreatePoolOptions): SecretPool {
  return new SecretPool(options);
}
