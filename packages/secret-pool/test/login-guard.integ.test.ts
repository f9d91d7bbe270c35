// The failed-login guard against a MariaDB that blocks an account after 8 consecutive
// failed logins (max_password_errors, above the guard's default 5 as docs/secret-pool.md
// advises): a dedicated server, because the setting is global, and because its global
// Access_denied_errors counter then counts this file's failed logins only.

import { setTimeout as sleep } from 'node:timers/promises';
import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { canLogin, type MysqlServer, startMysql, withAdmin } from '@rotakit/testing';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, createPool, LoginGuardError } from '../src/index.js';
import { createDbSecret, type DbSecret, getSecretValueCalls } from './helpers.js';

const SERVER_LIMIT = 8;
const GUARD_LIMIT = 5;
let server: MysqlServer;
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  [server, sm] = await Promise.all([
    startMysql({ serverArgs: [`--max-password-errors=${SERVER_LIMIT}`] }),
    startSecretsManager(),
  ]);
  client = sm.client({ maxAttempts: 1 });
});
afterAll(async () => {
  await Promise.all([server?.stop(), sm?.close()]);
});

/** A secret whose password the database does not accept. */
async function staleSecret() {
  const secret = await createDbSecret(server, client);
  await withAdmin(server, (admin) =>
    admin.query('ALTER USER ?@? IDENTIFIED BY ?', [secret.user.username, '%', 'rotated-away']),
  );
  return secret;
}

/** Failed logins the server has seen (every access denied on this dedicated server). */
async function serverDenials(): Promise<number> {
  return withAdmin(server, async (admin) => {
    const [rows] = await admin.query("SHOW GLOBAL STATUS LIKE 'Access_denied_errors'");
    return Number((rows as { Value: string }[])[0]?.Value);
  });
}

/** Makes `password` the secret's AWSCURRENT, as an operator fixing it would. */
async function putCurrentPassword(secret: DbSecret, password: string): Promise<void> {
  await client.send(
    new PutSecretValueCommand({
      SecretId: secret.name,
      SecretString: JSON.stringify({ ...secret.value, password }),
    }),
  );
}

async function settle(query: Promise<unknown>): Promise<unknown> {
  return query.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('login guard', () => {
  it('a wrong password costs one failed login however many queries ask: 30 concurrent queries', async () => {
    const secret = await staleSecret();
    await using pool = createPool({
      secretId: secret.name,
      client,
      connectionLimit: 10,
      loginGuard: { maxFailures: SERVER_LIMIT - 1 },
      auth: { retryDelayMs: 1, maxRetryDelayMs: 5 },
    });
    const guardEvents: number[] = [];
    pool.on('loginGuard', (e) => guardEvents.push(e.failures));
    const before = getSecretValueCalls(sm);
    const deniedBefore = await serverDenials();
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => pool.query('SELECT 1')),
    );
    const errors = results.map((r) => (r.status === 'rejected' ? r.reason : undefined));
    expect(
      errors.every((e) => e instanceof AuthenticationError || e instanceof LoginGuardError),
    ).toBe(true);
    expect(errors.some((e) => e instanceof LoginGuardError)).toBe(true);
    const stats = pool.stats();
    // The password was sent once; the other requests re-read the secret instead of logging in.
    expect(stats.authFailures).toBe(1);
    expect(await serverDenials()).toBe(deniedBefore + 1);
    expect(stats.consecutiveFailedLogins).toBe(1);
    expect(stats.loginsSkipped).toBeGreaterThanOrEqual(29);
    expect(stats.loginGuardRejections).toBeGreaterThan(0);
    expect(guardEvents.length).toBe(stats.loginGuardRejections);
    // Bounded Secrets Manager traffic too: the forced refreshes are shared and capped.
    expect(getSecretValueCalls(sm) - before).toBeLessThanOrEqual(2 * SERVER_LIMIT);
    const guard = errors.find((e) => e instanceof LoginGuardError) as LoginGuardError;
    expect(guard).toMatchObject({ reason: 'password-refused', failures: 1 });
    expect(guard.message).toMatch(/loginGuard.maxFailures/);
    expect(guard.message).not.toContain(secret.value.password);
    // The account still works with its real password: the server never blocked it.
    const withRealPassword = { ...secret.user, password: 'rotated-away' };
    expect(await canLogin(withRealPassword)).toEqual({ ok: true });
  });

  it('an outage far longer than any window never blocks the account, and the pool works as soon as the secret is put right', async () => {
    const secret = await staleSecret();
    await using pool = createPool({
      secretId: secret.name,
      client,
      connectionLimit: 4,
      auth: { retryDelayMs: 10, maxRetryDelayMs: 40 },
      // Short cache time constants, so the outage outlasts each of them many times.
      cacheOptions: {
        backoff: { retries: 1, minDelayMs: 50, maxDelayMs: 100 },
        forcedRefresh: { max: 50, windowMs: 250 },
      },
    });
    const deniedBefore = await serverDenials();
    // One getConnection() after another for 3 s (the old guard's window forgot after 60 s).
    const outageEnds = Date.now() + 3000;
    const outcomes: unknown[] = [];
    while (Date.now() < outageEnds) {
      outcomes.push(await settle(pool.getConnection()));
      await sleep(50);
    }
    expect(outcomes.length).toBeGreaterThan(10);
    for (const error of outcomes) {
      expect(error instanceof AuthenticationError || error instanceof LoginGuardError).toBe(true);
    }
    const denied = (await serverDenials()) - deniedBefore;
    expect({ denied, poolFailures: pool.stats().authFailures }).toEqual({
      denied: 1,
      poolFailures: 1,
    });
    console.info(
      `outage: ${outcomes.length} getConnection() calls, ${denied} failed login(s) at the server`,
    );

    await putCurrentPassword(secret, 'rotated-away');
    const connection = await pool.getConnection();
    connection.release();
    expect(pool.stats()).toMatchObject({ consecutiveFailedLogins: 0, authFailures: 1 });
    // Not blocked: the server let the corrected password in, and still does.
    expect(await canLogin({ ...secret.user, password: 'rotated-away' })).toEqual({ ok: true });
  });

  it('new passwords that are wrong too are tried up to maxFailures, then nothing: the account stays below the server limit', async () => {
    const secret = await staleSecret();
    await using pool = createPool({
      secretId: secret.name,
      client,
      loginGuard: { maxFailures: GUARD_LIMIT },
      auth: { maxRetries: 0 },
    });
    const deniedBefore = await serverDenials();
    const errors: unknown[] = [await settle(pool.query('SELECT 1'))];
    // An operator "fixing" the secret with wrong passwords, more often than the server allows.
    for (let typo = 1; typo < SERVER_LIMIT + 2; typo++) {
      await putCurrentPassword(secret, `typo-${typo}`);
      errors.push(await settle(pool.query('SELECT 1')));
    }
    const denied = (await serverDenials()) - deniedBefore;
    expect(denied).toBe(GUARD_LIMIT);
    expect(pool.stats()).toMatchObject({
      authFailures: GUARD_LIMIT,
      consecutiveFailedLogins: GUARD_LIMIT,
    });
    expect(errors.slice(0, GUARD_LIMIT).every((e) => e instanceof AuthenticationError)).toBe(true);
    for (const error of errors.slice(GUARD_LIMIT)) {
      expect(error).toBeInstanceOf(LoginGuardError);
      expect(error).toMatchObject({ reason: 'limit', failures: GUARD_LIMIT, maxFailures: 5 });
    }
    // The server's count is 5 of 8: the account is not blocked.
    expect(await canLogin({ ...secret.user, password: 'rotated-away' })).toEqual({ ok: true });
  });

  it('for comparison, a plain mysql2 pool fed the stale password gets the account blocked', async () => {
    const secret = await staleSecret();
    const plain = mysql.createPool({
      host: secret.user.host,
      port: secret.user.port,
      user: secret.user.username,
      password: secret.user.password,
      connectionLimit: 10,
    });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, () => plain.query('SELECT 1')),
      );
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
    } finally {
      await plain.end();
    }
    const withRealPassword = { ...secret.user, password: 'rotated-away' };
    expect(await canLogin(withRealPassword)).toMatchObject({ ok: false, errno: 4150 });
    await withAdmin(server, (admin) => admin.query('FLUSH PRIVILEGES'));
    expect(await canLogin(withRealPassword)).toEqual({ ok: true });
  });
});
