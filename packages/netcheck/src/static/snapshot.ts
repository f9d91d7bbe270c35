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
