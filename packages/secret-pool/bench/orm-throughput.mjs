// The ORM throughput comparison shared by orm-kysely.bench.mjs and orm-drizzle.bench.mjs:
// one ORM query at 32 concurrency, the ORM on a rotakit pool vs the same ORM on a plain mysql2
// pool (its documented setup), in the same run, with an A/A control (a second plain setup).
// The design is pool.bench.mjs's (docs/secret-pool.md, "How throughput is compared"): groups
// of three fresh child processes take turns in short slices, in every order; a group's ratio
// is rotakit's queries per second over the geometric mean of its two plain ones, and the
// result is the median over the groups, with quartiles. Runs against the built dist.
import { fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const CONCURRENCY = 32;
const GROUPS = 10;
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

// ---------------------------------------------------------------- child: one ORM per process

/**
 * A child builds one ORM client (`setups.raw` or `setups.rotakit`, each returning
 * `{ query, end }`) and runs `query()` at 32 concurrency during the slices the parent asks for.
 */
export async function child(setups, job) {
  const orm = await setups[job.kind](job);
  const slice = async (ms) => {
    let queries = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        await orm.query();
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
  await slice(job.warmupMs);
  let stopping = false;
  process.on('message', async (message) => {
    if (message.cmd === 'run') {
      process.send({ type: 'slice', ...(await slice(message.ms)) });
    } else if (message.cmd === 'stop') {
      stopping = true;
      await orm.end();
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

function spawnChild(self, job) {
  const proc = fork(self, ['--child', JSON.stringify(job)], {
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
  const ask = (message) => {
    const reply = next();
    proc.send(message);
    return reply;
  };
  return { ready, run: (ms) => ask({ cmd: 'run', ms }), stop: () => ask({ cmd: 'stop' }) };
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
const round = (n, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const quartiles = (values) => [0.25, 0.5, 0.75].map((q) => round(quantile(values, q)));

/** One group: three fresh children, ROUNDS_PER_GROUP rounds of one slice each in every order. */
async function runGroup(self, job, g) {
  // Fork order varies per group, so no kind is always the first process started.
  const children = {};
  for (const kind of KINDS.map((_, i) => KINDS[(i + g) % KINDS.length])) {
    children[kind] = spawnChild(self, { ...job, kind: kind === 'control' ? 'raw' : kind });
  }
  await Promise.all(KINDS.map((kind) => children[kind].ready));
  const totals = Object.fromEntries(
    KINDS.map((kind) => [kind, { queries: 0, elapsed: 0, cpu: 0 }]),
  );
  for (let r = 0; r < ROUNDS_PER_GROUP; r++) {
    const order = ORDERS[(g * ROUNDS_PER_GROUP + r) % ORDERS.length].map((i) => KINDS[i]);
    for (const kind of order) {
      const { queries, elapsed, cpuMicros } = await children[kind].run(job.sliceMs);
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

// ---------------------------------------------------------------- main

/**
 * Starts MariaDB and the local Secrets Manager, makes an account with an `items` table and
 * its secret, runs the groups, prints progress and, on the last stdout line, one JSON object.
 */
export async function main({ benchmark, label, query, self }) {
  const log = (...args) => console.log(`[${label} bench]`, ...args);
  const benchStarted = Date.now();
  const { startMysql, createDatabaseUser, uniqueName, withAdmin } = await import(
    '@rotakit/testing'
  );
  const { startSecretsManager } = await import('@rotakit/secrets-manager-local');
  const { CreateSecretCommand } = await import('@aws-sdk/client-secrets-manager');
  log('starting MariaDB and the local Secrets Manager');
  const [server, sm] = await Promise.all([startMysql(), startSecretsManager()]);
  const output = { benchmark, query, concurrency: CONCURRENCY };
  try {
    const user = await createDatabaseUser(server);
    await withAdmin(server, async (admin) => {
      await admin.query(`USE ${admin.escapeId(user.database)}`);
      await admin.query(
        'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL)',
      );
      await admin.query("INSERT INTO items (name) VALUES ('first')");
    });
    const secretName = uniqueName('bench_orm');
    const client = sm.client({ maxAttempts: 1 });
    await client.send(
      new CreateSecretCommand({
        Name: secretName,
        SecretString: JSON.stringify({
          engine: 'mysql',
          host: user.host,
          port: user.port,
          username: user.username,
          password: user.password,
          dbname: user.database,
        }),
      }),
    );
    client.destroy();
    const job = {
      host: user.host,
      port: user.port,
      user: user.username,
      password: user.password,
      database: user.database,
      secretName,
      endpoint: sm.endpoint,
      region: sm.region,
      connectionLimit: 16,
      warmupMs: 1000,
      sliceMs: 400,
    };
    const groups = [];
    for (let g = 0; g < GROUPS; g++) {
      const group = await runGroup(self, job, g);
      const vsRaw = (pick) =>
        pick(group.rotakit) / Math.sqrt(pick(group.raw) * pick(group.control));
      groups.push({
        ratio: vsRaw((x) => x.qps),
        cpuRatio: vsRaw((x) => x.cpuPerQuery),
        control: group.control.qps / group.raw.qps,
        qps: group,
      });
      const last = groups[g];
      log(
        `group ${g + 1}/${GROUPS}: rotakit/plain ${round(last.ratio)}, control/plain (A/A) ${round(last.control)}`,
      );
    }
    const medianQps = (kind) => Math.round(median(groups.map((x) => x.qps[kind].qps)));
    Object.assign(output, {
      connectionLimit: job.connectionLimit,
      groups: GROUPS,
      slicesPerGroup: ROUNDS_PER_GROUP,
      sliceMs: job.sliceMs,
      qpsMedian: {
        plain: medianQps('raw'),
        control: medianQps('control'),
        rotakit: medianQps('rotakit'),
      },
      medianRatio: round(median(groups.map((x) => x.ratio))),
      ratioQuartiles: quartiles(groups.map((x) => x.ratio)),
      controlMedianRatio: round(median(groups.map((x) => x.control))),
      controlRatioQuartiles: quartiles(groups.map((x) => x.control)),
      groupRatios: groups.map((x) => round(x.ratio)),
      clientCpuPerQueryRatio: round(median(groups.map((x) => x.cpuRatio))),
    });
  } finally {
    await sm.close();
    await server.stop();
  }
  output.durationSeconds = Math.round((Date.now() - benchStarted) / 1000);
  console.log(JSON.stringify(output));
}
