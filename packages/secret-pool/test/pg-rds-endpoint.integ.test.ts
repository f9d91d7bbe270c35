// createPgPool's `rds` option: the endpoint of an RDS-managed secret from the RDS API. As in
// rds-endpoint.integ.test.ts (the mysql2 pool's; the stand-in and proxy below are the same
// as there): the real RDSClient against a loopback stand-in of the RDS Query API
// (DescribeDBClusters / DescribeDBInstances as XML), the secret's tags from the local Secrets
// Manager, connections to the real PostgreSQL through loopback proxies (so the endpoint can
// move). The local Secrets Manager's own `rds!` secrets change MySQL passwords only, so the
// secrets here are created with RDS's tags and hold only `username` and `password`.
import http from 'node:http';
import net from 'node:net';
import { RDSClient } from '@aws-sdk/client-rds';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RDS_MANAGED_SECRET_TAGS } from '@rotakit/core';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createPostgresRole, type PostgresRole, uniqueName } from '@rotakit/testing';
import { testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CredentialsRefreshedEvent, EndpointLookupError, SecretCache } from '../src/index.js';
import { createPgPool } from '../src/pg/index.js';

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

interface RdsStandIn {
  readonly url: string;
  /** What DescribeDBClusters / DescribeDBInstances answer now. */
  endpoint: { host: string; port: number };
  readonly calls: Record<string, number>;
  close(): Promise<void>;
}

function clusterXml(host: string, port: number): string {
  return (
    '<DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBClustersResult>' +
    `<DBClusters><DBCluster><DBClusterIdentifier>app</DBClusterIdentifier><Endpoint>${host}</Endpoint><Port>${port}</Port></DBCluster></DBClusters>` +
    '</DescribeDBClustersResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeDBClustersResponse>'
  );
}

function instanceXml(host: string, port: number): string {
  return (
    '<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult>' +
    `<DBInstances><DBInstance><DBInstanceIdentifier>app</DBInstanceIdentifier><Endpoint><Address>${host}</Address><Port>${port}</Port></Endpoint></DBInstance></DBInstances>` +
    '</DescribeDBInstancesResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeDBInstancesResponse>'
  );
}

/** The RDS Query API's two describe actions, on loopback. */
async function startRdsStandIn(): Promise<RdsStandIn> {
  const calls: Record<string, number> = {};
  const state = { endpoint: { host: '127.0.0.1', port: 1 } };
  const httpServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const action = new URLSearchParams(body).get('Action') ?? '';
      calls[action] = (calls[action] ?? 0) + 1;
      const { host, port } = state.endpoint;
      const xml =
        action === 'DescribeDBClusters' ? clusterXml(host, port) : instanceXml(host, port);
      res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get endpoint() {
      return state.endpoint;
    },
    set endpoint(value) {
      state.endpoint = value;
    },
    calls,
    close: () => new Promise((resolve) => httpServer.close(() => resolve())),
  };
}

/** A TCP proxy to the test PostgreSQL: an endpoint that can go away. */
async function startProxy(): Promise<{ port: number; opened: () => number; close(): void }> {
  let opened = 0;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((socket) => {
    opened++;
    const upstream = net.connect(server.port, server.host);
    sockets.add(socket).add(upstream);
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    for (const s of [socket, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as net.AddressInfo).port,
    opened: () => opened,
    close: () => {
      proxy.close();
      for (const s of sockets) s.destroy();
    },
  };
}

function rdsClient(): RDSClient {
  return new RDSClient({
    endpoint: rdsApi.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

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
    const first = await startProxy();
    const second = await startProxy();
    rdsApi.endpoint = { host: '127.0.0.1', port: first.port };
    const before = rdsApi.calls.DescribeDBClusters ?? 0;
    await using pool = createPgPool({
      secretId: secret.name,
      client,
      rds: { client: rdsClient() },
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
    const gone = await startProxy();
    gone.close();
    rdsApi.endpoint = { host: '127.0.0.1', port: gone.port };
    const before = rdsApi.calls.DescribeDBClusters ?? 0;
    await using pool = createPgPool({
      secretId: secret.name,
      client,
      rds: { client: rdsClient() },
    });
    const error = await pool.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect((rdsApi.calls.DescribeDBClusters ?? 0) - before).toBe(2);
    expect(pool.stats().credentialRefreshes).toBe(1);
  });

  it('an instance: DescribeDBInstances (Endpoint.Address, Endpoint.Port); an explicit port and database win', async () => {
    const secret = await managedSecret('instance');
    const proxy = await startProxy();
    rdsApi.endpoint = { host: '127.0.0.1', port: 1 };
    const before = rdsApi.calls.DescribeDBInstances ?? 0;
    try {
      // DescribeSecret through a Secrets Manager client of the pool's own, from `clientConfig`.
      await using pool = createPgPool({
        secretId: secret.name,
        clientConfig: { endpoint: sm.endpoint, region: sm.region, credentials: localCredentials },
        rds: { client: rdsClient() },
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
      rds: { client: rdsClient() },
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
    const pool = createPgPool({ secretId: INSTANCE, client, rds: { client: rdsClient() } });
    await pool.end();
    const notAClient = thrown(() =>
      createPgPool({ secretId: INSTANCE, client, rds: { client: {} as RDSClient } }),
    );
    expect(notAClient).toMatchObject({ name: 'InvalidOptionError', option: 'rds.client' });
    const cache = new SecretCache({ client });
    try {
      const withCache = thrown(() =>
        createPgPool({ secretId: INSTANCE, cache, rds: { client: rdsClient() } }),
      );
      expect(withCache).toMatchObject({ name: 'InvalidOptionError', option: 'rds' });
    } finally {
      await cache.close();
    }
  });
});
