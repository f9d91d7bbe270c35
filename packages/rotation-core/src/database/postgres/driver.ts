import { POSTGRES_DEFAULT_PORT, POSTGRES_ENGINES } from '@rotakit/engine-postgres';
import type { ClientConfig } from 'pg';
import type { DatabaseDriver } from '../driver.js';
import { connectPostgres } from './session.js';
import { isTransientPostgresError } from './transient.js';

/** pg client options the driver lets you set (everything but who/where/TLS/timeouts). */
export type PostgresClientExtras = Omit<
  ClientConfig,
  | 'host'
  | 'port'
  | 'user'
  | 'password'
  | 'database'
  | 'ssl'
  | 'stream'
  | 'connectionString'
  | 'connectionTimeoutMillis'
  | 'query_timeout'
>;

export interface PostgresDriverOptions {
  /**
   * Secret `engine` values accepted.
   * @default ['postgres', 'aurora-postgresql']
   */
  engines?: readonly string[];
  /** Extra pg client options (`application_name`, `keepAlive`, ...). */
  clientOptions?: PostgresClientExtras;
}

/**
 * The PostgreSQL driver, on pg (node-postgres, loaded at the first login). Passwords are sent
 * as SCRAM-SHA-256 verifiers (`ALTER ROLE ... PASSWORD 'SCRAM-SHA-256$...'`), never in clear.
 * Single user changes the user's own password, or the master does when the secret has a
 * `masterarn` (RDS's `rds.restrict_password_commands`); alternating users makes the other user
 * a copy of the current one as the master.
 *
 * @example
 * const handler = createRotationHandler({ strategy: 'single-user', database: postgres() });
 */
export function postgres(options: PostgresDriverOptions = {}): DatabaseDriver {
  const engines = Object.freeze([...(options.engines ?? POSTGRES_ENGINES)]);
  if (engines.length === 0) {
    throw new TypeError('postgres(): engines must list at least one engine');
  }
  const extras = Object.freeze({ ...(options.clientOptions ?? {}) });
  return Object.freeze({
    name: 'postgres',
    engines,
    defaultPort: POSTGRES_DEFAULT_PORT,
    singleUserAsMaster: true,
    connect: (target, connectOptions) => connectPostgres(target, connectOptions, extras),
    isTransientError: isTransientPostgresError,
  } satisfies DatabaseDriver);
}
