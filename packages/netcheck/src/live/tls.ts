import { isIP } from 'node:net';
import {
  createSecureContext,
  type SecureContext,
  type TLSSocket,
  connect as tlsConnect,
} from 'node:tls';
import { Deadline, roundMs } from '../util/deadline.js';
import { classifyNetworkError, toProbeError } from './classify.js';
import { checkHost, checkPort, checkSignal, checkTimeout } from './options.js';
import { type Connected, connectTcp } from './tcp.js';
import type {
  DnsEvidence,
  ProbeError,
  ProbeOptions,
  ProbeResult,
  ProbeStatus,
  TcpEvidence,
} from './types.js';

export interface ProbeTlsOptions extends ProbeOptions {
  host: string;
  /** @default 443 */
  port?: number;
  /** SNI and the name the certificate must match. @default host (none for an IP address) */
  servername?: string;
  /** Extra trusted CA certificates (PEM), added to Node's default store. */
  ca?: string | Buffer | Array<string | Buffer>;
}

export interface TlsEvidence extends TcpEvidence {
  servername?: string;
  authorized?: boolean;
  /** Node's verification error, such as `DEPTH_ZERO_SELF_SIGNED_CERT` or `ERR_TLS_CERT_ALTNAME_INVALID`. */
  authorizationError?: string;
  protocol?: string;
  cipher?: string;
  alpn?: string;
  certificate?: {
    subject?: string;
    issuer?: string;
    subjectAltName?: string;
    validFrom?: string;
    validTo?: string;
    fingerprint256?: string;
  };
  handshakeMs?: number;
}

function name(entry: unknown): string | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  const cn = (entry as { CN?: unknown }).CN;
  return Array.isArray(cn) ? cn.join(',') : typeof cn === 'string' ? cn : undefined;
}

/**
 * CA certificates parsed once: building a context from the ~150 certificates of Node's store
 * plus the RDS CAs takes hundreds of milliseconds, too much to repeat for every probe.
 */
export interface TrustStore {
  readonly secureContext: SecureContext;
}

function isTrustStore(ca: ProbeTlsOptions['ca'] | TrustStore): ca is TrustStore {
  return typeof ca === 'object' && ca !== null && 'secureContext' in ca;
}

/** A trust store of exactly these CAs (PEM). */
export function trustStore(cas: ReadonlyArray<string>): TrustStore {
  return Object.freeze({ secureContext: createSecureContext({ ca: [...cas] }) });
}

interface HandshakeOutcome {
  status: ProbeStatus;
  socket?: TLSSocket;
  error?: ProbeError;
}

/**
 * TLS over an already connected socket, within `deadline`. Verification is reported, not
 * thrown. `alpn` is what the client offers: PostgreSQL 17 refuses a handshake that offers
 * ALPN without `postgresql`.
 */
export function handshake(
  connected: Connected,
  servername: string | undefined,
  ca: ProbeTlsOptions['ca'] | TrustStore,
  deadline: Deadline,
  evidence: TlsEvidence,
  alpn: string[] = ['http/1.1'],
): Promise<HandshakeOutcome> {
  const started = deadline.elapsed();
  return new Promise<HandshakeOutcome>((resolve) => {
    const socket = tlsConnect({
      socket: connected.socket,
      servername: servername || undefined,
      ...(isTrustStore(ca) ? { secureContext: ca.secureContext } : { ca: ca || undefined }),
      // Verify ourselves after the handshake so the evidence names the exact problem.
      rejectUnauthorized: false,
      ALPNProtocols: alpn,
    });
    const finish = (outcome: HandshakeOutcome) => {
      deadline.signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      evidence.handshakeMs = roundMs(deadline.elapsed() - started);
      if (outcome.status !== 'ok' || !outcome.socket) socket.destroy();
      resolve(outcome);
    };
    const onAbort = () =>
      finish({
        status: deadline.timedOut ? 'timeout' : 'aborted',
        error: toProbeError(deadline.signal.reason),
      });
    const onError = (error: Error) => {
      const status = classifyNetworkError(error).status;
      finish({
        status: status === 'reset' || status === 'timeout' ? status : 'tls-failure',
        error: toProbeError(error),
      });
    };
    if (deadline.signal.aborted) return onAbort();
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      evidence.authorized = socket.authorized;
      if (socket.authorizationError)
        evidence.authorizationError = String(socket.authorizationError);
      const protocol = socket.getProtocol();
      if (protocol) evidence.protocol = protocol;
      const cipher = socket.getCipher()?.name;
      if (cipher) evidence.cipher = cipher;
      if (socket.alpnProtocol) evidence.alpn = socket.alpnProtocol;
      if (cert && Object.keys(cert).length > 0) {
        evidence.certificate = {
          subject: name(cert.subject) || undefined,
          issuer: name(cert.issuer) || undefined,
          subjectAltName: cert.subjectaltname || undefined,
          validFrom: cert.valid_from || undefined,
          validTo: cert.valid_to || undefined,
          fingerprint256: cert.fingerprint256 || undefined,
        };
      }
      if (socket.authorized) return finish({ status: 'ok', socket });
      finish({
        status: 'tls-failure',
        error: {
          code: evidence.authorizationError ?? 'UNAUTHORIZED',
          message: `certificate not trusted: ${evidence.authorizationError ?? 'unknown reason'}`,
        },
      });
    });
  });
}

/**
 * Connects and completes a TLS handshake with SNI, then reports whether the certificate is
 * trusted for the name (`authorizationError` otherwise), the protocol and the certificate.
 * @example
 * const r = await probeTls({ host: 'secretsmanager.us-east-1.amazonaws.com' });
 * r.evidence.authorized // true
 */
export async function probeTls(options: ProbeTlsOptions): Promise<ProbeResult<TlsEvidence>> {
  const host = checkHost(options?.host);
  const port = checkPort(options.port, 'port', 443);
  const timeoutMs = checkTimeout(options.timeoutMs);
  const signal = checkSignal(options.signal);
  const servername = options.servername ?? (isIP(host) ? undefined : host);
  using deadline = new Deadline(timeoutMs, signal);
  // Awaited so that `using` keeps the deadline armed until the probe ends.
  return await runTls(host, port, servername, options.ca, deadline);
}

/** `probeTls` within an existing deadline (and optionally an existing DNS answer). */
export async function runTls(
  host: string,
  port: number,
  servername: string | undefined,
  ca: ProbeTlsOptions['ca'],
  deadline: Deadline,
  resolved?: ProbeResult<DnsEvidence>,
): Promise<ProbeResult<TlsEvidence>> {
  const started = deadline.elapsed();
  const tcp = await connectTcp(host, port, deadline, resolved);
  const evidence: TlsEvidence = { ...tcp.evidence, servername: servername || undefined };
  let status = tcp.status;
  let error = tcp.error;
  if (tcp.connected) {
    const outcome = await handshake(tcp.connected, servername, ca, deadline, evidence);
    status = outcome.status;
    error = outcome.error;
    if (status !== 'ok') evidence.phase = 'tls-handshake';
    outcome.socket?.destroy();
    tcp.connected.socket.destroy();
  }
  return {
    probe: 'tls',
    target: `${host}:${port}`,
    status,
    ok: status === 'ok',
    durationMs: roundMs(deadline.elapsed() - started),
    evidence,
    error,
  };
}
