// createPool against the real MariaDB (shared test server) and the local Secrets Manager.
import { inspect } from 'node:util';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { uniqueName, withAdmin } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import type { PoolConnection } from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AccountLockedError,
  createPool,
  DatabaseAccessDeniedError,
  SecretCache,
  SecretFetchError,
  SecretFormatError,
  UnknownDatabaseError,
} from '../src/index.js';
import {
  alterPassword,
  createDbSecret,
  finish,
  getSecretValueCalls,
  newPassword,
  putPending,
} from './helpers.js';

const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm?.close());
beforeEach(() => sm.faults.clear());

async function currentUser(connection: PoolConnection): Promise<string> {
  const [rows] = await connection.query('SELECT CURRENT_USER() AS u');
  return String((rows as { u: string }[])[0]?.u).split('@')[0] ?? '';
}

/** Opens `n` connections at once (each request holds its own) and returns them. */
async function holdConnections(pool: ReturnType<typeof createPool>, n: number) {
  return Promise.all(Array.from({ length: n }, () => pool.getConnection()));
}

describe('createPool', () => {
  it('connects with the credentials from the secret and has the mysql2 promise pool surface', async () => {
    const secret = await createDbSecret(server, client);
    await using pool = createPool({ secretId: secret.name, client, connectionLimit: 3 });
    const [rows] = await pool.query('SELECT 1 + ? AS two, DATABASE() AS db', [1]);
    expect(rows).toEqual([{ two: 2, db: secret.user.database }]);
    const [executed] = await pool.execute('SELECT ? AS v', ['x']);
    expect(executed).toEqual([{ v: 'x' }]);
    const connection = await pool.getConnection();
    expect(await currentUser(connection)).toBe(secret.user.username);
    connection.release();
    expect(pool.escape("a'b")).toBe("'a\\'b'");
    expect(pool.escapeId('t')).toBe('`t`');
    expect(pool.format('SELECT ?', [1])).toBe('SELECT 1');
    const stats = pool.stats();
    expect(stats).toMatchObject({
      secretId: secret.name,
      credentials: {
        versionId: secret.versionId,
        source: 'AWSCURRENT',
        username: secret.user.username,
        verified: true,
      },
      credentialRefreshes: 1,
      authFailures: 0,
    });
    expect(stats.connectionsOpened).toBeGreaterThanOrEqual(1);
    expect(stats.cache.fetches).toBe(1);
  });

  it('never prints the password: pool, stats, core pool, connections, events', async () => {
    const secret = await createDbSecret(server, client);
    await using pool = createPool({ secretId: secret.name, client });
    const events: unknown[] = [];
    pool.on('credentialsRefreshed', (e) => events.push(e));
    const connection = await pool.getConnection();
    const printed = [
      inspect(pool, { depth: 8 }),
      JSON.stringify(pool),
      JSON.stringify(pool.stats()),
      inspect(pool.pool, { depth: 3 }),
      inspect(connection, { depth: 4 }),
      JSON.stringify(events),
    ];
    connection.release();
    for (const text of printed) expect(text).not.toContain(secret.user.password);
    expect(printed[0]).toContain(secret.name);
  });

  it('forwards mysql2 pool events', async () => {
    const secret = await createDbSecret(server, client);
    await using pool = createPool({ secretId: secret.name, client });
    const seen: string[] = [];
    pool.on('connection', () => seen.push('connection'));
    pool.on('acquire', () => seen.push('acquire'));
    pool.on('release', () => seen.push('release'));
    await pool.query('SELECT 1');
    expect(seen).toEqual(['connection', 'acquire', 'release']);
  });

  it('lets explicit options override the secret (database)', async () => {
    const other = uniqueName('db');
    const secret = await createDbSecret(server, client, {
      extraGrants: [`GRANT ALL ON \`${other}\`.* TO {user}`],
    });
    await withAdmin(server, (admin) => admin.query(`CREATE DATABASE \`${other}\``));
    await using pool = createPool({ secretId: secret.name, client, database: other });
    const [rows] = await pool.query('SELECT DATABASE() AS db');
    expect(rows).toEqual([{ db: other }]);
  });

  it("takes mysql2's password1 alias as an explicit password", async () => {
    const secret = await createDbSecret(server, client);
    const password = newPassword();
    // The secret's password no longer works: only the explicit one can log in.
    await alterPassword(server, secret.user.username, password);
    await using pool = createPool({
      secretId: secret.name,
      client,
      password1: password,
      auth: { maxRetries: 0 },
    });
    const [rows] = await pool.query('SELECT 1 AS ok');
    expect(rows).toEqual([{ ok: 1 }]);
    expect(pool.stats().authFailures).toBe(0);
  });

  it('shares one SecretCache between pools', async () => {
    const secret = await createDbSecret(server, client);
    await using cache = new SecretCache({ client });
    const before = getSecretValueCalls(sm);
    const pools = Array.from({ length: 5 }, () => createPool({ secretId: secret.name, cache }));
    try {
      await Promise.all(pools.map((p) => p.query('SELECT 1')));
      expect(getSecretValueCalls(sm) - before).toBe(1);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    expect(cache.closed).toBe(false);
  });

  it('keeps existing connections working after the password changes', async () => {
    const secret = await createDbSecret(server, client);
    await using pool = createPool({ secretId: secret.name, client, connectionLimit: 2 });
    const held = await pool.getConnection();
    await alterPassword(server, secret.user.username, newPassword());
    const [rows] = await held.query('SELECT 1 AS ok');
    expect(rows).toEqual([{ ok: 1 }]);
    held.release();
    expect(pool.stats().authFailures).toBe(0);
  });

  it('bridges the rotation window: after setSecret new connections log in with AWSPENDING, and the callers never see the error', async () => {
    const secret = await createDbSecret(server, client);
    await using pool = createPool({
      secretId: secret.name,
      client,
      connectionLimit: 20,
      cacheOptions: { ttlMs: 60_000 },
    });
    await pool.query('SELECT 1');
    const password = newPassword();
    const pendingVersion = await putPending(client, secret.name, { ...secret.value, password });
    await alterPassword(server, secret.user.username, password);
    const before = getSecretValueCalls(sm);
    const failures: number[] = [];
    pool.on('authFailure', (e) => failures.push(e.errno ?? 0));
    // 20 requests that each need a new connection, all at once.
    const connections = await holdConnections(pool, 20);
    for (const c of connections) c.destroy();
    expect(getSecretValueCalls(sm) - before).toBeLessThanOrEqual(2);
    const stats = pool.stats();
    expect(stats.credentials).toMatchObject({ versionId: pendingVersion, source: 'AWSPENDING' });
    expect(stats.pendingProbes).toBe(1);
    expect(stats.pendingProbeSuccesses).toBe(1);
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures.every((errno) => errno === 1045)).toBe(true);
    // Bounded by maxConnecting: the logins in flight when the password changed.
    expect(failures.length).toBeLessThanOrEqual(2);
    // finishSecret: AWSCURRENT catches up; the pool notices and the window closes.
    await finish(client, secret.name, pendingVersion);
    await pool.cache.get(secret.name, { forceRefresh: true });
    const fresh = await holdConnections(pool, 5);
    for (const c of fresh) c.release();
    expect(pool.stats().credentials.source).toBe('AWSCURRENT');
    expect(pool.stats().longestRotationWindowMs).toBeGreaterThan(0);
  });

  it('after a finished rotation, refreshes AWSCURRENT once for every new connection that was refused', async () => {
    const secret = await createDbSecret(server, client);
    await using pool = createPool({ secretId: secret.name, client, connectionLimit: 30 });
    await pool.query('SELECT 1');
    const password = newPassword();
    const pendingVersion = await putPending(client, secret.name, { ...secret.value, password });
    await alterPassword(server, secret.user.username, password);
    await finish(client, secret.name, pendingVersion);
    const before = getSecretValueCalls(sm);
    const connections = await holdConnections(pool, 30);
    for (const c of connections) c.release();
    expect(getSecretValueCalls(sm) - before).toBe(1);
    expect(pool.stats().credentials).toMatchObject({
      versionId: pendingVersion,
      source: 'AWSCURRENT',
    });
  });

  it('applies a host/port/dbname change in the secret to new connections and retires the old ones', async () => {
    const other = uniqueName('db');
    const secret = await createDbSecret(server, client, {
      extraGrants: [`GRANT ALL ON \`${other}\`.* TO {user}`],
    });
    await withAdmin(server, (admin) => admin.query(`CREATE DATABASE \`${other}\``));
    await using pool = createPool({
      secretId: secret.name,
      client,
      connectionLimit: 4,
      cacheOptions: { ttlMs: 50, ttlJitter: 0 },
      credentialCheckIntervalMs: 20,
      retireConnections: { overMs: 100 },
    });
    const first = await holdConnections(pool, 4);
    for (const c of first) c.release();
    const moved = await putPending(client, secret.name, {
      ...secret.value,
      host: 'localhost',
      dbname: other,
    });
    await finish(client, secret.name, moved);
    await expect.poll(() => pool.stats().credentials.versionId, { timeout: 5000 }).toBe(moved);
    await expect.poll(() => pool.stats().retiredConnections, { timeout: 5000 }).toBe(4);
    const [rows] = await pool.query('SELECT DATABASE() AS db');
    expect(rows).toEqual([{ db: other }]);
  });

  it('fails fast with typed errors for terminal login failures', async () => {
    const missing = uniqueName('missing');
    const unknownDb = await createDbSecret(server, client, {
      extraGrants: [`GRANT ALL ON \`${missing}\`.* TO {user}`],
    });
    await using p1 = createPool({ secretId: unknownDb.name, client, database: missing });
    await expect(p1.query('SELECT 1')).rejects.toBeInstanceOf(UnknownDatabaseError);

    const noAccess = await createDbSecret(server, client);
    await using p2 = createPool({ secretId: noAccess.name, client, database: 'mysql' });
    const denied = await p2.query('SELECT 1').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(DatabaseAccessDeniedError);
    expect(denied).toMatchObject({ errno: 1044, reason: 'database-access-denied' });

    const locked = await createDbSecret(server, client);
    await withAdmin(server, (admin) =>
      admin.query('ALTER USER ?@? ACCOUNT LOCK', [locked.user.username, '%']),
    );
    await using p3 = createPool({ secretId: locked.name, client });
    const before = getSecretValueCalls(sm);
    const lockedError = await p3.query('SELECT 1').catch((e: unknown) => e);
    expect(lockedError).toBeInstanceOf(AccountLockedError);
    expect((lockedError as Error).message).not.toContain(locked.user.password);
    expect(getSecretValueCalls(sm) - before).toBeLessThanOrEqual(1);
    expect(p3.stats()).toMatchObject({ terminalErrors: 1, authFailures: 0 });
  });

  it('gives a clear error when Secrets Manager fails and nothing was ever fetched', async () => {
    const secret = await createDbSecret(server, client);
    sm.faults.add({ operation: 'GetSecretValue', kind: 'throttle' });
    await using pool = createPool({ secretId: secret.name, client });
    const error = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFetchError);
    expect(error).toMatchObject({ code: 'ThrottlingException', secretId: secret.name });
  });

  it('rejects a secret without a password with a SecretFormatError that names the field', async () => {
    const secret = await createDbSecret(server, client);
    const name = uniqueName('bad');
    const { CreateSecretCommand } = await import('@aws-sdk/client-secrets-manager');
    await client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: JSON.stringify({ username: secret.user.username, host: '127.0.0.1' }),
      }),
    );
    await using pool = createPool({ secretId: name, client });
    const error = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error).toMatchObject({ field: 'password' });
  });
});
