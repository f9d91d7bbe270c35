// The endpoint of an RDS-managed secret from the RDS API: the real RDSClient against a
// loopback stand-in of the RDS Query API (DescribeDBClusters / DescribeDBInstances as XML),
// the secret's tags from the local Secrets Manager, connections to the real MariaDB through
// loopback proxies (so the endpoint can move); the stand-in and proxies are rds-stand-in.ts.
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createDatabaseUser, type DatabaseUser, uniqueName } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CredentialsRefreshedEvent, createPool, EndpointLookupError } from '../src/index.js';
import { type RdsStandIn, startProxy, startRdsStandIn } from './rds-stand-in.js';

const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let rdsApi: RdsStandIn;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  rdsApi = await startRdsStandIn();
});
afterAll(async () => {
  await sm?.close();
  await rdsApi?.close();
});

async function managedSecret(
  type: 'cluster' | 'instance',
): Promise<{ name: string; user: DatabaseUser }> {
  const user = await createDatabaseUser(server);
  const { name } = await sm.createRdsManagedSecret({
    resource: { type, identifier: uniqueName(type) },
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
  return { name, user };
}

describe('RDS-managed secret: the endpoint from the RDS API', () => {
  it('a cluster: DescribeDBClusters once, then again when the endpoint stops answering; new connections follow it', async () => {
    const secret = await managedSecret('cluster');
    const first = await startProxy(server);
    const second = await startProxy(server);
    rdsApi.endpoint = { host: '127.0.0.1', port: first.port };
    const before = rdsApi.calls.DescribeDBClusters ?? 0;
    await using pool = createPool({
      secretId: secret.name,
      client,
      rds: { client: rdsApi.client() },
      database: secret.user.database,
    });
    const refreshed: CredentialsRefreshedEvent[] = [];
    pool.on('credentialsRefreshed', (e) => refreshed.push(e));
    try {
      (await pool.getConnection()).destroy();
      (await pool.getConnection()).destroy();
      expect(first.opened()).toBe(2);
      expect((rdsApi.calls.DescribeDBClusters ?? 0) - before).toBe(1);

      // The cluster moved: the old endpoint refuses connections, the API names the new one.
      rdsApi.endpoint = { host: '127.0.0.1', port: second.port };
      first.close();
      const [rows] = await pool.query('SELECT 1 AS ok');
      expect(rows).toEqual([{ ok: 1 }]);
      expect(second.opened()).toBe(1);
      expect((rdsApi.calls.DescribeDBClusters ?? 0) - before).toBe(2);
      expect(refreshed.map((e) => e.reason)).toEqual(['initial', 'endpoint-change']);
      expect(refreshed[1]?.identityChanged).toBe(true);
    } finally {
      first.close();
      second.close();
    }
  });

  it('an instance: DescribeDBInstances (Endpoint.Address, Endpoint.Port); an explicit port wins', async () => {
    const secret = await managedSecret('instance');
    const proxy = await startProxy(server);
    rdsApi.endpoint = { host: '127.0.0.1', port: 1 };
    const before = rdsApi.calls.DescribeDBInstances ?? 0;
    try {
      await using pool = createPool({
        secretId: secret.name,
        client,
        rds: { client: rdsApi.client() },
        port: proxy.port,
        database: secret.user.database,
      });
      const [rows] = await pool.query('SELECT 1 AS ok');
      expect(rows).toEqual([{ ok: 1 }]);
      expect(proxy.opened()).toBe(1);
      expect((rdsApi.calls.DescribeDBInstances ?? 0) - before).toBe(1);
    } finally {
      proxy.close();
    }
  });

  it('a secret without the RDS tags: EndpointLookupError that says to pass host', async () => {
    const user = await createDatabaseUser(server);
    const name = uniqueName('untagged');
    const value = { username: user.username, password: user.password };
    await client.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
    await using pool = createPool({ secretId: name, client, rds: { client: rdsApi.client() } });
    const error = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointLookupError);
    expect((error as Error).message).toMatch(/aws:rds:primaryDBClusterArn/);
    expect((error as Error).message).toMatch(/pass `host`/);
    expect((error as Error).message).not.toContain(user.password);
  });
});
