import { randomBytes } from 'node:crypto';
import {
  createRdsLikeMaster,
  type PostgresRole,
  type PostgresServer,
  startPostgres,
  uniqueName,
  withPostgresAdmin,
} from '@rotakit/testing';
import pg from 'pg';
import type { SyncAccountResult } from '../src/database/driver.js';
import { syncPostgresAccount } from '../src/database/postgres/accounts.js';

/** One server with an RDS-like master, and the users the tests rotate through. */
export interface AccountsFixture {
  readonly server: PostgresServer;
  readonly master: PostgresRole;
  /** A client as `username` in `database` (the master's by default); the caller ends it. */
  connect(username: string, password: string, database?: string): Promise<pg.Client>;
  /** Runs `fn` as the master (in its database by default) and ends the client. */
  asMaster<T>(fn: (client: pg.Client) => Promise<T>, database?: string): Promise<T>;
  /** Runs `fn` as `username` (in the master's database by default) and ends the client. */
  as<T>(user: User, fn: (client: pg.Client) => Promise<T>, database?: string): Promise<T>;
  /** A login role made by the master, allowed to create schemas in the master's database. */
  createUser(): Promise<User>;
  /** syncPostgresAccount as the master; the target gets a new password. */
  sync(source: User, target: User, client?: pg.ClientBase): Promise<SyncAccountResult>;
  stop(): Promise<void>;
}

/** A role and the password it has now. */
export interface User {
  readonly name: string;
  password: string;
}

export const newPassword = () => randomBytes(18).toString('base64url');
export const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function startAccountsFixture(
  major: number,
  settings?: Record<string, string>,
): Promise<AccountsFixture> {
  const server = await startPostgres({ major, tls: false, ...(settings ? { settings } : {}) });
  const master = await createRdsLikeMaster(server);
  const connect = async (username: string, password: string, database = master.database) => {
    const client = new pg.Client({
      host: server.host,
      port: server.port,
      user: username,
      password,
      database,
    });
    await client.connect();
    return client;
  };
  const run = async <T>(client: pg.Client, fn: (c: pg.Client) => Promise<T>) => {
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const asMaster = <T>(fn: (c: pg.Client) => Promise<T>, database?: string) =>
    connect(master.username, master.password, database).then((c) => run(c, fn));
  return {
    server,
    master,
    connect,
    asMaster,
    as: (user, fn, database) => connect(user.name, user.password, database).then((c) => run(c, fn)),
    async createUser() {
      const user = { name: uniqueName('app'), password: newPassword() };
      await asMaster(async (c) => {
        await c.query(`CREATE ROLE ${q(user.name)} LOGIN PASSWORD '${user.password}'`);
        await c.query(`GRANT CREATE ON DATABASE ${q(master.database)} TO ${q(user.name)}`);
      });
      return user;
    },
    async sync(source, target, client) {
      const password = newPassword();
      const params = {
        source: { username: source.name, host: '%' },
        targetUsername: target.name,
        password,
        revokeExtra: true,
        serverMajor: server.major,
      };
      const result = client
        ? await syncPostgresAccount(client, params)
        : await asMaster((c) => syncPostgresAccount(c, params));
      target.password = password;
      return result;
    },
    stop: () => server.stop(),
  };
}

/** Roles' memberships, settings and the owners and ACLs of the objects in `schemas`. */
export async function catalogSnapshot(
  fixture: AccountsFixture,
  roles: readonly string[],
  schemas: readonly string[],
  admin?: pg.ClientBase,
): Promise<unknown> {
  if (admin) return snapshotWith(admin, fixture.server.major, roles, schemas);
  return withPostgresAdmin(
    fixture.server,
    (client) => snapshotWith(client, fixture.server.major, roles, schemas),
    { database: fixture.master.database },
  );
}

async function snapshotWith(
  admin: pg.ClientBase,
  major: number,
  roles: readonly string[],
  schemas: readonly string[],
): Promise<unknown> {
  const options = major >= 16 ? ', m.inherit_option, m.set_option' : '';
  const members = await admin.query(
    `SELECT r.rolname AS role, u.rolname AS member, m.admin_option${options}
       FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
       WHERE r.rolname = ANY ($1) OR u.rolname = ANY ($1) ORDER BY 1, 2, 3`,
    [roles],
  );
  const settings = await admin.query(
    `SELECT r.rolname, s.setdatabase, s.setconfig FROM pg_db_role_setting s
       JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = ANY ($1) ORDER BY 1, 2`,
    [roles],
  );
  const attributes = await admin.query(
    'SELECT rolname, rolcanlogin, rolinherit FROM pg_roles WHERE rolname = ANY ($1) ORDER BY 1',
    [roles],
  );
  const objects = await admin.query(
    `SELECT n.nspname, c.relname, pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = ANY ($1) ORDER BY 1, 2`,
    [schemas],
  );
  const routines = await admin.query(
    `SELECT p.proname, pg_get_userbyid(p.proowner) AS owner, p.proacl::text AS acl
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = ANY ($1) ORDER BY 1`,
    [schemas],
  );
  return {
    members: members.rows,
    settings: settings.rows,
    attributes: attributes.rows,
    objects: objects.rows,
    routines: routines.rows,
  };
}

/** Thrown by {@link crashingClient} in place of statement number `at`. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/**
 * The client with its connection cut before statement number `at` (0-based), as a killed
 * Lambda would: that statement and every later one fail, and ending the client makes the
 * server roll back what was not committed. `count` says how many statements ran.
 */
export function crashingClient(client: pg.Client, at: number) {
  let count = 0;
  const query = (...args: Parameters<pg.Client['query']>) => {
    if (count++ >= at) return Promise.reject(new SimulatedCrash(`crash before statement ${at}`));
    return (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
  };
  return {
    client: { query } as unknown as pg.ClientBase,
    statements: () => count,
  };
}

/** The snapshot as JSON with the test's random names replaced by what they stand for. */
export function anonymized(snapshot: unknown, names: Record<string, string>): unknown {
  let json = JSON.stringify(snapshot);
  const byLength = Object.entries(names).sort(([a], [b]) => b.length - a.length);
  for (const [name, token] of byLength) json = json.split(name).join(token);
  return JSON.parse(json);
}
