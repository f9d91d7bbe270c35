import { Socket } from 'node:net';
import { checkServerIdentity, type ConnectionOptions as TlsOptions } from 'node:tls';
import {
  POSTGRES_DEFAULT_DATABASE,
  quoteIdentifier,
  quoteLiteral,
  scramSha256Verifier,
  scrubSecrets,
} from '@rotakit/engine-postgres';
import { defaultTrustedCas } from '@rotakit/rds-trust';
import type { Client, ClientBase, QueryConfig, QueryResult } from 'pg';

/** A statement; `rowMode: 'array'` for the driver's own, pg's default rows for the account copy's. */
type Statement = QueryConfig & { rowMode?: 'array' };

import {
  DatabaseError,
  DatabaseLoginError,
  InvalidOptionError,
  type LoginFailureReason,
  RotationError,
  TlsRequiredError,
} from '../../errors.js';
import type {
  ConnectOptions,
  DatabaseAccount,
  DatabaseSession,
  DatabaseTarget,
  DatabaseTlsSettings,
  SyncAccountParams,
  SyncAccountResult,
} from '../driver.js';
import { describeReason } from '../login-reason.js';
import { optionalPeer } from '../optional-peer.js';
import {
  type Login,
  loginOf,
  type TlsMode,
  tlsModeOf,
  warnPlaintextFallback,
} from '../tls-mode.js';
import { syncPostgresAccount } from './accounts.js';
import type { PostgresClientExtras } from './driver.js';
import {
  classifyPostgresError,
  describePostgresCodes,
  type PostgresErrorInfo,
  postgresErrorInfo,
  safePostgresCause,
} from './errors.js';

// pg loads at the first login: a MySQL-only deployment never needs it.
const loadPg = optionalPeer('pg', 'postgres', () => import('pg'));

/**
 * The pg `ssl` option of one TLS login: the configured CA bundle, or Node's CAs plus the Amazon
 * RDS CAs; certificate and host name (or IP address) always verified (libpq's verify-full).
 * @internal
 */
export function postgresSslOptions(tls: DatabaseTlsSettings, host: string): TlsOptions {
  return {
    ca: tls.ca ?? [...defaultTrustedCas()],
    rejectUnauthorized: true,
    checkServerIdentity: (_name, certificate) => checkServerIdentity(host, certificate),
  };
}

/** An open client and the socket under it (ours: timeouts and aborts destroy it). */
interface OpenClient {
  readonly client: Client;
  readonly socket: Socket;
  readonly tls: boolean;
}

/** What the login saw besides pg's error: facts pg reports without a code. */
interface LoginWatch {
  socket: Socket | undefined;
  /** The server answered the SSLRequest with `N`. */
  refusedTls: boolean;
  timedOut: boolean;
}

/** A failed login attempt, with the reason already decided (fallback needs it). */
class LoginAttemptFailure {
  constructor(
    readonly error: unknown,
    readonly reason: LoginFailureReason,
    readonly info: PostgresErrorInfo,
  ) {}
}

/** Logs in with pg; see `postgres()`. */
export async function connectPostgres(
  target: DatabaseTarget,
  options: ConnectOptions,
  extras: PostgresClientExtras,
): Promise<DatabaseSession> {
  const login = loginOf(target, options);
  const mode = tlsModeOf(login);
  const { Client } = await loadPg();
  await options.onStatement?.('before', 'CONNECT');
  const opened = await openInTlsMode(login, mode, (tls) => openClient(login, Client, extras, tls));
  try {
    const session = await PostgresSession.open(opened, options);
    await options.onStatement?.('after', 'CONNECT');
    return session;
  } catch (error) {
    opened.socket.destroy();
    throw error;
  }
}

type Opener = (tls: boolean) => Promise<OpenClient>;

/** Opens the client; in `prefer` mode a TLS failure falls back to plaintext, with a warning. */
async function openInTlsMode(login: Login, mode: TlsMode, open: Opener): Promise<OpenClient> {
  try {
    return await open(mode !== 'disable');
  } catch (failure) {
    if (!(failure instanceof LoginAttemptFailure)) throw failure;
    if (mode !== 'prefer' || failure.reason !== 'tls') {
      throw loginError(failure, login, mode === 'require');
    }
    warnPlaintextFallback(login, failure.info.code ?? failure.info.sqlState ?? 'TLS');
  }
  try {
    return await open(false);
  } catch (failure) {
    if (!(failure instanceof LoginAttemptFailure)) throw failure;
    throw loginError(failure, login, false);
  }
}

function openClient(
  login: Login,
  PgClient: typeof Client,
  extras: PostgresClientExtras,
  tls: boolean,
): Promise<OpenClient> {
  const { target, options } = login;
  const watch: LoginWatch = { socket: undefined, refusedTls: false, timedOut: false };
  const client = new PgClient({
    application_name: 'rotakit-rotation',
    ...extras,
    host: target.host,
    port: target.port,
    user: target.username,
    password: target.password,
    // An empty dbname means the default, like an absent one.
    database: target.database || POSTGRES_DEFAULT_DATABASE,
    ssl: tls ? postgresSslOptions(options.tls, target.host) : false,
    stream: () => watchedSocket(watch, tls),
  });
  // A fatal error after login (server killed) must not become an unhandled 'error' event.
  client.on('error', () => {});
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) {
      reject(options.signal.reason);
      return;
    }
    // Ref'd: the login is awaited, and before the socket connects nothing else holds the loop.
    const timer = setTimeout(
      () => {
        watch.timedOut = true;
        watch.socket?.destroy();
      },
      Math.max(1, Math.round(options.connectTimeoutMs)),
    );
    const onAbort = () => watch.socket?.destroy();
    options.signal.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
    };
    client.connect().then(
      () => {
        settle();
        resolve({ client, socket: watch.socket as Socket, tls });
      },
      (error: unknown) => {
        settle();
        watch.socket?.destroy();
        const info = postgresErrorInfo(error);
        reject(new LoginAttemptFailure(error, loginReason(error, watch, options.signal), info));
      },
    );
  });
}

/**
 * The socket pg talks over, ours so that a timeout or an abort can cut it. With TLS asked
 * for, the first byte the server sends answers the SSLRequest: `N` means no TLS (pg says so
 * only in its message text, which is never read).
 */
function watchedSocket(watch: LoginWatch, tls: boolean): Socket {
  const socket = new Socket();
  watch.socket = socket;
  if (tls) {
    socket.once('data', (chunk: Buffer) => {
      watch.refusedTls = chunk[0] === 0x4e;
    });
  }
  return socket;
}

function loginReason(error: unknown, watch: LoginWatch, signal: AbortSignal): LoginFailureReason {
  if (signal.aborted) return 'aborted';
  if (watch.timedOut) return 'timeout';
  if (watch.refusedTls) return 'tls';
  return classifyPostgresError(error);
}

function loginError(failure: LoginAttemptFailure, login: Login, tlsRequired: boolean): Error {
  const { target, options, where, who } = login;
  const { error, reason, info } = failure;
  if (error instanceof InvalidOptionError) return error;
  // The time budget's own error says more than "aborted".
  if (options.signal.aborted && options.signal.reason instanceof RotationError) {
    return options.signal.reason;
  }
  const secrets = [target.password];
  const details = {
    credentials: options.credentials,
    reason,
    host: target.host,
    port: target.port,
    code: info.code,
    sqlState: info.sqlState,
  };
  // Host and port on the cause let reachability tools tell a database failure from others.
  const cause = Object.assign(safePostgresCause(info, secrets), {
    hostname: target.host,
    port: target.port,
  });
  const detail = describePostgresCodes(info);
  // The server's own words (SQLSTATE messages) and TLS errors say more than the reason.
  const says =
    info.sqlState !== undefined || reason === 'tls'
      ? `: ${scrubSecrets(info.message, secrets)}`
      : '';
  if (reason === 'tls' && tlsRequired) {
    const noTls =
      failure.reason === 'tls' && info.code === undefined && info.sqlState === undefined;
    return new TlsRequiredError(
      `Could not log in to ${where} with the ${who}: TLS is required and failed (${detail || 'TLS'})${noTls ? ': the server does not offer TLS' : says}`,
      { ...details, cause },
    );
  }
  return new DatabaseLoginError(
    `Could not log in to ${where} with the ${who}: ${describeReason(reason)}${detail ? ` (${detail})` : ''}${says}`,
    { ...details, cause },
  );
}

/** The statement kind of a SQL text, for boundaries and errors (`ALTER ROLE`, `GRANT`). */
export function statementLabel(sql: string): string {
  // `(SELECT ...) UNION ...` is a SELECT too.
  const words = sql
    .replace(/^[\s(]+/, '')
    .split(/\s+/, 2)
    .map((word) => word.toUpperCase());
  const [first = 'SQL', second] = words;
  const twoWords = ['ALTER', 'CREATE', 'DROP', 'SET', 'REASSIGN'].includes(first);
  return twoWords && second ? `${first} ${second}` : first;
}

class PostgresSession implements DatabaseSession {
  readonly tls: boolean;
  readonly serverVersion: string;
  readonly #serverMajor: number;
  readonly #user: string;
  readonly #client: Client;
  readonly #socket: Socket;
  readonly #options: ConnectOptions;
  #closed = false;

  private constructor(opened: OpenClient, options: ConnectOptions, identity: SessionIdentity) {
    this.tls = opened.tls;
    this.#client = opened.client;
    this.#socket = opened.socket;
    this.#options = options;
    this.serverVersion = identity.version;
    this.#serverMajor = identity.major;
    this.#user = identity.user;
  }

  static async open(opened: OpenClient, options: ConnectOptions): Promise<PostgresSession> {
    const probe = new QueryRunner(opened, options);
    const result = await probe.exec('SELECT session_user', {
      text: "SELECT session_user, current_setting('server_version'), current_setting('server_version_num')",
      rowMode: 'array',
    });
    const row = (result.rows[0] ?? []) as unknown[];
    return new PostgresSession(opened, options, {
      user: String(row[0] ?? ''),
      version: String(row[1] ?? ''),
      major: Math.floor(Number(row[2] ?? 0) / 10_000),
    });
  }

  #runner(): QueryRunner {
    return new QueryRunner(
      { client: this.#client, socket: this.#socket, tls: this.tls },
      this.#options,
    );
  }

  /** Runs one statement between its two boundaries. */
  async #run(sql: string, secrets: readonly string[] = []): Promise<QueryResult> {
    return this.#runner().run({ text: sql, rowMode: 'array' }, secrets);
  }

  async ping(): Promise<void> {
    await this.#run('SELECT 1');
  }

  async currentAccount(): Promise<DatabaseAccount> {
    // session_user, not current_user: the login role, whatever role a setting switched to.
    return { username: this.#user, host: '%' };
  }

  async maxUsernameLength(): Promise<number> {
    const result = await this.#run("SELECT current_setting('max_identifier_length')");
    const length = Number((result.rows[0] as unknown[] | undefined)?.[0]);
    // NAMEDATALEN - 1, unless the server was built otherwise.
    return Number.isInteger(length) && length > 0 ? length : 63;
  }

  async changeOwnPassword(password: string): Promise<void> {
    await this.#setPassword(this.#user, password);
  }

  async changePasswordOf(account: DatabaseAccount, password: string): Promise<void> {
    await this.#setPassword(account.username, password);
  }

  // The verifier, not the password: the clear password never reaches the server's logs or
  // pg_stat_statements (the server stores a verifier it is given as it is).
  async #setPassword(role: string, password: string): Promise<void> {
    const verifier = scramSha256Verifier(password);
    await this.#run(`ALTER ROLE ${quoteIdentifier(role)} PASSWORD ${quoteLiteral(verifier)}`, [
      password,
      verifier,
    ]);
  }

  async syncAccount(params: SyncAccountParams): Promise<SyncAccountResult> {
    const client = this.#runner().asClient([params.password]);
    return syncPostgresAccount(client, { ...params, serverMajor: this.#serverMajor });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await new Promise<void>((resolve) => {
      // end() waits for the server; after a crash it may never answer. The timer stays ref'd:
      // close() is awaited, and a dead socket no longer holds the event loop.
      const timer = setTimeout(() => {
        this.#socket.destroy();
        resolve();
      }, 1000);
      this.#client.end().then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        () => {
          clearTimeout(timer);
          this.#socket.destroy();
          resolve();
        },
      );
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

interface SessionIdentity {
  user: string;
  version: string;
  major: number;
}

/** Runs statements on one client with the step's timeout, abort signal and boundaries. */
class QueryRunner {
  constructor(
    private readonly opened: OpenClient,
    private readonly options: ConnectOptions,
  ) {}

  /** A statement between its two boundaries (`before`/`after` hooks, for fault injection). */
  async run(config: Statement, secrets: readonly string[]): Promise<QueryResult> {
    const label = statementLabel(config.text);
    await this.options.onStatement?.('before', label);
    const result = await this.exec(label, config, secrets);
    await this.options.onStatement?.('after', label);
    return result;
  }

  /**
   * The pg client surface `syncPostgresAccount` uses (`query`), each statement run through
   * {@link run}: boundaries, timeout and abort apply to the account copy's statements too.
   */
  asClient(secrets: readonly string[]): ClientBase {
    const query = (text: string | Statement, values?: unknown[]) => {
      const config = typeof text === 'string' ? { text, values } : { values, ...text };
      return this.run(config, secrets);
    };
    return { query } as unknown as ClientBase;
  }

  exec(label: string, config: Statement, secrets: readonly string[] = []): Promise<QueryResult> {
    const { signal } = this.options;
    if (signal.aborted) return Promise.reject(signal.reason);
    let timedOut = false;
    // Ref'd: the statement is awaited. A timeout or abort cuts the socket: pg has no cancel
    // without a second connection, and the step runs again on a new one.
    const timer = setTimeout(
      () => {
        timedOut = true;
        this.opened.socket.destroy();
      },
      Math.max(1, Math.round(this.options.queryTimeoutMs)),
    );
    const onAbort = () => this.opened.socket.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    return this.opened.client
      .query(config)
      .then(
        (result) => result,
        (error: unknown) => {
          if (signal.aborted) throw signal.reason;
          throw statementError(label, error, secrets, timedOut);
        },
      )
      .finally(() => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      });
  }
}

function statementError(
  label: string,
  error: unknown,
  secrets: readonly string[],
  timedOut: boolean,
): Error {
  if (error instanceof RotationError) return error;
  const info = postgresErrorInfo(error);
  const code = timedOut ? 'ETIMEDOUT' : info.code;
  const reason = timedOut ? 'timeout' : classifyPostgresError(error);
  const detail = describePostgresCodes({ ...info, code });
  const text =
    info.sqlState !== undefined || reason === 'other'
      ? scrubSecrets(info.message, secrets)
      : describeReason(reason);
  return new DatabaseError(`${label} failed${detail ? ` (${detail})` : ''}: ${text}`, {
    statement: label,
    code,
    sqlState: info.sqlState,
    cause: safePostgresCause({ ...info, code }, secrets),
  });
}
