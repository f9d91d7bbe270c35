/**
 * What syncPostgresAccount reads from the catalogs, and how it runs a statement. Reads take
 * bind parameters; only utility statements (CREATE/ALTER ROLE, GRANT) carry quoted names.
 */
import { sqlStateOf } from '@rotakit/engine-postgres';
import type { ClientBase } from 'pg';
import { DatabaseError, RotationError } from '../../errors.js';
import { type MissingPrivilege, missingPrivilegesQuery } from './account-privileges.js';

/** A role as the catalogs describe it. */
export interface RoleRow {
  readonly oid: number;
  readonly name: string;
  readonly superuser: boolean;
  /** The role's INHERIT attribute (before 16 it decides whether memberships inherit). */
  readonly inherit: boolean;
}

/** Who this session is and where. */
export interface SessionRow {
  readonly user: string;
  readonly userOid: number;
  readonly superuser: boolean;
  readonly database: string;
  readonly databaseOid: number;
}

/** A direct membership of `member` in `role`, all grantors together. */
export interface MembershipRow {
  readonly admin: boolean;
  readonly inherit: boolean;
  readonly set: boolean;
}

/** Objects a role owns or holds privileges on, per database (pg_shdepend, every database). */
export interface DependencyRow {
  /** Undefined for shared objects (databases, tablespaces, parameters). */
  readonly database: string | undefined;
  readonly databaseOid: number;
  readonly owned: number;
  readonly privileges: number;
}

/** A role the clone belongs to directly and the owner does not. */
export interface MissingMembership {
  readonly role: string;
  readonly roleOid: number;
  readonly admin: boolean;
}

/** Runs one statement; a failure becomes a DatabaseError with the SQLSTATE, never the SQL text. */
export async function runStatement(
  client: ClientBase,
  label: string,
  sql: string,
  values: readonly unknown[] = [],
  options: { secret?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  try {
    const result = await client.query(sql, values as unknown[]);
    return result.rows as Record<string, unknown>[];
  } catch (error) {
    throw statementError(label, error, options.secret === true);
  }
}

function statementError(label: string, error: unknown, secret: boolean): Error {
  // The time budget's abort reason is one of ours: pass it through.
  if (error instanceof RotationError) return error;
  const sqlState = sqlStateOf(error);
  const code = (error as { code?: unknown } | null)?.code;
  // A statement that carries the verifier keeps the server's message out (it may quote it).
  const text = secret && sqlState ? 'the server refused it' : (error as Error)?.message;
  return new DatabaseError(
    `${label} failed${sqlState ? ` (SQLSTATE ${sqlState})` : ''}: ${text ?? 'unknown error'}`,
    {
      statement: label,
      sqlState,
      code: typeof code === 'string' ? code : undefined,
      cause: secret && sqlState ? undefined : error,
    },
  );
}

export async function readSession(client: ClientBase): Promise<SessionRow> {
  const [row] = await runStatement(
    client,
    'SELECT current_user',
    `SELECT current_user AS "user", r.oid AS "userOid", r.rolsuper AS superuser,
       current_database() AS database, d.oid AS "databaseOid"
     FROM pg_roles r, pg_database d
     WHERE r.rolname = current_user AND d.datname = current_database()`,
  );
  return row as unknown as SessionRow;
}

export async function readRole(client: ClientBase, name: string): Promise<RoleRow | undefined> {
  const [row] = await runStatement(
    client,
    'SELECT pg_roles',
    'SELECT oid, rolname AS name, rolsuper AS superuser, rolinherit AS inherit FROM pg_roles WHERE rolname = $1',
    [name],
  );
  return row as unknown as RoleRow | undefined;
}

/** The direct membership of `member` in `role`, or undefined. Before 16 options come from the member. */
export async function readMembership(
  client: ClientBase,
  role: RoleRow,
  member: RoleRow,
  serverMajor: number,
): Promise<MembershipRow | undefined> {
  const options =
    serverMajor >= 16
      ? 'bool_or(m.inherit_option) AS inherit, bool_or(m.set_option) AS set'
      : 'bool_or(r.rolinherit) AS inherit, true AS set';
  const [row] = await runStatement(
    client,
    'SELECT pg_auth_members',
    `SELECT bool_or(m.admin_option) AS admin, ${options}
     FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
     WHERE m.roleid = $1 AND m.member = $2 HAVING count(*) > 0`,
    [role.oid, member.oid],
  );
  return row as unknown as MembershipRow | undefined;
}

/** Whether `ALTER ROLE <clone> SET role = <owner>` is in place (for every database). */
export async function hasRoleSetting(
  client: ClientBase,
  clone: RoleRow,
  owner: RoleRow,
): Promise<boolean> {
  const rows = await runStatement(
    client,
    'SELECT pg_db_role_setting',
    'SELECT 1 FROM pg_db_role_setting WHERE setdatabase = 0 AND setrole = $1 AND $2 = ANY (setconfig)',
    [clone.oid, `role=${owner.name}`],
  );
  return rows.length > 0;
}

/** Whether this session's user holds ADMIN OPTION on the role (true for a superuser). */
export async function hasAdminOption(client: ClientBase, role: RoleRow): Promise<boolean> {
  const [row] = await runStatement(
    client,
    'SELECT pg_has_role',
    "SELECT pg_has_role($1::oid, 'MEMBER WITH ADMIN OPTION') AS admin",
    [role.oid],
  );
  return row?.admin === true;
}

/** Whether this session's user has the role's privileges (inherited membership). */
export async function hasPrivilegesOf(client: ClientBase, role: RoleRow): Promise<boolean> {
  const [row] = await runStatement(
    client,
    'SELECT pg_has_role',
    "SELECT pg_has_role($1::oid, 'USAGE') AS usage",
    [role.oid],
  );
  return row?.usage === true;
}

/** What the role owns and holds privileges on, in every database (pg_shdepend is shared). */
export async function readDependencies(
  client: ClientBase,
  role: RoleRow,
): Promise<DependencyRow[]> {
  const rows = await runStatement(
    client,
    'SELECT pg_shdepend',
    `SELECT d.datname AS database, s.dbid AS "databaseOid",
       count(*) FILTER (WHERE s.deptype = 'o')::int AS owned,
       count(*) FILTER (WHERE s.deptype = 'a')::int AS privileges
     FROM pg_shdepend s LEFT JOIN pg_database d ON d.oid = s.dbid
     WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = $1 AND s.deptype IN ('o', 'a')
     GROUP BY d.datname, s.dbid ORDER BY d.datname`,
    [role.oid],
  );
  return rows as unknown as DependencyRow[];
}

/** Privileges granted directly to `from` that `to` lacks, here and in the shared catalogs. */
export async function readMissingPrivileges(
  client: ClientBase,
  from: RoleRow,
  to: RoleRow,
  serverMajor: number,
): Promise<MissingPrivilege[]> {
  const rows = await runStatement(
    client,
    'SELECT aclexplode',
    missingPrivilegesQuery(serverMajor),
    [from.oid, to.oid],
  );
  return rows as unknown as MissingPrivilege[];
}

/** Roles `from` is a direct member of (other than `except`) that `to` is not a member of. */
export async function readMissingMemberships(
  client: ClientBase,
  from: RoleRow,
  to: RoleRow,
  except: RoleRow,
): Promise<MissingMembership[]> {
  const rows = await runStatement(
    client,
    'SELECT pg_auth_members',
    `SELECT r.rolname AS role, r.oid AS "roleOid", bool_or(m.admin_option) AS admin
     FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
     WHERE m.member = $1 AND m.roleid <> $3
     GROUP BY r.rolname, r.oid
     HAVING NOT pg_has_role($2::oid, r.oid,
       CASE WHEN bool_or(m.admin_option) THEN 'MEMBER WITH ADMIN OPTION' ELSE 'MEMBER' END)
     ORDER BY r.rolname`,
    [from.oid, to.oid, except.oid],
  );
  return rows as unknown as MissingMembership[];
}
