import { MasterEndpointError } from './errors.js';
import type { MasterEndpointResolver } from './options.js';

/** The part of an `RDSClient` the resolver uses. */
export interface RdsClientLike {
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

interface Endpoint {
  Address?: string;
  Port?: number;
}

/**
 * Finds the master's host for an RDS-managed master secret (`rds!db-...`, `rds!cluster-...`,
 * which hold only username and password), as the templates do: the secret's
 * `aws:rds:primaryDBInstanceArn` / `aws:rds:primaryDBClusterArn` tag, then
 * DescribeDBInstances / DescribeDBClusters. Needs `@aws-sdk/client-rds` and a network path to
 * the RDS API.
 *
 * @example
 * createRotationHandler({ strategy: 'alternating-users', database: mysql(), masterEndpoint: rdsMasterEndpoint(new RDSClient({})) });
 */
export function rdsMasterEndpoint(client: RdsClientLike): MasterEndpointResolver {
  if (!client || typeof client.send !== 'function') {
    throw new TypeError('rdsMasterEndpoint(client): client must be an RDSClient');
  }
  return async (_master, { masterArn, signal, describeMaster }) => {
    const described = await describeMaster();
    const tag = (key: string) =>
      described.Tags?.find((t) => t.Key?.toLowerCase() === key.toLowerCase())?.Value;
    const instanceArn = tag('aws:rds:primaryDBInstanceArn');
    const clusterArn = tag('aws:rds:primaryDBClusterArn');
    if (!instanceArn && !clusterArn) return undefined;
    const rds = await import('@aws-sdk/client-rds');
    try {
      if (clusterArn) {
        const output = (await client.send(
          new rds.DescribeDBClustersCommand({ DBClusterIdentifier: clusterArn }) as never,
          { abortSignal: signal },
        )) as { DBClusters?: { Endpoint?: string; Port?: number }[] };
        const cluster = output.DBClusters?.[0];
        if (cluster?.Endpoint) return { host: cluster.Endpoint, port: cluster.Port };
      } else {
        const output = (await client.send(
          new rds.DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceArn }) as never,
          { abortSignal: signal },
        )) as { DBInstances?: { Endpoint?: Endpoint }[] };
        const endpoint = output.DBInstances?.[0]?.Endpoint;
        if (endpoint?.Address) return { host: endpoint.Address, port: endpoint.Port };
      }
    } catch (error) {
      throw new MasterEndpointError(
        `Could not read the endpoint of ${clusterArn ?? instanceArn} (master secret ${masterArn}) from the RDS API: ${(error as Error).name ?? 'Error'}`,
        { cause: error },
      );
    }
    throw new MasterEndpointError(
      `The RDS API returned no endpoint for ${clusterArn ?? instanceArn} (master secret ${masterArn})`,
    );
  };
}
