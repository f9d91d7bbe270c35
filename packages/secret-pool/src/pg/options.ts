import { isRdsManagedSecretName } from '@rotakit/core';
import type pg from 'pg';
import { InvalidOptionError } from '../errors.js';
import type { ExplicitConnectionFields } from '../pool/credentials.js';
import {
  checkSecretOptions,
  type ResolvedPoolOptions,
  resolveOwnOptions,
  type SecretPoolOwnOptions,
  type SecretSourceOptions,
} from '../pool/options.js';

/** Our options for a pg pool: the same as the mysql2 pool's. */
export type PgPoolOwnOptions = SecretPoolOwnOptions;

/**
 * Options of {@link createPgPool}: pg `Pool` options (`host`, `port`, `user`, `password` as a
 * string, `database` and `ssl` override the secret's fields; `connectionString` and `Client`
 * are not accepted) plus the secret's id and source.
 */
export type CreatePgPoolOptions = Omit<
  pg.PoolConfig,
  'connectionString' | 'Client' | 'password'
> & {
  /** A fixed password instead of the secret's (rarely useful: it does not rotate). */
  password?: string;
} & PgPoolOwnOptions &
  SecretSourceOptions;

const OWN_KEYS = [
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

export interface ResolvedPgOptions {
  readonly resolved: ResolvedPoolOptions;
  /** What goes to pg's Pool (and from it to every client): ours and the explicit password removed. */
  readonly pgOptions: pg.PoolConfig;
  readonly explicit: ExplicitConnectionFields;
}

/** Splits our options from pg's, resolves defaults in one place, validates and freezes. */
export function resolvePgOptions(options: CreatePgPoolOptions): ResolvedPgOptions {
  checkSecretOptions(options, 'connectionString');
  checkUnsupported(options);
  if (typeof options.password === 'function') {
    throw InvalidOptionError.of(
      'password',
      'expected a string: the pool supplies the password from the secret for each new connection',
    );
  }
  checkManagedSecretEndpoint(options);
  const resolved = resolveOwnOptions(options);
  const pgOptions: Record<string, unknown> = { ...options };
  for (const key of [...OWN_KEYS, 'password']) delete pgOptions[key];
  return { resolved, pgOptions: pgOptions as pg.PoolConfig, explicit: explicitFields(options) };
}

function checkUnsupported(options: CreatePgPoolOptions): void {
  // Typed away from the options, so only a caller without types can pass it.
  if ((options as { Client?: unknown }).Client !== undefined) {
    throw InvalidOptionError.of('Client', 'not supported: the pool brings its own pg Client class');
  }
}

/**
 * An RDS-managed secret holds only `username` and `password`: without `host` or `rds` every
 * login would fail, so say what to pass now rather than at the first query. The same check as
 * the mysql2 pool's (pg has no `socketPath`: a socket directory is a `host` starting with `/`).
 */
function checkManagedSecretEndpoint(options: CreatePgPoolOptions): void {
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
  if (!isRdsManagedSecretName(options.secretId) || options.host !== undefined) return;
  throw InvalidOptionError.of(
    'host',
    `secret ${options.secretId} is an RDS-managed master user secret, which holds only ` +
      '`username` and `password`: pass `host` (the cluster or instance endpoint, with `port` ' +
      'and `database` unless the defaults 5432 and postgres are right), or ' +
      '`rds: { client: new RDSClient() }` to look the endpoint up from the RDS API',
  );
}

/** The connection fields the caller set explicitly; they win over the secret's. */
function explicitFields(options: CreatePgPoolOptions): ExplicitConnectionFields {
  const explicit: ExplicitConnectionFields = {
    host: options.host,
    port: options.port,
    user: options.user,
    password: options.password || undefined,
    database: options.database,
    ssl: options.ssl,
  };
  Object.defineProperty(explicit, 'password', { enumerable: false });
  return explicit;
}
