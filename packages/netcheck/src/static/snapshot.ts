import type {
  DhcpOptions,
  InternetGateway,
  NatGateway,
  NetworkAcl,
  NetworkInterface,
  PrefixListEntry,
  RouteTable,
  SecurityGroup,
  Subnet,
  Vpc,
  VpcEndpoint,
} from '@aws-sdk/client-ec2';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { DBCluster, DBInstance, DBSubnetGroup } from '@aws-sdk/client-rds';
import type { DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import { InvalidOptionError, SnapshotCollectionError } from '../errors.js';

/** `DescribeVpcAttribute` results for one VPC. */
export interface VpcDnsAttributes {
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
}

/**
 * Everything `analyzeRotationNetwork` reads, in the AWS SDK v3 response shapes. Build it with
 * `collectSnapshot`, or by hand (for example from saved `aws ec2 describe-*` output).
 */
export interface RotationNetworkSnapshot {
  region: string;
  /** `GetFunctionConfiguration` of the rotation function. */
  function?: FunctionConfiguration;
  /**
   * `GetPolicy` `Policy` (a JSON string); `null` when the function has no resource policy,
   * absent when not collected.
   */
  functionPolicy?: string | null;
  /** `DescribeSecret` of the rotated secret. */
  secret?: DescribeSecretResponse;
  /** `GetResourcePolicy` `ResourcePolicy`; `null` when the secret has none, absent when not collected. */
  secretPolicy?: string | null;
  dbClusters: DBCluster[];
  dbInstances: DBInstance[];
  dbSubnetGroups: DBSubnetGroup[];
  vpcs: Vpc[];
  vpcAttributes: Record<string, VpcDnsAttributes>;
  subnets: Subnet[];
  securityGroups: SecurityGroup[];
  networkAcls: NetworkAcl[];
  routeTables: RouteTable[];
  vpcEndpoints: VpcEndpoint[];
  natGateways: NatGateway[];
  internetGateways: InternetGateway[];
  dhcpOptions: DhcpOptions[];
  /** `GetManagedPrefixListEntries` per prefix list id referenced by a rule or a route. */
  prefixLists: Record<string, PrefixListEntry[]>;
  /** Endpoint network interfaces (their private IPs narrow the analysis); optional. */
  networkInterfaces?: NetworkInterface[];
  /** ISO timestamp of collection; informational. */
  collectedAt?: string;
}

/** The one method of an AWS SDK v3 client that `collectSnapshot` calls. */
export interface SendingClient {
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Injected SDK v3 clients (`EC2Client`, `RDSClient`, `LambdaClient`, `SecretsManagerClient`). */
export interface SnapshotClients {
  ec2: SendingClient;
  /** Needed with `dbClusterIdentifier` or `dbInstanceIdentifier`. */
  rds?: SendingClient;
  /** Needed with `functionName` (or a secret that has a rotation function). */
  lambda?: SendingClient;
  /** Needed with `secretId`. */
  secretsManager?: SendingClient;
}

interface CollectSnapshotBase {
  /** The rotation function; defaults to the secret's RotationLambdaARN when `secretId` is given. */
  functionName?: string;
  /** The rotated secret (DescribeSecret and GetResourcePolicy only: its value is never read). */
  secretId?: string;
  clients: SnapshotClients;
  /** @default the EC2 client's region */
  region?: string;
  signal?: AbortSignal;
}

export type CollectSnapshotOptions = CollectSnapshotBase &
  (
    | { dbClusterIdentifier: string; dbInstanceIdentifier?: never }
    | { dbInstanceIdentifier: string; dbClusterIdentifier?: never }
    | { dbClusterIdentifier?: never; dbInstanceIdentifier?: never }
  );

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;
type Module = Record<string, unknown>;
type SdkModules = { ec2: Module; rds?: Module; lambda?: Module; sm?: Module };

class Collector {
  constructor(
    private readonly modules: SdkModules,
    private readonly clients: SnapshotClients,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async call(
    service: 'ec2' | 'rds' | 'lambda' | 'sm',
    operation: string,
    input: Input,
  ): Promise<Output> {
    const module = this.modules[service];
    const client = service === 'sm' ? this.clients.secretsManager : this.clients[service];
    const Command = module?.[`${operation}Command`] as (new (input: Input) => unknown) | undefined;
    if (!client || !Command) {
      throw SnapshotCollectionError.of(operation, { cause: new Error(`no ${service} client`) });
    }
    this.signal?.throwIfAborted();
    try {
      const out = await client.send(new Command(input) as never, { abortSignal: this.signal });
      return (out ?? {}) as Output;
    } catch (cause) {
      if (this.signal?.aborted) throw this.signal.reason;
      throw SnapshotCollectionError.of(operation, { cause });
    }
  }

  /** Follows NextToken/Marker until the last page, concatenating `key`. */
  async all<T>(
    service: 'ec2' | 'rds' | 'lambda' | 'sm',
    operation: string,
    input: Input,
    key: string,
    token: 'NextToken' | 'Marker' = 'NextToken',
  ): Promise<T[]> {
    const items: T[] = [];
    let next: unknown;
    for (let page = 0; page < 1000; page++) {
      const out = await this.call(service, operation, next ? { ...input, [token]: next } : input);
      items.push(...((out[key] as T[] | undefined) ?? []));
      next = out[token];
      if (!next) return items;
    }
    throw SnapshotCollectionError.of(operation, { cause: new Error('more than 1000 pages') });
  }
}

function errorName(error: unknown): string | undefined {
  const cause = error instanceof SnapshotCollectionError ? error.cause : error;
  return (cause as { name?: string } | undefined)?.name;
}

async function regionOf(client: SendingClient): Promise<string | undefined> {
  const provider = (client as { config?: { region?: unknown } }).config?.region;
  const value = typeof provider === 'function' ? await (provider as () => unknown)() : provider;
  return typeof value === 'string' ? value : undefined;
}

function filter(name: string, values: readonly string[]) {
  return { Filters: [{ Name: name, Values: [...values] }] };
}

function checkCollectOptions(options: CollectSnapshotOptions): void {
  const { clients } = options;
  if (!clients || typeof clients.ec2?.send !== 'function') {
    throw InvalidOptionError.of(
      'clients.ec2',
      'an EC2Client (or an object with send()) is required',
    );
  }
  const needs: Array<[boolean, keyof SnapshotClients, string]> = [
    [
      Boolean(options.dbClusterIdentifier || options.dbInstanceIdentifier),
      'rds',
      'dbClusterIdentifier/dbInstanceIdentifier',
    ],
    [Boolean(options.functionName), 'lambda', 'functionName'],
    [Boolean(options.secretId), 'secretsManager', 'secretId'],
  ];
  for (const [needed, name, because] of needs) {
    if (needed && typeof clients[name]?.send !== 'function') {
      throw InvalidOptionError.of(`clients.${name}`, `required with ${because}`);
    }
  }
  if (options.dbClusterIdentifier && options.dbInstanceIdentifier) {
    throw InvalidOptionError.of(
      'dbInstanceIdentifier',
      'give dbClusterIdentifier or dbInstanceIdentifier, not both',
    );
  }
}

/** Loaded on use so that importing this package never requires the optional SDK clients. */
async function sdkModules(clients: SnapshotClients): Promise<SdkModules> {
  const [ec2, rds, lambda, sm] = await Promise.all([
    import('@aws-sdk/client-ec2') as Promise<Module>,
    clients.rds ? (import('@aws-sdk/client-rds') as Promise<Module>) : undefined,
    clients.lambda ? (import('@aws-sdk/client-lambda') as Promise<Module>) : undefined,
    clients.secretsManager
      ? (import('@aws-sdk/client-secrets-manager') as Promise<Module>)
      : undefined,
  ]);
  return { ec2, rds, lambda, sm };
}

function emptySnapshot(region: string): RotationNetworkSnapshot {
  return {
    region,
    dbClusters: [],
    dbInstances: [],
    dbSubnetGroups: [],
    vpcs: [],
    vpcAttributes: {},
    subnets: [],
    securityGroups: [],
    networkAcls: [],
    routeTables: [],
    vpcEndpoints: [],
    natGateways: [],
    internetGateways: [],
    dhcpOptions: [],
    prefixLists: {},
    networkInterfaces: [],
    collectedAt: new Date().toISOString(),
  };
}

/** The secret's metadata and resource policy; returns the function that rotates it. */
async function collectSecret(
  c: Collector,
  options: CollectSnapshotOptions,
  snapshot: RotationNetworkSnapshot,
): Promise<string | undefined> {
  if (!options.secretId) return options.functionName;
  const [secret, policy] = await Promise.all([
    c.call('sm', 'DescribeSecret', { SecretId: options.secretId }),
    c.call('sm', 'GetResourcePolicy', { SecretId: options.secretId }),
  ]);
  const { $metadata: _m, ...describe } = secret;
  snapshot.secret = describe as RotationNetworkSnapshot['secret'];
  snapshot.secretPolicy = (policy.ResourcePolicy as string | undefined) ?? null;
  if (
    !options.functionName &&
    typeof secret.RotationLambdaARN === 'string' &&
    options.clients.lambda
  ) {
    return secret.RotationLambdaARN;
  }
  return options.functionName;
}

/** The function's configuration and policy (none -> null), and the database, concurrently. */
async function collectFunctionAndDatabase(
  c: Collector,
  options: CollectSnapshotOptions,
  functionName: string | undefined,
  snapshot: RotationNetworkSnapshot,
): Promise<void> {
  const [fnConfig, fnPolicy, dbParts] = await Promise.all([
    functionName
      ? c.call('lambda', 'GetFunctionConfiguration', { FunctionName: functionName })
      : undefined,
    functionName
      ? c.call('lambda', 'GetPolicy', { FunctionName: functionName }).then(
          (out) => (out.Policy as string | undefined) ?? null,
          (error: unknown) => {
            if (errorName(error) === 'ResourceNotFoundException') return null;
            throw error;
          },
        )
      : undefined,
    collectDatabase(c, options),
  ]);
  if (fnConfig) {
    const { $metadata: _m, ...config } = fnConfig;
    snapshot.function = config as RotationNetworkSnapshot['function'];
    snapshot.functionPolicy = fnPolicy ?? null;
  }
  Object.assign(snapshot, dbParts);
}

/** The function's VPC and every DB subnet group's. */
function vpcIdsOf(snapshot: RotationNetworkSnapshot): string[] {
  const vpcIds = new Set<string>();
  const fnVpc = snapshot.function?.VpcConfig?.VpcId;
  if (fnVpc) vpcIds.add(fnVpc);
  for (const group of snapshot.dbSubnetGroups) if (group.VpcId) vpcIds.add(group.VpcId);
  return [...vpcIds];
}

async function collectVpcs(
  c: Collector,
  ids: string[],
  snapshot: RotationNetworkSnapshot,
): Promise<void> {
  const [vpcs, subnets, groups, acls, tables, endpoints, nats, igws] = await Promise.all([
    c.all<Vpc>('ec2', 'DescribeVpcs', { VpcIds: ids }, 'Vpcs'),
    c.all<Subnet>('ec2', 'DescribeSubnets', filter('vpc-id', ids), 'Subnets'),
    c.all<SecurityGroup>('ec2', 'DescribeSecurityGroups', filter('vpc-id', ids), 'SecurityGroups'),
    c.all<NetworkAcl>('ec2', 'DescribeNetworkAcls', filter('vpc-id', ids), 'NetworkAcls'),
    c.all<RouteTable>('ec2', 'DescribeRouteTables', filter('vpc-id', ids), 'RouteTables'),
    c.all<VpcEndpoint>('ec2', 'DescribeVpcEndpoints', filter('vpc-id', ids), 'VpcEndpoints'),
    c.all<NatGateway>(
      'ec2',
      'DescribeNatGateways',
      { Filter: [{ Name: 'vpc-id', Values: ids }] },
      'NatGateways',
    ),
    c.all<InternetGateway>(
      'ec2',
      'DescribeInternetGateways',
      filter('attachment.vpc-id', ids),
      'InternetGateways',
    ),
  ]);
  Object.assign(snapshot, {
    vpcs,
    subnets,
    securityGroups: groups,
    networkAcls: acls,
    routeTables: tables,
    vpcEndpoints: endpoints,
    natGateways: nats,
    internetGateways: igws,
  });
}

async function collectDnsAttributes(
  c: Collector,
  ids: string[],
  snapshot: RotationNetworkSnapshot,
): Promise<void> {
  const attributes = await Promise.all(
    ids.flatMap((vpcId) =>
      (['enableDnsSupport', 'enableDnsHostnames'] as const).map(async (attribute) => {
        const out = await c.call('ec2', 'DescribeVpcAttribute', {
          VpcId: vpcId,
          Attribute: attribute,
        });
        const key = attribute === 'enableDnsSupport' ? 'EnableDnsSupport' : 'EnableDnsHostnames';
        return {
          vpcId,
          attribute,
          value: Boolean((out[key] as { Value?: boolean } | undefined)?.Value),
        };
      }),
    ),
  );
  for (const { vpcId, attribute, value } of attributes) {
    snapshot.vpcAttributes[vpcId] ??= { enableDnsSupport: false, enableDnsHostnames: false };
    snapshot.vpcAttributes[vpcId][attribute] = value;
  }
}

/** What the VPC lists point at: IGWs only routes name, prefix lists, endpoint ENIs, DHCP options. */
function referencedIds(snapshot: RotationNetworkSnapshot) {
  const { routeTables: tables, securityGroups: groups, vpcEndpoints: endpoints } = snapshot;
  // Referenced by routes but not attached to the VPC (a detached gateway is a finding).
  const routeIgws = new Set(
    tables
      .flatMap((t) => (t.Routes ?? []).map((r) => r.GatewayId ?? ''))
      .filter((id) => id.startsWith('igw-')),
  );
  for (const igw of snapshot.internetGateways) routeIgws.delete(igw.InternetGatewayId ?? '');
  const prefixListIds = new Set<string>();
  for (const g of groups) {
    for (const p of [...(g.IpPermissions ?? []), ...(g.IpPermissionsEgress ?? [])]) {
      for (const ref of p.PrefixListIds ?? [])
        if (ref.PrefixListId) prefixListIds.add(ref.PrefixListId);
    }
  }
  for (const t of tables)
    for (const r of t.Routes ?? [])
      if (r.DestinationPrefixListId) prefixListIds.add(r.DestinationPrefixListId);
  const eniIds = endpoints.flatMap((e) => e.NetworkInterfaceIds ?? []);
  const dhcpIds = [
    ...new Set(
      snapshot.vpcs
        .map((v) => v.DhcpOptionsId)
        .filter((id): id is string => Boolean(id) && id !== 'default'),
    ),
  ];
  return { routeIgws: [...routeIgws], prefixListIds: [...prefixListIds], eniIds, dhcpIds };
}

async function collectReferenced(c: Collector, snapshot: RotationNetworkSnapshot): Promise<void> {
  const { routeIgws, prefixListIds, eniIds, dhcpIds } = referencedIds(snapshot);
  const [moreIgws, dhcp, enis, prefixEntries] = await Promise.all([
    routeIgws.length > 0
      ? c.all<InternetGateway>(
          'ec2',
          'DescribeInternetGateways',
          filter('internet-gateway-id', routeIgws),
          'InternetGateways',
        )
      : [],
    dhcpIds.length > 0
      ? c.all<DhcpOptions>('ec2', 'DescribeDhcpOptions', { DhcpOptionsIds: dhcpIds }, 'DhcpOptions')
      : [],
    eniIds.length > 0
      ? c.all<NetworkInterface>(
          'ec2',
          'DescribeNetworkInterfaces',
          filter('network-interface-id', eniIds),
          'NetworkInterfaces',
        )
      : [],
    Promise.all(
      prefixListIds.map(async (id) => {
        const entries = await c.all<PrefixListEntry>(
          'ec2',
          'GetManagedPrefixListEntries',
          { PrefixListId: id },
          'Entries',
        );
        return [id, entries] as const;
      }),
    ),
  ]);
  snapshot.internetGateways.push(...moreIgws);
  snapshot.dhcpOptions = dhcp;
  snapshot.networkInterfaces = enis;
  snapshot.prefixLists = Object.fromEntries(prefixEntries);
}

/** Groups referenced by the function or the DB but living outside these VPCs. */
async function collectForeignGroups(
  c: Collector,
  snapshot: RotationNetworkSnapshot,
): Promise<void> {
  const known = new Set(snapshot.securityGroups.map((g) => g.GroupId));
  const referenced = [
    ...(snapshot.function?.VpcConfig?.SecurityGroupIds ?? []),
    ...snapshot.dbClusters.flatMap((cl) =>
      (cl.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? ''),
    ),
    ...snapshot.dbInstances.flatMap((i) =>
      (i.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? ''),
    ),
  ].filter((id) => id && !known.has(id));
  if (referenced.length === 0) return;
  snapshot.securityGroups.push(
    ...(await c.all<SecurityGroup>(
      'ec2',
      'DescribeSecurityGroups',
      { GroupIds: [...new Set(referenced)] },
      'SecurityGroups',
    )),
  );
}

/**
 * Gathers everything `analyzeRotationNetwork` needs with the injected SDK clients: the
 * function (GetFunctionConfiguration, GetPolicy), the secret's metadata (DescribeSecret,
 * GetResourcePolicy; never its value), the DB cluster and members with their subnet groups,
 * and for every VPC involved its subnets, security groups, network ACLs, route tables,
 * endpoints, NAT and internet gateways, DHCP options, DNS attributes, the endpoint ENIs and
 * referenced prefix lists. Read-only; every list call is paginated.
 * @example
 * const snapshot = await collectSnapshot({
 *   secretId: 'prod/app/mysql',
 *   dbClusterIdentifier: 'prod-db',
 *   clients: { ec2: new EC2Client({}), rds: new RDSClient({}), lambda: new LambdaClient({}), secretsManager: new SecretsManagerClient({}) },
 * });
 */
export async function collectSnapshot(
  options: CollectSnapshotOptions,
): Promise<RotationNetworkSnapshot> {
  checkCollectOptions(options);
  const { clients } = options;
  const region = options.region ?? (await regionOf(clients.ec2));
  if (!region) throw InvalidOptionError.of('region', 'not given and the EC2 client has none');
  const c = new Collector(await sdkModules(clients), clients, options.signal);
  const snapshot = emptySnapshot(region);
  const functionName = await collectSecret(c, options, snapshot);
  await collectFunctionAndDatabase(c, options, functionName, snapshot);
  const ids = vpcIdsOf(snapshot);
  if (ids.length === 0) return snapshot;
  await collectVpcs(c, ids, snapshot);
  await collectDnsAttributes(c, ids, snapshot);
  await collectReferenced(c, snapshot);
  await collectForeignGroups(c, snapshot);
  return snapshot;
}

async function collectDatabase(
  c: Collector,
  options: CollectSnapshotOptions,
): Promise<Pick<RotationNetworkSnapshot, 'dbClusters' | 'dbInstances' | 'dbSubnetGroups'>> {
  let clusters: DBCluster[] = [];
  let instances: DBInstance[] = [];
  if (options.dbClusterIdentifier) {
    [clusters, instances] = await Promise.all([
      c.all<DBCluster>(
        'rds',
        'DescribeDBClusters',
        { DBClusterIdentifier: options.dbClusterIdentifier },
        'DBClusters',
        'Marker',
      ),
      c.all<DBInstance>(
        'rds',
        'DescribeDBInstances',
        filter('db-cluster-id', [options.dbClusterIdentifier]),
        'DBInstances',
        'Marker',
      ),
    ]);
  } else if (options.dbInstanceIdentifier) {
    instances = await c.all<DBInstance>(
      'rds',
      'DescribeDBInstances',
      { DBInstanceIdentifier: options.dbInstanceIdentifier },
      'DBInstances',
      'Marker',
    );
  } else {
    return { dbClusters: [], dbInstances: [], dbSubnetGroups: [] };
  }
  const names = new Set<string>();
  for (const cl of clusters) if (cl.DBSubnetGroup) names.add(cl.DBSubnetGroup);
  for (const i of instances)
    if (i.DBSubnetGroup?.DBSubnetGroupName) names.add(i.DBSubnetGroup.DBSubnetGroupName);
  const groups = await Promise.all(
    [...names].map((name) =>
      c.all<DBSubnetGroup>(
        'rds',
        'DescribeDBSubnetGroups',
        { DBSubnetGroupName: name },
        'DBSubnetGroups',
        'Marker',
      ),
    ),
  );
  return { dbClusters: clusters, dbInstances: instances, dbSubnetGroups: groups.flat() };
}
