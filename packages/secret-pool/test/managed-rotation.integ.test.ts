// RDS-managed rotation as RDS does it (no rotation function): the local Secrets Manager's
// simulation changes the password on the real MariaDB first and moves AWSCURRENT after a
// delay, with or without an AWSPENDING version meanwhile (AWS does not document which).
import { RotateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
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
  type PoolCacheOptions,
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

/**
 * A secret RDS manages (`rds!db-…`, `username` and `password` only) in the local simulation:
 * RotateSecret changes the password on the real MariaDB, then moves AWSCURRENT after
 * `labelMoveDelayMs`; with `stagePending` the new version carries AWSPENDING meanwhile.
 */
async function managedSecret(labelMoveDelayMs = 1000, stagePending = true): Promise<ManagedSecret> {
  const user = await createDatabaseUser(server);
  const { name } = await sm.createRdsManagedSecret({
    resource: { type: 'instance', identifier: uniqueName('db') },
    username: user.username,
    password: user.password,
    database: {
      engine: 'mysql',
      host: server.host,
      port: server.port,
      user: server.adminUser,
      password: server.adminPassword,
    },
    labelMoveDelayMs,
    stagePending,
  });
  return { name, user };
}

/** The service's own rotation (RotateSecret with no function), to its end. */
async function managedRotation(secret: ManagedSecret): Promise<string> {
  const started = await client.send(new RotateSecretCommand({ SecretId: secret.name }));
  const token = started.VersionId as string;
  const outcome = await sm.waitForRotation(secret.name, { token, timeoutMs: 30_000 });
  expect(outcome.status).toBe('succeeded');
  return token;
}

/**
 * The endpoint the app passes: a managed secret has no host. `tuned` re-reads sooner (0.5 s
 * doubling to 2 s) for the 5 s cases; untuned is the pool's and the cache's defaults.
 */
function managedPoolOptions(
  secret: ManagedSecret,
  tuned: boolean,
  cacheOptions?: PoolCacheOptions,
): CreatePoolOptions {
  return {
    secretId: secret.name,
    client,
    host: secret.user.host,
    port: secret.user.port,
    database: secret.user.database,
    ...(tuned && {
      managedRotation: { recheckDelayMs: 500, maxRecheckDelayMs: 2000 },
      // Ten rotations in a minute: more per-request forced refreshes than a weekly rotation needs.
      cacheOptions: { forcedRefresh: { max: 200, windowMs: 60_000 } },
    }),
    ...(cacheOptions && { cacheOptions }),
    // 32 workers on 8 connections; short idle timeouts plus churn open connections constantly.
    connectionLimit: 8,
    maxIdle: 2,
    idleTimeout: 200,
  };
}

async function rotateUnderLoad(pool: SecretPool, secret: ManagedSecret) {
  const load = startQueryLoad(pool, { workers: 32, churnEvery: 4 });
  const versions: string[] = [];
  const callsBefore = getSecretValueCalls(sm);
  try {
    await waitForLoadProgress(load, 200);
    for (let i = 0; i < 10; i++) {
      versions.push(await managedRotation(secret));
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
  it.each([
    [500, 'without AWSPENDING', false],
    [5000, 'without AWSPENDING', false],
    [500, 'with AWSPENDING', true],
    [5000, 'with AWSPENDING', true],
  ])(
    '10 managed rotations, label move %i ms after the password change, new version %s: zero failed queries',
    async (delayMs, _staged, stagePending) => {
      const secret = await managedSecret(delayMs, stagePending);
      // The 0.5 s cases run on the defaults: managedRotation 1 s doubling to 10 s, forcedRefresh 10/min.
      await using pool = createPool(managedPoolOptions(secret, delayMs >= 1000));
      const refusedBy = { cap: 0, backoff: 0 };
      pool.cache.on('refreshRefused', (event) => refusedBy[event.reason]++);
      const { result, callsPerRotation } = await rotateUnderLoad(pool, secret);
      expect(result.failed, describeLoadErrors(result)).toBe(0);
      expect(result.ok).toBeGreaterThan(1000);
      const stats = pool.stats();
      expect(stats.authFailures).toBeGreaterThanOrEqual(10);
      expect(stats.loginGuardRejections).toBe(0);
      expect(stats.consecutiveFailedLogins).toBe(0);
      if (stagePending) {
        // The AWSPENDING probe of the first shared refresh finds the new password: no wait.
        expect(stats.pendingProbeSuccesses).toBe(10);
        expect(stats.managedRotationWaits).toBe(0);
      } else {
        expect(stats.pendingProbeSuccesses).toBe(0);
        expect(stats.managedRotationWaits).toBe(10);
      }
      // Per rotation: one shared refresh (AWSCURRENT + AWSPENDING), then one per re-read
      // (the first after 0.5-1 s, jittered) until AWSCURRENT moved.
      const bound = stagePending ? 3 : delayMs < 1000 ? 8 : 16;
      expect(callsPerRotation).toBeLessThanOrEqual(bound);
      console.info(
        `managed rotation, label move after ${delayMs} ms, new version ${_staged}: ${result.ok} queries, ` +
          `${result.failed} failed, ${callsPerRotation} GetSecretValue calls per rotation, ` +
          `${stats.authFailures} refused logins, ${stats.managedRotationRechecks} re-reads, ` +
          `forced refreshes refused: ${refusedBy.cap} by the cap, ${refusedBy.backoff} by backoff`,
      );
    },
    120_000,
  );

  it('default managedRotation with forcedRefresh.max 1: the wait still re-reads until AWSCURRENT moves (its re-reads are not capped)', async () => {
    const secret = await managedSecret(4000, false);
    // One forced refresh a minute: spent by the first refusal's shared refresh.
    const cacheOptions = { forcedRefresh: { max: 1, windowMs: 60_000 } };
    await using pool = createPool(managedPoolOptions(secret, false, cacheOptions));
    const load = startQueryLoad(pool, { workers: 32, churnEvery: 4 });
    let version: string;
    let callsBefore = 0;
    try {
      await waitForLoadProgress(load, 200);
      callsBefore = getSecretValueCalls(sm);
      version = await managedRotation(secret);
      await expect
        .poll(() => pool.stats().credentials, { timeout: 30_000 })
        .toMatchObject({ versionId: version, verified: true });
    } finally {
      await load.stop();
    }
    expect(load.result.failed, describeLoadErrors(load.result)).toBe(0);
    const stats = pool.stats();
    expect(stats.managedRotationWaits).toBe(1);
    expect(stats.managedRotationRechecks).toBeGreaterThanOrEqual(2);
    // Every re-read reached Secrets Manager (AWSCURRENT at least), past the spent cap.
    const calls = getSecretValueCalls(sm) - callsBefore;
    expect(calls).toBeGreaterThanOrEqual(1 + stats.managedRotationRechecks);
  }, 60_000);

  it('a password changed and never published: ManagedRotationPendingError after the budget, at most maxConnecting refused logins', async () => {
    const secret = await managedSecret();
    await using pool = createPool({
      ...managedPoolOptions(secret, true),
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
    const pool = createPool(managedPoolOptions(secret, true));
    (await pool.getConnection()).destroy();
    await alterPassword(server, secret.user.username, newPassword());
    const waiting = pool.query('SELECT 1');
    await expect.poll(() => pool.stats().managedRotationWaits).toBe(1);
    await pool.end();
    await expect(waiting).rejects.toThrow(/closed/i);
  });
});
