// Rotations through RotateSecret (local Secrets Manager + rotation-core as the rotation
// function) while 32 workers query through 8 connections that keep being replaced. A
// dedicated MariaDB, so the load and the rotations do not compete with other test files.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateSecretCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  createRotationHandler,
  mysql as mysqlDriver,
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
  createDatabaseUser,
  describeLoadErrors,
  type MysqlServer,
  startMysql,
  startQueryLoad,
  uniqueName,
  waitForLoadProgress,
} from '@rotakit/testing';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CreatePoolOptions, createPool, type SecretPool } from '../src/index.js';
import { getSecretValueCalls } from './helpers.js';

const SINGLE = 'arn:aws:lambda:us-east-1:123456789012:function:single-user';
const ALTERNATING = 'arn:aws:lambda:us-east-1:123456789012:function:alternating-users';
const STOPPED = 'arn:aws:lambda:us-east-1:123456789012:function:stops-before-finish';
/** How long each rotation holds the window open between setSecret and finishSecret. */
const WINDOW_MS = 150;

let server: MysqlServer;
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
const handlers: RotationHandler[] = [];

function handler(
  strategy: RotationHandlerOptions['strategy'],
  onFinish: () => Promise<void>,
): RotationHandler {
  const created = createRotationHandler({
    strategy,
    database: mysqlDriver(),
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
          await onFinish();
        }
      },
    },
  });
  handlers.push(created);
  return created;
}

beforeAll(async () => {
  [server, sm] = await Promise.all([
    startMysql({ serverArgs: ['--max-connections=400'] }),
    startSecretsManager(),
  ]);
  client = sm.client({ maxAttempts: 1 });
  const holdWindow = () => sleep(WINDOW_MS);
  sm.registerRotationFunction(SINGLE, handler('single-user', holdWindow));
  sm.registerRotationFunction(ALTERNATING, handler('alternating-users', holdWindow));
  sm.registerRotationFunction(
    STOPPED,
    handler('single-user', () => Promise.reject(new Error('stopped before finishSecret'))),
  );
});

afterAll(async () => {
  for (const h of handlers) await h.close();
  await Promise.all([sm?.close(), server?.stop()]);
});

async function userSecret(extra: Record<string, unknown> = {}) {
  const user = await createDatabaseUser(server);
  const value = {
    engine: 'mysql',
    host: user.host,
    port: user.port,
    username: user.username,
    password: user.password,
    dbname: user.database,
    ssl: false,
    ...extra,
  };
  const name = uniqueName('load');
  await client.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
  return { name, user, value };
}

async function masterArn(): Promise<string> {
  const out = await client.send(
    new CreateSecretCommand({
      Name: uniqueName('master'),
      SecretString: JSON.stringify({
        engine: 'mysql',
        host: server.host,
        port: server.port,
        username: server.adminUser,
        password: server.adminPassword,
        ssl: false,
      }),
    }),
  );
  return out.ARN as string;
}

async function rotate(secretId: string, fn: string): Promise<RotationOutcome> {
  const started = await client.send(
    new RotateSecretCommand({ SecretId: secretId, RotationLambdaARN: fn }),
  );
  return sm.waitForRotation(secretId, { token: started.VersionId as string, timeoutMs: 60_000 });
}

/** 32 workers on 8 connections; short idle timeouts plus churn open connections constantly. */
const LOADED = {
  connectionLimit: 8,
  maxIdle: 2,
  idleTimeout: 200,
} satisfies Partial<CreatePoolOptions>;

async function rotateUnderLoad(pool: SecretPool, secretId: string, fn: string, rotations: number) {
  const load = startQueryLoad(pool, { workers: 32, churnEvery: 4 });
  const outcomes: RotationOutcome[] = [];
  try {
    await waitForLoadProgress(load, 200);
    for (let i = 0; i < rotations; i++) {
      outcomes.push(await rotate(secretId, fn));
      await waitForLoadProgress(load, 50);
    }
  } finally {
    await load.stop();
  }
  return { result: load.result, outcomes };
}

describe('rotations through RotateSecret under load', () => {
  it('20 single-user rotations, back to back: zero failed queries', async () => {
    const secret = await userSecret();
    await using pool = createPool({
      secretId: secret.name,
      client,
      ...LOADED,
      cacheOptions: { ttlMs: 1000, forcedRefresh: { max: 100, windowMs: 60_000 } },
    });
    const { result, outcomes } = await rotateUnderLoad(pool, secret.name, SINGLE, 20);
    expect(outcomes.map((o) => o.status)).toEqual(Array(20).fill('succeeded'));
    expect(result.failed, describeLoadErrors(result)).toBe(0);
    expect(result.ok).toBeGreaterThan(1000);
    const stats = pool.stats();
    // Most windows were bridged with AWSPENDING (a window with no new connection needs none).
    expect(stats.pendingProbeSuccesses).toBeGreaterThanOrEqual(15);
    expect(stats.authFailures).toBeLessThanOrEqual(2 * 20);
    expect(stats.longestRotationWindowMs).toBeGreaterThanOrEqual(WINDOW_MS / 2);
    // Secrets Manager calls made by the pool: about 2 per rotation (AWSCURRENT, AWSPENDING)
    // plus TTL refreshes.
    expect(stats.cache.fetches).toBeLessThanOrEqual(20 * 3 + 20);
  });

  it('20 alternating-users rotations, back to back: zero failed queries', async () => {
    const secret = await userSecret({ masterarn: await masterArn() });
    await using pool = createPool({
      secretId: secret.name,
      client,
      ...LOADED,
      cacheOptions: { ttlMs: 300, forcedRefresh: { max: 100, windowMs: 60_000 } },
      credentialCheckIntervalMs: 50,
      retireConnections: { overMs: 200 },
    });
    const { result, outcomes } = await rotateUnderLoad(pool, secret.name, ALTERNATING, 20);
    expect(outcomes.map((o) => o.status)).toEqual(Array(20).fill('succeeded'));
    expect(result.failed, describeLoadErrors(result)).toBe(0);
    expect(result.ok).toBeGreaterThan(1000);
    const stats = pool.stats();
    expect(stats.credentialRefreshes).toBeGreaterThanOrEqual(10);
    // Under this much churn, old-user connections are usually closed by churn or idle
    // timeouts before their retirement deadline, so their count here depends on timing;
    // retirement itself is proven without churn in rotation-window.integ.test.ts.
  });

  it('100 simultaneous new connections after a rotation make at most 2 Secrets Manager calls', async () => {
    const secret = await userSecret();
    await using pool = createPool({ secretId: secret.name, client, connectionLimit: 100 });
    await pool.query('SELECT 1');
    expect((await rotate(secret.name, SINGLE)).status).toBe('succeeded');
    const before = getSecretValueCalls(sm);
    const connections = await Promise.all(Array.from({ length: 100 }, () => pool.getConnection()));
    for (const c of connections) c.release();
    expect(getSecretValueCalls(sm) - before).toBeLessThanOrEqual(2);
    expect(pool.stats().connections.total).toBe(100);
  });

  it('100 simultaneous new connections in a rotation stopped after setSecret make at most 2 Secrets Manager calls', async () => {
    const secret = await userSecret();
    await using pool = createPool({ secretId: secret.name, client, connectionLimit: 100 });
    await pool.query('SELECT 1');
    const outcome = await rotate(secret.name, STOPPED);
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'finishSecret' });
    const before = getSecretValueCalls(sm);
    const connections = await Promise.all(Array.from({ length: 100 }, () => pool.getConnection()));
    for (const c of connections) c.release();
    expect(getSecretValueCalls(sm) - before).toBeLessThanOrEqual(2);
    expect(pool.stats()).toMatchObject({
      pendingProbeSuccesses: 1,
      credentials: { source: 'AWSPENDING' },
    });
  });

  it('for comparison, a plain mysql2 pool fed the secret once fails queries during rotations', async () => {
    const secret = await userSecret();
    const plain = mysql.createPool({
      host: secret.value.host,
      port: secret.value.port,
      user: secret.value.username,
      password: secret.value.password,
      database: secret.value.dbname,
      ...LOADED,
    });
    const load = startQueryLoad(plain, { workers: 32, churnEvery: 4 });
    try {
      await waitForLoadProgress(load, 200);
      for (let i = 0; i < 3; i++)
        expect((await rotate(secret.name, SINGLE)).status).toBe('succeeded');
      await waitForLoadProgress(load, 200);
    } finally {
      await load.stop();
      await plain.end();
    }
    // Every new connection after the first rotation is refused: the plain pool cannot recover.
    expect(load.result.failed).toBeGreaterThan(0);
    expect(describeLoadErrors(load.result)).toMatch(/1045/);
  });
});
