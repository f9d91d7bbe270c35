import type { ResolvedEndpoint } from '../../endpoint.js';
import type { ClassifiedAddress } from '../../util/ip.js';
import {
  addressList,
  type CheckContext,
  checkStatusOf,
  firstPublic,
  skipCheck,
} from './context.js';
import { dnsHint, noRouteOutHint, tcpHint } from './hints.js';
import type { ServiceChain } from './probes.js';
import { CHECK_NAMES, type CheckStatus, type PathCheck } from './types.js';

function failedDnsCheck(endpoint: ResolvedEndpoint, sm: ServiceChain): PathCheck {
  const { dns } = sm;
  return {
    id: 'R3',
    name: CHECK_NAMES.R3,
    status: checkStatusOf(dns.status),
    detail: `${endpoint.host}: ${dns.status}${dns.error?.code ? ` (${dns.error.code})` : ''}`,
    evidence: { ...dns.evidence, status: dns.status, error: dns.error },
    durationMs: sm.dnsMs,
    hint: dnsHint(endpoint.host, dns, endpoint.vpceSpecific),
  };
}

function resolvedDnsCheck({ input }: CheckContext, sm: ServiceChain): PathCheck {
  const { host } = input.endpoint;
  const evidence = sm.dns.evidence;
  const publicAddress = firstPublic(evidence);
  const wrongPublic = input.expectPrivateDns && publicAddress !== undefined;
  const outside = evidence.outside && evidence.outside.length > 0;
  let hint: string | undefined;
  if (wrongPublic) {
    hint = `${host} resolved to public ${publicAddress.address}: turn on private DNS on the interface endpoint and enableDnsSupport/enableDnsHostnames on the VPC`;
  } else if (outside) {
    hint = `${evidence.outside?.join(', ')} are outside the expected CIDRs ${input.expectCidrs?.join(', ')}`;
  }
  return {
    id: 'R3',
    name: CHECK_NAMES.R3,
    status: wrongPublic ? 'fail' : outside ? 'warn' : 'pass',
    detail: `${host} -> ${addressList(evidence.addresses)}`,
    evidence: { ...evidence },
    durationMs: sm.dnsMs,
    hint,
  };
}

/** R3: the Secrets Manager name resolves (to private addresses when that is expected). */
export function dnsCheck(ctx: CheckContext): PathCheck {
  const sm = ctx.probes.secretsManager;
  if (!sm) return skipCheck('R3', ctx.notWantedReason);
  return sm.dns.ok ? resolvedDnsCheck(ctx, sm) : failedDnsCheck(ctx.input.endpoint, sm);
}

/** R4: TCP to the address Secrets Manager resolved to. */
export function tcpCheck(ctx: CheckContext): PathCheck {
  const sm = ctx.probes.secretsManager;
  if (!sm) return skipCheck('R4', ctx.notWantedReason);
  if (!sm.tcp) return skipCheck('R4', 'no address to connect to', 'fix DNS first (R3)');
  const { host, port } = ctx.input.endpoint;
  const tcp = sm.tcp;
  const { dns: _dns, ...evidence } = tcp.evidence;
  const status = checkStatusOf(tcp.status);
  const address = tcp.evidence.address;
  return {
    id: 'R4',
    name: CHECK_NAMES.R4,
    status,
    detail:
      tcp.status === 'ok'
        ? `connected to ${address?.address}:${port} in ${tcp.evidence.connectMs} ms`
        : `${tcp.status} to ${address?.address ?? host}:${port} after ${sm.tcpMs} ms`,
    evidence: { ...evidence, status: tcp.status, error: tcp.error },
    durationMs: sm.tcpMs,
    hint:
      status === 'pass'
        ? undefined
        : tcpHint(ctx.hints, {
            status: tcp.status,
            host,
            port,
            address,
            peer: 'interface endpoint',
            code: tcp.error?.code,
          }),
  };
}

function routeOutHint(
  ctx: CheckContext,
  tcp: NonNullable<ServiceChain['tcp']>,
  publicAddress: ClassifiedAddress,
): string {
  const { host, port } = ctx.input.endpoint;
  // A drop or no route to a public address means there is no way out at all.
  if (tcp.status === 'timeout' || tcp.status === 'unreachable') {
    return noRouteOutHint(ctx.hints, host, publicAddress.address);
  }
  return tcpHint(ctx.hints, {
    status: tcp.status,
    host,
    port,
    address: publicAddress,
    peer: 'interface endpoint',
    code: tcp.error?.code,
  });
}

/** R5: a way out of the VPC (NAT or internet), which matters only for public addresses. */
export function routeOutCheck(ctx: CheckContext): PathCheck {
  const sm = ctx.probes.secretsManager;
  if (!sm) return skipCheck('R5', ctx.notWantedReason);
  if (!sm.dns.ok || !sm.tcp) return skipCheck('R5', 'no address resolved');
  const { addresses } = sm.dns.evidence;
  const publicAddress = firstPublic(sm.dns.evidence);
  if (!publicAddress) {
    const loopback = addresses.every((a) => a.scope === 'loopback');
    return skipCheck(
      'R5',
      loopback
        ? 'loopback endpoint: no route out needed'
        : 'private addresses (interface endpoint): no NAT needed',
    );
  }
  const status: CheckStatus = checkStatusOf(sm.tcp.status);
  return {
    id: 'R5',
    name: CHECK_NAMES.R5,
    status,
    detail:
      status === 'pass'
        ? `public ${publicAddress.address} reachable: a route out exists`
        : `public ${publicAddress.address}: ${sm.tcp.status}`,
    evidence: {
      publicAddresses: addresses.filter((a) => !a.private).map((a) => a.address),
      tcpStatus: sm.tcp.status,
    },
    durationMs: sm.tcpMs,
    hint: status === 'fail' ? routeOutHint(ctx, sm.tcp, publicAddress) : undefined,
  };
}
