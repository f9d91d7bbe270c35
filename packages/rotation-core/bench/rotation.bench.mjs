#!/usr/bin/env node
// Full rotations on the local stack (local Secrets Manager + an ephemeral MariaDB and
// PostgreSQL), 20 per strategy and engine, through RotateSecret with the handler registered as
// the rotation function (plaintext connections on loopback for both engines).
// Prints median/p95 of the rotation and of each step, and the share of step time spent in
// Secrets Manager calls, in SQL (logins included), and in between. Run after `pnpm build`.
import { CreateSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { startSecretsManager } from '@rotakit/secrets-manager-local';
import {
  createDatabaseUser,
  createPostgresRole,
  createRdsLikeMaster,
  startMysql,
  startPostgres,
} from '@rotakit/testing';
import { createRotationHandler, mysql, postgres, silentLogger } from '../dist/index.js';

const ROTATIONS = Number(process.env.BENCH_ROTATIONS ?? 20);
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const round = (v) => Math.round(v * 100) / 100;
  return { median: round(at(0.5)), p95: round(at(0.95)), n: sorted.length };
}

/**
 * How each engine is set up: its server, the driver, an account to rotate and, for alternating
 * users, a master (MariaDB's admin; on PostgreSQL a CREATEROLE non-superuser, as RDS gives).
 */
const ENGINES = {
  mysql: {
    start: () => startMysql(),
    driver: mysql,
    async account(db) {
      const user = await createDatabaseUser(db, { privileges: ['SELECT', 'INSERT', 'UPDATE'] });
      return { ...user, dbname: user.database };
    },
    master: (db) => ({ username: db.adminUser, password: db.adminPassword }),
  },
  postgres: {
    start: () => startPostgres({ tls: false }),
    driver: postgres,
    async account(db) {
      const role = await createPostgresRole(db);
      return { ...role, dbname: role.database };
    },
    master: (db) => createRdsLikeMaster(db),
  },
};

async function benchStrategy(sm, client, db, engine, strategy) {
  // Time between two boundaries belongs to the call that was open (a "before" without its
  // "after" yet), else to the engine's own work.
  const spent = { 'secrets-manager': 0, sql: 0, other: 0 };
  let last;
  const handler = createRotationHandler({
    strategy,
    database: ENGINES[engine].driver(),
    client,
    logger: silentLogger,
    env: {},
    hooks: {
      onBoundary(boundary) {
        if (last && last.step === boundary.step) {
          const bucket = last.phase === 'before' ? last.kind : 'other';
          spent[bucket] += boundary.at - last.at;
        }
        last = boundary;
      },
    },
  });
  const arn = `arn:aws:lambda:us-east-1:123456789012:function:bench-${engine}-${strategy}`;
  sm.registerRotationFunction(arn, handler);

  const user = await ENGINES[engine].account(db);
  let masterarn;
  if (strategy === 'alternating-users') {
    const { username, password } = await ENGINES[engine].master(db);
    const master = await client.send(
      new CreateSecretCommand({
        Name: `bench-master-${engine}-${Date.now()}`,
        SecretString: JSON.stringify({
          engine,
          host: db.host,
          port: db.port,
          username,
          password,
          ssl: false,
        }),
      }),
    );
    masterarn = master.ARN;
  }
  const name = `bench-${engine}-${strategy}-${Date.now()}`;
  await client.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: JSON.stringify({
        engine,
        host: user.host,
        port: user.port,
        username: user.username,
        password: user.password,
        dbname: user.dbname,
        ssl: false,
        ...(masterarn ? { masterarn } : {}),
      }),
    }),
  );

  const rotations = [];
  const steps = Object.fromEntries(STEPS.map((s) => [s, []]));
  for (let i = 0; i < ROTATIONS; i++) {
    last = undefined;
    const started = await client.send(
      new RotateSecretCommand({ SecretId: name, RotationLambdaARN: arn }),
    );
    const outcome = await sm.waitForRotation(name, { token: started.VersionId, timeoutMs: 60_000 });
    if (outcome.status !== 'succeeded') {
      throw new Error(
        `${strategy} rotation ${i + 1} failed at ${outcome.failedStep}: ${outcome.error?.message}`,
      );
    }
    rotations.push(outcome.durationMs);
    for (const step of outcome.steps) steps[step.step].push(step.durationMs);
  }
  await handler.close();
  const total = spent['secrets-manager'] + spent.sql + spent.other;
  const share = (v) => Math.round((v / total) * 1000) / 10;
  return {
    rotationMs: stats(rotations),
    stepMs: Object.fromEntries(STEPS.map((s) => [s, stats(steps[s])])),
    sharePercent: {
      secretsManager: share(spent['secrets-manager']),
      sql: share(spent.sql),
      other: share(spent.other),
    },
  };
}

const sm = await startSecretsManager();
const client = sm.client({ maxAttempts: 1 });
const result = {
  benchmark: 'rotation-core/rotation',
  rotationsPerStrategy: ROTATIONS,
  engines: {},
};
try {
  for (const engine of Object.keys(ENGINES)) {
    const db = await ENGINES[engine].start();
    try {
      const strategies = {};
      for (const strategy of ['single-user', 'alternating-users']) {
        strategies[strategy] = await benchStrategy(sm, client, db, engine, strategy);
        process.stderr.write(
          `${engine} ${strategy}: ${JSON.stringify(strategies[strategy].rotationMs)}\n`,
        );
      }
      result.engines[engine] = { server: db.version, strategies };
    } finally {
      await db.stop();
    }
  }
  console.log(JSON.stringify(result));
} finally {
  await sm.close();
}
