import type {
  PrefixListEntry,
  RouteTable,
  SecurityGroup,
  Subnet,
  Vpc,
  VpcEndpoint,
} from '@aws-sdk/client-ec2';
import type { DBCluster, DBInstance, DBSubnetGroup } from '@aws-sdk/client-rds';
import { type EndpointSource, type ResolvedEndpoint, resolveServiceEndpoint } from '../endpoint.js';
import { InvalidOptionError, InvalidSnapshotError } from '../errors.js';
import {
  formatRange,
  IPV4_MAX,
  type Ipv4Range,
  PUBLIC_IPV4_RANGES,
  parseCidr4,
} from '../util/ip.js';
import {
  actionsBlockedByPolicy,
  dhcpDnsServers,
  endpointRangesInSubnet,
  endpointServiceName,
  functionPolicyAllowsSecretsManager,
  interfaceEndpointsFor,
  isAvailable,
  ROTATION_ACTIONS,
  secretPolicyVpcProblem,
} from './endpoints.js';
import {
  type ConditionId,
  type Finding,
  FindingCollector,
  type FindingRule,
  type FindingSeverity,
  type ResourceType,
} from './findings.js';
import { aclForSubnet, EPHEMERAL_PORTS, evaluateNetworkAcl } from './nacls.js';
import { lookupRoute, type RouteMatch, routeTableForSubnet } from './routes.js';
import { type Direction, evaluateSecurityGroups, type Verdict } from './security-groups.js';
import type { RotationNetworkSnapshot } from './snapshot.js';

export interface AnalyzeOptions {
  /** Also check the path to the RDS API (R8), for functions that call it. @default false */
  checkRdsApi?: boolean;
  /** Warn when the function timeout is below this many seconds (R9). @default 30 */
  minFunctionTimeoutSeconds?: number;
}

/** How the function reaches an AWS API, as configured. */
export type ServiceRoute =
  | 'vpc-endpoint'
  | 'nat-gateway'
  | 'internet'
  | 'unverified'
  | 'none'
  | 'not-modelled';

export interface ServicePathSummary {
  service: 'secretsmanager' | 'rds';
  host: string;
  hostSource: EndpointSource;
  route: ServiceRoute;
  vpcEndpointId?: string;
}

export interface DatabaseTargetSummary {
  type: 'db-cluster' | 'db-instance';
  id: string;
  port: number;
  vpcId?: string;
  securityGroupIds: string[];
  /** Each member with the subnets it can sit in (its AZ's subnets in the DB subnet group). */
  members: Array<{ id: string; subnetIds: string[] }>;
}

export interface RotationNetworkAnalysis {
  /** No finding of severity `error`. */
  ok: boolean;
  findings: Finding[];
  secretsManager?: ServicePathSummary;
  rdsApi?: ServicePathSummary;
  databases: DatabaseTargetSummary[];
}

const LIST_FIELDS = [
  'dbClusters',
  'dbInstances',
  'dbSubnetGroups',
  'vpcs',
  'subnets',
  'securityGroups',
  'networkAcls',
  'routeTables',
  'vpcEndpoints',
  'natGateways',
  'internetGateways',
  'dhcpOptions',
] as const;

const PUBLIC_RANGES: readonly Ipv4Range[] = PUBLIC_IPV4_RANGES;
const WHOLE_V4: Ipv4Range = { start: 0, end: IPV4_MAX };

/** One side of a flow inside the VPC. */
interface FlowNode {
  /** Human description used in messages. */
  label: string;
  subnet: Subnet;
  ranges: Ipv4Range[];
  groups: SecurityGroup[];
}

interface Context {
  snap: RotationNetworkSnapshot;
  prefixLists: Readonly<Record<string, PrefixListEntry[]>>;
  findings: FindingCollector;
  subnet(id: string, why: string): Subnet;
  groups(ids: readonly string[], why: string): SecurityGroup[];
}

function validate(snapshot: unknown): asserts snapshot is RotationNetworkSnapshot {
  if (typeof snapshot !== 'object' || snapshot === null) {
    throw new InvalidSnapshotError('(root)', 'expected an object');
  }
  const s = snapshot as Record<string, unknown>;
  if (typeof s.region !== 'string' || s.region === '') {
    throw new InvalidSnapshotError('region', 'expected a region name such as "us-east-1"');
  }
  for (const field of LIST_FIELDS) {
    if (!Array.isArray(s[field])) {
      throw new InvalidSnapshotError(field, `expected an array, got ${typeof s[field]}`);
    }
  }
  for (const field of ['vpcAttributes', 'prefixLists'] as const) {
    if (typeof s[field] !== 'object' || s[field] === null || Array.isArray(s[field])) {
      throw new InvalidSnapshotError(field, 'expected an object keyed by id');
    }
  }
}

function resolveOptions(options: AnalyzeOptions | undefined): Readonly<Required<AnalyzeOptions>> {
  const resolved = {
    checkRdsApi: options?.checkRdsApi ?? false,
    minFunctionTimeoutSeconds: options?.minFunctionTimeoutSeconds ?? 30,
  };
  if (typeof resolved.checkRdsApi !== 'boolean') {
    throw new InvalidOptionError('checkRdsApi', 'expected a boolean');
  }
  if (
    !Number.isFinite(resolved.minFunctionTimeoutSeconds) ||
    resolved.minFunctionTimeoutSeconds < 0
  ) {
    throw new InvalidOptionError('minFunctionTimeoutSeconds', 'expected a number of seconds >= 0');
  }
  return Object.freeze(resolved);
}

function describeRanges(ranges: readonly Ipv4Range[]): string {
  if (ranges === PUBLIC_RANGES) return 'the internet';
  return ranges.map(formatRange).join(', ');
}

function portsText(ports: readonly [number, number]): string {
  return ports[0] === ports[1] ? String(ports[0]) : `${ports[0]}-${ports[1]}`;
}

function groupIds(groups: readonly SecurityGroup[]): string[] {
  return groups.map((g) => g.GroupId ?? '?');
}

function severityFor(verdict: Verdict): FindingSeverity {
  return verdict === 'deny' ? 'error' : 'warning';
}

function checkSecurityGroup(
  ctx: Context,
  owner: { groups: SecurityGroup[]; label: string },
  direction: Direction,
  port: readonly [number, number],
  peer: { groups: SecurityGroup[]; ranges: readonly Ipv4Range[]; label: string },
  condition: ConditionId,
): boolean {
  const evaluation = evaluateSecurityGroups(
    owner.groups,
    direction,
    port,
    { ranges: peer.ranges, groupIds: groupIds(peer.groups) },
    ctx.prefixLists,
  );
  if (evaluation.verdict === 'allow') return true;
  const groupId = owner.groups[0]?.GroupId ?? '?';
  const all = groupIds(owner.groups).join(', ');
  const ports = portsText(port);
  const isPublic = peer.ranges === PUBLIC_RANGES;
  // The peer in the rule is the address range that failed (findings from several subnets
  // merge into one list); the fix still prefers a group reference, which survives IP changes.
  const peerText = isPublic ? 'internet' : describeRanges(peer.ranges);
  const peerGroups = groupIds(peer.groups).join(', ');
  const peerDesc = isPublic
    ? `${peer.label} (public addresses)`
    : `${peer.label}${peerGroups ? ` (${peerGroups})` : ''} at ${peerText}`;
  const suggested = isPublic
    ? '0.0.0.0/0'
    : peer.groups[0]?.GroupId
      ? `${peer.groups[0].GroupId} (or ${peerText})`
      : peerText;
  const partial = evaluation.verdict === 'partial' ? 'only partly allow' : 'have no rule allowing';
  const message =
    direction === 'egress'
      ? `Security groups ${all} on ${owner.label} ${partial} outbound TCP ${ports} to ${peerDesc}.`
      : `Security groups ${all} on ${owner.label} ${partial} inbound TCP ${ports} from ${peerDesc}.`;
  const fix =
    direction === 'egress'
      ? `Add an outbound rule to ${groupId}: TCP ${ports} to ${suggested}.`
      : `Add an inbound rule to ${groupId}: TCP ${ports} from ${suggested}.`;
  ctx.findings.add({
    code: 'ENI_SG_RULES_MISMATCH',
    severity: severityFor(evaluation.verdict),
    condition,
    resource: { type: 'security-group', id: groupId },
    rule: { direction, protocol: 'tcp', ports, peer: peerText },
    message,
    fix,
  });
  return evaluation.verdict !== 'deny';
}

function checkAcl(
  ctx: Context,
  subnet: Subnet,
  direction: Direction,
  port: readonly [number, number],
  peers: readonly Ipv4Range[],
  what: string,
  condition: ConditionId,
): boolean {
  const acl = aclForSubnet(ctx.snap.networkAcls, subnet.SubnetId ?? '', subnet.VpcId);
  if (!acl) {
    throw new InvalidSnapshotError(
      'networkAcls',
      `no network ACL for subnet ${subnet.SubnetId} (neither associated nor a default ACL of ${subnet.VpcId})`,
    );
  }
  const evaluation = evaluateNetworkAcl(acl, direction, port, peers);
  if (evaluation.verdict === 'allow') return true;
  // A gap in the ephemeral range fails connections at random; a gap in the public address
  // space may not matter (the service's addresses are unknown here).
  const severity: FindingSeverity =
    evaluation.verdict === 'deny' || (peers !== PUBLIC_RANGES && port[0] !== port[1])
      ? 'error'
      : 'warning';
  const aclId = acl.NetworkAclId ?? '?';
  const ports = portsText(port);
  const peerText = describeRanges(peers);
  const way = direction === 'ingress' ? `inbound TCP ${ports} from` : `outbound TCP ${ports} to`;
  const by =
    evaluation.deniedBy === '*'
      ? 'no rule allows it (the final * rule denies)'
      : `rule ${evaluation.deniedBy} denies it`;
  const partial = evaluation.verdict === 'partial' ? 'partly ' : '';
  const placement = evaluation.deniedBy === '*' ? '' : ` numbered below ${evaluation.deniedBy}`;
  ctx.findings.add({
    code: 'SUBNET_ACL_RESTRICTION',
    severity,
    condition,
    resource: { type: 'network-acl', id: aclId },
    rule: {
      direction,
      protocol: 'tcp',
      ports,
      peer: peerText,
      ...(evaluation.deniedBy === undefined ? {} : { ruleNumber: evaluation.deniedBy }),
    },
    message: `Network ACL ${aclId} (subnet ${subnet.SubnetId}) ${partial}blocks ${what}: ${way} ${peerText}; ${by}.`,
    fix: `Add an allow rule to ${aclId}${placement}: ${way} ${peerText}${direction === 'ingress' && port[0] === EPHEMERAL_PORTS[0] ? ' (network ACLs are stateless: replies come back on ephemeral ports)' : ''}.`,
  });
  return evaluation.verdict !== 'deny';
}

/** The subnet's own route table, else its VPC's main table. */
function routeTableOf(ctx: Context, subnet: Subnet): RouteTable | undefined {
  return routeTableForSubnet(ctx.snap.routeTables, subnet.SubnetId ?? '', subnet.VpcId);
}

function checkLocalRoute(
  ctx: Context,
  from: Subnet,
  to: readonly Ipv4Range[],
  what: string,
  condition: ConditionId,
): boolean {
  const table = routeTableOf(ctx, from);
  if (!table) {
    throw new InvalidSnapshotError(
      'routeTables',
      `no route table for subnet ${from.SubnetId} (neither associated nor a main table of ${from.VpcId})`,
    );
  }
  let ok = true;
  for (const range of to) {
    const match = lookupRoute(table, range, ctx.prefixLists);
    const tableId = table.RouteTableId ?? '?';
    if (!match) {
      ctx.findings.add({
        code: 'NO_ROUTE_TO_DESTINATION',
        severity: 'error',
        condition,
        resource: { type: 'route-table', id: tableId },
        rule: { destination: formatRange(range) },
        message: `Route table ${tableId} (subnet ${from.SubnetId}) has no route to ${formatRange(range)} (${what}).`,
        fix: `Check that ${formatRange(range)} is inside the VPC CIDR (the local route covers it).`,
      });
      ok = false;
    } else if (match.blackhole) {
      ctx.findings.add(blackholeFinding(match, from, what, condition));
      ok = false;
    } else if (match.target.kind !== 'local') {
      ctx.findings.add({
        code: 'ROUTE_TARGET_UNVERIFIED',
        severity: 'warning',
        condition,
        resource: { type: 'route-table', id: tableId },
        rule: { destination: match.destination },
        message: `Route table ${tableId} sends ${what} (${formatRange(range)}) to ${match.target.id} instead of the local route.`,
        fix: `Make sure ${match.target.id} forwards the traffic, or remove the more specific route ${match.destination}.`,
      });
    }
  }
  return ok;
}

function blackholeFinding(
  match: RouteMatch,
  from: Subnet,
  what: string,
  condition: ConditionId,
): Finding {
  const tableId = match.table.RouteTableId ?? '?';
  return {
    code: 'ROUTE_BLACKHOLE',
    severity: 'error',
    condition,
    resource: { type: 'route-table', id: tableId },
    rule: { destination: match.destination },
    message: `Route ${match.destination} in ${tableId} (subnet ${from.SubnetId}) is a blackhole: its target ${match.target.id} no longer exists, so ${what} is dropped.`,
    fix: `Replace the target of ${match.destination} in ${tableId} with an available NAT gateway, or delete the route and use an interface VPC endpoint.`,
  };
}

/** SG both ways, NACLs both ways on both subnets, routes both ways, for TCP `port`. */
function checkFlow(
  ctx: Context,
  src: FlowNode,
  dst: FlowNode,
  port: number,
  what: string,
  condition: ConditionId,
): boolean {
  const p: [number, number] = [port, port];
  let ok = checkSecurityGroup(ctx, src, 'egress', p, dst, condition);
  ok = checkSecurityGroup(ctx, dst, 'ingress', p, src, condition) && ok;
  // Traffic that stays inside one subnet never crosses its network ACL.
  if (src.subnet.SubnetId !== dst.subnet.SubnetId) {
    ok = checkAcl(ctx, src.subnet, 'egress', p, dst.ranges, what, condition) && ok;
    ok = checkAcl(ctx, dst.subnet, 'ingress', p, src.ranges, what, condition) && ok;
    const reply = `return traffic of ${what}`;
    ok = checkAcl(ctx, dst.subnet, 'egress', EPHEMERAL_PORTS, src.ranges, reply, condition) && ok;
    ok = checkAcl(ctx, src.subnet, 'ingress', EPHEMERAL_PORTS, dst.ranges, reply, condition) && ok;
    ok = checkLocalRoute(ctx, src.subnet, dst.ranges, what, condition) && ok;
    ok = checkLocalRoute(ctx, dst.subnet, src.ranges, `return traffic of ${what}`, condition) && ok;
  }
  return ok;
}

type NatOutcome = 'ok' | 'unverified' | 'failed' | 'no-default-route';

/** Lambda subnet -> default route -> NAT gateway -> IGW, with SGs and NACLs on the way. */
function checkNatPath(
  ctx: Context,
  lambda: FlowNode,
  serviceLabel: string,
  condition: ConditionId,
  port: number,
): NatOutcome {
  const subnet = lambda.subnet;
  const table = routeTableOf(ctx, subnet);
  const match = table ? lookupRoute(table, WHOLE_V4, ctx.prefixLists) : undefined;
  if (!table || !match) return 'no-default-route';
  const tableId = table.RouteTableId ?? '?';
  const what = `traffic to ${serviceLabel}`;
  if (match.blackhole) {
    ctx.findings.add(blackholeFinding(match, subnet, what, 'R5'));
    return 'failed';
  }
  const p: [number, number] = [port, port];
  const publicPeer = { groups: [], ranges: PUBLIC_RANGES, label: serviceLabel };
  const sideChecks = (): boolean => {
    let ok = checkSecurityGroup(ctx, lambda, 'egress', p, publicPeer, condition);
    ok = checkAcl(ctx, subnet, 'egress', p, PUBLIC_RANGES, what, condition) && ok;
    ok =
      checkAcl(
        ctx,
        subnet,
        'ingress',
        EPHEMERAL_PORTS,
        PUBLIC_RANGES,
        `return traffic of ${what}`,
        condition,
      ) && ok;
    return ok;
  };
  switch (match.target.kind) {
    case 'internet-gateway':
      ctx.findings.add({
        code: 'IGW_ROUTE_WITHOUT_PUBLIC_IP',
        severity: 'error',
        condition: 'R5',
        resource: { type: 'route-table', id: tableId },
        rule: { destination: match.destination },
        message: `Route table ${tableId} (subnet ${subnet.SubnetId}) sends ${match.destination} to internet gateway ${match.target.id}, but Lambda network interfaces never get a public IP, so ${what} cannot leave the VPC.`,
        fix: `Point ${match.destination} in ${tableId} at a NAT gateway in a public subnet, or create an interface VPC endpoint with private DNS for ${serviceLabel}.`,
      });
      return 'failed';
    case 'nat-gateway': {
      let ok = sideChecks();
      ok = checkNatGateway(ctx, match, subnet, lambda, what, port) && ok;
      return ok ? 'ok' : 'failed';
    }
    default: {
      ctx.findings.add({
        code: 'ROUTE_TARGET_UNVERIFIED',
        severity: 'warning',
        condition: 'R5',
        resource: { type: 'route-table', id: tableId },
        rule: { destination: match.destination },
        message: `Route table ${tableId} (subnet ${subnet.SubnetId}) sends ${match.destination} to ${match.target.id} (${match.target.kind}); the analysis does not follow it, so the way to ${serviceLabel} is unverified.`,
        fix: `Verify that ${match.target.id} forwards HTTPS to the internet, or create an interface VPC endpoint with private DNS for ${serviceLabel}.`,
      });
      return sideChecks() ? 'unverified' : 'failed';
    }
  }
}

function checkNatGateway(
  ctx: Context,
  match: RouteMatch,
  lambdaSubnet: Subnet,
  lambda: FlowNode,
  what: string,
  port: number,
): boolean {
  const natId = match.target.id;
  const nat = ctx.snap.natGateways.find((n) => n.NatGatewayId === natId);
  if (!nat || !isAvailable(nat.State) || nat.ConnectivityType === 'private') {
    const state = nat
      ? nat.ConnectivityType === 'private'
        ? 'a private NAT gateway'
        : `in state ${nat.State}`
      : 'not found';
    ctx.findings.add({
      code: 'NAT_GATEWAY_NOT_AVAILABLE',
      severity: 'error',
      condition: 'R5',
      resource: { type: 'nat-gateway', id: natId },
      message: `NAT gateway ${natId} (the ${match.destination} route of ${match.table.RouteTableId}) is ${state}, so ${what} has no way out.`,
      fix: `Create a public NAT gateway in a public subnet and point ${match.destination} in ${match.table.RouteTableId} at it.`,
    });
    return false;
  }
  const natSubnet = nat.SubnetId ? ctx.subnet(nat.SubnetId, `NAT gateway ${natId}`) : undefined;
  if (!natSubnet) return true;
  let ok = true;
  if (natSubnet.SubnetId !== lambdaSubnet.SubnetId) {
    const p: [number, number] = [port, port];
    ok = checkAcl(ctx, natSubnet, 'ingress', p, lambda.ranges, what, 'R5') && ok;
    ok = checkAcl(ctx, natSubnet, 'egress', p, PUBLIC_RANGES, what, 'R5') && ok;
    ok =
      checkAcl(
        ctx,
        natSubnet,
        'ingress',
        EPHEMERAL_PORTS,
        PUBLIC_RANGES,
        `return traffic of ${what}`,
        'R5',
      ) && ok;
    ok =
      checkAcl(
        ctx,
        natSubnet,
        'egress',
        EPHEMERAL_PORTS,
        lambda.ranges,
        `return traffic of ${what}`,
        'R5',
      ) && ok;
    ok = checkLocalRoute(ctx, natSubnet, lambda.ranges, `return traffic of ${what}`, 'R5') && ok;
  }
  const natTable = routeTableOf(ctx, natSubnet);
  const natRoute = natTable ? lookupRoute(natTable, WHOLE_V4, ctx.prefixLists) : undefined;
  const natTableId = natTable?.RouteTableId ?? '(none)';
  if (!natRoute) {
    ctx.findings.add({
      code: 'NO_ROUTE_TO_DESTINATION',
      severity: 'error',
      condition: 'R5',
      resource: { type: 'route-table', id: natTableId },
      rule: { destination: '0.0.0.0/0' },
      message: `NAT gateway ${natId} sits in subnet ${natSubnet.SubnetId}, whose route table ${natTableId} has no 0.0.0.0/0 route to an internet gateway, so ${what} stops at the NAT gateway.`,
      fix: `Add 0.0.0.0/0 -> an internet gateway attached to ${natSubnet.VpcId} in ${natTableId} (the NAT gateway must be in a public subnet).`,
    });
    return false;
  }
  if (natRoute.blackhole) {
    ctx.findings.add(blackholeFinding(natRoute, natSubnet, what, 'R5'));
    return false;
  }
  if (natRoute.target.kind !== 'internet-gateway') {
    ctx.findings.add({
      code: 'ROUTE_TARGET_UNVERIFIED',
      severity: 'warning',
      condition: 'R5',
      resource: { type: 'route-table', id: natTableId },
      rule: { destination: natRoute.destination },
      message: `The NAT gateway's subnet ${natSubnet.SubnetId} routes ${natRoute.destination} to ${natRoute.target.id}, not to an internet gateway; the path beyond it is unverified.`,
      fix: `Route ${natRoute.destination} in ${natTableId} to an internet gateway attached to ${natSubnet.VpcId}.`,
    });
    return ok;
  }
  const igwId = natRoute.target.id;
  const igw = ctx.snap.internetGateways.find((g) => g.InternetGatewayId === igwId);
  const attached = igw?.Attachments?.some(
    (a) => a.VpcId === natSubnet.VpcId && /^(available|attached)$/i.test(a.State ?? ''),
  );
  if (!attached) {
    ctx.findings.add({
      code: 'IGW_NOT_ATTACHED',
      severity: 'error',
      condition: 'R5',
      resource: { type: 'internet-gateway', id: igwId },
      message: `Internet gateway ${igwId} (the ${natRoute.destination} route of the NAT gateway's subnet) is ${igw ? 'not attached to' : 'not found in'} ${natSubnet.VpcId}.`,
      fix: `Attach ${igwId} to ${natSubnet.VpcId}, or route ${natTableId} to an attached internet gateway.`,
    });
    return false;
  }
  return ok;
}

interface ServiceSpec {
  service: 'secretsmanager' | 'rds';
  label: string;
  condition: ConditionId;
  /** DNS and route conditions: R3/R5 for Secrets Manager, R8 for RDS. */
  dnsCondition: ConditionId;
  routeCondition: ConditionId;
}

interface LambdaSide {
  functionName: string;
  vpcId: string;
  vpc: Vpc | undefined;
  nodes: FlowNode[];
  groups: SecurityGroup[];
}

function analyzeServicePath(
  ctx: Context,
  lambda: LambdaSide,
  spec: ServiceSpec,
  env: Readonly<Record<string, string | undefined>>,
): ServicePathSummary {
  const region = ctx.snap.region;
  let resolved: ResolvedEndpoint;
  try {
    resolved = resolveServiceEndpoint({ region, env, service: spec.service });
  } catch (cause) {
    throw new InvalidSnapshotError(
      'function.Environment.Variables',
      `cannot work out the ${spec.label} endpoint: ${(cause as Error).message}`,
      { cause },
    );
  }
  const summary: ServicePathSummary = {
    service: spec.service,
    host: resolved.host,
    hostSource: resolved.source,
    route: 'none',
  };
  if (!resolved.awsHost) {
    ctx.findings.add({
      code: 'SECRETS_MANAGER_ENDPOINT_OVERRIDE',
      severity: 'warning',
      condition: 'R2',
      resource: { type: 'lambda-function', id: lambda.functionName },
      rule: { attribute: resolved.source },
      message: `${resolved.source} points the ${spec.label} client of ${lambda.functionName} at ${resolved.host}, which is not an AWS service name; the path to it is not analysed.`,
      fix: `Check that ${resolved.host}:${resolved.port} is reachable from the function's subnets, or remove ${resolved.source}.`,
    });
    return { ...summary, route: 'not-modelled' };
  }
  const serviceKey = resolved.host.split('.')[0]?.startsWith(`${spec.service}-fips`)
    ? `${spec.service}-fips`
    : spec.service;
  const serviceName = endpointServiceName(region, serviceKey);
  const endpoints = interfaceEndpointsFor(ctx.snap.vpcEndpoints, lambda.vpcId, serviceName);
  const attrs = ctx.snap.vpcAttributes[lambda.vpcId];
  if (!attrs) {
    throw new InvalidSnapshotError(
      'vpcAttributes',
      `no DescribeVpcAttribute results for ${lambda.vpcId}`,
    );
  }
  const dnsServers = dhcpDnsServers(lambda.vpc, ctx.snap.dhcpOptions);
  const amazonDns = dnsServers.includes('AmazonProvidedDNS');
  if (!attrs.enableDnsSupport && amazonDns) {
    ctx.findings.add(dnsAttributeFinding(lambda.vpcId, 'enableDnsSupport', spec, resolved.host));
    return summary;
  }

  let endpoint: VpcEndpoint | undefined;
  let mode: 'endpoint' | 'public';
  if (resolved.vpceSpecific) {
    endpoint = ctx.snap.vpcEndpoints.find((e) => e.VpcEndpointId === resolved.vpceId);
    if (!endpoint || endpoint.VpcId !== lambda.vpcId) {
      ctx.findings.add({
        code: 'VPC_ENDPOINT_MISSING',
        severity: 'error',
        condition: spec.dnsCondition,
        resource: { type: 'vpc', id: lambda.vpcId },
        rule: { attribute: resolved.source },
        message: `${resolved.source} names ${resolved.host}, but endpoint ${resolved.vpceId} is not an endpoint of ${lambda.vpcId}.`,
        fix: `Point ${resolved.source} at an interface endpoint of ${lambda.vpcId} for ${serviceName}, or remove it to use the regional name.`,
      });
      return summary;
    }
    mode = 'endpoint';
  } else {
    endpoint = endpoints[0];
    mode =
      endpoint?.PrivateDnsEnabled && attrs.enableDnsSupport && attrs.enableDnsHostnames
        ? 'endpoint'
        : 'public';
  }

  if (mode === 'endpoint' && endpoint) {
    const endpointId = endpoint.VpcEndpointId ?? '?';
    summary.vpcEndpointId = endpointId;
    if (!isAvailable(endpoint.State)) {
      ctx.findings.add({
        code: 'VPC_ENDPOINT_NOT_AVAILABLE',
        severity: 'error',
        condition: spec.dnsCondition,
        resource: { type: 'vpc-endpoint', id: endpointId },
        rule: { attribute: 'State' },
        message: `Interface endpoint ${endpointId} for ${serviceName} is in state ${endpoint.State}, not available.`,
        fix: `Wait for ${endpointId} to become available, accept it, or recreate it (check LastError${endpoint.LastError?.Message ? `: ${endpoint.LastError.Message}` : ''}).`,
      });
      return summary;
    }
    summary.route = 'vpc-endpoint';
    if (!amazonDns && !resolved.vpceSpecific) {
      ctx.findings.add({
        code: 'DHCP_CUSTOM_DNS',
        severity: 'warning',
        condition: spec.dnsCondition,
        resource: { type: 'dhcp-options', id: lambda.vpc?.DhcpOptionsId ?? '?' },
        rule: { attribute: 'domain-name-servers' },
        message: `${lambda.vpcId} hands out DNS servers ${dnsServers.join(', ')}; private DNS of ${endpointId} only answers through the Amazon resolver.`,
        fix: `Forward ${resolved.host} (or the whole amazonaws.com zone) from ${dnsServers.join(', ')} to the VPC resolver (VPC CIDR base +2), or add AmazonProvidedDNS.`,
      });
    }
    checkEndpointPath(ctx, lambda, endpoint, spec);
    if (spec.service === 'secretsmanager') checkEndpointPolicy(ctx, endpoint);
    if (spec.service === 'secretsmanager')
      checkSecretPolicy(ctx, { endpointId, vpcId: lambda.vpcId });
    return summary;
  }

  // The name resolves to public addresses: the function needs a way out of the VPC.
  const outcomes = lambda.nodes.map((node) => ({
    node,
    outcome: checkNatPath(ctx, node, spec.label, spec.condition, resolved.port),
  }));
  const noRoute = outcomes.filter((o) => o.outcome === 'no-default-route');
  const cause = publicModeCause(endpoint, attrs);
  if (noRoute.length === outcomes.length) {
    ctx.findings.add(
      noWayOutFinding(
        ctx,
        lambda,
        spec,
        serviceName,
        resolved.host,
        endpoint,
        cause,
        noRoute.map((o) => o.node),
      ),
    );
    return summary;
  }
  for (const { node } of noRoute) {
    const table = routeTableOf(ctx, node.subnet);
    const tableId = table?.RouteTableId ?? '(none)';
    ctx.findings.add({
      code: 'NO_ROUTE_TO_DESTINATION',
      severity: 'error',
      condition: spec.routeCondition,
      resource: { type: 'route-table', id: tableId },
      rule: { destination: '0.0.0.0/0' },
      message: `Route table ${tableId} of subnet ${node.subnet.SubnetId} has no default route, so ${resolved.host} (public addresses) is unreachable from that subnet while the function's other subnets go through NAT.`,
      fix: `Add 0.0.0.0/0 -> a NAT gateway to ${tableId}, remove ${node.subnet.SubnetId} from the function, or create an interface VPC endpoint with private DNS for ${serviceName}.`,
    });
  }
  const anyFailed = outcomes.some(
    (o) => o.outcome === 'failed' || o.outcome === 'no-default-route',
  );
  const anyUnverified = outcomes.some((o) => o.outcome === 'unverified');
  summary.route = anyFailed ? 'none' : anyUnverified ? 'unverified' : 'nat-gateway';
  if (!anyFailed && endpoint && cause !== 'missing') {
    ctx.findings.add({
      ...causeFinding(lambda, spec, serviceName, resolved.host, endpoint, cause),
      severity: 'info',
      message: `Interface endpoint ${endpoint.VpcEndpointId} is not used for ${resolved.host} (${cause === 'private-dns' ? 'private DNS is off' : `VPC attribute ${cause} is off`}); traffic goes through the NAT gateway instead.`,
    });
  }
  if (spec.service === 'secretsmanager') checkSecretPolicy(ctx, { vpcId: lambda.vpcId });
  return summary;
}

type PublicCause = 'missing' | 'private-dns' | 'enableDnsSupport' | 'enableDnsHostnames';

function publicModeCause(
  endpoint: VpcEndpoint | undefined,
  attrs: { enableDnsSupport: boolean; enableDnsHostnames: boolean },
): PublicCause {
  if (!endpoint) return 'missing';
  if (!endpoint.PrivateDnsEnabled) return 'private-dns';
  if (!attrs.enableDnsSupport) return 'enableDnsSupport';
  return 'enableDnsHostnames';
}

function dnsAttributeFinding(
  vpcId: string,
  attribute: 'enableDnsSupport' | 'enableDnsHostnames',
  spec: ServiceSpec,
  host: string,
): Finding {
  return {
    code: 'VPC_DNS_ATTRIBUTE_DISABLED',
    severity: 'error',
    condition: spec.dnsCondition,
    resource: { type: 'vpc', id: vpcId },
    rule: { attribute },
    message:
      attribute === 'enableDnsSupport'
        ? `${vpcId} has enableDnsSupport off: the Amazon resolver does not answer, so ${host} does not resolve.`
        : `${vpcId} has enableDnsHostnames off: private DNS of the interface endpoint does not apply, so ${host} resolves to public addresses.`,
    fix: `aws ec2 modify-vpc-attribute --vpc-id ${vpcId} --${attribute.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} "{\\"Value\\":true}"`,
  };
}

function causeFinding(
  lambda: LambdaSide,
  spec: ServiceSpec,
  serviceName: string,
  host: string,
  endpoint: VpcEndpoint,
  cause: Exclude<PublicCause, 'missing'>,
): Finding {
  const endpointId = endpoint.VpcEndpointId ?? '?';
  if (cause === 'private-dns') {
    return {
      code: 'PRIVATE_DNS_DISABLED',
      severity: 'error',
      condition: spec.dnsCondition,
      resource: { type: 'vpc-endpoint', id: endpointId },
      rule: { attribute: 'PrivateDnsEnabled' },
      message: `Interface endpoint ${endpointId} for ${serviceName} has private DNS off, so ${host} resolves to public addresses and bypasses it.`,
      fix: `aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${endpointId} --private-dns-enabled`,
    };
  }
  return dnsAttributeFinding(lambda.vpcId, cause, spec, host);
}

function noWayOutFinding(
  ctx: Context,
  lambda: LambdaSide,
  spec: ServiceSpec,
  serviceName: string,
  host: string,
  endpoint: VpcEndpoint | undefined,
  cause: PublicCause,
  nodes: FlowNode[],
): Finding {
  const tables = [
    ...new Set(nodes.map((n) => routeTableOf(ctx, n.subnet)?.RouteTableId ?? '(none)')),
  ].join(', ');
  const noRoute = `and route table(s) ${tables} have no default route (no NAT gateway)`;
  if (cause === 'missing' || !endpoint) {
    const subnets = lambda.nodes.map((n) => n.subnet.SubnetId).join(', ');
    const sg = groupIds(lambda.groups).join(', ');
    return {
      code: 'VPC_ENDPOINT_MISSING',
      severity: 'error',
      condition: spec.dnsCondition,
      resource: { type: 'vpc', id: lambda.vpcId },
      message: `${lambda.vpcId} has no interface endpoint for ${serviceName}, ${noRoute}: ${host} resolves to public addresses that ${lambda.functionName} cannot reach.`,
      fix: `Create an interface VPC endpoint for ${serviceName} in ${subnets} with private DNS enabled and a security group that accepts TCP 443 from ${sg}; or add 0.0.0.0/0 -> a NAT gateway in a public subnet to ${tables}.`,
    };
  }
  const base = causeFinding(lambda, spec, serviceName, host, endpoint, cause);
  return { ...base, message: `${base.message.replace(/\.$/, '')}, ${noRoute}.` };
}

function checkEndpointPath(
  ctx: Context,
  lambda: LambdaSide,
  endpoint: VpcEndpoint,
  spec: ServiceSpec,
): void {
  const endpointId = endpoint.VpcEndpointId ?? '?';
  const endpointSubnets = (endpoint.SubnetIds ?? []).map((id) =>
    ctx.subnet(id, `endpoint ${endpointId}`),
  );
  const endpointGroups = ctx.groups(
    (endpoint.Groups ?? []).map((g) => g.GroupId ?? ''),
    `endpoint ${endpointId}`,
  );
  const endpointAzs = new Set(endpointSubnets.map((s) => s.AvailabilityZone));
  for (const node of lambda.nodes) {
    const az = node.subnet.AvailabilityZone;
    if (az && !endpointAzs.has(az)) {
      ctx.findings.add({
        code: 'VPC_ENDPOINT_AZ_NOT_COVERED',
        severity: 'warning',
        condition: spec.dnsCondition,
        resource: { type: 'vpc-endpoint', id: endpointId },
        rule: { attribute: az },
        message: `Endpoint ${endpointId} has no network interface in ${az}, where ${lambda.functionName} runs in ${node.subnet.SubnetId}: calls cross AZs and fail if the endpoint's AZs are impaired.`,
        fix: `aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${endpointId} --add-subnet-ids ${node.subnet.SubnetId}`,
      });
    }
  }
  const targets: FlowNode[] = endpointSubnets.map((subnet) => ({
    label: `${spec.label} endpoint ${endpointId}`,
    subnet,
    ranges: endpointRangesInSubnet(endpoint, subnet, ctx.snap.networkInterfaces),
    groups: endpointGroups,
  }));
  // The name resolves to every endpoint IP and the client picks any: all must work.
  for (const node of lambda.nodes) {
    for (const target of targets) {
      checkFlow(
        ctx,
        node,
        target,
        443,
        `HTTPS to ${spec.label} endpoint ${endpointId}`,
        spec.condition,
      );
    }
  }
}

function checkEndpointPolicy(ctx: Context, endpoint: VpcEndpoint): void {
  const secretArn = ctx.snap.secret?.ARN ?? '*';
  const blocked = actionsBlockedByPolicy(endpoint.PolicyDocument, ROTATION_ACTIONS, secretArn);
  if (blocked.length === 0) return;
  const endpointId = endpoint.VpcEndpointId ?? '?';
  ctx.findings.add({
    code: 'VPC_ENDPOINT_POLICY_RESTRICTION',
    severity: 'error',
    condition: 'R6',
    resource: { type: 'vpc-endpoint', id: endpointId },
    rule: { attribute: 'PolicyDocument' },
    message: `The policy of endpoint ${endpointId} does not allow ${blocked.join(', ')} on ${secretArn}; rotation calls through it get AccessDeniedException.`,
    fix: `Allow ${blocked.join(', ')} on ${secretArn} in the endpoint policy of ${endpointId} (or restore the default full-access policy).`,
  });
}

function checkSecretPolicy(ctx: Context, via: { endpointId?: string; vpcId: string }): void {
  const problem = secretPolicyVpcProblem(ctx.snap.secretPolicy, via);
  if (!problem) return;
  const secretId = ctx.snap.secret?.ARN ?? ctx.snap.secret?.Name ?? '(secret)';
  const through = via.endpointId ? `endpoint ${via.endpointId}` : 'NAT (no VPC endpoint)';
  ctx.findings.add({
    code: 'SECRET_POLICY_VPC_CONDITION',
    severity: 'error',
    condition: 'R6',
    resource: { type: 'secret', id: secretId },
    rule: { attribute: problem.key },
    message: `The resource policy of ${secretId} denies requests whose ${problem.key} is not ${problem.allowed.join(' or ')}; the rotation function's requests arrive through ${through}.`,
    fix: via.endpointId
      ? `Add ${problem.key === 'aws:SourceVpce' ? via.endpointId : via.vpcId} to the ${problem.key} condition of the secret's resource policy.`
      : `Create an interface VPC endpoint (private DNS on) so requests carry ${problem.key}, or relax the condition.`,
  });
}

interface DbTarget {
  summary: DatabaseTargetSummary;
  resourceType: ResourceType;
  status: string | undefined;
  subnetGroup: DBSubnetGroup | undefined;
  securityGroupIds: string[];
}

function subnetGroupByName(
  snap: RotationNetworkSnapshot,
  name: string | undefined,
  embedded?: DBSubnetGroup,
) {
  return snap.dbSubnetGroups.find((g) => g.DBSubnetGroupName === name) ?? embedded;
}

function memberSubnets(
  group: DBSubnetGroup | undefined,
  instance: DBInstance | undefined,
): string[] {
  const all = (group?.Subnets ?? []).filter((s) => s.SubnetIdentifier);
  const azs = [instance?.AvailabilityZone, instance?.SecondaryAvailabilityZone].filter(Boolean);
  const inAz = all.filter((s) => azs.includes(s.SubnetAvailabilityZone?.Name));
  return (inAz.length > 0 ? inAz : all).map((s) => s.SubnetIdentifier!);
}

function dbTargets(snap: RotationNetworkSnapshot): DbTarget[] {
  const targets: DbTarget[] = [];
  const inCluster = new Set<string>();
  for (const cluster of snap.dbClusters as DBCluster[]) {
    const group = subnetGroupByName(snap, cluster.DBSubnetGroup);
    const members = (cluster.DBClusterMembers ?? []).map((m) => {
      inCluster.add(m.DBInstanceIdentifier ?? '');
      const instance = snap.dbInstances.find(
        (i) => i.DBInstanceIdentifier === m.DBInstanceIdentifier,
      );
      return {
        id: m.DBInstanceIdentifier ?? '?',
        subnetIds: memberSubnets(group ?? instance?.DBSubnetGroup, instance),
      };
    });
    const securityGroupIds = (cluster.VpcSecurityGroups ?? []).map(
      (g) => g.VpcSecurityGroupId ?? '',
    );
    targets.push({
      summary: {
        type: 'db-cluster',
        id: cluster.DBClusterIdentifier ?? '?',
        port: cluster.Port ?? 3306,
        ...(group?.VpcId ? { vpcId: group.VpcId } : {}),
        securityGroupIds,
        members:
          members.length > 0
            ? members
            : [
                {
                  id: cluster.DBClusterIdentifier ?? '?',
                  subnetIds: memberSubnets(group, undefined),
                },
              ],
      },
      resourceType: 'db-cluster',
      status: cluster.Status,
      subnetGroup: group,
      securityGroupIds,
    });
  }
  for (const instance of snap.dbInstances) {
    if (inCluster.has(instance.DBInstanceIdentifier ?? '') || instance.DBClusterIdentifier)
      continue;
    const group = subnetGroupByName(
      snap,
      instance.DBSubnetGroup?.DBSubnetGroupName,
      instance.DBSubnetGroup,
    );
    const securityGroupIds = (instance.VpcSecurityGroups ?? []).map(
      (g) => g.VpcSecurityGroupId ?? '',
    );
    targets.push({
      summary: {
        type: 'db-instance',
        id: instance.DBInstanceIdentifier ?? '?',
        port: instance.Endpoint?.Port ?? instance.DbInstancePort ?? 3306,
        ...(group?.VpcId ? { vpcId: group.VpcId } : {}),
        securityGroupIds,
        members: [
          { id: instance.DBInstanceIdentifier ?? '?', subnetIds: memberSubnets(group, instance) },
        ],
      },
      resourceType: 'db-instance',
      status: instance.DBInstanceStatus,
      subnetGroup: group,
      securityGroupIds,
    });
  }
  return targets;
}

function checkFunction(
  ctx: Context,
  options: Readonly<Required<AnalyzeOptions>>,
  name: string,
): void {
  const fn = ctx.snap.function!;
  if ((fn.State && fn.State !== 'Active') || fn.LastUpdateStatus === 'Failed') {
    const failed = fn.State === 'Failed' || fn.LastUpdateStatus === 'Failed';
    ctx.findings.add({
      code: 'FUNCTION_NOT_ACTIVE',
      severity: failed ? 'error' : 'warning',
      condition: 'R1',
      resource: { type: 'lambda-function', id: name },
      rule: { attribute: fn.LastUpdateStatus === 'Failed' ? 'LastUpdateStatus' : 'State' },
      message: `Function ${name} is ${fn.State ?? '?'} (last update ${fn.LastUpdateStatus ?? '?'})${fn.StateReason ? `: ${fn.StateReason}` : ''}${fn.LastUpdateStatusReason ? `: ${fn.LastUpdateStatusReason}` : ''}.`,
      fix: failed
        ? `Fix the cause (${fn.StateReasonCode ?? fn.LastUpdateStatusReasonCode ?? 'see StateReason'}) and update the function; ENI creation failures usually mean missing EC2 permissions or no free IPs in the subnets.`
        : `Wait until ${name} is Active (a Pending or Inactive function is activated on first invocation).`,
    });
  }
  if (
    ctx.snap.functionPolicy === null ||
    (typeof ctx.snap.functionPolicy === 'string' &&
      !functionPolicyAllowsSecretsManager(ctx.snap.functionPolicy))
  ) {
    ctx.findings.add({
      code: 'LAMBDA_PERMISSION_MISSING',
      severity: 'error',
      condition: 'R9',
      resource: { type: 'lambda-function', id: name },
      rule: { attribute: 'Policy' },
      message: `The resource policy of ${name} does not allow secretsmanager.amazonaws.com to call lambda:InvokeFunction, so Secrets Manager cannot start rotation.`,
      fix: `aws lambda add-permission --function-name ${name} --statement-id SecretsManagerAccess --action lambda:InvokeFunction --principal secretsmanager.amazonaws.com`,
    });
  }
  const rotationArn = ctx.snap.secret?.RotationLambdaARN;
  // Compare without a version or alias qualifier (arn:aws:lambda:r:acct:function:name[:q]).
  const unqualified = (arn: string) => arn.split(':').slice(0, 7).join(':');
  if (rotationArn && fn.FunctionArn && unqualified(rotationArn) !== unqualified(fn.FunctionArn)) {
    ctx.findings.add({
      code: 'ROTATION_FUNCTION_MISMATCH',
      severity: 'warning',
      condition: 'R9',
      resource: { type: 'secret', id: ctx.snap.secret?.ARN ?? ctx.snap.secret?.Name ?? '(secret)' },
      rule: { attribute: 'RotationLambdaARN' },
      message: `The secret rotates with ${rotationArn}, not with the analysed function ${fn.FunctionArn}.`,
      fix: 'Analyse the function named by RotationLambdaARN, or point the secret at this function with RotateSecret.',
    });
  }
  if (typeof fn.Timeout === 'number' && fn.Timeout < options.minFunctionTimeoutSeconds) {
    ctx.findings.add({
      code: 'FUNCTION_TIMEOUT_TOO_SHORT',
      severity: 'warning',
      condition: 'R9',
      resource: { type: 'lambda-function', id: name },
      rule: { attribute: 'Timeout' },
      message: `Function ${name} times out after ${fn.Timeout}s; a rotation step with SDK retries and a diagnosis budget needs at least ${options.minFunctionTimeoutSeconds}s.`,
      fix: `aws lambda update-function-configuration --function-name ${name} --timeout ${Math.max(options.minFunctionTimeoutSeconds, 30)}`,
    });
  }
}

/**
 * Evaluates, without sending a packet, whether a rotation function can reach Secrets Manager
 * (through an interface endpoint or NAT) and every member of its database on the DB port:
 * security groups, network ACLs, route tables, endpoints, DNS attributes and policies.
 * Pure: the same snapshot always gives the same findings.
 * @example
 * const analysis = analyzeRotationNetwork(await collectSnapshot({ functionName, secretId, clients }));
 * for (const f of analysis.findings) console.log(f.severity, f.code, f.message, '->', f.fix);
 */
export function analyzeRotationNetwork(
  snapshot: RotationNetworkSnapshot,
  options?: AnalyzeOptions,
): RotationNetworkAnalysis {
  validate(snapshot);
  const resolvedOptions = resolveOptions(options);
  const subnetsById = new Map(snapshot.subnets.map((s) => [s.SubnetId, s]));
  const groupsById = new Map(snapshot.securityGroups.map((g) => [g.GroupId, g]));
  const ctx: Context = {
    snap: snapshot,
    prefixLists: snapshot.prefixLists,
    findings: new FindingCollector(),
    subnet(id, why) {
      const subnet = subnetsById.get(id);
      if (!subnet) throw new InvalidSnapshotError('subnets', `subnet ${id} (${why}) is missing`);
      return subnet;
    },
    groups(ids, why) {
      return ids.map((id) => {
        const group = groupsById.get(id);
        if (!group)
          throw new InvalidSnapshotError(
            'securityGroups',
            `security group ${id} (${why}) is missing`,
          );
        return group;
      });
    },
  };
  const targets = dbTargets(snapshot);
  const result: RotationNetworkAnalysis = {
    ok: true,
    findings: [],
    databases: targets.map((t) => t.summary),
  };
  for (const target of targets) {
    if (target.status && target.status !== 'available') {
      ctx.findings.add({
        code: 'DB_NOT_AVAILABLE',
        severity: 'warning',
        condition: 'R7',
        resource: { type: target.resourceType, id: target.summary.id },
        rule: { attribute: 'Status' },
        message: `${target.resourceType === 'db-cluster' ? 'DB cluster' : 'DB instance'} ${target.summary.id} is ${target.status}.`,
        fix: `Wait until ${target.summary.id} is available before rotating.`,
      });
    }
  }

  const fn = snapshot.function;
  if (!fn) return finish(ctx, result);
  const functionName = fn.FunctionName ?? fn.FunctionArn ?? '(function)';
  checkFunction(ctx, resolvedOptions, functionName);

  const subnetIds = fn.VpcConfig?.SubnetIds ?? [];
  if (subnetIds.length === 0) {
    const privateDbs = targets.filter((t) => {
      const instances = snapshot.dbInstances.filter(
        (i) => i.DBClusterIdentifier === t.summary.id || i.DBInstanceIdentifier === t.summary.id,
      );
      return instances.length === 0 || instances.some((i) => !i.PubliclyAccessible);
    });
    if (privateDbs.length > 0) {
      ctx.findings.add({
        code: 'LAMBDA_NOT_IN_VPC',
        severity: 'error',
        condition: 'R1',
        resource: { type: 'lambda-function', id: functionName },
        rule: { attribute: 'VpcConfig' },
        message: `${functionName} has no VPC configuration, so it cannot reach ${privateDbs.map((t) => t.summary.id).join(', ')} on private addresses.`,
        fix: `Attach ${functionName} to private subnets of ${privateDbs[0]?.summary.vpcId ?? "the database's VPC"} (VpcConfig SubnetIds and SecurityGroupIds).`,
      });
    }
    const resolved = resolveServiceEndpoint({
      region: snapshot.region,
      env: fn.Environment?.Variables ?? {},
    });
    result.secretsManager = {
      service: 'secretsmanager',
      host: resolved.host,
      hostSource: resolved.source,
      route: 'internet',
    };
    return finish(ctx, result);
  }

  const lambdaSubnets = subnetIds.map((id) => ctx.subnet(id, `function ${functionName}`));
  const vpcId = fn.VpcConfig?.VpcId ?? lambdaSubnets[0]?.VpcId ?? '?';
  const lambdaGroups = ctx.groups(fn.VpcConfig?.SecurityGroupIds ?? [], `function ${functionName}`);
  const lambda: LambdaSide = {
    functionName,
    vpcId,
    vpc: snapshot.vpcs.find((v) => v.VpcId === vpcId),
    groups: lambdaGroups,
    nodes: lambdaSubnets.map((subnet) => {
      const cidr = parseCidr4(subnet.CidrBlock);
      return {
        label: `the rotation function ${functionName}`,
        subnet,
        ranges: cidr ? [cidr] : [],
        groups: lambdaGroups,
      };
    }),
  };
  const env = fn.Environment?.Variables ?? {};
  result.secretsManager = analyzeServicePath(
    ctx,
    lambda,
    {
      service: 'secretsmanager',
      label: 'Secrets Manager',
      condition: 'R4',
      dnsCondition: 'R3',
      routeCondition: 'R5',
    },
    env,
  );
  if (resolvedOptions.checkRdsApi) {
    result.rdsApi = analyzeServicePath(
      ctx,
      lambda,
      {
        service: 'rds',
        label: 'the RDS API',
        condition: 'R8',
        dnsCondition: 'R8',
        routeCondition: 'R8',
      },
      env,
    );
  }

  for (const target of targets) {
    const dbVpc = target.summary.vpcId;
    if (dbVpc && dbVpc !== vpcId) {
      ctx.findings.add({
        code: 'DIFFERENT_VPC',
        severity: 'error',
        condition: 'R1',
        resource: { type: 'lambda-function', id: functionName },
        rule: { attribute: 'VpcConfig.VpcId' },
        message: `${functionName} runs in ${vpcId}, but ${target.summary.id} is in ${dbVpc} (DB subnet group ${target.subnetGroup?.DBSubnetGroupName ?? '?'}); security group references do not cross VPCs and no peering is analysed.`,
        fix: `Attach ${functionName} to private subnets of ${dbVpc} with a security group the DB accepts on port ${target.summary.port}.`,
      });
      continue;
    }
    const dbGroups = ctx.groups(
      target.securityGroupIds,
      `${target.resourceType} ${target.summary.id}`,
    );
    for (const member of target.summary.members) {
      for (const subnetId of member.subnetIds) {
        const subnet = ctx.subnet(subnetId, `DB subnet group of ${target.summary.id}`);
        const cidr = parseCidr4(subnet.CidrBlock);
        const kind = target.resourceType === 'db-cluster' ? 'DB cluster' : 'DB instance';
        // Security group findings are per group, so they name the cluster; ACL and route
        // findings are per subnet, so `what` names the member.
        const memberText = member.id === target.summary.id ? '' : ` member ${member.id}`;
        const dbNode: FlowNode = {
          label: `${kind} ${target.summary.id}`,
          subnet,
          ranges: cidr ? [cidr] : [],
          groups: dbGroups,
        };
        for (const node of lambda.nodes) {
          checkFlow(
            ctx,
            node,
            dbNode,
            target.summary.port,
            `MySQL to ${dbNode.label}${memberText} (${subnetId}, port ${target.summary.port})`,
            'R7',
          );
        }
      }
    }
  }
  return finish(ctx, result);
}

function finish(ctx: Context, result: RotationNetworkAnalysis): RotationNetworkAnalysis {
  result.findings = ctx.findings.list();
  result.ok = !result.findings.some((f) => f.severity === 'error');
  return result;
}

export type { FindingRule };
