// createPgPool through RotateSecret rotations (the local Secrets Manager with rotation-core's
// PostgreSQL driver as the rotation function, single-user and alternating users with an
// RDS-like master) while 32 workers query through 8 clients that
// keep being replaced (churn and a short idle timeout: new logins in every window). A
// dedicated PostgreSQL, so the load does not compete with other test files.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateSecretCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  createRotationHandler,
  postgres as postgresDriver,
  type RotationHandler,
  type RotationHandlerOptions,
  silentLogger,
} from '@rotakit/rotation-core';
import {
  type RotationOutcome,
  type SecretsManagerLocal,
  startSecretsManager,
} from '@rotakit/secrets-manager-local';
import {
  createPostgresRole,
  createRdsLikeMaster,
  describeLoadErrors,
  type PostgresServer,
  startPostgres,
  startQueryLoad,
  uniqueName,
  waitForLoadProgress,
} from '@rotakit/testing';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CreatePgPoolOptions, createPgPool, type SecretPgPool } from '../src/pg/index.js';
import { pgQueryable } from './pg-helpers.js';

const SINGLE = 'arn:aws:lambda:us-east-1:123456789012:function:pg-single-user';
const ALTERNATING = 'arn:aws:lambda:us-east-1:123456789012:function:pg-alternating-users';
/** How long each rotation holds the window open between setSecret and finishSecret. */
const WINDOW_MS = 100;

let server: PostgresServer;
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
const handlers: RotationHandler[] = [];

function handler(strategy: RotationHandlerOptions['strategy']): RotationHandler {
  const created = createRotationHandler({
    strategy,
    database: postgresDriver(),
    client,
    logger: silentLogger,
    env: {},
    testSecret: { attempts: 1, delayMs: 0 },
    hooks: {
      async onBoundary(boundary) {
        if (
          boundary.step === 'finishSecret' &&
          boundary.phase === 'before' &&
          boundary.kind === 'secrets-manager' &&
          boundary.occurrence === 1
        ) {
          await sleep(WINDOW_MS);
        }
      },
    },
  });
  handlers.push(created);
  return created;
}

beforeAll(async () => {
  [server, sm] = await Promise.all([
    startPostgres({ settings: { max_connections: '200' } }),
    startSecretsManager(),
  ]);
  client = sm.client({ maxAttempts: 1 });
  sm.registerRotationFunction(SINGLE, handler('single-user'));
  sm.registerRotationFunction(ALTERNATING, handler('alternating-users'));
});

/** The ARN of a master secret for alternating users: a non-superuser CREATEROLE role, as on RDS. */
async function masterArn(): Promise<string> {
  const master = await createRdsLikeMaster(server);
  const created = await client.send(
    new CreateSecretCommand({
      Name: uniqueName('pgmaster'),
      SecretString: JSON.stringify({
        engine: 'postgres',
        host: master.host,
        port: master.port,
        username: master.username,
        password: master.password,
        dbname: master.database,
        ssl: false,
      }),
    }),
  );
  return created.ARN as string;
}

afterAll(async () => {
  for (const h of handlers) await h.close();
  await Promise.all([sm?.close(), server?.stop()]);
});

beforeEach(() => sm.faults.clear());

/** A role of its own and its secret, plaintext (the server's TLS is signed by a test CA). */
async function roleSecret(extra: Record<string, unknown> = {}) {
  const role = await createPostgresRole(server);
  const value = {
    engine: 'postgres' as const,
    host: role.host,
    port: role.port,
    username: role.username,
    password: role.password,
    dbname: role.database,
    ssl: false,
    ...extra,
  };
  const name = uniqueName('pgload');
  await client.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
  return { name, role, value };
}

async function rotate(secretId: string, fn: string): Promise<RotationOutcome> {
  const started = await client.send(
    new RotateSecretCommand({ SecretId: secretId, RotationLambdaARN: fn }),
  );
  return sm.waitForRotation(secretId, { token: started.VersionId as string, timeoutMs: 60_000 });
}

/**
 * 32 workers on 8 clients; a short idle timeout plus churn open clients constantly. A
 * PostgreSQL login forks a backend and costs far more than a MariaDB one: 4 logins at once
 * (maxConnecting) keep the churn from throttling the load on a busy machine.
 */
const LOADED = { max: 8, idleTimeoutMillis: 200 } satisfies Partial<CreatePgPoolOptions>;
const OURS = { ...LOADED, maxConnecting: 4 } satisfies Partial<CreatePgPoolOptions>;
const CHURN = { workers: 32, churnEvery: 8 };

async function rotateUnderLoad(pool: pg.Pool, secretId: string, fn: string, rotations: number) {
  const load = startQueryLoad(pgQueryable(pool), CHURN);
  const outcomes: RotationOutcome[] = [];
  try {
    await waitForLoadProgress(load, 200);
    for (let i = 0; i < rotations; i++) {
      outcomes.push(await rotate(secretId, fn));
      await waitForLoadProgress(load, 30);
    }
  } finally {
    await load.stop();
  }
  return { result: load.result, outcomes };
}

function poolFor(secretId: string, extra: Partial<CreatePgPoolOptions> = {}): SecretPgPool {
  return createPgPool({ secretId, client, ...OURS, ...extra } as CreatePgPoolOptions);
}

/**
 * Seconds on an idle machine; a loaded CI runner (several test files, each with a PostgreSQL
 * and a query load) can take several times as long, and a timeout there says nothing about the pool.
 */
const LOADED_TEST_TIMEOUT_MS = 180_000;

describe('createPgPool through rotations under load', () => {
  it(
    '20 single-user rotations, back to back: zero failed queries',
    async () => {
      const secret = await roleSecret();
      await using pool = poolFor(secret.name, {
        cacheOptions: { ttlMs: 1000, forcedRefresh: { max: 100, windowMs: 60_000 } },
      });
      const { result, outcomes } = await rotateUnderLoad(pool, secret.name, SINGLE, 20);
      expect(outcomes.map((o) => o.status)).toEqual(Array(20).fill('succeeded'));
      expect(result.failed, describeLoadErrors(result)).toBe(0);
      expect(result.ok).toBeGreaterThan(600);
      const stats = pool.stats();
      console.info(
        `pg single-user x20: ${result.ok} queries, stats ${JSON.stringify(statsLine(pool))}, background refreshes ${stats.cache.backgroundRefreshes}`,
      );
      // Most windows were bridged with AWSPENDING (a window with no new login needs none).
      expect(stats.pendingProbeSuccesses).toBeGreaterThanOrEqual(15);
      // A window refuses at most the logins in flight when the password changed (maxConnecting).
      expect(stats.authFailures).toBeLessThanOrEqual(OURS.maxConnecting * 20);
      // About 2 Secrets Manager calls per rotation (AWSCURRENT, AWSPENDING) besides the TTL's
      // background refreshes (one per ttlMs: their count follows the machine's speed).
      expect(stats.cache.fetches - stats.cache.backgroundRefreshes).toBeLessThanOrEqual(20 * 3);
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    '20 alternating-users rotations, back to back: zero failed queries, the users alternate',
    async () => {
      const secret = await roleSecret({ masterarn: await masterArn() });
      await using pool = poolFor(secret.name, {
        cacheOptions: { ttlMs: 300, forcedRefresh: { max: 100, windowMs: 60_000 } },
        credentialCheckIntervalMs: 50,
        retireConnections: { overMs: 200 },
      });
      const users = new Set<string>();
      pool.on('credentialsRefreshed', () => users.add(String(pool.stats().credentials.username)));
      const { result, outcomes } = await rotateUnderLoad(pool, secret.name, ALTERNATING, 20);
      expect(outcomes.map((o) => o.status)).toEqual(Array(20).fill('succeeded'));
      expect(result.failed, describeLoadErrors(result)).toBe(0);
      expect(result.ok).toBeGreaterThan(600);
      console.info(
        `pg alternating-users x20 (RotateSecret): ${result.ok} queries, stats ${JSON.stringify(statsLine(pool))}`,
      );
      expect(pool.stats().credentialRefreshes).toBeGreaterThanOrEqual(10);
      expect(users).toEqual(new Set([secret.role.username, `${secret.role.username}_clone`]));
    },
    LOADED_TEST_TIMEOUT_MS,
  );

  it(
    'for comparison, a plain pg.Pool fed the secret once fails queries after one rotation',
    async () => {
      const secret = await roleSecret();
      const plain = new pg.Pool({
        host: secret.value.host,
        port: secret.value.port,
        user: secret.value.username,
        password: secret.value.password,
        database: secret.value.dbname,
        ...LOADED,
      });
      const load = startQueryLoad(pgQueryable(plain), CHURN);
      try {
        await waitForLoadProgress(load, 200);
        expect((await rotate(secret.name, SINGLE)).status).toBe('succeeded');
        await waitForLoadProgress(load, 200);
      } finally {
        await load.stop();
        await plain.end();
      }
      // Every new login after the rotation is refused: the plain pool cannot recover.
      expect(load.result.failed).toBeGreaterThan(0);
      expect(describeLoadErrors(load.result)).toMatch(/28P01/);
    },
    LOADED_TEST_TIMEOUT_MS,
  );
});

function statsLine(pool: SecretPgPool) {
  const s = pool.stats();
  return {
    opened: s.connectionsOpened,
    authFailures: s.authFailures,
    pendingProbeSuccesses: s.pendingProbeSuccesses,
    retired: s.retiredConnections,
    fetches: s.cache.fetches,
    longestWindowMs: s.longestRotationWindowMs,
  };
}
