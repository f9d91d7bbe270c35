import type { RotationNetworkSnapshot } from '@rotakit/netcheck';
import type { ExistingEnvironment } from '../src/template-snapshot.js';

type SecurityGroup = RotationNetworkSnapshot['securityGroups'][number];
type Subnet = RotationNetworkSnapshot['subnets'][number];
type DBInstance = RotationNetworkSnapshot['dbInstances'][number];
type DBSubnetGroup = RotationNetworkSnapshot['dbSubnetGroups'][number];

// What the template is deployed into, as collectSnapshot would see it before the stack
// exists (laid out like netcheck's fixed fixture): a VPC with both DNS attributes on, two
// private subnets for the function and the endpoint (10.0.1.0/24 a, 10.0.2.0/24 b), an
// Aurora MySQL cluster with one member in each of two DB subnets (10.0.11.0/24 a,
// 10.0.12.0/24 b), route tables with only the local route, the default network ACL, and a
// DB security group that accepts nothing yet. No endpoint, no NAT, no internet gateway.

export const REGION = 'us-east-1';
export const ACCOUNT = '111122223333';
export const IDS = {
  vpc: 'vpc-0a1b2c3d4e5f60001',
  subnetPrivateA: 'subnet-0aaa00000000000a1',
  subnetPrivateB: 'subnet-0bbb00000000000b1',
  subnetDbA: 'subnet-0aaa00000000000a2',
  subnetDbB: 'subnet-0bbb00000000000b2',
  sgDb: 'sg-0database00000001',
  sgDefault: 'sg-0default000000001',
  aclDefault: 'acl-0default00000001',
  rtbMain: 'rtb-0main00000000001',
  rtbPrivate: 'rtb-0private0000001',
  dhcp: 'dopt-0amazon000001',
  secretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rotakit/app-AbCdEf`,
  cluster: 'rotakit-db',
  member1: 'rotakit-db-1',
  member2: 'rotakit-db-2',
  dbSubnetGroup: 'rotakit-db-subnets',
} as const;

function subnet(id: string, cidr: string, az: string): Subnet {
  return {
    SubnetId: id,
    VpcId: IDS.vpc,
    CidrBlock: cidr,
    AvailabilityZone: az,
    AvailabilityZoneId: az === 'us-east-1a' ? 'use1-az1' : 'use1-az2',
    State: 'available',
    MapPublicIpOnLaunch: false,
    DefaultForAz: false,
    OwnerId: ACCOUNT,
    SubnetArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/${id}`,
  };
}

function sg(id: string, name: string, ingress: SecurityGroup['IpPermissions']): SecurityGroup {
  return {
    GroupId: id,
    GroupName: name,
    Description: name,
    VpcId: IDS.vpc,
    OwnerId: ACCOUNT,
    IpPermissions: ingress,
    IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
  };
}

function dbSubnetGroup(): DBSubnetGroup {
  return {
    DBSubnetGroupName: IDS.dbSubnetGroup,
    DBSubnetGroupDescription: 'rotakit database subnets',
    VpcId: IDS.vpc,
    SubnetGroupStatus: 'Complete',
    Subnets: [
      {
        SubnetIdentifier: IDS.subnetDbA,
        SubnetAvailabilityZone: { Name: 'us-east-1a' },
        SubnetStatus: 'Active',
      },
      {
        SubnetIdentifier: IDS.subnetDbB,
        SubnetAvailabilityZone: { Name: 'us-east-1b' },
        SubnetStatus: 'Active',
      },
    ],
  };
}

function dbInstance(id: string, az: string, writer: boolean): DBInstance {
  return {
    DBInstanceIdentifier: id,
    DBInstanceClass: 'db.r6g.large',
    Engine: 'aurora-mysql',
    DBInstanceStatus: 'available',
    Endpoint: {
      Address: `${id}.cxyz123example.${REGION}.rds.amazonaws.com`,
      Port: 3306,
      HostedZoneId: 'Z2R2ITUGPM61AM',
    },
    AvailabilityZone: az,
    DBClusterIdentifier: IDS.cluster,
    PubliclyAccessible: false,
    VpcSecurityGroups: [{ VpcSecurityGroupId: IDS.sgDb, Status: 'active' }],
    DBSubnetGroup: dbSubnetGroup(),
    PromotionTier: writer ? 0 : 1,
  };
}

const localRoute = {
  DestinationCidrBlock: '10.0.0.0/16',
  GatewayId: 'local',
  Origin: 'CreateRouteTable' as const,
  State: 'active' as const,
};

/** A fresh copy of the environment before the stack is deployed. */
export function environmentSnapshot(): RotationNetworkSnapshot {
  const subnets = [IDS.subnetPrivateA, IDS.subnetPrivateB, IDS.subnetDbA, IDS.subnetDbB];
  return {
    region: REGION,
    secret: {
      ARN: IDS.secretArn,
      Name: 'rotakit/app',
      RotationEnabled: false,
      VersionIdsToStages: { 'a1b2c3d4-0000-4000-8000-000000000001': ['AWSCURRENT'] },
    },
    secretPolicy: null,
    dbClusters: [
      {
        DBClusterIdentifier: IDS.cluster,
        DBSubnetGroup: IDS.dbSubnetGroup,
        Status: 'available',
        Endpoint: `${IDS.cluster}.cluster-cxyz123example.${REGION}.rds.amazonaws.com`,
        ReaderEndpoint: `${IDS.cluster}.cluster-ro-cxyz123example.${REGION}.rds.amazonaws.com`,
        MultiAZ: true,
        Engine: 'aurora-mysql',
        EngineVersion: '8.0.mysql_aurora.3.08.0',
        Port: 3306,
        MasterUsername: 'admin',
        DBClusterMembers: [
          { DBInstanceIdentifier: IDS.member1, IsClusterWriter: true, PromotionTier: 1 },
          { DBInstanceIdentifier: IDS.member2, IsClusterWriter: false, PromotionTier: 1 },
        ],
        VpcSecurityGroups: [{ VpcSecurityGroupId: IDS.sgDb, Status: 'active' }],
        AvailabilityZones: ['us-east-1a', 'us-east-1b'],
      },
    ],
    dbInstances: [
      dbInstance(IDS.member1, 'us-east-1a', true),
      dbInstance(IDS.member2, 'us-east-1b', false),
    ],
    dbSubnetGroups: [dbSubnetGroup()],
    vpcs: [
      {
        VpcId: IDS.vpc,
        CidrBlock: '10.0.0.0/16',
        State: 'available',
        DhcpOptionsId: IDS.dhcp,
        InstanceTenancy: 'default',
        IsDefault: false,
        OwnerId: ACCOUNT,
        CidrBlockAssociationSet: [
          {
            AssociationId: 'vpc-cidr-assoc-01',
            CidrBlock: '10.0.0.0/16',
            CidrBlockState: { State: 'associated' },
          },
        ],
      },
    ],
    vpcAttributes: { [IDS.vpc]: { enableDnsSupport: true, enableDnsHostnames: true } },
    subnets: [
      subnet(IDS.subnetPrivateA, '10.0.1.0/24', 'us-east-1a'),
      subnet(IDS.subnetPrivateB, '10.0.2.0/24', 'us-east-1b'),
      subnet(IDS.subnetDbA, '10.0.11.0/24', 'us-east-1a'),
      subnet(IDS.subnetDbB, '10.0.12.0/24', 'us-east-1b'),
    ],
    securityGroups: [
      // The DB's group before the stack: DatabaseIngressFromRotation is its only way in.
      sg(IDS.sgDb, 'rotakit-db', []),
      sg(IDS.sgDefault, 'default', [
        { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: IDS.sgDefault, UserId: ACCOUNT }] },
      ]),
    ],
    networkAcls: [
      {
        NetworkAclId: IDS.aclDefault,
        VpcId: IDS.vpc,
        IsDefault: true,
        OwnerId: ACCOUNT,
        Associations: subnets.map((s, i) => ({
          NetworkAclAssociationId: `aclassoc-0000000${i}`,
          NetworkAclId: IDS.aclDefault,
          SubnetId: s,
        })),
        Entries: [true, false].flatMap((egress) => [
          {
            RuleNumber: 100,
            Protocol: '-1',
            RuleAction: 'allow' as const,
            Egress: egress,
            CidrBlock: '0.0.0.0/0',
          },
          {
            RuleNumber: 32767,
            Protocol: '-1',
            RuleAction: 'deny' as const,
            Egress: egress,
            CidrBlock: '0.0.0.0/0',
          },
        ]),
      },
    ],
    routeTables: [
      {
        RouteTableId: IDS.rtbMain,
        VpcId: IDS.vpc,
        OwnerId: ACCOUNT,
        Routes: [{ ...localRoute }],
        Associations: [
          {
            Main: true,
            RouteTableId: IDS.rtbMain,
            RouteTableAssociationId: 'rtbassoc-0main',
            AssociationState: { State: 'associated' },
          },
        ],
        PropagatingVgws: [],
      },
      {
        RouteTableId: IDS.rtbPrivate,
        VpcId: IDS.vpc,
        OwnerId: ACCOUNT,
        Routes: [{ ...localRoute }],
        Associations: subnets.map((s, i) => ({
          RouteTableAssociationId: `rtbassoc-0private${i}`,
          RouteTableId: IDS.rtbPrivate,
          SubnetId: s,
          Main: false,
          AssociationState: { State: 'associated' as const },
        })),
        PropagatingVgws: [],
      },
    ],
    vpcEndpoints: [],
    natGateways: [],
    internetGateways: [],
    dhcpOptions: [
      {
        DhcpOptionsId: IDS.dhcp,
        OwnerId: ACCOUNT,
        DhcpConfigurations: [
          { Key: 'domain-name', Values: [{ Value: 'ec2.internal' }] },
          { Key: 'domain-name-servers', Values: [{ Value: 'AmazonProvidedDNS' }] },
        ],
      },
    ],
    prefixLists: {},
    networkInterfaces: [],
  };
}

/** The same environment with an Aurora PostgreSQL cluster (port 5432) instead of MySQL. */
export function withAuroraPostgres(snapshot: RotationNetworkSnapshot): RotationNetworkSnapshot {
  const postgres = { Engine: 'aurora-postgresql', Port: 5432 };
  return {
    ...snapshot,
    dbClusters: snapshot.dbClusters.map((c) => ({
      ...c,
      ...postgres,
      EngineVersion: '16.6',
      MasterUsername: 'postgres',
    })),
    dbInstances: snapshot.dbInstances.map((i) => ({
      ...i,
      Engine: postgres.Engine,
      Endpoint: { ...i.Endpoint, Port: postgres.Port },
    })),
  };
}

/** The environment with the parameter values a deploy into it would pass. */
export function existingEnvironment(
  parameters: ExistingEnvironment['parameters'] = {},
  engine: 'mysql' | 'postgres' = 'mysql',
): ExistingEnvironment {
  const snapshot = environmentSnapshot();
  return {
    snapshot: engine === 'postgres' ? withAuroraPostgres(snapshot) : snapshot,
    accountId: ACCOUNT,
    stackName: 'rotakit-rotation',
    parameters: {
      VpcId: IDS.vpc,
      PrivateSubnetIds: [IDS.subnetPrivateA, IDS.subnetPrivateB],
      DatabaseSecurityGroupId: IDS.sgDb,
      SecretArn: IDS.secretArn,
      ...parameters,
    },
  };
}
