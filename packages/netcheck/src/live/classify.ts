import type { ProbeError, ProbeStatus } from './types.js';

/** What a thrown error says about the network, as far as its codes and names tell. */
export interface NetworkErrorInfo {
  /** A network-class failure: worth running reachability probes for. */
  network: boolean;
  status: ProbeStatus;
  name?: string;
  code?: string;
  errno?: number;
  syscall?: string;
  hostname?: string;
  address?: string;
  port?: number;
  message: string;
}

const CODE_STATUS: Record<string, ProbeStatus> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  ECONNABORTED: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  EACCES: 'unreachable',
  EPERM: 'unreachable',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ERR_SOCKET_CLOSED: 'reset',
  PROTOCOL_CONNECTION_LOST: 'reset',
  ENOTFOUND: 'dns-failure',
  EAI_AGAIN: 'dns-failure',
  EAI_FAIL: 'dns-failure',
  EAI_NONAME: 'dns-failure',
  ENODATA: 'dns-failure',
  ESERVFAIL: 'dns-failure',
  ENOTIMP: 'dns-failure',
  EREFUSED: 'dns-failure',
  EPROTO: 'tls-failure',
  HANDSHAKE_NO_SSL_SUPPORT: 'tls-failure',
  HANDSHAKE_SSL_ERROR: 'tls-failure',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls-failure',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls-failure',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls-failure',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls-failure',
  UNABLE_TO_GET_ISSUER_CERT: 'tls-failure',
  CERT_HAS_EXPIRED: 'tls-failure',
  CERT_NOT_YET_VALID: 'tls-failure',
  CERT_UNTRUSTED: 'tls-failure',
  ER_HOST_IS_BLOCKED: 'blocked',
  ER_CON_COUNT_ERROR: 'throttled',
};

const NAME_STATUS: Record<string, ProbeStatus> = {
  TimeoutError: 'timeout',
  RequestTimeout: 'timeout',
  RequestTimeoutException: 'timeout',
  DeadlineExceeded: 'timeout',
  AbortError: 'aborted',
};

const NETWORK_STATUSES = new Set<ProbeStatus>([
  'refused',
  'timeout',
  'unreachable',
  'reset',
  'dns-failure',
  'tls-failure',
  'blocked',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  errno?: unknown;
  syscall?: unknown;
  hostname?: unknown;
  address?: unknown;
  port?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function statusOf(e: ErrorLike): ProbeStatus | undefined {
  const code = str(e.code);
  if (code) {
    if (CODE_STATUS[code]) return CODE_STATUS[code];
    if (/^ERR_(TLS|SSL)_/.test(code)) return 'tls-failure';
  }
  if (typeof e.errno === 'number' && e.errno === 1129) return 'blocked';
  const name = str(e.name);
  if (name && NAME_STATUS[name]) return NAME_STATUS[name];
  return undefined;
}

/** The error, its causes and the members of AggregateErrors, outermost first. */
function* chain(error: unknown, depth = 0): Generator<ErrorLike> {
  if (depth > 6 || typeof error !== 'object' || error === null) return;
  const e = error as ErrorLike;
  yield e;
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
  if (e.cause !== undefined) yield* chain(e.cause, depth + 1);
}

/**
 * Classifies an error thrown by Node's net/tls/dns, the AWS SDK or mysql2: ETIMEDOUT,
 * ECONNREFUSED, ENOTFOUND, EAI_AGAIN, EHOSTUNREACH, TimeoutError, TLS certificate errors,
 * MySQL 1129 are network-class; an SDK error with an HTTP status is the service answering.
 * Walks `cause` and AggregateError members.
 * @example classifyNetworkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).status // 'refused'
 */
export function classifyNetworkError(error: unknown): NetworkErrorInfo {
  const top = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const message = str(top.message) ?? String(error);
  // A response with an HTTP status means the service answered: not a network failure.
  const answered = typeof top.$metadata?.httpStatusCode === 'number';
  for (const e of chain(error)) {
    const status = statusOf(e);
    if (!status) continue;
    const port = typeof e.port === 'number' ? e.port : undefined;
    const info: NetworkErrorInfo = {
      network: !answered && NETWORK_STATUSES.has(status),
      status,
      message: str(e.message) ?? message,
    };
    const name = str(e.name);
    const code = str(e.code);
    if (name) info.name = name;
    if (code) info.code = code;
    if (typeof e.errno === 'number') info.errno = e.errno;
    const syscall = str(e.syscall);
    if (syscall) info.syscall = syscall;
    const hostname = str(e.hostname);
    if (hostname) info.hostname = hostname;
    const address = str(e.address);
    if (address) info.address = address;
    if (port !== undefined) info.port = port;
    return info;
  }
  const info: NetworkErrorInfo = { network: false, status: 'error', message };
  const name = str(top.name);
  if (name) info.name = name;
  const code = str(top.code);
  if (code) info.code = code;
  return info;
}

/**
 * True when the error is a network-class failure (timeout, refused, DNS, unreachable, reset,
 * TLS, MySQL host blocked) rather than the service answering.
 * @example if (isNetworkError(error)) console.log((await diagnoseFailure(error, opts)).summary);
 */
export function isNetworkError(error: unknown): boolean {
  return classifyNetworkError(error).network;
}

/** A JSON-safe copy of an error's identifying fields (never its other properties). */
export function toProbeError(error: unknown): ProbeError {
  const info = classifyNetworkError(error);
  const out: ProbeError = { message: info.message };
  if (info.name) out.name = info.name;
  if (info.code) out.code = info.code;
  if (info.errno !== undefined) out.errno = info.errno;
  return out;
}
