// Crash safety: stop the handler at every boundary (before and after each Secrets Manager
// call and each SQL statement, in every step), let the service retry, and check that nobody
// is ever locked out and that the rotation ends clean.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  type RotationOutcome,
  type RotationStep,
  type SecretsManagerLocal,
  startSecretsManager,
} from '@rotakit/secrets-manager-local';
import { createDatabaseUser } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RotationHandler } from '../src/handler.js';
import type { RotationBoundary, RotationStrategy } from '../src/options.js';
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

const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
const handlers: RotationHandler[] = [];

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(async () => {
  for (const handler of handlers) await handler.close();
  await sm.close();
});

const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/** What the hook does at each boundary of the registered handler. */
interface Probe {
  onBoundary(boundary: RotationBoundary): Promise<void>;
}

function register(strategy: RotationStrategy, probe: { current: Probe | undefined }) {
  const arn = FUNCTION_ARN(`crash-${strategy}-${handlers.length}`);
  const { handler } = testHandler(client, {
    strategy,
    hooks: { onBoundary: (boundary) => probe.current?.onBoundary(boundary) },
  });
  handlers.push(handler);
  sm.registerRotationFunction(arn, handler);
  return { arn, handler };
}

async function newSecret(strategy: RotationStrategy, masterArn: string) {
  const user = await createDatabaseUser(server, { privileges: ['SELECT', 'INSERT'] });
  const { name } = await createSecret(client, {
    engine: 'mysql',
    host: user.host,
    port: user.port,
    username: user.username,
    password: user.password,
    ssl: false,
    extra: 'kept',
    ...(strategy === 'alternating-users' ? { masterarn: masterArn } : {}),
  });
  return name;
}

/** AWSCURRENT logs in, or else AWSPENDING does. */
async function someoneLogsIn(name: string): Promise<boolean> {
  if ((await loginWith(await secretValue(client, name))).ok) return true;
  return (await loginWith(await secretValue(client, name, { stage: 'AWSPENDING' }))).ok;
}

/**
 * The service's retry: RotateSecret's automatic retry of the whole rotation when AWSPENDING
 * is stuck; when the failed step left nothing pending (it had finished its work), Lambda's
 * retry of that same event.
 */
async function serviceRetry(
  name: string,
  failed: RotationOutcome,
  handler: RotationHandler,
): Promise<void> {
  const stuck = labels(await stagesOf(client, name)).AWSPENDING;
  if (stuck !== undefined && stuck !== labels(await stagesOf(client, name)).AWSCURRENT) {
    const outcome = await sm.retryRotation(name);
    if (outcome.status !== 'succeeded') {
      throw new Error(`retry failed at ${outcome.failedStep}: ${outcome.error?.message}`);
    }
    return;
  }
  const from = STEPS.indexOf(failed.failedStep as RotationStep);
  for (const step of STEPS.slice(from)) {
    await handler(
      { Step: step, SecretId: failed.secretArn, ClientRequestToken: failed.token },
      { getRemainingTimeInMillis: () => 30_000 },
    );
  }
}

async function recordBoundaries(
  strategy: RotationStrategy,
  prepare: (name: string, arn: string) => Promise<void>,
  masterArn: string,
): Promise<string[]> {
  const probe: { current: Probe | undefined } = { current: undefined };
  const { arn } = register(strategy, probe);
  const name = await newSecret(strategy, masterArn);
  await prepare(name, arn);
  const seen: string[] = [];
  probe.current = { onBoundary: async (b) => void seen.push(b.name) };
  const outcome = await rotate(sm, client, name, arn);
  expect(outcome.status, outcome.error?.message).toBe('succeeded');
  return seen;
}

async function injectEverywhere(
  strategy: RotationStrategy,
  prepare: (name: string, arn: string) => Promise<void>,
  masterArn: string,
) {
  const boundaries = await recordBoundaries(strategy, prepare, masterArn);
  const probe: { current: Probe | undefined } = { current: undefined };
  const { arn, handler } = register(strategy, probe);
  const problems: string[] = [];
  for (const target of boundaries) {
    const name = await newSecret(strategy, masterArn);
    probe.current = undefined;
    await prepare(name, arn);
    const original = await secretValue(client, name);
    let injected = false;
    probe.current = {
      async onBoundary(b) {
        if (!(await someoneLogsIn(name))) problems.push(`${target}: locked out at ${b.name}`);
        if (!injected && b.name === target) {
          injected = true;
          throw new Error(`injected crash at ${target}`);
        }
      },
    };
    const failed = await rotate(sm, client, name, arn);
    if (!injected) {
      problems.push(`${target}: boundary never reached`);
      continue;
    }
    if (failed.status !== 'failed' || failed.error?.message !== `injected crash at ${target}`) {
      problems.push(
        `${target}: expected the injected failure, got ${failed.status} ${failed.error?.message}`,
      );
      continue;
    }
    try {
      await serviceRetry(name, failed, handler);
    } catch (error) {
      problems.push(`${target}: ${(error as Error).message}`);
      continue;
    }
    probe.current = undefined;
    const after = labels(await stagesOf(client, name));
    if (after.AWSCURRENT !== failed.token)
      problems.push(`${target}: AWSCURRENT is not the new version`);
    if (after.AWSPENDING !== undefined)
      problems.push(`${target}: AWSPENDING left on ${after.AWSPENDING}`);
    const current = await secretValue(client, name);
    if (!(await loginWith(current)).ok) problems.push(`${target}: AWSCURRENT does not log in`);
    if (current?.extra !== 'kept') problems.push(`${target}: unknown key lost`);
    const previous = await secretValue(client, name, { stage: 'AWSPREVIOUS' });
    if (JSON.stringify(previous) !== JSON.stringify(original)) {
      problems.push(`${target}: AWSPREVIOUS is not the old value`);
    }
  }
  return { boundaries, problems };
}

let masterArn: string;
beforeAll(async () => {
  ({ arn: masterArn } = await createSecret(client, {
    engine: 'mysql',
    host: server.host,
    port: server.port,
    username: server.adminUser,
    password: server.adminPassword,
    ssl: false,
  }));
});

const nothing = async () => {};
const oneRotation = async (name: string, arn: string) => {
  const outcome = await rotate(sm, client, name, arn);
  if (outcome.status !== 'succeeded')
    throw new Error(`setup rotation failed: ${outcome.error?.message}`);
};

describe('crash at every boundary, then the service retries', () => {
  it('single user', async () => {
    const { boundaries, problems } = await injectEverywhere('single-user', nothing, masterArn);
    expect(boundaries.length).toBeGreaterThan(30);
    for (const kind of ['sm:PutSecretValue', 'sql:SET PASSWORD', 'sm:UpdateSecretVersionStage']) {
      expect(boundaries.some((b) => b.includes(kind))).toBe(true);
    }
    expect(problems).toEqual([]);
  }, 600_000);

  it('alternating users, creating the clone', async () => {
    const { boundaries, problems } = await injectEverywhere(
      'alternating-users',
      nothing,
      masterArn,
    );
    expect(boundaries.some((b) => b.includes('sql:CREATE USER'))).toBe(true);
    expect(boundaries.some((b) => b.includes('sql:GRANT'))).toBe(true);
    expect(problems).toEqual([]);
  }, 600_000);

  it('alternating users, updating the existing other user', async () => {
    const { boundaries, problems } = await injectEverywhere(
      'alternating-users',
      oneRotation,
      masterArn,
    );
    expect(boundaries.some((b) => b.includes('sql:ALTER USER'))).toBe(true);
    expect(boundaries.some((b) => b.includes('sql:CREATE USER'))).toBe(false);
    expect(problems).toEqual([]);
  }, 600_000);
});
