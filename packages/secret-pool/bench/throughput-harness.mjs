// How the pool and ORM benchmarks compare throughput (docs/secret-pool.md, "How throughput is
// compared"): a rotakit-backed setup against the library's plain setup, in the same run, with
// an A/A control (a second plain setup). Groups of three fresh child processes take turns in
// short slices, in every order; a group's ratio is rotakit's queries per second over the
// geometric mean of its two plain ones, and the result is the median over the groups, with
// quartiles, so a reader sees the spread and the noise floor (control / plain) of the run.
//
// A benchmark file forks itself: its child calls `serveSlices(setups, job)`, its parent
// `compareThroughput(...)`. `setups.plain(job)` and `setups.rotakit(job)` each return
// `{ query, end }`: one query of the library under test, and its shutdown.
import { fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export const CONCURRENCY = 32;
const KINDS = ['plain', 'control', 'rotakit'];
const ORDERS = [
  [0, 1, 2],
  [2, 1, 0],
  [1, 2, 0],
  [0, 2, 1],
  [2, 0, 1],
  [1, 0, 2],
];

// ---------------------------------------------------------------- child: one setup per process

/** Where a rotakit setup reads its secret: the parent's local Secrets Manager (dummy credentials). */
export function secretSource(job) {
  return {
    secretId: job.secretName,
    clientConfig: {
      region: job.region,
      endpoint: job.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    },
  };
}

/** Builds one setup and runs its query at 32 concurrency during the slices the parent asks for. */
export async function serveSlices(setups, job) {
  const baselineHeap = process.memoryUsage().heapUsed;
  const setup = await setups[job.kind](job);
  const peak = { rss: 0, heap: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heapUsed);
  };
  const sampler = setInterval(sample, 20);
  const slice = async (ms) => {
    let queries = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        await setup.query();
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
      sample();
      clearInterval(sampler);
      await setup.end();
      const mib = (bytes) => bytes / 2 ** 20;
      process.send({
        peakRssMiB: mib(peak.rss),
        peakHeapMiB: mib(peak.heap),
        heapOverBaselineMiB: mib(peak.heap - baselineHeap),
      });
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

// ---------------------------------------------------------------- parent

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
};
export const median = (values) => quantile(values, 0.5);
export const round = (n, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const quartiles = (values) => [0.25, 0.5, 0.75].map((q) => round(quantile(values, q)));

/** One group: three fresh children, `rounds` rounds of one slice each, in varying orders. */
async function runGroup(self, job, g, rounds) {
  // Fork order varies per group, so no kind is always the first process started.
  const children = {};
  for (const kind of KINDS.map((_, i) => KINDS[(i + g) % KINDS.length])) {
    children[kind] = spawnChild(self, { ...job, kind: kind === 'control' ? 'plain' : kind });
  }
  await Promise.all(KINDS.map((kind) => children[kind].ready));
  const totals = Object.fromEntries(
    KINDS.map((kind) => [kind, { queries: 0, elapsed: 0, cpu: 0 }]),
  );
  for (let r = 0; r < rounds; r++) {
    const order = ORDERS[(g * rounds + r) % ORDERS.length].map((i) => KINDS[i]);
    for (const kind of order) {
      const { queries, elapsed, cpuMicros } = await children[kind].run(job.sliceMs);
      totals[kind].queries += queries;
      totals[kind].elapsed += elapsed;
      totals[kind].cpu += cpuMicros;
    }
  }
  const memory = await Promise.all(KINDS.map((kind) => children[kind].stop()));
  return Object.fromEntries(
    KINDS.map((kind, i) => {
      const t = totals[kind];
      const rate = { qps: (t.queries / t.elapsed) * 1000, cpuPerQuery: t.cpu / t.queries };
      return [kind, { ...rate, memory: memory[i] }];
    }),
  );
}

/**
 * Runs `groups` groups against `self` (the benchmark file, forked with `--child <job>`) and
 * returns the figures every throughput benchmark prints. `job` goes to the children as is,
 * with `warmupMs` and `sliceMs`.
 */
export async function compareThroughput({ self, job, groups: count, rounds, log }) {
  const groups = [];
  for (let g = 0; g < count; g++) {
    const group = await runGroup(self, job, g, rounds);
    const vsPlain = (pick) =>
      pick(group.rotakit) / Math.sqrt(pick(group.plain) * pick(group.control));
    groups.push({
      ratio: vsPlain((x) => x.qps),
      cpuRatio: vsPlain((x) => x.cpuPerQuery),
      control: group.control.qps / group.plain.qps,
      group,
    });
    log(
      `group ${g + 1}/${count}: rotakit/plain ${round(groups[g].ratio)}, control/plain (A/A) ${round(groups[g].control)}`,
    );
  }
  const medianOf = (pick, digits) => round(median(groups.map((x) => pick(x.group))), digits);
  const memoryOf = (kind) => ({
    peakRss: medianOf((group) => group[kind].memory.peakRssMiB, 1),
    peakHeap: medianOf((group) => group[kind].memory.peakHeapMiB, 1),
    heapOverBaseline: medianOf((group) => group[kind].memory.heapOverBaselineMiB, 1),
  });
  return {
    concurrency: CONCURRENCY,
    groups: count,
    slicesPerGroup: rounds,
    sliceMs: job.sliceMs,
    qpsMedian: {
      plain: medianOf((group) => group.plain.qps, 0),
      control: medianOf((group) => group.control.qps, 0),
      rotakit: medianOf((group) => group.rotakit.qps, 0),
    },
    medianRatio: round(median(groups.map((x) => x.ratio))),
    ratioQuartiles: quartiles(groups.map((x) => x.ratio)),
    // One plain setup over the other: how far from 1 two identical setups land in this run.
    controlMedianRatio: round(median(groups.map((x) => x.control))),
    controlRatioQuartiles: quartiles(groups.map((x) => x.control)),
    groupRatios: groups.map((x) => round(x.ratio)),
    clientCpuPerQueryRatio: round(median(groups.map((x) => x.cpuRatio))),
    memoryMiB: { rotakit: memoryOf('rotakit'), plain: memoryOf('plain') },
  };
}
