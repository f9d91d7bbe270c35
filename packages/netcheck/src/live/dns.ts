import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { Deadline, roundMs } from '../util/deadline.js';
import { classifyAddress, parseCidr4, parseIpv4 } from '../util/ip.js';
import { classifyNetworkError, toProbeError } from './classify.js';
import { checkHost, checkSignal, checkTimeout } from './options.js';
import type { DnsEvidence, ProbeOptions, ProbeResult, ProbeStatus } from './types.js';

export interface ProbeDnsOptions extends ProbeOptions {
  host: string;
  /**
   * `system` uses getaddrinfo like the SDK and mysql2 do (hosts file, nsswitch); `dns` asks
   * the configured DNS server directly with a per-query timeout. @default 'system'
   */
  resolver?: 'system' | 'dns';
  /** CIDRs the addresses should fall in (the VPC CIDRs); others are listed in `outside`. */
  expectCidrs?: readonly string[];
}

function evidenceFor(
  host: string,
  literal: boolean,
  resolver: 'system' | 'dns',
  addresses: string[],
  expect?: readonly string[],
): DnsEvidence {
  const classified = addresses.map(classifyAddress);
  const evidence: DnsEvidence = {
    host,
    literal,
    resolver,
    addresses: classified,
    allPrivate: classified.length > 0 && classified.every((a) => a.private),
  };
  if (expect && expect.length > 0) {
    const ranges = expect.map((c) => parseCidr4(c)).filter((r) => r !== undefined);
    evidence.outside = classified
      .filter((a) => {
        const v4 = a.family === 4 ? parseIpv4(a.address) : undefined;
        return v4 === undefined || !ranges.some((r) => v4 >= r.start && v4 <= r.end);
      })
      .map((a) => a.address);
  }
  return evidence;
}

async function resolveWithDnsServer(host: string, deadline: Deadline): Promise<string[]> {
  const resolver = new dns.Resolver({
    timeout: Math.max(1, Math.floor(deadline.remaining())),
    tries: 1,
  });
  const onAbort = () => resolver.cancel();
  deadline.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const addresses = [
      ...(v4.status === 'fulfilled' ? v4.value : []),
      ...(v6.status === 'fulfilled' ? v6.value : []),
    ];
    if (addresses.length === 0) {
      throw v4.status === 'rejected'
        ? v4.reason
        : v6.status === 'rejected'
          ? v6.reason
          : new Error('no address');
    }
    return addresses;
  } finally {
    deadline.signal.removeEventListener('abort', onAbort);
  }
}

/** Resolves within an existing deadline; used by the other probes. */
export async function resolveHost(
  host: string,
  deadline: Deadline,
  resolver: 'system' | 'dns' = 'system',
  expectCidrs?: readonly string[],
): Promise<ProbeResult<DnsEvidence>> {
  const started = deadline.elapsed();
  const done = (
    status: ProbeStatus,
    evidence: DnsEvidence,
    error?: unknown,
  ): ProbeResult<DnsEvidence> => ({
    probe: 'dns',
    target: host,
    status,
    ok: status === 'ok',
    durationMs: roundMs(deadline.elapsed() - started),
    evidence,
    ...(error === undefined ? {} : { error: toProbeError(error) }),
  });
  if (isIP(host)) return done('ok', evidenceFor(host, true, resolver, [host], expectCidrs));
  const empty = evidenceFor(host, false, resolver, [], expectCidrs);
  try {
    // getaddrinfo cannot be cancelled: a late answer is ignored.
    const addresses =
      resolver === 'dns'
        ? await deadline.race(resolveWithDnsServer(host, deadline))
        : (await deadline.race(dns.lookup(host, { all: true, verbatim: true }))).map(
            (a) => a.address,
          );
    return done('ok', evidenceFor(host, false, resolver, [...new Set(addresses)], expectCidrs));
  } catch (error) {
    if (deadline.timedOut) return done('timeout', empty, error);
    if (deadline.aborted) return done('aborted', empty, deadline.signal.reason);
    const info = classifyNetworkError(error);
    return done(info.status === 'timeout' ? 'timeout' : 'dns-failure', empty, error);
  }
}

/**
 * Resolves a host name with a hard timeout and classifies every address (private, public,
 * loopback, ...). Inside a VPC with an interface endpoint and private DNS, the Secrets
 * Manager name must give only private addresses.
 * @example
 * const r = await probeDns({ host: 'secretsmanager.us-east-1.amazonaws.com', timeoutMs: 2000 });
 * r.evidence.allPrivate // true behind an interface endpoint with private DNS
 */
export async function probeDns(options: ProbeDnsOptions): Promise<ProbeResult<DnsEvidence>> {
  const host = checkHost(options?.host);
  const timeoutMs = checkTimeout(options.timeoutMs);
  const signal = checkSignal(options.signal);
  using deadline = new Deadline(timeoutMs, signal);
  // Awaited so that `using` keeps the deadline armed until the probe ends.
  return await resolveHost(host, deadline, options.resolver ?? 'system', options.expectCidrs);
}
