import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { AdminStatementError } from './errors.js';
import { uniqueName } from './mysql-users.js';
import type { PostgresConnectionInfo } from './postgres-server.js';

/** A role created for one test, with what it needs to log in. */
export interface PostgresRole {
  host: string;
  port: number;
  username: string;
  password: string;
  /** The database to connect to: its own (`database: 'own'`), or the one named. */
  database: string;
}

export interface CreatePostgresRoleOptions {
  /** @default a unique `r_<random>` */
  name?: string;
  /** @default 24 random URL-safe characters */
  password?: string;
  /** @default true */
  login?: boolean;
  /** @default false */
  createRole?: boolean;
  /** @default false */
  createDb?: boolean;
  /** Roles to grant to the new one (membership, as `GRANT <role> TO <new>`). @default [] */
  memberOf?: readonly string[];
  /** `'own'` creates a database of the same name owned by the role. @default 'postgres' */
  database?: 'own' | (string & {});
}

export interface PostgresClientOptions {
  /** The database to connect to. @default the admin's, `postgres` */
  database?: string;
  /** TLS settings for pg, e.g. `{ ca: server.ca, servername: 'localhost' }`. @default plain TCP */
  ssl?: pg.ClientConfig['ssl'];
}

/** Opens a connection as the server's superuser. The caller ends it. */
export async function connectPostgresAdmin(
  server: PostgresConnectionInfo,
  options: PostgresClientOptions = {},
): Promise<pg.Client> {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: server.admin.username,
    password: server.admin.password,
    database: options.database ?? server.admin.database,
    ssl: options.ssl ?? false,
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  return client;
}

/** Runs `fn` with a connected superuser client and always ends it. */
export async function withPostgresAdmin<T>(
  server: PostgresConnectionInfo,
  fn: (client: pg.Client) => Promise<T>,
  options: PostgresClientOptions = {},
): Promise<T> {
  const client = await connectPostgresAdmin(server, options);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Runs one admin statement. A failure becomes an AdminStatementError carrying the
 * SQLSTATE; when the statement carries a password (`secret`), the server's message and
 * the pg error (which may quote the statement) stay out of it.
 */
export async function runPostgresAdminStatement(
  client: pg.ClientBase,
  query: { statement: string; sql: string; secret?: string },
): Promise<pg.QueryResult> {
  try {
    return await client.query(query.sql);
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    const detail =
      query.secret === undefined
        ? `: ${message}`
        : ' (server message withheld: it may quote the password)';
    throw new AdminStatementError(`${query.statement} failed${code ? ` (${code})` : ''}${detail}`, {
      cause: query.secret === undefined ? error : undefined,
      statement: query.statement,
      code,
      sqlState: error instanceof pg.DatabaseError ? error.code : undefined,
    });
  }
}

function roleAttributes(options: CreatePostgresRoleOptions): string {
  return [
    options.login === false ? 'NOLOGIN' : 'LOGIN',
    options.createRole ? 'CREATEROLE' : 'NOCREATEROLE',
    options.createDb ? 'CREATEDB' : 'NOCREATEDB',
  ].join(' ');
}

/**
 * Creates a role with a scram password (and its own database with `database: 'own'`), so
 * a test can isolate itself on a shared server.
 *
 * @example
 * const role = await createPostgresRole(server, { database: 'own' });
 * await canLoginPostgres(server, role); // { ok: true }
 */
export async function createPostgresRole(
  server: PostgresConnectionInfo,
  options: CreatePostgresRoleOptions = {},
): Promise<PostgresRole> {
  const username = options.name ?? uniqueName('r');
  const password = options.password ?? randomBytes(18).toString('base64url');
  const database = options.database === 'own' ? username : (options.database ?? 'postgres');
  await withPostgresAdmin(server, async (admin) => {
    await keepStatementsOutOfLog(admin);
    const role = admin.escapeIdentifier(username);
    await runPostgresAdminStatement(admin, {
      statement: `CREATE ROLE ${role}`,
      sql: `CREATE ROLE ${role} ${roleAttributes(options)} PASSWORD ${admin.escapeLiteral(password)}`,
      secret: password,
    });
    for (const group of options.memberOf ?? []) {
      const sql = `GRANT ${admin.escapeIdentifier(group)} TO ${role}`;
      await runPostgresAdminStatement(admin, { statement: sql, sql });
    }
    if (options.database === 'own') {
      const sql = `CREATE DATABASE ${role} OWNER ${role}`;
      await runPostgresAdminStatement(admin, { statement: sql, sql });
    }
  });
  return { host: server.host, port: server.port, username, password, database };
}

/**
 * CREATE ROLE carries the password: keep this session's statements out of the server log
 * even when a test turned `log_statement` on (a failed statement is logged too, by
 * `log_min_error_statement`). Both need a superuser; a lesser external admin logs as set.
 */
async function keepStatementsOutOfLog(admin: pg.Client): Promise<void> {
  try {
    await admin.query("SET log_statement = 'none'");
    await admin.query("SET log_min_error_statement = 'panic'");
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
  }
}

/** The stand-in for RDS's `rds_superuser`: the group role an RDS master user belongs to. */
export const RDS_SUPERUSER_ROLE = 'rds_superuser';

/** RDS's group for restricted password management (`rds.restrict_password_commands`). */
export const RDS_PASSWORD_ROLE = 'rds_password';
/** RDS's group for logical replication. */
export const RDS_REPLICATION_ROLE = 'rds_replication';

/** Any number for pg_advisory_xact_lock, the same in every session: "rotakit" in ASCII. */
const RDS_ROLES_LOCK = 0x726f74616b6974n;

/**
 * Creates the `rds_superuser`-like group once per server, with `rds_password` and
 * `rds_replication`, which RDS lets it grant. An advisory lock serialises concurrent
 * callers on a shared server, so none sees the roles half made.
 */
async function ensureRdsRoles(admin: pg.Client): Promise<void> {
  const superuser = admin.escapeIdentifier(RDS_SUPERUSER_ROLE);
  await admin.query('BEGIN');
  try {
    await admin.query('SELECT pg_advisory_xact_lock($1)', [RDS_ROLES_LOCK.toString()]);
    const found = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [
      RDS_SUPERUSER_ROLE,
    ]);
    if (found.rowCount === 0) {
      // Like RDS's: no login, can create roles and databases, reads monitoring views.
      await admin.query(`CREATE ROLE ${superuser} NOLOGIN CREATEROLE CREATEDB`);
      await admin.query(`GRANT pg_monitor, pg_signal_backend TO ${superuser}`);
      for (const name of [RDS_PASSWORD_ROLE, RDS_REPLICATION_ROLE]) {
        const group = admin.escapeIdentifier(name);
        await admin.query(`CREATE ROLE ${group} NOLOGIN`);
        await admin.query(`GRANT ${group} TO ${superuser} WITH ADMIN OPTION`);
      }
    }
    await admin.query('COMMIT');
  } catch (error) {
    await admin.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * An RDS-style master user: NOT a superuser, but CREATEROLE and CREATEDB, a member of an
 * `rds_superuser`-like role (WITH ADMIN OPTION, so it can grant it on, and through it
 * `rds_password` and `rds_replication`), owning its own database. On 16+ it holds ADMIN OPTION only on the roles it creates itself, as on RDS.
 *
 * @example
 * const master = await createRdsLikeMaster(server);
 * // log in as master and CREATE ROLE / GRANT as an RDS master would
 */
export async function createRdsLikeMaster(server: PostgresConnectionInfo): Promise<PostgresRole> {
  await withPostgresAdmin(server, ensureRdsRoles);
  const master = await createPostgresRole(server, {
    name: uniqueName('master'),
    createRole: true,
    createDb: true,
    database: 'own',
  });
  await withPostgresAdmin(server, async (admin) => {
    const sql = `GRANT ${admin.escapeIdentifier(RDS_SUPERUSER_ROLE)} TO ${admin.escapeIdentifier(master.username)} WITH ADMIN OPTION`;
    await runPostgresAdminStatement(admin, { statement: sql, sql });
  });
  return master;
}

/**
 * Drops a role created by `createPostgresRole` (and, with `dropDatabase`, its database
 * first). Objects it owns in the `postgres` database are dropped with it; elsewhere
 * they would keep it alive, so drop those databases first.
 */
export async function dropPostgresRole(
  server: PostgresConnectionInfo,
  role: Pick<PostgresRole, 'username'> & { database?: string },
  options: { dropDatabase?: boolean } = {},
): Promise<void> {
  await withPostgresAdmin(server, async (admin) => {
    const name = admin.escapeIdentifier(role.username);
    if (options.dropDatabase && role.database && role.database !== 'postgres') {
      const sql = `DROP DATABASE IF EXISTS ${admin.escapeIdentifier(role.database)} WITH (FORCE)`;
      await runPostgresAdminStatement(admin, { statement: sql, sql });
    }
    const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role.username]);
    if (exists.rowCount === 0) return;
    await runPostgresAdminStatement(admin, {
      statement: `DROP OWNED BY ${name}`,
      sql: `DROP OWNED BY ${name}`,
    });
    await runPostgresAdminStatement(admin, {
      statement: `DROP ROLE ${name}`,
      sql: `DROP ROLE ${name}`,
    });
  });
}

export interface PostgresLoginCredentials {
  username: string;
  password: string;
  /** @default 'postgres' */
  database?: string;
  /** TLS settings for pg. @default plain TCP */
  ssl?: pg.ClientConfig['ssl'];
  /** @default 5000 */
  connectTimeoutMs?: number;
}

export type PostgresLoginResult =
  | { ok: true }
  | {
      ok: false;
      /** The server's SQLSTATE (`28P01` wrong password, `3D000` no such database, …). */
      sqlState: string | undefined;
      /** The socket error's code (`ECONNREFUSED`) when the server never answered. */
      code?: string | undefined;
    };

/**
 * Checks whether credentials can log in (and run `SELECT 1`). Never throws for a refused
 * login: returns the SQLSTATE instead, e.g. `{ ok: false, sqlState: '28P01' }`.
 */
export async function canLoginPostgres(
  server: Pick<PostgresConnectionInfo, 'host' | 'port'>,
  credentials: PostgresLoginCredentials,
): Promise<PostgresLoginResult> {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: credentials.username,
    password: credentials.password,
    database: credentials.database ?? 'postgres',
    ssl: credentials.ssl ?? false,
    connectionTimeoutMillis: credentials.connectTimeoutMs ?? 5000,
  });
  // A refused login also emits 'error' on the client; connect()'s rejection is our answer.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (error) {
    if (error instanceof pg.DatabaseError) return { ok: false, sqlState: error.code };
    return { ok: false, sqlState: undefined, code: (error as { code?: string }).code };
  } finally {
    await client.end().catch(() => undefined);
  }
}
