// Crash safety on MariaDB (see crash-harness.ts): stop the handler at every boundary (before
// and after each Secrets Manager call and each SQL statement, in every step), let the service
// retry, and check that nobody is ever locked out and that the rotation ends clean.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createDatabaseUser } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrashEngine, CrashHarness } from './crash-harness.js';
import { createSecret, loginWith } from './stack.js';

const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let harness: CrashHarness;

async function mariadbEngine(): Promise<CrashEngine> {
  const { arn: masterArn } = await createSecret(client, {
    engine: 'mysql',
    host: server.host,
    port: server.port,
    username: server.adminUser,
    password: server.adminPassword,
    ssl: false,
  });
  return {
    async newSecret(strategy) {
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
    },
    logsIn: async (value) => (await loginWith(value)).ok,
    handlerOptions: {},
  };
}

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  harness = new CrashHarness(sm, client, await mariadbEngine());
});
afterAll(async () => {
  await harness?.close();
  await sm.close();
});

const nothing = async () => {};

describe('crash at every boundary, then the service retries', () => {
  it('single user', async () => {
    const { boundaries, problems } = await harness.injectEverywhere('single-user', nothing);
    expect(boundaries.length).toBeGreaterThan(30);
    for (const kind of ['sm:PutSecretValue', 'sql:SET PASSWORD', 'sm:UpdateSecretVersionStage']) {
      expect(boundaries.some((b) => b.includes(kind))).toBe(true);
    }
    expect(problems).toEqual([]);
  }, 600_000);

  it('alternating users, creating the clone', async () => {
    const { boundaries, problems } = await harness.injectEverywhere('alternating-users', nothing);
    expect(boundaries.some((b) => b.includes('sql:CREATE USER'))).toBe(true);
    expect(boundaries.some((b) => b.includes('sql:GRANT'))).toBe(true);
    expect(problems).toEqual([]);
  }, 600_000);

  it('alternating users, updating the existing other user', async () => {
    const { boundaries, problems } = await harness.injectEverywhere(
      'alternating-users',
      harness.oneRotation,
    );
    expect(boundaries.some((b) => b.includes('sql:ALTER USER'))).toBe(true);
    expect(boundaries.some((b) => b.includes('sql:CREATE USER'))).toBe(false);
    expect(problems).toEqual([]);
  }, 600_000);
});
