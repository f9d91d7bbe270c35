import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { MysqlBinaryNotFoundError } from './errors.js';

const execFileAsync = promisify(execFile);

/** Where distributions put the server when it is not on PATH (Debian puts it in /usr/sbin). */
const FALLBACK_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/mysql/bin', '/opt/mysql/bin'];

export type MysqlFlavor = 'mariadb' | 'mysql';

export interface MysqlBinaries {
  server: string;
  /** `mariadb-install-db`/`mysql_install_db` for MariaDB; MySQL initialises with the server itself. */
  installDb?: string | undefined;
  flavor: MysqlFlavor;
  version: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(names: readonly string[], extraDirs: readonly string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Finds the installed server binary (`mariadbd` first, then `mysqld`) and, for MariaDB,
 * the data-directory initialiser next to it.
 */
export async function findMysqlBinaries(explicitServer?: string): Promise<MysqlBinaries> {
  const server =
    explicitServer ??
    process.env.ROTAKIT_MYSQLD ??
    findOnPath(['mariadbd', 'mysqld'], FALLBACK_DIRS);
  if (!server || !isExecutable(server)) throw MysqlBinaryNotFoundError.of(FALLBACK_DIRS);

  const { stdout } = await execFileAsync(server, ['--version']);
  const version = stdout.trim();
  const flavor: MysqlFlavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  const installDb =
    flavor === 'mariadb'
      ? findOnPath(
          ['mariadb-install-db', 'mysql_install_db'],
          [dirname(server), join(dirname(server), '..', 'bin'), '/usr/bin', '/usr/local/bin'],
        )
      : undefined;
  if (flavor === 'mariadb' && !installDb) {
    throw MysqlBinaryNotFoundError.of([`mariadb-install-db next to ${server}`]);
  }
  return { server, flavor, version, installDb };
}
