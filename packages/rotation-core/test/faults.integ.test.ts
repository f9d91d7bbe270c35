// Faults from the outside: the database killed or restarted mid-step, and Secrets Manager
// throttling, 5xx, dropped connections, latency and lost responses.
import {
  type SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import {
  createDatabaseUser,
  type MysqlConnectionInfo,
  type MysqlServer,
  startMysql,
} from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RotationHandler } from '../src/handler.js';
import type { RotationBoundary, RotationHandlerOptions, RotationStrategy } from '../src/options.js';
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

let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
const handlers: RotationHandler[] = [];
let functions = 0;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(async () => {
  for (const handler of handlers) await handler.close();
  await sm.close();
});

function register(options: Partial<RotationHandlerOptions> & { strategy: RotationStrategy }) {
  const { handler, logger } = testHandler(client, {
    retry: { retries: 3, minDelayMs: 50, maxDelayMs: 200 },
    ...options,
  });
  handlers.push(handler);
  const arn = FUNCTION_ARN(`faults-${functions++}`);
  sm.registerRotationFunction(arn, handler);
  return { arn, handler, logger };
}

async function secretFor(db: MysqlConnectionInfo, strategy: RotationStrategy) {
  const user = await createDatabaseUser(db, { privileges: ['SELECT'] });
  let masterarn: string | undefined;
  if (strategy === 'alternating-users') {
    masterarn = (
      await createSecret(client, {
        engine: 'mysql',
        host: db.host,
        port: db.port,
        username: db.adminUser,
        password: db.adminPassword,
        ssl: false,
      })
    ).arn;
  }
  const { name } = await createSecret(client, {
    engine: 'mysql',
    host: user.host,
    port: user.port,
    username: user.username,
    password: user.password,
    ssl: false,
    ...(masterarn ? { masterarn } : {}),
  });
  return { name, original: await secretValue(client, name) };
}

async function expectClean(name: string, token: string, original: unknown) {
  const after = labels(await stagesOf(client, name));
  expect(after.AWSCURRENT).toBe(token);
  expect(after.AWSPENDING).toBeUndefined();
  expect(await loginWith(await secretValue(client, name))).toEqual({ ok: true });
  expect(await secretValue(client, name, { stage: 'AWSPREVIOUS' })).toEqual(original);
}

describe('the database dies mid-step', () => {
  let db: MysqlServer;
  beforeAll(async () => {
    db = await startMysql();
  }, 120_000);
  afterAll(() => db?.stop());
  afterEach(async () => {
    if (db.pid === undefined) await db.restart();
  });

  it.each([
    ['single-user', 'setSecret:before:sql:SET PASSWORD#1'],
    ['alternating-users', 'setSecret:after:sql:CREATE USER#1'],
    ['alternating-users', 'setSecret:before:sql:GRANT#1'],
    ['single-user', 'testSecret:after:sql:CONNECT#1'],
  ] as const)(
    '%s: killed at %s, restarted, retried',
    async (strategy, target) => {
      let armed = true;
      const { arn } = register({
        strategy,
        hooks: {
          onBoundary: async (b: RotationBoundary) => {
            if (armed && b.name === target) {
              armed = false;
              await db.kill();
            }
          },
        },
      });
      const { name, original } = await secretFor(db, strategy);
      const failed = await rotate(sm, client, name, arn);
      expect(armed).toBe(false);
      expect(failed.status).toBe('failed');
      // The error names the network cause, never "unable to log in".
      expect(failed.error?.message).toMatch(
        /connection refused|connection was lost|PROTOCOL_CONNECTION_LOST|ECONNRESET/,
      );
      expect(failed.error?.message).not.toMatch(/Unable to log into database/);
      await db.restart();
      const retried = await sm.retryRotation(name);
      expect(retried.status, retried.error?.message).toBe('succeeded');
      await expectClean(name, failed.token, original);
    },
    120_000,
  );

  it('restarted under a running statement: the step runs again by itself', async () => {
    let armed = true;
    const { arn, logger } = register({
      strategy: 'single-user',
      hooks: {
        onBoundary: async (b: RotationBoundary) => {
          if (armed && b.name === 'setSecret:before:sql:SET PASSWORD#1') {
            armed = false;
            await db.restart();
          }
        },
      },
    });
    const { name, original } = await secretFor(db, 'single-user');
    const outcome = await rotate(sm, client, name, arn);
    expect(outcome.status, outcome.error?.message).toBe('succeeded');
    expect(logger.entries.some((e) => /transient database fault/.test(e.message))).toBe(true);
    await expectClean(name, outcome.token, original);
  }, 120_000);
});

describe('Secrets Manager faults', () => {
  const shared = testMysql();
  const afterEachFault = () => sm.faults.clear();

  it.each([
    ['GetSecretValue', 'throttle'],
    ['PutSecretValue', 'internal-error'],
    ['UpdateSecretVersionStage', 'drop-connection'],
    ['GetRandomPassword', 'throttle'],
    ['DescribeSecret', 'internal-error'],
  ] as const)('%s %s (twice): retried inside the step', async (operation, kind) => {
    const { arn, logger } = register({ strategy: 'single-user' });
    const { name, original } = await secretFor(shared, 'single-user');
    const fault = sm.faults.add({ operation, kind, times: 2 });
    try {
      const outcome = await rotate(sm, client, name, arn);
      expect(outcome.status, outcome.error?.message).toBe('succeeded');
      expect(fault.hits).toBe(2);
      expect(
        logger.entries.filter((e) => e.message === `${operation} failed; retrying`),
      ).toHaveLength(2);
      await expectClean(name, outcome.token, original);
    } finally {
      afterEachFault();
    }
  });

  it('persistent throttling fails the step clearly; AWSPENDING stays for the retry', async () => {
    const { arn } = register({
      strategy: 'single-user',
      retry: { retries: 2, minDelayMs: 20, maxDelayMs: 50 },
    });
    const { name, original } = await secretFor(shared, 'single-user');
    sm.faults.add({ operation: 'GetRandomPassword', kind: 'throttle' });
    let failed: Awaited<ReturnType<typeof rotate>>;
    try {
      failed = await rotate(sm, client, name, arn);
    } finally {
      afterEachFault();
    }
    expect(failed).toMatchObject({ status: 'failed', failedStep: 'createSecret' });
    expect(failed.error?.name).toBe('SecretsManagerError');
    expect(failed.error?.message).toMatch(
      /GetRandomPassword throttled by Secrets Manager \(ThrottlingException, HTTP 400\).* after 3 attempts/,
    );
    expect(labels(await stagesOf(client, name)).AWSPENDING).toBe(failed.token);
    const retried = await sm.retryRotation(name);
    expect(retried.status, retried.error?.message).toBe('succeeded');
    await expectClean(name, failed.token, original);
  });

  it('latency beyond the request timeout is a timeout error naming the call', async () => {
    const { arn } = register({
      strategy: 'single-user',
      // Room for every other call of the step on a loaded machine: at 150 ms another call
      // could time out first (this test failed once in a full parallel run).
      timeouts: { requestTimeoutMs: 500 },
      retry: { retries: 1, minDelayMs: 10, maxDelayMs: 10 },
    });
    const { name } = await secretFor(shared, 'single-user');
    sm.faults.add({ operation: 'PutSecretValue', kind: 'latency', latencyMs: 2500 });
    let failed: Awaited<ReturnType<typeof rotate>>;
    try {
      failed = await rotate(sm, client, name, arn);
    } finally {
      afterEachFault();
    }
    expect(failed.status, JSON.stringify(failed)).toBe('failed');
    expect(failed.failedStep).toBe('createSecret');
    expect(failed.error?.message).toMatch(
      /PutSecretValue the request to Secrets Manager timed out/,
    );
  });

  it('a lost response after UpdateSecretVersionStage succeeded is recognised on retry', async () => {
    // The local endpoint drops connections before acting; a response lost after the change
    // needs a middleware on the (real) client.
    const lossy = sm.client({ maxAttempts: 1 });
    let dropped = 0;
    lossy.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const input = args.input as { VersionStage?: string };
        if (context.commandName === 'UpdateSecretVersionStageCommand' && dropped < 2) {
          dropped++;
          throw Object.assign(new Error(`socket hang up after ${input.VersionStage}`), {
            code: 'ECONNRESET',
          });
        }
        return result;
      },
      { step: 'deserialize', name: 'loseResponse' },
    );
    const { arn } = register({ strategy: 'single-user', client: lossy });
    const { name, original } = await secretFor(shared, 'single-user');
    const outcome = await rotate(sm, client, name, arn);
    expect(outcome.status, outcome.error?.message).toBe('succeeded');
    expect(dropped).toBe(2);
    await expectClean(name, outcome.token, original);
    lossy.destroy();
  });

  it('access denied is reported as such, with no retry', async () => {
    // The local endpoint has no IAM: AccessDeniedException comes from a middleware.
    const denied = sm.client({ maxAttempts: 1 });
    let calls = 0;
    denied.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetRandomPasswordCommand') {
          calls++;
          throw new SecretsManagerServiceException({
            name: 'AccessDeniedException',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
            message: 'User is not authorized to perform: secretsmanager:GetRandomPassword',
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'deny' },
    );
    const { arn } = register({ strategy: 'single-user', client: denied });
    const { name } = await secretFor(shared, 'single-user');
    const outcome = await rotate(sm, client, name, arn);
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'createSecret' });
    expect(outcome.error?.message).toMatch(
      /GetRandomPassword access denied \(check the function role/,
    );
    expect(calls).toBe(1);
    denied.destroy();
  });

  it('uses a client it creates from clientConfig, with retries bounded', async () => {
    const { arn } = register({
      strategy: 'single-user',
      client: undefined,
      clientConfig: {
        endpoint: sm.endpoint,
        region: sm.region,
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      },
    } as never);
    const { name, original } = await secretFor(shared, 'single-user');
    const outcome = await rotate(sm, client, name, arn);
    expect(outcome.status, outcome.error?.message).toBe('succeeded');
    await expectClean(name, outcome.token, original);
  });
});
