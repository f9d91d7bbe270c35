#!/usr/bin/env node
// Runs every package's benchmark (packages/*/bench/*.bench.mjs and examples/*/bench/*.bench.mjs)
// one after another in a fresh node process, collects the JSON object each prints on its
// last stdout line, writes bench/results.json and prints a markdown summary.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);

function findBenches() {
  const files = [];
  for (const area of ['packages', 'examples']) {
    const areaDir = join(root, area);
    if (!existsSync(areaDir)) continue;
    for (const pkg of readdirSync(areaDir)) {
      const benchDir = join(areaDir, pkg, 'bench');
      if (!existsSync(benchDir)) continue;
      for (const file of readdirSync(benchDir)) {
        if (file.endsWith('.bench.mjs')) files.push(join(benchDir, file));
      }
    }
  }
  return files.filter((file) => only.length === 0 || only.some((o) => file.includes(o))).sort();
}

function run(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--expose-gc', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on('exit', (code) => {
      const lastLine = out.trimEnd().split('\n').at(-1) ?? '';
      let result;
      try {
        result = JSON.parse(lastLine);
      } catch {
        result = undefined;
      }
      resolve({ file: relative(root, file), code, durationMs: Date.now() - started, result });
    });
  });
}

const benches = findBenches();
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  date: new Date().toISOString(),
};
const results = [];
for (const file of benches) {
  console.log(`\n== ${relative(root, file)}`);
  results.push(await run(file));
}
const headline = buildHeadline(results);
console.log('\n## Benchmark summary\n');
console.log(
  `Machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}\n`,
);
console.log('| measure | result |');
console.log('|---|---|');
for (const [measure, value] of headline) console.log(`| ${measure} | ${value} |`);
console.log('\n| benchmark | status | duration |');
console.log('|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.file} | ${r.code === 0 ? 'ok' : `exit ${r.code}`} | ${(r.durationMs / 1000).toFixed(1)} s |`,
  );
}
writeFileSync(
  join(root, 'bench', 'results.json'),
  `${JSON.stringify({ machine, headline: Object.fromEntries(headline), results }, null, 2)}\n`,
);
process.exit(results.length > 0 && results.every((r) => r.code === 0) ? 0 : 1);

/** The numbers the README quotes, picked out of each benchmark's own JSON. */
function buildHeadline(all) {
  const rows = [];
  const find = (part) => all.find((r) => r.file.includes(part))?.result;
  const ms = (n) => `${Math.round(n)} ms`;
  // The pool benchmark by its file name: the package's bench folder also has pg-pool and ORM ones.
  const pool = find('secret-pool/bench/pool.bench');
  if (pool?.throughput) {
    const t = pool.throughput;
    const [q1, , q3] = t.ratioQuartiles ?? [];
    const [c1, , c3] = t.controlRatioQuartiles ?? [];
    rows.push([
      `pool throughput, SELECT 1 at ${t.concurrency} concurrency: createPool / raw mysql2`,
      `${t.medianRatio} median of ${t.groups} groups of fresh processes, each against two raw pools (quartiles ${q1}-${q3}; target >= ${t.targetRatio}); ${t.qpsMedian.rotakit} vs ${t.qpsMedian.plain} queries/s; A/A control (second raw pool / raw) ${t.controlMedianRatio} (quartiles ${c1}-${c3}); client CPU per query ${t.clientCpuPerQueryRatio}`,
    ]);
    rows.push([
      'pool peak memory (own process each): createPool vs raw',
      `RSS ${t.memoryMiB.rotakit.peakRss} vs ${t.memoryMiB.plain.peakRss} MiB, heap ${t.memoryMiB.rotakit.peakHeap} vs ${t.memoryMiB.plain.peakHeap} MiB`,
    ]);
  }
  if (pool?.rotations) {
    const r = pool.rotations;
    rows.push([
      `failed queries through ${r.rotations} ${r.strategy} rotations, ${r.workers} workers`,
      `rotakit ${r.rotakit.failed} of ${r.rotakit.ok + r.rotakit.failed}; plain mysql2 pool ${r.plain.failed} of ${r.plain.ok + r.plain.failed}`,
    ]);
    rows.push([
      'Secrets Manager calls per rotation per pool',
      String(r.rotakit.secretsManagerCallsPerRotation),
    ]);
  }
  if (pool?.cachedReads) {
    rows.push([
      'cached credential reads',
      `${pool.cachedReads.getPerSecond.toLocaleString('en-US')}/s (get), ${pool.cachedReads.getCachedPerSecond.toLocaleString('en-US')}/s (getCached)`,
    ]);
  }
  for (const f of pool?.fleet ?? []) {
    rows.push([
      `fleet: ${f.pools} pools, one rotation (${f.label})`,
      `${f.callsPerPool} Secrets Manager calls per pool; peak ${f.peakCallsPer100ms} per 100 ms, ${f.peakCallsInAnySecond} in any second; ${f.failedQueries} failed queries`,
    ]);
  }
  const pgPool = find('secret-pool/bench/pg-pool.bench')?.throughput;
  if (pgPool) {
    const [q1, , q3] = pgPool.ratioQuartiles;
    const [c1, , c3] = pgPool.controlRatioQuartiles;
    const { plain, rotakit } = pgPool.qpsMedian;
    rows.push([
      `pg pool throughput, SELECT 1 at ${pgPool.concurrency} concurrency: createPgPool / raw pg.Pool`,
      `${pgPool.medianRatio} median of ${pgPool.groups} groups (quartiles ${q1}-${q3}; target >= ${pgPool.targetRatio}); ${rotakit} vs ${plain} queries/s; A/A control ${pgPool.controlMedianRatio} (quartiles ${c1}-${c3}); client CPU per query ${pgPool.clientCpuPerQueryRatio}`,
    ]);
  }
  for (const orm of all.filter((r) => /secret-pool\/bench\/orm-/.test(r.file))) {
    const o = orm.result;
    if (o?.medianRatio === undefined) continue;
    const name = /orm-([\w-]+)\.bench/.exec(orm.file)?.[1];
    const [q1, , q3] = o.ratioQuartiles ?? [];
    const [c1, , c3] = o.controlRatioQuartiles ?? [];
    rows.push([
      `ORM throughput, ${name}, one query at ${o.concurrency} concurrency: rotakit-backed / plain mysql2 setup`,
      `${o.medianRatio} median of ${o.groups} groups (quartiles ${q1}-${q3}); A/A control ${o.controlMedianRatio} (quartiles ${c1}-${c3})`,
    ]);
  }
  const rotation = find('rotation-core/bench');
  const engineNames = { mysql: 'MariaDB', postgres: 'PostgreSQL' };
  for (const [engine, e] of Object.entries(rotation?.engines ?? {})) {
    for (const [strategy, s] of Object.entries(e.strategies)) {
      rows.push([
        `full rotation on the local stack, ${engineNames[engine] ?? engine} ${e.server}, ${strategy} (${s.rotationMs.n} rotations)`,
        `median ${ms(s.rotationMs.median)}, p95 ${ms(s.rotationMs.p95)}; Secrets Manager ${s.sharePercent.secretsManager}% / SQL ${s.sharePercent.sql}% of the time`,
      ]);
    }
  }
  const net = find('netcheck/bench');
  if (net?.unreachable) {
    rows.push([
      'checkRotationPath, every target unreachable (time vs budget)',
      `median ${ms(net.unreachable.medianMs)}, max ${ms(net.unreachable.maxMs)} for a ${ms(net.unreachable.budgetMs)} budget (+${net.unreachable.maxOverBudgetPct}% at worst; target +10%)`,
    ]);
    rows.push([
      'checkRotationPath, all healthy on loopback',
      `median ${net.healthy.medianMs} ms (min ${net.healthy.minMs}, p90 ${net.healthy.p90Ms}) over ${net.healthy.runs} runs`,
    ]);
  }
  const local = find('secrets-manager-local/bench');
  if (local?.levels) {
    rows.push([
      'local Secrets Manager GetSecretValue, real SDK client',
      local.levels
        .map(
          (l) =>
            `${l.concurrency} callers: ${l.opsPerSec}/s, p50 ${l.latencyMs.p50} ms, p99 ${l.latencyMs.p99} ms, ${l.errors} errors`,
        )
        .join('; '),
    ]);
  }
  const bundles = find('bundles.bench');
  for (const [name, b] of Object.entries(bundles?.bundles ?? {})) {
    rows.push([
      `Lambda bundle ${name}`,
      `${Math.round(b.bytes / 1024)} KiB (gzip ${Math.round(b.gzipBytes / 1024)} KiB); cold import median ${ms(b.coldImport.medianMs)} (min ${ms(b.coldImport.minMs)}, max ${ms(b.coldImport.maxMs)})`,
    ]);
  }
  if (bundles?.sdkClientImport) {
    rows.push([
      'cold import of the AWS SDK client alone (for scale)',
      `median ${ms(bundles.sdkClientImport.medianMs)}`,
    ]);
  }
  return rows;
}
