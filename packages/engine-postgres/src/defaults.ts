/** The port PostgreSQL listens on unless told otherwise. */
export const POSTGRES_DEFAULT_PORT = 5432;

/** The database the RDS secret format means when `dbname` is absent. */
export const POSTGRES_DEFAULT_DATABASE = 'postgres';

/** The `engine` values of the RDS secret format that mean a PostgreSQL server. */
export const POSTGRES_ENGINES: readonly string[] = Object.freeze(['postgres', 'aurora-postgresql']);

/** True for a PostgreSQL engine name (any case); an absent engine is not PostgreSQL. */
export function isPostgresEngine(engine: string | undefined): boolean {
  return engine !== undefined && POSTGRES_ENGINES.includes(engine.toLowerCase());
}
