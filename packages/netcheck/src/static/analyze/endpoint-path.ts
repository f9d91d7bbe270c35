import type { VpcEndpoint } from '@aws-sdk/client-ec2';
import {
  actionsBlockedByPolicy,
  endpointRangesInSubnet,
  isAvailable,
  ROTATION_ACTIONS,
  secretPolicyVpcProblem,
} from '../endpoints.js';
import type { AnalysisContext, FlowNode } from './context.js';
import { checkFlow } from './flow.js';
import type { ServicePath } from './service-path.js';

/** The function's subnets in AZs where the endpoint has no interface (calls cross AZs). */
function checkEndpointAzs(
  ctx: AnalysisContext,
  path: ServicePath,
  endpointId: string,
  endpointAzs: Set<string | undefined>,
): void {
  const { lambda, spec } = path;
  for (const node of lambda.nodes) {
    const az = node.subnet.AvailabilityZone;
    if (!az || endpointAzs.has(az)) continue;
    ctx.findings.add({
      code: 'VPC_ENDPOINT_AZ_NOT_COVERED',
      condition: spec.dnsCondition,
      resource: { type: 'vpc-endpoint', id: endpointId },
      rule: { attribute: az },
      data: { endpointId, az, functionName: lambda.functionName, subnetId: node.subnet.SubnetId },
    });
  }
}

/** HTTPS from every function subnet to every endpoint interface: SGs, NACLs and routes. */
function checkEndpointFlows(ctx: AnalysisContext, path: ServicePath, endpoint: VpcEndpoint): void {
  const { lambda, spec } = path;
  const endpointId = endpoint.VpcEndpointId ?? '?';
  const why = `endpoint ${endpointId}`;
  const subnets = (endpoint.SubnetIds ?? []).map((id) => ctx.subnet(id, why));
  const groups = ctx.groups(
    (endpoint.Groups ?? []).map((g) => g.GroupId ?? ''),
    why,
  );
  checkEndpointAzs(ctx, path, endpointId, new Set(subnets.map((s) => s.AvailabilityZone)));
  const label = `${spec.label} endpoint ${endpointId}`;
  const targets: FlowNode[] = subnets.map((subnet) => ({
    label,
    subnet,
    ranges: endpointRangesInSubnet(endpoint, subnet, ctx.snap.networkInterfaces),
    groups,
  }));
  // The name resolves to every endpoint IP and the client picks any: all must work.
  for (const node of lambda.nodes) {
    for (const target of targets) {
      checkFlow(ctx, node, target, 443, `HTTPS to ${label}`, spec.condition);
    }
  }
}

function checkEndpointPolicy(ctx: AnalysisContext, endpoint: VpcEndpoint): void {
  const secretArn = ctx.snap.secret?.ARN ?? '*';
  const blocked = actionsBlockedByPolicy(endpoint.PolicyDocument, ROTATION_ACTIONS, secretArn);
  if (blocked.length === 0) return;
  const endpointId = endpoint.VpcEndpointId ?? '?';
  ctx.findings.add({
    code: 'VPC_ENDPOINT_POLICY_RESTRICTION',
    resource: { type: 'vpc-endpoint', id: endpointId },
    rule: { attribute: 'PolicyDocument' },
    data: { endpointId, blockedActions: blocked, secretArn },
  });
}

/** The secret's resource policy accepts requests arriving this way (endpoint, or NAT). */
export function checkSecretPolicy(
  ctx: AnalysisContext,
  via: { endpointId?: string; vpcId: string },
): void {
  const problem = secretPolicyVpcProblem(ctx.snap.secretPolicy, via);
  if (!problem) return;
  const secretId = ctx.snap.secret?.ARN ?? ctx.snap.secret?.Name ?? '(secret)';
  ctx.findings.add({
    code: 'SECRET_POLICY_VPC_CONDITION',
    resource: { type: 'secret', id: secretId },
    rule: { attribute: problem.key },
    data: { secretId, key: problem.key, allowed: problem.allowed, ...via },
  });
}

/** The service's name resolves to the endpoint: it must be available and reachable on 443. */
export function analyzeEndpointPath(
  ctx: AnalysisContext,
  path: ServicePath,
  endpoint: VpcEndpoint,
): void {
  const { spec, lambda, summary, resolved } = path;
  const endpointId = endpoint.VpcEndpointId ?? '?';
  summary.vpcEndpointId = endpointId;
  if (!isAvailable(endpoint.State)) {
    ctx.findings.add({
      code: 'VPC_ENDPOINT_NOT_AVAILABLE',
      condition: spec.dnsCondition,
      resource: { type: 'vpc-endpoint', id: endpointId },
      rule: { attribute: 'State' },
      data: {
        endpointId,
        serviceName: path.serviceName,
        state: endpoint.State,
        lastError: endpoint.LastError?.Message,
      },
    });
    return;
  }
  summary.route = 'vpc-endpoint';
  // An endpoint-specific name resolves publicly; the regional one needs the Amazon resolver.
  if (!path.amazonDns && !resolved.vpceSpecific) {
    ctx.findings.add({
      code: 'DHCP_CUSTOM_DNS',
      condition: spec.dnsCondition,
      resource: { type: 'dhcp-options', id: lambda.vpc?.DhcpOptionsId ?? '?' },
      rule: { attribute: 'domain-name-servers' },
      data: { vpcId: lambda.vpcId, dnsServers: path.dnsServers, endpointId, host: resolved.host },
    });
  }
  checkEndpointFlows(ctx, path, endpoint);
  if (spec.service === 'secretsmanager') {
    checkEndpointPolicy(ctx, endpoint);
    checkSecretPolicy(ctx, { endpointId, vpcId: lambda.vpcId });
  }
}
