// RDS-managed rotation as RDS does it (no rotation function, no AWSPENDING for the pool to
// find): the password changes on the real MariaDB first, AWSCURRENT moves after a delay.
// Driven by hand against the local Secrets Manager, so the pool's side does not depend on
// the local simulation of managed secrets.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import {
  createDatabaseUser,
  type DatabaseUser,
  describeLoadErrors,
  startQueryLoad,
  uniqueName,
  waitForLoadProgress,
} from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CreatePoolOptions,
  createPool,
  ManagedRotationPendingError,
  type SecretPool,
} from '../src/index.js';
import { alterPassword, getSecretValueCalls, newPassword } from './helpers.js';

const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm?.close());

interface ManagedSecret {
  name: string;
  user: DatabaseUser;
}

/** A secret shaped as RDS writes it: `username` and `password` only. */
async function managedSecret(): Promise<ManagedSecret> {
  const user = await createDatabaseUser(server);
  const name = uniqueName('managed');
  const value = { username: user.username, password: user.password };
  await client.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
  return { name, user };
}

/** RDS's order: the database gets the new password, then (later) AWSCURRENT moves to it. */
async function managedRotation(secret: ManagedSecret, labelMoveDelayMs: number): Promise<string> {
  const password = newPassword();
  await alterPassword(server, secret.user.username, password);
  await sleep(labelMoveDelayMs);
  const out = await client.send(
    new PutSecretValueCommand({
      SecretId: secret.name,
      SecretString: JSON.stringify({ username: secret.user.username, password }),
    }),
  );
  return out.VersionId as string;
}

/** The endpoint the app passes: a managed secret has no host. */
function managedPoolOptions(secret: ManagedSecret): CreatePoolOptions {
  return {
    secretId: secret.name,
    client,
    host: secret.user.host,
    port: secret.user.port,
    database: secret.user.database,
    managedRotation: { recheckDelayMs: 500, maxRecheckDelayMs: 2000 },
    // 32 workers on 8 connections; short idle timeouts plus churn open connections constantly.
    connectionLimit: 8,
    maxIdle: 2,
    idleTimeout: 200,
    // Ten rotations in a minute: more forced refreshes than a weekly rotation needs.
    cacheOptions: { forcedRefresh: { max: 200, windowMs: 60_000 } },
  };
}

async function rotateUnderLoad(pool: SecretPool, secret: ManagedSecret, delayMs: number) {
  const load = startQueryLoad(pool, { workers: 32, churnEvery: 4 });
  const versions: string[] = [];
  const callsBefore = getSecretValueCalls(sm);
  try {
    await waitForLoadProgress(load, 200);
    for (let i = 0; i < 10; i++) {
      versions.push(await managedRotation(secret, delayMs));
      // The pool must log in with the new version before the next rotation starts.
      await expect
        .poll(() => pool.stats().credentials, { timeout: 30_000 })
        .toMatchObject({ versionId: versions[i], verified: true });
      await waitForLoadProgress(load, 50);
    }
  } finally {
    await load.stop();
  }
  const callsPerRotation = (getSecretValueCalls(sm) - callsBefore) / 10;
  return { result: load.result, versions, callsPerRotation };
}

describe('RDS-managed rotation under load (32 workers, new connections in every window)', () => {
  it.each([500, 5000])(
    '10 managed rotations with the label move %i ms after the password change: zero failed queries',
    async (delayMs) => {
      const secret = await managedSecret();
      await using pool = createPool(managedPoolOptions(secret));
      const { result, callsPerRotation } = await rotateUnderLoad(pool, secret, delayMs);
      expect(result.failed, describeLoadErrors(result)).toBe(0);
      expect(result.ok).toBeGreaterThan(1000);
      const stats = pool.stats();
      expect(stats.authFailures).toBeGreaterThanOrEqual(10);
      expect(stats.managedRotationWaits).toBe(10);
      expect(stats.loginGuardRejections).toBe(0);
      expect(stats.consecutiveFailedLogins).toBe(0);
      // Per rotation: one shared refresh (AWSCURRENT + AWSPENDING) per re-read, re-reads
      // 0.5 s doubling to 2 s until the label moved.
      const bound = delayMs < 1000 ? 8 : 16;
      expect(callsPerRotation).toBeLessThanOrEqual(bound);
      expect(stats.cache.fetches).toBeLessThanOrEqual(10 * bound + 1);
      console.info(
        `managed rotation, label move after ${delayMs} ms: ${result.ok} queries, ${result.failed} failed, ` +
          `${callsPerRotation} GetSecretValue calls per rotation, ${stats.authFailures} refused logins, ` +
          `${stats.managedRotationRechecks} re-reads`,
      );
    },
    120_000,
  );

  it('a password changed and never published: ManagedRotationPendingError after the budget, one refused login', async () => {
    const secret = await managedSecret();
    await using pool = createPool({
      ...managedPoolOptions(secret),
      managedRotation: { waitMs: 1500, recheckDelayMs: 100, maxRecheckDelayMs: 400 },
    });
    (await pool.getConnection()).destroy();
    const password = newPassword();
    await alterPassword(server, secret.user.username, password);
    const queries = Array.from({ length: 20 }, async () => {
      const connection = await pool.getConnection();
      connection.destroy();
    });
    const settled = await Promise.allSettled(queries);
    const reasons = settled.map((s) => (s.status === 'rejected' ? s.reason : undefined));
    const failed = reasons.filter((r) => r !== undefined);
    expect(failed.length).toBe(20);
    for (const error of failed) {
      expect(error).toBeInstanceOf(ManagedRotationPendingError);
      expect((error as ManagedRotationPendingError).waitedMs).toBeGreaterThanOrEqual(1000);
      expect((error as Error).message).toMatch(/managed rotation may be under way/);
      expect((error as Error).message).not.toContain(password);
    }
    const stats = pool.stats();
    // The refused password was never sent again (the logins in flight when it changed, at
    // most maxConnecting = 2, were the only ones): the wait does not climb toward a lockout.
    expect(stats.consecutiveFailedLogins).toBeLessThanOrEqual(2);
    expect(stats.authFailures).toBe(stats.consecutiveFailedLogins);
    expect(stats.managedRotationRechecks).toBeGreaterThanOrEqual(3);
  });

  it('pool.end() during a wait ends it at once; the waiting request is refused', async () => {
    const secret = await managedSecret();
    const pool = createPool(managedPoolOptions(secret));
    (await pool.getConnection()).destroy();
    await alterPassword(server, secret.user.username, newPassword());
    const waiting = pool.query('SELECT 1');
    await expect.poll(() => pool.stats().managedRotationWaits).toBe(1);
    await pool.end();
    await expect(waiting).rejects.toThrow(/closed/i);
  });
});
