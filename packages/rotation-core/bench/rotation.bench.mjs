#!/usr/bin/env node
// Full rotations on the local stack (local Secrets Manager + ephemeral MariaDB), 20 per
// strategy, through RotateSecret with the handler registered as the rotation function.
// Prints median/p95 of the rotation and of each step, and the share of step time spent in
// Secrets Manager calls, in SQL (logins included), and in between. Run after `pnpm build`.
import { CreateSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { startSecretsManager } from '@rotakit/secrets-manager-local';
import { createDatabaseUser, startMysql } from '@rotakit/testing';
import { createRotationHandler, mysql, silentLogger } from '../dist/index.js';

const ROTATIONS = Number(process.env.BENCH_ROTATIONS ?? 20);
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const round = (v) => Math.round(v * 100) / 100;
  return { median: round(at(0.5)), p95: round(at(0.95)), n: sorted.length };
}

async function benchStrategy(sm, client, db, strategy) {
  // Time between two boundaries belongs to the call that was open (a "before" without its
  // "after" yet), else to the engine's own work.
  const spent = { 'secrets-manager': 0, sql: 0, other: 0 };
  let last;
  const handler = createRotationHandler({
    strategy,
    database: mysql(),
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
  const arn = `arn:aws:lambda:us-east-1:123456789012:function:bench-${strategy}`;
  sm.registerRotationFunction(arn, handler);

  const user = await createDatabaseUser(db, { privileges: ['SELECT', 'INSERT', 'UPDATE'] });
  let masterarn;
  if (strategy === 'alternating-users') {
    const master = await client.send(
      new CreateSecretCommand({
        Name: `bench-master-${Date.now()}`,
        SecretString: JSON.stringify({
          engine: 'mysql',
          host: db.host,
          port: db.port,
          username: db.adminUser,
          password: db.adminPassword,
          ssl: false,
        }),
      }),
    );
    masterarn = master.ARN;
  }
  const name = `bench-${strategy}-${Date.now()}`;
  await client.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: JSON.stringify({
        engine: 'mysql',
        host: user.host,
        port: user.port,
        username: user.username,
        password: user.password,
        dbname: user.database,
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

const db = await startMysql();
const sm = await startSecretsManager();
const client = sm.client({ maxAttempts: 1 });
try {
  const result = {
    benchmark: 'rotation-core/rotation',
    rotationsPerStrategy: ROTATIONS,
    strategies: {},
  };
  for (const strategy of ['single-user', 'alternating-users']) {
    result.strategies[strategy] = await benchStrategy(sm, client, db, strategy);
    process.stderr.write(
      `${strategy}: ${JSON.stringify(result.strategies[strategy].rotationMs)}\n`,
    );
  }
  console.log(JSON.stringify(result));
} finally {
  await sm.close();
  await db.stop();
}
