import { hasNoBackslashEscapes, quoteAccount, quoteString } from '@rotakit/engine-mysql';
import type { RdsManagedDatabase } from './options.js';

/** The mysql2/promise members the simulation calls (mysql2 is an optional peer dependency). */
interface MysqlConnection {
  query(sql: string): Promise<[unknown, unknown]>;
  end(): Promise<void>;
  destroy(): void;
}
interface MysqlPromiseModule {
  createConnection(options: Record<string, unknown>): Promise<MysqlConnection>;
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Changes the managed account's password as RDS does for a managed master user: one
 * `ALTER USER`, after which the old password stops working at once (MySQL keeps no second
 * password for it). The password is quoted by @rotakit/engine-mysql rather than bound,
 * because mysql2's escaping is wrong under NO_BACKSLASH_ESCAPES.
 */
export async function setDatabasePassword(
  database: Required<RdsManagedDatabase>,
  username: string,
  password: string,
): Promise<void> {
  const mysql = await loadMysql2();
  const connection = await mysql.createConnection({
    host: database.host,
    port: database.port,
    user: database.user,
    password: database.password,
    connectTimeout: CONNECT_TIMEOUT_MS,
    multipleStatements: false,
  });
  try {
    const [rows] = await connection.query('SELECT @@SESSION.sql_mode AS mode');
    const mode = String((rows as Array<{ mode?: unknown }>)[0]?.mode ?? '');
    const noBackslash = hasNoBackslashEscapes(mode);
    const account = quoteAccount({ username, host: database.accountHost }, noBackslash);
    await connection.query(
      `ALTER USER ${account} IDENTIFIED BY ${quoteString(password, noBackslash)}`,
    );
    await connection.end();
  } catch (error) {
    connection.destroy();
    throw error;
  }
}

async function loadMysql2(): Promise<MysqlPromiseModule> {
  try {
    const loaded = (await import('mysql2/promise')) as unknown as {
      default?: MysqlPromiseModule;
    } & MysqlPromiseModule;
    return loaded.default ?? loaded;
  } catch (cause) {
    throw new Error(
      'The simulated RDS-managed rotation needs mysql2 to change the password: npm install --save-dev mysql2',
      { cause },
    );
  }
}
