#!/usr/bin/env node
// Benchmark of Knex on a rotakit pool (@rotakit/secret-pool/knex) against Knex's plain mysql2
// setup, on the built dist (run `npx tsup` in this package and its workspace dependencies
// first, or `pnpm bench` at the root). Starts its own MariaDB and local Secrets Manager;
// everything stays on loopback. Bounded to about a minute.
//
//   node packages/secret-pool/bench/orm-knex.bench.mjs
//
// Prints progress, then one JSON object on the last stdout line: throughput of one Knex query
// (`select id, name from items where id = 1 limit 1`) at 32 concurrency, rotakit-backed vs
// plain, in interleaved slices over groups of fresh child processes, with a second plain Knex
// in each group as an A/A control (the method of pool.bench.mjs, docs/secret-pool.md).
import { fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const CONCURRENCY = 32;
const CONNECTIONS = 16;
const GROUPS = 10;
const ROUNDS_PER_GROUP = 2;
const SLICE_MS = 400;
const WARMUP_MS = 1000;
const KINDS = ['plain', 'control', 'rotakit'];
const ORDERS = [
  [0, 1, 2],
  [2, 1, 0],
  [1, 2, 0],
  [0, 2, 1],
  [2, 0, 1],
  [1, 0, 2],
];

// ---------------------------------------------------------------- child: one Knex per process

async function knexFor(job) {
  const knex = (await import('knex')).default;
  if (job.kind === 'rotakit') {
    const { knexConfig } = await import('@rotakit/secret-pool/knex');
    return knex(
      knexConfig({
        secretId: job.secretName,
        clientConfig: {
          region: job.region,
          endpoint: job.endpoint,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        },
        connectionLimit: CONNECTIONS,
      }),
    );
  }
  return knex({
    client: 'mysql2',
    connection: {
      host: job.host,
      port: job.port,
      user: job.user,
      password: job.password,
      database: job.database,
    },
    pool: { min: 0, max: CONNECTIONS },
  });
}

async function child(job) {
  const db = await knexFor(job);
  const slice = async (ms) => {
    let queries = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        await db('items').select('id', 'name').where('id', 1).first();
        queries++;
      }
    };
    const started = performance.now();
    const cpu = process.cpuUsage();
    const workers = Array.from({ length: CONCURRENCY }, worker);
    await sleep(ms);
    stop = true;
    await Promise.all(workers);
    const used = process.cpuUsage(cpu);
    return { queries, elapsed: performance.now() - started, cpuMicros: used.user + used.system };
  };
  await slice(WARMUP_MS);
  let stopping = false;
  process.on('message', async (message) => {
    if (message.cmd === 'run') {
      process.send({ type: 'slice', ...(await slice(message.ms)) });
    } else if (message.cmd === 'stop') {
      stopping = true;
      await db.destroy();
      process.send({ type: 'stopped' });
      process.disconnect();
    }
  });
  // A parent that failed or was killed leaves no child running.
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
  const send = (message) => {
    const reply = next();
    proc.send(message);
    return reply;
  };
  return {
    ready: next(),
    run: (ms) => send({ cmd: 'run', ms }),
    stop: () => send({ cmd: 'stop' }),
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
const round = (n, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const quartiles = (values) => [0.25, 0.5, 0.75].map((q) => round(quantile(values, q), 3));
const log = (...args) => console.log('[orm-knex bench]', ...args);

// ---------------------------------------------------------------- main

/** One group: three fresh children take turns in slices; their q/s and CPU per query. */
async function runGroup(g, job) {
  const children = {};
  // Fork order varies per group, so no kind is always the first process started.
  for (const kind of KINDS.map((_, i) => KINDS[(i + g) % KINDS.length])) {
    children[kind] = spawnChild({ ...job, kind: kind === 'control' ? 'plain' : kind });
  }
  await Promise.all(KINDS.map((kind) => children[kind].ready));
  const totals = Object.fromEntries(KINDS.map((k) => [k, { queries: 0, elapsed: 0, cpu: 0 }]));
  for (let r = 0; r < ROUNDS_PER_GROUP; r++) {
    // Every order of the three in turn, so each kind runs first, last and after each other.
    for (const kind of ORDERS[(g * ROUNDS_PER_GROUP + r) % ORDERS.length].map((i) => KINDS[i])) {
      const { queries, elapsed, cpuMicros } = await children[kind].run(SLICE_MS);
      totals[kind].queries += queries;
      totals[kind].elapsed += elapsed;
      totals[kind].cpu += cpuMicros;
    }
  }
  await Promise.all(KINDS.map((kind) => children[kind].stop()));
  return Object.fromEntries(
    KINDS.map((kind) => {
      const t = totals[kind];
      return [kind, { qps: (t.queries / t.elapsed) * 1000, cpuPerQuery: t.cpu / t.queries }];
    }),
  );
}

async function main() {
  const { startMysql, createDatabaseUser, uniqueName, withAdmin } = await import(
    '@rotakit/testing'
  );
  const { startSecretsManager } = await import('@rotakit/secrets-manager-local');
  const { CreateSecretCommand } = await import('@aws-sdk/client-secrets-manager');

  log('starting MariaDB and the local Secrets Manager');
  const [server, sm] = await Promise.all([startMysql(), startSecretsManager()]);
  try {
    const user = await createDatabaseUser(server);
    await withAdmin(server, async (admin) => {
      await admin.query(`USE ${admin.escapeId(user.database)}`);
      await admin.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL)');
      await admin.query("INSERT INTO items VALUES (1, 'first')");
    });
    const secretName = uniqueName('bench_knex');
    const value = {
      engine: 'mysql',
      host: user.host,
      port: user.port,
      username: user.username,
      password: user.password,
      dbname: user.database,
    };
    await sm
      .client({ maxAttempts: 1 })
      .send(new CreateSecretCommand({ Name: secretName, SecretString: JSON.stringify(value) }));
    const job = {
      host: user.host,
      port: user.port,
      user: user.username,
      password: user.password,
      database: user.database,
      secretName,
      endpoint: sm.endpoint,
      region: sm.region,
    };
    const groups = [];
    const ratios = [];
    const controlRatios = [];
    const cpuRatios = [];
    for (let g = 0; g < GROUPS; g++) {
      const group = await runGroup(g, job);
      groups.push(group);
      const vsPlain = (pick) =>
        pick(group.rotakit) / Math.sqrt(pick(group.plain) * pick(group.control));
      ratios.push(vsPlain((x) => x.qps));
      cpuRatios.push(vsPlain((x) => x.cpuPerQuery));
      controlRatios.push(group.control.qps / group.plain.qps);
      log(
        `group ${g + 1}/${GROUPS}: rotakit/plain ${round(ratios[g], 3)}, control/plain (A/A) ${round(controlRatios[g], 3)}`,
      );
    }
    const qpsMedian = (kind) => Math.round(median(groups.map((group) => group[kind].qps)));
    const output = {
      knexThroughput: {
        query: "db('items').select('id', 'name').where('id', 1).first()",
        concurrency: CONCURRENCY,
        connections: CONNECTIONS,
        groups: GROUPS,
        slicesPerGroup: ROUNDS_PER_GROUP,
        sliceMs: SLICE_MS,
        plainQpsMedian: qpsMedian('plain'),
        rotakitQpsMedian: qpsMedian('rotakit'),
        controlQpsMedian: qpsMedian('control'),
        // Median over groups of rotakit q/s over the geometric mean of the two plain Knexes.
        medianRatio: round(median(ratios), 3),
        ratioQuartiles: quartiles(ratios),
        // One plain Knex over the other: how far from 1 two identical setups land in this run.
        controlMedianRatio: round(median(controlRatios), 3),
        controlRatioQuartiles: quartiles(controlRatios),
        groupRatios: ratios.map((r) => round(r, 3)),
        clientCpuPerQueryRatio: round(median(cpuRatios), 3),
      },
    };
    log('throughput', JSON.stringify(output.knexThroughput));
    console.log(JSON.stringify(output));
  } finally {
    await Promise.all([sm.close(), server.stop()]);
  }
}

if (process.argv[2] === '--child') {
  await child(JSON.parse(process.argv[3]));
} else {
  await main();
}
