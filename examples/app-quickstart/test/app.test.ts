// The quickstart service in-process, reading MySQL (the shared MariaDB) and PostgreSQL (the
// shared PostgreSQL) through @rotakit/secret-pool, while rotation-core's single-user handler
// rotates its secret through the local Secrets Manager.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeSecretCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  createRotationHandler,
  mysql as mysqlDriver,
  postgres as postgresDriver,
  type RotationHandler,
  type RotationHandlerOptions,
  silentLogger,
} from '@rotakit/rotation-core';
import { createPool, type SecretPool, type SecretPoolStats } from '@rotakit/secret-pool';
import { createPgPool } from '@rotakit/secret-pool/pg';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { canLogin, canLoginPostgres, withAdmin, withPostgresAdmin } from '@rotakit/testing';
import { testMysql, testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type Log,
  mysqlStore,
  postgresStore,
  type RunningServer,
  run,
  startServer,
} from '../src/index.js';
import { appDatabase, appPostgresDatabase, countPostgresItems } from './app-database.js';

const SINGLE_USER = 'arn:aws:lambda:us-east-1:123456789012:function:single-user';
const PG_SINGLE_USER = 'arn:aws:lambda:us-east-1:123456789012:function:pg-single-user';
const WINDOW_MS = 150;

const server = testMysql();
const pgServer = testPostgres();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
const rotations: RotationHandler[] = [];

/** rotation-core's single-user handler on `database`, holding each rotation window open. */
function singleUserRotation(database: RotationHandlerOptions['database']): RotationHandler {
  const rotation = createRotationHandler({
    strategy: 'single-user',
    database,
    client,
    logger: silentLogger,
    env: {},
    hooks: {
      // Hold the rotation window open (the database has the new password, AWSCURRENT still
      // the old one) so that requests open connections inside it.
      async onBoundary(boundary) {
        if (
          boundary.step === 'finishSecret' &&
          boundary.phase === 'before' &&
          boundary.occurrence === 1
        ) {
          await sleep(WINDOW_MS);
        }
      },
    },
  });
  rotations.push(rotation);
  return rotation;
}

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  sm.registerRotationFunction(SINGLE_USER, singleUserRotation(mysqlDriver()));
  sm.registerRotationFunction(PG_SINGLE_USER, singleUserRotation(postgresDriver()));
});

afterAll(async () => {
  for (const rotation of rotations) await rotation.close();
  await sm?.close();
});

function captureLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const log = ((level, message, fields) => {
    lines.push(JSON.stringify({ level, message, ...fields }));
  }) as Log & { lines: string[] };
  log.lines = lines;
  return log;
}

async function call(
  base: string,
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const postItem = (base: string, name: unknown) =>
  call(base, '/items', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });

async function currentVersion(secretId: string): Promise<string | undefined> {
  const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  return Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) =>
    stages.includes('AWSCURRENT'),
  )?.[0];
}

describe('the app', { timeout: 30_000 }, () => {
  let pool: SecretPool;
  let app: RunningServer;
  const log = captureLog();

  beforeAll(async () => {
    const { secretId } = await appDatabase(server, client);
    pool = createPool({ secretId, client, connectionLimit: 2 });
    app = await startServer({ store: mysqlStore(pool), log });
  });

  afterAll(async () => {
    await app?.close();
    await pool?.end();
  });

  it('serves /health, POST /items and GET /items from the database', async () => {
    const health = await call(app.url, '/health');
    expect(health).toMatchObject({
      status: 200,
      body: { status: 'ok', credentialSource: 'AWSCURRENT' },
    });
    expect((health.body as { secretVersion?: string }).secretVersion).toMatch(/^[0-9a-f-]{36}$/);

    expect(await postItem(app.url, 'first')).toMatchObject({
      status: 201,
      body: { name: 'first' },
    });
    expect(await postItem(app.url, 'second')).toMatchObject({
      status: 201,
      body: { name: 'second' },
    });
    const list = await call(app.url, '/items');
    expect(list.status).toBe(200);
    expect((list.body as { name: string }[]).map((item) => item.name)).toEqual(['second', 'first']);
    const limited = await call(app.url, '/items?limit=1');
    expect((limited.body as unknown[]).length).toBe(1);
    expect(log.lines).toEqual([]);
  });

  it('answers bad requests with 400, 404, 405 and 413 without touching the database', async () => {
    expect(await postItem(app.url, '')).toMatchObject({
      status: 400,
      body: { error: /name must be/ },
    });
    expect(await postItem(app.url, 'x'.repeat(201))).toMatchObject({ status: 400 });
    expect(await postItem(app.url, 42)).toMatchObject({ status: 400 });
    expect(await call(app.url, '/items', { method: 'POST', body: '{not json' })).toMatchObject({
      status: 400,
      body: { error: /must be JSON/ },
    });
    expect(await call(app.url, '/items?limit=0')).toMatchObject({ status: 400 });
    expect(await call(app.url, '/nothing')).toMatchObject({ status: 404 });
    const wrongMethod = await call(app.url, '/health', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    const big = await call(app.url, '/items', {
      method: 'POST',
      body: JSON.stringify({ name: 'y'.repeat(20_000) }),
    });
    expect(big.status).toBe(413);
  });

  it('answers 503 naming the error, not the password, when the database refuses the login', async () => {
    const { secretId, user } = await appDatabase(server, client);
    await withAdmin(server, (admin) =>
      admin.query('ALTER USER ?@? IDENTIFIED BY ?', [
        user.username,
        '%',
        'changed-behind-its-back',
      ]),
    );
    const broken = captureLog();
    await using brokenPool = createPool({
      secretId,
      client,
      auth: { maxRetries: 0 },
      loginGuard: false,
    });
    await using brokenApp = await startServer({ store: mysqlStore(brokenPool), log: broken });
    const res = await call(brokenApp.url, '/items');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'database unavailable', reason: 'AuthenticationError' });
    expect(broken.lines.join('\n')).toMatch(/request failed/);
    for (const secret of [user.password, 'changed-behind-its-back']) {
      expect(JSON.stringify(res.body)).not.toContain(secret);
      expect(broken.lines.join('\n')).not.toContain(secret);
    }
  });
});

describe('the app on PostgreSQL', { timeout: 30_000 }, () => {
  it('serves /health, POST /items and GET /items from the database', async () => {
    const { secretId } = await appPostgresDatabase(pgServer, client);
    const log = captureLog();
    await using pool = createPgPool({ secretId, client, max: 2 });
    await using app = await startServer({ store: postgresStore(pool), log });
    const health = await call(app.url, '/health');
    expect(health).toMatchObject({
      status: 200,
      body: { status: 'ok', credentialSource: 'AWSCURRENT' },
    });
    expect((health.body as { secretVersion?: string }).secretVersion).toMatch(/^[0-9a-f-]{36}$/);

    const first = await postItem(app.url, 'first');
    expect(first).toMatchObject({ status: 201, body: { id: 1, name: 'first' } });
    expect(await postItem(app.url, 'second')).toMatchObject({
      status: 201,
      body: { id: 2, name: 'second' },
    });
    const list = await call(app.url, '/items');
    expect(list.status).toBe(200);
    const items = list.body as { id: number; name: string; createdAt: string }[];
    expect(items.map((item) => [item.id, item.name])).toEqual([
      [2, 'second'],
      [1, 'first'],
    ]);
    // timestamptz comes back as a Date, and goes out as an ISO string.
    expect(Math.abs(Date.parse(items[0]?.createdAt ?? '') - Date.now())).toBeLessThan(60_000);
    expect(((await call(app.url, '/items?limit=1')).body as unknown[]).length).toBe(1);
    expect(await call(app.url, '/items?limit=0')).toMatchObject({ status: 400 });
    expect(log.lines).toEqual([]);
  });

  it('answers 503 naming the error, not the password, when the database refuses the login', async () => {
    const { secretId, role } = await appPostgresDatabase(pgServer, client, {
      secretPassword: 'not-the-password-of-the-role',
    });
    const broken = captureLog();
    await using brokenPool = createPgPool({
      secretId,
      client,
      auth: { maxRetries: 0 },
      loginGuard: false,
    });
    await using brokenApp = await startServer({ store: postgresStore(brokenPool), log: broken });
    const res = await call(brokenApp.url, '/items');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'database unavailable', reason: 'AuthenticationError' });
    const logged = broken.lines.join('\n');
    expect(logged).toMatch(/request failed/);
    // The detail carries the SQLSTATE of the refused password.
    expect(logged).toMatch(/28P01/);
    for (const secret of [role.password, 'not-the-password-of-the-role']) {
      expect(JSON.stringify(res.body)).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
  });

  it("answers 503 with pg's SQLSTATE when a statement fails", async () => {
    const { secretId, role } = await appPostgresDatabase(pgServer, client);
    await withPostgresAdmin(
      pgServer,
      (admin) =>
        admin.query(`REVOKE SELECT ON items FROM ${admin.escapeIdentifier(role.username)}`),
      { database: role.database },
    );
    const log = captureLog();
    await using pool = createPgPool({ secretId, client, max: 1 });
    await using app = await startServer({ store: postgresStore(pool), log });
    // 42501 insufficient_privilege: a plain pg DatabaseError (named 'error'), told by its code.
    expect(await call(app.url, '/items')).toMatchObject({
      status: 503,
      body: { error: 'database unavailable', reason: '42501' },
    });
    // The pool itself is fine: a route that does not read the table still answers.
    expect(await call(app.url, '/health')).toMatchObject({ status: 200 });
    expect(log.lines.join('\n')).toMatch(/"error":"42501"/);
  });
});

interface LoadResult {
  /** Requests answered 200 or 201. */
  ok: number;
  /** POSTs answered 201. */
  inserted: number;
}

/**
 * 6 clients call the app (GET /health, GET /items, POST /items) while the secret is rotated 5
 * times through `rotationArn`; asserts zero failed requests, 5 succeeded rotations, the last
 * version reported by /health, and logins during the rotations.
 */
async function rotateUnderLoad(
  url: string,
  secretId: string,
  rotationArn: string,
  stats: () => SecretPoolStats,
  log: Log & { lines: string[] },
): Promise<LoadResult> {
  let stop = false;
  const failures: string[] = [];
  const result: LoadResult = { ok: 0, inserted: 0 };
  const worker = async (id: number) => {
    for (let n = 0; !stop; n++) {
      const kind = n % 3;
      const path = kind === 0 ? '/health' : kind === 1 ? '/items?limit=5' : `POST /items`;
      try {
        const res = kind === 2 ? await postItem(url, `w${id}-${n}`) : await call(url, path);
        if (res.status === 200 || res.status === 201) {
          result.ok++;
          if (kind === 2) result.inserted++;
        } else {
          failures.push(`${path} -> ${res.status} ${JSON.stringify(res.body)}`);
        }
      } catch (error) {
        failures.push(`${path} -> ${(error as Error).message}`);
      }
      // Uneven pauses: connections go idle, time out and get reopened.
      await sleep(n % 7 === 0 ? 60 : 2);
    }
  };
  const workers = Array.from({ length: 6 }, (_, id) => worker(id));

  await sleep(200);
  const openedBefore = stats().connectionsOpened;
  const outcomes = [];
  for (let i = 0; i < 5; i++) {
    const started = await client.send(
      new RotateSecretCommand({ SecretId: secretId, RotationLambdaARN: rotationArn }),
    );
    outcomes.push(
      await sm.waitForRotation(secretId, { token: String(started.VersionId), timeoutMs: 30_000 }),
    );
    await sleep(100);
  }
  // The pool reports the last version once it has picked it up.
  const version = await currentVersion(secretId);
  await vi.waitFor(
    async () => {
      const health = await call(url, '/health');
      expect((health.body as { secretVersion?: string }).secretVersion).toBe(version);
    },
    { timeout: 10_000, interval: 100 },
  );
  stop = true;
  await Promise.all(workers);

  expect(
    outcomes.map((o) => o.status),
    JSON.stringify(outcomes.map((o) => o.error)),
  ).toEqual(Array(5).fill('succeeded'));
  expect(
    failures,
    `${failures.slice(0, 5).join('\n')}\n${log.lines.slice(0, 5).join('\n')}`,
  ).toEqual([]);
  expect(result.ok).toBeGreaterThan(100);
  // Logins happened during the rotations, not only before them.
  expect(stats().connectionsOpened).toBeGreaterThan(openedBefore);
  return result;
}

/** Our own pool options for the load: logins keep happening, new versions are seen quickly. */
const CHURN = {
  cacheOptions: { ttlMs: 300 },
  credentialCheckIntervalMs: 50,
  retireConnections: { overMs: 100 },
} as const;

describe('rotation under load', { timeout: 50_000 }, () => {
  it('MySQL: 5 single-user rotations while 6 clients keep calling: zero failed requests', async () => {
    const { secretId, user } = await appDatabase(server, client);
    const log = captureLog();
    await using pool = createPool({
      secretId,
      client,
      // Few connections that idle out quickly, so logins keep happening during the rotations.
      connectionLimit: 4,
      maxIdle: 1,
      idleTimeout: 50,
      ...CHURN,
    });
    await using app = await startServer({ store: mysqlStore(pool), log });

    const { inserted } = await rotateUnderLoad(
      app.url,
      secretId,
      SINGLE_USER,
      () => pool.stats(),
      log,
    );
    // Every accepted POST is in the table.
    const [rows] = await withAdmin(server, (admin) =>
      admin.query(`SELECT COUNT(*) AS n FROM ${admin.escapeId(user.database)}.items`),
    );
    expect(Number((rows as { n: number }[])[0]?.n)).toBe(inserted);
    // The password really changed: the original one no longer logs in.
    expect(
      await canLogin({
        host: user.host,
        port: user.port,
        username: user.username,
        password: user.password,
      }),
    ).toMatchObject({ ok: false, errno: 1045 });
  });

  it('PostgreSQL: 5 single-user rotations while 6 clients keep calling: zero failed requests', async () => {
    const { secretId, role } = await appPostgresDatabase(pgServer, client);
    const log = captureLog();
    // Few clients that idle out quickly, so logins keep happening during the rotations.
    await using pool = createPgPool({ secretId, client, max: 4, idleTimeoutMillis: 50, ...CHURN });
    await using app = await startServer({ store: postgresStore(pool), log });

    const { inserted } = await rotateUnderLoad(
      app.url,
      secretId,
      PG_SINGLE_USER,
      () => pool.stats(),
      log,
    );
    // Every accepted POST is in the table.
    expect(await countPostgresItems(pgServer, role)).toBe(inserted);
    // The password really changed: the original one no longer logs in.
    expect(
      await canLoginPostgres(pgServer, {
        username: role.username,
        password: role.password,
        database: role.database,
      }),
    ).toMatchObject({ ok: false, sqlState: '28P01' });
  });
});

describe('run()', { timeout: 30_000 }, () => {
  it('starts from the environment and, when the signal aborts, closes the server and the pool', async () => {
    const { secretId } = await appDatabase(server, client);
    const controller = new AbortController();
    const log = captureLog();
    const app = await run({
      env: { SECRET_ID: secretId, PORT: '0', POOL_SIZE: '3' },
      client,
      signal: controller.signal,
      log,
    });
    expect(app.config).toMatchObject({ secretId, port: 0, host: '127.0.0.1', poolSize: 3 });
    expect(await postItem(app.server.url, 'via run')).toMatchObject({ status: 201 });
    // A keep-alive connection stays open after the request: shutdown must not wait for it.
    controller.abort();
    await app.closed;
    await expect(fetch(`${app.server.url}/health`)).rejects.toThrow();
    await expect(app.store.ping()).rejects.toThrow();
    expect(log.lines.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual([
      'listening',
      'shutting down',
      'stopped',
    ]);
  });

  it('DB_ENGINE=postgres: serves PostgreSQL through createPgPool', async () => {
    const { secretId } = await appPostgresDatabase(pgServer, client);
    const controller = new AbortController();
    const log = captureLog();
    const app = await run({
      env: { SECRET_ID: secretId, DB_ENGINE: 'postgres', PORT: '0', POOL_SIZE: '2' },
      client,
      signal: controller.signal,
      log,
    });
    expect(app.config).toMatchObject({ engine: 'postgres', poolSize: 2 });
    expect(await postItem(app.server.url, 'via run')).toMatchObject({
      status: 201,
      body: { id: 1 },
    });
    expect(await call(app.server.url, '/health')).toMatchObject({
      status: 200,
      body: { credentialSource: 'AWSCURRENT', connections: 1 },
    });
    controller.abort();
    await app.closed;
    await expect(app.store.ping()).rejects.toThrow();
    expect(JSON.parse(log.lines[0] ?? '{}')).toMatchObject({
      message: 'listening',
      engine: 'postgres',
    });
  });

  it('names the environment variable at fault', async () => {
    await expect(run({ env: {}, client })).rejects.toMatchObject({
      name: 'ConfigurationError',
      variable: 'SECRET_ID',
    });
    await expect(run({ env: { SECRET_ID: 's', PORT: 'http' }, client })).rejects.toThrow(
      /PORT must be an integer from 0 to 65535/,
    );
    await expect(
      run({ env: { SECRET_ID: 's', AWS_ENDPOINT_URL_SECRETS_MANAGER: 'localhost:4584' }, client }),
    ).rejects.toMatchObject({ variable: 'AWS_ENDPOINT_URL_SECRETS_MANAGER' });
    await expect(run({ env: { SECRET_ID: 's', POOL_SIZE: '0' }, client })).rejects.toMatchObject({
      variable: 'POOL_SIZE',
    });
    await expect(run({ env: { SECRET_ID: 's', DB_ENGINE: 'oracle' }, client })).rejects.toThrow(
      'DB_ENGINE must be one of mysql, postgres',
    );
  });
});
