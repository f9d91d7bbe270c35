#!/usr/bin/env node
// Benchmark of @rotakit/secret-pool/pg (createPgPool) against the built dist (run `npx tsup` in
// this package and its workspace dependencies first, or `pnpm bench` at the root). Starts its
// own PostgreSQL and local Secrets Manager; everything stays on loopback. About a minute.
//
//   node packages/secret-pool/bench/pg-pool.bench.mjs
//
// Prints progress, then one JSON object on the last stdout line:
// - throughput of SELECT 1 at 32 concurrency, createPgPool vs a raw pg.Pool, in interleaved
//   slices over groups of fresh child processes (memory is measured per process), with a
//   second raw pool in each group as an A/A control;
// - failed queries through single-user rotations (the steps by hand: AWSPENDING, ALTER ROLE,
//   finish) for createPgPool vs a plain pg.Pool fed the secret once, and Secrets Manager calls
//   per rotation.
import { fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const CONCURRENCY = 32;
const GROUPS = 6;
const SLICES_PER_GROUP = 6;
const SLICE_MS = 400;
const ROTATIONS = 5;

// ---------------------------------------------------------------- child: one pool per process

async function child(job) {
  const baseline = process.memoryUsage();
  let pool;
  if (job.kind === 'rotakit') {
    const { createPgPool } = await import('@rotakit/secret-pool/pg');
    pool = createPgPool({
      secretId: job.secretName,
      clientConfig: {
        region: job.region,
        endpoint: job.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      },
      max: job.max,
    });
  } else {
    const pg = (await import('pg')).default;
    pool = new pg.Pool({
      host: job.host,
      port: job.port,
      user: job.user,
      password: job.password,
      database: job.database,
      max: job.max,
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
    const workers = Array.from({ length: CONCURRENCY }, worker);
    await sleep(ms);
    stop = true;
    await Promise.all(workers);
    return { queries, elapsed: performance.now() - started };
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
        heapOverBaselineMiB: (peakHeap - baseline.heapUsed) / 2 ** 20,
      });
      process.disconnect();
    }
  });
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

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return (sorted[Math.floor(mid)] + sorted[Math.ceil(mid)]) / 2;
};
const round = (n, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const log = (...args) => console.log('[secret-pool pg bench]', ...args);

// ---------------------------------------------------------------- main

async function throughput(job) {
  const ratios = [];
  const controlRatios = [];
  const qps = { rotakit: [], raw: [], control: [] };
  const memory = { rotakit: [], raw: [] };
  for (let g = 0; g < GROUPS; g++) {
    const kinds = ['rotakit', 'raw', 'control'];
    const children = Object.fromEntries(
      kinds.map((kind) => [kind, spawnChild({ ...job, kind: kind === 'control' ? 'raw' : kind })]),
    );
    await Promise.all(Object.values(children).map((c) => c.ready));
    const totals = { rotakit: [0, 0], raw: [0, 0], control: [0, 0] };
    for (let s = 0; s < SLICES_PER_GROUP; s++) {
      // Rotate the order so no pool always runs first (or right after the same one).
      const order = kinds.map((_, i) => kinds[(i + s) % kinds.length]);
      for (const kind of order) {
        const { queries, elapsed } = await children[kind].run(SLICE_MS);
        totals[kind][0] += queries;
        totals[kind][1] += elapsed;
      }
    }
    const rate = (kind) => (totals[kind][0] / totals[kind][1]) * 1000;
    for (const kind of kinds) qps[kind].push(rate(kind));
    ratios.push(rate('rotakit') / rate('raw'));
    controlRatios.push(rate('control') / rate('raw'));
    const [rotakitMemory, rawMemory] = await Promise.all([
      children.rotakit.stop(),
      children.raw.stop(),
      children.control.stop(),
    ]);
    memory.rotakit.push(rotakitMemory);
    memory.raw.push(rawMemory);
    log(
      `throughput group ${g + 1}/${GROUPS}: rotakit/raw ${round(ratios[g], 3)}, control/raw (A/A) ${round(controlRatios[g], 3)}`,
    );
  }
  const med = (list, key) => round(median(list.map((m) => m[key])), 1);
  return {
    concurrency: CONCURRENCY,
    groups: GROUPS,
    slicesPerGroup: SLICES_PER_GROUP,
    sliceMs: SLICE_MS,
    qps: {
      rotakit: round(median(qps.rotakit), 0),
      raw: round(median(qps.raw), 0),
      control: round(median(qps.control), 0),
    },
    medianRatio: round(median(ratios), 3),
    medianControlRatio: round(median(controlRatios), 3),
    groupRatios: ratios.map((r) => round(r, 3)),
    groupControlRatios: controlRatios.map((r) => round(r, 3)),
    memoryMiB: {
      rotakit: {
        peakRss: med(memory.rotakit, 'peakRssMiB'),
        heapOverBaseline: med(memory.rotakit, 'heapOverBaselineMiB'),
      },
      raw: {
        peakRss: med(memory.raw, 'peakRssMiB'),
        heapOverBaseline: med(memory.raw, 'heapOverBaselineMiB'),
      },
    },
  };
}

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
    log(`PostgreSQL ${server.version} on ${server.port}; throughput at ${CONCURRENCY} concurrency`);
    output.postgres = server.version;
    output.throughput = await throughput({
      secretName,
      region: sm.region,
      endpoint: sm.endpoint,
      host: role.host,
      port: role.port,
      user: role.username,
      password: role.password,
      database: role.database,
      max: 10,
      warmupMs: 300,
    });

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
  await child(JSON.parse(process.argv[3]));
} else {
  await main();
}
