import { describe, expect, it } from 'vitest';
import {
  analyzeRotationNetwork,
  collectSnapshot,
  InvalidOptionError,
  type RotationNetworkSnapshot,
  SnapshotCollectionError,
} from '../src/index.js';
import { fixedSnapshot, IDS, REGION, VPC_ID } from './fixtures/fixed.js';
import { group } from './fixtures/mutations.js';

// No local service exists for EC2, RDS or Lambda, so these tests use a minimal fake: an object
// with `send(command)` answering from a snapshot fixture by the command's class name. The
// commands are the SDK's own classes (collectSnapshot builds them), so inputs are real.

interface Call {
  name: string;
  input: Record<string, unknown>;
}

class ServiceError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

function values(input: Record<string, unknown>, filterName: string): string[] | undefined {
  const filters = (input.Filters ?? input.Filter) as
    | Array<{ Name: string; Values: string[] }>
    | undefined;
  return filters?.find((f) => f.Name === filterName)?.Values;
}

/** Pages of two items, to exercise NextToken/Marker handling. */
function paged<T>(
  items: T[],
  key: string,
  input: Record<string, unknown>,
  token: 'NextToken' | 'Marker',
) {
  const start = Number(input[token] ?? 0);
  const page = items.slice(start, start + 2);
  const next = start + 2 < items.length ? String(start + 2) : undefined;
  return { [key]: page, ...(next ? { [token]: next } : {}), $metadata: { httpStatusCode: 200 } };
}

function fakeAws(
  s: RotationNetworkSnapshot,
  overrides: Record<string, (input: Record<string, unknown>) => unknown> = {},
) {
  const calls: Call[] = [];
  const inVpc = <T extends { VpcId?: string }>(items: T[], input: Record<string, unknown>) => {
    const vpcs = values(input, 'vpc-id');
    return vpcs ? items.filter((i) => vpcs.includes(i.VpcId ?? '')) : items;
  };
  const handlers: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetFunctionConfigurationCommand: (i) => {
      if (i.FunctionName !== IDS.functionName && i.FunctionName !== IDS.functionArn) {
        throw new ServiceError('ResourceNotFoundException', 'Function not found');
      }
      return { ...s.function, $metadata: {} };
    },
    GetPolicyCommand: () => {
      if (s.functionPolicy === null) {
        throw new ServiceError(
          'ResourceNotFoundException',
          'The resource you requested does not exist.',
        );
      }
      return { Policy: s.functionPolicy, RevisionId: 'r1' };
    },
    DescribeSecretCommand: () => ({ ...s.secret, $metadata: {} }),
    GetResourcePolicyCommand: () => ({ ARN: s.secret?.ARN, Name: s.secret?.Name }),
    DescribeDBClustersCommand: (i) =>
      paged(
        s.dbClusters.filter((c) => c.DBClusterIdentifier === i.DBClusterIdentifier),
        'DBClusters',
        i,
        'Marker',
      ),
    DescribeDBInstancesCommand: (i) => {
      const cluster = values(i, 'db-cluster-id');
      const list = s.dbInstances.filter((d) =>
        cluster
          ? cluster.includes(d.DBClusterIdentifier ?? '')
          : d.DBInstanceIdentifier === i.DBInstanceIdentifier,
      );
      return paged(list, 'DBInstances', i, 'Marker');
    },
    DescribeDBSubnetGroupsCommand: (i) =>
      paged(
        s.dbSubnetGroups.filter((g) => g.DBSubnetGroupName === i.DBSubnetGroupName),
        'DBSubnetGroups',
        i,
        'Marker',
      ),
    DescribeVpcsCommand: (i) => ({
      Vpcs: s.vpcs.filter((v) => (i.VpcIds as string[]).includes(v.VpcId ?? '')),
    }),
    DescribeVpcAttributeCommand: (i) => {
      const attrs = s.vpcAttributes[i.VpcId as string]!;
      return i.Attribute === 'enableDnsSupport'
        ? { VpcId: i.VpcId, EnableDnsSupport: { Value: attrs.enableDnsSupport } }
        : { VpcId: i.VpcId, EnableDnsHostnames: { Value: attrs.enableDnsHostnames } };
    },
    DescribeSubnetsCommand: (i) => paged(inVpc(s.subnets, i), 'Subnets', i, 'NextToken'),
    DescribeSecurityGroupsCommand: (i) =>
      i.GroupIds
        ? {
            SecurityGroups: s.securityGroups.filter((g) =>
              (i.GroupIds as string[]).includes(g.GroupId ?? ''),
            ),
          }
        : paged(inVpc(s.securityGroups, i), 'SecurityGroups', i, 'NextToken'),
    DescribeNetworkAclsCommand: (i) =>
      paged(inVpc(s.networkAcls, i), 'NetworkAcls', i, 'NextToken'),
    DescribeRouteTablesCommand: (i) =>
      paged(inVpc(s.routeTables, i), 'RouteTables', i, 'NextToken'),
    DescribeVpcEndpointsCommand: (i) =>
      paged(inVpc(s.vpcEndpoints, i), 'VpcEndpoints', i, 'NextToken'),
    DescribeNatGatewaysCommand: (i) =>
      paged(inVpc(s.natGateways, i), 'NatGateways', i, 'NextToken'),
    DescribeInternetGatewaysCommand: (i) => {
      const attached = values(i, 'attachment.vpc-id');
      const byId = values(i, 'internet-gateway-id');
      const list = s.internetGateways.filter((g) =>
        attached
          ? g.Attachments?.some((a) => attached.includes(a.VpcId ?? ''))
          : byId?.includes(g.InternetGatewayId ?? ''),
      );
      return paged(list, 'InternetGateways', i, 'NextToken');
    },
    DescribeDhcpOptionsCommand: (i) => ({
      DhcpOptions: s.dhcpOptions.filter((d) =>
        (i.DhcpOptionsIds as string[]).includes(d.DhcpOptionsId ?? ''),
      ),
    }),
    DescribeNetworkInterfacesCommand: (i) => ({
      NetworkInterfaces: (s.networkInterfaces ?? []).filter((n) =>
        values(i, 'network-interface-id')?.includes(n.NetworkInterfaceId ?? ''),
      ),
    }),
    GetManagedPrefixListEntriesCommand: (i) =>
      paged(s.prefixLists[i.PrefixListId as string] ?? [], 'Entries', i, 'NextToken'),
    ...overrides,
  };
  const client = {
    config: { region: async () => REGION },
    async send(
      command: { input: Record<string, unknown> },
      options?: { abortSignal?: AbortSignal },
    ) {
      options?.abortSignal?.throwIfAborted();
      const name = command.constructor.name;
      calls.push({ name, input: command.input });
      const handler = handlers[name];
      if (!handler) throw new Error(`fake AWS: no handler for ${name}`);
      return structuredClone(handler(command.input));
    },
  };
  return {
    client,
    calls,
    clients: { ec2: client, rds: client, lambda: client, secretsManager: client },
  };
}

describe('collectSnapshot', () => {
  it('collects the fixed setup so that the analysis matches the fixture, following pagination', async () => {
    const source = fixedSnapshot();
    source.networkInterfaces = [
      {
        NetworkInterfaceId: 'eni-0endpointa000001',
        SubnetId: IDS.subnetLambdaA,
        PrivateIpAddress: '10.0.1.200',
        VpcId: VPC_ID,
      },
      {
        NetworkInterfaceId: 'eni-0endpointb000001',
        SubnetId: IDS.subnetLambdaB,
        PrivateIpAddress: '10.0.2.200',
        VpcId: VPC_ID,
      },
    ];
    const fake = fakeAws(source);
    const snapshot = await collectSnapshot({
      functionName: IDS.functionName,
      secretId: 'rotakit/app',
      dbClusterIdentifier: IDS.cluster,
      clients: fake.clients,
    });
    expect(snapshot.region).toBe(REGION);
    expect(snapshot.function?.FunctionArn).toBe(IDS.functionArn);
    expect(snapshot.function).not.toHaveProperty('$metadata');
    expect(snapshot.secret?.RotationLambdaARN).toBe(IDS.functionArn);
    expect(snapshot.secretPolicy).toBeNull();
    expect(snapshot.subnets.map((x) => x.SubnetId).sort()).toEqual(
      source.subnets.map((x) => x.SubnetId).sort(),
    );
    expect(snapshot.securityGroups).toHaveLength(source.securityGroups.length);
    expect(snapshot.dbInstances.map((i) => i.DBInstanceIdentifier)).toEqual([
      IDS.member1,
      IDS.member2,
    ]);
    expect(snapshot.vpcAttributes).toEqual({
      [VPC_ID]: { enableDnsSupport: true, enableDnsHostnames: true },
    });
    expect(snapshot.networkInterfaces).toHaveLength(2);
    expect(snapshot.dhcpOptions.map((d) => d.DhcpOptionsId)).toEqual([IDS.dhcp]);
    // Five subnets in pages of two: three DescribeSubnets calls.
    expect(fake.calls.filter((c) => c.name === 'DescribeSubnetsCommand')).toHaveLength(3);
    expect(
      fake.calls.filter((c) => c.name === 'DescribeSubnetsCommand').map((c) => c.input.NextToken),
    ).toEqual([undefined, '2', '4']);
    expect(analyzeRotationNetwork(snapshot)).toEqual(analyzeRotationNetwork(source));
  });

  it('never asks for the secret value', async () => {
    const fake = fakeAws(fixedSnapshot());
    await collectSnapshot({
      secretId: 'rotakit/app',
      dbClusterIdentifier: IDS.cluster,
      clients: fake.clients,
    });
    expect(fake.calls.map((c) => c.name)).not.toContain('GetSecretValueCommand');
  });

  it("finds the function from the secret's RotationLambdaARN when functionName is not given", async () => {
    const fake = fakeAws(fixedSnapshot());
    const snapshot = await collectSnapshot({ secretId: 'rotakit/app', clients: fake.clients });
    expect(snapshot.function?.FunctionName).toBe(IDS.functionName);
    expect(fake.calls.find((c) => c.name === 'GetFunctionConfigurationCommand')?.input).toEqual({
      FunctionName: IDS.functionArn,
    });
  });

  it('records a missing function policy as null (GetPolicy ResourceNotFoundException)', async () => {
    const source = fixedSnapshot();
    source.functionPolicy = null;
    const snapshot = await collectSnapshot({
      functionName: IDS.functionName,
      clients: fakeAws(source).clients,
    });
    expect(snapshot.functionPolicy).toBeNull();
    expect(analyzeRotationNetwork(snapshot).findings.map((f) => f.code)).toEqual([
      'LAMBDA_PERMISSION_MISSING',
    ]);
  });

  it('follows prefix lists referenced by rules', async () => {
    const source = fixedSnapshot();
    source.prefixLists['pl-0lambdasubnets01'] = [
      { Cidr: '10.0.1.0/24' },
      { Cidr: '10.0.2.0/24' },
      { Cidr: '10.0.3.0/24' },
    ];
    group(source, IDS.sgDb).IpPermissions = [
      {
        IpProtocol: 'tcp',
        FromPort: 3306,
        ToPort: 3306,
        PrefixListIds: [{ PrefixListId: 'pl-0lambdasubnets01' }],
      },
    ];
    const snapshot = await collectSnapshot({
      functionName: IDS.functionName,
      dbClusterIdentifier: IDS.cluster,
      clients: fakeAws(source).clients,
    });
    expect(snapshot.prefixLists['pl-0lambdasubnets01']).toHaveLength(3);
    expect(analyzeRotationNetwork(snapshot).findings).toEqual([]);
  });

  it('wraps an API failure in SnapshotCollectionError naming the operation', async () => {
    const fake = fakeAws(fixedSnapshot(), {
      DescribeRouteTablesCommand: () => {
        throw new ServiceError(
          'UnauthorizedOperation',
          'You are not authorized to perform this operation.',
        );
      },
    });
    const error = await collectSnapshot({
      functionName: IDS.functionName,
      clients: fake.clients,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotCollectionError);
    expect((error as SnapshotCollectionError).operation).toBe('DescribeRouteTables');
    expect((error as Error).message).toContain('UnauthorizedOperation');
    expect((error as Error).cause).toBeInstanceOf(ServiceError);
  });

  it('requires the client each option needs', async () => {
    const { client } = fakeAws(fixedSnapshot());
    await expect(
      collectSnapshot({ functionName: IDS.functionName, clients: { ec2: client } }),
    ).rejects.toThrow(InvalidOptionError);
    await expect(
      collectSnapshot({ dbClusterIdentifier: IDS.cluster, clients: { ec2: client } }),
    ).rejects.toThrow(/clients\.rds/);
    await expect(
      collectSnapshot({ clients: {} as unknown as { ec2: typeof client } }),
    ).rejects.toThrow(/clients\.ec2/);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await expect(
      collectSnapshot({
        functionName: IDS.functionName,
        clients: fakeAws(fixedSnapshot()).clients,
        signal: controller.signal,
      }),
    ).rejects.toThrow('stop now');
  });
});
