import { randomBytes } from 'node:crypto';
import { type Connection, createConnection } from 'mysql2/promise';
import { runAdminStatement, sessionQuoting } from './admin-sql.js';
import type { MysqlConnectionInfo } from './mysql-server.js';

/** A database account created for one test. */
export interface DatabaseUser {
  host: string;
  port: number;
  username: string;
  password: string;
  /** The database the account was granted, created if it did not exist. */
  database: string;
  /** The account's host part (`'%'` by default). */
  accountHost: string;
}

export interface CreateDatabaseUserOptions {
  /** @default a unique `u_<random>` */
  username?: string;
  /** @default 24 random URL-safe characters */
  password?: string;
  /** The account's host part. @default '%' */
  accountHost?: string;
  /** Database to create and grant. @default a unique `db_<random>` */
  database?: string;
  /** Privileges on `database`.*. @default ['ALL PRIVILEGES'] */
  privileges?: readonly string[];
  /** Extra raw grants run as the admin, e.g. `GRANT SELECT ON mysql.user TO ...`; `{user}` is replaced by the quoted account. */
  extraGrants?: readonly string[];
}

/** A short unique identifier safe in MySQL names (letters, digits, underscore). */
export function uniqueName(prefix: string, randomChars = 8): string {
  return `${prefix}_${randomBytes(randomChars).toString('hex').slice(0, randomChars)}`;
}

/** Opens a connection as the server's admin account. The caller ends it. */
export function connectAsAdmin(
  server: MysqlConnectionInfo,
  database?: string,
): Promise<Connection> {
  return createConnection({
    host: server.host,
    port: server.port,
    user: server.adminUser,
    password: server.adminPassword,
    ...(database ? { database } : {}),
    multipleStatements: false,
  });
}

/** Runs `fn` with an admin connection and always closes it. */
export async function withAdmin<T>(
  server: MysqlConnectionInfo,
  fn: (connection: Connection) => Promise<T>,
): Promise<T> {
  const connection = await connectAsAdmin(server);
  try {
    return await fn(connection);
  } finally {
    await connection.end();
  }
}

/**
 * Creates a database and an account with a password and grants on it, so a test can
 * isolate itself on a shared server.
 *
 * @example
 * const user = await createDatabaseUser(server, { privileges: ['SELECT', 'INSERT'] });
 */
export async function createDatabaseUser(
  server: MysqlConnectionInfo,
  options: CreateDatabaseUserOptions = {},
): Promise<DatabaseUser> {
  const username = options.username ?? uniqueName('u');
  const password = options.password ?? randomBytes(18).toString('base64url');
  const accountHost = options.accountHost ?? '%';
  const database = options.database ?? uniqueName('db');
  const privileges = options.privileges ?? ['ALL PRIVILEGES'];
  await withAdmin(server, async (admin) => {
    const quote = await sessionQuoting(admin);
    const dbId = admin.escapeId(database);
    const account = quote.account(username, accountHost);
    const run = (statement: string, sql: string, secret?: string) =>
      runAdminStatement(admin, { statement, sql, ...(secret === undefined ? {} : { secret }) });
    await run('CREATE DATABASE', `CREATE DATABASE IF NOT EXISTS ${dbId}`);
    await run(
      `CREATE USER ${account}`,
      `CREATE USER ${account} IDENTIFIED BY ${quote.string(password)}`,
      password,
    );
    if (privileges.length > 0) {
      await run(`GRANT ON ${dbId}.*`, `GRANT ${privileges.join(', ')} ON ${dbId}.* TO ${account}`);
    }
    for (const grant of options.extraGrants ?? []) {
      await run('extra grant', grant.replaceAll('{user}', account));
    }
  });
  return { host: server.host, port: server.port, username, password, database, accountHost };
}

/** Drops an account created by `createDatabaseUser` (and optionally its database). */
export async function dropDatabaseUser(
  server: MysqlConnectionInfo,
  user: Pick<DatabaseUser, 'username' | 'accountHost'> & { database?: string },
  options: { dropDatabase?: boolean } = {},
): Promise<void> {
  await withAdmin(server, async (admin) => {
    const account = (await sessionQuoting(admin)).account(user.username, user.accountHost);
    await runAdminStatement(admin, {
      statement: `DROP USER ${account}`,
      sql: `DROP USER IF EXISTS ${account}`,
    });
    if (options.dropDatabase && user.database) {
      const dbId = admin.escapeId(user.database);
      await runAdminStatement(admin, {
        statement: 'DROP DATABASE',
        sql: `DROP DATABASE IF EXISTS ${dbId}`,
      });
    }
  });
}

export interface LoginCredentials {
  host: string;
  port: number;
  username: string;
  password: string;
  database?: string;
  /** @default 5000 */
  connectTimeoutMs?: number;
}

export type LoginResult =
  | { ok: true }
  | {
      ok: false;
      errno?: number | undefined;
      code?: string | undefined;
      sqlState?: string | undefined;
    };

/**
 * Checks whether credentials can log in (and run `SELECT 1`). Never throws for a failed
 * login: returns mysql2's errno/code/sqlState instead, e.g. `{ ok: false, errno: 1045 }`.
 */
export async function canLogin(credentials: LoginCredentials): Promise<LoginResult> {
  let connection: Connection | undefined;
  try {
    connection = await createConnection({
      host: credentials.host,
      port: credentials.port,
      user: credentials.username,
      password: credentials.password,
      ...(credentials.database ? { database: credentials.database } : {}),
      connectTimeout: credentials.connectTimeoutMs ?? 5000,
    });
    await connection.query('SELECT 1');
    return { ok: true };
  } catch (error) {
    const { errno, code, sqlState } = error as { errno?: number; code?: string; sqlState?: string };
    return { ok: false, errno, code, sqlState };
  } finally {
    await connection?.end().catch(() => undefined);
  }
}
