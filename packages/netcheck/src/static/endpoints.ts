import type { DhcpOptions, NetworkInterface, Subnet, Vpc, VpcEndpoint } from '@aws-sdk/client-ec2';
import { type Ipv4Range, parseCidr4 } from '../util/ip.js';

/** `com.amazonaws.<region>.<service>` (the `cn.` prefix in China regions). */
export function endpointServiceName(region: string, service: string): string {
  return `${region.startsWith('cn-') ? 'cn.com.amazonaws' : 'com.amazonaws'}.${region}.${service}`;
}

export function isAvailable(state: string | undefined): boolean {
  // The API reports `available`; the SDK enum spells it `Available`.
  return (state ?? '').toLowerCase() === 'available';
}

/** Interface endpoints for a service in a VPC, the usable ones first. */
export function interfaceEndpointsFor(
  endpoints: readonly VpcEndpoint[],
  vpcId: string,
  serviceName: string,
): VpcEndpoint[] {
  const rank = (e: VpcEndpoint) => (isAvailable(e.State) ? 0 : 2) + (e.PrivateDnsEnabled ? 0 : 1);
  return endpoints
    .filter(
      (e) =>
        e.VpcId === vpcId &&
        (e.VpcEndpointType ?? 'Interface').toLowerCase() === 'interface' &&
        e.ServiceName === serviceName,
    )
    .sort((a, b) => rank(a) - rank(b));
}

/** The DNS servers a VPC's DHCP options hand out (`AmazonProvidedDNS` when none are set). */
export function dhcpDnsServers(vpc: Vpc | undefined, dhcp: readonly DhcpOptions[]): string[] {
  const options = dhcp.find((d) => d.DhcpOptionsId === vpc?.DhcpOptionsId);
  const config = options?.DhcpConfigurations?.find((c) => c.Key === 'domain-name-servers');
  const servers = (config?.Values ?? []).map((v) => v.Value).filter((v) => v !== undefined);
  return servers.length > 0 ? servers : ['AmazonProvidedDNS'];
}

/** The private addresses an endpoint has in one subnet: its ENI IPs if known, else the subnet. */
export function endpointRangesInSubnet(
  endpoint: VpcEndpoint,
  subnet: Subnet,
  interfaces: readonly NetworkInterface[] | undefined,
): Ipv4Range[] {
  const ids = new Set(endpoint.NetworkInterfaceIds ?? []);
  const ips = (interfaces ?? [])
    .filter((eni) => eni.NetworkInterfaceId && ids.has(eni.NetworkInterfaceId))
    .filter((eni) => eni.SubnetId === subnet.SubnetId)
    .map((eni) => parseCidr4(eni.PrivateIpAddress))
    .filter((r) => r !== undefined);
  if (ips.length > 0) return ips;
  const cidr = parseCidr4(subnet.CidrBlock);
  return cidr ? [cidr] : [];
}

interface PolicyStatement {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  Condition?: unknown;
  Principal?: unknown;
}

function asList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function wildcardMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    'i',
  );
  return re.test(value);
}

/** Parses an IAM policy document; `undefined` when it is not valid JSON with statements. */
export function parsePolicy(document: string | undefined | null): PolicyStatement[] | undefined {
  if (!document) return undefined;
  try {
    const parsed = JSON.parse(document) as { Statement?: unknown };
    const statements = Array.isArray(parsed.Statement)
      ? parsed.Statement
      : parsed.Statement
        ? [parsed.Statement]
        : [];
    return statements.filter((s): s is PolicyStatement => typeof s === 'object' && s !== null);
  } catch {
    return undefined;
  }
}

function statementMatches(s: PolicyStatement, action: string, resource: string): boolean {
  const actionOk = s.NotAction
    ? !asList(s.NotAction).some((p) => wildcardMatch(p, action))
    : asList(s.Action).some((p) => wildcardMatch(p, action));
  const resources = asList(s.Resource);
  const resourceOk = resources.length === 0 || resources.some((p) => wildcardMatch(p, resource));
  return actionOk && resourceOk;
}

/** Secrets Manager actions a rotation function calls through the endpoint. */
export const ROTATION_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
] as const;

/**
 * Actions an endpoint policy does not allow for the secret. Conditions on Allow statements
 * are assumed to hold; an unconditional Deny always wins.
 */
export function actionsBlockedByPolicy(
  document: string | undefined,
  actions: readonly string[],
  resource: string,
): string[] {
  const statements = parsePolicy(document);
  if (!statements) return []; // No policy (or unreadable): full access is the default.
  return actions.filter((action) => {
    const denied = statements.some(
      (s) => s.Effect === 'Deny' && !s.Condition && statementMatches(s, action, resource),
    );
    const allowed = statements.some(
      (s) => s.Effect === 'Allow' && statementMatches(s, action, resource),
    );
    return denied || !allowed;
  });
}

export interface VpcConditionProblem {
  key: 'aws:SourceVpce' | 'aws:SourceVpc';
  allowed: string[];
}

/**
 * A Deny statement in the secret's resource policy that would reject requests arriving
 * through `via` (an endpoint id, or none for traffic over NAT/the internet) from `vpcId`.
 */
export function secretPolicyVpcProblem(
  document: string | null | undefined,
  via: { endpointId?: string; vpcId?: string },
): VpcConditionProblem | undefined {
  for (const s of parsePolicy(document) ?? []) {
    if (s.Effect !== 'Deny' || typeof s.Condition !== 'object' || s.Condition === null) continue;
    for (const [operator, block] of Object.entries(s.Condition as Record<string, unknown>)) {
      if (!/^StringNot(Equals|Like)(IfExists)?$/i.test(operator)) continue;
      if (typeof block !== 'object' || block === null) continue;
      for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
        const allowed = asList(values);
        const lower = key.toLowerCase();
        if (lower === 'aws:sourcevpce') {
          if (!via.endpointId || !allowed.some((v) => wildcardMatch(v, via.endpointId!))) {
            return { key: 'aws:SourceVpce', allowed };
          }
        } else if (lower === 'aws:sourcevpc') {
          // aws:SourceVpc is only set for requests through a VPC endpoint.
          if (!via.endpointId || !via.vpcId || !allowed.some((v) => wildcardMatch(v, via.vpcId!))) {
            return { key: 'aws:SourceVpc', allowed };
          }
        }
      }
    }
  }
  return undefined;
}

/** Whether a Lambda function policy lets `secretsmanager.amazonaws.com` invoke the function. */
export function functionPolicyAllowsSecretsManager(document: string): boolean {
  return (parsePolicy(document) ?? []).some((s) => {
    if (s.Effect !== 'Allow') return false;
    const principal = s.Principal;
    const services =
      principal === '*'
        ? ['*']
        : typeof principal === 'object' && principal !== null
          ? asList((principal as { Service?: unknown }).Service)
          : [];
    const serviceOk = services.some((p) => p === '*' || p === 'secretsmanager.amazonaws.com');
    const actionOk = asList(s.Action).some((p) => wildcardMatch(p, 'lambda:InvokeFunction'));
    return serviceOk && actionOk;
  });
}
