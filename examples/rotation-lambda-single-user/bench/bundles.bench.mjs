// Size and cold import time of the two rotation Lambda bundles (single-user and
// alternating-users). Run after building: `node examples/rotation-lambda-single-user/bench/bundles.bench.mjs`.
// Each import runs in a fresh node process (as a Lambda cold start does), with the AWS SDK
// the bundle leaves external imported too; importing that SDK alone is measured as a
// baseline, so the difference is what the bundle itself costs.
// Human-readable lines go to stderr; the last stdout line is one JSON object.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const examples = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLES = [
  { name: 'single-user', dir: join(examples, 'rotation-lambda-single-user') },
  { name: 'alternating-users', dir: join(examples, 'rotation-lambda-alternating-users') },
];

// The child measures from just before the import to the handler being in hand, so node's
// own start-up (which Lambda's runtime pays anyway) is not counted.
const PROBE = `
const t0 = performance.now();
const m = await import(process.argv[1]);
const picked = process.argv[2] ? m[process.argv[2]] : m;
if (process.argv[2] && typeof picked !== 'function') throw new Error('no ' + process.argv[2] + ' export');
process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }));
`;

function importOnce(specifier, exportName, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--no-warnings', '--input-type=module', '-e', PROBE, specifier, exportName],
      {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_EC2_METADATA_DISABLED: 'true',
          SECRETS_MANAGER_ENDPOINT: 'http://127.0.0.1:9',
          EXCLUDE_CHARACTERS: '/@"\'\\',
          PASSWORD_LENGTH: '32',
        },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`import of ${specifier} failed (exit ${code}): ${err}`));
      else resolve(JSON.parse(out).ms);
    });
  });
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const round = (n) => Math.round(n * 10) / 10;
  return {
    medianMs: round(median),
    minMs: round(sorted[0]),
    maxMs: round(sorted.at(-1)),
    runs: sorted.length,
  };
}

for (const bundle of BUNDLES) {
  bundle.file = join(bundle.dir, 'dist', 'index.mjs');
  if (!existsSync(bundle.file)) {
    console.error(`${bundle.file} is missing: run pnpm build first`);
    process.exit(1);
  }
}

// Resolved from the example folder (the child's cwd), as the bundle resolves it.
const sdkSpecifier = '@aws-sdk/client-secrets-manager';

const samples = new Map(BUNDLES.map((b) => [b.name, []]));
samples.set('sdk', []);
// Interleaved, so drift in machine load spreads over every subject alike.
for (let i = 0; i < RUNS; i++) {
  samples.get('sdk').push(await importOnce(sdkSpecifier, 'SecretsManagerClient', BUNDLES[0].dir));
  for (const bundle of BUNDLES) {
    samples
      .get(bundle.name)
      .push(await importOnce(pathToFileURL(bundle.file).href, 'handler', bundle.dir));
  }
  console.error(`run ${i + 1}/${RUNS}`);
}

const results = {};
for (const bundle of BUNDLES) {
  const raw = readFileSync(bundle.file);
  results[bundle.name] = {
    file: `examples/${bundle.dir.split('/').at(-1)}/dist/index.mjs`,
    bytes: raw.length,
    gzipBytes: gzipSync(raw, { level: 9 }).length,
    coldImport: stats(samples.get(bundle.name)),
  };
}
const sdk = stats(samples.get('sdk'));

const kib = (n) => `${Math.round(n / 1024)} KiB`;
const part = (name) => {
  const r = results[name];
  return `${name} ${kib(r.bytes)} (gzip ${kib(r.gzipBytes)}), cold import ${Math.round(r.coldImport.medianMs)} ms`;
};
const summary = `${part('single-user')}; ${part('alternating-users')}; AWS SDK client alone ${Math.round(sdk.medianMs)} ms (medians of ${RUNS})`;
console.error(summary);
console.log(
  JSON.stringify({
    benchmark: 'rotation-lambda-bundles',
    node: process.version,
    bundles: results,
    sdkClientImport: sdk,
    summary,
  }),
);
