import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canLoginPostgres,
  createPostgresRole,
  createRdsLikeMaster,
  dropPostgresRole,
  PostgresBinaryNotFoundError,
  type PostgresRole,
  type PostgresServer,
  PostgresStartError,
  postgresMajorsUnderTest,
  RDS_PASSWORD_ROLE,
  RDS_SUPERUSER_ROLE,
  startPostgres,
  withPostgresAdmin,
} from '../src/index.js';
import { isRunning } from './process-utils.js';

const majors = await postgresMajorsUnderTest();

/** The rotakit-postgres-* dirs in the temp dir now. */
function ownDirs(): Set<string> {
  return new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('rotakit-postgres-')));
}

it('tests at least two majors, one of them 16 or later (CREATEROLE changed in 16)', () => {
  expect(majors.length).toBeGreaterThanOrEqual(2);
  expect(Math.max(...majors)).toBeGreaterThanOrEqual(16);
});

/** Runs `sql` as `role` (over plain TCP) and returns the rows, or the SQLSTATE it failed with. */
async function runAs(server: PostgresServer, role: PostgresRole, sql: string) {
  const client = new pg.Client({ ...connection(server, role), ssl: false });
  await client.connect();
  try {
    return { rows: (await client.query(sql)).rows, sqlState: undefined };
  } catch (error) {
    return { rows: [], sqlState: (error as { code?: string }).code };
  } finally {
    await client.end();
  }
}

function connection(server: PostgresServer, role: PostgresRole) {
  return {
    host: server.host,
    port: server.port,
    user: role.username,
    password: role.password,
    database: role.database,
  };
}

describe.each(majors)('PostgreSQL %i', (major) => {
  let server: PostgresServer;

  beforeAll(async () => {
    server = await startPostgres({ major });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs the major asked for, privately, on a loopback port other than 5432', async () => {
    expect(server.major).toBe(major);
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).not.toBe(5432);
    expect(server.pid && isRunning(server.pid)).toBe(true);
    if (process.getuid?.() === 0) expect(server.runAs).not.toBe('self');
    const version = await withPostgresAdmin(server, async (admin) => {
      return (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
        .rows[0]?.v;
    });
    expect(version?.startsWith(`${server.version}`)).toBe(true);
    expect(server.version).toMatch(new RegExp(`^${major}\\.\\d+$`));
  });

  it('authenticates every login with scram-sha-256', async () => {
    const role = await createPostgresRole(server);
    const rules = await withPostgresAdmin(server, async (admin) => {
      const stored = await admin.query<{ rolpassword: string }>(
        'SELECT rolpassword FROM pg_authid WHERE rolname = $1',
        [role.username],
      );
      expect(stored.rows[0]?.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
      return (
        await admin.query<{ type: string; auth_method: string }>(
          'SELECT type, auth_method FROM pg_hba_file_rules',
        )
      ).rows;
    });
    expect(rules.map((rule) => rule.type)).toEqual(['local', 'hostssl', 'host']);
    expect(new Set(rules.map((rule) => rule.auth_method))).toEqual(new Set(['scram-sha-256']));
  });

  it('serves TLS that verifies with its CA and the name 127.0.0.1 (verify-full)', async () => {
    const role = await createPostgresRole(server);
    const client = new pg.Client({
      ...connection(server, role),
      ssl: { ca: server.ca, rejectUnauthorized: true },
    });
    await client.connect();
    const ssl = await client.query<{ ssl: boolean }>(
      'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    await client.end();
    expect(ssl.rows[0]?.ssl).toBe(true);
    // Without the CA, or for another name, the same certificate is refused.
    const untrusted = await canLoginPostgres(server, {
      ...role,
      ssl: { rejectUnauthorized: true },
    });
    expect(untrusted).toMatchObject({ ok: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const otherName = await canLoginPostgres(server, {
      ...role,
      ssl: { ca: server.ca, servername: 'db.example.com' },
    });
    expect(otherName).toMatchObject({ ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('reports the SQLSTATE of a refused login: 28P01 wrong password, 3D000 unknown database', async () => {
    const role = await createPostgresRole(server, { database: 'own' });
    await expect(canLoginPostgres(server, role)).resolves.toEqual({ ok: true });
    await expect(
      canLoginPostgres(server, { ...role, password: `${role.password}x` }),
    ).resolves.toEqual({ ok: false, sqlState: '28P01' });
    await expect(
      canLoginPostgres(server, { ...role, database: `${role.database}_missing` }),
    ).resolves.toEqual({ ok: false, sqlState: '3D000' });
    await dropPostgresRole(server, role, { dropDatabase: true });
    await expect(canLoginPostgres(server, role)).resolves.toEqual({ ok: false, sqlState: '28P01' });
  });

  it('makes an RDS-like master: no superuser, yet it creates roles and databases', async () => {
    const master = await createRdsLikeMaster(server);
    const attributes = await runAs(
      server,
      master,
      `SELECT rolsuper, rolcreaterole, rolcreatedb,
              pg_has_role(current_user, '${RDS_SUPERUSER_ROLE}', 'MEMBER') AS member
         FROM pg_roles WHERE rolname = current_user`,
    );
    expect(attributes.rows[0]).toEqual({
      rolsuper: false,
      rolcreaterole: true,
      rolcreatedb: true,
      member: true,
    });
    const created = await runAs(
      server,
      master,
      "CREATE ROLE m_child LOGIN PASSWORD 'child-pass-1'",
    );
    expect(created.sqlState).toBeUndefined();
    await expect(
      canLoginPostgres(server, { username: 'm_child', password: 'child-pass-1' }),
    ).resolves.toEqual({ ok: true });
    // As on RDS, it hands out rds_password (restricted password management) to its roles.
    const granted = await runAs(server, master, `GRANT ${RDS_PASSWORD_ROLE} TO m_child`);
    expect(granted.sqlState).toBeUndefined();
    // A superuser-only power stays out of reach: 42501 insufficient_privilege.
    expect((await runAs(server, master, 'CREATE ROLE m_root SUPERUSER')).sqlState).toBe('42501');
    await dropPostgresRole(server, { username: 'm_child' });
  });

  it('grants another role only as 16+ allows a CREATEROLE role (ADMIN OPTION needed)', async () => {
    const master = await createRdsLikeMaster(server);
    const other = await createPostgresRole(server, { login: false });
    const grant = await runAs(server, master, `GRANT ${other.username} TO ${master.username}`);
    // 15 lets any CREATEROLE role grant any non-superuser role; 16 wants ADMIN OPTION on it.
    expect(grant.sqlState).toBe(major >= 16 ? '42501' : undefined);
  });

  it('keeps the admin password out of inspect and JSON', () => {
    expect(inspect(server)).not.toContain(server.admin.password);
    expect(JSON.stringify(server)).not.toContain(server.admin.password);
    expect(inspect(server.admin)).not.toContain(server.admin.password);
  });
});

describe('startPostgres options and lifecycle', () => {
  it('without TLS, with settings and pg_hba lines; survives kill and restart; stop() removes it', async () => {
    const server = await startPostgres({
      tls: false,
      settings: { log_statement: 'ddl' },
      // Roles may use the postgres database only; anything else has no pg_hba.conf entry.
      hba: [
        'host all rotakit_admin 127.0.0.1/32 scram-sha-256',
        'host postgres all 127.0.0.1/32 scram-sha-256',
      ],
    });
    const role = await createPostgresRole(server);
    const settings = await withPostgresAdmin(
      server,
      async (admin) =>
        (
          await admin.query(
            "SELECT current_setting('ssl') AS ssl, current_setting('log_statement') AS log",
          )
        ).rows[0],
    );
    expect(settings).toEqual({ ssl: 'off', log: 'ddl' });
    expect(server.ca).toBeUndefined();
    await expect(canLoginPostgres(server, role)).resolves.toEqual({ ok: true });
    await expect(canLoginPostgres(server, { ...role, database: 'template1' })).resolves.toEqual({
      ok: false,
      sqlState: '28000',
    });
    // DDL is logged, but not the CREATE ROLE that carried the role's password.
    await withPostgresAdmin(server, (admin) => admin.query('CREATE TABLE logged_ddl (id int)'));
    const log = readFileSync(server.logFile!, 'utf8');
    expect(log).toContain('CREATE TABLE logged_ddl');
    expect(log).not.toContain(role.password);

    const pidBefore = server.pid!;
    await server.kill();
    expect(isRunning(pidBefore)).toBe(false);
    const down = await canLoginPostgres(server, { ...role, connectTimeoutMs: 1000 });
    expect(down).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    await server.restart();
    await expect(canLoginPostgres(server, role)).resolves.toEqual({ ok: true });

    const { dir } = server;
    await server.stop();
    expect(existsSync(dir)).toBe(false);
    await server.stop(); // idempotent
  });

  it('a server that cannot start fails with its log tail, and leaves no temp dir', async () => {
    const before = ownDirs();
    const failure = startPostgres({ tls: false, settings: { shared_buffers: 'plenty' } });
    const error = await failure.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostgresStartError);
    expect((error as PostgresStartError).message).toMatch(/exited during startup/);
    expect((error as PostgresStartError).logTail).toMatch(/shared_buffers/);
    // Its own dir is gone. Other servers may start meanwhile: look for ours by its log.
    const created = [...ownDirs()].filter((dir) => !before.has(dir));
    const ours = created.filter((dir) => {
      const log = join(tmpdir(), dir, 'postgres.log');
      return existsSync(log) && readFileSync(log, 'utf8').includes('plenty');
    });
    expect(ours).toEqual([]);
  });

  it('fails with a typed error that says how to get the binaries', async () => {
    const missing = startPostgres({ major: 9 });
    await expect(missing).rejects.toBeInstanceOf(PostgresBinaryNotFoundError);
    await expect(missing).rejects.toThrow(/apt-get install -y postgresql/);
    await expect(startPostgres({ binDir: '/nonexistent/bin' })).rejects.toMatchObject({
      name: 'PostgresBinaryNotFoundError',
      searched: ['/nonexistent/bin'],
    });
  });

  it('stops when the signal aborts, before or during the start', async () => {
    const controller = new AbortController();
    const starting = startPostgres({ signal: controller.signal });
    controller.abort();
    await expect(starting).rejects.toMatchObject({ name: 'AbortError' });
    // Mid-way (initdb or the wait for logins): the same AbortError, not a start failure.
    const later = new AbortController();
    const midway = startPostgres({ signal: later.signal });
    setTimeout(() => later.abort(), 200);
    await expect(midway).rejects.toMatchObject({ name: 'AbortError' });
  });
});
