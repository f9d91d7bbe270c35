// The built bundle (dist/index.mjs), run in its own node process with the template's
// environment variables, as the rotation function of the local Secrets Manager, rotating
// accounts on the shared MariaDB as a separate master account, and roles on the shared
// PostgreSQL as an RDS-like master with the same bundle.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import {
  createDatabaseUser,
  createPostgresRole,
  createRdsLikeMaster,
  type DatabaseUser,
  withPostgresAdmin,
} from '@rotakit/testing';
import { testMysql, testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The bundle runner is shared with the single-user example.
import {
  type BundledFunction,
  exampleDirOf,
  startBundledFunction,
} from '../../rotation-lambda-single-user/test/lambda-harness.js';
import {
  createSecret,
  loginWith,
  loginWithPostgres,
  rotate,
  type SecretJson,
  secretValue,
} from '../../rotation-lambda-single-user/test/secrets.js';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:rotakit-alternating-users';
const server = testMysql();
const passwords: string[] = [];
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let fn: BundledFunction;
let masterArn: string;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  // A master like RDS's: not the server's root, but allowed to create users and grant.
  const master = await createDatabaseUser(server, {
    privileges: [],
    extraGrants: ['GRANT ALL PRIVILEGES ON *.* TO {user} WITH GRANT OPTION'],
  });
  passwords.push(master.password);
  masterArn = (
    await createSecret(client, {
      engine: 'mysql',
      host: master.host,
      port: master.port,
      username: master.username,
      password: master.password,
    })
  ).arn;
  fn = await startBundledFunction({
    exampleDir: exampleDirOf(import.meta.url),
    env: {
      SECRETS_MANAGER_ENDPOINT: sm.endpoint,
      EXCLUDE_CHARACTERS: '/@"\'\\',
      PASSWORD_LENGTH: '32',
    },
  });
  sm.registerRotationFunction(FUNCTION_ARN, fn.url);
}, 45_000);

afterAll(async () => {
  await fn?.close();
  await sm?.close();
});

async function userSecret(
  extra: SecretJson,
): Promise<{ name: string; value: SecretJson; user: DatabaseUser }> {
  const user = await createDatabaseUser(server, { privileges: ['SELECT', 'INSERT'] });
  passwords.push(user.password);
  const value = {
    engine: 'mysql',
    host: user.host,
    port: user.port,
    username: user.username,
    password: user.password,
    dbname: user.database,
    ...extra,
  };
  const { name } = await createSecret(client, value);
  return { name, value, user };
}

describe('alternating-users bundle', { timeout: 45_000 }, () => {
  it('flips between user and user_clone; AWSCURRENT and AWSPREVIOUS both log in', async () => {
    const { name, value, user } = await userSecret({ masterarn: masterArn });
    const usernames = [];
    let previous = value;
    for (let i = 0; i < 2; i++) {
      const outcome = await rotate(sm, client, name, FUNCTION_ARN);
      expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
      const current = await secretValue(client, name);
      passwords.push(String(current.password));
      usernames.push(current.username);
      expect(current).toMatchObject({ masterarn: masterArn, dbname: user.database });
      expect(current.password).not.toBe(previous.password);
      expect(await loginWith(current)).toEqual({ ok: true });
      // The other user keeps its password until the rotation after next.
      expect(await secretValue(client, name, 'AWSPREVIOUS')).toEqual(previous);
      expect(await loginWith(previous)).toEqual({ ok: true });
      previous = current;
    }
    expect(usernames).toEqual([`${user.username}_clone`, user.username]);
    // The original password was replaced on the second rotation.
    expect(await loginWith(value)).toMatchObject({ ok: false, errno: 1045 });
  });

  it('flips a PostgreSQL secret between user and user_clone with the same bundle', async () => {
    const pg = testPostgres();
    // An RDS-like master: not a superuser; CREATEROLE, and ADMIN OPTION on the user's role.
    const master = await createRdsLikeMaster(pg);
    passwords.push(master.password);
    const pgMaster = await createSecret(client, {
      engine: 'postgres',
      host: master.host,
      port: master.port,
      username: master.username,
      password: master.password,
      dbname: master.database,
      ssl: false,
    });
    const role = await createPostgresRole(pg, { database: master.database });
    await withPostgresAdmin(pg, (admin) =>
      admin.query(
        `GRANT ${admin.escapeIdentifier(role.username)} TO ${admin.escapeIdentifier(master.username)} WITH ADMIN OPTION`,
      ),
    );
    passwords.push(role.password);
    const value = {
      engine: 'postgres',
      host: role.host,
      port: role.port,
      username: role.username,
      password: role.password,
      dbname: role.database,
      ssl: false,
      masterarn: pgMaster.arn,
    };
    const { name } = await createSecret(client, value);
    const usernames = [];
    let previous: SecretJson = value;
    for (let i = 0; i < 2; i++) {
      const outcome = await rotate(sm, client, name, FUNCTION_ARN);
      expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
      const current = await secretValue(client, name);
      passwords.push(String(current.password));
      usernames.push(current.username);
      expect(await loginWithPostgres(current)).toEqual({ ok: true });
      expect(await loginWithPostgres(previous)).toEqual({ ok: true });
      previous = current;
    }
    expect(usernames).toEqual([`${role.username}_clone`, role.username]);
    expect(await loginWithPostgres(value)).toMatchObject({ ok: false, sqlState: '28P01' });
  });

  it('fails createSecret with SecretFormatError when the secret has no masterarn', async () => {
    const { name } = await userSecret({});
    const outcome = await rotate(sm, client, name, FUNCTION_ARN);
    expect(outcome).toMatchObject({ status: 'failed', failedStep: 'createSecret' });
    expect(outcome.error?.name).toBe('SecretFormatError');
    expect(outcome.error?.message).toMatch(/masterarn/);
  });

  it('logs JSON lines and never a password, the master one included', () => {
    const lines = fn
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    const services = new Set(lines.map((line) => (JSON.parse(line) as SecretJson).service));
    expect(services).toEqual(new Set(['rotakit-alternating-users']));
    expect(passwords.length).toBeGreaterThan(3);
    for (const password of passwords) expect(fn.output()).not.toContain(password);
  });
});
