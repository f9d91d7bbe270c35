#!/usr/bin/env node
// Benchmarks checkRotationPath (run after `npx tsup`; prints one JSON object on its last line).
//
// 1. Every target unreachable by timeout: the Secrets Manager endpoint is a loopback port whose
//    accept queue is full (SYNs dropped silently, like a security group drop) and the database
//    accepts but never greets. All checks run concurrently, so the run should end at its budget:
//    target total <= budget + 10%.
// 2. All healthy on loopback: the local Secrets Manager and a real MariaDB (started here, or
//    ROTAKIT_TEST_MYSQL_URL). Median and p90 of the full run.
// 3. The same with a PostgreSQL secret (a PostgreSQL started here, TLS verified).
// Loopback only.
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

// Bounded: a stuck server start or probe ends the benchmark instead of hanging the runner.
setTimeout(() => {
  console.log(JSON.stringify({ name: 'netcheck', error: 'benchmark exceeded 240 s' }));
  process.exit(1);
}, 240_000).unref();

const netcheck = await import('../dist/index.js');
const { checkRotationPath, ProbeRateLimiter } = netcheck;

const TIMEOUT_RUNS = Number(process.env.NETCHECK_BENCH_TIMEOUT_RUNS ?? 5);
const TIMEOUT_BUDGET_MS = Number(process.env.NETCHECK_BENCH_BUDGET_MS ?? 2000);
const HEALTHY_RUNS = Number(process.env.NETCHECK_BENCH_HEALTHY_RUNS ?? 30);

function log(...args) {
  console.error('[netcheck bench]', ...args);
}

async function blackhole() {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const server = require('node:net').createServer();
     server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       while (Atomics.load(workerData, 0) === 0) Atomics.wait(workerData, 0, 0, 1000);
       server.close();
     });`,
    { eval: true, workerData: flag },
  );
  worker.unref();
  const [port] = await once(worker, 'message');
  const fillers = [];
  for (let i = 0; i < 16; i++) {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    fillers.push(socket);
    const ok = await Promise.race([
      once(socket, 'connect').then(() => true),
      new Promise((r) => setTimeout(() => r(false), 300).unref()),
    ]);
    if (!ok) break;
  }
  return {
    port,
    async close() {
      for (const s of fillers) s.destroy();
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await worker.terminate();
    },
  };
}

async function silent() {
  const sockets = new Set();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  server.listen({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  return {
    port: server.address().port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function timeoutScenario() {
  const hole = await blackhole();
  const db = await silent();
  const durations = [];
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  try {
    for (let i = 0; i < TIMEOUT_RUNS; i++) {
      const client = new SecretsManagerClient({
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${hole.port}`,
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      });
      const started = performance.now();
      const report = await checkRotationPath({
        secretId: 'bench/unreachable',
        secret: { host: '127.0.0.1', port: db.port, username: 'u', password: 'p' },
        client,
        timeoutMs: TIMEOUT_BUDGET_MS,
        rateLimiter: false,
      });
      const wall = performance.now() - started;
      client.destroy();
      const failing = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
      log(
        `unreachable run ${i + 1}: ${wall.toFixed(0)} ms wall, report ${report.durationMs} ms, failing ${failing.join(',')}`,
      );
      durations.push(wall);
      if (!failing.includes('R4') || !failing.includes('R7'))
        throw new Error(`unexpected report: ${report.summary}`);
    }
  } finally {
    await hole.close();
    await db.close();
  }
  const sorted = [...durations].sort((a, b) => a - b);
  const max = sorted[sorted.length - 1];
  return {
    budgetMs: TIMEOUT_BUDGET_MS,
    runs: durations.length,
    medianMs: Math.round(quantile(sorted, 0.5)),
    maxMs: Math.round(max),
    maxOverBudgetPct: Math.round(((max - TIMEOUT_BUDGET_MS) / TIMEOUT_BUDGET_MS) * 1000) / 10,
    withinBudgetPlus10Pct: max <= TIMEOUT_BUDGET_MS * 1.1,
  };
}

async function startDatabase() {
  if (process.env.ROTAKIT_TEST_MYSQL_URL) {
    const u = new URL(process.env.ROTAKIT_TEST_MYSQL_URL);
    return {
      info: {
        host: u.hostname,
        port: Number(u.port || 3306),
        user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
      },
      stop: async () => {},
      kind: 'external',
    };
  }
  const { startMysql } = await import('@rotakit/testing');
  const server = await startMysql();
  return {
    info: {
      host: server.host,
      port: server.port,
      user: server.adminUser,
      password: server.adminPassword,
    },
    stop: () => server.stop(),
    kind: server.flavor,
  };
}

/** The same checkRotationPath run HEALTHY_RUNS times (after 3 warm-ups) on one secret. */
async function timeHealthyRuns(client, secretId, extra = {}) {
  const durations = [];
  const limiter = new ProbeRateLimiter({ maxProbes: HEALTHY_RUNS + 5, windowMs: 600_000 });
  for (let i = 0; i < HEALTHY_RUNS + 3; i++) {
    const started = performance.now();
    const report = await checkRotationPath({
      secretId,
      client,
      rateLimiter: limiter,
      timeoutMs: 5000,
      ...extra,
    });
    const wall = performance.now() - started;
    if (!report.ok) throw new Error(`healthy run failed: ${report.summary}`);
    if (i >= 3) durations.push(wall); // the first runs warm up module loading and the JIT
  }
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    runs: durations.length,
    medianMs: Math.round(quantile(sorted, 0.5) * 10) / 10,
    p90Ms: Math.round(quantile(sorted, 0.9) * 10) / 10,
    minMs: Math.round(sorted[0] * 10) / 10,
  };
}

async function healthyScenario() {
  const { startSecretsManager } = await import('@rotakit/secrets-manager-local');
  const { CreateSecretCommand } = await import('@aws-sdk/client-secrets-manager');
  const sm = await startSecretsManager();
  const db = await startDatabase();
  try {
    const client = sm.client();
    await client.send(
      new CreateSecretCommand({
        Name: 'bench/healthy',
        SecretString: JSON.stringify({
          engine: 'mysql',
          host: db.info.host,
          port: db.info.port,
          username: db.info.user,
          password: db.info.password,
        }),
      }),
    );
    return { database: db.kind, ...(await timeHealthyRuns(client, 'bench/healthy')) };
  } finally {
    await sm.close();
    await db.stop();
  }
}

/**
 * PostgreSQL (started here): SSLRequest, TLS verified against the server's CA (given as `ca`,
 * beside Node's and the RDS CAs), the startup answer; no login.
 */
async function healthyPostgresScenario() {
  const { startSecretsManager } = await import('@rotakit/secrets-manager-local');
  const { CreateSecretCommand } = await import('@aws-sdk/client-secrets-manager');
  const { startPostgres } = await import('@rotakit/testing');
  const [sm, server] = await Promise.all([startSecretsManager(), startPostgres()]);
  try {
    const client = sm.client();
    await client.send(
      new CreateSecretCommand({
        Name: 'bench/healthy-postgres',
        SecretString: JSON.stringify({
          engine: 'postgres',
          host: server.host,
          port: server.port,
          username: server.admin.username,
          password: server.admin.password,
          ssl: true,
        }),
      }),
    );
    const timed = await timeHealthyRuns(client, 'bench/healthy-postgres', { ca: server.ca });
    return { database: `postgres ${server.version}`, ...timed };
  } finally {
    await sm.close();
    await server.stop();
  }
}

const unreachable = await timeoutScenario();
log('unreachable:', JSON.stringify(unreachable));
let healthy;
try {
  healthy = await healthyScenario();
} catch (error) {
  healthy = { error: `${error?.name}: ${error?.message}` };
}
log('healthy:', JSON.stringify(healthy));
let healthyPostgres;
try {
  healthyPostgres = await healthyPostgresScenario();
} catch (error) {
  healthyPostgres = { error: `${error?.name}: ${error?.message}` };
}
log('healthy PostgreSQL:', JSON.stringify(healthyPostgres));
console.log(JSON.stringify({ name: 'netcheck', unreachable, healthy, healthyPostgres }));
