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
writeFileSync(
  join(root, 'bench', 'results.json'),
  `${JSON.stringify({ machine, results }, null, 2)}\n`,
);

console.log('\n## Benchmark summary\n');
console.log(
  `Machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}\n`,
);
console.log('| benchmark | status | duration | headline |');
console.log('|---|---|---|---|');
for (const r of results) {
  const headline = r.result?.summary ?? (r.result ? 'see bench/results.json' : 'no JSON result');
  console.log(
    `| ${r.file} | ${r.code === 0 ? 'ok' : `exit ${r.code}`} | ${(r.durationMs / 1000).toFixed(1)} s | ${headline} |`,
  );
}
if (benches.length === 0) console.log('| (no benchmarks yet) | - | - | - |');
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
