// The Lambda time budget, the failure diagnosis (netcheck's live probes) and preflight.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createDatabaseUser, findFreePort } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreflightError, SecretsManagerError, TimeBudgetExceededError } from '../src/errors.js';
import type { RotationHandler } from '../src/handler.js';
import type { RotationHandlerOptions } from '../src/options.js';
import type { captureLogger } from './helpers.js';
import {
  createSecret,
  FUNCTION_ARN,
  labels,
  rotate,
  secretValue,
  stagesOf,
  testHandler,
} from './stack.js';

const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
const handlers: RotationHandler[] = [];
let count = 0;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(async () => {
  for (const handler of handlers) await handler.close();
  await sm.close();
});

function make(options: Partial<RotationHandlerOptions> = {}) {
  const made = testHandler(client, {
    strategy: 'single-user',
    retry: { retries: 1, minDelayMs: 20, maxDelayMs: 50 },
    ...options,
  });
  handlers.push(made.handler);
  return made;
}

function register(handler: RotationHandler, timeoutMs?: number) {
  const arn = FUNCTION_ARN(`diag-${count++}`);
  sm.registerRotationFunction(arn, handler, timeoutMs ? { timeoutMs } : {});
  return arn;
}

async function userSecret(overrides: Record<string, unknown> = {}) {
  const user = await createDatabaseUser(server, { privileges: ['SELECT'] });
  return createSecret(client, {
    engine: 'mysql',
    host: user.host,
    port: user.port,
    username: user.username,
    password: user.password,
    ssl: false,
    ...overrides,
  });
}

const diagnosisOf = (logger: ReturnType<typeof captureLogger>) =>
  logger.entries.find((e) => e.message.startsWith('diagnosis: '));

describe('diagnosis of network failures', () => {
  it('probes the database when its port refuses, and logs one line with the report', async () => {
    const { handler, logger } = make();
    const port = await findFreePort('127.0.0.1');
    const { name } = await userSecret({ port });
    const outcome = await rotate(sm, client, name, register(handler));
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'setSecret' });
    expect(outcome.error?.name).toBe('DatabaseLoginError');
    const entry = diagnosisOf(logger);
    expect(entry?.level).toBe('error');
    expect(entry?.extra).toMatchObject({ diagnosis: { focus: 'database', networkError: true } });
    const diagnosis = entry?.extra?.diagnosis as
      | { report: { checks: { id: string; status: string; detail: string }[] } }
      | undefined;
    const r7 = diagnosis?.report.checks.find((c) => c.id === 'R7');
    expect(r7?.status).toBe('fail');
    expect(r7?.detail).toMatch(new RegExp(String(port)));
  });

  it("names the engine of the secret it logged in with, not the driver's first engine", async () => {
    const { handler, logger } = make();
    const port = await findFreePort('127.0.0.1');
    const { name } = await userSecret({ port, engine: 'aurora-mysql' });
    const outcome = await rotate(sm, client, name, register(handler));
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'setSecret' });
    const diagnosis = diagnosisOf(logger)?.extra?.diagnosis as
      | { report: { target: { database?: { host: string; port: number; engine?: string } } } }
      | undefined;
    expect(diagnosis?.report.target.database).toEqual({
      host: '127.0.0.1',
      port,
      engine: 'aurora-mysql',
    });
  });

  it('probes Secrets Manager when its endpoint cannot be reached', async () => {
    const port = await findFreePort('127.0.0.1');
    const { handler, logger } = make({
      client: undefined,
      clientConfig: {
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      },
    } as never);
    const error = await handler(
      { Step: 'createSecret', SecretId: 'any-secret', ClientRequestToken: crypto.randomUUID() },
      { getRemainingTimeInMillis: () => 10_000 },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(SecretsManagerError);
    expect(error).toMatchObject({
      kind: 'network',
      operation: 'DescribeSecret',
      step: 'createSecret',
    });
    expect(error.message).toMatch(
      /DescribeSecret the Secrets Manager endpoint could not be reached \(ECONNREFUSED\)/,
    );
    const entry = diagnosisOf(logger);
    expect(entry?.extra).toMatchObject({
      diagnosis: { focus: 'secretsmanager', networkError: true },
    });
    expect(entry?.message).toMatch(/127\.0\.0\.1/);
  });

  it('does not probe for a credentials problem, nor when diagnose is off', async () => {
    const { handler, logger } = make({ diagnose: false });
    const port = await findFreePort('127.0.0.1');
    const { name } = await userSecret({ port });
    expect((await rotate(sm, client, name, register(handler))).status).toBe('failed');
    expect(diagnosisOf(logger)).toBeUndefined();
  });
});

describe('the Lambda time budget', () => {
  it('stops with TimeBudgetExceededError before Lambda kills the function, then diagnoses', async () => {
    const { handler, logger } = make({ timeouts: { requestTimeoutMs: 60_000, reserveMs: 3000 } });
    // Lambda (the local service) gives each step 6 s; the call below would take 20 s.
    const arn = register(handler, 6000);
    const { name } = await userSecret();
    const fault = sm.faults.add({
      operation: 'GetRandomPassword',
      kind: 'latency',
      latencyMs: 20_000,
    });
    let outcome: Awaited<ReturnType<typeof rotate>>;
    try {
      outcome = await rotate(sm, client, name, arn);
    } finally {
      fault.remove();
    }
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'createSecret' });
    // Not Lambda's "Sandbox.Timedout": our own error, naming the call that hung.
    expect(outcome.error?.name).toBe('TimeBudgetExceededError');
    expect(outcome.error?.message).toMatch(
      /Out of time during GetRandomPassword \(Secrets Manager\)/,
    );
    expect(diagnosisOf(logger)?.extra).toMatchObject({ diagnosis: { focus: 'secretsmanager' } });
    expect(labels(await stagesOf(client, name)).AWSPENDING).toBe(outcome.token);
  }, 30_000);

  it('refuses to start a call that cannot fit in what is left', async () => {
    const { handler } = make();
    const error = await handler(
      { Step: 'createSecret', SecretId: 'whatever', ClientRequestToken: crypto.randomUUID() },
      { getRemainingTimeInMillis: () => 1000 },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(TimeBudgetExceededError);
    expect(error.message).toMatch(/Raise the function timeout/);
  });
});

describe('preflight', () => {
  it('passes on a working path and the rotation goes on', async () => {
    const { handler, logger } = make({ preflight: { timeoutMs: 4000 } });
    const { name } = await userSecret();
    const outcome = await rotate(sm, client, name, register(handler));
    expect(outcome.status, outcome.error?.message).toBe('succeeded');
    const entry = logger.entries.find((e) => e.message.startsWith('preflight: '));
    expect(entry?.level).toBe('info');
  });

  it('fails createSecret before storing anything when the database is unreachable', async () => {
    const { handler } = make({ preflight: true, diagnose: false });
    const port = await findFreePort('127.0.0.1');
    const { name } = await userSecret({ port });
    const outcome = await rotate(sm, client, name, register(handler));
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'createSecret' });
    expect(outcome.error?.name).toBe('PreflightError');
    expect(
      await secretValue(client, name, { stage: 'AWSPENDING', versionId: outcome.token }),
    ).toBeUndefined();
    expect(new PreflightError('x', { failedChecks: ['R7'] }).failedChecks).toEqual(['R7']);
  });
});
