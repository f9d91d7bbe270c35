// The built bundle (dist/index.mjs), run in its own node process with the template's
// environment variables, as the rotation function of the local Secrets Manager, rotating
// accounts on the shared MariaDB, and roles on the shared PostgreSQL with the same bundle.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createDatabaseUser, createPostgresRole } from '@rotakit/testing';
import { testMysql, testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundledFunction, exampleDirOf, startBundledFunction } from './lambda-harness.js';
import {
  createSecret,
  loginWith,
  loginWithPostgres,
  rotate,
  type SecretJson,
  secretValue,
} from './secrets.js';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:rotakit-single-user';
const EXCLUDED = '/@"\'\\';
const server = testMysql();
const passwords: string[] = [];
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let fn: BundledFunction;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  fn = await startBundledFunction({
    exampleDir: exampleDirOf(import.meta.url),
    env: {
      SECRETS_MANAGER_ENDPOINT: sm.endpoint,
      EXCLUDE_CHARACTERS: EXCLUDED,
      PASSWORD_LENGTH: '40',
    },
  });
  sm.registerRotationFunction(FUNCTION_ARN, fn.url);
}, 45_000);

afterAll(async () => {
  await fn?.close();
  await sm?.close();
});

async function userSecret(): Promise<{ name: string; value: SecretJson }> {
  const user = await createDatabaseUser(server, { privileges: ['SELECT'] });
  passwords.push(user.password);
  const value = {
    engine: 'mysql',
    host: user.host,
    port: user.port,
    username: user.username,
    password: user.password,
    dbname: user.database,
  };
  const { name } = await createSecret(client, value);
  return { name, value };
}

describe('single-user bundle', { timeout: 45_000 }, () => {
  it('rotates through RotateSecret three times: AWSCURRENT logs in, AWSPREVIOUS holds the old value', async () => {
    const { name, value } = await userSecret();
    let previous = value;
    for (let i = 0; i < 3; i++) {
      const outcome = await rotate(sm, client, name, FUNCTION_ARN);
      expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
      expect(outcome.steps.map((s) => s.step)).toEqual([
        'createSecret',
        'setSecret',
        'testSecret',
        'finishSecret',
      ]);
      const current = await secretValue(client, name);
      passwords.push(String(current.password));
      expect(current).toMatchObject({ username: value.username, host: value.host });
      expect(current.password).not.toBe(previous.password);
      expect(await loginWith(current)).toEqual({ ok: true });
      expect(await secretValue(client, name, 'AWSPREVIOUS')).toEqual(previous);
      expect(await loginWith(previous)).toMatchObject({ ok: false, errno: 1045 });
      previous = current;
    }
  });

  it('takes the password policy from PASSWORD_LENGTH and EXCLUDE_CHARACTERS', async () => {
    const { name } = await userSecret();
    const outcome = await rotate(sm, client, name, FUNCTION_ARN);
    expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
    const password = String((await secretValue(client, name)).password);
    passwords.push(password);
    expect(password).toHaveLength(40);
    expect([...password].filter((c) => EXCLUDED.includes(c))).toEqual([]);
  });

  it('reports a failed step through the invoke response, with the error name', async () => {
    const { name, value } = await userSecret();
    // The stored password is not the account's: no login works, setSecret must fail.
    const wrong = await createSecret(client, { ...value, password: 'not-the-password' });
    const outcome = await rotate(sm, client, wrong.name, FUNCTION_ARN);
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'setSecret' });
    expect(outcome.error?.name).toBe('DatabaseLoginError');
    expect(outcome.error?.message).toMatch(/errno 1045/);
    expect(outcome.error?.message).not.toContain('not-the-password');
    // The untouched secret still works.
    expect(await loginWith(await secretValue(client, name))).toEqual({ ok: true });
  });

  it('rotates a PostgreSQL secret twice with the same bundle', async () => {
    const role = await createPostgresRole(testPostgres());
    passwords.push(role.password);
    const value = {
      engine: 'postgres',
      host: role.host,
      port: role.port,
      username: role.username,
      password: role.password,
      dbname: role.database,
      ssl: false,
    };
    const { name } = await createSecret(client, value);
    let previous: SecretJson = value;
    for (let i = 0; i < 2; i++) {
      const outcome = await rotate(sm, client, name, FUNCTION_ARN);
      expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
      const current = await secretValue(client, name);
      passwords.push(String(current.password));
      expect(current).toMatchObject({ engine: 'postgres', username: role.username });
      expect(current.password).toHaveLength(40);
      expect(await loginWithPostgres(current)).toEqual({ ok: true });
      expect(await loginWithPostgres(previous)).toMatchObject({ ok: false, sqlState: '28P01' });
      previous = current;
    }
  });

  it('logs JSON lines and never a password', () => {
    const lines = fn
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    const services = new Set(lines.map((line) => (JSON.parse(line) as SecretJson).service));
    expect(services).toEqual(new Set(['rotakit-single-user']));
    expect(passwords.length).toBeGreaterThan(4);
    for (const password of [...passwords, 'not-the-password']) {
      expect(fn.output()).not.toContain(password);
    }
  });
});
