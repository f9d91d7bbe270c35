import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { definedOnly } from '@rotakit/core';
import { POSTGRES_DEFAULT_DATABASE, POSTGRES_DEFAULT_PORT } from '@rotakit/engine-postgres';
import { defaultTrustedCas } from '@rotakit/rds-trust';
import { InvalidOptionError } from '../errors.js';
import { Deadline, roundMs } from '../util/deadline.js';
import { classifyNetworkError, postgresSqlStateStatus, toProbeError } from './classify.js';
import { checkHost, checkPort, checkSignal, checkTimeout } from './options.js';
import {
  firstMessageLength,
  firstMessageProblem,
  type PostgresAuthRequest,
  type PostgresGreeting,
  parsePostgresGreeting,
  sslRequest,
  sslResponseProblem,
  startupMessage,
} from './postgres-greeting.js';
import {
  checkPostgresLogin,
  type PostgresLogin,
  type PostgresLoginEvidence,
} from './postgres-login.js';
import { readFirstFrame } from './read-frame.js';
import { type Connected, connectTcp } from './tcp.js';
import {
  handshake,
  type ProbeTlsOptions,
  type TlsEvidence,
  type TrustStore,
  trustStore,
} from './tls.js';
import type {
  DnsEvidence,
  ProbeError,
  ProbeOptions,
  ProbeResult,
  ProbeStatus,
  TcpEvidence,
} from './types.js';

export type { PostgresLogin } from './postgres-login.js';

/**
 * How the probe asks for TLS. `prefer` sends the SSLRequest and goes on in plain text when the
 * server answers `N`, or on a new connection when its certificate does not verify (as libpq's
 * `sslmode=prefer` and rotakit's rotation without an `ssl` key do; `evidence.tlsFallback`
 * says so); `require` makes either a `tls-failure`; `disable` never asks.
 */
export type PostgresTlsMode = 'prefer' | 'require' | 'disable';

/** The user named in the StartupMessage when none is given: the server answers for it. */
export const PROBE_USER = 'rotakit_netcheck';

export interface ProbePostgresOptions extends ProbeOptions {
  host: string;
  /** @default 5432 */
  port?: number;
  /** @default 'prefer' */
  tls?: PostgresTlsMode;
  /**
   * Extra trusted CA certificates (PEM) for the TLS check, added to Node's default CAs and
   * the Amazon RDS CAs (@rotakit/rds-trust), which are always trusted.
   */
  ca?: ProbeTlsOptions['ca'];
  /** The user the StartupMessage names; pg_hba.conf rules match on it. @default login.user, else 'rotakit_netcheck' */
  user?: string;
  /** The database the StartupMessage names. @default login.database, else 'postgres' */
  database?: string;
  /** Also log in with pg (an optional peer dependency) to check the credentials. */
  login?: PostgresLogin;
}

export interface PostgresEvidence extends TcpEvidence {
  /** The server's answer to the SSLRequest; absent with `tls: 'disable'`. */
  sslResponse?: 'S' | 'N';
  /** The TLS handshake after `S`: verified against Node's CAs, the RDS CAs and `ca`. */
  tls?: Pick<
    TlsEvidence,
    | 'servername'
    | 'authorized'
    | 'authorizationError'
    | 'protocol'
    | 'cipher'
    | 'certificate'
    | 'handshakeMs'
  >;
  /** `prefer` only: the certificate did not verify, so the greeting was read in plain text. */
  tlsFallback?: boolean;
  greetingMs?: number;
  /** The server's first authentication request (`ok`: it asks for no password). */
  authRequest?: PostgresAuthRequest;
  saslMechanisms?: string[];
  /** An ErrorResponse instead of an authentication request (28000 no pg_hba.conf entry, ...). */
  sqlState?: string;
  severity?: string;
  errorMessage?: string;
  /** First bytes when the peer spoke something else. */
  firstBytes?: string;
  /** Which rule of the PostgreSQL protocol the peer broke (`protocol-error`). */
  greetingProblem?: string;
  /** `SHOW server_version`, known only after a login. */
  serverVersion?: string;
  login?: PostgresLoginEvidence;
}

/** A probe's resolved options (`probePostgres` validates them; the presets build them). */
export interface PostgresProbeSettings {
  tls: PostgresTlsMode;
  trust: TrustStore;
  user: string;
  database: string;
  login?: PostgresLogin;
  resolved?: ProbeResult<DnsEvidence>;
}

/** Parsed stores by their extra CAs ('' for none): parsing the CAs takes hundreds of ms. */
const stores = new Map<string, TrustStore>();
const MAX_STORES = 8;

/** Every CA the probe trusts: Node's default store and the RDS CAs, plus the caller's. */
export function trustStoreWith(extra: ProbeTlsOptions['ca']): TrustStore {
  const extras = (extra === undefined ? [] : Array.isArray(extra) ? extra : [extra]).map((ca) =>
    ca.toString(),
  );
  const key = extras.join('\n');
  let store = stores.get(key);
  if (!store) {
    if (stores.size >= MAX_STORES) stores.clear();
    store = trustStore([...defaultTrustedCas(), ...extras]);
    stores.set(key, store);
  }
  return store;
}

function checkLoginOption(login: PostgresLogin | undefined): void {
  if (login && (typeof login.user !== 'string' || typeof login.password !== 'string')) {
    throw InvalidOptionError.of('login', 'expected { user: string, password: string }');
  }
}

/** A StartupMessage value is NUL-terminated: it cannot hold a NUL. */
function startupValue(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.includes('\0')) {
    throw InvalidOptionError.of(option, 'expected a string without NUL characters');
  }
  return value;
}

function checkTlsMode(value: unknown): PostgresTlsMode {
  const mode = value ?? 'prefer';
  if (mode !== 'prefer' && mode !== 'require' && mode !== 'disable') {
    throw InvalidOptionError.of(
      'tls',
      `expected 'prefer', 'require' or 'disable', got ${String(value)}`,
    );
  }
  return mode;
}

/**
 * Connects to a PostgreSQL server, asks for TLS (SSLRequest) and verifies the certificate
 * against Node's CAs and the RDS CAs, sends a StartupMessage and reads the server's first
 * answer: the authentication it asks for (SCRAM-SHA-256, md5, cleartext, none) or an
 * ErrorResponse with its SQLSTATE (28000: no pg_hba.conf entry; 57P03: starting up). With
 * `tls: 'prefer'` (the default) a certificate that does not verify sends it to plain text on
 * a second connection (`evidence.tlsFallback`). It closes without authenticating:
 * PostgreSQL logs and counts nothing for a client that leaves at that point, so these
 * probes need no rate limit. With `login`, also logs in with pg.
 * @example
 * const r = await probePostgres({ host: 'db.cluster-xyz.us-east-1.rds.amazonaws.com', user: 'app' });
 * r.evidence.authRequest // 'sasl'; r.evidence.saslMechanisms // ['SCRAM-SHA-256']
 */
export async function probePostgres(
  options: ProbePostgresOptions,
): Promise<ProbeResult<PostgresEvidence>> {
  const host = checkHost(options?.host);
  const port = checkPort(options.port, 'port', POSTGRES_DEFAULT_PORT);
  const timeoutMs = checkTimeout(options.timeoutMs);
  const signal = checkSignal(options.signal);
  checkLoginOption(options.login);
  const settings: PostgresProbeSettings = {
    tls: checkTlsMode(options.tls),
    trust: trustStoreWith(options.ca),
    user: startupValue(options.user || options.login?.user || PROBE_USER, 'user'),
    database: startupValue(
      options.database || options.login?.database || POSTGRES_DEFAULT_DATABASE,
      'database',
    ),
    ...definedOnly({ login: options.login || undefined }),
  };
  using deadline = new Deadline(timeoutMs, signal);
  // Awaited so that `using` keeps the deadline armed until the probe ends.
  return await runPostgres(host, port, deadline, settings);
}

interface Step {
  status: ProbeStatus;
  error?: ProbeError;
}

/** A failed step's status: the deadline's verdict first, then what the error says. */
function failedStep(caught: unknown, deadline: Deadline): Step {
  const status = deadline.timedOut
    ? 'timeout'
    : deadline.aborted
      ? 'aborted'
      : classifyNetworkError(caught).status;
  return { status, error: toProbeError(deadline.signal.aborted ? deadline.signal.reason : caught) };
}

function protocolError(evidence: PostgresEvidence, firstBytes: Buffer, problem: string): Step {
  evidence.firstBytes = firstBytes.subarray(0, 16).toString('hex');
  evidence.greetingProblem = problem;
  return {
    status: 'protocol-error',
    error: { code: 'PROTOCOL_ERROR', message: `the peer does not speak PostgreSQL: ${problem}` },
  };
}

function tlsEvidence(tls: TlsEvidence): NonNullable<PostgresEvidence['tls']> {
  const { servername, authorized, authorizationError, protocol, cipher, certificate, handshakeMs } =
    tls;
  return definedOnly({
    servername,
    authorized,
    authorizationError,
    protocol,
    cipher,
    certificate,
    handshakeMs,
  });
}

/** The SSLRequest, its answer and the TLS handshake: the stream to speak on, or why not. */
async function negotiateTls(
  connected: Connected,
  host: string,
  settings: PostgresProbeSettings,
  deadline: Deadline,
  evidence: PostgresEvidence,
): Promise<{ stream: Duplex; tlsSocket?: TLSSocket } | Step> {
  if (settings.tls === 'disable') return { stream: connected.socket };
  connected.socket.write(sslRequest());
  const answer = await readFirstFrame(
    connected.socket,
    deadline,
    () => 'stop',
    'SSLRequest answer',
  );
  const problem = sslResponseProblem(answer);
  if (problem) return protocolError(evidence, answer, problem);
  evidence.sslResponse = answer[0] === 0x53 ? 'S' : 'N';
  if (evidence.sslResponse === 'N') {
    if (settings.tls !== 'require') return { stream: connected.socket };
    return {
      status: 'tls-failure',
      error: {
        code: 'TLS_NOT_OFFERED',
        message: 'the server does not offer TLS (it answered N to the SSLRequest)',
      },
    };
  }
  const servername = /^[\d.]+$|:/.test(host) ? undefined : host;
  const tls: TlsEvidence = { host, port: evidence.port, attempts: [], servername };
  const outcome = await handshake(connected, servername, settings.trust, deadline, tls, [
    'postgresql',
  ]);
  evidence.tls = tlsEvidence(tls);
  if (outcome.status !== 'ok' || !outcome.socket) {
    evidence.phase = 'tls-handshake';
    return { status: outcome.status, ...definedOnly({ error: outcome.error }) };
  }
  return { stream: outcome.socket, tlsSocket: outcome.socket };
}

function readFirstMessage(stream: Duplex, deadline: Deadline): Promise<Buffer> {
  return readFirstFrame(
    stream,
    deadline,
    (buffer) => {
      // Not a PostgreSQL message (an HTTP answer, say): stop reading at once.
      if (firstMessageProblem(buffer) !== undefined) return 'stop';
      const length = firstMessageLength(buffer);
      return length !== undefined && buffer.length >= length ? { take: length } : undefined;
    },
    'first message',
  );
}

function greetingStep(greeting: PostgresGreeting, evidence: PostgresEvidence, raw: Buffer): Step {
  if (greeting.kind === 'unknown') return protocolError(evidence, raw, greeting.problem);
  if (greeting.kind === 'auth') {
    evidence.authRequest = greeting.request;
    if (greeting.saslMechanisms) evidence.saslMechanisms = greeting.saslMechanisms;
    return { status: 'ok' };
  }
  evidence.sqlState = greeting.sqlState;
  if (greeting.severity) evidence.severity = greeting.severity;
  evidence.errorMessage = greeting.message;
  return {
    status: postgresSqlStateStatus(greeting.sqlState) ?? 'server-error',
    error: { code: greeting.sqlState, message: greeting.message },
  };
}

/** How long a closing connection may take before it is cut. */
const CLOSE_GRACE_MS = 1000;

/**
 * Ends our side and drains what the server still sends (a TLS session ticket, say), so that
 * the server reads an orderly close and logs nothing, where a cut connection would log
 * "could not receive data from client: Connection reset by peer". Nobody awaits the close,
 * so its fallback timer is unref'd.
 */
function closeQuietly(stream: Duplex): void {
  stream.on('error', () => {});
  stream.resume();
  stream.end();
  const timer = setTimeout(() => stream.destroy(), CLOSE_GRACE_MS);
  timer.unref();
  stream.once('close', () => clearTimeout(timer));
}

/** Terminate ('X'): only valid once the server needs no more authentication. */
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);

/** The SSLRequest, the StartupMessage and the server's first answer, on one connection. */
async function exchangeGreeting(
  connected: Connected,
  host: string,
  settings: PostgresProbeSettings,
  deadline: Deadline,
  evidence: PostgresEvidence,
): Promise<Step & { tlsUsed?: boolean }> {
  const negotiated = await negotiateTls(connected, host, settings, deadline, evidence);
  if ('status' in negotiated) {
    connected.socket.destroy();
    return negotiated;
  }
  const { stream, tlsSocket } = negotiated;
  try {
    const started = deadline.elapsed();
    stream.write(
      startupMessage({
        user: settings.user,
        database: settings.database,
        application_name: 'rotakit-netcheck',
      }),
    );
    const raw = await readFirstMessage(stream, deadline);
    evidence.greetingMs = roundMs(deadline.elapsed() - started);
    const greeting = parsePostgresGreeting(raw);
    // Leaving mid-authentication is silent on the server; after AuthenticationOk say goodbye.
    if (greeting.kind === 'auth' && greeting.request === 'ok') stream.write(TERMINATE);
    return { ...greetingStep(greeting, evidence, raw), tlsUsed: tlsSocket !== undefined };
  } finally {
    closeQuietly(stream);
  }
}

type GreetingOutcome = Step & { tlsUsed?: boolean };

/** One connection: TCP, then the greeting exchange, recorded in `evidence`. */
async function greetOnce(
  host: string,
  port: number,
  deadline: Deadline,
  settings: PostgresProbeSettings,
  into?: PostgresEvidence,
): Promise<{ evidence: PostgresEvidence; step: GreetingOutcome }> {
  const tcp = await connectTcp(host, port, deadline, settings.resolved);
  const evidence: PostgresEvidence = into ?? tcp.evidence;
  if (!tcp.connected) {
    return { evidence, step: { status: tcp.status, ...definedOnly({ error: tcp.error }) } };
  }
  try {
    return {
      evidence,
      step: await exchangeGreeting(tcp.connected, host, settings, deadline, evidence),
    };
  } catch (caught) {
    tcp.connected.socket.destroy();
    evidence.phase ??= 'greeting';
    return { evidence, step: failedStep(caught, deadline) };
  }
}

/** A certificate that did not verify (as opposed to a handshake that broke). */
function unverified(step: Step, evidence: PostgresEvidence): boolean {
  return step.status === 'tls-failure' && evidence.tls?.authorized === false;
}

/** `probePostgres` within an existing deadline (and optionally an existing DNS answer). */
export async function runPostgres(
  host: string,
  port: number,
  deadline: Deadline,
  settings: PostgresProbeSettings,
): Promise<ProbeResult<PostgresEvidence>> {
  const started = deadline.elapsed();
  const result = (step: Step, evidence: PostgresEvidence): ProbeResult<PostgresEvidence> => ({
    probe: 'postgres',
    target: `${host}:${port}`,
    status: step.status,
    ok: step.status === 'ok',
    durationMs: roundMs(deadline.elapsed() - started),
    evidence,
    ...definedOnly({ error: step.error }),
  });
  let { evidence, step } = await greetOnce(host, port, deadline, settings);
  if (settings.tls === 'prefer' && unverified(step, evidence)) {
    // As libpq's sslmode=prefer and rotakit's rotation do: plain text when TLS fails.
    evidence.tlsFallback = true;
    delete evidence.phase;
    ({ step } = await greetOnce(host, port, deadline, { ...settings, tls: 'disable' }, evidence));
  }
  if (step.status !== 'ok' || !settings.login) return result(step, evidence);
  const ssl = step.tlsUsed
    ? { secureContext: settings.trust.secureContext, rejectUnauthorized: true }
    : false;
  const login = await checkPostgresLogin({ host, port, ssl, login: settings.login, deadline });
  evidence.login = login.evidence;
  if (login.serverVersion) evidence.serverVersion = login.serverVersion;
  return result(login.step, evidence);
}

export type { PostgresAuthRequest, PostgresGreeting };
