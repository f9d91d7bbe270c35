// createPgPool through rotation windows done by hand under load (32 workers, 8 clients that
// keep being replaced, so new logins happen in every window), on the run's shared PostgreSQL:
// alternating users, and Secrets Manager throttling or down. RotateSecret-driven rotations
// (single-user and alternating users) are in pg-rotation.integ.test.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import {
  createPostgresRole,
  describeLoadErrors,
  startQueryLoad,
  waitForLoadProgress,
} from '@rotakit/testing';
import { testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CreatePgPoolOptions, createPgPool, type SecretPgPool } from '../src/pg/index.js';
import { finish, newPassword } from './helpers.js';
import { alterRolePassword, createPgSecret, pgQueryable, putPendingPg } from './pg-helpers.js';

const server = testPostgres();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
/** Between setSecret and finishSecret. */
const WINDOW_MS = 100;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm?.close());
beforeEach(() => sm.faults.clear());

/** As in pg-rotation.integ.test.ts: 4 logins at once keep PostgreSQL's costly logins from throttling the load. */
const OURS = {
  max: 8,
  idleTimeoutMillis: 200,
  maxConnecting: 4,
} satisfies Partial<CreatePgPoolOptions>;
const CHURN = { workers: 32, churnEvery: 8 };

function poolFor(secretId: string, extra: Partial<CreatePgPoolOptions> = {}): SecretPgPool {
  return createPgPool({ secretId, client, ...OURS, ...extra } as CreatePgPoolOptions);
}

function statsLine(pool: SecretPgPool) {
  const s = pool.stats();
  return {
    opened: s.connectionsOpened,
    authFailures: s.authFailures,
    retired: s.retiredConnections,
    fetches: s.cache.fetches,
  };
}

/**
 * Seconds on an idle machine; a loaded CI runner (several test files, each with a PostgreSQL
 * and a query load) can take several times as long, and a timeout there says nothing about the pool.
 */
const LOADED_TEST_TIMEOUT_MS = 180_000;

describe('createPgPool through rotation windows under load', () => {
  // By hand (the strategy's effect on the secret: the other user, with a new password, becomes
  // AWSCURRENT), each rotation waiting until the pool has seen the last one finish, which proves
  // the pool refuses no login at all. The 20 through RotateSecret and rotation-core, back to
  // back, are in pg-rotation.integ.test.ts.
  it(
    '20 alternating-users rotations, back to back: zero failed queries, the users alternate',
    async () => {
      const secret = await createPgSecret(server, client);
      const other = await createPostgresRole(server, { name: `${secret.role.username}_clone` });
      await using pool = poolFor(secret.name, {
        cacheOptions: { ttlMs: 300, forcedRefresh: { max: 100, windowMs: 60_000 } },
        credentialCheckIntervalMs: 50,
        retireConnections: { overMs: 200 },
      });
      const users = new Set<string>();
      pool.on('credentialsRefreshed', () => users.add(String(pool.stats().credentials.username)));
      const load = startQueryLoad(pgQueryable(pool), CHURN);
      let current = secret.value;
      try {
        await waitForLoadProgress(load, 200);
        for (let i = 0; i < 20; i++) {
          const username =
            current.username === secret.role.username ? other.username : secret.role.username;
          const password = newPassword();
          const pending = await putPendingPg(client, secret.name, {
            ...current,
            username,
            password,
          });
          await alterRolePassword(server, username, password);
          await sleep(WINDOW_MS / 2);
          await finish(client, secret.name, pending);
          current = { ...current, username, password };
          // Rotations are far apart in production: the next one starts once the pool has seen
          // this one finish (its next look at the cache). Without this wait, on a fast machine two
          // rotations fit in one cache TTL and the password of the user still cached changes,
          // which is a refused login (and a refresh) the test would count against the pool.
          const finished = current.username;
          await expect
            .poll(() => pool.stats().credentials.username, { timeout: 5000 })
            .toBe(finished);
          await waitForLoadProgress(load, 30);
        }
      } finally {
        await load.stop();
      }
      const { result } = load;
      expect(result.failed, describeLoadErrors(result)).toBe(0);
      expect(result.ok).toBeGreaterThan(600);
      console.info(
        `pg alternating x20: ${result.ok} queries, stats ${JSON.stringify(statsLine(pool))}`,
      );
      expect(pool.stats()).toMatchObject({
        authFailures: 0,
        credentials: { username: current.username },
      });
      expect(pool.stats().credentialRefreshes).toBeGreaterThanOrEqual(10);
      expect(users).toEqual(new Set([secret.role.username, other.username]));
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'Secrets Manager throttling, then unreachable, during load: zero failed queries while a value is cached',
    async () => {
      const secret = await createPgSecret(server, client);
      await using pool = poolFor(secret.name, {
        cacheOptions: { ttlMs: 50, backoff: { retries: 2, minDelayMs: 20, maxDelayMs: 200 } },
        credentialCheckIntervalMs: 20,
      });
      const load = startQueryLoad(pgQueryable(pool), CHURN);
      try {
        await waitForLoadProgress(load, 200);
        const throttle = sm.faults.add({ operation: 'GetSecretValue', kind: 'throttle' });
        const opened = pool.stats().connectionsOpened;
        await waitForLoadProgress(load, 400);
        throttle.remove();
        sm.faults.add({ operation: 'GetSecretValue', kind: 'drop-connection' });
        await waitForLoadProgress(load, 400);
        const stats = pool.stats();
        expect(stats.connectionsOpened - opened).toBeGreaterThan(20);
        expect(stats.cache.fetchFailures).toBeGreaterThan(0);
        expect(stats.cache.staleServes).toBeGreaterThan(0);
      } finally {
        const result = await load.stop();
        expect(result.failed, describeLoadErrors(result)).toBe(0);
      }
    },
    LOADED_TEST_TIMEOUT_MS,
  );
});
