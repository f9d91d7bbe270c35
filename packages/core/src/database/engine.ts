import { SecretFormatError } from '../secret/errors.js';

/** The database engines rotakit speaks: MySQL (and MariaDB) and PostgreSQL. */
export type Engine = 'mysql' | 'postgres';

/** What rotakit knows of an engine before it connects. */
export interface EngineFacts {
  /** The RDS secret format's `engine` values that mean this engine (compared in lower case). */
  readonly names: readonly string[];
  /** The port the server listens on when the secret has no `port`. */
  readonly port: number;
  /** The database a session opens when the secret has no `dbname` (MySQL: none). */
  readonly database: string | undefined;
}

/**
 * Each engine's secret names and defaults: the one home of these facts (the engine packages
 * re-export them as `MYSQL_DEFAULT_PORT`, `POSTGRES_ENGINES`, ...). Names from the Secrets
 * Manager User Guide's "JSON structure of AWS Secrets Manager secrets" (Amazon RDS and Aurora).
 */
export const ENGINES: {
  readonly mysql: EngineFacts;
  readonly postgres: EngineFacts & { readonly database: string };
} = Object.freeze({
  mysql: Object.freeze({
    names: Object.freeze(['mysql', 'aurora-mysql', 'mariadb', 'aurora']),
    port: 3306,
    database: undefined,
  }),
  postgres: Object.freeze({
    names: Object.freeze(['postgres', 'aurora-postgresql']),
    port: 5432,
    database: 'postgres',
  }),
});

/** The engine an `engine` value names (any case), or undefined for one rotakit does not speak. */
export function engineNamed(name: string): Engine | undefined {
  const lower = name.toLowerCase();
  if (ENGINES.mysql.names.includes(lower)) return 'mysql';
  if (ENGINES.postgres.names.includes(lower)) return 'postgres';
  return undefined;
}

/**
 * Which engine a secret means, from its `engine` key. An absent (or empty) `engine` is MySQL,
 * as it was before PostgreSQL: secrets written for rotakit's MySQL rotation often have none.
 * Throws a `SecretFormatError` (field `engine`) for an engine rotakit does not speak.
 *
 * @example
 * engineOf(parseRdsSecret(secretString)) // 'postgres' for {"engine": "aurora-postgresql", ...}
 */
export function engineOf(secret: { readonly engine?: string | undefined }): Engine {
  if (!secret.engine) return 'mysql';
  const engine = engineNamed(secret.engine);
  if (engine) return engine;
  const known = [...ENGINES.mysql.names, ...ENGINES.postgres.names].join(', ');
  const problem = `names an engine rotakit does not support (supported: ${known})`;
  throw new SecretFormatError(`The secret: engine ${problem}`, { field: 'engine', problem });
}

/** The port of an engine's server when the secret has none: 3306 or 5432. */
export function defaultPortOf(engine: Engine): number {
  return ENGINES[engine].port;
}

/** The database a session opens when the secret has no `dbname`: none for MySQL, `postgres`. */
export function defaultDatabaseOf(engine: Engine): string | undefined {
  return ENGINES[engine].database;
}
