import type { VpcEndpoint } from '@aws-sdk/client-ec2';
import {
  type EndpointSource,
  type ResolvedEndpoint,
  resolveServiceEndpoint,
} from '../../endpoint.js';
import { InvalidSnapshotError } from '../../errors.js';
import { dhcpDnsServers, endpointServiceName, interfaceEndpointsFor } from '../endpoints.js';
import type { EndpointBypass } from '../findings/data.js';
import type { ConditionId, ServiceName } from '../findings/types.js';
import type { VpcDnsAttributes } from '../snapshot.js';
import type { AnalysisContext, FlowNode, LambdaSide } from './context.js';
import { routeTableOf } from './context.js';
import { analyzeEndpointPath, checkSecretPolicy } from './endpoint-path.js';
import { checkNatPath } from './nat-path.js';

/** How the function reaches an AWS API, as configured. */
export type ServiceRoute =
  | 'vpc-endpoint'
  | 'nat-gateway'
  | 'internet'
  | 'unverified'
  | 'none'
  | 'not-modelled';

export interface ServicePathSummary {
  service: ServiceName;
  host: string;
  hostSource: EndpointSource;
  route: ServiceRoute;
  vpcEndpointId?: string;
}

export interface ServiceSpec {
  service: ServiceName;
  label: string;
  /** The SDK client's name in messages: `Secrets Manager`, `RDS`. */
  clientName: string;
  /** The flow's condition: R4 for Secrets Manager, R8 for RDS. */
  condition: ConditionId;
  /** DNS and route conditions: R3/R5 for Secrets Manager, R8 for RDS. */
  dnsCondition: ConditionId;
  routeCondition: ConditionId;
}

/** One service path being analysed: who calls what, and what the VPC's DNS does with it. */
export interface ServicePath {
  spec: ServiceSpec;
  lambda: LambdaSide;
  resolved: ResolvedEndpoint;
  /** `com.amazonaws.<region>.<service>[-fips]`. */
  serviceName: string;
  attrs: VpcDnsAttributes;
  dnsServers: string[];
  amazonDns: boolean;
  summary: ServicePathSummary;
}

type PublicCause = 'missing' | 'private-dns' | 'enableDnsSupport' | 'enableDnsHostnames';

function resolveServiceHost(
  ctx: AnalysisContext,
  spec: ServiceSpec,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedEndpoint {
  try {
    return resolveServiceEndpoint({ region: ctx.snap.region, env, service: spec.service });
  } catch (cause) {
    throw InvalidSnapshotError.of(
      'function.Environment.Variables',
      `cannot work out the ${spec.label} endpoint: ${(cause as Error).message}`,
      { cause },
    );
  }
}

function servicePath(
  ctx: AnalysisContext,
  lambda: LambdaSide,
  spec: ServiceSpec,
  resolved: ResolvedEndpoint,
): ServicePath {
  const fips = resolved.host.split('.')[0]?.startsWith(`${spec.service}-fips`);
  const serviceName = endpointServiceName(
    ctx.snap.region,
    fips ? `${spec.service}-fips` : spec.service,
  );
  const attrs = ctx.snap.vpcAttributes[lambda.vpcId];
  if (!attrs) {
    throw InvalidSnapshotError.of(
      'vpcAttributes',
      `no DescribeVpcAttribute results for ${lambda.vpcId}`,
    );
  }
  const dnsServers = dhcpDnsServers(lambda.vpc, ctx.snap.dhcpOptions);
  const summary: ServicePathSummary = {
    service: spec.service,
    host: resolved.host,
    hostSource: resolved.source,
    route: 'none',
  };
  const amazonDns = dnsServers.includes('AmazonProvidedDNS');
  return { spec, lambda, resolved, serviceName, attrs, dnsServers, amazonDns, summary };
}

function raiseEndpointOverride(
  ctx: AnalysisContext,
  lambda: LambdaSide,
  spec: ServiceSpec,
  resolved: ResolvedEndpoint,
): void {
  ctx.findings.add({
    code: 'ENDPOINT_OVERRIDE',
    service: spec.service,
    resource: { type: 'lambda-function', id: lambda.functionName },
    rule: { attribute: resolved.source },
    data: {
      source: resolved.source,
      clientName: spec.clientName,
      functionName: lambda.functionName,
      host: resolved.host,
      port: resolved.port,
    },
  });
}

export function raiseDnsAttribute(
  ctx: AnalysisContext,
  path: ServicePath,
  attribute: 'enableDnsSupport' | 'enableDnsHostnames',
  bypass?: EndpointBypass,
): void {
  const { vpcId } = path.lambda;
  ctx.findings.add({
    code: 'VPC_DNS_ATTRIBUTE_DISABLED',
    condition: path.spec.dnsCondition,
    resource: { type: 'vpc', id: vpcId },
    rule: { attribute },
    data: { vpcId, attribute, host: path.resolved.host, bypass },
  });
}

/** The endpoint the name leads to, or undefined (a finding raised) when it names a foreign one. */
function namedEndpoint(ctx: AnalysisContext, path: ServicePath): VpcEndpoint | undefined {
  const { resolved, lambda } = path;
  const endpoint = ctx.snap.vpcEndpoints.find((e) => e.VpcEndpointId === resolved.vpceId);
  if (endpoint && endpoint.VpcId === lambda.vpcId) return endpoint;
  ctx.findings.add({
    code: 'VPC_ENDPOINT_MISSING',
    condition: path.spec.dnsCondition,
    resource: { type: 'vpc', id: lambda.vpcId },
    rule: { attribute: resolved.source },
    data: {
      situation: 'named-endpoint',
      source: resolved.source,
      host: resolved.host,
      vpceId: resolved.vpceId,
      vpcId: lambda.vpcId,
      serviceName: path.serviceName,
    },
  });
  return undefined;
}

/**
 * Whether the function reaches an AWS API (Secrets Manager, or RDS for R8): through an
 * interface endpoint (private DNS or an endpoint-specific name), else out through NAT.
 */
export function analyzeServicePath(
  ctx: AnalysisContext,
  lambda: LambdaSide,
  spec: ServiceSpec,
  env: Readonly<Record<string, string | undefined>>,
): ServicePathSummary {
  const resolved = resolveServiceHost(ctx, spec, env);
  if (!resolved.awsHost) {
    raiseEndpointOverride(ctx, lambda, spec, resolved);
    return {
      service: spec.service,
      host: resolved.host,
      hostSource: resolved.source,
      route: 'not-modelled',
    };
  }
  const path = servicePath(ctx, lambda, spec, resolved);
  const { attrs, summary } = path;
  if (!attrs.enableDnsSupport && path.amazonDns) {
    raiseDnsAttribute(ctx, path, 'enableDnsSupport');
    return summary;
  }
  if (resolved.vpceSpecific) {
    const endpoint = namedEndpoint(ctx, path);
    if (endpoint) analyzeEndpointPath(ctx, path, endpoint);
    return summary;
  }
  const endpoint = interfaceEndpointsFor(ctx.snap.vpcEndpoints, lambda.vpcId, path.serviceName)[0];
  // Private DNS applies only with both VPC DNS attributes on.
  if (endpoint?.PrivateDnsEnabled && attrs.enableDnsSupport && attrs.enableDnsHostnames) {
    analyzeEndpointPath(ctx, path, endpoint);
  } else {
    analyzePublicPath(ctx, path, endpoint);
  }
  return summary;
}

function publicCause(endpoint: VpcEndpoint | undefined, attrs: VpcDnsAttributes): PublicCause {
  if (!endpoint) return 'missing';
  if (!endpoint.PrivateDnsEnabled) return 'private-dns';
  if (!attrs.enableDnsSupport) return 'enableDnsSupport';
  return 'enableDnsHostnames';
}

/** Why the endpoint is bypassed: its private DNS is off, or a VPC DNS attribute is. */
function raiseBypassCause(
  ctx: AnalysisContext,
  path: ServicePath,
  endpoint: VpcEndpoint,
  cause: Exclude<PublicCause, 'missing'>,
  bypass: EndpointBypass,
): void {
  if (cause !== 'private-dns') {
    raiseDnsAttribute(ctx, path, cause, bypass);
    return;
  }
  const endpointId = endpoint.VpcEndpointId ?? '?';
  ctx.findings.add({
    code: 'PRIVATE_DNS_DISABLED',
    condition: path.spec.dnsCondition,
    resource: { type: 'vpc-endpoint', id: endpointId },
    rule: { attribute: 'PrivateDnsEnabled' },
    data: { endpointId, serviceName: path.serviceName, host: path.resolved.host, bypass },
  });
}

/** No function subnet has a default route: one finding, on the endpoint side. */
function raiseNoWayOut(
  ctx: AnalysisContext,
  path: ServicePath,
  endpoint: VpcEndpoint | undefined,
  cause: PublicCause,
  nodes: FlowNode[],
): void {
  const tableIds = nodes.map((n) => routeTableOf(ctx, n.subnet)?.RouteTableId ?? '(none)');
  const routeTables = [...new Set(tableIds)].join(', ');
  if (cause !== 'missing' && endpoint) {
    raiseBypassCause(ctx, path, endpoint, cause, { kind: 'no-way-out', routeTables });
    return;
  }
  const { lambda } = path;
  ctx.findings.add({
    code: 'VPC_ENDPOINT_MISSING',
    condition: path.spec.dnsCondition,
    resource: { type: 'vpc', id: lambda.vpcId },
    data: {
      situation: 'no-way-out',
      vpcId: lambda.vpcId,
      serviceName: path.serviceName,
      routeTables,
      host: path.resolved.host,
      functionName: lambda.functionName,
      subnetIds: lambda.nodes.map((n) => n.subnet.SubnetId),
      groupIds: lambda.groups.map((g) => g.GroupId ?? '?'),
    },
  });
}

function raiseSubnetWithoutDefaultRoute(
  ctx: AnalysisContext,
  path: ServicePath,
  node: FlowNode,
): void {
  const tableId = routeTableOf(ctx, node.subnet)?.RouteTableId ?? '(none)';
  ctx.findings.add({
    code: 'NO_ROUTE_TO_DESTINATION',
    condition: path.spec.routeCondition,
    resource: { type: 'route-table', id: tableId },
    rule: { destination: '0.0.0.0/0' },
    data: {
      situation: 'some-subnets',
      tableId,
      subnetId: node.subnet.SubnetId,
      host: path.resolved.host,
      serviceName: path.serviceName,
    },
  });
}

/** The name resolves to public addresses: every function subnet needs a way out of the VPC. */
function analyzePublicPath(
  ctx: AnalysisContext,
  path: ServicePath,
  endpoint: VpcEndpoint | undefined,
): void {
  const { spec, lambda, resolved, summary } = path;
  const outcomes = lambda.nodes.map((node) => ({
    node,
    outcome: checkNatPath(ctx, node, spec.label, spec.condition, resolved.port),
  }));
  const noRoute = outcomes.filter((o) => o.outcome === 'no-default-route').map((o) => o.node);
  const cause = publicCause(endpoint, path.attrs);
  if (noRoute.length === outcomes.length) {
    raiseNoWayOut(ctx, path, endpoint, cause, noRoute);
    return;
  }
  for (const node of noRoute) raiseSubnetWithoutDefaultRoute(ctx, path, node);
  const anyFailed = outcomes.some(
    (o) => o.outcome === 'failed' || o.outcome === 'no-default-route',
  );
  const anyUnverified = outcomes.some((o) => o.outcome === 'unverified');
  summary.route = anyFailed ? 'none' : anyUnverified ? 'unverified' : 'nat-gateway';
  if (!anyFailed && endpoint && cause !== 'missing') {
    raiseBypassCause(ctx, path, endpoint, cause, {
      kind: 'via-nat',
      endpointId: endpoint.VpcEndpointId,
    });
  }
  if (spec.service === 'secretsmanager') checkSecretPolicy(ctx, { vpcId: lambda.vpcId });
}
