import { type MysqlErrorMeaning, meaningOfErrno, mysqlErrorMeaning } from '@rotakit/engine-mysql';
import { meaningOfSqlState, type PostgresErrorMeaning } from '@rotakit/engine-postgres';
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

/**
 * netcheck's status for each meaning of @rotakit/engine-mysql's vocabulary (which includes
 * @rotakit/core's socket, DNS and TLS codes). A refused password, a missing grant and a host
 * the accounts exclude are `access-denied`: the server answered, so the network path works. A
 * locked or expired account stays `error`: it says nothing about the password (an expired
 * one was accepted), and `rotakit unstick` must not read it as "the password is not live".
 * Meanings without a status here are not about reachability.
 */
const STATUS_BY_MEANING: Partial<Record<MysqlErrorMeaning, ProbeStatus>> = {
  refused: 'refused',
  timeout: 'timeout',
  unreachable: 'unreachable',
  'connection-lost': 'reset',
  dns: 'dns-failure',
  tls: 'tls-failure',
  aborted: 'aborted',
  'host-blocked': 'blocked',
  'too-many-connections': 'throttled',
  'user-connection-limit': 'throttled',
  'access-denied': 'access-denied',
  'access-denied-no-password': 'access-denied',
  'database-access-denied': 'access-denied',
  'host-not-allowed': 'access-denied',
};

/** The status for a MySQL server errno (an ERR packet's code), if it has one. */
export function mysqlErrnoStatus(errno: number): ProbeStatus | undefined {
  const meaning = meaningOfErrno(errno);
  return meaning && STATUS_BY_MEANING[meaning];
}

/**
 * The same policy for @rotakit/engine-postgres's SQLSTATE meanings: a refused password
 * (28P01), a pg_hba.conf rejection (28000) and a missing CONNECT privilege (42501) are
 * `access-denied`, too many connections (53300) is `throttled`, a server starting up, in
 * recovery or shutting down (57P03, 57P01, 57P02) is `server-error`. An unknown database
 * (3D000) has no status here, as MySQL's 1049 has none: the login check reports it as `error`.
 */
const POSTGRES_STATUS_BY_MEANING: Partial<Record<PostgresErrorMeaning, ProbeStatus>> = {
  'access-denied': 'access-denied',
  rejected: 'access-denied',
  'insufficient-privilege': 'access-denied',
  'too-many-connections': 'throttled',
  'starting-up': 'server-error',
  'server-shutdown': 'server-error',
};

/** The status for a PostgreSQL SQLSTATE (an ErrorResponse's or a pg error's code), if it has one. */
export function postgresSqlStateStatus(sqlState: string): ProbeStatus | undefined {
  const meaning = meaningOfSqlState(sqlState);
  return meaning && POSTGRES_STATUS_BY_MEANING[meaning];
}

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
  const meaning = mysqlErrorMeaning({ code: str(e.code), errno: e.errno });
  const status = meaning && STATUS_BY_MEANING[meaning];
  if (status) return status;
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
 * MySQL 1129 are network-class (codes and errnos read through @rotakit/engine-mysql); an SDK error with an HTTP status is the service answering.
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
