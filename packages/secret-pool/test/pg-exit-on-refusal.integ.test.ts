// A script whose only query meets a PostgreSQL that refuses it must get the typed error and
// exit on its own, not hang. Run in a child `node` process on the BUILT package (see
// exit-on-refusal.integ.test.ts for why: under vitest other handles keep the loop open).
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPassword } from './helpers.js';
import { alterRolePassword, createPgSecret } from './pg-helpers.js';

const server = testPostgres();
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/pg-query-once.mjs', import.meta.url));
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm?.close());

/** The child imports dist/: refuse to test a build older than the sources. */
async function assertDistIsFresh(): Promise<void> {
  const built = statSync(`${packageDir}/dist/pg.js`, { throwIfNoEntry: false });
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
  const child = spawn(process.execPath, [fixture], {
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

/** The AWS SDK's one-time Node version warning is the only stderr a clean run may have. */
function withoutSdkWarning(stderr: string): string {
  return stderr.replace(
    /^\(node:\d+\) Warning: NodeVersionSupportWarning:[\s\S]*?\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)\n/m,
    '',
  );
}

function expectRejectedCleanly(result: ChildResult, secrets: readonly string[]) {
  const output = result.stdout + result.stderr;
  for (const secret of secrets) expect(output).not.toContain(secret);
  expect({
    code: result.code,
    signal: result.signal,
    stderr: withoutSdkWarning(result.stderr),
  }).toEqual({ code: 2, signal: null, stderr: '' });
  const lines = result.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? '') as Record<string, unknown>;
}

describe('a script whose pg query is refused exits with the typed error', () => {
  it('a wrong password, nothing newer in Secrets Manager: AuthenticationError (28P01) after the retry delays, exit 2', async () => {
    const secret = await createPgSecret(server, client);
    const realPassword = newPassword();
    await alterRolePassword(server, secret.role.username, realPassword);
    const result = await queryOnce(secret.name, {
      auth: { retryDelayMs: 150, maxRetryDelayMs: 300 },
    });
    const outcome = expectRejectedCleanly(result, [secret.value.password, realPassword]);
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      name: 'AuthenticationError',
      sqlState: '28P01',
    });
    expect(outcome.message).toContain(secret.name);
  });

  it('an unknown database: UnknownDatabaseError (3D000) at once, exit 2; the control query resolves, exit 0', async () => {
    const secret = await createPgSecret(server, client);
    const result = await queryOnce(secret.name, { database: `${secret.role.database}_missing` });
    const outcome = expectRejectedCleanly(result, [secret.value.password]);
    expect(outcome).toMatchObject({
      name: 'UnknownDatabaseError',
      sqlState: '3D000',
      reason: 'unknown-database',
    });
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
});
