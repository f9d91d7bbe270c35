// The postgres() driver on real PostgreSQL servers: logins and their SQLSTATEs, TLS
// (verify-full, the "ssl" key, the plaintext fallback), the password change sent as a SCRAM
// verifier (never the password: proven on a server logging every statement).
import { readFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import {
  canLoginPostgres,
  createPostgresRole,
  findFreePort,
  type PostgresServer,
  runPostgresAdminStatement,
  startPostgres,
  withPostgresAdmin,
} from '@rotakit/testing';
import { testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../src/database/driver.js';
import { postgres } from '../src/database/postgres/driver.js';
import { DatabaseError, DatabaseLoginError, TlsRequiredError } from '../src/errors.js';
import { serializeError } from '../src/logger.js';
import { captureLogger, connectOptions } from './helpers.js';

const shared = testPostgres();
const driver = postgres();
const tls = { strict: false, ca: shared.ca };

/** The shared server's role as a login target (TLS asked for with `ssl: true`). */
function targetOf(
  server: { host: string; port: number },
  role: { username: string; password: string; database?: string },
  ssl: boolean | undefined,
): DatabaseTarget {
  return {
    host: server.host,
    port: server.port,
    username: role.username,
    password: role.password,
    database: role.database,
    ssl,
    engine: 'postgres',
  };
}

async function loginError(target: DatabaseTarget, options = connectOptions({ tls })) {
  const error = await driver.connect(target, options).then(
    async (session) => {
      await session.close();
      throw new Error('logged in');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatabaseLoginError);
  // Nothing a user sees carries the password.
  expect(JSON.stringify(serializeError(error))).not.toContain(target.password);
  return error as DatabaseLoginError;
}

describe('logins on the shared server (TLS, verify-full)', () => {
  it('logs in over TLS and tells who it is', async () => {
    const role = await createPostgresRole(shared);
    await using session = await driver.connect(
      targetOf(shared, role, true),
      connectOptions({ tls }),
    );
    expect(session.tls).toBe(true);
    expect(session.serverVersion).toMatch(/^\d+\.\d+/);
    expect(await session.currentAccount()).toEqual({ username: role.username, host: '%' });
    expect(await session.maxUsernameLength()).toBe(63);
    await session.ping();
  });

  it('names the SQLSTATE of each refusal: 28P01, 3D000, 28000, 53300', async () => {
    const role = await createPostgresRole(shared);
    const noLogin = await createPostgresRole(shared, { login: false });
    const limited = await createPostgresRole(shared);
    await withPostgresAdmin(shared, (admin) =>
      runPostgresAdminStatement(admin, {
        statement: 'ALTER ROLE CONNECTION LIMIT',
        sql: `ALTER ROLE ${admin.escapeIdentifier(limited.username)} CONNECTION LIMIT 0`,
      }),
    );
    const cases: [DatabaseTarget, string, string, string][] = [
      [
        targetOf(shared, { ...role, password: 'wrong-password' }, true),
        '28P01',
        'access-denied',
        'invalid_password',
      ],
      [
        targetOf(shared, { ...role, database: 'no_such_db' }, true),
        '3D000',
        'unknown-database',
        'invalid_catalog_name',
      ],
      [
        targetOf(shared, noLogin, true),
        '28000',
        'access-denied',
        'invalid_authorization_specification',
      ],
      [targetOf(shared, limited, true), '53300', 'too-many-connections', 'too_many_connections'],
    ];
    for (const [target, sqlState, reason, name] of cases) {
      const error = await loginError(target);
      expect({ sqlState: error.sqlState, reason: error.reason }).toEqual({ sqlState, reason });
      expect(error.message).toContain(`SQLSTATE ${sqlState} ${name}`);
      expect(error.message).toContain(`${shared.host}:${shared.port}`);
    }
  });

  it('refuses a certificate it cannot verify (Node and RDS CAs only)', async () => {
    const role = await createPostgresRole(shared);
    const error = await loginError(
      targetOf(shared, role, true),
      connectOptions({ tls: { strict: false, ca: undefined } }),
    );
    expect(error).toBeInstanceOf(TlsRequiredError);
    expect(error.reason).toBe('tls');
    expect(error.code).toMatch(/CERT|SIGNED|VERIFY/);
  });

  it('checks the host name against the certificate', async () => {
    const role = await createPostgresRole(shared);
    // The certificate names localhost and 127.0.0.1; a forwarder on 127.0.0.2 reaches the
    // same server under a name it does not have.
    const forwarder = createServer((socket) => {
      const upstream = connect(shared.port, shared.host);
      socket.pipe(upstream).pipe(socket);
      const drop = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', drop);
      upstream.on('error', drop);
    });
    await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.2', resolve));
    try {
      const port = (forwarder.address() as { port: number }).port;
      const error = await loginError({ ...targetOf(shared, role, true), host: '127.0.0.2', port });
      expect(error.reason).toBe('tls');
      expect(error.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      forwarder.close();
    }
  });

  it('reports refused and timed-out connections by reason', async () => {
    const closedPort = await findFreePort();
    const refused = await loginError({
      ...targetOf(shared, { username: 'x', password: 'not-the-password' }, true),
      port: closedPort,
    });
    expect(refused.reason).toBe('refused');
    expect(refused.message).toContain('ECONNREFUSED');
    // A listener that never answers the SSLRequest.
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const timedOut = await loginError(
        { ...targetOf(shared, { username: 'x', password: 'not-the-password' }, true), port },
        connectOptions({ tls, connectTimeoutMs: 300 }),
      );
      expect(timedOut.reason).toBe('timeout');
    } finally {
      silent.close();
    }
  });
});

describe('a server without TLS that logs every statement', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres({
      tls: false,
      settings: { log_statement: 'all', log_line_prefix: '%m [%p] user=%u ' },
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('"ssl": true is TLS only; an absent key falls back to plaintext with a warning', async () => {
    const role = await createPostgresRole(server);
    const required = await loginError(targetOf(server, role, true));
    expect(required).toBeInstanceOf(TlsRequiredError);
    expect(required.message).toContain('the server does not offer TLS');
    const logger = captureLogger();
    await using session = await driver.connect(
      targetOf(server, role, undefined),
      connectOptions({ logger }),
    );
    expect(session.tls).toBe(false);
    expect(logger.entries.some((e) => e.level === 'warn' && /UNENCRYPTED/.test(e.message))).toBe(
      true,
    );
    const strict = await loginError(
      targetOf(server, role, undefined),
      connectOptions({ tls: { strict: true, ca: undefined } }),
    );
    expect(strict).toBeInstanceOf(TlsRequiredError);
  });

  it('changes its own password with a SCRAM verifier: the password never reaches the log', async () => {
    const role = await createPostgresRole(server);
    const newPassword = `new-${role.password}`;
    {
      await using session = await driver.connect(targetOf(server, role, false), connectOptions());
      await session.changeOwnPassword(newPassword);
    }
    expect(await canLoginPostgres(server, { ...role, password: newPassword })).toEqual({
      ok: true,
    });
    expect(await canLoginPostgres(server, role)).toMatchObject({ ok: false, sqlState: '28P01' });
    const stored = await withPostgresAdmin(server, async (admin) => {
      const result = await admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [
        role.username,
      ]);
      return String(result.rows[0]?.rolpassword);
    });
    expect(stored).toMatch(/^SCRAM-SHA-256\$4096:/);
    const log = await readFile(server.logFile as string, 'utf8');
    // The statement was logged (log_statement=all works), with the verifier, not the password.
    expect(log).toContain(
      `user=${role.username} LOG:  statement: ALTER ROLE "${role.username}" PASSWORD 'SCRAM-SHA-256$4096:`,
    );
    expect(log).not.toContain(newPassword);
  });

  it('a role that may not change its own password: SQLSTATE 25006; the master can', async () => {
    // Plain PostgreSQL has no rds.restrict_password_commands; a role whose sessions are
    // read-only is refused ALTER ROLE the same way, by the server (SQLSTATE 25006).
    const role = await createPostgresRole(server);
    const master = await createPostgresRole(server, { createRole: true });
    await withPostgresAdmin(server, (admin) =>
      runPostgresAdminStatement(admin, {
        statement: 'ALTER ROLE SET default_transaction_read_only',
        sql: `ALTER ROLE ${admin.escapeIdentifier(role.username)} SET default_transaction_read_only = on`,
      }),
    );
    const newPassword = `new-${role.password}`;
    const refused = await (async () => {
      await using session = await driver.connect(targetOf(server, role, false), connectOptions());
      return await session.changeOwnPassword(newPassword).then(
        () => undefined,
        (e: unknown) => e,
      );
    })();
    expect(refused).toBeInstanceOf(DatabaseError);
    expect((refused as DatabaseError).sqlState).toBe('25006');
    expect((refused as DatabaseError).message).toContain('SQLSTATE 25006');
    expect(JSON.stringify(serializeError(refused))).not.toMatch(/SCRAM-SHA-256\$|new-/);
    {
      await using session = await driver.connect(targetOf(server, master, false), connectOptions());
      await session.changePasswordOf?.({ username: role.username, host: '%' }, newPassword);
    }
    expect(await canLoginPostgres(server, { ...role, password: newPassword })).toEqual({
      ok: true,
    });
    const log = await readFile(server.logFile as string, 'utf8');
    expect(log).toContain(
      `user=${master.username} LOG:  statement: ALTER ROLE "${role.username}" PASSWORD 'SCRAM-SHA-256$`,
    );
    expect(log).not.toContain(newPassword);
  });
});
