import { definedOnly } from '@rotakit/core';
import { scrubSecrets, sqlStateOf } from '@rotakit/engine-postgres';
import { InvalidOptionError } from '../errors.js';
import { type Deadline, roundMs } from '../util/deadline.js';
import { classifyNetworkError, postgresSqlStateStatus } from './classify.js';
import type { ProbeError, ProbeStatus } from './types.js';

/** Credentials for the optional login check; the password is used once and never reported. */
export interface PostgresLogin {
  user: string;
  password: string;
  /** @default 'postgres' */
  database?: string;
  /**
   * Passed to pg as `ssl`. @default TLS verified against the probe's CAs when the server
   * accepted the SSLRequest, else none
   */
  ssl?: Record<string, unknown> | false;
}

export interface PostgresLoginEvidence {
  user: string;
  ok: boolean;
  status: ProbeStatus;
  durationMs: number;
  /** The SQLSTATE (28P01, 28000, 3D000, ...) or the socket code. */
  errorCode?: string;
  message?: string;
}

/** The parts of pg's Client this check calls. */
interface PgClient {
  connect(): Promise<void>;
  query(text: string): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
type PgClientClass = new (config: Record<string, unknown>) => PgClient;

async function loadPg(): Promise<PgClientClass> {
  try {
    const mod = (await import('pg')) as unknown as {
      Client?: PgClientClass;
      default?: { Client: PgClientClass };
    };
    return mod.Client ?? (mod.default as { Client: PgClientClass }).Client;
  } catch (cause) {
    throw InvalidOptionError.of('login', 'the login check needs the optional peer dependency pg', {
      cause,
    });
  }
}

/** A login error's status: by SQLSTATE when the server answered, else by the socket code. */
function loginStatus(error: unknown, deadline: Deadline): ProbeStatus {
  if (deadline.timedOut) return 'timeout';
  if (deadline.aborted) return 'aborted';
  const sqlState = sqlStateOf(error);
  if (sqlState !== undefined) return postgresSqlStateStatus(sqlState) ?? 'error';
  return classifyNetworkError(error).status;
}

export interface LoginOutcome {
  evidence: PostgresLoginEvidence;
  step: { status: ProbeStatus; error?: ProbeError };
  serverVersion?: string;
}

/** Logs in with pg within `deadline`, asks the server version, and closes. */
export async function checkPostgresLogin(args: {
  host: string;
  port: number;
  ssl: Record<string, unknown> | false;
  login: PostgresLogin;
  deadline: Deadline;
}): Promise<LoginOutcome> {
  const { host, port, login, deadline } = args;
  const started = deadline.elapsed();
  const Client = await loadPg();
  const client = new Client({
    host,
    port,
    user: login.user,
    password: login.password,
    database: login.database || 'postgres',
    ssl: login.ssl ?? args.ssl,
    application_name: 'rotakit-netcheck',
    connectionTimeoutMillis: Math.max(1, Math.floor(deadline.remaining())),
  });
  // A socket error after the deadline must not become an unhandled 'error' event.
  client.on('error', () => {});
  const durationMs = () => roundMs(deadline.elapsed() - started);
  try {
    await deadline.race(client.connect());
    const version = await deadline.race(client.query('SHOW server_version'));
    await deadline.race(client.end());
    const serverVersion = version.rows[0]?.server_version;
    return {
      evidence: { user: login.user, ok: true, status: 'ok', durationMs: durationMs() },
      step: { status: 'ok' },
      ...definedOnly({
        serverVersion: typeof serverVersion === 'string' ? serverVersion : undefined,
      }),
    };
  } catch (error) {
    // Also closes a connection that opens after the deadline.
    client.end().catch(() => {});
    const status = loginStatus(error, deadline);
    const info = classifyNetworkError(error);
    const code = (error as { code?: unknown } | null)?.code;
    const errorCode = typeof code === 'string' ? code : info.code;
    // pg's messages name the user, not the password; scrubbing anyway keeps a driver that
    // echoes its config (or a verifier in a server message) out of the report.
    const message = scrubSecrets(info.message, [login.password]);
    return {
      evidence: {
        user: login.user,
        ok: false,
        status,
        durationMs: durationMs(),
        message,
        ...definedOnly({ errorCode }),
      },
      step: { status, error: { code: errorCode ?? 'LOGIN_FAILED', message } },
    };
  }
}
