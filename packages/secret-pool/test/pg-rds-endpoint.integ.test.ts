// createPgPool's `rds` option: the endpoint of an RDS-managed secret from the RDS API. As in
// rds-endpoint.integ.test.ts (the mysql2 pool's; both take the stand-in and proxies from
// rds-stand-in.ts): the real RDSClient against a loopback stand-in of the RDS Query API
// (DescribeDBClusters / DescribeDBInstances as XML), the secret's tags from the local Secrets
// Manager, connections to the real PostgreSQL through loopback proxies (so the endpoint can
// move). The local Secrets Manager's own `rds!` secrets change MySQL passwords only, so the
// secrets here are created with RDS's tags and hold only `username` and `password`.
import type { RDSClient } from '@aws-sdk/client-rds';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RDS_MANAGED_SECRET_TAGS } from '@rotakit/core';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createPostgresRole, type PostgresRole, uniqueName } from '@rotakit/testing';
import { testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CredentialsRefreshedEvent, EndpointLookupError, SecretCache } from '../src/index.js';
import { createPgPool } from '../src/pg/index.js';
import { type RdsStandIn, startProxy, startRdsStandIn } from './rds-stand-in.js';

const server = testPostgres();
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

/** A role and a secret that holds only its username and password, tagged as RDS tags its own. */
async function managedSecret(
  type: 'cluster' | 'instance' | 'untagged',
): Promise<{ name: string; role: PostgresRole }> {
  const role = await createPostgresRole(server);
  const name = uniqueName(`pg-${type}`);
  const kind = type === 'cluster' ? 'cluster' : 'db';
  const arn = `arn:aws:rds:us-east-1:123456789012:${kind}:${uniqueName('app')}`;
  const tag =
    type === 'cluster' ? RDS_MANAGED_SECRET_TAGS.cluster : RDS_MANAGED_SECRET_TAGS.instance;
  await client.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: JSON.stringify({ username: role.username, password: role.password }),
      Tags: type === 'untagged' ? [] : [{ Key: tag, Value: arn }],
    }),
  );
  return { name, role };
}

describe('createPgPool with `rds`: the endpoint from the RDS API', () => {
  it('a cluster: DescribeDBClusters once, then again when the endpoint stops answering; new clients follow it', async () => {
    const secret = await managedSecret('cluster');
    const first = await startProxy(server);
    const second = await startProxy(server);
    rdsApi.endpoint = { host: '127.0.0.1', port: first.port };
    const before = rdsApi.calls.DescribeDBClusters ?? 0;
    await using pool = createPgPool({
      secretId: secret.name,
      client,
      rds: { client: rdsApi.client() },
    });
    const refreshed: CredentialsRefreshedEvent[] = [];
    pool.on('credentialsRefreshed', (e) => refreshed.push(e));
    try {
      const held = await pool.connect();
      // No `database` and none in the secret: PostgreSQL's `postgres`, as on RDS.
      const { rows } = await held.query('SELECT current_user AS u, current_database() AS db');
      expect(rows).toEqual([{ u: secret.role.username, db: 'postgres' }]);
      held.release(true);
      (await pool.connect()).release(true);
      expect(first.opened()).toBe(2);
      expect((rdsApi.calls.DescribeDBClusters ?? 0) - before).toBe(1);

      // The cluster moved: the old endpoint refuses connections, the API names the new one.
      rdsApi.endpoint = { host: '127.0.0.1', port: second.port };
      first.close();
      expect((await pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
      expect(second.opened()).toBe(1);
      expect((rdsApi.calls.DescribeDBClusters ?? 0) - before).toBe(2);
      expect(refreshed.map((e) => e.reason)).toEqual(['initial', 'endpoint-change']);
      expect(refreshed[1]?.identityChanged).toBe(true);
    } finally {
      first.close();
      second.close();
    }
  });

  it('an endpoint that does not move: one lookup again, then the connect error as it is', async () => {
    const secret = await managedSecret('cluster');
    const gone = await startProxy(server);
    gone.close();
    rdsApi.endpoint = { host: '127.0.0.1', port: gone.port };
    const before = rdsApi.calls.DescribeDBClusters ?? 0;
    await using pool = createPgPool({
      secretId: secret.name,
      client,
      rds: { client: rdsApi.client() },
    });
    const error = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect((rdsApi.calls.DescribeDBClusters ?? 0) - before).toBe(2);
    expect(pool.stats().credentialRefreshes).toBe(1);
  });

  it('an instance: DescribeDBInstances (Endpoint.Address, Endpoint.Port); an explicit port and database win', async () => {
    const secret = await managedSecret('instance');
    const proxy = await startProxy(server);
    rdsApi.endpoint = { host: '127.0.0.1', port: 1 };
    const before = rdsApi.calls.DescribeDBInstances ?? 0;
    try {
      // DescribeSecret through a Secrets Manager client of the pool's own, from `clientConfig`.
      await using pool = createPgPool({
        secretId: secret.name,
        clientConfig: { endpoint: sm.endpoint, region: sm.region, credentials: localCredentials },
        rds: { client: rdsApi.client() },
        port: proxy.port,
        database: 'template1',
      });
      const { rows } = await pool.query('SELECT current_database() AS db');
      expect(rows).toEqual([{ db: 'template1' }]);
      expect(proxy.opened()).toBe(1);
      expect((rdsApi.calls.DescribeDBInstances ?? 0) - before).toBe(1);
    } finally {
      proxy.close();
    }
  });

  it('a secret without the RDS tags: EndpointLookupError that says to pass host', async () => {
    const secret = await managedSecret('untagged');
    await using pool = createPgPool({
      secretId: secret.name,
      client,
      rds: { client: rdsApi.client() },
    });
    const error = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointLookupError);
    expect((error as Error).message).toMatch(/aws:rds:primaryDBClusterArn/);
    expect((error as Error).message).toMatch(/pass `host`/);
    expect((error as Error).message).not.toContain(secret.role.password);
  });
});

const localCredentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };
const INSTANCE = 'rds!db-0b1f6c5e-3d0a-4c1e-9a59-2f4d6a1b7c8e';

describe('createPgPool with an rds! secret id: `host` or `rds`', () => {
  function thrown(make: () => unknown): unknown {
    try {
      make();
    } catch (error) {
      return error;
    }
    return undefined;
  }

  it('neither: InvalidOptionError naming `host`, which says both ways and the defaults', () => {
    const error = thrown(() => createPgPool({ secretId: INSTANCE, client }));
    expect(error).toMatchObject({ name: 'InvalidOptionError', option: 'host' });
    expect((error as Error).message).toMatch(/5432 and postgres/);
    expect((error as Error).message).toMatch(/rds: \{ client: new RDSClient\(\) \}/);
  });

  it('with `rds` and no host the pool is created; `rds` is checked', async () => {
    const pool = createPgPool({ secretId: INSTANCE, client, rds: { client: rdsApi.client() } });
    await pool.end();
    const notAClient = thrown(() =>
      createPgPool({ secretId: INSTANCE, client, rds: { client: {} as RDSClient } }),
    );
    expect(notAClient).toMatchObject({ name: 'InvalidOptionError', option: 'rds.client' });
    const cache = new SecretCache({ client });
    try {
      const withCache = thrown(() =>
        createPgPool({ secretId: INSTANCE, cache, rds: { client: rdsApi.client() } }),
      );
      expect(withCache).toMatchObject({ name: 'InvalidOptionError', option: 'rds' });
    } finally {
      await cache.close();
    }
  });
});
