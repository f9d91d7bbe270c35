import type { ClassifiedAddress } from '../util/ip.js';

/** How a probe ended. Only `ok` means the step worked. */
export type ProbeStatus =
  /** The step worked. */
  | 'ok'
  /** The host answered with a TCP reset: nothing listens on that port (wrong host or port). */
  | 'refused'
  /** No answer within the budget: a silent drop (security group, NACL, route) or a dead server. */
  | 'timeout'
  /** The local stack has no route (EHOSTUNREACH, ENETUNREACH) or a local firewall refused. */
  | 'unreachable'
  /** The connection was reset or closed mid-way. */
  | 'reset'
  /** The name did not resolve (ENOTFOUND, EAI_AGAIN, ...). */
  | 'dns-failure'
  /** The TLS handshake failed or the certificate was not trusted. */
  | 'tls-failure'
  /** The service answered and refused the caller (the network path works). */
  | 'access-denied'
  /** The service answered with throttling or too many connections. */
  | 'throttled'
  /** The service answered with a 5xx / internal error. */
  | 'server-error'
  /** The service answered with another API error (for example ResourceNotFoundException). */
  | 'api-error'
  /** The peer spoke, but not the expected protocol. */
  | 'protocol-error'
  /** MySQL refused this host (ER_HOST_IS_BLOCKED, 1129): too many aborted connections. */
  | 'blocked'
  /** The probe was not sent: the per-host rate limit for MySQL probes was reached. */
  | 'rate-limited'
  /** The caller's AbortSignal fired. */
  | 'aborted'
  /** Anything else; see `error`. */
  | 'error';

export interface ProbeError {
  name?: string;
  code?: string;
  errno?: number;
  message: string;
}

export type ProbeKind = 'dns' | 'tcp' | 'tls' | 'secretsmanager' | 'mysql' | 'postgres';

/** The result of one live probe; plain data, safe to `JSON.stringify`. */
export interface ProbeResult<E> {
  probe: ProbeKind;
  /** `host` or `host:port`. */
  target: string;
  status: ProbeStatus;
  ok: boolean;
  durationMs: number;
  evidence: E;
  error?: ProbeError;
}

export interface ProbeOptions {
  /** Hard limit for the whole probe, name resolution included. @default 5000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface DnsEvidence {
  host: string;
  /** The host was already an IP address; nothing was resolved. */
  literal: boolean;
  resolver: 'system' | 'dns';
  addresses: ClassifiedAddress[];
  allPrivate: boolean;
  /** Addresses outside the `expectCidrs` given (for example the VPC CIDRs). */
  outside?: string[];
}

export interface ConnectAttempt {
  address: string;
  status: ProbeStatus;
  durationMs: number;
  code?: string;
}

export interface TcpEvidence {
  host: string;
  port: number;
  dns?: DnsEvidence;
  /** The address that connected (or the last one tried). */
  address?: ClassifiedAddress;
  attempts: ConnectAttempt[];
  localAddress?: string;
  connectMs?: number;
  /** Where the time ran out: `dns` or `connect`. */
  phase?: string;
}
