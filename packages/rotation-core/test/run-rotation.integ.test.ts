import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RotakitError } from '@rotakit/core';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createDatabaseUser } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysql } from '../src/database/mysql/driver.js';
import { InvalidOptionError } from '../src/errors.js';
import { createRotationHandler } from '../src/handler.js';
import { type RunRotationStepEvent, runRotation } from '../src/run-rotation.js';
import { captureLogger } from './helpers.js';
import { createSecret, labels, loginWith, secretValue, stagesOf } from './stack.js';

const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm.close());

async function userSecret() {
  const user = await createDatabaseUser(server, { privileges: ['SELECT'] });
  return createSecret(client, {
    engine: 'mysql',
    host: user.host,
    port: user.port,
    username: user.username,
    password: user.password,
    ssl: false,
  });
}

const options = {
  strategy: 'single-user',
  database: mysql(),
  logger: captureLogger(),
  env: {},
} as const;

describe('runRotation', () => {
  it('rotates a secret that has no rotation configured, reporting each step', async () => {
    const { name } = await userSecret();
    const before = labels(await stagesOf(client, name));
    const events: RunRotationStepEvent[] = [];
    const result = await runRotation({
      secretId: name,
      client,
      options,
      onStep: (e) => events.push(e),
    });
    expect(result.resumed).toBe(false);
    expect(result.steps.map((s) => s.step)).toEqual([
      'createSecret',
      'setSecret',
      'testSecret',
      'finishSecret',
    ]);
    expect(events.map((e) => `${e.step}:${e.phase}`)).toEqual([
      'createSecret:start',
      'createSecret:end',
      'setSecret:start',
      'setSecret:end',
      'testSecret:start',
      'testSecret:end',
      'finishSecret:start',
      'finishSecret:end',
    ]);
    const after = labels(await stagesOf(client, name));
    expect(after).toEqual({ AWSCURRENT: result.token, AWSPREVIOUS: before.AWSCURRENT });
    expect(await loginWith(await secretValue(client, name))).toEqual({ ok: true });
  });

  it('stops at the first failure and resumes the stuck version next time', async () => {
    const { name } = await userSecret();
    let fail = true;
    const handler = createRotationHandler({
      ...options,
      client,
      hooks: {
        onBoundary: (b) => {
          if (fail && b.name === 'setSecret:before:sql:SET PASSWORD#1')
            throw new Error('injected crash');
        },
      },
    });
    const events: RunRotationStepEvent[] = [];
    const error = await runRotation({
      secretId: name,
      client,
      handler,
      onStep: (e) => events.push(e),
    }).catch((e) => e);
    expect(error.message).toBe('injected crash');
    expect(events.at(-1)).toMatchObject({ step: 'setSecret', phase: 'error' });
    const stuck = labels(await stagesOf(client, name)).AWSPENDING;
    expect(stuck).toBeDefined();
    fail = false;
    const result = await runRotation({ secretId: name, client, handler });
    expect(result).toMatchObject({ resumed: true, token: stuck });
    expect(labels(await stagesOf(client, name))).toMatchObject({ AWSCURRENT: stuck });
    expect(labels(await stagesOf(client, name)).AWSPENDING).toBeUndefined();
    expect(await loginWith(await secretValue(client, name))).toEqual({ ok: true });
    await handler.close();
  });

  it("names the step and the secret in any rotakit error's message, not only a RotationError's", async () => {
    const { name } = await userSecret();
    const handler = createRotationHandler({
      ...options,
      client,
      hooks: {
        onBoundary: (b) => {
          // @rotakit/core's errors (its SecretFormatError, say) are not RotationErrors.
          if (b.name === 'createSecret:after:sm:DescribeSecret#1') {
            throw new RotakitError('injected core error');
          }
        },
      },
    });
    const error = await runRotation({ secretId: name, client, handler }).catch((e) => e);
    expect(error).toBeInstanceOf(RotakitError);
    expect(error.message).toMatch(/^createSecret failed for secret \S+: injected core error$/);
    expect(error).toMatchObject({ step: 'createSecret', secretId: expect.any(String) });
    await handler.close();
  });

  it('refuses a handler it did not make, and handler with options', async () => {
    await expect(
      runRotation({ secretId: 'x', client, handler: (async () => {}) as never }),
    ).rejects.toBeInstanceOf(InvalidOptionError);
    const handler = createRotationHandler({ ...options, client });
    await expect(runRotation({ secretId: 'x', client, handler, options } as never)).rejects.toThrow(
      /either handler or options/,
    );
    await handler.close();
  });
});
