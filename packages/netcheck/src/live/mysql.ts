import type { Socket } from 'node:net';
import { definedOnly } from '@rotakit/core';
import { MYSQL_DEFAULT_PORT, scrubSecrets } from '@rotakit/engine-mysql';
import { InvalidOptionError } from '../errors.js';
import { Deadline, roundMs } from '../util/deadline.js';
import { classifyNetworkError, mysqlErrnoStatus, toProbeError } from './classify.js';
import {
  firstPacketLength,
  firstPacketProblem,
  type MysqlGreeting,
  parseGreeting,
} from './mysql-greeting.js';
import { checkHost, checkPort, checkSignal, checkTimeout } from './options.js';
import { defaultMysqlRateLimiter, type ProbeRateLimiter } from './rate-limiter.js';
import { readFirstFrame } from './read-frame.js';
import { connectTcp } from './tcp.js';
import type {
  DnsEvidence,
  ProbeError,
  ProbeOptions,
  ProbeResult,
  ProbeStatus,
  TcpEvidence,
} from './types.js';

/** Credentials for the optional login check; the password is used once and never reported. */
export interface MysqlLogin {
  user: string;
  password: string;
  database?: string;
  /** Passed to mysql2 as `ssl` (for example `{ rejectUnauthorized: true }` or an RDS CA bundle). */
  ssl?: Record<string, unknown>;
}

export interface ProbeMysqlOptions extends ProbeOptions {
  host: string;
  /** @default 3306 */
  port?: number;
  /** Limits greeting probes per host:port; `false` disables it. @default defaultMysqlRateLimiter */
  rateLimiter?: ProbeRateLimiter | false;
  /** Also log in with mysql2 (an optional peer dependency) to check the credentials. */
  login?: MysqlLogin;
}

export interface MysqlEvidence extends TcpEvidence {
  greetingMs?: number;
  protocolVersion?: number;
  serverVersion?: string;
  flavor?: 'mariadb' | 'mysql';
  connectionId?: number;
  /** The server offers TLS. */
  ssl?: boolean;
  authPlugin?: string;
  /** ERR packet instead of a greeting (1129 host blocked, 1130 host not allowed, 1040 too many connections). */
  errorCode?: number;
  sqlState?: string;
  errorMessage?: string;
  /** First bytes when the peer spoke something else. */
  firstBytes?: string;
  /** Which rule of the MySQL wire format the first packet broke (`protocol-error`). */
  greetingProblem?: string;
  retryAfterMs?: number;
  login?: {
    user: string;
    ok: boolean;
    status: ProbeStatus;
    durationMs: number;
    errorCode?: string;
    errno?: number;
    message?: string;
  };
}

/**
 * Reads the server's first packet. Stops at once when the header shows another protocol or
 * an oversized packet; a peer that closes mid-packet gives what it sent, for parseGreeting
 * to call truncated.
 */
function readFirstPacket(socket: Socket, deadline: Deadline): Promise<Buffer> {
  return readFirstFrame(
    socket,
    deadline,
    (buffer) => {
      // Not a MySQL packet (an SSH or HTTP banner, say): stop reading at once.
      if (firstPacketProblem(buffer) !== undefined) return 'stop';
      const length = firstPacketLength(buffer);
      return length !== undefined && buffer.length >= length ? { take: length } : undefined;
    },
    'greeting',
  );
}

function greetingStatus(greeting: MysqlGreeting): ProbeStatus {
  if (greeting.kind === 'handshake') return 'ok';
  if (greeting.kind === 'unknown') return 'protocol-error';
  return mysqlErrnoStatus(greeting.errorCode) ?? 'server-error';
}

interface Mysql2Connection {
  end(): Promise<void>;
  destroy(): void;
}
interface Mysql2Module {
  createConnection(config: Record<string, unknown>): Promise<Mysql2Connection>;
}

async function loadMysql2(): Promise<Mysql2Module> {
  try {
    const mod = (await import('mysql2/promise')) as unknown as Mysql2Module & {
      default?: Mysql2Module;
    };
    return typeof mod.createConnection === 'function' ? mod : (mod.default as Mysql2Module);
  } catch (cause) {
    throw InvalidOptionError.of(
      'login',
      'the login check needs the optional peer dependency mysql2',
      { cause },
    );
  }
}

async function checkLogin(
  host: string,
  port: number,
  login: MysqlLogin,
  deadline: Deadline,
): Promise<NonNullable<MysqlEvidence['login']>> {
  const started = deadline.elapsed();
  const mysql = await loadMysql2();
  let connection: Mysql2Connection | undefined;
  const pending = mysql.createConnection({
    host,
    port,
    user: login.user,
    password: login.password,
    ...definedOnly({ database: login.database || undefined, ssl: login.ssl || undefined }),
    connectTimeout: Math.max(1, Math.floor(deadline.remaining())),
  });
  try {
    connection = await deadline.race(pending);
    await deadline.race(connection.end());
    return {
      user: login.user,
      ok: true,
      status: 'ok',
      durationMs: roundMs(deadline.elapsed() - started),
    };
  } catch (error) {
    connection?.destroy();
    // A connection that opens after the deadline must still be closed.
    pending.then(
      (late) => late.destroy(),
      () => {},
    );
    const info = classifyNetworkError(error);
    const e = error as { code?: unknown; errno?: unknown };
    const status: ProbeStatus = deadline.timedOut
      ? 'timeout'
      : deadline.aborted
        ? 'aborted'
        : info.status;
    return {
      user: login.user,
      ok: false,
      status,
      durationMs: roundMs(deadline.elapsed() - started),
      ...definedOnly({
        errorCode: typeof e.code === 'string' ? e.code : undefined,
        errno: typeof e.errno === 'number' ? e.errno : undefined,
      }),
      // mysql2 messages name the user and host, not the password; scrubbing it anyway keeps a
      // driver or plugin that echoes its config (or a server quoting it) out of a report.
      message: scrubSecrets(info.message, [login.password]),
    };
  }
}

/**
 * Connects to a MySQL/MariaDB server, reads its greeting (server version, TLS support) or ERR
 * packet (1129 host blocked, 1130 host not allowed, 1040 too many connections), then closes
 * the socket without authenticating. Rate-limited per host:port because the server counts
 * such aborted handshakes toward `max_connect_errors`. With `login`, also logs in with mysql2.
 * @example
 * const r = await probeMysql({ host: 'db.cluster-xyz.us-east-1.rds.amazonaws.com', port: 3306 });
 * r.evidence.serverVersion // '8.0.39'
 */
export async function probeMysql(options: ProbeMysqlOptions): Promise<ProbeResult<MysqlEvidence>> {
  const host = checkHost(options?.host);
  const port = checkPort(options.port, 'port', MYSQL_DEFAULT_PORT);
  const timeoutMs = checkTimeout(options.timeoutMs);
  const signal = checkSignal(options.signal);
  const limiter = options.rateLimiter ?? defaultMysqlRateLimiter;
  if (
    options.login &&
    (typeof options.login.user !== 'string' || typeof options.login.password !== 'string')
  ) {
    throw InvalidOptionError.of('login', 'expected { user: string, password: string }');
  }
  using deadline = new Deadline(timeoutMs, signal);
  // Awaited so that `using` keeps the deadline armed until the probe ends.
  return await runMysql(host, port, deadline, {
    limiter,
    ...definedOnly({ login: options.login || undefined }),
  });
}

/** `probeMysql` within an existing deadline (and optionally an existing DNS answer). */
export async function runMysql(
  host: string,
  port: number,
  deadline: Deadline,
  options: {
    limiter: ProbeRateLimiter | false;
    login?: MysqlLogin;
    resolved?: ProbeResult<DnsEvidence>;
  },
): Promise<ProbeResult<MysqlEvidence>> {
  const started0 = deadline.elapsed();
  const target = `${host}:${port}`;
  const limiter = options.limiter;
  const result = (
    status: ProbeStatus,
    evidence: MysqlEvidence,
    error?: ProbeError,
  ): ProbeResult<MysqlEvidence> => ({
    probe: 'mysql',
    target,
    status,
    ok: status === 'ok',
    durationMs: roundMs(deadline.elapsed() - started0),
    evidence,
    ...definedOnly({ error: error || undefined }),
  });
  if (limiter) {
    const decision = limiter.tryAcquire(target);
    if (!decision.allowed) {
      return result(
        'rate-limited',
        { host, port, attempts: [], retryAfterMs: decision.retryAfterMs },
        {
          code: 'RATE_LIMITED',
          message: `at most ${limiter.maxProbes} MySQL probes per ${limiter.windowMs} ms to ${target}`,
        },
      );
    }
  }
  const tcp = await connectTcp(host, port, deadline, options.resolved);
  const evidence: MysqlEvidence = tcp.evidence;
  if (!tcp.connected) return result(tcp.status, evidence, tcp.error);
  const { socket } = tcp.connected;
  const started = deadline.elapsed();
  let status: ProbeStatus;
  let error: ProbeError | undefined;
  try {
    const greeting = parseGreeting(await readFirstPacket(socket, deadline));
    evidence.greetingMs = roundMs(deadline.elapsed() - started);
    status = greetingStatus(greeting);
    if (greeting.kind === 'handshake') {
      evidence.protocolVersion = greeting.protocolVersion;
      evidence.serverVersion = greeting.serverVersion;
      evidence.flavor = greeting.flavor;
      if (greeting.connectionId !== undefined) evidence.connectionId = greeting.connectionId;
      if (greeting.ssl !== undefined) evidence.ssl = greeting.ssl;
      if (greeting.authPlugin) evidence.authPlugin = greeting.authPlugin;
    } else if (greeting.kind === 'error') {
      evidence.errorCode = greeting.errorCode;
      if (greeting.sqlState) evidence.sqlState = greeting.sqlState;
      evidence.errorMessage = greeting.message;
      error = {
        code: `ER_${greeting.errorCode}`,
        errno: greeting.errorCode,
        message: greeting.message,
      };
    } else {
      evidence.firstBytes = greeting.firstBytes;
      evidence.greetingProblem = greeting.problem;
      error = {
        code: 'PROTOCOL_ERROR',
        message: `the peer did not send a MySQL greeting: ${greeting.problem}`,
      };
    }
  } catch (caught) {
    evidence.phase = 'greeting';
    status = deadline.timedOut
      ? 'timeout'
      : deadline.aborted
        ? 'aborted'
        : classifyNetworkError(caught).status;
    error = toProbeError(deadline.signal.aborted ? deadline.signal.reason : caught);
  } finally {
    // COM_QUIT is only valid after authentication: just close our side.
    socket.end();
    socket.destroy();
  }
  if (status === 'ok' && options.login && evidence.address) {
    const login = await checkLogin(host, port, options.login, deadline);
    evidence.login = login;
    if (!login.ok) {
      status = login.status;
      error = {
        code: login.errorCode ?? 'LOGIN_FAILED',
        message: login.message ?? 'login failed',
        ...definedOnly({ errno: login.errno || undefined }),
      };
    }
  }
  return result(status, evidence, error);
}
