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
import { fork } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const CONCURRENCY = 32;

// ---------------------------------------------------------------- child: one pool per process

// A child holds one pool (rotakit or raw) and runs `SELECT 1` at 32 concurrency only during
// the slices the parent asks for, so the pools of a group take turns in short slices and noise
// from the machine hits them alike. Memory is sampled for the child's whole life.
async function child(job) {
  const baseline = process.memoryUsage();
  let pool;
  if (job.kind === 'rotakit') {
    const { createPool } = await import('@rotakit/secret-pool');
    pool = createPool({
      secretId: job.secretName,
      clientConfig: {
        region: job.region,
        endpoint: job.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      },
      connectionLimit: job.connectionLimit,
    });
  } else {
    const mysql = (await import('mysql2/promise')).default;
    pool = mysql.createPool({
      host: job.host,
      port: job.port,
      user: job.user,
      password: job.password,
      database: job.database,
      connectionLimit: job.connectionLimit,
    });
  }
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const sampler = setInterval(sample, 20);
  const slice = async (ms) => {
    let queries = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        await pool.query('SELECT 1');
        queries++;
      }
    };
    const started = performance.now();
    const cpu = process.cpuUsage();
    const workers = Array.from({ length: job.concurrency }, worker);
    await sleep(ms);
    stop = true;
    await Promise.all(workers);
    const used = process.cpuUsage(cpu);
    return { queries, elapsed: performance.now() - started, cpuMicros: used.user + used.system };
  };
  await slice(job.warmupMs);
  let stopping = false;
  process.on('message', async (message) => {
    if (message.cmd === 'run') {
      process.send({ type: 'slice', ...(await slice(message.ms)) });
    } else if (message.cmd === 'stop') {
      stopping = true;
      sample();
      clearInterval(sampler);
      await pool.end();
      process.send({
        type: 'memory',
        peakRssMiB: peakRss / 2 ** 20,
        peakHeapMiB: peakHeap / 2 ** 20,
        rssOverBaselineMiB: (peakRss - baseline.rss) / 2 ** 20,
        heapOverBaselineMiB: (peakHeap - baseline.heapUsed) / 2 ** 20,
      });
      process.disconnect();
    }
  });
  // A parent that failed or was killed leaves no child running (the sampler would keep it alive).
  process.on('disconnect', () => {
    if (!stopping) process.exit(1);
  });
  process.send({ type: 'ready' });
}

function spawnChild(job) {
  const proc = fork(SELF, ['--child', JSON.stringify(job)], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  proc.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const waiters = [];
  proc.on('message', (message) => waiters.shift()?.resolve(message));
  proc.on('exit', (code) => {
    for (const w of waiters.splice(0)) {
      w.reject(new Error(`child ${job.kind} exited with ${code}: ${stderr.slice(-2000)}`));
    }
  });
  const next = () => new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  const ready = next();
  return {
    ready,
    run(ms) {
      const reply = next();
      proc.send({ cmd: 'run', ms });
      return reply;
    },
    stop() {
      const reply = next();
      proc.send({ cmd: 'stop' });
      return reply;
    },
  };
}

// ---------------------------------------------------------------- helpers

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
};
const median = (values) => quantile(values, 0.5);
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
    // So the comparison is repeated over GROUPS fresh sets of child processes, as JMH forks
    // fresh JVMs. Each group runs two raw pools: rotakit is compared with their geometric mean,
    // and their ratio to each other (the A/A control) shows the noise floor of the run.
    // Every group's ratios are printed, so a reader can see the spread behind the median.
    const tput = await newSecret();
    const GROUPS = 20;
    const ROUNDS_PER_GROUP = 2;
    const KINDS = ['raw', 'control', 'rotakit'];
    const ORDERS = [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
      [0, 2, 1],
      [2, 0, 1],
      [1, 0, 2],
    ];
    const job = {
      host: tput.user.host,
      port: tput.user.port,
      user: tput.user.username,
      password: tput.user.password,
      database: tput.user.database,
      secretName: tput.name,
      endpoint: sm.endpoint,
      region: sm.region,
      concurrency: CONCURRENCY,
      connectionLimit: 16,
      warmupMs: 1000,
      durationMs: 400,
    };
    const perGroup = Object.fromEntries(KINDS.map((kind) => [kind, []]));
    const ratios = [];
    const controlRatios = [];
    const cpuRatios = [];
    for (let g = 0; g < GROUPS; g++) {
      // Fork order varies per group, so no kind is always the first process started.
      const forkOrder = KINDS.map((_, i) => KINDS[(i + g) % KINDS.length]);
      const children = {};
      for (const kind of forkOrder) {
        children[kind] = spawnChild({ ...job, kind: kind === 'control' ? 'raw' : kind });
      }
      await Promise.all(KINDS.map((kind) => children[kind].ready));
      const totals = Object.fromEntries(
        KINDS.map((kind) => [kind, { queries: 0, elapsed: 0, cpuMicros: 0 }]),
      );
      for (let r = 0; r < ROUNDS_PER_GROUP; r++) {
        // Every order of the three in turn, so each kind runs first, last and right after each
        // other kind equally often (a slice can inherit the previous process's GC work).
        const order = ORDERS[(g * ROUNDS_PER_GROUP + r) % ORDERS.length].map((i) => KINDS[i]);
        for (const kind of order) {
          const { queries, elapsed, cpuMicros } = await children[kind].run(job.durationMs);
          totals[kind].queries += queries;
          totals[kind].elapsed += elapsed;
          totals[kind].cpuMicros += cpuMicros;
        }
      }
      for (const kind of KINDS) {
        const t = totals[kind];
        perGroup[kind].push({
          qps: (t.queries / t.elapsed) * 1000,
          cpuPerQuery: t.cpuMicros / t.queries,
          memory: await children[kind].stop(),
        });
      }
      const of = (kind, pick) => pick(perGroup[kind][g]);
      const vsRaw = (pick) =>
        of('rotakit', pick) / Math.sqrt(of('raw', pick) * of('control', pick));
      ratios.push(vsRaw((x) => x.qps));
      cpuRatios.push(vsRaw((x) => x.cpuPerQuery));
      controlRatios.push(of('control', (x) => x.qps) / of('raw', (x) => x.qps));
      log(
        `throughput group ${g + 1}/${GROUPS}: rotakit/raw ${round(ratios[g], 3)}, control/raw (A/A) ${round(controlRatios[g], 3)}`,
      );
    }
    const summary = (kind) => {
      const of = (pick) => median(perGroup[kind].map(pick));
      return {
        qpsMedian: Math.round(of((x) => x.qps)),
        clientCpuMicrosPerQuery: round(
          of((x) => x.cpuPerQuery),
          2,
        ),
        peakRssMiB: round(of((x) => x.memory.peakRssMiB)),
        peakHeapMiB: round(of((x) => x.memory.peakHeapMiB)),
        rssOverBaselineMiB: round(of((x) => x.memory.rssOverBaselineMiB)),
        heapOverBaselineMiB: round(of((x) => x.memory.heapOverBaselineMiB)),
      };
    };
    const quartiles = (values) => [0.25, 0.5, 0.75].map((q) => round(quantile(values, q), 3));
    const raw = summary('raw');
    const rotakit = summary('rotakit');
    output.throughput = {
      query: 'SELECT 1',
      concurrency: CONCURRENCY,
      connectionLimit: job.connectionLimit,
      groups: GROUPS,
      slicesPerGroup: ROUNDS_PER_GROUP,
      sliceMs: job.durationMs,
      raw,
      rotakit,
      control: summary('control'),
      // Median over groups of rotakit q/s over the geometric mean of the group's raw pools.
      medianRatio: round(median(ratios), 3),
      ratioQuartiles: quartiles(ratios),
      targetRatio: 0.97,
      // One raw pool over the other: how far from 1 two identical pools land in this run.
      controlMedianRatio: round(median(controlRatios), 3),
      controlRatioQuartiles: quartiles(controlRatios),
      groupRatios: ratios.map((r) => round(r, 3)),
      // Less sensitive to a busy machine than wall-clock throughput: client CPU per query.
      clientCpuPerQueryRatio: round(median(cpuRatios), 3),
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
  await child(JSON.parse(process.argv[3]));
} else {
  await main();
}
