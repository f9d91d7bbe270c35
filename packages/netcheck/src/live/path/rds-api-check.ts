import type { ProbeStatus } from '../types.js';
import { addressList, type CheckContext, checkStatusOf, skipCheck } from './context.js';
import { dnsHint, tcpHint } from './hints.js';
import type { ServiceChain } from './probes.js';
import { CHECK_NAMES, type PathCheck } from './types.js';

/** The status of the first step that did not work (DNS, TCP, TLS), else `ok`. */
function furthestStep(chain: ServiceChain): ProbeStatus {
  if (!chain.dns.ok) return chain.dns.status;
  if (chain.tcp?.status !== 'ok') return chain.tcp?.status ?? 'error';
  return chain.tls?.status ?? 'ok';
}

/** R8: DNS, TCP and TLS to the RDS API, for functions that call it. */
export function rdsApiCheck(ctx: CheckContext): PathCheck {
  const { rdsEndpoint } = ctx.input;
  const rds = ctx.probes.rdsApi;
  if (!rds || !rdsEndpoint) {
    return skipCheck('R8', rdsEndpoint ? ctx.notWantedReason : 'not requested (checkRdsApi)');
  }
  const { host, port } = rdsEndpoint;
  const step = furthestStep(rds);
  const status = checkStatusOf(step);
  let hint: string | undefined;
  if (status === 'fail') {
    hint = !rds.dns.ok
      ? dnsHint(host, rds.dns, rdsEndpoint.vpceSpecific)
      : tcpHint(ctx.hints, {
          status: step,
          host,
          port,
          address: rds.tcp?.evidence.address,
          peer: 'RDS interface endpoint',
        });
  }
  const { tcp, tls } = rds;
  return {
    id: 'R8',
    name: CHECK_NAMES.R8,
    status,
    detail: `${host}: ${step === 'ok' ? `reachable (${addressList(rds.dns.evidence.addresses)})` : step}`,
    evidence: {
      dns: rds.dns.evidence,
      tcp: tcp && {
        status: tcp.status,
        address: tcp.evidence.address,
        connectMs: tcp.evidence.connectMs,
      },
      tls: tls && { status: tls.status, authorized: tls.evidence.authorized },
    },
    durationMs: rds.durationMs,
    hint,
  };
}
