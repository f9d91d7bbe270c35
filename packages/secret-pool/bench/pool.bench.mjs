#!/usr/bin/env node
// Benchmark of @rotakit/secret-pool against the built dist (run `npx tsup` in this package and
// its workspace dependencies first, or `pnpm bench` at the root). Starts its own MariaDB and
// local Secrets Manager; everything stays on loopback. Bounded to about 2 minutes.
//
//   node packages/secret-pool/bench/pool.bench.mjs
//
// Prints progress, then one JSON object on the last stdout line:
// - throughput of SELECT 1 at 32 concurrency, createPool vs a raw mysql2 pool, in interleaved
//   slices, over 20 groups of fresh child processes (so memory is measured per process), with
//   a second raw pool in each group as an A/A control;
// - cached credential reads per second;
// - Secrets Manager calls per rotation per pool, failed queries across rotations for
//   rotakit vs a plain pool fed the secret once;
// - a fleet of 200 pools through one rotation: total calls and the per-100ms curve.
import diagnosticsChannel from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  CONCURRENCY,
  compareThroughput,
  secretSource,
  serveSlices,
} from './throughput-harness.mjs';

const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------- child: one pool per process

// A child holds one pool (rotakit or raw) and runs `SELECT 1` at 32 concurrency only during
// the slices the parent asks for (throughput-harness.mjs).
const selectOne = (pool) => ({ query: () => pool.query('SELECT 1'), end: () => pool.end() });

const setups = {
  async plain(job) {
    const mysql = (await import('mysql2/promise')).default;
    const { host, port, user, password, database, connectionLimit } = job;
    return selectOne(mysql.createPool({ host, port, user, password, database, connectionLimit }));
  },
  async rotakit(job) {
    const { createPool } = await import('@rotakit/secret-pool');
    return selectOne(
      createPool({
        ...secretSource(job),
        connectionLimit: job.connectionLimit,
      }),
    );
  },
};

// ---------------------------------------------------------------- helpers

/** The most timestamps (ms) that fall in any window of `width` ms. */
const peakInWindow = (times, width) => {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= width) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
};
const round = (n, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const log = (...args) => console.log('[secret-pool bench]', ...args);

// ---------------------------------------------------------------- main

async function main() {
  const benchStarted = Date.now();
  const { startMysql, createDatabaseUser, startQueryLoad, uniqueName } = await import(
    '@rotakit/testing'
  );
  const { startSecretsManager } = await import('@rotakit/secrets-manager-local');
  const {
    createRotationHandler,
    mysql: mysqlDriver,
    silentLogger,
  } = await import('@rotakit/rotation-core');
  const { CreateSecretCommand, RotateSecretCommand } = await import(
    '@aws-sdk/client-secrets-manager'
  );
  const { createPool, SecretCache, channels } = await import('@rotakit/secret-pool');
  const mysql = (await import('mysql2/promise')).default;

  log('starting MariaDB and the local Secrets Manager');
  const [server, sm] = await Promise.all([
    startMysql({ serverArgs: ['--max-connections=1000'] }),
    startSecretsManager(),
  ]);
  const client = sm.client({ maxAttempts: 1 });
  const handlers = [];
  const output = {};
  try {
    const SINGLE = 'arn:aws:lambda:us-east-1:123456789012:function:bench-single';
    const ALTERNATING = 'arn:aws:lambda:us-east-1:123456789012:function:bench-alternating';
    let windowHoldMs = 150;
    const makeHandler = (strategy) => {
      const handler = createRotationHandler({
        strategy,
        database: mysqlDriver(),
        client,
        logger: silentLogger,
        env: {},
        testSecret: { attempts: 1, delayMs: 0 },
        hooks: {
          async onBoundary(b) {
            // Holds the rotation window (between setSecret and finishSecret) open.
            if (b.step === 'finishSecret' && b.phase === 'before' && b.occurrence === 1) {
              await sleep(windowHoldMs);
            }
          },
        },
      });
      handlers.push(handler);
      return handler;
    };
    sm.registerRotationFunction(SINGLE, makeHandler('single-user'));
    sm.registerRotationFunction(ALTERNATING, makeHandler('alternating-users'));

    const masterArn = (
      await client.send(
        new CreateSecretCommand({
          Name: uniqueName('master'),
          SecretString: JSON.stringify({
            engine: 'mysql',
            host: server.host,
            port: server.port,
            username: server.adminUser,
            password: server.adminPassword,
          }),
        }),
      )
    ).ARN;

    const newSecret = async (extra = {}) => {
      const user = await createDatabaseUser(server);
      const name = uniqueName('bench');
      const value = {
        engine: 'mysql',
        host: user.host,
        port: user.port,
        username: user.username,
        password: user.password,
        dbname: user.database,
        ...extra,
      };
      await client.send(
        new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }),
      );
      return { name, user, value };
    };
    const rotate = async (name, fn) => {
      const started = await client.send(
        new RotateSecretCommand({ SecretId: name, RotationLambdaARN: fn }),
      );
      const outcome = await sm.waitForRotation(name, {
        token: started.VersionId,
        timeoutMs: 60_000,
      });
      if (outcome.status !== 'succeeded') {
        throw new Error(`rotation ${outcome.status}: ${outcome.error?.message}`);
      }
      return outcome;
    };

    // ------------------------------------------------ 1. throughput and memory
    // Identical processes differ by several percent in throughput for their whole life (JIT
    // decisions, memory layout): an A/A run of two raw children over 30 slices once gave 1.076.
    // So the comparison is repeated over 20 fresh sets of child processes, as JMH forks fresh
    // JVMs, each against two raw pools (throughput-harness.mjs has the design).
    const tput = await newSecret();
    const job = {
      host: tput.user.host,
      port: tput.user.port,
      user: tput.user.username,
      password: tput.user.password,
      database: tput.user.database,
      secretName: tput.name,
      endpoint: sm.endpoint,
      region: sm.region,
      connectionLimit: 16,
      warmupMs: 1000,
      sliceMs: 400,
    };
    output.throughput = {
      query: 'SELECT 1',
      connectionLimit: job.connectionLimit,
      targetRatio: 0.97,
      ...(await compareThroughput({ self: SELF, job, groups: 20, rounds: 2, log })),
    };
    log('throughput', JSON.stringify(output.throughput));

    // ------------------------------------------------ 2. cached credential reads
    {
      const cache = new SecretCache({ client, ttlMs: 60_000 });
      await cache.get(tput.name);
      let n = 0;
      let t0 = performance.now();
      while (performance.now() - t0 < 1000) {
        for (let i = 0; i < 1000; i++) await cache.get(tput.name);
        n += 1000;
      }
      const asyncPerSec = (n / (performance.now() - t0)) * 1000;
      n = 0;
      t0 = performance.now();
      while (performance.now() - t0 < 1000) {
        for (let i = 0; i < 10_000; i++) cache.getCached(tput.name);
        n += 10_000;
      }
      const syncPerSec = (n / (performance.now() - t0)) * 1000;
      await cache.close();
      output.cachedReads = {
        getPerSecond: Math.round(asyncPerSec),
        getCachedPerSecond: Math.round(syncPerSec),
      };
      log('cached reads', JSON.stringify(output.cachedReads));
    }

    // ------------------------------------------------ 3. rotations under load: rotakit vs plain
    {
      const ROTATIONS = 5;
      const LOADED = { connectionLimit: 8, maxIdle: 2, idleTimeout: 200 };
      windowHoldMs = 150;
      const rk = await newSecret();
      const pool = createPool({
        secretId: rk.name,
        client,
        ...LOADED,
        cacheOptions: { ttlMs: 60_000 },
      });
      await pool.query('SELECT 1');
      const fetchesBefore = pool.stats().cache.fetches;
      let load = startQueryLoad(pool, { workers: CONCURRENCY, churnEvery: 4 });
      await sleep(300);
      for (let i = 0; i < ROTATIONS; i++) {
        await rotate(rk.name, SINGLE);
        await sleep(100);
      }
      const rotakit = await load.stop();
      const stats = pool.stats();
      await pool.end();

      const pl = await newSecret();
      const plain = mysql.createPool({
        host: pl.value.host,
        port: pl.value.port,
        user: pl.value.username,
        password: pl.value.password,
        database: pl.value.dbname,
        ...LOADED,
      });
      load = startQueryLoad(plain, { workers: CONCURRENCY, churnEvery: 4 });
      await sleep(300);
      for (let i = 0; i < ROTATIONS; i++) {
        await rotate(pl.name, SINGLE);
        await sleep(100);
      }
      const plainResult = await load.stop();
      await plain.end();
      output.rotations = {
        strategy: 'single-user',
        rotations: ROTATIONS,
        windowHeldMs: windowHoldMs,
        workers: CONCURRENCY,
        rotakit: {
          ok: rotakit.ok,
          failed: rotakit.failed,
          secretsManagerCallsPerRotation: round(
            (stats.cache.fetches - fetchesBefore) / ROTATIONS,
            2,
          ),
          authFailures: stats.authFailures,
          pendingProbeSuccesses: stats.pendingProbeSuccesses,
        },
        plain: { ok: plainResult.ok, failed: plainResult.failed },
      };
      log('rotations', JSON.stringify(output.rotations));
    }

    // ------------------------------------------------ 4. fleet: 200 pools, one rotation
    const fleet = async ({ strategy, ttlJitter, label }) => {
      const POOLS = 200;
      const secret = await newSecret(
        strategy === 'alternating-users' ? { masterarn: masterArn } : {},
      );
      // Longer than a rotation takes here (about 1 s), so a pool refreshes once by TTL.
      const ttlMs = 4000;
      const pools = [];
      for (let i = 0; i < POOLS; i++) {
        // One cache per pool: each stands for a separate process of the fleet.
        const cache = new SecretCache({ client, ttlMs, ttlJitter });
        pools.push(
          createPool({
            secretId: secret.name,
            cache,
            connectionLimit: 2,
            credentialCheckIntervalMs: 50,
            retireConnections: { overMs: 1000 },
          }),
        );
      }
      // Synchronised start, as for a fleet deployed at once: every cache fetches together.
      await Promise.all(pools.map((p) => p.query('SELECT 1')));
      const calls = [];
      let t0 = performance.now();
      const onFetch = () => calls.push(performance.now() - t0);
      diagnosticsChannel.subscribe(channels.fetch, onFetch);
      const fetchesBefore = pools.reduce((sum, p) => sum + p.stats().cache.fetches, 0);
      // Light load per pool; single-user pools also replace a connection now and then, as
      // idle timeouts do, so some meet the new password on a new connection (access denied,
      // then AWSCURRENT and AWSPENDING) before their TTL expires.
      const loads = pools.map((p) =>
        startQueryLoad(p, {
          workers: 1,
          churnEvery: strategy === 'single-user' ? 10 : 0,
          thinkTimeMs: 50,
        }),
      );
      windowHoldMs = 300;
      t0 = performance.now();
      const outcome = await rotate(secret.name, strategy === 'single-user' ? SINGLE : ALTERNATING);
      const deadline = Date.now() + 15_000;
      while (
        Date.now() < deadline &&
        !pools.every((p) => p.stats().credentials.versionId === outcome.token)
      ) {
        await sleep(20);
      }
      const settledMs = performance.now() - t0;
      const fetches = pools.reduce((sum, p) => sum + p.stats().cache.fetches, 0) - fetchesBefore;
      diagnosticsChannel.unsubscribe(channels.fetch, onFetch);
      const results = await Promise.all(loads.map((l) => l.stop()));
      await Promise.all(
        pools.map(async (p) => {
          await p.end();
          await p.cache.close();
        }),
      );
      const buckets = new Array(Math.ceil(settledMs / 100)).fill(0);
      for (const at of calls) {
        const i = Math.floor(at / 100);
        if (i < buckets.length) buckets[i]++;
      }
      const out = {
        label,
        strategy,
        pools: POOLS,
        ttlMs,
        ttlJitter,
        allPoolsOnNewVersionMs: Math.round(settledMs),
        secretsManagerCalls: fetches,
        callsPerPool: round(fetches / POOLS, 2),
        peakCallsPer100ms: Math.max(...buckets),
        peakCallsInAnySecond: peakInWindow(calls, 1000),
        callsPer100ms: buckets,
        failedQueries: results.reduce((sum, r) => sum + r.failed, 0),
        queries: results.reduce((sum, r) => sum + r.ok, 0),
      };
      log(`fleet ${label}`, JSON.stringify({ ...out, callsPer100ms: undefined }));
      return out;
    };
    output.fleet = [
      await fleet({
        strategy: 'single-user',
        ttlJitter: 0.5,
        label: 'single-user, TTL jitter 0.5',
      }),
      await fleet({
        strategy: 'alternating-users',
        ttlJitter: 0.5,
        label: 'alternating-users, TTL jitter 0.5',
      }),
      await fleet({
        strategy: 'alternating-users',
        ttlJitter: 0,
        label: 'alternating-users, no jitter (control)',
      }),
    ];
  } finally {
    for (const h of handlers) await h.close();
    await sm.close();
    await server.stop();
  }
  output.durationSeconds = Math.round((Date.now() - benchStarted) / 1000);
  console.log(JSON.stringify({ benchmark: '@rotakit/secret-pool', ...output }));
}

if (process.argv[2] === '--child') {
  await serveSlices(setups, JSON.parse(process.argv[3]));
} else {
  await main();
}
