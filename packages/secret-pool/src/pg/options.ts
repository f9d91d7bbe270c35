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

/** Our options for a pg pool (the mysql2 pool's, without `rds` and `metrics` for now). */
export type PgPoolOwnOptions = Omit<SecretPoolOwnOptions, 'rds' | 'metrics'>;

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
  'managedRotation',
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
  checkManagedSecretHost(options);
  const resolved = resolveOwnOptions(options);
  const pgOptions: Record<string, unknown> = { ...options };
  for (const key of [...OWN_KEYS, 'password']) delete pgOptions[key];
  return { resolved, pgOptions: pgOptions as pg.PoolConfig, explicit: explicitFields(options) };
}

function checkUnsupported(options: CreatePgPoolOptions): void {
  const given = options as Record<string, unknown>;
  if (given.Client !== undefined) {
    throw InvalidOptionError.of('Client', 'not supported: the pool brings its own pg Client class');
  }
  for (const key of ['rds', 'metrics']) {
    if (given[key] !== undefined) {
      throw InvalidOptionError.of(key, 'not supported by createPgPool yet (createPool has it)');
    }
  }
}

/** An RDS-managed secret holds only `username` and `password`: say so now, not at the first query. */
function checkManagedSecretHost(options: CreatePgPoolOptions): void {
  if (!isRdsManagedSecretName(options.secretId) || options.host !== undefined) return;
  throw InvalidOptionError.of(
    'host',
    `secret ${options.secretId} is an RDS-managed master user secret, which holds only ` +
      '`username` and `password`: pass `host` (the cluster or instance endpoint, with `port` ' +
      'and `database` unless the defaults 5432 and postgres are right)',
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
