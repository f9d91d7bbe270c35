import type * as D from './data.js';
import type { ConditionId, FindingSeverity } from './types.js';

/** What a finding says: what is wrong and what to change. */
export interface Wording {
  message: string;
  fix: string;
}

interface CatalogueEntry<Data> {
  /**
   * The condition the code belongs to. Codes raised along a flow (security groups, network
   * ACLs, routes, endpoints) take the flow's condition instead: R7 on the database path, R8
   * on the RDS API path.
   */
  condition: ConditionId;
  severity: FindingSeverity | ((data: Data) => FindingSeverity);
  /** One line for the docs and `FINDING_CODES`. */
  meaning: string;
  /** `peers`: every peer of the merged findings, comma-separated (the rule's `peer`). */
  render(data: Data, peers: string): Wording;
}

/** The data each code is raised with. */
export interface FindingDataByCode {
  LAMBDA_NOT_IN_VPC: D.NotInVpcData;
  DIFFERENT_VPC: D.DifferentVpcData;
  FUNCTION_NOT_ACTIVE: D.FunctionStateData;
  DB_NOT_AVAILABLE: D.DbStateData;
  ENDPOINT_OVERRIDE: D.EndpointOverrideData;
  VPC_ENDPOINT_MISSING: D.EndpointMissingData;
  VPC_ENDPOINT_NOT_AVAILABLE: D.EndpointStateData;
  PRIVATE_DNS_DISABLED: D.PrivateDnsData;
  VPC_DNS_ATTRIBUTE_DISABLED: D.DnsAttributeData;
  DHCP_CUSTOM_DNS: D.DhcpDnsData;
  VPC_ENDPOINT_AZ_NOT_COVERED: D.EndpointAzData;
  ENI_SG_RULES_MISMATCH: D.SecurityGroupData;
  SUBNET_ACL_RESTRICTION: D.NetworkAclData;
  NO_ROUTE_TO_DESTINATION: D.NoRouteData;
  ROUTE_BLACKHOLE: D.BlackholeData;
  IGW_ROUTE_WITHOUT_PUBLIC_IP: D.IgwRouteData;
  NAT_GATEWAY_NOT_AVAILABLE: D.NatGatewayData;
  IGW_NOT_ATTACHED: D.IgwAttachmentData;
  ROUTE_TARGET_UNVERIFIED: D.UnverifiedRouteData;
  VPC_ENDPOINT_POLICY_RESTRICTION: D.EndpointPolicyData;
  SECRET_POLICY_VPC_CONDITION: D.SecretPolicyData;
  LAMBDA_PERMISSION_MISSING: D.FunctionNameData;
  ROTATION_FUNCTION_MISMATCH: D.RotationFunctionData;
  FUNCTION_TIMEOUT_TOO_SHORT: D.FunctionTimeoutData;
}

export type FindingCode = keyof FindingDataByCode;

type Catalogue = { readonly [C in FindingCode]: CatalogueEntry<FindingDataByCode[C]> };

/** `..., and route table(s) rtb-1 have no default route (no NAT gateway)` closes a message. */
function withBypass(message: string, bypass: D.EndpointBypass | undefined): string {
  if (bypass?.kind !== 'no-way-out') return message;
  return `${message.replace(/\.$/, '')}, ${noDefaultRoute(bypass.routeTables)}.`;
}

function noDefaultRoute(routeTables: string): string {
  return `and route table(s) ${routeTables} have no default route (no NAT gateway)`;
}

function viaNat(endpointId: string | undefined, host: string, why: string): string {
  return `Interface endpoint ${endpointId} is not used for ${host} (${why}); traffic goes through the NAT gateway instead.`;
}

function dashed(attribute: string): string {
  return attribute.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function securityGroupWording(d: D.SecurityGroupData, peers: string): Wording {
  const all = d.groupIds.join(', ');
  const groupId = d.groupIds[0] ?? '?';
  const peerGroups = d.peerGroupIds.join(', ');
  const peerDesc = d.publicPeer
    ? `${d.peerLabel} (public addresses)`
    : `${d.peerLabel}${peerGroups ? ` (${peerGroups})` : ''} at ${peers}`;
  // A group reference survives IP changes, so the fix prefers it to the address ranges.
  const suggested = d.publicPeer
    ? '0.0.0.0/0'
    : d.referenceGroupId
      ? `${d.referenceGroupId} (or ${peers})`
      : peers;
  const partial = d.partial ? 'only partly allow' : 'have no rule allowing';
  const [way, rule] =
    d.direction === 'egress' ? ['outbound', 'to'] : (['inbound', 'from'] as const);
  return {
    message: `Security groups ${all} on ${d.ownerLabel} ${partial} ${way} TCP ${d.ports} ${rule} ${peerDesc}.`,
    fix: `Add an ${way} rule to ${groupId}: TCP ${d.ports} ${rule} ${suggested}.`,
  };
}

function networkAclWording(d: D.NetworkAclData, peers: string): Wording {
  const way =
    d.direction === 'ingress' ? `inbound TCP ${d.ports} from` : `outbound TCP ${d.ports} to`;
  const finalDeny = d.deniedBy === '*';
  const by = finalDeny
    ? 'no rule allows it (the final * rule denies)'
    : `rule ${d.deniedBy} denies it`;
  const placement = finalDeny ? '' : ` numbered below ${d.deniedBy}`;
  const stateless = d.statelessReply
    ? ' (network ACLs are stateless: replies come back on ephemeral ports)'
    : '';
  return {
    message: `Network ACL ${d.aclId} (subnet ${d.subnetId}) ${d.partial ? 'partly ' : ''}blocks ${d.what}: ${way} ${peers}; ${by}.`,
    fix: `Add an allow rule to ${d.aclId}${placement}: ${way} ${peers}${stateless}.`,
  };
}

function noRouteWording(d: D.NoRouteData): Wording {
  switch (d.situation) {
    case 'local':
      return {
        message: `Route table ${d.tableId} (subnet ${d.subnetId}) has no route to ${d.destination} (${d.what}).`,
        fix: `Check that ${d.destination} is inside the VPC CIDR (the local route covers it).`,
      };
    case 'nat-subnet':
      return {
        message: `NAT gateway ${d.natId} sits in subnet ${d.natSubnetId}, whose route table ${d.tableId} has no 0.0.0.0/0 route to an internet gateway, so ${d.what} stops at the NAT gateway.`,
        fix: `Add 0.0.0.0/0 -> an internet gateway attached to ${d.vpcId} in ${d.tableId} (the NAT gateway must be in a public subnet).`,
      };
    case 'some-subnets':
      return {
        message: `Route table ${d.tableId} of subnet ${d.subnetId} has no default route, so ${d.host} (public addresses) is unreachable from that subnet while the function's other subnets go through NAT.`,
        fix: `Add 0.0.0.0/0 -> a NAT gateway to ${d.tableId}, remove ${d.subnetId} from the function, or create an interface VPC endpoint with private DNS for ${d.serviceName}.`,
      };
  }
}

function unverifiedRouteWording(d: D.UnverifiedRouteData): Wording {
  switch (d.situation) {
    case 'local':
      return {
        message: `Route table ${d.tableId} sends ${d.what} (${d.range}) to ${d.targetId} instead of the local route.`,
        fix: `Make sure ${d.targetId} forwards the traffic, or remove the more specific route ${d.destination}.`,
      };
    case 'default-route':
      return {
        message: `Route table ${d.tableId} (subnet ${d.subnetId}) sends ${d.destination} to ${d.targetId} (${d.targetKind}); the analysis does not follow it, so the way to ${d.serviceLabel} is unverified.`,
        fix: `Verify that ${d.targetId} forwards HTTPS to the internet, or create an interface VPC endpoint with private DNS for ${d.serviceLabel}.`,
      };
    case 'nat-subnet':
      return {
        message: `The NAT gateway's subnet ${d.natSubnetId} routes ${d.destination} to ${d.targetId}, not to an internet gateway; the path beyond it is unverified.`,
        fix: `Route ${d.destination} in ${d.tableId} to an internet gateway attached to ${d.vpcId}.`,
      };
  }
}

function endpointMissingWording(d: D.EndpointMissingData): Wording {
  if (d.situation === 'named-endpoint') {
    return {
      message: `${d.source} names ${d.host}, but endpoint ${d.vpceId} is not an endpoint of ${d.vpcId}.`,
      fix: `Point ${d.source} at an interface endpoint of ${d.vpcId} for ${d.serviceName}, or remove it to use the regional name.`,
    };
  }
  return {
    message: `${d.vpcId} has no interface endpoint for ${d.serviceName}, ${noDefaultRoute(d.routeTables)}: ${d.host} resolves to public addresses that ${d.functionName} cannot reach.`,
    fix: `Create an interface VPC endpoint for ${d.serviceName} in ${d.subnetIds.join(', ')} with private DNS enabled and a security group that accepts TCP 443 from ${d.groupIds.join(', ')}; or add 0.0.0.0/0 -> a NAT gateway in a public subnet to ${d.routeTables}.`,
  };
}

function natGatewayState(state: D.NatGatewayData['state']): string {
  if (state === 'missing') return 'not found';
  if (state === 'private') return 'a private NAT gateway';
  return `in state ${state.state}`;
}

function functionStateWording(d: D.FunctionStateData): Wording {
  const reason = d.stateReason ? `: ${d.stateReason}` : '';
  const updateReason = d.lastUpdateStatusReason ? `: ${d.lastUpdateStatusReason}` : '';
  return {
    message: `Function ${d.name} is ${d.state ?? '?'} (last update ${d.lastUpdateStatus ?? '?'})${reason}${updateReason}.`,
    fix: d.failed
      ? `Fix the cause (${d.reasonCode ?? 'see StateReason'}) and update the function; ENI creation failures usually mean missing EC2 permissions or no free IPs in the subnets.`
      : `Wait until ${d.name} is Active (a Pending or Inactive function is activated on first invocation).`,
  };
}

function secretPolicyWording(d: D.SecretPolicyData): Wording {
  const through = d.endpointId ? `endpoint ${d.endpointId}` : 'NAT (no VPC endpoint)';
  return {
    message: `The resource policy of ${d.secretId} denies requests whose ${d.key} is not ${d.allowed.join(' or ')}; the rotation function's requests arrive through ${through}.`,
    fix: d.endpointId
      ? `Add ${d.key === 'aws:SourceVpce' ? d.endpointId : d.vpcId} to the ${d.key} condition of the secret's resource policy.`
      : `Create an interface VPC endpoint (private DNS on) so requests carry ${d.key}, or relax the condition.`,
  };
}

/**
 * Every finding code: its condition, severity, meaning and wording, in one place. Codes
 * follow the style of Reachability Analyzer's explanation codes where one exists.
 */
export const CATALOGUE: Catalogue = {
  LAMBDA_NOT_IN_VPC: {
    condition: 'R1',
    severity: 'error',
    meaning: 'The rotation function has no VPC configuration, so it cannot reach a private DB.',
    render: (d) => ({
      message: `${d.functionName} has no VPC configuration, so it cannot reach ${d.privateDbIds.join(', ')} on private addresses.`,
      fix: `Attach ${d.functionName} to private subnets of ${d.dbVpcId ?? "the database's VPC"} (VpcConfig SubnetIds and SecurityGroupIds).`,
    }),
  },
  DIFFERENT_VPC: {
    condition: 'R1',
    severity: 'error',
    meaning: "The rotation function runs in another VPC than the database's subnet group.",
    render: (d) => ({
      message: `${d.functionName} runs in ${d.vpcId}, but ${d.dbId} is in ${d.dbVpcId} (DB subnet group ${d.subnetGroupName ?? '?'}); security group references do not cross VPCs and no peering is analysed.`,
      fix: `Attach ${d.functionName} to private subnets of ${d.dbVpcId} with a security group the DB accepts on port ${d.port}.`,
    }),
  },
  FUNCTION_NOT_ACTIVE: {
    condition: 'R1',
    severity: (d) => (d.failed ? 'error' : 'warning'),
    meaning: 'The function is not Active or its last update failed.',
    render: functionStateWording,
  },
  DB_NOT_AVAILABLE: {
    condition: 'R7',
    severity: 'warning',
    meaning: 'A DB cluster or instance is not in the available state.',
    render: (d) => ({
      message: `${d.resourceType === 'db-cluster' ? 'DB cluster' : 'DB instance'} ${d.id} is ${d.status}.`,
      fix: `Wait until ${d.id} is available before rotating.`,
    }),
  },
  ENDPOINT_OVERRIDE: {
    condition: 'R2',
    severity: 'warning',
    meaning:
      'An environment variable points an SDK client (see `service`) at a host the analysis cannot model.',
    render: (d) => ({
      message: `${d.source} points the ${d.clientName} client of ${d.functionName} at ${d.host}, which is not an AWS service name; the path to it is not analysed.`,
      fix: `Check that ${d.host}:${d.port} is reachable from the function's subnets, or remove ${d.source}.`,
    }),
  },
  VPC_ENDPOINT_MISSING: {
    condition: 'R3',
    severity: 'error',
    meaning: 'No interface endpoint for the service and no route out of the VPC.',
    render: endpointMissingWording,
  },
  VPC_ENDPOINT_NOT_AVAILABLE: {
    condition: 'R3',
    severity: 'error',
    meaning: 'The interface endpoint exists but is not in the available state.',
    render: (d) => ({
      message: `Interface endpoint ${d.endpointId} for ${d.serviceName} is in state ${d.state}, not available.`,
      fix: `Wait for ${d.endpointId} to become available, accept it, or recreate it (check LastError${d.lastError ? `: ${d.lastError}` : ''}).`,
    }),
  },
  PRIVATE_DNS_DISABLED: {
    condition: 'R3',
    severity: (d) => (d.bypass?.kind === 'via-nat' ? 'info' : 'error'),
    meaning: 'The interface endpoint has private DNS off, so the regional name stays public.',
    render: (d) => ({
      message:
        d.bypass?.kind === 'via-nat'
          ? viaNat(d.bypass.endpointId, d.host, 'private DNS is off')
          : withBypass(
              `Interface endpoint ${d.endpointId} for ${d.serviceName} has private DNS off, so ${d.host} resolves to public addresses and bypasses it.`,
              d.bypass,
            ),
      fix: `aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${d.endpointId} --private-dns-enabled`,
    }),
  },
  VPC_DNS_ATTRIBUTE_DISABLED: {
    condition: 'R3',
    severity: (d) => (d.bypass?.kind === 'via-nat' ? 'info' : 'error'),
    meaning: 'enableDnsSupport or enableDnsHostnames is off on the VPC.',
    render: (d) => ({
      message:
        d.bypass?.kind === 'via-nat'
          ? viaNat(d.bypass.endpointId, d.host, `VPC attribute ${d.attribute} is off`)
          : withBypass(
              d.attribute === 'enableDnsSupport'
                ? `${d.vpcId} has enableDnsSupport off: the Amazon resolver does not answer, so ${d.host} does not resolve.`
                : `${d.vpcId} has enableDnsHostnames off: private DNS of the interface endpoint does not apply, so ${d.host} resolves to public addresses.`,
              d.bypass,
            ),
      fix: `aws ec2 modify-vpc-attribute --vpc-id ${d.vpcId} --${dashed(d.attribute)} "{\\"Value\\":true}"`,
    }),
  },
  DHCP_CUSTOM_DNS: {
    condition: 'R3',
    severity: 'warning',
    meaning:
      'The VPC DHCP options use custom DNS servers, which must forward to the Amazon resolver.',
    render: (d) => ({
      message: `${d.vpcId} hands out DNS servers ${d.dnsServers.join(', ')}; private DNS of ${d.endpointId} only answers through the Amazon resolver.`,
      fix: `Forward ${d.host} (or the whole amazonaws.com zone) from ${d.dnsServers.join(', ')} to the VPC resolver (VPC CIDR base +2), or add AmazonProvidedDNS.`,
    }),
  },
  VPC_ENDPOINT_AZ_NOT_COVERED: {
    condition: 'R3',
    severity: 'warning',
    meaning: 'A subnet of the function is in an AZ where the endpoint has no network interface.',
    render: (d) => ({
      message: `Endpoint ${d.endpointId} has no network interface in ${d.az}, where ${d.functionName} runs in ${d.subnetId}: calls cross AZs and fail if the endpoint's AZs are impaired.`,
      fix: `aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${d.endpointId} --add-subnet-ids ${d.subnetId}`,
    }),
  },
  ENI_SG_RULES_MISMATCH: {
    condition: 'R4',
    severity: (d) => (d.partial ? 'warning' : 'error'),
    meaning: 'A security group on one side has no rule for the traffic (egress or ingress).',
    render: securityGroupWording,
  },
  SUBNET_ACL_RESTRICTION: {
    condition: 'R4',
    // A gap in the ephemeral range fails connections at random; a gap in the public address
    // space may not matter (the service's addresses are unknown here).
    severity: (d) => (!d.partial || (!d.publicPeer && d.portRange) ? 'error' : 'warning'),
    meaning: 'A network ACL denies the request or the return traffic.',
    render: networkAclWording,
  },
  NO_ROUTE_TO_DESTINATION: {
    condition: 'R5',
    severity: 'error',
    meaning: 'A route table has no route that gets the traffic to its destination.',
    render: noRouteWording,
  },
  ROUTE_BLACKHOLE: {
    condition: 'R5',
    severity: 'error',
    meaning: 'The matching route is a blackhole (its target was deleted).',
    render: (d) => ({
      message: `Route ${d.destination} in ${d.tableId} (subnet ${d.subnetId}) is a blackhole: its target ${d.targetId} no longer exists, so ${d.what} is dropped.`,
      fix: `Replace the target of ${d.destination} in ${d.tableId} with an available NAT gateway, or delete the route and use an interface VPC endpoint.`,
    }),
  },
  IGW_ROUTE_WITHOUT_PUBLIC_IP: {
    condition: 'R5',
    severity: 'error',
    meaning:
      "The function's subnet routes to an internet gateway, but Lambda ENIs have no public IP.",
    render: (d) => ({
      message: `Route table ${d.tableId} (subnet ${d.subnetId}) sends ${d.destination} to internet gateway ${d.igwId}, but Lambda network interfaces never get a public IP, so ${d.what} cannot leave the VPC.`,
      fix: `Point ${d.destination} in ${d.tableId} at a NAT gateway in a public subnet, or create an interface VPC endpoint with private DNS for ${d.serviceLabel}.`,
    }),
  },
  NAT_GATEWAY_NOT_AVAILABLE: {
    condition: 'R5',
    severity: 'error',
    meaning: 'The NAT gateway in the route is not available, or is a private NAT gateway.',
    render: (d) => ({
      message: `NAT gateway ${d.natId} (the ${d.destination} route of ${d.tableId}) is ${natGatewayState(d.state)}, so ${d.what} has no way out.`,
      fix: `Create a public NAT gateway in a public subnet and point ${d.destination} in ${d.tableId} at it.`,
    }),
  },
  IGW_NOT_ATTACHED: {
    condition: 'R5',
    severity: 'error',
    meaning: 'The internet gateway behind the NAT gateway is not attached to the VPC.',
    render: (d) => ({
      message: `Internet gateway ${d.igwId} (the ${d.destination} route of the NAT gateway's subnet) is ${d.found ? 'not attached to' : 'not found in'} ${d.vpcId}.`,
      fix: `Attach ${d.igwId} to ${d.vpcId}, or route ${d.tableId} to an attached internet gateway.`,
    }),
  },
  ROUTE_TARGET_UNVERIFIED: {
    condition: 'R5',
    severity: 'warning',
    meaning:
      'The route goes through a target the analysis does not follow (TGW, peering, appliance).',
    render: unverifiedRouteWording,
  },
  VPC_ENDPOINT_POLICY_RESTRICTION: {
    condition: 'R6',
    severity: 'error',
    meaning: 'The endpoint policy does not allow the calls rotation makes.',
    render: (d) => ({
      message: `The policy of endpoint ${d.endpointId} does not allow ${d.blockedActions.join(', ')} on ${d.secretArn}; rotation calls through it get AccessDeniedException.`,
      fix: `Allow ${d.blockedActions.join(', ')} on ${d.secretArn} in the endpoint policy of ${d.endpointId} (or restore the default full-access policy).`,
    }),
  },
  SECRET_POLICY_VPC_CONDITION: {
    condition: 'R6',
    severity: 'error',
    meaning:
      "The secret's resource policy denies requests that do not come through a given VPC or endpoint.",
    render: secretPolicyWording,
  },
  LAMBDA_PERMISSION_MISSING: {
    condition: 'R9',
    severity: 'error',
    meaning: 'The function policy does not let secretsmanager.amazonaws.com invoke the function.',
    render: (d) => ({
      message: `The resource policy of ${d.name} does not allow secretsmanager.amazonaws.com to call lambda:InvokeFunction, so Secrets Manager cannot start rotation.`,
      fix: `aws lambda add-permission --function-name ${d.name} --statement-id SecretsManagerAccess --action lambda:InvokeFunction --principal secretsmanager.amazonaws.com`,
    }),
  },
  ROTATION_FUNCTION_MISMATCH: {
    condition: 'R9',
    severity: 'warning',
    meaning: "The secret's RotationLambdaARN names another function.",
    render: (d) => ({
      message: `The secret rotates with ${d.rotationArn}, not with the analysed function ${d.functionArn}.`,
      fix: 'Analyse the function named by RotationLambdaARN, or point the secret at this function with RotateSecret.',
    }),
  },
  FUNCTION_TIMEOUT_TOO_SHORT: {
    condition: 'R9',
    severity: 'warning',
    meaning: 'The function timeout is shorter than a rotation step plus a probe budget needs.',
    render: (d) => ({
      message: `Function ${d.name} times out after ${d.timeoutSeconds}s; a rotation step with SDK retries and a diagnosis budget needs at least ${d.minimumSeconds}s.`,
      fix: `aws lambda update-function-configuration --function-name ${d.name} --timeout ${Math.max(d.minimumSeconds, 30)}`,
    }),
  },
};

/** Every finding code with the condition it belongs to and a one-line meaning. */
export const FINDING_CODES: {
  readonly [C in FindingCode]: { condition: ConditionId; meaning: string };
} = Object.freeze(
  Object.fromEntries(
    Object.entries(CATALOGUE).map(([code, { condition, meaning }]) => [
      code,
      Object.freeze({ condition, meaning }),
    ]),
  ) as { [C in FindingCode]: { condition: ConditionId; meaning: string } },
);

/** The severity a code's data gives it. */
export function severityOf<C extends FindingCode>(
  code: C,
  data: FindingDataByCode[C],
): FindingSeverity {
  const { severity } = CATALOGUE[code] as CatalogueEntry<FindingDataByCode[C]>;
  return typeof severity === 'function' ? severity(data) : severity;
}

/** The message and fix of a finding, worded from its data and merged peers. */
export function wordingOf<C extends FindingCode>(
  code: C,
  data: FindingDataByCode[C],
  peers: string,
): Wording {
  return (CATALOGUE[code] as CatalogueEntry<FindingDataByCode[C]>).render(data, peers);
}
