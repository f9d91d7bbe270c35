import { ENGINES, engineNamed } from '@rotakit/core';

/** The port MySQL and MariaDB listen on unless told otherwise (3306; from core's `ENGINES`). */
export const MYSQL_DEFAULT_PORT: number = ENGINES.mysql.port;

/** The `engine` values of the RDS secret format that mean a MySQL-protocol server. */
export const MYSQL_ENGINES: readonly string[] = ENGINES.mysql.names;

/** True for a MySQL-protocol engine name (any case); an absent engine counts as MySQL. */
export function isMysqlEngine(engine: string | undefined): boolean {
  return engine === undefined || engineNamed(engine) === 'mysql';
}
