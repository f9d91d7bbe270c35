import type { FindingRule, ResourceType, ServiceName } from './types.js';

// The typed data each finding code is raised with. Detection fills these in; the catalogue
// words them. Ids may be undefined where the snapshot lacks them (the text then says so).

type Direction = NonNullable<FindingRule['direction']>;

/** One side of a flow whose security groups lack (part of) a rule. */
export interface SecurityGroupData {
  direction: Direction;
  ports: string;
  /** Every group on the side that needs the rule; the fix adds it to the first. */
  groupIds: string[];
  ownerLabel: string;
  /** Some of the peer's addresses are allowed, not all. */
  partial: boolean;
  peerLabel: string;
  peerGroupIds: string[];
  /** The peer's group to reference in the fix (survives IP changes). */
  referenceGroupId?: string;
  /** The peer is the internet (a NAT path). */
  publicPeer: boolean;
}

export interface NetworkAclData {
  aclId: string;
  subnetId: string | undefined;
  direction: Direction;
  ports: string;
  /** The traffic, such as `MySQL to DB cluster c (subnet-1, port 3306)`. */
  what: string;
  partial: boolean;
  /** The deciding rule number, or `*` for the final implicit deny. */
  deniedBy: number | '*' | undefined;
  publicPeer: boolean;
  /** A port range rather than one port (the ephemeral ports of return traffic). */
  portRange: boolean;
  /** Inbound return traffic on the ephemeral ports (worth saying NACLs are stateless). */
  statelessReply: boolean;
}

export type NoRouteData =
  /** Inside the VPC: the local route does not cover the destination. */
  | {
      situation: 'local';
      tableId: string;
      subnetId: string | undefined;
      destination: string;
      what: string;
    }
  /** The NAT gateway's own subnet has no default route to an internet gateway. */
  | {
      situation: 'nat-subnet';
      natId: string;
      natSubnetId: string | undefined;
      tableId: string;
      vpcId: string | undefined;
      what: string;
    }
  /** One function subnet has no default route while the others go through NAT. */
  | {
      situation: 'some-subnets';
      tableId: string;
      subnetId: string | undefined;
      host: string;
      serviceName: string;
    };

export interface BlackholeData {
  tableId: string;
  destination: string;
  subnetId: string | undefined;
  targetId: string;
  what: string;
}

export type UnverifiedRouteData =
  /** A more specific route takes VPC traffic away from the local route. */
  | {
      situation: 'local';
      tableId: string;
      targetId: string;
      destination: string;
      range: string;
      what: string;
    }
  /** The function subnet's default route goes to a target the analysis does not follow. */
  | {
      situation: 'default-route';
      tableId: string;
      subnetId: string | undefined;
      destination: string;
      targetId: string;
      targetKind: string;
      serviceLabel: string;
    }
  /** The NAT gateway's subnet routes out through something other than an internet gateway. */
  | {
      situation: 'nat-subnet';
      natSubnetId: string | undefined;
      tableId: string;
      destination: string;
      targetId: string;
      vpcId: string | undefined;
    };

export interface IgwRouteData {
  tableId: string;
  subnetId: string | undefined;
  destination: string;
  igwId: string;
  what: string;
  serviceLabel: string;
}

export interface NatGatewayData {
  natId: string;
  destination: string;
  tableId: string | undefined;
  /** `missing`, `private` (a private NAT gateway) or the gateway's state. */
  state: 'missing' | 'private' | { state: string | undefined };
  what: string;
}

export interface IgwAttachmentData {
  igwId: string;
  destination: string;
  /** The gateway exists but is attached elsewhere (or not at all). */
  found: boolean;
  vpcId: string | undefined;
  tableId: string;
}

export interface EndpointOverrideData {
  source: string;
  /** `Secrets Manager` or `RDS`. */
  clientName: string;
  functionName: string;
  host: string;
  port: number;
}

/** How the function reaches a service instead of (or besides) its interface endpoint. */
export type EndpointBypass =
  /** The name resolves publicly and these route tables have no default route either. */
  | { kind: 'no-way-out'; routeTables: string }
  /** The name resolves publicly and a working NAT route carries the traffic. */
  | { kind: 'via-nat'; endpointId: string | undefined };

export type EndpointMissingData =
  /** An endpoint-specific name for an endpoint that is not in the function's VPC. */
  | {
      situation: 'named-endpoint';
      source: string;
      host: string;
      vpceId: string | undefined;
      vpcId: string;
      serviceName: string;
    }
  /** No interface endpoint and no default route. */
  | {
      situation: 'no-way-out';
      vpcId: string;
      serviceName: string;
      routeTables: string;
      host: string;
      functionName: string;
      subnetIds: Array<string | undefined>;
      groupIds: string[];
    };

export interface EndpointStateData {
  endpointId: string;
  serviceName: string;
  state: string | undefined;
  lastError: string | undefined;
}

export interface PrivateDnsData {
  endpointId: string;
  serviceName: string;
  host: string;
  bypass?: EndpointBypass;
}

export interface DnsAttributeData {
  vpcId: string;
  attribute: 'enableDnsSupport' | 'enableDnsHostnames';
  host: string;
  bypass?: EndpointBypass;
}

export interface DhcpDnsData {
  vpcId: string;
  dnsServers: string[];
  endpointId: string;
  host: string;
}

export interface EndpointAzData {
  endpointId: string;
  az: string;
  functionName: string;
  subnetId: string | undefined;
}

export interface EndpointPolicyData {
  endpointId: string;
  blockedActions: string[];
  secretArn: string;
}

export interface SecretPolicyData {
  secretId: string;
  key: string;
  allowed: string[];
  /** The endpoint the requests come through; none when they come through NAT. */
  endpointId?: string;
  vpcId: string;
}

export interface FunctionStateData {
  name: string;
  state: string | undefined;
  lastUpdateStatus: string | undefined;
  stateReason: string | undefined;
  lastUpdateStatusReason: string | undefined;
  reasonCode: string | undefined;
  /** Failed (an error) rather than Pending/Inactive (a warning). */
  failed: boolean;
}

export interface FunctionNameData {
  name: string;
}

export interface RotationFunctionData {
  rotationArn: string;
  functionArn: string;
}

export interface FunctionTimeoutData {
  name: string;
  timeoutSeconds: number;
  minimumSeconds: number;
}

export interface DbStateData {
  resourceType: Extract<ResourceType, 'db-cluster' | 'db-instance'>;
  id: string;
  status: string;
}

export interface NotInVpcData {
  functionName: string;
  privateDbIds: string[];
  dbVpcId: string | undefined;
}

export interface DifferentVpcData {
  functionName: string;
  vpcId: string;
  dbId: string;
  dbVpcId: string;
  subnetGroupName: string | undefined;
  port: number;
}

export type { ServiceName };
