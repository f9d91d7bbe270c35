import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Engine } from '@rotakit/core';
import {
  byEngine,
  createRotationHandler,
  mysql,
  postgres,
  type RotationHandler,
  type RotationStrategy,
  runRotation,
  silentLogger,
} from '@rotakit/rotation-core';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import {
  createDatabaseUser,
  type MysqlConnectionInfo,
  type PostgresServer,
  parseMysqlUrl,
  startMysql,
  startPostgres,
  uniqueName,
  withAdmin,
} from '@rotakit/testing';
import { preparePostgresDatabase } from './postgres.js';

const FUNCTION_ARN: Record<RotationStrategy, string> = {
  'single-user': 'arn:aws:lambda:us-east-1:123456789012:function:rotakit-single-user',
  'alternating-users': 'arn:aws:lambda:us-east-1:123456789012:function:rotakit-alternating-users',
};

export interface StackOptions {
  /** Which database the app uses: a private MariaDB or a private PostgreSQL. */
  engine: Engine;
  /** An existing server's admin account instead of a private MariaDB. */
  mysqlUrl?: string | undefined;
  /** Use the real Secrets Manager (default credentials and Region) instead of the local one. */
  aws?: boolean;
  /** Pause before each step after createSecret, as the service's separate invocations take time. */
  stepGapMs: number;
}

export interface RotationRun {
  ok: boolean;
  durationMs: number;
  error?: string;
}

/** The app's database, table and user, and the master account for alternating users. */
export interface PreparedDatabase {
  database: string;
  appUser: string;
  appPassword: string;
  masterUser: string;
  masterPassword: string;
  /** The database the master's secret names (PostgreSQL: the master's own). */
  masterDatabase?: string;
}

/** The database, Secrets Manager, and a way to rotate through it. */
export interface Stack {
  engine: Engine;
  /** Where the database listens. */
  server: { host: string; port: number };
  prepareDatabase(): Promise<PreparedDatabase>;
  /** Drops what prepareDatabase created, on a server the demo did not start. */
  cleanupDatabase(db: PreparedDatabase): Promise<void>;
  client: SecretsManagerClient;
  /** What the local endpoint counted; undefined against AWS. */
  secretsManagerCalls(): Record<string, number> | undefined;
  local: SecretsManagerLocal | undefined;
  description: { database: string; secretsManager: string };
  createSecret(name: string, value: Record<string, unknown>): Promise<string>;
  updateSecret(secretId: string, value: Record<string, unknown>): Promise<void>;
  rotate(secretId: string, strategy: RotationStrategy): Promise<RotationRun>;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const [database, local] = await Promise.all([
    startDatabase(options),
    options.aws ? Promise.resolve(undefined) : startSecretsManager(),
  ]);
  const client = local ? local.client({ maxAttempts: 2 }) : new SecretsManagerClient({});
  const handlers: RotationHandler[] = [];
  const created: string[] = [];

  const handlerFor = (strategy: RotationStrategy) => {
    const handler = createRotationHandler({
      strategy,
      // One rotation function for both engines: the secret's engine picks the driver.
      database: byEngine({ mysql: mysql(), postgres: postgres() }),
      client,
      logger: silentLogger,
      env: {},
    });
    handlers.push(handler);
    return handler;
  };
  if (local) {
    for (const strategy of ['single-user', 'alternating-users'] as const) {
      const handler = handlerFor(strategy);
      local.registerRotationFunction(FUNCTION_ARN[strategy], async (event, context) => {
        if (event.Step !== 'createSecret') await sleep(options.stepGapMs);
        await handler(event, context);
      });
    }
  }

  return {
    engine: database.engine,
    server: database.server,
    prepareDatabase: database.prepareDatabase,
    cleanupDatabase: database.cleanupDatabase,
    client,
    local,
    secretsManagerCalls: () => (local ? { ...local.counts() } : undefined),
    description: {
      database: database.description,
      secretsManager: local
        ? `local Secrets Manager at ${local.endpoint}`
        : 'AWS Secrets Manager (default credentials)',
    },
    async createSecret(name, value) {
      const out = await client.send(
        new CreateSecretCommand({
          Name: local ? name : uniqueName(name.replaceAll('/', '-')),
          SecretString: JSON.stringify(value),
        }),
      );
      created.push(out.ARN!);
      return out.ARN!;
    },
    async updateSecret(secretId, value) {
      await client.send(
        new UpdateSecretCommand({ SecretId: secretId, SecretString: JSON.stringify(value) }),
      );
    },
    async rotate(secretId, strategy) {
      const started = performance.now();
      try {
        if (local) {
          const { VersionId } = await client.send(
            new RotateSecretCommand({
              SecretId: secretId,
              RotationLambdaARN: FUNCTION_ARN[strategy],
            }),
          );
          const outcome = await local.waitForRotation(secretId, {
            token: VersionId!,
            timeoutMs: 60_000,
          });
          return {
            ok: outcome.status === 'succeeded',
            durationMs: performance.now() - started,
            ...(outcome.error
              ? { error: `${outcome.failedStep}: ${outcome.error.name}: ${outcome.error.message}` }
              : {}),
          };
        }
        await runRotation({
          secretId,
          client,
          options: {
            strategy,
            database: byEngine({ mysql: mysql(), postgres: postgres() }),
            logger: silentLogger,
          },
        });
        return { ok: true, durationMs: performance.now() - started };
      } catch (error) {
        const e = error as Error;
        return {
          ok: false,
          durationMs: performance.now() - started,
          error: `${e.name}: ${e.message}`,
        };
      }
    },
    async close() {
      for (const handler of handlers) await handler.close();
      if (!local) {
        for (const arn of created) {
          await client
            .send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }))
            .catch(() => undefined);
        }
        client.destroy();
      }
      await Promise.all([local?.close(), database.stop()]);
    },
  };
}

interface DemoDatabase {
  engine: Engine;
  server: { host: string; port: number };
  description: string;
  prepareDatabase(): Promise<PreparedDatabase>;
  cleanupDatabase(db: PreparedDatabase): Promise<void>;
  stop(): Promise<void>;
}

function startDatabase(options: StackOptions): Promise<DemoDatabase> {
  return options.engine === 'postgres' ? startDemoPostgres() : startDemoMysql(options.mysqlUrl);
}

async function startDemoMysql(mysqlUrl: string | undefined): Promise<DemoDatabase> {
  const server = mysqlUrl ? undefined : await startMysql({ serverArgs: ['--max-connections=500'] });
  const info: MysqlConnectionInfo = server ?? parseMysqlUrl(mysqlUrl ?? '');
  return {
    engine: 'mysql',
    server: { host: info.host, port: info.port },
    description: server
      ? `private ${server.flavor === 'mysql' ? 'MySQL' : 'MariaDB'} ${server.version} on ${server.host}:${server.port}`
      : `${info.host}:${info.port}`,
    prepareDatabase: () => prepareDatabase(info),
    cleanupDatabase: (db) => cleanupDatabase(info, db),
    stop: async () => {
      await server?.stop();
    },
  };
}

async function startDemoPostgres(): Promise<DemoDatabase> {
  // Two pools of 8 plus the churned connections of 64 workers need more than 100 slots.
  const server: PostgresServer = await startPostgres({
    tls: false,
    settings: { max_connections: '300' },
  });
  return {
    engine: 'postgres',
    server: { host: server.host, port: server.port },
    description: `private PostgreSQL ${server.version} on ${server.host}:${server.port}`,
    prepareDatabase: () => preparePostgresDatabase(server),
    // The demo started this server and removes it whole.
    cleanupDatabase: async () => undefined,
    stop: () => server.stop(),
  };
}

/** Creates the app's database, table and user, and the master account for alternating users. */
async function prepareDatabase(info: MysqlConnectionInfo): Promise<PreparedDatabase> {
  const app = await createDatabaseUser(info, {
    username: uniqueName('app', 6),
    database: uniqueName('shop'),
    privileges: ['SELECT', 'INSERT'],
  });
  // The master creates the clone and hands it the app user's grants (alternating users).
  const master = await createDatabaseUser(info, {
    username: uniqueName('admin', 6),
    database: app.database,
    privileges: [],
    extraGrants: ['GRANT ALL PRIVILEGES ON *.* TO {user} WITH GRANT OPTION'],
  });
  await withAdmin(info, async (admin) => {
    const orders = `${admin.escapeId(app.database)}.orders`;
    await admin.query(
      `CREATE TABLE ${orders} (id INT AUTO_INCREMENT PRIMARY KEY, total DECIMAL(10,2) NOT NULL)`,
    );
    await admin.query(
      `INSERT INTO ${orders} (total) VALUES (19.99), (5.00), (120.50), (42.00), (7.25)`,
    );
  });
  return {
    database: app.database,
    appUser: app.username,
    appPassword: app.password,
    masterUser: master.username,
    masterPassword: master.password,
  };
}

/** Drops what `prepareDatabase` created (on a server the demo did not start). */
async function cleanupDatabase(
  info: MysqlConnectionInfo,
  created: { database: string; appUser: string; masterUser: string },
  cloneSuffix = '_clone',
) {
  await withAdmin(info, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeId(created.database)}`);
    for (const user of [created.appUser, `${created.appUser}${cloneSuffix}`, created.masterUser]) {
      await admin.query('DROP USER IF EXISTS ?@?', [user, '%']);
    }
  });
}
