// A step that waits (a retry backoff, the time budget) must keep its process alive until it
// settles. Vitest holds the event loop open, so each case runs the BUILT package in a child
// `node` process with nothing else alive in it: an unref'd wait there drains the loop, and
// Node exits (13, or 0 for a script) with the rotation's promise never settled. On Lambda the
// runtime reports that drain as a success. docs/architecture.md "Timers and the event loop".
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createDatabaseUser, findFreePort } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RotationHandler } from '../src/handler.js';
import {
  createSecret,
  FUNCTION_ARN,
  labels,
  loginWith,
  rotate,
  secretValue,
  stagesOf,
  testHandler,
} from './stack.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const DIST_ENTRY = join(PACKAGE_DIR, 'dist', 'index.js');
const FIXTURE = fileURLToPath(new URL('./fixtures/awaited-waits.mjs', import.meta.url));
// Only a hung child reaches this: the cases below settle in seconds.
const CHILD_KILL_MS = 50_000;
// Lambda-like time left: the default 4 s reserve leaves ~5 s for retries, which fit in it.
const STEP_TIME_MS = 9000;
const RETRY_LOG = 'setSecret: transient database fault; running the step again';
const DRAINED = 'event-loop-drained-before-settling';

const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let refusedPort: number;
const handlers: RotationHandler[] = [];

beforeAll(async () => {
  assertBuilt();
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  // Nothing listens here: every login is refused at once, so the step keeps retrying.
  refusedPort = await findFreePort('127.0.0.1');
});
afterAll(async () => {
  for (const handler of handlers) await handler.close();
  await sm?.close();
});

/** The dist must exist and be newer than every source file, or the child tests old code. */
function assertBuilt(): void {
  const build = 'npx -y pnpm@10 --filter @rotakit/rotation-core build';
  if (!existsSync(DIST_ENTRY)) throw new Error(`missing ${DIST_ENTRY}: run ${build}`);
  const built = statSync(DIST_ENTRY).mtimeMs;
  const sources = readdirSync(join(PACKAGE_DIR, 'src'), { recursive: true, withFileTypes: true });
  const stale = sources.find(
    (entry) => entry.isFile() && statSync(join(entry.parentPath, entry.name)).mtimeMs > built,
  );
  if (stale) throw new Error(`${DIST_ENTRY} is older than src/${stale.name}: run ${build}`);
}

interface ChildRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The fixture's own JSON lines (`{ outcome }`), not the rotation's log lines. */
  outcomes: Record<string, unknown>[];
}

function runChild(
  mode: 'handler' | 'run-rotation',
  env: Record<string, string>,
): Promise<ChildRun> {
  const child = spawn(process.execPath, [FIXTURE, DIST_ENTRY, mode], {
    cwd: PACKAGE_DIR,
    env: { PATH: process.env.PATH ?? '', ROTAKIT_SM_ENDPOINT: sm.endpoint, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), CHILD_KILL_MS);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => {
      clearTimeout(killer);
      resolve({ exitCode, signal, stdout, stderr, outcomes: outcomesIn(stdout) });
    });
  });
}

function outcomesIn(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{"outcome"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A secret for a database port that refuses every connection. */
async function refusedSecret() {
  const password = randomBytes(18).toString('base64url');
  const { name } = await createSecret(client, {
    engine: 'mysql',
    host: '127.0.0.1',
    port: refusedPort,
    username: 'app_user',
    password,
    ssl: false,
  });
  return { name, password };
}

/** Runs the rotation up to its failed setSecret (in this process), as the service would. */
async function stuckInSetSecret(secretId: string): Promise<string> {
  const { handler } = testHandler(client, {
    strategy: 'single-user',
    retry: { retries: 0, minDelayMs: 0, maxDelayMs: 0 },
    diagnose: false,
  });
  handlers.push(handler);
  const arn = FUNCTION_ARN(`awaited-waits-${handlers.length}`);
  sm.registerRotationFunction(arn, handler);
  const outcome = await rotate(sm, client, secretId, arn);
  expect(outcome).toMatchObject({ status: 'failed', failedStep: 'setSecret' });
  return outcome.token;
}

async function pendingPassword(secretId: string): Promise<string> {
  const pending = await secretValue(client, secretId, { stage: 'AWSPENDING' });
  expect(pending?.password).toEqual(expect.any(String));
  return String(pending?.password);
}

function expectNoPasswords(run: ChildRun, passwords: readonly string[]): void {
  for (const password of passwords) {
    expect(run.stdout).not.toContain(password);
    expect(run.stderr).not.toContain(password);
  }
}

const refusedLogin = {
  name: 'DatabaseLoginError',
  code: 'ECONNREFUSED',
  reason: 'refused',
  step: 'setSecret',
};

describe('a step waiting between retries keeps its process alive', () => {
  it('the Lambda handler rejects setSecret with the typed error and the process exits 1', async () => {
    const { name, password } = await refusedSecret();
    const token = await stuckInSetSecret(name);
    const run = await runChild('handler', {
      ROTAKIT_SECRET_ID: name,
      ROTAKIT_STEP: 'setSecret',
      ROTAKIT_TOKEN: token,
      ROTAKIT_TIME_MS: String(STEP_TIME_MS),
    });
    expect(run.outcomes).not.toContainEqual({ outcome: DRAINED });
    // The step did wait between attempts: that wait is what must hold the loop.
    expect(run.stdout).toContain(RETRY_LOG);
    expect(run.outcomes).toEqual([{ outcome: 'rejected', ...refusedLogin }]);
    expect({ exitCode: run.exitCode, signal: run.signal }).toEqual({ exitCode: 1, signal: null });
    // Node printed the uncaught rejection (util.inspect of the error) without a password.
    expect(run.stderr).toContain('DatabaseLoginError');
    expectNoPasswords(run, [password, await pendingPassword(name)]);
    // Nobody is locked out: the failed step moved no label.
    expect(labels(await stagesOf(client, name))).toMatchObject({ AWSPENDING: token });
  });

  it('the Lambda handler rejects testSecret after sleeping between denied logins, and exits 1', async () => {
    // Credential drift: AWSCURRENT's password is not the database's, so setSecret fails
    // without changing anything and AWSPENDING's password never reaches the database.
    const user = await createDatabaseUser(server, { privileges: ['SELECT'] });
    const driftedPassword = randomBytes(18).toString('base64url');
    const { name } = await createSecret(client, {
      engine: 'mysql',
      host: user.host,
      port: user.port,
      username: user.username,
      password: driftedPassword,
      ssl: false,
    });
    const token = await stuckInSetSecret(name);
    const run = await runChild('handler', {
      ROTAKIT_SECRET_ID: name,
      ROTAKIT_STEP: 'testSecret',
      ROTAKIT_TOKEN: token,
      ROTAKIT_TIME_MS: String(STEP_TIME_MS),
    });
    expect(run.outcomes).not.toContainEqual({ outcome: DRAINED });
    // testSecret's own wait (sleep) between its attempts ran.
    expect(run.stdout).toContain('testSecret: AWSPENDING login denied; trying again');
    expect(run.outcomes).toEqual([
      {
        outcome: 'rejected',
        name: 'DatabaseLoginError',
        code: 'ER_ACCESS_DENIED_ERROR',
        reason: 'access-denied',
        step: 'testSecret',
      },
    ]);
    expect({ exitCode: run.exitCode, signal: run.signal }).toEqual({ exitCode: 1, signal: null });
    expectNoPasswords(run, [driftedPassword, user.password, await pendingPassword(name)]);
  });

  it('runRotation().then(ok, fail) runs fail with the typed error and the exit code it sets', async () => {
    const { name, password } = await refusedSecret();
    const run = await runChild('run-rotation', {
      ROTAKIT_SECRET_ID: name,
      ROTAKIT_TIME_MS: String(STEP_TIME_MS),
    });
    expect(run.outcomes).not.toContainEqual({ outcome: DRAINED });
    expect(run.stdout).toContain(RETRY_LOG);
    expect(run.outcomes).toEqual([{ outcome: 'fail', ...refusedLogin }]);
    expect({ exitCode: run.exitCode, signal: run.signal }).toEqual({ exitCode: 3, signal: null });
    expectNoPasswords(run, [password, await pendingPassword(name)]);
  });

  it('a rotation that succeeds leaves nothing ref-ed behind: ok runs and the process exits 0', async () => {
    const user = await createDatabaseUser(server, { privileges: ['SELECT'] });
    const { name } = await createSecret(client, {
      engine: 'mysql',
      host: user.host,
      port: user.port,
      username: user.username,
      password: user.password,
      ssl: false,
    });
    // A budget far longer than the kill timer: a budget timer left armed would hang the child.
    const run = await runChild('run-rotation', {
      ROTAKIT_SECRET_ID: name,
      ROTAKIT_TIME_MS: String(300_000),
    });
    expect(run.outcomes).toEqual([
      { outcome: 'ok', steps: ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] },
    ]);
    expect({ exitCode: run.exitCode, signal: run.signal }).toEqual({ exitCode: 0, signal: null });
    const current = await secretValue(client, name, { stage: 'AWSCURRENT' });
    expect(current?.password).not.toBe(user.password);
    expect(await loginWith(current)).toMatchObject({ ok: true });
    expectNoPasswords(run, [user.password, String(current?.password)]);
  });
});
