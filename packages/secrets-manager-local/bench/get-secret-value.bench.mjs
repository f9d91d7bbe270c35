// GetSecretValue throughput and latency of the local Secrets Manager, through the real SDK.
// Run after building: `node packages/secrets-manager-local/bench/get-secret-value.bench.mjs`.
// Human-readable lines go to stderr; the last stdout line is one JSON object.
// By default the server runs as the built bin in its own process (as a developer runs it next
// to an app); BENCH_IN_PROCESS=1 runs it in the benchmark's process (as tests usually do).
import { spawn } from 'node:child_process';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { startSecretsManager } from '../dist/index.js';

const IN_PROCESS = process.env.BENCH_IN_PROCESS === '1';

const LEVELS = [1, 16, 128];
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const WARMUP_MS = Math.min(500, DURATION_MS / 4);

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Number(sorted[Math.max(0, index)].toFixed(3));
}

async function runLevel(client, secretId, concurrency, durationMs, record) {
  const latencies = [];
  const errors = new Map();
  let calls = 0;
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await client.send(new GetSecretValueCommand({ SecretId: secretId }));
          if (record) latencies.push(performance.now() - t0);
        } catch (error) {
          const name = error?.name ?? 'Error';
          errors.set(name, (errors.get(name) ?? 0) + 1);
        }
        calls++;
      }
    }),
  );
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    durationMs: Math.round(elapsed),
    calls,
    opsPerSec: Math.round((calls / elapsed) * 1000),
    errors: [...errors.values()].reduce((a, b) => a + b, 0),
    errorNames: Object.fromEntries(errors),
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.length ? Number(latencies.at(-1).toFixed(3)) : null,
    },
  };
}

/** The server under test: counts() and close() whether in this process or a child. */
async function startServer() {
  if (IN_PROCESS) {
    const sm = await startSecretsManager();
    return {
      endpoint: sm.endpoint,
      resetCounts: async () => sm.counts.reset(),
      getCount: async () => sm.counts().GetSecretValue ?? 0,
      close: () => sm.close(),
    };
  }
  const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
  const child = spawn(process.execPath, [bin, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`secrets-manager-local exited with ${code}`)));
  });
  const local = (method, path) =>
    fetch(`${endpoint}/_local/${path}`, { method }).then((r) => r.json());
  return {
    endpoint,
    resetCounts: () => local('DELETE', 'counts'),
    getCount: async () => (await local('GET', 'counts')).counts.GetSecretValue ?? 0,
    close: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

const server = await startServer();
const maxSockets = Math.max(...LEVELS);
const agent = new http.Agent({ keepAlive: true, maxSockets });
const client = new SecretsManagerClient({
  endpoint: server.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  requestHandler: { httpAgent: agent },
});
const secretId = 'bench/get-secret-value';
await client.send(
  new CreateSecretCommand({
    Name: secretId,
    SecretString: JSON.stringify({ username: 'app', password: 'x'.repeat(32) }),
  }),
);

const levels = [];
try {
  for (const concurrency of LEVELS) {
    await runLevel(client, secretId, concurrency, WARMUP_MS, false);
    await server.resetCounts();
    const result = await runLevel(client, secretId, concurrency, DURATION_MS, true);
    result.serverCounted = await server.getCount();
    levels.push(result);
    process.stderr.write(
      `concurrency ${String(concurrency).padStart(3)}: ${result.opsPerSec} ops/s, p50 ${result.latencyMs.p50} ms, ` +
        `p95 ${result.latencyMs.p95} ms, p99 ${result.latencyMs.p99} ms, errors ${result.errors}\n`,
    );
  }
} finally {
  client.destroy();
  agent.destroy();
  await server.close();
}

const ok = levels.every((l) => l.errors === 0);
const summary = {
  benchmark: 'secrets-manager-local/get-secret-value',
  node: process.version,
  server: IN_PROCESS ? 'in-process' : 'child-process',
  durationMsPerLevel: DURATION_MS,
  sdkMaxSockets: maxSockets,
  ok,
  levels,
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
if (!ok) process.exitCode = 1;
