import { inspect } from 'node:util';
import pg from 'pg';
import type { SecretCache } from '../cache/secret-cache.js';
import { attachPoolMetrics } from '../metrics.js';
import { asError } from '../pool/connect-request.js';
import { newPoolCounters, type PoolBasics, type PoolCounters } from '../pool/context.js';
import type { ExplicitConnectionFields } from '../pool/credentials.js';
import {
  type Announce,
  EVENT_CHANNELS,
  type OwnEventName,
  type SecretPoolEvents,
} from '../pool/events.js';
import { CredentialGenerations } from '../pool/generations.js';
import { LoginGuard } from '../pool/login-guard.js';
import type { ResolvedPoolOptions } from '../pool/options.js';
import { cacheFor } from '../pool/pool-cache.js';
import {
  type DescribeSecretVia,
  describeSecretVia,
  RdsEndpointLookup,
} from '../pool/rds-endpoint.js';
import { REDACTED } from '../redact.js';
import type { SecretPoolStats } from '../stats.js';
import {
  type LoginFailure,
  type PgClientParts,
  PgCredentialTarget,
  secretClientClass,
} from './client.js';
import { PgLoginGate } from './login-gate.js';
import { type CreatePgPoolOptions, resolvePgOptions } from './options.js';
import { PgConnectRequest, PgLoginOutcomes } from './outcomes.js';
import { PgRetirement } from './retirement.js';

/** The pool's own events (pg's Pool events are `connect`, `acquire`, `release`, `remove`, `error`). */
export type SecretPgPoolEvents = Pick<SecretPoolEvents, OwnEventName>;

type PoolConnectCallback = (
  error: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: Error | boolean) => void,
) => void;

const noop = () => undefined;

interface PgPoolParts extends PgClientParts {
  readonly retirement: PgRetirement;
  readonly outcomes: PgLoginOutcomes;
}

/** pg's Pool events, typed as @types/pg types them. */
type PgPoolEventName = 'error' | 'release' | 'connect' | 'acquire' | 'remove';
type PgPoolListener<K extends PgPoolEventName> = K extends 'error' | 'release'
  ? (err: Error, client: pg.PoolClient) => void
  : (client: pg.PoolClient) => void;

/** The pool's own events typed next to pg's. */
export interface SecretPgPool {
  on<K extends PgPoolEventName>(event: K, listener: PgPoolListener<K>): this;
  on<K extends OwnEventName>(event: K, listener: (...args: SecretPgPoolEvents[K]) => void): this;
  once<K extends OwnEventName>(event: K, listener: (...args: SecretPgPoolEvents[K]) => void): this;
  off<K extends OwnEventName>(event: K, listener: (...args: SecretPgPoolEvents[K]) => void): this;
}

/**
 * A node-postgres `Pool` (a real `pg.Pool`: libraries that take one accept it) whose new
 * connections always use the freshest credentials from a Secrets Manager secret, and which
 * bridges rotations: on a refused password (28P01) it refreshes the secret once for every
 * waiting request, tries AWSPENDING during the rotation window, and retries only the login,
 * never a statement. Create it with {@link createPgPool}.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface only adds typed overloads of pg.Pool's `on`.
export class SecretPgPool extends pg.Pool {
  /** The secret the credentials come from. */
  readonly secretId: string;
  readonly #options: ResolvedPoolOptions;
  readonly #cache: SecretCache;
  readonly #ownsCache: boolean;
  readonly #counters: PoolCounters = newPoolCounters();
  readonly #parts: PgPoolParts;
  readonly #checkTimer: NodeJS.Timeout;
  readonly #ended = new AbortController();
  /** DescribeSecret for the `rds` lookup (its own Secrets Manager client with `clientConfig`). */
  #describeSecret: DescribeSecretVia | undefined;
  #ending: Promise<void> | undefined;

  /** @internal Use {@link createPgPool}. */
  constructor(options: CreatePgPoolOptions) {
    const { resolved, pgOptions, explicit } = resolvePgOptions(options);
    let parts: PgPoolParts | undefined;
    super({ ...pgOptions, Client: secretClientClass(() => parts as PgPoolParts) });
    this.#options = resolved;
    this.secretId = resolved.secretId;
    [this.#cache, this.#ownsCache] = cacheFor(options);
    const endpoint = this.#endpointLookup(options, explicit);
    parts = this.#buildParts(new PgCredentialTarget(), explicit, endpoint);
    this.#parts = parts;
    const { generations } = parts;
    if (resolved.metrics) attachPoolMetrics(this, resolved.metrics, 'connect');
    this.#checkTimer = setInterval(() => generations.check(), resolved.credentialCheckIntervalMs);
    // Unref'd: a periodic look at the cache that nobody awaits (docs/secret-pool.md, timers).
    this.#checkTimer.unref();
    // Warm the cache so the first query does not pay for the fetch; its errors reach the first request.
    generations.ensure().catch(() => undefined);
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: PoolConnectCallback): void;
  override connect(callback?: PoolConnectCallback): Promise<pg.PoolClient> | undefined {
    if (callback !== undefined) {
      this.#connectFor(callback, undefined);
      return undefined;
    }
    return new Promise((resolve, reject) =>
      this.#connectFor(
        (error, client) => (error ? reject(error) : resolve(client as pg.PoolClient)),
        undefined,
      ),
    );
  }

  /** Counters and state; never contains a secret. */
  stats(): SecretPoolStats {
    const { generations, gate } = this.#parts;
    const gen = generations.current;
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
      connections: {
        total: this.totalCount,
        idle: this.idleCount,
        queued: this.waitingCount,
        waiting: gate.waiting,
        connecting: gate.connecting,
      },
      cache: this.#cache.stats(),
    };
  }

  /** The SecretCache this pool reads (shared when one was passed as `cache`). */
  get cache(): SecretCache {
    return this.#cache;
  }

  /** Closes every client; closes the cache too when the pool created it. */
  override end(): Promise<void>;
  override end(callback: () => void): void;
  override end(callback?: () => void): Promise<void> | undefined {
    this.#ending ??= this.#close();
    if (callback === undefined) return this.#ending;
    this.#ending.then(callback, callback);
    return undefined;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }

  [inspect.custom](_depth: number, options: Parameters<typeof inspect>[1]): string {
    return `SecretPgPool ${inspect(this.#printable(), options)}`;
  }

  toJSON(): Record<string, unknown> {
    return this.#printable();
  }

  async #close(): Promise<void> {
    clearInterval(this.#checkTimer);
    this.#ended.abort();
    this.#parts.generations.close();
    this.#parts.gate.close();
    this.#describeSecret?.close();
    try {
      await super.end();
    } finally {
      if (this.#ownsCache) await this.#cache.close();
    }
  }

  /**
   * A client for the caller: pg's Pool hands out an idle one or opens one through the gate.
   * The hot path is pg's own callback (no promise of ours); a failure goes to the outcomes,
   * which say whether `request` tries again.
   */
  #connectFor(callback: PoolConnectCallback, request: PgConnectRequest | undefined): void {
    const { generations, retirement, outcomes } = this.#parts;
    if (generations.current === undefined) {
      generations.ensure().then(
        () => this.#connectFor(callback, request),
        (error: unknown) => callback(asError(error), undefined, noop),
      );
      return;
    }
    super.connect((error, client) => {
      if (!error && client !== undefined) {
        retirement.watchRelease(client);
        callback(undefined, client, client.release);
        return;
      }
      const retried = request ?? new PgConnectRequest();
      outcomes.afterFailure(retried, error).then(
        () => this.#connectFor(callback, retried),
        (final: unknown) => callback(asError(final), undefined, noop),
      );
    });
  }

  #printable(): Record<string, unknown> {
    const gen = this.#parts?.generations.current;
    return {
      secretId: this.secretId,
      versionId: gen?.value.versionId,
      source: gen?.source,
      user: gen?.credentials.user,
      password: REDACTED,
      connections: this.totalCount,
    };
  }

  /** Composes the parts around pg's Pool (docs/secret-pool.md, "PostgreSQL (pg)"). */
  #buildParts(
    target: PgCredentialTarget,
    explicit: ExplicitConnectionFields,
    endpoint: RdsEndpointLookup | undefined,
  ): PgPoolParts {
    const options = this.#options;
    const basics: PoolBasics = {
      secretId: this.secretId,
      counters: this.#counters,
      announce: this.#announce,
    };
    const loginErrors = new WeakMap<Error, LoginFailure>();
    const generations: CredentialGenerations<pg.Client> = new CredentialGenerations<pg.Client>({
      ...basics,
      target,
      cache: this.#cache,
      probePending: options.auth.probePending,
      managedRotation: options.managedRotation,
      explicit,
      endpoint,
      onIdentityChanged: () => retirement.start(),
      onSettled: () => gate.drain(),
      onFirstLoadFailed: (error) => gate.failWaiting(asError(error)),
    });
    const guard = options.loginGuard && new LoginGuard(options.loginGuard.maxFailures);
    const gate = new PgLoginGate({
      ...basics,
      maxConnecting: options.maxConnecting,
      guard,
      generations,
    });
    const retirement = new PgRetirement({
      ...basics,
      overMs: options.retire?.overMs,
      generations,
      target,
    });
    const outcomes = new PgLoginOutcomes({
      ...basics,
      auth: options.auth,
      serverBusy: options.serverBusy,
      generations,
      gate,
      loginErrors,
      signal: this.#ended.signal,
    });
    return { ...basics, generations, gate, target, loginErrors, retirement, outcomes };
  }

  /**
   * The RDS API lookup, when `rds` is given and no `host` replaces it: it writes host and port
   * into `explicit`, so they reach each client through PgCredentialTarget.fieldsOf.
   */
  #endpointLookup(
    options: CreatePgPoolOptions,
    explicit: ExplicitConnectionFields,
  ): RdsEndpointLookup | undefined {
    if (options.rds === undefined || explicit.host !== undefined) return undefined;
    this.#describeSecret = describeSecretVia(this.secretId, options);
    return new RdsEndpointLookup(this.secretId, options.rds.client, this.#describeSecret.describe);
  }

  readonly #announce: Announce = (event, payload) => {
    (this.emit as (event: OwnEventName, payload: unknown) => boolean)(event, payload);
    const channel = EVENT_CHANNELS[event];
    if (channel?.hasSubscribers) channel.publish(payload);
  };
}

/**
 * Creates a node-postgres pool whose credentials come from a Secrets Manager secret (RDS
 * format: `username`, `password`, `host`, `port`, `dbname`, `ssl`; explicit options override)
 * and survive rotation.
 *
 * @example
 * const pool = createPgPool({ secretId: 'prod/app/postgres', clientConfig: { region: 'eu-west-1' }, max: 10 });
 * const { rows } = await pool.query('SELECT 1 AS ok');
 */
export function createPgPool(options: CreatePgPoolOptions): SecretPgPool {
  return new SecretPgPool(options);
}
