#!/usr/bin/env node
// Benchmark of @rotakit/secret-pool/pg (createPgPool) against the built dist (run `npx tsup` in
// this package and its workspace dependencies first, or `pnpm bench` at the root). Starts its
// own PostgreSQL and local Secrets Manager; everything stays on loopback. About two minutes.
//
//   node packages/secret-pool/bench/pg-pool.bench.mjs
//
// Prints progress, then one JSON object on the last stdout line:
// - throughput of SELECT 1 at 32 concurrency, createPgPool vs a raw pg.Pool, in interleaved
//   slices over groups of fresh child processes (memory is measured per process), with a
//   second raw pool in each group as an A/A control (throughput-harness.mjs has the design);
// - failed queries through single-user rotations (the steps by hand: AWSPENDING, ALTER ROLE,
//   finish) for createPgPool vs a plain pg.Pool fed the secret once, and Secrets Manager calls
//   per rotation.
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { compareThroughput, round, secretSource, serveSlices } from './throughput-harness.mjs';

const SELF = fileURLToPath(import.meta.url);
const GROUPS = 20;
const ROUNDS_PER_GROUP = 2;
const ROTATIONS = 5;

// ---------------------------------------------------------------- child: one pool per process

/**
 * Opens all `max` clients before the slices: createPgPool opens two at a time (`maxConnecting`,
 * which bounds failed logins in a rotation), a raw pool all at once, and on a loaded machine
 * the warm-up alone may not fill either. The comparison is of queries, not of logins.
 */
async function sqlSelect1(pool, max) {
  const clients = await Promise.all(Array.from({ length: max }, () => pool.connect()));
  for (const client of clients) client.release();
  return { query: () => pool.query('SELECT 1'), end: () => pool.end() };
}

const setups = {
  async plain(job) {
    const pg = (await import('pg')).default;
    const { host, port, user, password, database, max } = job;
    return sqlSelect1(new pg.Pool({ host, port, user, password, database, max }), max);
  },
  async rotakit(job) {
    const { createPgPool } = await import('@rotakit/secret-pool/pg');
    return sqlSelect1(
      createPgPool({
        ...secretSource(job),
        max: job.max,
      }),
      job.max,
    );
  },
};

const log = (...args) => console.log('[secret-pool pg bench]', ...args);

// ---------------------------------------------------------------- main

async function main() {
  const benchStarted = Date.now();
  const testing = await import('@rotakit/testing');
  const { startSecretsManager } = await import('@rotakit/secrets-manager-local');
  const {
    CreateSecretCommand,
    DescribeSecretCommand,
    PutSecretValueCommand,
    UpdateSecretVersionStageCommand,
  } = await import('@aws-sdk/client-secrets-manager');
  const { quoteIdentifier, quoteLiteral, scramSha256Verifier } = await import(
    '@rotakit/engine-postgres'
  );
  const { createPgPool } = await import('@rotakit/secret-pool/pg');
  const pg = (await import('pg')).default;

  const [server, sm] = await Promise.all([
    testing.startPostgres({ settings: { max_connections: '400' } }),
    startSecretsManager(),
  ]);
  const client = sm.client({ maxAttempts: 1 });
  const output = { machineNote: 'shared loopback; numbers are relative (same run, same machine)' };
  try {
    const role = await testing.createPostgresRole(server);
    const secretValue = {
      engine: 'postgres',
      host: role.host,
      port: role.port,
      username: role.username,
      password: role.password,
      dbname: role.database,
      ssl: false,
    };
    const secretName = testing.uniqueName('pgbench');
    await client.send(
      new CreateSecretCommand({ Name: secretName, SecretString: JSON.stringify(secretValue) }),
    );
    log(`PostgreSQL ${server.version} on ${server.port}; throughput of SELECT 1 at 32 concurrency`);
    output.postgres = server.version;
    const job = {
      secretName,
      region: sm.region,
      endpoint: sm.endpoint,
      host: role.host,
      port: role.port,
      user: role.username,
      password: role.password,
      database: role.database,
      max: 10,
      warmupMs: 1000,
      sliceMs: 400,
    };
    output.throughput = {
      targetRatio: 0.97,
      ...(await compareThroughput({
        self: SELF,
        job,
        groups: GROUPS,
        rounds: ROUNDS_PER_GROUP,
        log,
      })),
    };

    // Rotations under load: rotakit vs a plain pool fed the secret once.
    let current = { ...secretValue };
    const rotateOnce = async () => {
      const password = testing.uniqueName('pw');
      const pending = await client.send(
        new PutSecretValueCommand({
          SecretId: secretName,
          SecretString: JSON.stringify({ ...current, password }),
          VersionStages: ['AWSPENDING'],
        }),
      );
      await testing.withPostgresAdmin(server, (admin) =>
        admin.query(
          `ALTER ROLE ${quoteIdentifier(role.username)} PASSWORD ${quoteLiteral(scramSha256Verifier(password))}`,
        ),
      );
      await sleep(100);
      const described = await client.send(new DescribeSecretCommand({ SecretId: secretName }));
      const was = Object.entries(described.VersionIdsToStages ?? {}).find(([, s]) =>
        s.includes('AWSCURRENT'),
      )?.[0];
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretName,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: pending.VersionId,
          RemoveFromVersionId: was,
        }),
      );
      current = { ...current, password };
    };
    const queryable = (pool) => ({
      query: (sql) => pool.query(sql),
      getConnection: async () => {
        const c = await pool.connect();
        return { query: (sql) => c.query(sql), destroy: () => c.release(true) };
      },
    });
    const underRotations = async (pool) => {
      const load = testing.startQueryLoad(queryable(pool), { workers: 32, churnEvery: 8 });
      await testing.waitForLoadProgress(load, 200);
      for (let i = 0; i < ROTATIONS; i++) {
        await rotateOnce();
        await testing.waitForLoadProgress(load, 50);
      }
      return load.stop();
    };
    const callsBefore = sm.counts().GetSecretValue ?? 0;
    const ours = createPgPool({
      secretId: secretName,
      client,
      max: 8,
      idleTimeoutMillis: 200,
      cacheOptions: { ttlMs: 1000 },
    });
    const oursResult = await underRotations(ours);
    const oursStats = ours.stats();
    await ours.end();
    const calls = (sm.counts().GetSecretValue ?? 0) - callsBefore;
    const plain = new pg.Pool({
      host: current.host,
      port: current.port,
      user: current.username,
      password: current.password,
      database: current.dbname,
      max: 8,
      idleTimeoutMillis: 200,
    });
    plain.on('error', () => undefined);
    const plainResult = await underRotations(plain);
    await plain.end();
    output.rotations = {
      rotations: ROTATIONS,
      rotakit: {
        ok: oursResult.ok,
        failed: oursResult.failed,
        secretsManagerCalls: calls,
        callsPerRotation: round(calls / ROTATIONS, 1),
        pendingProbeSuccesses: oursStats.pendingProbeSuccesses,
        authFailures: oursStats.authFailures,
      },
      plainPool: { ok: plainResult.ok, failed: plainResult.failed },
    };
    log(
      `rotations x${ROTATIONS}: rotakit ${oursResult.failed} failed of ${oursResult.ok + oursResult.failed}, plain ${plainResult.failed} failed of ${plainResult.ok + plainResult.failed}`,
    );
  } finally {
    await Promise.all([sm.close(), server.stop()]);
  }
  output.durationSeconds = Math.round((Date.now() - benchStarted) / 1000);
  console.log(JSON.stringify({ benchmark: '@rotakit/secret-pool/pg', ...output }));
}

if (process.argv[2] === '--child') {
  await serveSlices(setups, JSON.parse(process.argv[3]));
} else {
  await main();
}
