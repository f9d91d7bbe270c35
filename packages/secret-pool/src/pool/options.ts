import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { isRdsManagedSecretName } from '@rotakit/core';
import { MYSQL_DEFAULT_PORT } from '@rotakit/engine-mysql';
import type { PoolOptions } from 'mysql2';
import type { SecretCacheOptions, SecretsManagerLike } from '../cache/options.js';
import { checkNumber } from '../cache/options.js';
import type { SecretCache } from '../cache/secret-cache.js';
import { InvalidOptionError } from '../errors.js';
import { type MetricSink, type MetricsOption, toMetricSink } from '../metrics.js';
import type { ManagedRotationBudget } from './managed-rotation.js';
import type { RdsClientLike } from './rds-endpoint.js';

/** Cache tuning when `createPool` builds its own `SecretCache`. */
export type PoolCacheOptions = Omit<SecretCacheOptions, 'client' | 'clientConfig'>;

/** How access denied on a new connection is handled. */
export interface AuthRetryOptions {
  /**
   * Retries per request after an access denied: each re-reads the secret (a shared refresh:
   * AWSCURRENT, then AWSPENDING) and logs in again only with a password the server has not
   * refused (with the login guard on). @default 3
   */
  maxRetries?: number;
  /** First delay before retrying when the refresh found no new credentials (jittered, doubling). @default 200 */
  retryDelayMs?: number;
  /** @default 2000 */
  maxRetryDelayMs?: number;
  /** Try AWSPENDING when AWSCURRENT did not change (the rotation window). @default true */
  probePending?: boolean;
}

/** The failed-login guard (see `LoginGuardError`). */
export interface LoginGuardOptions {
  /**
   * Failed logins in a row per account (counted for the pool's life, reset only by a
   * successful login, as the server counts them) after which the pool tries no login at all.
   * Set it below the server's own limit (MySQL `FAILED_LOGIN_ATTEMPTS`, MariaDB
   * `max_password_errors`). @default 5
   */
  maxFailures?: number;
}

/** Gradual retirement of connections opened with a previous username/host/port/database. */
export interface RetireOptions {
  /**
   * Each old connection gets a random deadline within this span after the change; it is
   * closed when released (or when idle) after it.
   * @default 30000
   */
  overMs?: number;
}

/** Retries when the server refuses connections for load reasons (1040, 1203, 1129). */
export interface ServerBusyOptions {
  /** @default 3 */
  retries?: number;
  /** First delay (jittered, doubling). @default 200 */
  delayMs?: number;
}

/**
 * How long a refused RDS-managed secret is re-read before giving up (docs/secret-pool.md,
 * "RDS-managed secrets"): RDS changes the password before it moves AWSCURRENT.
 */
export interface ManagedRotationOptions {
  /**
   * Budget from the first refusal of a version: requests wait (no login resends the refused
   * password) while the secret is re-read, then fail with `ManagedRotationPendingError`. RDS
   * says a managed rotation "typically completes within one minute". @default 60000
   */
  waitMs?: number;
  /** First delay between re-reads (jittered: 50-100 % of it, doubling). @default 1000 */
  recheckDelayMs?: number;
  /**
   * Cap on one delay. With the defaults a full budget costs 9 to 15 re-reads (jitter), each
   * one GetSecretValue of AWSCURRENT (plus AWSPENDING with `auth.probePending`); they are one
   * at a time per pool and not counted against the cache's `forcedRefresh` cap.
   * @default 10000
   */
  maxRecheckDelayMs?: number;
}

/** Where an RDS-managed secret's endpoint comes from when no `host` is passed. */
export interface RdsEndpointOptions {
  /**
   * An `RDSClient` from `@aws-sdk/client-rds` (an optional peer dependency, loaded only then):
   * the pool reads the secret's owning DB cluster or instance from its tags (DescribeSecret,
   * through the pool's `client` or `clientConfig`), then its endpoint (DescribeDBClusters /
   * DescribeDBInstances), and looks again when new connections meet a DNS or connect error.
   */
  client: RdsClientLike;
}

/** The pool options every driver's pool shares (the rest are the driver's own). */
export interface SecretPoolOwnOptions {
  /** The secret (name or ARN) holding `username`, `password` and optionally `host`, `port`, `dbname`. */
  secretId: string;
  auth?: AuthRetryOptions;
  /** `false` turns the guard off. @default { maxFailures: 5 } */
  loginGuard?: LoginGuardOptions | false;
  /**
   * New connections being opened at once (logins in flight). Bounds how many logins can fail
   * together when the password changes under them. @default 2
   */
  maxConnecting?: number;
  /** `false` keeps old connections until they close on their own. @default { overMs: 30000 } */
  retireConnections?: RetireOptions | boolean;
  serverBusy?: ServerBusyOptions;
  /**
   * How often the pool looks at the cached secret (a stale value then refreshes in the
   * background), so a new AWSCURRENT is picked up even when no connection is opened.
   * @default 30000
   */
  credentialCheckIntervalMs?: number;
  /**
   * Counts of refreshes, auth failures, login-guard rejections and pending-probe successes
   * (docs/secret-pool.md, Metrics): a Powertools `Metrics` instance (written as EMF through it)
   * or a callback `(name, unit, value, dimensions)`.
   * @default none
   */
  metrics?: MetricsOption;
  /**
   * Bridges the managed rotation of an RDS-managed secret (docs/secret-pool.md, "RDS-managed
   * secrets"); `false` turns it off, `true` or an object turns it on for any secret.
   * @default on when `secretId` names an `rds!` secret, off otherwise
   */
  managedRotation?: ManagedRotationOptions | boolean;
  /** The endpoint from the RDS API (RDS-managed secrets hold no host). @default none */
  rds?: RdsEndpointOptions;
}

/** Where the pool gets its secret: a shared `SecretCache`, or a client / client config for its own. */
export type SecretSourceOptions =
  | { cache: SecretCache; client?: never; clientConfig?: never; cacheOptions?: never }
  | {
      client: SecretsManagerLike;
      clientConfig?: never;
      cache?: never;
      cacheOptions?: PoolCacheOptions;
    }
  | {
      clientConfig: SecretsManagerClientConfig;
      client?: never;
      cache?: never;
      cacheOptions?: PoolCacheOptions;
    };

/**
 * Options of {@link createPool}: mysql2 pool options (host, port, user, password or its alias
 * password1, and database override the secret's fields; `uri` is not accepted) plus the
 * secret's id and source.
 */
export type CreatePoolOptions = Omit<PoolOptions, 'uri'> &
  SecretPoolOwnOptions &
  SecretSourceOptions;

export interface ResolvedPoolOptions {
  readonly secretId: string;
  readonly auth: Readonly<Required<AuthRetryOptions>>;
  readonly loginGuard: Readonly<Required<LoginGuardOptions>> | undefined;
  readonly maxConnecting: number;
  readonly retire: Readonly<Required<RetireOptions>> | undefined;
  readonly serverBusy: Readonly<Required<ServerBusyOptions>>;
  readonly credentialCheckIntervalMs: number;
  readonly metrics: MetricSink | undefined;
  readonly managedRotation: ManagedRotationBudget | undefined;
}

/** Where Mysql2CredentialTarget connects unless told: port 3306, no database selected. */
const MYSQL_ENDPOINT_DEFAULTS: EngineEndpointDefaults = {
  port: MYSQL_DEFAULT_PORT,
  database: undefined,
};

/** Our option keys, every driver's pool alike: removed before the rest goes to the driver. */
export const OWN_KEYS = [
  'secretId',
  'cache',
  'client',
  'clientConfig',
  'cacheOptions',
  'auth',
  'loginGuard',
  'maxConnecting',
  'retireConnections',
  'serverBusy',
  'credentialCheckIntervalMs',
  'metrics',
  'managedRotation',
  'rds',
] as const;

/** Splits our options from mysql2's, resolves defaults in one place, validates and freezes. */
export function resolvePoolOptions(options: CreatePoolOptions): {
  resolved: ResolvedPoolOptions;
  mysqlOptions: PoolOptions;
} {
  checkSecretOptions(options, 'uri');
  checkManagedSecretEndpoint(
    options,
    options.host !== undefined || options.socketPath !== undefined,
    MYSQL_ENDPOINT_DEFAULTS,
  );
  const resolved = resolveOwnOptions(options);
  const mysqlOptions: Record<string, unknown> = { ...options };
  for (const key of OWN_KEYS) delete mysqlOptions[key];
  return { resolved, mysqlOptions: mysqlOptions as PoolOptions };
}

/** Our own options, with their defaults, validated and frozen (after {@link checkSecretOptions}). */
export function resolveOwnOptions(
  options: SecretPoolOwnOptions & SecretSourceOptions,
): ResolvedPoolOptions {
  return Object.freeze({
    secretId: options.secretId,
    auth: resolveAuth(options.auth ?? {}),
    loginGuard: resolveLoginGuard(options.loginGuard),
    maxConnecting: checkNumber('maxConnecting', options.maxConnecting ?? 2, {
      min: 1,
      integer: true,
    }),
    retire: resolveRetire(options.retireConnections),
    serverBusy: resolveServerBusy(options.serverBusy ?? {}),
    credentialCheckIntervalMs: checkNumber(
      'credentialCheckIntervalMs',
      options.credentialCheckIntervalMs ?? 30_000,
      { min: 10 },
    ),
    metrics: toMetricSink(options.metrics),
    managedRotation: resolveManagedRotation(options.managedRotation, options.secretId),
  });
}

/**
 * The secret's id and exactly one place to read it from; `urlOption` (the driver's
 * connection URL option) is refused: the connection comes from the secret.
 */
export function checkSecretOptions(
  options: Partial<SecretPoolOwnOptions> & {
    cache?: unknown;
    client?: unknown;
    clientConfig?: unknown;
    cacheOptions?: unknown;
  },
  urlOption: string,
): void {
  if (options === null || typeof options !== 'object') {
    throw InvalidOptionError.of('options', 'expected an object with `secretId`');
  }
  if (typeof options.secretId !== 'string' || options.secretId.length === 0) {
    throw InvalidOptionError.of('secretId', 'expected a non-empty secret name or ARN');
  }
  if ((options as Record<string, unknown>)[urlOption] !== undefined) {
    throw InvalidOptionError.of(
      urlOption,
      'not supported: the connection comes from the secret; pass host/port/database to override it',
    );
  }
  const sources = (['cache', 'client', 'clientConfig'] as const).filter(
    (key) => options[key] !== undefined,
  );
  if (sources.length !== 1) {
    throw InvalidOptionError.of(
      sources[1] ?? 'client',
      sources.length === 0
        ? 'pass one of `cache` (a shared SecretCache), `client` (a SecretsManagerClient) or `clientConfig`'
        : `pass only one of \`cache\`, \`client\`, \`clientConfig\` (got ${sources.join(', ')})`,
    );
  }
  if (options.cache !== undefined && options.cacheOptions !== undefined) {
    throw InvalidOptionError.of(
      'cacheOptions',
      'cannot tune a shared `cache`; set its options where it is created',
    );
  }
}

function resolveAuth(auth: AuthRetryOptions): ResolvedPoolOptions['auth'] {
  const probePending = auth.probePending ?? true;
  if (typeof probePending !== 'boolean') {
    throw InvalidOptionError.of('auth.probePending', 'expected a boolean');
  }
  return Object.freeze({
    maxRetries: checkNumber('auth.maxRetries', auth.maxRetries ?? 3, { min: 0, integer: true }),
    retryDelayMs: checkNumber('auth.retryDelayMs', auth.retryDelayMs ?? 200, { min: 0 }),
    maxRetryDelayMs: checkNumber('auth.maxRetryDelayMs', auth.maxRetryDelayMs ?? 2000, { min: 0 }),
    probePending,
  });
}

function resolveLoginGuard(
  option: LoginGuardOptions | false | undefined,
): ResolvedPoolOptions['loginGuard'] {
  if (option === false) return undefined;
  const guard = option ?? {};
  if ('windowMs' in guard) {
    // Refused rather than ignored: a caller relying on a window would believe logins resume.
    throw InvalidOptionError.of(
      'loginGuard.windowMs',
      'no longer supported: failed logins count until a successful login, as the server counts them',
    );
  }
  const maxFailures = checkNumber('loginGuard.maxFailures', guard.maxFailures ?? 5, {
    min: 1,
    integer: true,
  });
  return Object.freeze({ maxFailures });
}

function resolveRetire(option: RetireOptions | boolean | undefined): ResolvedPoolOptions['retire'] {
  if (option === false) return undefined;
  const retire = option === true || option === undefined ? {} : option;
  const overMs = checkNumber('retireConnections.overMs', retire.overMs ?? 30_000, { min: 0 });
  return Object.freeze({ overMs });
}

function resolveServerBusy(busy: ServerBusyOptions): ResolvedPoolOptions['serverBusy'] {
  return Object.freeze({
    retries: checkNumber('serverBusy.retries', busy.retries ?? 3, { min: 0, integer: true }),
    delayMs: checkNumber('serverBusy.delayMs', busy.delayMs ?? 200, { min: 0 }),
  });
}

/** The defaults an engine's pool connects with when neither the secret nor the options say. */
export interface EngineEndpointDefaults {
  readonly port: number;
  /** `undefined`: no database is selected (MySQL). */
  readonly database: string | undefined;
}

/**
 * An RDS-managed secret holds only `username` and `password`: without an endpoint of the
 * caller's (`hostGiven`: mysql2's `host` or `socketPath`, pg's `host`) or `rds` every login
 * would fail, so say what to pass now rather than at the first query. With `rds`, its client
 * and a secret source DescribeSecret can use are checked. One check for both pools; the
 * engine's defaults only shape the message.
 */
export function checkManagedSecretEndpoint(
  options: Pick<SecretPoolOwnOptions, 'secretId' | 'rds'> & { cache?: unknown },
  hostGiven: boolean,
  defaults: EngineEndpointDefaults,
): void {
  if (options.rds !== undefined) {
    if (typeof options.rds?.client?.send !== 'function') {
      throw InvalidOptionError.of('rds.client', 'expected an RDSClient from @aws-sdk/client-rds');
    }
    if (options.cache !== undefined) {
      throw InvalidOptionError.of(
        'rds',
        "needs `client` or `clientConfig` (not a shared `cache`) to read the secret's tags with DescribeSecret",
      );
    }
    return;
  }
  if (!isRdsManagedSecretName(options.secretId) || hostGiven) return;
  throw InvalidOptionError.of(
    'host',
    `secret ${options.secretId} is an RDS-managed master user secret, which holds only ` +
      '`username` and `password`: pass `host` (the cluster or instance endpoint, with `port` ' +
      `and \`database\` unless the defaults ${defaults.port} and ${defaults.database ?? 'none'} are right), ` +
      'or `rds: { client: new RDSClient() }` to look the endpoint up from the RDS API',
  );
}

function resolveManagedRotation(
  option: ManagedRotationOptions | boolean | undefined,
  secretId: string,
): ResolvedPoolOptions['managedRotation'] {
  if (option === false) return undefined;
  if (option === undefined && !isRdsManagedSecretName(secretId)) return undefined;
  const managed = option === true || option === undefined ? {} : option;
  const recheckDelayMs = checkNumber(
    'managedRotation.recheckDelayMs',
    managed.recheckDelayMs ?? 1000,
    { min: 1 },
  );
  return Object.freeze({
    waitMs: checkNumber('managedRotation.waitMs', managed.waitMs ?? 60_000, { min: 0 }),
    recheckDelayMs,
    maxRecheckDelayMs: checkNumber(
      'managedRotation.maxRecheckDelayMs',
      managed.maxRecheckDelayMs ?? 10_000,
      { min: recheckDelayMs },
    ),
  });
}
