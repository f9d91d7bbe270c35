import { ENGINES, engineNamed } from '@rotakit/core';

/** The port PostgreSQL listens on unless told otherwise (5432; from core's `ENGINES`). */
export const POSTGRES_DEFAULT_PORT: number = ENGINES.postgres.port;

/** The database the RDS secret format means when `dbname` is absent (`postgres`). */
export const POSTGRES_DEFAULT_DATABASE: string = ENGINES.postgres.database;

/** The `engine` values of the RDS secret format that mean a PostgreSQL server. */
export const POSTGRES_ENGINES: readonly string[] = ENGINES.postgres.names;

/**
 * PostgreSQL truncates longer identifiers (NAMEDATALEN 64, less the terminating byte), so
 * `quoteIdentifier` refuses them rather than let a role name silently become another one.
 */
export const POSTGRES_MAX_IDENTIFIER_BYTES = 63;

/** True for a PostgreSQL engine name (any case); an absent engine is not PostgreSQL. */
export function isPostgresEngine(engine: string | undefined): boolean {
  return engine !== undefined && engineNamed(engine) === 'postgres';
}
