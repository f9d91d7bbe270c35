import { createServer, type Server } from 'node:net';
import { inspect } from 'node:util';
import {
  canLogin,
  createDatabaseUser,
  findFreePort,
  uniqueName,
  withAdmin,
} from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseTarget } from '../src/database/driver.js';
import { mysql } from '../src/database/mysql/driver.js';
import {
  AccountCopyError,
  CloneNameTooLongError,
  DatabaseLoginError,
  TlsRequiredError,
  UnsafeIdentifierError,
} from '../src/errors.js';
import { serializeError } from '../src/logger.js';
import { captureLogger, connectOptions } from './helpers.js';

const server = testMysql();
const driver = mysql();

const admin = (): DatabaseTarget => ({
  host: server.host,
  port: server.port,
  username: server.adminUser,
  password: server.adminPassword,
  ssl: false,
});

async function grantsOf(user: string, host: string): Promise<string[]> {
  return withAdmin(server, async (conn) => {
    const [rows] = await conn.query({ sql: 'SHOW GRANTS FOR ?@?', rowsAsArray: true }, [
      user,
      host,
    ]);
    return (rows as unknown[][]).map((row) => String(row[0]));
  });
}

/** SHOW GRANTS with the grantee written as `<grantee>` and password hashes removed. */
async function normalizedGrants(user: string, host: string): Promise<string[]> {
  const grantee = `\`${user.replaceAll('`', '``')}\`@\`${host}\``;
  return (await grantsOf(user, host))
    .map((line) =>
      line
        .split(grantee)
        .join('<grantee>')
        .replace(/ IDENTIFIED BY PASSWORD '[^']*'/, ''),
    )
    .sort();
}

async function sql(statement: string, values: unknown[] = []): Promise<void> {
  await withAdmin(server, async (conn) => {
    await conn.query(statement, values);
  });
}

describe('mysql driver: login', () => {
  it('logs in, reports the server and the account', async () => {
    const user = await createDatabaseUser(server, { privileges: ['SELECT'] });
    const session = await driver.connect(
      { ...user, ssl: false, database: user.database },
      connectOptions(),
    );
    try {
      await session.ping();
      expect(session.serverVersion).toMatch(/\d+\.\d+/);
      expect(session.tls).toBe(false);
      expect(await session.currentAccount()).toEqual({ username: user.username, host: '%' });
    } finally {
      await session.close();
    }
  });

  it('says access denied with the errno, and which credentials', async () => {
    const user = await createDatabaseUser(server);
    const error = await driver
      .connect(
        { ...user, password: 'not-the-password', ssl: false },
        connectOptions({ credentials: 'pending' }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseLoginError);
    const login = error as DatabaseLoginError;
    expect(login.reason).toBe('access-denied');
    expect(login.errno).toBe(1045);
    expect(login.credentials).toBe('pending');
    expect(login.message).toMatch(/AWSPENDING credentials/);
    expect(login.message).toMatch(/access denied \(errno 1045/);
    expect(login.message).not.toContain('not-the-password');
  });

  it('says connection refused when nothing listens', async () => {
    const port = await findFreePort('127.0.0.1');
    const error = await driver
      .connect({ ...admin(), port }, connectOptions())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseLoginError);
    expect((error as DatabaseLoginError).reason).toBe('refused');
    expect((error as Error).message).toMatch(/connection refused/);
  });

  it('says the host did not resolve', async () => {
    const error = await driver
      .connect({ ...admin(), host: 'no-such-database.invalid' }, connectOptions())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseLoginError);
    expect((error as DatabaseLoginError).reason).toBe('dns');
  });

  describe('a server that accepts but never answers', () => {
    let silent: Server;
    let port: number;
    beforeAll(async () => {
      silent = createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      port = (silent.address() as { port: number }).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => silent.close(resolve));
    });

    it('says timed out', async () => {
      const error = await driver
        .connect({ ...admin(), port }, connectOptions({ connectTimeoutMs: 300 }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseLoginError);
      expect((error as DatabaseLoginError).reason).toBe('timeout');
    });

    it('stops waiting when the signal aborts', async () => {
      const controller = new AbortController();
      const pending = driver
        .connect({ ...admin(), port }, connectOptions({ signal: controller.signal }))
        .catch((e: unknown) => e);
      controller.abort(new Error('budget gone'));
      const error = await pending;
      expect(error).toBeInstanceOf(DatabaseLoginError);
      expect((error as DatabaseLoginError).reason).toBe('aborted');
    });
  });
});

describe('mysql driver: TLS (the test server has none)', () => {
  it('ssl: true fails with TlsRequiredError', async () => {
    const error = await driver.connect({ ...admin(), ssl: true }, connectOptions()).catch((e) => e);
    expect(error).toBeInstanceOf(TlsRequiredError);
    expect((error as TlsRequiredError).reason).toBe('tls');
    expect((error as Error).message).toMatch(/does not offer TLS/);
  });

  it('an absent ssl key falls back to plaintext with a logged warning', async () => {
    const logger = captureLogger();
    const session = await driver.connect(
      { ...admin(), ssl: undefined },
      connectOptions({ logger }),
    );
    try {
      expect(session.tls).toBe(false);
      const warnings = logger.entries.filter((e) => e.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toMatch(/UNENCRYPTED/);
      expect(warnings[0]?.extra).toMatchObject({ tlsError: 'HANDSHAKE_NO_SSL_SUPPORT' });
      expect(logger.text()).not.toContain(server.adminPassword);
    } finally {
      await session.close();
    }
  });

  it('strict mode forbids the fallback', async () => {
    const logger = captureLogger();
    const error = await driver
      .connect(
        { ...admin(), ssl: undefined },
        connectOptions({ logger, tls: { strict: true, ca: undefined } }),
      )
      .catch((e) => e);
    expect(error).toBeInstanceOf(TlsRequiredError);
    expect(logger.entries.filter((e) => e.level === 'warn')).toHaveLength(0);
  });

  it('strict mode refuses ssl: false', async () => {
    const error = await driver
      .connect({ ...admin(), ssl: false }, connectOptions({ tls: { strict: true, ca: undefined } }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(TlsRequiredError);
    expect((error as Error).message).toMatch(/"ssl": false/);
  });
});

describe('mysql driver: single user', () => {
  it('changes its own password without any privilege, with quotes and backslashes', async () => {
    const user = await createDatabaseUser(server, { privileges: [] });
    const newPassword = `a'b\\c"d\`e%f_g`;
    const session = await driver.connect(
      { ...user, database: undefined, ssl: false },
      connectOptions(),
    );
    try {
      await session.changeOwnPassword(newPassword);
    } finally {
      await session.close();
    }
    expect(await canLogin({ ...user, database: undefined, password: newPassword })).toEqual({
      ok: true,
    });
    expect(await canLogin({ ...user, database: undefined })).toMatchObject({
      ok: false,
      errno: 1045,
    });
  });
});

describe('mysql driver: alternating users (syncAccount as master)', () => {
  const roles = { a: uniqueName('role_a'), b: uniqueName('role_b'), c: uniqueName('role_c') };
  let db: string;

  beforeAll(async () => {
    db = uniqueName('db');
    await sql(`CREATE DATABASE ${db}`);
    await sql(`CREATE TABLE ${db}.t (a INT, b INT, c INT)`);
    await sql(`CREATE PROCEDURE ${db}.p() SELECT 1`);
    for (const role of Object.values(roles)) await sql(`CREATE ROLE ${role}`);
    await sql(`GRANT SELECT ON ${db}.* TO ${roles.a}`);
  });

  async function withMaster<T>(
    fn: (session: Awaited<ReturnType<typeof driver.connect>>) => Promise<T>,
  ) {
    const session = await driver.connect(admin(), connectOptions({ credentials: 'master' }));
    try {
      return await fn(session);
    } finally {
      await session.close();
    }
  }

  it('creates the clone with the same host, grants, grant option, roles, REQUIRE and limits', async () => {
    const username = uniqueName('app');
    const host = '10.%';
    await sql('CREATE USER ?@? IDENTIFIED BY ? REQUIRE SSL WITH MAX_USER_CONNECTIONS 7', [
      username,
      host,
      'source-pw',
    ]);
    const account = `'${username}'@'${host}'`;
    await sql(`GRANT SELECT, INSERT ON ${db}.* TO ${account} WITH GRANT OPTION`);
    await sql(`GRANT UPDATE (a, b) ON ${db}.t TO ${account}`);
    await sql(`GRANT EXECUTE ON PROCEDURE ${db}.p TO ${account}`);
    await sql(`GRANT ${roles.a} TO ${account} WITH ADMIN OPTION`);
    await sql(`GRANT ${roles.b} TO ${account}`);
    await sql(`SET DEFAULT ROLE ${roles.a} FOR ${account}`);

    const clone = `${username}_clone`;
    const result = await withMaster((master) =>
      master.syncAccount({
        source: { username, host },
        targetUsername: clone,
        password: 'clone-pw',
        revokeExtra: true,
      }),
    );
    expect(result).toMatchObject({ created: true, target: { username: clone, host } });
    expect(await normalizedGrants(clone, host)).toEqual(await normalizedGrants(username, host));
    const cloneLines = await grantsOf(clone, host);
    expect(cloneLines.join('\n')).toMatch(/WITH GRANT OPTION/);
    expect(cloneLines.join('\n')).toMatch(/REQUIRE SSL/);
    expect(cloneLines.join('\n')).toMatch(/MAX_USER_CONNECTIONS 7/);
    expect(cloneLines.join('\n')).toMatch(new RegExp(`SET DEFAULT ROLE \`${roles.a}\``));
    // The clone has its own password, never the source's hash.
    const hash = (lines: string[]) =>
      /IDENTIFIED BY PASSWORD '([^']*)'/.exec(lines.join('\n'))?.[1];
    expect(hash(cloneLines)).toBeDefined();
    expect(hash(cloneLines)).not.toBe(hash(await grantsOf(username, host)));
  });

  it('revokes what the source no longer has and fixes grant/admin options both ways', async () => {
    const username = uniqueName('app');
    const clone = `${username}_clone`;
    await createDatabaseUser(server, { username, database: db, privileges: ['SELECT'] });
    await createDatabaseUser(server, {
      username: clone,
      database: db,
      privileges: ['ALL PRIVILEGES'],
      extraGrants: [
        `GRANT INSERT ON ${db}.* TO {user} WITH GRANT OPTION`,
        `GRANT ${roles.c} TO {user} WITH ADMIN OPTION`,
        `GRANT UPDATE (c) ON ${db}.t TO {user}`,
      ],
    });
    await sql(`GRANT ${roles.a} TO ?@'%'`, [username]);
    const result = await withMaster((master) =>
      master.syncAccount({
        source: { username, host: '%' },
        targetUsername: clone,
        password: 'new-clone-pw',
        revokeExtra: true,
      }),
    );
    expect(result.created).toBe(false);
    expect(result.revoked).toBeGreaterThan(0);
    expect(await normalizedGrants(clone, '%')).toEqual(await normalizedGrants(username, '%'));
    expect(
      await canLogin({
        host: server.host,
        port: server.port,
        username: clone,
        password: 'new-clone-pw',
      }),
    ).toEqual({ ok: true });
  });

  it('keeps extra grants when revokeExtra is false', async () => {
    const username = uniqueName('app');
    const clone = `${username}_clone`;
    await createDatabaseUser(server, { username, database: db, privileges: ['SELECT'] });
    await createDatabaseUser(server, { username: clone, database: db, privileges: ['DELETE'] });
    await withMaster((master) =>
      master.syncAccount({
        source: { username, host: '%' },
        targetUsername: clone,
        password: 'pw-x',
        revokeExtra: false,
      }),
    );
    const lines = (await grantsOf(clone, '%')).join('\n');
    expect(lines).toMatch(/SELECT, DELETE|DELETE, SELECT|SELECT.*DELETE/);
  });

  it('copies REQUIRE changes onto an existing clone (and back to NONE)', async () => {
    const username = uniqueName('app');
    const clone = `${username}_clone`;
    await createDatabaseUser(server, { username, database: db, privileges: ['SELECT'] });
    await createDatabaseUser(server, { username: clone, database: db, privileges: ['SELECT'] });
    await sql(
      "ALTER USER ?@'%' REQUIRE CIPHER 'AES256-SHA' AND ISSUER 'it''s me' AND SUBJECT 's'",
      [username],
    );
    const sync = () =>
      withMaster((master) =>
        master.syncAccount({
          source: { username, host: '%' },
          targetUsername: clone,
          password: 'pw',
          revokeExtra: true,
        }),
      );
    await sync();
    expect((await grantsOf(clone, '%')).join('\n')).toMatch(
      /REQUIRE ISSUER 'it''s me' SUBJECT 's' CIPHER 'AES256-SHA'/,
    );
    await sql("ALTER USER ?@'%' REQUIRE NONE", [username]);
    await sync();
    expect((await grantsOf(clone, '%')).join('\n')).not.toMatch(/REQUIRE/);
  });

  it('handles usernames with quotes and backticks without injecting SQL', async () => {
    const username = `o'b\`r"ien_${uniqueName('x', 4)}`;
    const clone = `${username}_clone`;
    await createDatabaseUser(server, { username, database: db, privileges: ['SELECT', 'INSERT'] });
    await withMaster((master) =>
      master.syncAccount({
        source: { username, host: '%' },
        targetUsername: clone,
        password: "p'w\\",
        revokeExtra: true,
      }),
    );
    expect(
      await canLogin({ host: server.host, port: server.port, username: clone, password: "p'w\\" }),
    ).toEqual({ ok: true });
    expect(await normalizedGrants(clone, '%')).toEqual(await normalizedGrants(username, '%'));
  });

  it('refuses control characters in a username', async () => {
    const error = await withMaster((master) =>
      master.syncAccount({
        source: { username: 'bad\nname', host: '%' },
        targetUsername: 'bad\nname_clone',
        password: 'x',
        revokeExtra: true,
      }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(UnsafeIdentifierError);
  });

  it('fails clearly when the source account does not exist', async () => {
    const error = await withMaster((master) =>
      master.syncAccount({
        source: { username: uniqueName('ghost'), host: '%' },
        targetUsername: 'whatever_clone',
        password: 'x',
        revokeExtra: true,
      }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(AccountCopyError);
    expect((error as Error).message).toMatch(/does not exist/);
  });

  it('fails with CloneNameTooLongError when the server rejects the clone name', async () => {
    const username = `long_${'x'.repeat(118)}`;
    await createDatabaseUser(server, { username, database: db, privileges: ['SELECT'] });
    const password = 'very-secret-clone-password';
    const error = await withMaster((master) =>
      master.syncAccount({
        source: { username, host: '%' },
        targetUsername: `${username}_clone`,
        password,
        revokeExtra: true,
      }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(CloneNameTooLongError);
    expect((error as CloneNameTooLongError).limit).toBe(128);
    const everything = `${inspect(error, { depth: 10 })}${JSON.stringify(serializeError(error))}`;
    expect(everything).not.toContain(password);
  });

  it('knows the longest username: from the schema as master, from the version otherwise', async () => {
    expect(await withMaster((master) => master.maxUsernameLength())).toBe(128);
    const user = await createDatabaseUser(server, { privileges: [] });
    const session = await driver.connect(
      { ...user, database: undefined, ssl: false },
      connectOptions(),
    );
    try {
      expect(await session.maxUsernameLength()).toBe(80);
    } finally {
      await session.close();
    }
  });

  it('reports each statement to the hook, before and after', async () => {
    const user = await createDatabaseUser(server, { privileges: [] });
    const seen: string[] = [];
    const session = await driver.connect(
      { ...user, database: undefined, ssl: false },
      connectOptions({
        onStatement: async (phase, statement) => void seen.push(`${phase}:${statement}`),
      }),
    );
    try {
      await session.changeOwnPassword('next-password');
    } finally {
      await session.close();
    }
    expect(seen).toEqual([
      'before:CONNECT',
      'after:CONNECT',
      'before:SET PASSWORD',
      'after:SET PASSWORD',
    ]);
  });
});

describe('mysql driver: close', () => {
  it("keeps the process alive while it waits for the server's goodbye (a ref-ed timer)", async () => {
    const user = await createDatabaseUser(server, { privileges: [] });
    const session = await driver.connect(
      { ...user, database: undefined, ssl: false },
      connectOptions(),
    );
    // The spy calls the real setTimeout; it records the fallback timer close() arms.
    const spy = vi.spyOn(globalThis, 'setTimeout');
    let armed: { delayMs: unknown; timer: NodeJS.Timeout }[];
    try {
      await session.close();
    } finally {
      armed = spy.mock.calls.map((call, i) => ({
        delayMs: call[1],
        timer: spy.mock.results[i]?.value as NodeJS.Timeout,
      }));
      spy.mockRestore();
    }
    const fallback = armed.filter((made) => made.delayMs === 1000);
    expect(fallback).toHaveLength(1);
    // docs/architecture.md "Timers and the event loop": close() is awaited, so it must hold
    // the loop when a dead socket no longer does.
    expect(fallback[0]?.timer.hasRef()).toBe(true);
  });
});
