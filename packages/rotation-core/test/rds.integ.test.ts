// An RDS-managed master secret (username and password only): the host comes from RDS.
import { RDSClient } from '@aws-sdk/client-rds';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createDatabaseUser, uniqueName } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysql } from '../src/database/mysql/driver.js';
import { createRotationHandler } from '../src/handler.js';
import { rdsMasterEndpoint } from '../src/rds.js';
import { captureLogger } from './helpers.js';
import { createSecret, FUNCTION_ARN, loginWith, rotate, secretValue } from './stack.js';

const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm.close());

/**
 * There is no local RDS: a real RDSClient whose DescribeDBInstances is answered by a
 * middleware, recording what it was asked.
 */
function fakeRds(asked: string[]) {
  const rds = new RDSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });
  rds.middlewareStack.add(
    (_next, context) => async (args) => {
      if (context.commandName !== 'DescribeDBInstancesCommand')
        throw new Error('unexpected RDS call');
      asked.push(String((args.input as { DBInstanceIdentifier?: string }).DBInstanceIdentifier));
      return {
        output: {
          $metadata: {},
          DBInstances: [{ Endpoint: { Address: server.host, Port: server.port } }],
        },
        response: {},
      } as never;
    },
    { step: 'initialize', name: 'fakeRds' },
  );
  return rds;
}

describe('RDS-managed master secret', () => {
  it('finds the master host from the secret tag and DescribeDBInstances', async () => {
    const instanceArn = 'arn:aws:rds:us-east-1:123456789012:db:app-db';
    const master = await client.send(
      new CreateSecretCommand({
        Name: uniqueName('rds_master'),
        SecretString: JSON.stringify({
          username: server.adminUser,
          password: server.adminPassword,
        }),
        Tags: [{ Key: 'aws:rds:primaryDBInstanceArn', Value: instanceArn }],
      }),
    );
    const user = await createDatabaseUser(server, { privileges: ['SELECT'] });
    const { name } = await createSecret(client, {
      engine: 'mysql',
      // The user's secret names the host differently: the master's comes from RDS.
      host: 'localhost',
      port: user.port,
      username: user.username,
      password: user.password,
      ssl: false,
      masterarn: master.ARN,
    });
    const asked: string[] = [];
    const handler = createRotationHandler({
      strategy: 'alternating-users',
      database: mysql(),
      client,
      logger: captureLogger(),
      env: {},
      masterEndpoint: rdsMasterEndpoint(fakeRds(asked)),
    });
    const arn = FUNCTION_ARN('rds-master');
    sm.registerRotationFunction(arn, handler);
    const outcome = await rotate(sm, client, name, arn);
    expect(outcome.status, outcome.error?.message).toBe('succeeded');
    expect(asked).toEqual([instanceArn]);
    expect(await loginWith(await secretValue(client, name))).toEqual({ ok: true });
    await handler.close();
  });
});
