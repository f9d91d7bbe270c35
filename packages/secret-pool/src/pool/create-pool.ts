import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import mysql, {
  type Pool as CorePool,
  type PoolConnection as CorePoolConnection,
  type SslOptions,
} from 'mysql2';
import type { Pool as PromisePool } from 'mysql2/promise';
import { SecretCache } from '../cache/secret-cache.js';
import type { SecretValue } from '../cache/secret-value.js';
import {
  authFailureChannel,
  connectionRetiredChannel,
  credentialsRefreshedChannel,
  loginGuardChannel,
} from '../diagnostics.js';
import {
  AuthenticationError,
  ConfigurationError,
  LoginGuardError,
  type LoginGuardReason,
  SecretPoolError,
  ServerBusyError,
  type TerminalConnectionError,
} from '../errors.js';
import { attachPoolMetrics } from '../metrics.js';
import { hideFromPrinting, REDACTED } from '../redact.js';
import type { CredentialSource, SecretPoolStats } from '../stats.js';
import { classifyConnectError, driverContext, terminalError } from './auth-errors.js';
import {
  type ConnectionCredentials,
  credentialsFromSecret,
  type ExplicitConnectionFields,
} from './credentials.js';
import { LoginGuard, type LoginOutcome } from './login-guard.js';
import { checkInternals } from './mysql2-internals.js';
import { type CreatePoolOptions, type ResolvedPoolOptions, resolvePoolOptions } from './options.js';
import { secretSslOptions } from './tls.js';

/** Why new credentials were applied. */
export type RefreshReason = 'initial' | 'refresh' | 'auth-failure';

export interface CredentialsRefreshedEvent {
  secretId: string;
  versionId: string;
  previousVersionId: string | undefined;
  source: CredentialSource;
  reason: RefreshReason;
  /** The username, host, port or database changed: older connections will be retired. */
  identityChanged: boolean;
}

export interface AuthFailureEvent {
  secretId: string;
  errno: number | undefined;
  code: string | undefined;
  sqlState: string | undefined;
  /** The secret version whose credentials were refused. */
  versionId: string;
  source: CredentialSource;
  /** Access denied count for the request (1 = first). */
  attempt: number;
}

export interface ConnectionRetiredEvent {
  secretId: string;
  /** The secret version the connection was opened with. */
  versionId: string;
}

export interface LoginGuardEvent {
  secretId: string;
  reason: LoginGuardReason;
  /** Failed logins in a row counted for the account since its last successful login. */
  failures: number;
  maxFailures: number;
  /** The secret version whose credentials were held back. */
  versionId: string;
}

export interface CredentialsRejectedEvent {
  secretId: string;
  versionId: string;
  error: SecretPoolError;
}

/** Events of a {@link SecretPool}: its own plus mysql2's pool events (core connections). */
export interface SecretPoolEvents {
  credentialsRefreshed: [CredentialsRefreshedEvent];
  authFailure: [AuthFailureEvent];
  connectionRetired: [ConnectionRetiredEvent];
  loginGuard: [LoginGuardEvent];
  terminalError: [TerminalConnectionError];
  /** A new secret version could not be used (bad format); the previous credentials stay. */
  credentialsRejected: [CredentialsRejectedEvent];
  connection: [CorePoolConnection];
  acquire: [CorePoolConnection];
  release: [CorePoolConnection];
  enqueue: [];
}

const GENERATION = Symbol('rotakit.secret-pool.generation');
const REQUEST = Symbol('rotakit.secret-pool.request');
const FORWARDED_EVENTS = new Set(['connection', 'acquire', 'release', 'enqueue']);

/** One applied secret version: the credentials new connections use while it is current. */
interface Generation {
  readonly value: SecretValue;
  source: CredentialSource;
  readonly credentials: ConnectionCredentials;
  /** The database account these credentials log in as (user@host:port), for the login guard. */
  readonly account: string;
  /** A login with these credentials succeeded since they were applied or last refused. */
  verified: boolean;
  everVerified: boolean;
  /** For AWSPENDING credentials: when the access denied that led to them was seen. */
  readonly windowStart: number | undefined;
}

type ConnectCallback = (error: Error | null, connection?: InternalConnection) => void;

interface InternalConnection {
  config: Record<PropertyKey, unknown>;
  _pool: unknown;
  destroy(): void;
}

interface RingQueue<T> {
  readonly length: number;
  get(index: number): T;
}

/** The mysql2 pool internals used here (checked at creation; pinned by the peer range). */
interface InternalPool {
  config: { connectionConfig: Record<PropertyKey, unknown>; connectionLimit: number };
  _allConnections: RingQueue<InternalConnection>;
  _freeConnections: RingQueue<InternalConnection>;
  _connectionQueue: RingQueue<unknown>;
  _closed: boolean;
  getConnection(callback: ConnectCallback): void;
  releaseConnection(connection: InternalConnection): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  promise(): PromisePool;
}

export { checkInternals } from './mysql2-internals.js';

/** A request for a new connection, kept across waits and retries of its login. */
class ConnectRequest {
  gen: Generation | undefined;
  startedAt = 0;
  connecting = false;
  authFailures = 0;
  /** Logins not sent because the server had already refused the password. */
  skippedLogins = 0;
  lastDenial: Error | undefined;
  busyRetries = 0;
  readonly callback: ConnectCallback;
  readonly done: ConnectCallback;

  constructor(
    callback: ConnectCallback,
    onResult: (
      request: ConnectRequest,
      error: Error | null,
      connection?: InternalConnection,
    ) => void,
  ) {
    this.callback = callback;
    const done: ConnectCallback = (error, connection) => onResult(this, error ?? null, connection);
    (done as ConnectCallback & { [REQUEST]?: ConnectRequest })[REQUEST] = this;
    this.done = done;
  }
}

function jitter(ms: number): number {
  return ms * (0.5 + Math.random() / 2);
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
  readonly getConnection: PromisePool['getConnection'];
  readonly releaseConnection: PromisePool['releaseConnection'];
  readonly escape: PromisePool['escape'];
  readonly escapeId: PromisePool['escapeId'];
  readonly format: PromisePool['format'];
  /** The callback-style mysql2 pool underneath (for libraries that take one, such as Kysely). */
  readonly pool: CorePool;

  readonly #options: ResolvedPoolOptions;
  readonly #explicit: ExplicitConnectionFields;
  /** The `ssl` option for secrets with `"ssl": true`, shared by their connections. */
  #secretSsl: SslOptions | undefined;
  readonly #core: InternalPool;
  readonly #promise: PromisePool;
  readonly #cache: SecretCache;
  readonly #ownsCache: boolean;
  readonly #guard: LoginGuard | undefined;
  readonly #baseConfig: Record<PropertyKey, unknown>;
  readonly #all: RingQueue<InternalConnection>;
  readonly #free: RingQueue<InternalConnection>;
  readonly #origGet: (callback: ConnectCallback) => void;
  readonly #origRelease: (connection: InternalConnection) => void;
  readonly #checkTimer: NodeJS.Timeout;

  #gen: Generation | undefined;
  /** The AWSCURRENT version last seen (may differ from #gen during a rotation window). */
  #currentVersionId: string | undefined;
  #initial: Promise<void> | undefined;
  #recovery: Promise<void> | undefined;
  #waiters: ConnectRequest[] = [];
  #connecting = 0;
  #retireFrom = 0;
  /** Set while connections opened with a previous identity remain. */
  #retireTimer: NodeJS.Timeout | undefined;
  readonly #retireDeadlines = new WeakMap<InternalConnection, number>();
  #ending: Promise<void> | undefined;
  /** Requests waiting out a retry delay, by their timer. */
  readonly #retryTimers = new Map<NodeJS.Timeout, ConnectRequest>();
  readonly #forwarders = new Map<string, (...args: unknown[]) => void>();
  readonly #stats = {
    credentialRefreshes: 0,
    authFailures: 0,
    pendingProbes: 0,
    pendingProbeSuccesses: 0,
    connectRetries: 0,
    retiredConnections: 0,
    loginGuardRejections: 0,
    loginsSkipped: 0,
    terminalErrors: 0,
    connectionsOpened: 0,
    longestRotationWindowMs: 0,
  };

  /** @internal Use {@link createPool}. */
  constructor(options: CreatePoolOptions) {
    super();
    const { resolved, mysqlOptions } = resolvePoolOptions(options);
    this.#options = resolved;
    this.secretId = resolved.secretId;
    this.#explicit = {
      host: mysqlOptions.host,
      port: mysqlOptions.port,
      user: mysqlOptions.user,
      // mysql2 takes `password1` (the first factor of multi-factor auth) as the password.
      password: mysqlOptions.password || mysqlOptions.password1 || undefined,
      database: mysqlOptions.database,
      socketPath: mysqlOptions.socketPath,
      ssl: mysqlOptions.ssl,
    };
    Object.defineProperty(this.#explicit, 'password', { enumerable: false });
    if (options.cache !== undefined) {
      if (!(options.cache instanceof SecretCache)) {
        throw new ConfigurationError('cache', 'expected a SecretCache from @rotakit/secret-pool');
      }
      this.#cache = options.cache;
      this.#ownsCache = false;
    } else {
      const source =
        options.client !== undefined
          ? { client: options.client }
          : { clientConfig: options.clientConfig ?? {} };
      this.#cache = new SecretCache({ ...options.cacheOptions, ...source });
      this.#ownsCache = true;
    }
    this.#guard = resolved.loginGuard ? new LoginGuard(resolved.loginGuard.maxFailures) : undefined;

    const core = mysql.createPool(mysqlOptions) as unknown as InternalPool;
    checkInternals(core);
    this.#core = core;
    this.pool = core as unknown as CorePool;
    this.#baseConfig = core.config.connectionConfig;
    hideFromPrinting(this.#baseConfig, () => this.#printable());
    hideFromPrinting(core, () => this.#printable());
    this.#all = core._allConnections;
    this.#free = core._freeConnections;
    this.#origGet = core.getConnection;
    this.#origRelease = core.releaseConnection;
    this.#installHooks();

    const promise = core.promise();
    this.#promise = promise;
    this.query = promise.query.bind(promise) as PromisePool['query'];
    this.execute = promise.execute.bind(promise) as PromisePool['execute'];
    this.getConnection = promise.getConnection.bind(promise);
    this.releaseConnection = promise.releaseConnection.bind(promise);
    this.escape = promise.escape.bind(promise);
    this.escapeId = promise.escapeId.bind(promise) as PromisePool['escapeId'];
    this.format = promise.format.bind(promise);

    core.on('connection', (connection) => this.#onNewConnection(connection as InternalConnection));
    // Forward mysql2's events only while someone listens: emitting costs on the hot path.
    const self = this as EventEmitter;
    self.on('newListener', (event: string | symbol) => this.#forward(String(event), true));
    self.on('removeListener', (event: string | symbol) => this.#forward(String(event), false));
    if (resolved.metrics) attachPoolMetrics(this, resolved.metrics);

    this.#checkTimer = setInterval(
      () => this.#checkCredentials(),
      resolved.credentialCheckIntervalMs,
    );
    // Unref'd: a periodic look at the cache that nobody awaits (docs/secret-pool.md, timers).
    this.#checkTimer.unref();
    // Warm the cache so the first query does not pay for the fetch; its errors reach the first request.
    this.#ensureCredentials().catch(() => undefined);
  }

  /** Counters and state; never contains a secret. */
  stats(): SecretPoolStats {
    const gen = this.#gen;
    return {
      secretId: this.secretId,
      credentials: {
        versionId: gen?.value.versionId,
        source: gen?.source,
        username: gen?.credentials.user,
        verified: gen?.verified ?? false,
      },
      ...this.#stats,
      consecutiveFailedLogins: gen === undefined ? 0 : (this.#guard?.failures(gen.account) ?? 0),
      connections: {
        total: this.#all.length,
        idle: this.#free.length,
        queued: this.#core._connectionQueue.length,
        waiting: this.#waiters.length,
        connecting: this.#connecting,
      },
      cache: this.#cache.stats(),
    };
  }

  /** The SecretCache this pool reads (shared when one was passed as `cache`). */
  get cache(): SecretCache {
    return this.#cache;
  }

  /** Closes every connection; closes the cache too when the pool created it. */
  end(): Promise<void> {
    this.#ending ??= (async () => {
      clearInterval(this.#checkTimer);
      if (this.#retireTimer) clearInterval(this.#retireTimer);
      const ended = this.#promise.end();
      // The core pool is closed now: waiting requests get mysql2's "Pool is closed." error.
      this.#drain();
      this.#cancelRetryWaits();
      try {
        await ended;
      } finally {
        if (this.#ownsCache) await this.#cache.close();
      }
    })();
    return this.#ending;
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
    const gen = this.#gen;
    return {
      secretId: this.secretId,
      versionId: gen?.value.versionId,
      source: gen?.source,
      user: gen?.credentials.user,
      password: REDACTED,
      connections: this.#all.length,
    };
  }

  #forward(event: string, add: boolean): void {
    if (!FORWARDED_EVENTS.has(event)) return;
    if (add && !this.#forwarders.has(event)) {
      const forwarder = (...args: unknown[]) =>
        (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
      this.#forwarders.set(event, forwarder);
      this.#core.on(event, forwarder);
    } else if (!add && this.listenerCount(event as keyof SecretPoolEvents) === 0) {
      const forwarder = this.#forwarders.get(event);
      if (forwarder) this.#core.off(event, forwarder);
      this.#forwarders.delete(event);
    }
  }

  #installHooks(): void {
    const core = this.#core;
    const free = this.#free;
    const all = this.#all;
    const config = core.config;
    const origGet = this.#origGet;
    const origRelease = this.#origRelease;
    // Hot path: a free connection, or the pool at its limit (mysql2 queues the request), needs
    // no credentials; only a request that will open a connection takes the slow path.
    core.getConnection = (callback: ConnectCallback) => {
      if (
        free.length > 0 ||
        (config.connectionLimit !== 0 && all.length >= config.connectionLimit) ||
        core._closed
      ) {
        origGet.call(core, callback);
        return;
      }
      const tagged = (callback as ConnectCallback & { [REQUEST]?: ConnectRequest })[REQUEST];
      this.#connect(tagged ?? new ConnectRequest(callback, (r, e, c) => this.#onResult(r, e, c)));
    };
    core.releaseConnection = (connection: InternalConnection) => {
      if (
        this.#retireTimer !== undefined &&
        connection._pool &&
        this.#shouldRetire(connection, Date.now())
      ) {
        this.#retire(connection);
        return;
      }
      origRelease.call(core, connection);
      if (this.#waiters.length > 0 && free.length > 0) this.#drain();
    };
  }

  #ensureCredentials(): Promise<void> {
    if (this.#gen !== undefined) return Promise.resolve();
    if (this.#initial === undefined) {
      const initial = this.#cache.get(this.secretId).then((value) => {
        if (this.#gen !== undefined) return;
        this.#apply(value, 'AWSCURRENT', 'initial');
        this.#currentVersionId = value.versionId;
      });
      this.#initial = initial;
      initial.then(
        () => {
          this.#initial = undefined;
          this.#drain();
        },
        (error: unknown) => {
          this.#initial = undefined;
          const waiters = this.#waiters;
          this.#waiters = [];
          for (const request of waiters) request.callback(asError(error));
        },
      );
    }
    return this.#initial;
  }

  /** Slow path: this request would open a new connection. */
  #connect(request: ConnectRequest): void {
    const gen = this.#gen;
    if (gen === undefined) {
      this.#waiters.push(request);
      this.#ensureCredentials().catch(() => undefined);
      return;
    }
    if (this.#mustWait(gen)) {
      this.#waiters.push(request);
      return;
    }
    this.#checkCredentials();
    // A newer AWSCURRENT may just have been applied: it is unverified, so gate it too.
    if (this.#gen !== gen && this.#mustWait(this.#gen as Generation)) {
      this.#waiters.push(request);
      return;
    }
    const login = this.#gen as Generation;
    if (this.#guard !== undefined && !this.#guardAllows(request, login, this.#guard)) return;
    request.gen = login;
    request.startedAt = Date.now();
    const before = this.#all.length;
    this.#origGet.call(this.#core, request.done);
    if (this.#all.length > before) {
      request.connecting = true;
      this.#connecting++;
      this.#guard?.started(login.account);
    }
  }

  /** Asks the login guard; when it says no, sends the request where it belongs and returns false. */
  #guardAllows(request: ConnectRequest, gen: Generation, guard: LoginGuard): boolean {
    switch (guard.verdict(gen.account, gen.credentials.password)) {
      case 'allowed':
        return true;
      case 'wait':
        this.#waiters.push(request);
        return false;
      case 'password-refused':
        this.#skipRefusedLogin(request, gen);
        return false;
      case 'limit':
        request.callback(this.#guardError(gen, 'limit'));
        return false;
    }
  }

  #mustWait(gen: Generation): boolean {
    return (
      this.#recovery !== undefined ||
      this.#connecting >= this.#options.maxConnecting ||
      // Unverified credentials are tried by one login at a time, so stale ones cost one
      // failed login, not one per waiting request.
      (!gen.verified && this.#connecting > 0)
    );
  }

  #guardError(gen: Generation, reason: LoginGuardReason): LoginGuardError {
    const guard = this.#guard as LoginGuard;
    this.#stats.loginGuardRejections++;
    const event: LoginGuardEvent = {
      secretId: this.secretId,
      reason,
      failures: guard.failures(gen.account),
      maxFailures: guard.maxFailures,
      versionId: gen.value.versionId,
    };
    this.emit('loginGuard', event);
    if (loginGuardChannel.hasSubscribers) loginGuardChannel.publish(event);
    const budget = `${event.failures} failed logins in a row for the account, loginGuard.maxFailures ${guard.maxFailures}`;
    const message =
      reason === 'limit'
        ? `Not trying another login for secret ${this.secretId}: ${budget}; the server counts failures until a ` +
          'successful login, and another could lock the account. Fix the account or the secret, then recreate the pool.'
        : `Not logging in with version ${gen.value.versionId} of secret ${this.secretId}: the database already refused ` +
          `its password (${budget}) and Secrets Manager has nothing newer. A new secret version is tried as soon as the pool sees it.`;
    return new LoginGuardError(message, event);
  }

  /**
   * Lets waiting requests try again (credentials arrived, a login finished, a refresh ended),
   * in order, stopping at the first one the gate sends back.
   */
  #drain(): void {
    while (this.#waiters.length > 0) {
      const request = this.#waiters.shift() as ConnectRequest;
      const waiting = this.#waiters.length;
      this.#core.getConnection(request.done);
      if (this.#waiters.length > waiting && this.#waiters.at(-1) === request) {
        this.#waiters.pop();
        this.#waiters.unshift(request);
        return;
      }
    }
  }

  #onResult(request: ConnectRequest, error: Error | null, connection?: InternalConnection): void {
    const kind = error === null ? undefined : classifyConnectError(error);
    if (request.connecting) {
      request.connecting = false;
      this.#connecting--;
      this.#loginEnded(request.gen as Generation, kind);
    }
    if (error === null) {
      request.callback(null, connection);
    } else if (error instanceof SecretPoolError || request.gen === undefined) {
      request.callback(error);
    } else {
      switch (kind) {
        case 'auth':
          this.#onAuthFailure(request, error);
          break;
        case 'terminal': {
          this.#stats.terminalErrors++;
          const typed = terminalError(error, this.secretId);
          if (this.listenerCount('terminalError') > 0) this.emit('terminalError', typed);
          request.callback(typed);
          break;
        }
        case 'busy':
          this.#onServerBusy(request, error);
          break;
        default:
          request.callback(error);
      }
    }
    this.#drain();
  }

  /** Tells the login guard how a login it let start ended (`kind` undefined: it succeeded). */
  #loginEnded(gen: Generation, kind: ReturnType<typeof classifyConnectError> | undefined): void {
    if (this.#guard === undefined) return;
    // Only access denied is a failed login for the server's count; a network error or a busy
    // or locked server never judged the password.
    const outcome: LoginOutcome =
      kind === undefined ? 'success' : kind === 'auth' ? 'refused' : 'no-verdict';
    this.#guard.ended(gen.account, gen.credentials.password, outcome);
  }

  #onAuthFailure(request: ConnectRequest, error: Error): void {
    const gen = request.gen as Generation;
    this.#stats.authFailures++;
    request.authFailures++;
    request.lastDenial = error;
    gen.verified = false;
    const context = driverContext(error);
    const event: AuthFailureEvent = {
      secretId: this.secretId,
      ...context,
      versionId: gen.value.versionId,
      source: gen.source,
      attempt: request.authFailures,
    };
    this.emit('authFailure', event);
    if (authFailureChannel.hasSubscribers) authFailureChannel.publish(event);
    this.#retryWithNewerCredentials(request, gen);
  }

  /** The server refused `gen`'s password before: re-read the secret instead of a login that must fail. */
  #skipRefusedLogin(request: ConnectRequest, gen: Generation): void {
    this.#stats.loginsSkipped++;
    request.skippedLogins++;
    // Each retry asks for a value fetched after it started: the secret may have been corrected.
    request.startedAt = Date.now();
    this.#retryWithNewerCredentials(request, gen);
  }

  /**
   * After `gen`'s credentials were refused: one shared refresh, then the login again (with
   * new credentials at once, else after a jittered, doubling delay), up to `auth.maxRetries`.
   * A skipped login always gets its refresh: it is how a corrected secret is found.
   */
  #retryWithNewerCredentials(request: ConnectRequest, gen: Generation): void {
    const retries = request.authFailures + request.skippedLogins;
    const exhausted = retries > this.#options.auth.maxRetries;
    if (exhausted && request.skippedLogins === 0) {
      request.callback(this.#refusedError(request, gen));
      return;
    }
    this.#stats.connectRetries++;
    this.#recover(gen, request.startedAt).then(
      () => {
        if (this.#gen !== gen) {
          this.#core.getConnection(request.done);
        } else if (exhausted) {
          request.callback(this.#refusedError(request, gen));
        } else {
          // Nothing newer in Secrets Manager: wait a little (the rotation may be mid-step).
          const { retryDelayMs, maxRetryDelayMs } = this.#options.auth;
          const delay = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** (retries - 1));
          this.#retryLater(request, jitter(delay));
        }
      },
      (failure: unknown) => request.callback(asError(failure)),
    );
  }

  /** The error for a request whose retries ran out with its credentials still refused. */
  #refusedError(request: ConnectRequest, gen: Generation): SecretPoolError {
    const denial = request.lastDenial;
    // It never logged in itself: its logins were held back because they could not succeed.
    if (denial === undefined) return this.#guardError(gen, 'password-refused');
    const context = driverContext(denial);
    const { maxRetries, probePending } = this.#options.auth;
    return new AuthenticationError(
      `Access denied for the credentials of secret ${this.secretId} (version ${gen.value.versionId}, ${gen.source}) ` +
        `after refreshing AWSCURRENT${probePending ? ' and probing AWSPENDING' : ''} ` +
        `and ${maxRetries} retries (errno ${context.errno})`,
      { ...context, secretId: this.secretId, attempts: request.authFailures, cause: denial },
    );
  }

  #onServerBusy(request: ConnectRequest, error: Error): void {
    const { retries, delayMs } = this.#options.serverBusy;
    if (request.busyRetries >= retries) {
      const context = driverContext(error);
      request.callback(
        new ServerBusyError(
          `The database refused new connections (errno ${context.errno}${context.code ? ` ${context.code}` : ''}) ` +
            `${request.busyRetries + 1} times for secret ${this.secretId}`,
          { secretId: this.secretId, ...context, attempts: request.busyRetries + 1, cause: error },
        ),
      );
      return;
    }
    request.busyRetries++;
    this.#stats.connectRetries++;
    const delay = delayMs * 2 ** (request.busyRetries - 1);
    this.#retryLater(request, jitter(delay));
  }

  /**
   * Tries the request's login again after `delayMs`. The timer is ref'd: the caller awaits
   * it, and an unref'd one let a script exit with its query unsettled. `end()` cuts the wait.
   */
  #retryLater(request: ConnectRequest, delayMs: number): void {
    if (this.#ending !== undefined) {
      this.#core.getConnection(request.done);
      return;
    }
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      this.#core.getConnection(request.done);
    }, delayMs);
    this.#retryTimers.set(timer, request);
  }

  /** Ends the retry waits at once: the requests go to mysql2, closed by now, which refuses them. */
  #cancelRetryWaits(): void {
    for (const [timer, request] of this.#retryTimers) {
      clearTimeout(timer);
      this.#core.getConnection(request.done);
    }
    this.#retryTimers.clear();
  }

  /**
   * One shared refresh after an access denied: AWSCURRENT (forced, shared with every caller
   * that failed since `attemptStartedAt`), then AWSPENDING if AWSCURRENT has not moved.
   */
  #recover(failed: Generation, attemptStartedAt: number): Promise<void> {
    if (this.#gen !== failed) return Promise.resolve();
    if (this.#recovery !== undefined) return this.#recovery;
    const failedAt = Date.now();
    const recovery = (async () => {
      const current = await this.#cache.get(this.secretId, {
        forceRefresh: true,
        fetchedAfter: attemptStartedAt,
      });
      this.#observeCurrent(current, 'auth-failure');
      if (this.#gen !== failed) return;
      if (!this.#options.auth.probePending) return;
      this.#stats.pendingProbes++;
      let pending: SecretValue | undefined;
      try {
        pending = await this.#cache.get(this.secretId, {
          stage: 'AWSPENDING',
          forceRefresh: true,
          fetchedAfter: attemptStartedAt,
        });
      } catch {
        // No AWSPENDING (no rotation under way) or Secrets Manager unreachable: nothing to try.
        return;
      }
      if (
        pending.versionId !== failed.value.versionId &&
        pending.versionId !== current.versionId &&
        this.#gen === failed
      ) {
        this.#tryApply(pending, 'AWSPENDING', 'auth-failure', failedAt);
      }
    })();
    this.#recovery = recovery;
    recovery
      .finally(() => {
        this.#recovery = undefined;
        this.#drain();
      })
      .catch(() => undefined);
    return recovery;
  }

  /** Picks up a new AWSCURRENT from the cache (which refreshes itself in the background). */
  #checkCredentials(): void {
    if (this.#gen === undefined || this.#cache.closed) return;
    const value = this.#cache.getCached(this.secretId);
    if (value !== undefined) {
      this.#observeCurrent(value, 'refresh');
      return;
    }
    // Evicted or invalidated: fetch it again in the background.
    this.#cache.get(this.secretId).then(
      (fresh) => this.#observeCurrent(fresh, 'refresh'),
      () => undefined,
    );
  }

  #observeCurrent(value: SecretValue, reason: RefreshReason): void {
    if (value.versionId === this.#currentVersionId) return;
    this.#currentVersionId = value.versionId;
    const gen = this.#gen;
    if (gen?.source === 'AWSPENDING' && gen.windowStart !== undefined) {
      this.#stats.longestRotationWindowMs = Math.max(
        this.#stats.longestRotationWindowMs,
        Date.now() - gen.windowStart,
      );
    }
    if (gen !== undefined && gen.value.versionId === value.versionId) {
      // AWSCURRENT caught up with the AWSPENDING version already in use: same credentials.
      gen.source = 'AWSCURRENT';
      return;
    }
    this.#tryApply(value, 'AWSCURRENT', reason);
  }

  #tryApply(
    value: SecretValue,
    source: CredentialSource,
    reason: RefreshReason,
    windowStart?: number,
  ): void {
    try {
      this.#apply(value, source, reason, windowStart);
    } catch (error) {
      if (!(error instanceof SecretPoolError)) throw error;
      this.emit('credentialsRejected', {
        secretId: this.secretId,
        versionId: value.versionId,
        error,
      });
    }
  }

  #apply(
    value: SecretValue,
    source: CredentialSource,
    reason: RefreshReason,
    windowStart?: number,
  ): void {
    const credentials = credentialsFromSecret(value, this.#explicit);
    const previous = this.#gen;
    const gen: Generation = {
      value,
      source,
      credentials,
      account: this.#accountOf(credentials),
      verified: false,
      everVerified: false,
      windowStart,
    };
    this.#core.config.connectionConfig = this.#configFor(gen);
    this.#gen = gen;
    this.#stats.credentialRefreshes++;
    const identityChanged =
      previous !== undefined && previous.credentials.identity !== credentials.identity;
    if (identityChanged) this.#startRetiring();
    const event: CredentialsRefreshedEvent = {
      secretId: this.secretId,
      versionId: value.versionId,
      previousVersionId: previous?.value.versionId,
      source,
      reason,
      identityChanged,
    };
    this.emit('credentialsRefreshed', event);
    if (credentialsRefreshedChannel.hasSubscribers) credentialsRefreshedChannel.publish(event);
  }

  /** The server's account key: user@host:port (the database name plays no part in a login's count). */
  #accountOf(credentials: ConnectionCredentials): string {
    const base = this.#baseConfig;
    const where = this.#explicit.socketPath ?? credentials.host ?? base.host;
    return `${credentials.user}@${String(where)}:${String(credentials.port ?? base.port ?? 3306)}`;
  }

  /**
   * A new mysql2 connection config per applied version instead of mutating the pool's: every
   * connection keeps the config it logged in with (on every mysql2 3.x, whether or not the pool
   * copies it per connection), which tells its version for retirement.
   */
  #configFor(gen: Generation): Record<PropertyKey, unknown> {
    const base = this.#baseConfig;
    const config = Object.create(
      Object.getPrototypeOf(base),
      Object.getOwnPropertyDescriptors(base),
    ) as Record<PropertyKey, unknown>;
    const { credentials } = gen;
    config.user = credentials.user;
    config.password = credentials.password;
    config.passwordSha1 = undefined;
    config.host = credentials.host ?? base.host;
    config.port = credentials.port ?? base.port;
    config.database = credentials.database ?? base.database;
    if (credentials.tls) config.ssl = this.#secretSsl ??= secretSslOptions();
    Object.defineProperty(config, GENERATION, { value: gen, enumerable: false });
    return hideFromPrinting(config, () => ({
      user: credentials.user,
      password: REDACTED,
      host: config.host,
      port: config.port,
      database: config.database,
      tls: Boolean(config.ssl),
      secretVersionId: gen.value.versionId,
    }));
  }

  #onNewConnection(connection: InternalConnection): void {
    this.#stats.connectionsOpened++;
    const gen = connection.config?.[GENERATION] as Generation | undefined;
    if (gen === undefined || gen.verified) return;
    gen.verified = true;
    if (!gen.everVerified) {
      gen.everVerified = true;
      if (gen.source === 'AWSPENDING') this.#stats.pendingProbeSuccesses++;
    }
  }

  #startRetiring(): void {
    const retire = this.#options.retire;
    if (retire === undefined) return;
    this.#retireFrom = Date.now();
    if (this.#retireTimer === undefined) {
      this.#retireTimer = setInterval(
        () => this.#sweepRetiring(),
        Math.max(50, Math.min(1000, retire.overMs / 10)),
      );
      // Unref'd: a sweep that nobody awaits (docs/secret-pool.md, timers).
      this.#retireTimer.unref();
    }
  }

  #isOld(connection: InternalConnection): boolean {
    const gen = connection.config?.[GENERATION] as Generation | undefined;
    return (
      gen !== undefined &&
      this.#gen !== undefined &&
      gen.credentials.identity !== this.#gen.credentials.identity
    );
  }

  #shouldRetire(connection: InternalConnection, now: number): boolean {
    if (!this.#isOld(connection)) return false;
    let deadline = this.#retireDeadlines.get(connection);
    if (deadline === undefined) {
      deadline = this.#retireFrom + Math.random() * (this.#options.retire?.overMs ?? 0);
      this.#retireDeadlines.set(connection, deadline);
    }
    return now >= deadline;
  }

  #retire(connection: InternalConnection): void {
    this.#stats.retiredConnections++;
    const gen = connection.config?.[GENERATION] as Generation | undefined;
    const event: ConnectionRetiredEvent = {
      secretId: this.secretId,
      versionId: gen?.value.versionId ?? '',
    };
    connection.destroy();
    this.emit('connectionRetired', event);
    if (connectionRetiredChannel.hasSubscribers) connectionRetiredChannel.publish(event);
  }

  #sweepRetiring(): void {
    const now = Date.now();
    const idle: InternalConnection[] = [];
    let old = 0;
    for (let i = 0; i < this.#all.length; i++) {
      if (this.#isOld(this.#all.get(i))) old++;
    }
    for (let i = 0; i < this.#free.length; i++) {
      const connection = this.#free.get(i);
      if (this.#shouldRetire(connection, now)) idle.push(connection);
    }
    for (const connection of idle) this.#retire(connection);
    if (old - idle.length <= 0) {
      clearInterval(this.#retireTimer);
      this.#retireTimer = undefined;
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new SecretPoolError(String(error));
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
