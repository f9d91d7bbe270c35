import { inspect } from 'node:util';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createDatabaseUser, uniqueName, withAdmin } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseDriver } from '../src/database/driver.js';
import { mysql } from '../src/database/mysql/driver.js';
import {
  CredentialMismatchError,
  InvalidEventError,
  RotationNotEnabledError,
  SecretFormatError,
  VersionNotPendingError,
} from '../src/errors.js';
import { engineOf, type RotationHandler } from '../src/handler.js';
import type { RotationHandlerOptions } from '../src/options.js';
import { captureLogger } from './helpers.js';
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
const logger = captureLogger();
const handlers: RotationHandler[] = [];

function handlerFor(
  options: Partial<RotationHandlerOptions> & Pick<RotationHandlerOptions, 'strategy'>,
): RotationHandler {
  const { handler } = testHandler(client, { logger, ...options });
  handlers.push(handler);
  return handler;
}

const SINGLE = FUNCTION_ARN('single-user');
const ALTERNATING = FUNCTION_ARN('alternating-users');

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  sm.registerRotationFunction(SINGLE, handlerFor({ strategy: 'single-user' }));
  sm.registerRotationFunction(ALTERNATING, handlerFor({ strategy: 'alternating-users' }));
});

afterAll(async () => {
  for (const handler of handlers) await handler.close();
  await sm.close();
});

const passwords: string[] = [];

async function userSecret(extra: Record<string, unknown> = {}) {
  const user = await createDatabaseUser(server, { privileges: ['SELECT', 'INSERT'] });
  passwords.push(user.password);
  const value = {
    engine: 'mysql',
    host: user.host,
    port: user.port,
    username: user.username,
    password: user.password,
    dbname: user.database,
    ssl: false,
    ...extra,
  };
  const secret = await createSecret(client, value);
  return { ...secret, user, value };
}

async function masterSecret() {
  return createSecret(client, {
    engine: 'mysql',
    host: server.host,
    port: server.port,
    username: server.adminUser,
    password: server.adminPassword,
    ssl: false,
  });
}

describe('single user through RotateSecret', () => {
  it('rotates 10 times in a row; unknown keys survive; AWSPREVIOUS holds the old value', async () => {
    const extra = { custom: { nested: ['kept', 1, true] }, dbInstanceIdentifier: 'db-1' };
    const { name, value } = await userSecret(extra);
    let previous = value;
    for (let i = 0; i < 10; i++) {
      const outcome = await rotate(sm, client, name, SINGLE);
      expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
      const stages = labels(await stagesOf(client, name));
      expect(stages.AWSCURRENT).toBe(outcome.token);
      expect(stages.AWSPENDING).toBeUndefined();
      const current = await secretValue(client, name);
      expect(current).toMatchObject({ ...extra, username: value.username, host: value.host });
      expect(current?.password).not.toBe(previous.password);
      expect(await loginWith(current)).toEqual({ ok: true });
      expect(await secretValue(client, name, { stage: 'AWSPREVIOUS' })).toEqual(previous);
      expect(await loginWith(previous)).toMatchObject({ ok: false, errno: 1045 });
      passwords.push(String(current?.password));
      previous = current as typeof value;
    }
  });

  it('works with a partial ARN (no random suffix) as SecretId', async () => {
    const { arn } = await userSecret();
    const partial = arn.slice(0, -7);
    const outcome = await rotate(sm, client, partial, SINGLE);
    expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
    expect(await loginWith(await secretValue(client, arn))).toEqual({ ok: true });
  });

  it('passes RotationToken to PutSecretValue', async () => {
    const seen: (string | undefined)[] = [];
    const watched = sm.client({ maxAttempts: 1 });
    watched.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutSecretValueCommand') {
          seen.push((args.input as { RotationToken?: string }).RotationToken);
        }
        return next(args);
      },
      { step: 'initialize', name: 'watchRotationToken' },
    );
    const fn = FUNCTION_ARN(uniqueName('rt'));
    const handler = handlerFor({ strategy: 'single-user', client: watched });
    const events: string[] = [];
    sm.registerRotationFunction(fn, (event, context) => {
      if (event.RotationToken) events.push(event.RotationToken);
      return handler(event, context);
    });
    const { name } = await userSecret();
    const outcome = await rotate(sm, client, name, fn);
    expect(outcome.status).toBe('succeeded');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeDefined();
    expect(events).toContain(seen[0]);
  });

  it('accepts the snake_case step names', async () => {
    const fn = FUNCTION_ARN(uniqueName('snake'));
    const handler = handlerFor({ strategy: 'single-user' });
    const snake: Record<string, string> = {
      createSecret: 'create_secret',
      setSecret: 'set_secret',
      testSecret: 'test_secret',
      finishSecret: 'finish_secret',
    };
    sm.registerRotationFunction(fn, (event, context) =>
      handler({ ...event, Step: snake[event.Step] as 'createSecret' }, context),
    );
    const { name } = await userSecret();
    const outcome = await rotate(sm, client, name, fn);
    expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
    expect(await loginWith(await secretValue(client, name))).toEqual({ ok: true });
  });

  it('logs in with AWSPREVIOUS when AWSCURRENT no longer works', async () => {
    const { name, value } = await userSecret();
    expect((await rotate(sm, client, name, SINGLE)).status).toBe('succeeded');
    // Someone put the old password back on the server: only AWSPREVIOUS matches it now.
    await withAdmin(server, (admin) =>
      admin.query("ALTER USER ?@'%' IDENTIFIED BY ?", [value.username, value.password]),
    );
    const outcome = await rotate(sm, client, name, SINGLE);
    expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
    expect(await loginWith(await secretValue(client, name))).toEqual({ ok: true });
  });

  it('says which logins were tried when nothing works, with errno', async () => {
    const { name, value } = await userSecret();
    await withAdmin(server, (admin) =>
      admin.query("ALTER USER ?@'%' IDENTIFIED BY ?", [value.username, 'drifted-elsewhere']),
    );
    const outcome = await rotate(sm, client, name, SINGLE);
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'setSecret' });
    expect(outcome.error?.name).toBe('DatabaseLoginError');
    expect(outcome.error?.message).toMatch(
      /Unable to log into database with previous, current, or pending secret/,
    );
    expect(outcome.error?.message).toMatch(
      /pending: access denied \(errno 1045\); current: access denied \(errno 1045\); previous: no AWSPREVIOUS version/,
    );
    expect(outcome.error?.message).not.toContain('drifted-elsewhere');
    expect(labels(await stagesOf(client, name)).AWSPENDING).toBe(outcome.token);
  });

  it('reports a refused connection as such, not as bad credentials', async () => {
    const { name } = await userSecret({ port: 1 });
    const outcome = await rotate(sm, client, name, SINGLE);
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'setSecret' });
    expect(outcome.error?.name).toBe('DatabaseLoginError');
    expect(outcome.error?.message).toMatch(/connection refused/);
    expect(outcome.error?.message).not.toMatch(/Unable to log into database/);
  });
});

describe('alternating users through RotateSecret', () => {
  it('flips between user and user_clone 10 times; both recent versions log in', async () => {
    const master = await masterSecret();
    const { name, value } = await userSecret({ masterarn: master.arn, note: 'kept' });
    const names = [value.username];
    let previous = value as Record<string, unknown>;
    for (let i = 0; i < 10; i++) {
      const outcome = await rotate(sm, client, name, ALTERNATING);
      expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
      const current = await secretValue(client, name);
      names.push(String(current?.username));
      expect(current).toMatchObject({ note: 'kept', masterarn: master.arn });
      expect(await loginWith(current)).toEqual({ ok: true });
      // The previous user keeps its password until the rotation after next.
      expect(await secretValue(client, name, { stage: 'AWSPREVIOUS' })).toEqual(previous);
      expect(await loginWith(previous)).toEqual({ ok: true });
      expect(labels(await stagesOf(client, name)).AWSPENDING).toBeUndefined();
      previous = current as Record<string, unknown>;
    }
    const clone = `${value.username}_clone`;
    expect(names).toEqual(
      Array.from({ length: 11 }, (_, i) => (i % 2 === 0 ? value.username : clone)),
    );
  });

  it('refuses a clone name over usernameCharacterLimit before storing anything', async () => {
    const fn = FUNCTION_ARN(uniqueName('limit'));
    sm.registerRotationFunction(
      fn,
      handlerFor({ strategy: 'alternating-users', usernameCharacterLimit: 12 }),
    );
    const master = await masterSecret();
    const { name } = await userSecret({ masterarn: master.arn });
    const outcome = await rotate(sm, client, name, fn);
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'createSecret' });
    expect(outcome.error?.name).toBe('CloneNameTooLongError');
    expect(outcome.error?.message).toMatch(/limit of 12/);
    expect(
      await secretValue(client, name, { versionId: outcome.token, stage: 'AWSPENDING' }),
    ).toBeUndefined();
  });

  it('needs masterarn', async () => {
    const { name } = await userSecret();
    const outcome = await rotate(sm, client, name, ALTERNATING);
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'createSecret' });
    expect(outcome.error?.name).toBe('SecretFormatError');
    expect(outcome.error?.message).toMatch(/masterarn key is missing/);
  });
});

describe('dispatcher guards (handler invoked directly)', () => {
  const direct = () => handlerFor({ strategy: 'single-user' });
  const token = () => crypto.randomUUID();

  async function pendingVersion(name: string, value: Record<string, unknown>) {
    const versionId = token();
    await client.send(
      new PutSecretValueCommand({
        SecretId: name,
        ClientRequestToken: versionId,
        SecretString: JSON.stringify(value),
        VersionStages: ['AWSPENDING'],
      }),
    );
    return versionId;
  }

  it('refuses a secret without rotation enabled', async () => {
    const { name } = await userSecret();
    const error = await direct()({
      Step: 'createSecret',
      SecretId: name,
      ClientRequestToken: token(),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(RotationNotEnabledError);
    expect(error).toMatchObject({ step: 'createSecret', secretId: name });
  });

  it('refuses a token that is not a version, or not AWSPENDING', async () => {
    const { name, value } = await userSecret();
    expect((await rotate(sm, client, name, SINGLE)).status).toBe('succeeded');
    const handler = direct();
    const unknown = await handler({
      Step: 'setSecret',
      SecretId: name,
      ClientRequestToken: token(),
    }).catch((e) => e);
    expect(unknown).toBeInstanceOf(VersionNotPendingError);
    expect(unknown.message).toMatch(/has no stage for rotation/);
    const previousId = labels(await stagesOf(client, name)).AWSPREVIOUS as string;
    const notPending = await handler({
      Step: 'setSecret',
      SecretId: name,
      ClientRequestToken: previousId,
    }).catch((e) => e);
    expect(notPending).toBeInstanceOf(VersionNotPendingError);
    expect(notPending.message).toMatch(/not set as AWSPENDING/);
    expect(notPending.stages).toEqual(['AWSPREVIOUS']);
    expect(value.password).toBeDefined();
  });

  it('succeeds without doing anything when the token is already AWSCURRENT', async () => {
    const { name } = await userSecret();
    expect((await rotate(sm, client, name, SINGLE)).status).toBe('succeeded');
    const before = await stagesOf(client, name);
    const currentId = labels(before).AWSCURRENT as string;
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await direct()({ Step, SecretId: name, ClientRequestToken: currentId });
    }
    expect(await stagesOf(client, name)).toEqual(before);
  });

  it('guards against a pending user that is not the current one', async () => {
    const { name, value } = await userSecret();
    await rotate(sm, client, name, SINGLE);
    const versionId = await pendingVersion(name, { ...value, username: 'someone_else' });
    const error = await direct()({
      Step: 'setSecret',
      SecretId: name,
      ClientRequestToken: versionId,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(CredentialMismatchError);
    expect(error.field).toBe('username');
  });

  it('createSecret keeps the value another invocation stored first (ResourceExistsException)', async () => {
    const { name, value } = await userSecret();
    const fn = FUNCTION_ARN(uniqueName('race'));
    const theirs = 'stored-by-the-other-invocation-1A!';
    let raced = false;
    const handler = handlerFor({
      strategy: 'single-user',
      hooks: {
        onBoundary: async (b) => {
          if (raced || b.name !== 'createSecret:before:sm:PutSecretValue#1') return;
          raced = true;
          const token = labels(await stagesOf(client, name)).AWSPENDING as string;
          await client.send(
            new PutSecretValueCommand({
              SecretId: name,
              ClientRequestToken: token,
              SecretString: JSON.stringify({ ...value, password: theirs }),
              VersionStages: ['AWSPENDING'],
            }),
          );
        },
      },
    });
    sm.registerRotationFunction(fn, handler);
    const outcome = await rotate(sm, client, name, fn);
    expect(raced).toBe(true);
    expect(outcome.status, outcome.error?.message).toBe('succeeded');
    expect((await secretValue(client, name))?.password).toBe(theirs);
    expect(await loginWith(await secretValue(client, name))).toEqual({ ok: true });
    expect(
      logger.entries.some((e) =>
        /another invocation stored the AWSPENDING value first/.test(e.message),
      ),
    ).toBe(true);
  });

  it('finishSecret works when no version is AWSCURRENT (no RemoveFromVersionId)', async () => {
    const name = uniqueName('no_current');
    await client.send(new CreateSecretCommand({ Name: name }));
    const token = crypto.randomUUID();
    await client.send(
      new PutSecretValueCommand({
        SecretId: name,
        ClientRequestToken: token,
        SecretString: JSON.stringify({ engine: 'mysql', host: 'h', username: 'u', password: 'p' }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    const engine = engineOf(direct());
    await engine?.run(
      { step: 'finishSecret', secretId: name, token, rotationToken: undefined },
      undefined,
      { direct: true },
    );
    expect(labels(await stagesOf(client, name))).toEqual({ AWSCURRENT: token });
  });

  it.each([
    ['null', null, 'event'],
    ['no SecretId', { Step: 'createSecret', ClientRequestToken: 'x'.repeat(36) }, 'SecretId'],
    [
      'a short token',
      { Step: 'createSecret', SecretId: 's', ClientRequestToken: 'abc' },
      'ClientRequestToken',
    ],
    [
      'an unknown step',
      { Step: 'rotateEverything', SecretId: 's', ClientRequestToken: 'x'.repeat(36) },
      'Step',
    ],
    [
      'a numeric RotationToken',
      { Step: 'setSecret', SecretId: 's', ClientRequestToken: 'x'.repeat(36), RotationToken: 5 },
      'RotationToken',
    ],
  ])('rejects a malformed event: %s', async (_name, event, field) => {
    const error = await direct()(event as never).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.field).toBe(field);
  });

  it('names the step and the secret for an unknown step', async () => {
    const error = await direct()({
      Step: 'rotateEverything' as never,
      SecretId: 'my-secret',
      ClientRequestToken: token(),
    }).catch((e) => e);
    expect(error.message).toMatch(
      /"rotateEverything" is not a rotation step .* for secret my-secret/,
    );
  });

  it.each([
    ['non-JSON', 'not json at all {', 'SecretString'],
    ['no password', { engine: 'mysql', host: 'h', username: 'u' }, 'password'],
    ['the wrong engine', { engine: 'postgres', host: 'h', username: 'u', password: 'p' }, 'engine'],
    [
      'an oversized value',
      { engine: 'mysql', host: 'h', username: 'u', password: 'p', pad: 'x'.repeat(65_450) },
      'SecretString',
    ],
  ])('fails createSecret clearly on a secret with %s', async (_name, value, field) => {
    const { name } = await createSecret(client, value as Record<string, unknown>);
    const outcome = await rotate(sm, client, name, SINGLE);
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'createSecret' });
    expect(outcome.error?.name).toBe('SecretFormatError');
    expect(outcome.error?.message).toContain(field);
    const error = await direct()({
      Step: 'createSecret',
      SecretId: name,
      ClientRequestToken: outcome.token,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error.field).toBe(field);
  });

  it('keeps secret values out of every log line', async () => {
    const text = logger.text();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(server.adminPassword);
    for (const password of passwords) expect(text).not.toContain(password);
  });
});

describe('database targets handed to a driver', () => {
  it('print without the password, and still carry it for the login', async () => {
    const printed: string[] = [];
    const spreadPasswords: string[] = [];
    const real = mysql();
    const recording: DatabaseDriver = {
      ...real,
      connect(target, options) {
        printed.push(inspect(target), JSON.stringify(target), String(target.username));
        spreadPasswords.push({ ...target }.password);
        return real.connect(target, options);
      },
    };
    const arn = FUNCTION_ARN('single-user-recording');
    sm.registerRotationFunction(arn, handlerFor({ strategy: 'single-user', database: recording }));
    const { name, value } = await userSecret();
    const outcome = await rotate(sm, client, name, arn);
    expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
    const rotated = await secretValue(client, name);
    expect(printed.length).toBeGreaterThan(0);
    // Booleans, so a failure cannot print the text (which would hold the password).
    const text = printed.join('\n');
    expect(text.includes(value.username), 'username printed').toBe(true);
    expect(text.includes('[redacted]'), 'password shown as [redacted]').toBe(true);
    expect(text.includes(value.password), 'old password printed').toBe(false);
    expect(text.includes(String(rotated?.password)), 'new password printed').toBe(false);
    expect(spreadPasswords.includes(value.password), 'driver got the old password').toBe(true);
    expect(spreadPasswords.includes(String(rotated?.password)), 'driver got the new one').toBe(
      true,
    );
  });
});
