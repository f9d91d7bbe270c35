import type { ClassifiedAddress } from '../../util/ip.js';
import type { DnsEvidence, ProbeResult, ProbeStatus } from '../types.js';
import type { PathReport } from './types.js';

/** Who runs the checks, which decides how a hint names the caller and its ways out. */
export interface HintContext {
  kind: PathReport['kind'];
  /** `the application` or `the rotation function`. */
  who: string;
}

export function hintContext(kind: PathReport['kind']): HintContext {
  return { kind, who: kind === 'app' ? 'the application' : 'the rotation function' };
}

/** A TCP connection that did not work. */
export interface TcpFailure {
  status: ProbeStatus;
  host: string;
  port: number;
  /** The address tried, when the name resolved. */
  address?: ClassifiedAddress;
  /** Whose security group must accept the connection: `interface endpoint`, `database's`. */
  peer: string;
  code?: string;
}

export const ABORTED_HINT = 'aborted before this check finished';

/** A public address that nothing answers on: there is no way out of the VPC. */
export function noRouteOutHint(hints: HintContext, host: string, publicAddress: string): string {
  const ec2 =
    hints.kind === 'app' ? ' (on EC2, a public IP with an internet gateway route also works)' : '';
  return `${host} resolved to public ${publicAddress}; no route out: create an interface endpoint with private DNS or a NAT route${ec2}`;
}

function silentDropHint(hints: HintContext, failure: TcpFailure, addr: string): string {
  const { port, address, peer } = failure;
  const { who } = hints;
  return `TCP ${port} to ${addr} (${address?.scope ?? 'private'}) timed out: a silent drop. The ${peer} security group must accept TCP ${port} from ${who}'s security group, ${who}'s security group must allow it out, and the network ACLs of both subnets must allow it both ways (replies on 1024-65535)`;
}

function timeoutHint(hints: HintContext, failure: TcpFailure, addr: string): string {
  const { address, host, port } = failure;
  if (address && !address.private) return noRouteOutHint(hints, host, addr);
  if (address?.scope === 'loopback') return `nothing answered on ${addr}:${port} in time`;
  return silentDropHint(hints, failure, addr);
}

/** The likely cause of a failed TCP connection, from its status and the address's scope. */
export function tcpHint(hints: HintContext, failure: TcpFailure): string {
  const { status, host, port, code } = failure;
  const addr = failure.address?.address ?? host;
  switch (status) {
    case 'timeout':
      return timeoutHint(hints, failure, addr);
    case 'refused':
      return `${addr}:${port} refused the connection: the host is reachable but nothing listens on port ${port}; check the host and port`;
    case 'unreachable':
      return `no route to ${addr} (${code ?? 'unreachable'}): check the route table of ${hints.who}'s subnet`;
    case 'reset':
      return `the connection to ${addr}:${port} was reset: a proxy, firewall or overloaded server closed it`;
    case 'dns-failure':
      return `${host} did not resolve (${code ?? 'DNS failure'})`;
    case 'aborted':
      return ABORTED_HINT;
    default:
      return `TCP ${port} to ${addr} failed: ${status}${code ? ` (${code})` : ''}`;
  }
}

/** Why an AWS service name did not resolve: the endpoint-specific name, or the VPC's DNS. */
export function dnsHint(
  host: string,
  dns: ProbeResult<DnsEvidence>,
  vpceSpecific: boolean,
): string {
  if (dns.status === 'aborted') return ABORTED_HINT;
  const code = dns.error?.code ?? dns.status;
  if (vpceSpecific) {
    return `${host} did not resolve (${code}): the endpoint-specific name must match an existing interface endpoint (check the id and region)`;
  }
  return `${host} did not resolve (${code}): check enableDnsSupport on the VPC, the DHCP options (custom DNS servers must forward to the Amazon resolver) and the host name`;
}
