// Used by rds-endpoint.integ.test.ts (both pools): a loopback stand-in of the RDS Query API
// for the real RDSClient, and TCP proxies to the test database server, so the endpoint the
// API names can move or go away.
import http from 'node:http';
import net from 'node:net';
import { RDSClient } from '@aws-sdk/client-rds';

export interface RdsStandIn {
  readonly url: string;
  /** What DescribeDBClusters / DescribeDBInstances answer now. */
  endpoint: { host: string; port: number };
  /** Requests per Query API action (`DescribeDBClusters`, `DescribeDBInstances`). */
  readonly calls: Record<string, number>;
  /** A real RDSClient pointed at the stand-in (one attempt: a failure shows at once). */
  client(): RDSClient;
  close(): Promise<void>;
}

/** A TCP proxy to a database server: an endpoint that can go away. */
export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  opened(): number;
  /** Stops listening and cuts every connection through it. */
  close(): void;
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
export async function startRdsStandIn(): Promise<RdsStandIn> {
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
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    get endpoint() {
      return state.endpoint;
    },
    set endpoint(value) {
      state.endpoint = value;
    },
    calls,
    client: () =>
      new RDSClient({
        endpoint: url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
        maxAttempts: 1,
      }),
    close: () => new Promise((resolve) => httpServer.close(() => resolve())),
  };
}

/** A loopback TCP proxy to `upstream` (the test MariaDB or PostgreSQL). */
export async function startProxy(upstream: { host: string; port: number }): Promise<TcpProxy> {
  let opened = 0;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((socket) => {
    opened++;
    const onward = net.connect(upstream.port, upstream.host);
    sockets.add(socket).add(onward);
    socket.pipe(onward).pipe(socket);
    const close = () => {
      socket.destroy();
      onward.destroy();
    };
    for (const s of [socket, onward]) {
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
