// The endpoint of an RDS-managed secret from the RDS API (the `rds` option), for both pools:
// the real RDSClient against a loopback stand-in of the RDS Query API (DescribeDBClusters /
// DescribeDBInstances as XML), the secret's tags from the local Secrets Manager, connections
// to the real MariaDB or PostgreSQL through loopback proxies (so the endpoint can move); the
// stand-in and proxies are rds-stand-in.ts, the two pools pool-kinds.ts. How each kind makes
// its RDS-managed secret is in pool-kinds.ts (both hold only `username` and `password`).
import type { RDSClient } from '@aws-sdk/client-rds';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { uniqueName } from '@rotakit/testing';
import { testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CredentialsRefreshedEvent, EndpointLookupError, SecretCache } from '../src/index.js';
import { createPgPool } from '../src/pg/index.js';
import { type KindPool, POOL_KINDS, type PoolKind, pgKind } from './pool-kinds.js';
import { type RdsStandIn, startProxy, startRdsStandIn } from './rds-stand-in.js';

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

const localCredentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };

/** A pool of `kind` on `secretId` through the test's client, its endpoint from the stand-in. */
function rdsPool(kind: PoolKind, secretId: string): KindPool {
  return kind.createPool({ secretId, client, rds: { client: rdsApi.client() } });
}

describe.each(POOL_KINDS)('$name with `rds`: the endpoint from the RDS API', (kind) => {
  it('a cluster: DescribeDBClusters once, then again when the endpoint stops answering; new connections follow it', async () => {
    const secret = await kind.managedSecret(sm, client, 'cluster');
    const first = await startProxy(kind.server());
    const second = await startProxy(kind.server());
    rdsApi.endpoint = { host: '127.0.0.1', port: first.port };
    const before = rdsApi.calls.DescribeDBClusters ?? 0;
    await using pool = rdsPool(kind, secret.name);
    const refreshed: CredentialsRefreshedEvent[] = [];
    pool.onCredentialsRefreshed((e) => refreshed.push(e));
    try {
      await pool.openAndDestroy();
      await pool.openAndDestroy();
      expect(first.opened()).toBe(2);
      expect((rdsApi.calls.DescribeDBClusters ?? 0) - before).toBe(1);

      // The cluster moved: the old endpoint refuses connections, the API names the new one.
      rdsApi.endpoint = { host: '127.0.0.1', port: second.port };
      first.close();
      expect(await pool.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
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
    const secret = await kind.managedSecret(sm, client, 'cluster');
    const gone = await startProxy(kind.server());
    gone.close();
    rdsApi.endpoint = { host: '127.0.0.1', port: gone.port };
    const before = rdsApi.calls.DescribeDBClusters ?? 0;
    await using pool = rdsPool(kind, secret.name);
    const error = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect((rdsApi.calls.DescribeDBClusters ?? 0) - before).toBe(2);
    expect(pool.stats().credentialRefreshes).toBe(1);
  });

  it('an instance: DescribeDBInstances (Endpoint.Address, Endpoint.Port); an explicit port and database win', async () => {
    const secret = await kind.managedSecret(sm, client, 'instance');
    const proxy = await startProxy(kind.server());
    rdsApi.endpoint = { host: '127.0.0.1', port: 1 };
    const before = rdsApi.calls.DescribeDBInstances ?? 0;
    try {
      // DescribeSecret through a Secrets Manager client of the pool's own, from `clientConfig`.
      await using pool = kind.createPool({
        secretId: secret.name,
        clientConfig: { endpoint: sm.endpoint, region: sm.region, credentials: localCredentials },
        rds: { client: rdsApi.client() },
        port: proxy.port,
        database: secret.otherDatabase,
      });
      expect(await pool.currentDatabase()).toBe(secret.otherDatabase);
      expect(proxy.opened()).toBe(1);
      expect((rdsApi.calls.DescribeDBInstances ?? 0) - before).toBe(1);
    } finally {
      proxy.close();
    }
  });

  it('a secret without the RDS tags: EndpointLookupError that says to pass host', async () => {
    const account = await kind.createAccount();
    const name = uniqueName('untagged');
    const value = { username: account.username, password: account.password };
    await client.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
    await using pool = rdsPool(kind, name);
    const error = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointLookupError);
    expect((error as Error).message).toMatch(/aws:rds:primaryDBClusterArn/);
    expect((error as Error).message).toMatch(/pass `host`/);
    expect((error as Error).message).not.toContain(account.password);
  });
});

describe('createPgPool with `rds`: what PostgreSQL supplies', () => {
  it("no database in the options or the secret: PostgreSQL's `postgres`, as on RDS", async () => {
    const secret = await pgKind.managedSecret(sm, client, 'cluster');
    const proxy = await startProxy(testPostgres());
    rdsApi.endpoint = { host: '127.0.0.1', port: proxy.port };
    try {
      await using pool = createPgPool({
        secretId: secret.name,
        client,
        rds: { client: rdsApi.client() },
      });
      const { rows } = await pool.query('SELECT current_user AS u, current_database() AS db');
      expect(rows).toEqual([{ u: secret.username, db: 'postgres' }]);
      expect(proxy.opened()).toBe(1);
    } finally {
      proxy.close();
    }
  });
});

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
