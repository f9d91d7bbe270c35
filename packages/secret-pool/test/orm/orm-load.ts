// The shared harness of the ORM integration tests (issue #15): a dedicated MariaDB, the local
// Secrets Manager with rotation-core registered as the single-user and alternating-users
// rotation functions, secrets in the RDS format, and a query load whose every query is a
// real ORM query. Each test file brings its ORM; the rotations and the counting live here.
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
  silentLogger,
} from '@rotakit/rotation-core';
import {
  type RotationOutcome,
  type SecretsManagerLocal,
  startSecretsManager,
} from '@rotakit/secrets-manager-local';
import {
  createDatabaseUser,
  type DatabaseUser,
  describeLoadErrors,
  type MysqlServer,
  type QueryLoad,
  type QueryLoadResult,
  startMysql,
  startQueryLoad,
  uniqueName,
  waitForLoadProgress,
  withAdmin,
} from '@rotakit/testing';
import type { PoolCacheOptions, RetireOptions, SecretCacheStats } from '../../src/index.js';

export type RotationStrategy = 'single-user' | 'alternating-users';

const ROTATION_FUNCTIONS: Readonly<Record<RotationStrategy, string>> = {
  'single-user': 'arn:aws:lambda:us-east-1:123456789012:function:orm-single-user',
  'alternating-users': 'arn:aws:lambda:us-east-1:123456789012:function:orm-alternating-users',
};

/** How long each rotation holds its window open between setSecret and finishSecret. */
export const WINDOW_MS = 150;

/** A secret (RDS format, `ssl: false`) and the database account it started with. */
export interface OrmSecret {
  /** The secret's name: pass it as `secretId`. */
  readonly name: string;
  readonly user: DatabaseUser;
}

export interface OrmStack {
  readonly server: MysqlServer;
  readonly sm: SecretsManagerLocal;
  /** A real SecretsManagerClient on the local Secrets Manager (`maxAttempts: 1`). */
  readonly client: SecretsManagerClient;
  /** A new account, its database and a secret for it, ready for `strategy`'s rotations. */
  secret(strategy?: RotationStrategy): Promise<OrmSecret>;
  /** A secret whose password the server refuses (rotakit's terminal AuthenticationError). */
  wrongSecret(): Promise<OrmSecret>;
  /** One RotateSecret, awaited until the rotation ends; throws unless it succeeded. */
  rotate(secretId: string, strategy: RotationStrategy): Promise<RotationOutcome>;
  /** Runs one admin statement in the secret's database (a table for a test, say). */
  admin(database: string, sql: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a dedicated MariaDB (so the load does not compete with other test files' servers)
 * and a local Secrets Manager with both rotation strategies registered. Call from
 * `beforeAll`, and `close()` in `afterAll`.
 */
export async function startOrmStack(): Promise<OrmStack> {
  const [server, sm] = await Promise.all([
    startMysql({ serverArgs: ['--max-connections=400'] }),
    startSecretsManager(),
  ]);
  const client = sm.client({ maxAttempts: 1 });
  const handlers = (Object.keys(ROTATION_FUNCTIONS) as RotationStrategy[]).map((strategy) => {
    const handler = rotationHandler(client, strategy);
    sm.registerRotationFunction(ROTATION_FUNCTIONS[strategy], handler);
    return handler;
  });
  let masterArn: Promise<string> | undefined;
  const createSecret = async (value: Record<string, unknown>) => {
    const name = uniqueName('orm');
    await client.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
    return name;
  };
  const secretFor = async (user: DatabaseUser, extra: Record<string, unknown> = {}) =>
    createSecret({ ...rdsValue(user), ...extra });
  return {
    server,
    sm,
    client,
    async secret(strategy = 'single-user') {
      const user = await createDatabaseUser(server);
      if (strategy === 'single-user') return { name: await secretFor(user), user };
      masterArn ??= createMasterSecret(client, server);
      return { name: await secretFor(user, { masterarn: await masterArn }), user };
    },
    async wrongSecret() {
      const user = await createDatabaseUser(server);
      return { name: await secretFor(user, { password: `${user.password}-wrong` }), user };
    },
    async rotate(secretId, strategy) {
      const started = await client.send(
        new RotateSecretCommand({
          SecretId: secretId,
          RotationLambdaARN: ROTATION_FUNCTIONS[strategy],
        }),
      );
      const outcome = await sm.waitForRotation(secretId, {
        token: started.VersionId as string,
        timeoutMs: 30_000,
      });
      if (outcome.status !== 'succeeded') {
        throw new Error(`${strategy} rotation of ${secretId} ended ${outcome.status}`);
      }
      return outcome;
    },
    admin: (database, sql) =>
      withAdmin(server, async (admin) => {
        await admin.query(`USE ${admin.escapeId(database)}`);
        await admin.query(sql);
      }),
    async close() {
      for (const handler of handlers) await handler.close();
      await Promise.all([sm.close(), server.stop()]);
    },
  };
}

/** The pool options {@link loadedPoolOptions} returns; spread them into `createPool`'s options. */
export interface LoadedPoolOptions {
  connectionLimit: number;
  maxIdle: number;
  idleTimeout: number;
  cacheOptions: PoolCacheOptions;
  credentialCheckIntervalMs?: number;
  retireConnections?: RetireOptions;
}

/**
 * rotakit pool options for a loaded test pool: 8 connections that keep being replaced
 * (short idle timeout, few idle), and cache settings that let 5 rotations back to back be
 * seen within the test (short TTL; alternating users need the new AWSCURRENT picked up
 * and old-user connections retired before the next rotation changes their password).
 */
export function loadedPoolOptions(strategy: RotationStrategy): LoadedPoolOptions {
  const common = { connectionLimit: 8, maxIdle: 2, idleTimeout: 200 };
  const forcedRefresh = { max: 100, windowMs: 60_000 };
  if (strategy === 'single-user') {
    return { ...common, cacheOptions: { ttlMs: 1000, forcedRefresh } };
  }
  return {
    ...common,
    cacheOptions: { ttlMs: 300, forcedRefresh },
    credentialCheckIntervalMs: 50,
    retireConnections: { overMs: 200 },
  };
}

/** What each load worker runs: two real ORM queries. */
export interface OrmWorkload {
  /** One query through the ORM as its users write it (the ORM takes a pooled connection). */
  query(): Promise<unknown>;
  /**
   * One query through the ORM on a connection that is destroyed afterwards, so the pool logs
   * in again (as after a lost connection or a connection lifetime): how the test makes new
   * logins happen inside rotation windows.
   */
  queryOnNewConnection(): Promise<unknown>;
}

/** 32 workers each running `workload.query()`, every `newConnectionEvery`-th query on a new connection. */
export function startOrmLoad(
  workload: OrmWorkload,
  { workers = 32, newConnectionEvery = 8 } = {},
): QueryLoad {
  return startQueryLoad(
    {
      query: () => workload.query(),
      getConnection: async () => ({ query: () => workload.queryOnNewConnection(), destroy() {} }),
    },
    { workers, churnEvery: newConnectionEvery },
  );
}

/** The SecretCache counters the report reads (`pool.stats().cache`, or `cache.stats()`). */
export type CacheCounters = Pick<SecretCacheStats, 'fetches' | 'backgroundRefreshes'>;

export interface RotationsUnderLoad {
  /** Printed in the test output, e.g. `kysely`. */
  readonly label: string;
  readonly stack: OrmStack;
  readonly secretId: string;
  readonly strategy: RotationStrategy;
  readonly rotations: number;
  readonly workload: OrmWorkload;
  /** The pool's SecretCache counters now (one pool per cache). */
  readonly cacheStats: () => CacheCounters;
}

export interface RotationsReport {
  readonly result: QueryLoadResult;
  /** GetSecretValue calls of the pool from just before the first rotation to the end, per rotation. */
  readonly callsPerRotation: number;
  /**
   * The same without the cache's TTL refreshes (which depend on the test's short TTL and how
   * long the rotations took): the calls the rotation windows cost (AWSCURRENT, AWSPENDING).
   */
  readonly windowCallsPerRotation: number;
  /** The line printed: no secret, no username. */
  readonly summary: string;
}

/**
 * Runs `rotations` RotateSecret rotations back to back under the ORM load, then prints one
 * summary line (queries, failures by kind, Secrets Manager calls per rotation per pool).
 */
export async function rotateUnderOrmLoad(run: RotationsUnderLoad): Promise<RotationsReport> {
  const load = startOrmLoad(run.workload);
  let before: CacheCounters = { fetches: 0, backgroundRefreshes: 0 };
  const started = Date.now();
  try {
    await waitForLoadProgress(load, 200);
    before = { ...run.cacheStats() };
    for (let i = 0; i < run.rotations; i++) {
      await run.stack.rotate(run.secretId, run.strategy);
      await waitForLoadProgress(load, 50);
    }
  } finally {
    await load.stop();
  }
  const after = run.cacheStats();
  const result = load.result;
  const calls = after.fetches - before.fetches;
  const ttlCalls = after.backgroundRefreshes - before.backgroundRefreshes;
  const report = {
    result,
    callsPerRotation: calls / run.rotations,
    windowCallsPerRotation: (calls - ttlCalls) / run.rotations,
  };
  const failures = result.failed === 0 ? '' : ` (${describeLoadErrors(result)})`;
  const summary =
    `[${run.label}] ${run.rotations} ${run.strategy} rotations in ${Date.now() - started} ms: ` +
    `${result.failed} failed of ${result.ok + result.failed} queries${failures}; ` +
    `Secrets Manager calls per rotation per pool: ${report.callsPerRotation.toFixed(1)} ` +
    `(${report.windowCallsPerRotation.toFixed(1)} for the window, the rest TTL refreshes)`;
  console.log(summary);
  return { ...report, summary };
}

function rdsValue(user: DatabaseUser): Record<string, unknown> {
  return {
    engine: 'mysql',
    host: user.host,
    port: user.port,
    username: user.username,
    password: user.password,
    dbname: user.database,
    ssl: false,
  };
}

/** The admin's secret, which the alternating-users strategy uses to change the other user. */
async function createMasterSecret(client: SecretsManagerClient, server: MysqlServer) {
  const out = await client.send(
    new CreateSecretCommand({
      Name: uniqueName('orm_master'),
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

/** rotation-core as the rotation function; each rotation holds its window open `WINDOW_MS`. */
function rotationHandler(
  client: SecretsManagerClient,
  strategy: RotationStrategy,
): RotationHandler {
  return createRotationHandler({
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
          await sleep(WINDOW_MS);
        }
      },
    },
  });
}
