import {
  DescribeSecretCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import {
  managedSecretOf,
  networkErrorMeaning,
  RDS_MANAGED_SECRET_TAGS,
  type SecretOwnershipMetadata,
} from '@rotakit/core';
import { EndpointLookupError } from '../errors.js';

/** The part of an `RDSClient` (`@aws-sdk/client-rds`) the pool calls: `send`. */
export interface RdsClientLike {
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Where new connections go, as the RDS API describes the secret's owning resource. */
export interface RdsEndpoint {
  readonly host: string;
  readonly port: number | undefined;
}

/** DescribeSecret's answer for the pool's secret (its name, owner and tags). */
export type DescribeSecretMetadata = () => Promise<SecretOwnershipMetadata>;

/** A pool's secret source, as far as DescribeSecret needs it. */
export interface DescribeSecretSource {
  readonly client?: unknown;
  readonly clientConfig?: SecretsManagerClientConfig;
}

/** DescribeSecret for one secret, and the end of the client made for it (if one was). */
export interface DescribeSecretVia {
  readonly describe: DescribeSecretMetadata;
  /** Destroys the Secrets Manager client made from `clientConfig`, if one was made. */
  close(): void;
}

/**
 * DescribeSecret for the pool's secret through the pool's `client`, else through a
 * SecretsManagerClient of its own made from `clientConfig` at the first call (the `rds`
 * option's tag lookup, for createPool and createPgPool alike; their `end()` calls `close`).
 */
export function describeSecretVia(
  secretId: string,
  source: DescribeSecretSource,
): DescribeSecretVia {
  let own: SecretsManagerClient | undefined;
  const ownClient = () => {
    own ??= new SecretsManagerClient({ ...source.clientConfig });
    return own;
  };
  const describe: DescribeSecretMetadata = async () => {
    const client = (source.client ?? ownClient()) as {
      send(command: DescribeSecretCommand): Promise<SecretOwnershipMetadata>;
    };
    return client.send(new DescribeSecretCommand({ SecretId: secretId }));
  };
  return { describe, close: () => own?.destroy() };
}

interface OwningResource {
  readonly kind: 'cluster' | 'instance';
  readonly arn: string;
}

/**
 * A connection error that a moved endpoint explains (DNS name gone, nothing listening, no
 * route, no answer): @rotakit/core's network vocabulary.
 */
export function endpointMayHaveMoved(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const meaning = networkErrorMeaning(typeof code === 'string' ? code : undefined);
  return (
    meaning === 'dns' || meaning === 'refused' || meaning === 'unreachable' || meaning === 'timeout'
  );
}

/**
 * Looks up the endpoint of an RDS-managed secret's owning resource: its
 * `aws:rds:primaryDBClusterArn` / `aws:rds:primaryDBInstanceArn` tag (DescribeSecret, read
 * once), then DescribeDBClusters (`Endpoint`, `Port`) / DescribeDBInstances
 * (`Endpoint.Address`, `Endpoint.Port`). One lookup in flight at a time; `@aws-sdk/client-rds`
 * is imported only here, so it is needed only by pools given an RDS client.
 */
export class RdsEndpointLookup {
  readonly #secretId: string;
  readonly #client: RdsClientLike;
  readonly #describeSecret: DescribeSecretMetadata;
  #resource: OwningResource | undefined;
  #inFlight: Promise<RdsEndpoint> | undefined;
  /** RDS API calls made (DescribeDBClusters or DescribeDBInstances). */
  lookups = 0;

  constructor(secretId: string, client: RdsClientLike, describeSecret: DescribeSecretMetadata) {
    this.#secretId = secretId;
    this.#client = client;
    this.#describeSecret = describeSecret;
  }

  /** The endpoint now (shared by every caller while a lookup is in flight). */
  lookup(): Promise<RdsEndpoint> {
    if (this.#inFlight === undefined) {
      const lookup = this.#describe();
      this.#inFlight = lookup;
      lookup
        .finally(() => {
          this.#inFlight = undefined;
        })
        .catch(() => undefined);
    }
    return this.#inFlight;
  }

  async #describe(): Promise<RdsEndpoint> {
    this.#resource ??= await this.#owningResource();
    const resource = this.#resource;
    let endpoint: RdsEndpoint | undefined;
    try {
      this.lookups++;
      endpoint =
        resource.kind === 'cluster'
          ? await this.#clusterEndpoint(resource.arn)
          : await this.#instanceEndpoint(resource.arn);
    } catch (error) {
      throw new EndpointLookupError(
        `Could not read the endpoint of ${resource.arn} (owner of secret ${this.#secretId}) from the RDS API: ${(error as Error)?.name ?? 'Error'}`,
        { secretId: this.#secretId, resourceArn: resource.arn, cause: error },
      );
    }
    if (endpoint === undefined) {
      throw new EndpointLookupError(
        `The RDS API returned no endpoint for ${resource.arn} (owner of secret ${this.#secretId})`,
        { secretId: this.#secretId, resourceArn: resource.arn },
      );
    }
    return endpoint;
  }

  async #owningResource(): Promise<OwningResource> {
    let metadata: SecretOwnershipMetadata;
    try {
      metadata = await this.#describeSecret();
    } catch (error) {
      throw new EndpointLookupError(
        `DescribeSecret for ${this.#secretId} failed: ${(error as Error)?.name ?? 'Error'}; the pool reads the owning DB cluster or instance from its tags`,
        { secretId: this.#secretId, cause: error },
      );
    }
    // @rotakit/core's reading of the aws:rds:primaryDB…Arn tags.
    const resource = managedSecretOf(metadata)?.rdsResource;
    if (resource?.arn !== undefined) return { kind: resource.type, arn: resource.arn };
    const { cluster, instance } = RDS_MANAGED_SECRET_TAGS;
    throw new EndpointLookupError(
      `Secret ${this.#secretId} has no ${cluster} or ${instance} tag: pass \`host\` (and \`port\`) instead of \`rds\``,
      { secretId: this.#secretId },
    );
  }

  async #clusterEndpoint(arn: string): Promise<RdsEndpoint | undefined> {
    const { DescribeDBClustersCommand } = await import('@aws-sdk/client-rds');
    const command = new DescribeDBClustersCommand({ DBClusterIdentifier: arn });
    const output = (await this.#client.send(command as never)) as {
      DBClusters?: { Endpoint?: string; Port?: number }[];
    };
    const cluster = output.DBClusters?.[0];
    return cluster?.Endpoint ? { host: cluster.Endpoint, port: cluster.Port } : undefined;
  }

  async #instanceEndpoint(arn: string): Promise<RdsEndpoint | undefined> {
    const { DescribeDBInstancesCommand } = await import('@aws-sdk/client-rds');
    const command = new DescribeDBInstancesCommand({ DBInstanceIdentifier: arn });
    const output = (await this.#client.send(command as never)) as {
      DBInstances?: { Endpoint?: { Address?: string; Port?: number } }[];
    };
    const endpoint = output.DBInstances?.[0]?.Endpoint;
    return endpoint?.Address ? { host: endpoint.Address, port: endpoint.Port } : undefined;
  }
}
