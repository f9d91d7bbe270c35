/** The port MySQL and MariaDB listen on unless told otherwise. */
export const MYSQL_DEFAULT_PORT = 3306;

/** The `engine` values of the RDS secret format that mean a MySQL-protocol server. */
export const MYSQL_ENGINES: readonly string[] = Object.freeze([
  'mysql',
  'aurora-mysql',
  'mariadb',
  'aurora',
]);

/** True for a MySQL-protocol engine name (any case); an absent engine counts as MySQL. */
export function isMysqlEngine(engine: string | undefined): boolean {
  return engine === undefined || MYSQL_ENGINES.includes(engine.toLowerCase());
}
