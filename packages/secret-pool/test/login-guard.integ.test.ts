// The failed-login guard against a MariaDB that blocks an account after 4 consecutive
// failed logins (max_password_errors): a dedicated server, because the setting is global.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { canLogin, type MysqlServer, startMysql, withAdmin } from '@rotakit/testing';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, createPool, LoginGuardError } from '../src/index.js';
import { createDbSecret, getSecretValueCalls } from './helpers.js';

const SERVER_LIMIT = 4;
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

describe('login guard', () => {
  it('caps failed logins below the server lockout: 30 concurrent queries with a wrong password do not block the account', async () => {
    const secret = await staleSecret();
    await using pool = createPool({
      secretId: secret.name,
      client,
      connectionLimit: 10,
      loginGuard: { maxFailures: SERVER_LIMIT - 1, windowMs: 60_000 },
      auth: { retryDelayMs: 1, maxRetryDelayMs: 5 },
    });
    const guardEvents: number[] = [];
    pool.on('loginGuard', (e) => guardEvents.push(e.failures));
    const before = getSecretValueCalls(sm);
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => pool.query('SELECT 1')),
    );
    const errors = results.map((r) => (r.status === 'rejected' ? r.reason : undefined));
    expect(
      errors.every((e) => e instanceof AuthenticationError || e instanceof LoginGuardError),
    ).toBe(true);
    expect(errors.some((e) => e instanceof LoginGuardError)).toBe(true);
    const stats = pool.stats();
    expect(stats.authFailures).toBe(SERVER_LIMIT - 1);
    expect(stats.loginGuardRejections).toBeGreaterThan(0);
    expect(guardEvents.length).toBe(stats.loginGuardRejections);
    // Bounded Secrets Manager traffic too: the forced refreshes are shared and capped.
    expect(getSecretValueCalls(sm) - before).toBeLessThanOrEqual(2 * SERVER_LIMIT);
    const guard = errors.find((e) => e instanceof LoginGuardError) as LoginGuardError;
    expect(guard.retryAfterMs).toBeGreaterThan(0);
    expect(guard.message).toMatch(/loginGuard.maxFailures/);
    // The account still works with its real password: the server never blocked it.
    const withRealPassword = { ...secret.user, password: 'rotated-away' };
    expect(await canLogin(withRealPassword)).toEqual({ ok: true });
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
