import { POSTGRES_DEFAULT_DATABASE, POSTGRES_DEFAULT_PORT } from '@rotakit/engine-postgres';
import type pg from 'pg';
import { InvalidOptionError } from '../errors.js';
import type { ExplicitConnectionFields } from '../pool/credentials.js';
import {
  checkManagedSecretEndpoint,
  checkSecretOptions,
  type EngineEndpointDefaults,
  OWN_KEYS,
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

/** Where PgCredentialTarget connects unless told: port 5432, database `postgres` (as RDS reads an absent `dbname`). */
const PG_ENDPOINT_DEFAULTS: EngineEndpointDefaults = {
  port: POSTGRES_DEFAULT_PORT,
  database: POSTGRES_DEFAULT_DATABASE,
};

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
  // pg has no `socketPath`: a socket directory is a `host` starting with `/`.
  checkManagedSecretEndpoint(options, options.host !== undefined, PG_ENDPOINT_DEFAULTS);
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
