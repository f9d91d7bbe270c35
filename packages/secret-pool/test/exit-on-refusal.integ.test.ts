// A script whose only query meets a database that refuses it must get the typed error and
// exit on its own. Run in a child `node` process on the BUILT package: under vitest other
// handles keep the event loop open, so a retry timer that does not hold the loop (the bug:
// an unref'd retry delay, exit 13 with the top-level await unsettled) could not fail here.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { startMysql } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { alterPassword, createDbSecret, newPassword } from './helpers.js';

const server = testMysql();
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/query-once.mjs', import.meta.url));
// The version matrix (vitest.config.ts): the child loads the same mysql2 as the run.
const mysql2Variant = process.env.ROTAKIT_MYSQL2
  ? ['--import', fileURLToPath(new URL('./fixtures/mysql2-variant.mjs', import.meta.url))]
  : [];
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm?.close());

/** The child imports dist/: refuse to test a build older than the sources. */
async function assertDistIsFresh(): Promise<void> {
  const built = statSync(`${packageDir}/dist/index.js`, { throwIfNoEntry: false });
  const sources = await readdir(`${packageDir}/src`, { recursive: true });
  const newest = Math.max(...sources.map((file) => statSync(`${packageDir}/src/${file}`).mtimeMs));
  if (built === undefined || built.mtimeMs < newest) {
    throw new Error(
      'packages/secret-pool/dist is missing or older than src: run `npx -y pnpm@10 --filter @rotakit/secret-pool build`',
    );
  }
}

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

async function queryOnce(
  secretId: string,
  poolOptions: Record<string, unknown>,
): Promise<ChildResult> {
  await assertDistIsFresh();
  const config = { secretId, endpoint: sm.endpoint, region: sm.region, poolOptions };
  // No NODE_OPTIONS: vitest's loaders or conditions must not reach the child.
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, [...mysql2Variant, fixture], {
    cwd: packageDir,
    env: { ...env, ROTAKIT_QUERY_ONCE: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * The AWS SDK warns once per process that it will need Node 22 (this machine runs Node 20);
 * that warning is the only stderr output a clean run may have.
 */
function withoutSdkWarning(stderr: string): string {
  return stderr.replace(
    /^\(node:\d+\) Warning: NodeVersionSupportWarning:[\s\S]*?\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)\n/m,
    '',
  );
}

function expectRejectedCleanly(result: ChildResult, secrets: readonly string[]) {
  const output = result.stdout + result.stderr;
  for (const secret of secrets) expect(output).not.toContain(secret);
  // Exit 13 plus "unsettled top-level await" on stderr is the bug this file is about.
  expect({
    code: result.code,
    signal: result.signal,
    stderr: withoutSdkWarning(result.stderr),
  }).toEqual({
    code: 2,
    signal: null,
    stderr: '',
  });
  const lines = result.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as Record<string, unknown>;
}

describe('a script whose query is refused exits with the typed error', () => {
  it('access denied, nothing newer in Secrets Manager: AuthenticationError after the retry delays, exit 2', async () => {
    const secret = await createDbSecret(server, client);
    const realPassword = newPassword();
    await alterPassword(server, secret.user.username, realPassword);
    const result = await queryOnce(secret.name, {
      auth: { retryDelayMs: 150, maxRetryDelayMs: 300 },
    });
    const outcome = expectRejectedCleanly(result, [secret.value.password, realPassword]);
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      name: 'AuthenticationError',
      errno: 1045,
      code: 'ER_ACCESS_DENIED_ERROR',
    });
    expect(outcome.message).toContain(secret.name);
  });

  it('an RDS-managed rotation that never publishes the password: ManagedRotationPendingError after the budget, exit 2', async () => {
    const secret = await createDbSecret(server, client);
    const realPassword = newPassword();
    await alterPassword(server, secret.user.username, realPassword);
    // The re-reads' timers are all the child has while it waits: they must hold the loop.
    const result = await queryOnce(secret.name, {
      managedRotation: { waitMs: 800, recheckDelayMs: 100, maxRecheckDelayMs: 200 },
    });
    const outcome = expectRejectedCleanly(result, [secret.value.password, realPassword]);
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      name: 'ManagedRotationPendingError',
      errno: 1045,
    });
    expect(outcome.message).toMatch(/managed rotation may be under way/);
  });

  it('the server is at max_user_connections (1203): ServerBusyError after the backoff, exit 2', async () => {
    // A server of its own: max_user_connections is global (a per-account limit answers 1226).
    await using busyServer = await startMysql({ serverArgs: ['--max-user-connections=1'] });
    const secret = await createDbSecret(busyServer, client);
    // The one connection the account may have, held while the child runs.
    const holder = await createConnection({
      host: secret.user.host,
      port: secret.user.port,
      user: secret.user.username,
      password: secret.user.password,
    });
    try {
      const result = await queryOnce(secret.name, { serverBusy: { retries: 2, delayMs: 150 } });
      const outcome = expectRejectedCleanly(result, [secret.value.password]);
      expect(outcome).toMatchObject({
        outcome: 'rejected',
        name: 'ServerBusyError',
        errno: 1203,
        attempts: 3,
      });
    } finally {
      await holder.end();
    }
    // Control: the same child succeeds once the account may connect, so exit 2 above is the refusal.
    const ok = await queryOnce(secret.name, {});
    expect({
      code: ok.code,
      stdout: ok.stdout.trim(),
      stderr: withoutSdkWarning(ok.stderr),
    }).toEqual({
      code: 0,
      stdout: '{"outcome":"resolved"}',
      stderr: '',
    });
  });

  it('end() during a retry delay rejects the waiting query at once instead of holding the process for the delay', async () => {
    const secret = await createDbSecret(server, client);
    await alterPassword(server, secret.user.username, newPassword());
    // A delay longer than the test timeout: only end() cutting the wait lets the query settle.
    const pool = createPool({
      secretId: secret.name,
      client,
      auth: { retryDelayMs: 120_000, maxRetryDelayMs: 120_000 },
    });
    // The refresh after the access denied ends with the AWSPENDING probe (there is none);
    // the request then starts its delay.
    const probed = new Promise<void>((resolve) =>
      pool.cache.on('fetchError', (e) => e.stage === 'AWSPENDING' && resolve()),
    );
    const query = pool.query('SELECT 1');
    query.catch(() => undefined);
    await probed;
    await new Promise((resolve) => setImmediate(resolve));
    await pool.end();
    await expect(query).rejects.toThrow(/Pool is closed/);
    expect(pool.stats().authFailures).toBe(1);
  });
});
