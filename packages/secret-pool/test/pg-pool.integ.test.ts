// createPgPool on the real PostgreSQL (the run's shared server) and the local Secrets Manager:
// pg's Pool surface, the AWSPENDING bridge, single-flight refreshes, typed refusals, TLS and
// printing. Rotations under load are in pg-rotation.integ.test.ts.
import { inspect } from 'node:util';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { quoteIdentifier } from '@rotakit/engine-postgres';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { withPostgresAdmin } from '@rotakit/testing';
import { testPostgres } from '@rotakit/testing/vitest';
import { sql as drizzleSql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  DatabaseAccessDeniedError,
  InvalidOptionError,
  LoginGuardError,
  TerminalConnectionError,
  UnknownDatabaseError,
} from '../src/index.js';
import { type CreatePgPoolOptions, createPgPool, type SecretPgPool } from '../src/pg/index.js';
import { getSecretValueCalls, newPassword } from './helpers.js';
import { alterRolePassword, createPgSecret, putPendingPg } from './pg-helpers.js';

const server = testPostgres();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm?.close());
beforeEach(() => sm.faults.clear());

function poolFor(secretId: string, extra: Partial<CreatePgPoolOptions> = {}): SecretPgPool {
  return createPgPool({ secretId, client, ...extra } as CreatePgPoolOptions);
}

describe("createPgPool: pg's Pool surface", () => {
  it('is a real pg.Pool: query overloads, connect as promise and callback, events, counts', async () => {
    const secret = await createPgSecret(server, client);
    await using pool = poolFor(secret.name, { max: 3 });
    expect(pool).toBeInstanceOf(pg.Pool);
    const events: string[] = [];
    for (const event of ['connect', 'acquire', 'release', 'remove'] as const) {
      pool.on(event, () => events.push(event));
    }
    expect((await pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    expect((await pool.query('SELECT $1::int AS n', [7])).rows).toEqual([{ n: 7 }]);
    expect((await pool.query({ text: 'SELECT $1::text AS t', values: ['x'] })).rows).toEqual([
      { t: 'x' },
    ]);
    const viaCallback = await new Promise((resolve, reject) =>
      pool.query('SELECT current_user AS u', (error, result) =>
        error ? reject(error) : resolve(result.rows[0]),
      ),
    );
    expect(viaCallback).toEqual({ u: secret.role.username });
    const held = await pool.connect();
    expect((await held.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    const second = await new Promise<pg.PoolClient>((resolve, reject) =>
      pool.connect((error, c) => (error || !c ? reject(error) : resolve(c))),
    );
    expect(pool.totalCount).toBe(2);
    expect(pool.idleCount).toBe(0);
    held.release();
    second.release(true);
    // pg emits `remove` once the destroyed client has ended.
    await expect
      .poll(() => events)
      .toEqual(expect.arrayContaining(['connect', 'acquire', 'release', 'remove']));
    expect(pool.stats()).toMatchObject({
      secretId: secret.name,
      credentials: { versionId: secret.versionId, source: 'AWSCURRENT', verified: true },
      connectionsOpened: 2,
      authFailures: 0,
      connections: { total: 1, idle: 1 },
    });
  });

  it("a statement error is pg's own and is not retried", async () => {
    const secret = await createPgSecret(server, client);
    await using pool = poolFor(secret.name);
    const error = await pool.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(pg.DatabaseError);
    expect(error).toMatchObject({ code: '42P01' });
    expect(pool.stats().connectRetries).toBe(0);
  });

  it('refuses connectionString, a password function and a Client class, naming the option', () => {
    for (const [option, value] of [
      ['connectionString', 'postgres://u:p@h/d'],
      ['password', () => 'x'],
      ['Client', pg.Client],
    ] as const) {
      const make = () => poolFor('s', { [option]: value } as Partial<CreatePgPoolOptions>);
      expect(make).toThrow(InvalidOptionError);
      expect(make).toThrow(expect.objectContaining({ option }));
    }
  });
});

describe('rotation window', () => {
  it('after setSecret a new connection succeeds with AWSPENDING; old connections stay untouched', async () => {
    const secret = await createPgSecret(server, client);
    await using pool = poolFor(secret.name, { max: 4, idleTimeoutMillis: 60_000 });
    const old = await pool.connect();
    const oldPid = (await old.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const password = newPassword();
    const pending = await putPendingPg(client, secret.name, { ...secret.value, password });
    await alterRolePassword(server, secret.role.username, password);
    // The cached AWSCURRENT is the old password: the new login is refused (28P01), bridged.
    const fresh = await pool.connect();
    expect((await fresh.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    expect((await old.query('SELECT pg_backend_pid() AS pid')).rows[0].pid).toBe(oldPid);
    old.release();
    fresh.release();
    expect(pool.stats()).toMatchObject({
      credentials: { versionId: pending, source: 'AWSPENDING' },
      authFailures: 1,
      pendingProbes: 1,
      pendingProbeSuccesses: 1,
    });
  });

  it('100 simultaneous connects after a rotation cost at most 2 Secrets Manager calls', async () => {
    const secret = await createPgSecret(server, client);
    await using pool = poolFor(secret.name, { max: 100, cacheOptions: { ttlMs: 60_000 } });
    await pool.query('SELECT 1');
    const password = newPassword();
    await putPendingPg(client, secret.name, { ...secret.value, password });
    await alterRolePassword(server, secret.role.username, password);
    const before = getSecretValueCalls(sm);
    const clients = await Promise.all(Array.from({ length: 100 }, () => pool.connect()));
    const calls = getSecretValueCalls(sm) - before;
    for (const c of clients) c.release();
    expect(calls).toBeLessThanOrEqual(2);
    // At most maxConnecting (2) logins were in flight with the old password.
    expect(pool.stats().authFailures).toBeGreaterThanOrEqual(1);
    expect(pool.stats().authFailures).toBeLessThanOrEqual(2);
    expect(pool.stats()).toMatchObject({ pendingProbes: 1, pendingProbeSuccesses: 1 });
  });
});

describe('refusals are typed, never a hang', () => {
  it('a wrong password with nothing newer: AuthenticationError with SQLSTATE 28P01', async () => {
    const secret = await createPgSecret(server, client);
    const realPassword = newPassword();
    await alterRolePassword(server, secret.role.username, realPassword);
    await using pool = poolFor(secret.name, {
      auth: { retryDelayMs: 10, maxRetryDelayMs: 20 },
      loginGuard: false,
    });
    const error = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ sqlState: '28P01', code: '28P01', secretId: secret.name });
    expect(inspect(error)).not.toContain(secret.value.password);
    expect(inspect(error)).not.toContain(realPassword);
  });

  it('the login guard stops at maxFailures failed logins in a row (no lockout loop)', async () => {
    const secret = await createPgSecret(server, client);
    await alterRolePassword(server, secret.role.username, newPassword());
    await using pool = poolFor(secret.name, {
      auth: { retryDelayMs: 5, maxRetryDelayMs: 10 },
      loginGuard: { maxFailures: 2 },
    });
    const errors = await Promise.all(
      Array.from({ length: 5 }, () => pool.query('SELECT 1').catch((e: unknown) => e)),
    );
    for (const error of errors) expect(error).toBeInstanceOf(Error);
    expect(errors.some((e) => e instanceof LoginGuardError)).toBe(true);
    expect(pool.stats().authFailures).toBe(1);
    expect(pool.stats().consecutiveFailedLogins).toBe(1);
  });

  it.each([
    ['3D000 unknown database', UnknownDatabaseError, 'unknown-database', '3D000'],
    [
      '42501 no CONNECT on the database',
      DatabaseAccessDeniedError,
      'database-access-denied',
      '42501',
    ],
    ['28000 a role that may not log in', TerminalConnectionError, 'login-rejected', '28000'],
  ])('%s: the typed terminal error at once', async (label, type, reason, sqlState) => {
    const secret = await createPgSecret(server, client, { database: 'own' });
    let database = secret.role.database;
    await withPostgresAdmin(server, async (admin) => {
      const role = quoteIdentifier(secret.role.username);
      if (label.startsWith('3D000')) database = `${database}_missing`;
      if (label.startsWith('42501')) {
        await admin.query(`REVOKE CONNECT ON DATABASE ${quoteIdentifier(database)} FROM PUBLIC`);
        await admin.query(
          `ALTER DATABASE ${quoteIdentifier(database)} OWNER TO ${quoteIdentifier(server.admin.username)}`,
        );
        await admin.query(`REVOKE CONNECT ON DATABASE ${quoteIdentifier(database)} FROM ${role}`);
      }
      if (label.startsWith('28000')) await admin.query(`ALTER ROLE ${role} NOLOGIN`);
    });
    await using pool = poolFor(secret.name, { database });
    const started = Date.now();
    const error = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ reason, sqlState, secretId: secret.name });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(pool.stats()).toMatchObject({ terminalErrors: 1, connectRetries: 0 });
  });
});

describe('libraries that take a pg.Pool, across a password change', () => {
  it("Kysely's PostgresDialect and Drizzle's node-postgres driver run on it as is", async () => {
    const secret = await createPgSecret(server, client);
    await using pool = poolFor(secret.name, { max: 2, idleTimeoutMillis: 50 });
    const kysely = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
    const db = drizzle({ client: pool });
    const viaKysely = () => sql<{ u: string }>`SELECT current_user AS u`.execute(kysely);
    const viaDrizzle = () => db.execute<{ n: number }>(drizzleSql`SELECT 1 AS n`);
    expect((await viaKysely()).rows).toEqual([{ u: secret.role.username }]);
    expect((await viaDrizzle()).rows).toEqual([{ n: 1 }]);
    const password = newPassword();
    await putPendingPg(client, secret.name, { ...secret.value, password });
    await alterRolePassword(server, secret.role.username, password);
    // The idle clients time out: the next queries log in anew, inside the window.
    await expect.poll(() => pool.totalCount).toBe(0);
    expect((await viaKysely()).rows).toEqual([{ u: secret.role.username }]);
    expect((await viaDrizzle()).rows).toEqual([{ n: 1 }]);
    expect(pool.stats()).toMatchObject({ pendingProbeSuccesses: 1 });
  });
});

describe('TLS and printing', () => {
  it('"ssl": true requires TLS verified against Node\'s and the RDS CAs (not this test CA)', async () => {
    const secret = await createPgSecret(server, client, {}, { ssl: true });
    await using pool = poolFor(secret.name, { loginGuard: false });
    const error = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    // The test CA is in neither set: verification is on (a chain or a lone leaf, by how the server sends it).
    expect(['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']).toContain(
      (error as { code?: string }).code,
    );
  });

  it("the caller's ssl option wins over the secret's; the connection is TLS", async () => {
    const secret = await createPgSecret(server, client, {}, { ssl: true });
    await using pool = poolFor(secret.name, { ssl: { ca: server.ca, rejectUnauthorized: true } });
    const { rows } = await pool.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(rows).toEqual([{ ssl: true }]);
  });

  it('never prints the password: the pool, its clients, its options and JSON', async () => {
    const secret = await createPgSecret(server, client);
    await using pool = poolFor(secret.name);
    const held = await pool.connect();
    try {
      for (const text of [
        inspect(pool, { depth: 6, showHidden: false }),
        JSON.stringify(pool),
        inspect(held, { depth: 6 }),
        inspect(pool.options, { depth: 6 }),
        String(pool),
      ]) {
        expect(text).not.toContain(secret.value.password);
      }
      expect(inspect(pool)).toContain('[redacted]');
    } finally {
      held.release();
    }
  });
});
