import { randomUUID } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ROTATION_STEPS } from '@rotakit/core';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { canLogin, createDatabaseUser, type DatabaseUser } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysql } from '../src/database/mysql/driver.js';
import { ManagedSecretError } from '../src/errors.js';
import { type RunRotationStepEvent, runRotation } from '../src/run-rotation.js';
import { captureLogger } from './helpers.js';
import { stagesOf, testHandler } from './stack.js';

// RDS-managed master user secrets (ManageMasterUserPassword) as the local Secrets Manager
// simulates them: OwningService rds, RDS's tags, rds!cluster-/rds!db- names, no Lambda.
const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm?.close());

async function managedSecret(
  type: 'cluster' | 'instance',
): Promise<{ arn: string; name: string; user: DatabaseUser }> {
  const user = await createDatabaseUser(server);
  const created = await sm.createRdsManagedSecret({
    resource: { type, identifier: `orders-${type}` },
    username: user.username,
    password: user.password,
    database: {
      engine: 'mysql',
      host: server.host,
      port: server.port,
      user: server.adminUser,
      password: server.adminPassword,
    },
  });
  return { ...created, user };
}

function stillLogsIn(user: DatabaseUser) {
  const { host, port, username, password } = user;
  return canLogin({ host, port, username, password, connectTimeoutMs: 3000 });
}

describe('rotation-core refuses secrets RDS manages', () => {
  it('the handler refuses every step of an rds!cluster- secret and changes nothing', async () => {
    const { arn, name, user } = await managedSecret('cluster');
    const before = await stagesOf(client, arn);
    const { handler, logger } = testHandler(client, { strategy: 'single-user' });
    const token = randomUUID();
    for (const step of ROTATION_STEPS) {
      const error = await handler({ Step: step, SecretId: arn, ClientRequestToken: token }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error, step).toBeInstanceOf(ManagedSecretError);
      expect(error).toMatchObject({
        name: 'ManagedSecretError',
        step,
        secretId: arn,
        owningService: 'rds',
        rdsResource: { type: 'cluster', identifier: 'orders-cluster' },
      });
      const { message } = error as ManagedSecretError;
      expect(message).toContain(`${step} failed for secret ${arn}:`);
      expect(message).toContain(
        `aws secretsmanager rotate-secret --secret-id '${arn}'\` (it starts RDS's own rotation)`,
      );
      expect(message).toContain(
        'aws rds modify-db-cluster --db-cluster-identifier orders-cluster --rotate-master-user-password --apply-immediately',
      );
    }
    expect(await stagesOf(client, arn)).toEqual(before);
    expect(await stillLogsIn(user)).toMatchObject({ ok: true });
    const logged = logger.text();
    expect(logged).toContain('ManagedSecretError');
    expect(logged).not.toContain(user.password);
    await handler.close();
    expect(name.startsWith('rds!cluster-')).toBe(true);
  });

  it('runRotation refuses an rds!db- secret before any step, naming the instance', async () => {
    const { name, user } = await managedSecret('instance');
    const before = await stagesOf(client, name);
    const events: RunRotationStepEvent[] = [];
    const error = await runRotation({
      secretId: name,
      client,
      options: { strategy: 'single-user', database: mysql(), logger: captureLogger(), env: {} },
      onStep: (event) => events.push(event),
    }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ManagedSecretError);
    expect(error).toMatchObject({
      secretId: name,
      step: undefined,
      rdsResource: { type: 'instance', identifier: 'orders-instance' },
    });
    const { message } = error as ManagedSecretError;
    expect(message).toContain(
      `Secret ${name} is managed by RDS (the master user password of DB instance orders-instance, ManageMasterUserPassword)`,
    );
    expect(message).toContain(
      'aws rds modify-db-instance --db-instance-identifier orders-instance --rotate-master-user-password --apply-immediately',
    );
    expect(message).not.toContain(user.password);
    expect(events).toEqual([]);
    expect(await stagesOf(client, name)).toEqual(before);
    expect(await stillLogsIn(user)).toMatchObject({ ok: true });
  });
});
