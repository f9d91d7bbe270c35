import { connect, type Socket } from 'node:net';
import { Deadline, roundMs } from '../util/deadline.js';
import type { ClassifiedAddress } from '../util/ip.js';
import { classifyNetworkError, toProbeError } from './classify.js';
import { resolveHost } from './dns.js';
import { checkHost, checkPort, checkSignal, checkTimeout } from './options.js';
import type {
  ConnectAttempt,
  DnsEvidence,
  ProbeError,
  ProbeOptions,
  ProbeResult,
  ProbeStatus,
  TcpEvidence,
} from './types.js';

export interface ProbeTcpOptions extends ProbeOptions {
  host: string;
  port: number;
}

export interface Connected {
  socket: Socket;
  address: ClassifiedAddress;
}

export interface ConnectOutcome {
  status: ProbeStatus;
  evidence: TcpEvidence;
  connected?: Connected;
  error?: ProbeError;
}

function connectOnce(address: string, port: number, deadline: Deadline): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    // The socket `timeout` option is an idle timer, not a connect timeout: the deadline is.
    const socket = connect({ host: address, port, noDelay: true });
    const onAbort = () => {
      socket.destroy();
      reject(deadline.signal.reason);
    };
    const cleanup = () => {
      deadline.signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
    };
    const onError = (error: Error) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    if (deadline.signal.aborted) return onAbort();
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('connect', () => {
      cleanup();
      resolve(socket);
    });
  });
}

/**
 * Resolves `host` and connects to its addresses in order until one accepts, within `deadline`.
 * On success the caller owns the socket.
 */
export async function connectTcp(
  host: string,
  port: number,
  deadline: Deadline,
  resolved?: ProbeResult<DnsEvidence>,
): Promise<ConnectOutcome> {
  const evidence: TcpEvidence = { host, port, attempts: [] };
  const dns = resolved ?? (await resolveHost(host, deadline));
  if (!dns.evidence.literal) evidence.dns = dns.evidence;
  if (!dns.ok) {
    evidence.phase = 'dns';
    return { status: dns.status, evidence, error: dns.error };
  }
  let last: ConnectOutcome = { status: 'error', evidence };
  for (const address of dns.evidence.addresses) {
    const started = deadline.elapsed();
    try {
      const socket = await connectOnce(address.address, port, deadline);
      const attempt: ConnectAttempt = {
        address: address.address,
        status: 'ok',
        durationMs: roundMs(deadline.elapsed() - started),
      };
      evidence.attempts.push(attempt);
      evidence.address = address;
      evidence.connectMs = attempt.durationMs;
      if (socket.localAddress) evidence.localAddress = `${socket.localAddress}:${socket.localPort}`;
      return { status: 'ok', evidence, connected: { socket, address } };
    } catch (error) {
      const status: ProbeStatus = deadline.timedOut
        ? 'timeout'
        : deadline.aborted
          ? 'aborted'
          : classifyNetworkError(error).status;
      const probeError = toProbeError(deadline.signal.aborted ? deadline.signal.reason : error);
      evidence.attempts.push({
        address: address.address,
        status,
        durationMs: roundMs(deadline.elapsed() - started),
        code: probeError.code || undefined,
      });
      evidence.address = address;
      last = { status, evidence, error: probeError };
      if (deadline.signal.aborted) {
        evidence.phase = 'connect';
        return last;
      }
    }
  }
  evidence.phase = 'connect';
  return last;
}

/**
 * Opens a TCP connection with a hard timer and closes it at once. `refused` means the host
 * answered but nothing listens; `timeout` is a silent drop (security group, NACL, route).
 * @example
 * const r = await probeTcp({ host: '10.0.1.23', port: 443, timeoutMs: 2000 });
 * if (r.status === 'timeout') console.log('dropped: check the endpoint security group');
 */
export async function probeTcp(options: ProbeTcpOptions): Promise<ProbeResult<TcpEvidence>> {
  const host = checkHost(options?.host);
  const port = checkPort(options.port);
  const timeoutMs = checkTimeout(options.timeoutMs);
  const signal = checkSignal(options.signal);
  using deadline = new Deadline(timeoutMs, signal);
  const outcome = await connectTcp(host, port, deadline);
  outcome.connected?.socket.destroy();
  return {
    probe: 'tcp',
    target: `${host}:${port}`,
    status: outcome.status,
    ok: outcome.status === 'ok',
    durationMs: roundMs(deadline.elapsed()),
    evidence: outcome.evidence,
    error: outcome.error,
  };
}
