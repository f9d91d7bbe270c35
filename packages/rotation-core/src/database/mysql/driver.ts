import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import {
  MYSQL_DEFAULT_PORT,
  MYSQL_ENGINES,
  quoteAccount,
  quoteString,
  scrubSecrets,
} from '@rotakit/engine-mysql';
import { defaultTrustedCas } from '@rotakit/rds-trust';
import type { Connection, ConnectionOptions, SslOptions } from 'mysql2';
import {
  AccountCopyError,
  CloneNameTooLongError,
  DatabaseError,
  DatabaseLoginError,
  InvalidOptionError,
  RotationError,
  TlsRequiredError,
} from '../../errors.js';
import type {
  ConnectOptions,
  DatabaseAccount,
  DatabaseDriver,
  DatabaseSession,
  DatabaseTarget,
  DatabaseTlsSettings,
  SyncAccountParams,
  SyncAccountResult,
} from '../driver.js';
import { optionalPeer } from '../optional-peer.js';
import {
  type Login,
  loginOf,
  type TlsMode,
  tlsModeOf,
  warnPlaintextFallback,
} from '../tls-mode.js';
import {
  classifyDriverError,
  describeCodes,
  describeReason,
  driverErrorInfo,
  safeCause,
} from './errors.js';
import { assertSafeName, assertSafePassword } from './escape.js';
import {
  collectGrants,
  describeGrantSet,
  diffGrants,
  type GrantSet,
  type GrantStatement,
  grantStatements,
  isEmptyDiff,
  partialRevokeStatements,
  type RenderOptions,
  revokeStatements,
} from './grants.js';
import { isTransientMysqlError } from './transient.js';

// mysql2 loads at the first login: a PostgreSQL-only deployment never needs it.
const loadMysql2 = optionalPeer('mysql2', 'mysql', () => import('mysql2'));

/** mysql2 connection options the driver lets you set (everything but who/where/TLS). */
export type MysqlConnectionExtras = Omit<
  ConnectionOptions,
  'host' | 'port' | 'user' | 'password' | 'database' | 'ssl' | 'connectTimeout' | 'uri'
>;

export interface MysqlDriverOptions {
  /**
   * Secret `engine` values accepted.
   * @default ['mysql', 'aurora-mysql', 'mariadb', 'aurora']
   */
  engines?: readonly string[];
  /** Extra mysql2 connection options (charset, ...). */
  connectionOptions?: MysqlConnectionExtras;
}

/**
 * The MySQL/MariaDB driver, on mysql2. Single user changes its own password; alternating
 * users copies the account (host, grants, roles, REQUIRE, limits, auth plugin) as the master.
 *
 * @example
 * const handler = createRotationHandler({ strategy: 'single-user', database: mysql() });
 */
export function mysql(options: MysqlDriverOptions = {}): DatabaseDriver {
  const engines = Object.freeze([...(options.engines ?? MYSQL_ENGINES)]);
  if (engines.length === 0) {
    throw new TypeError('mysql(): engines must list at least one engine');
  }
  const extras = Object.freeze({ ...(options.connectionOptions ?? {}) });
  return Object.freeze({
    name: 'mysql',
    engines,
    defaultPort: MYSQL_DEFAULT_PORT,
    connect: (target: DatabaseTarget, connectOptions: ConnectOptions) =>
      connectMysql(target, connectOptions, extras),
    isTransientError: isTransientMysqlError,
  });
}

/**
 * The mysql2 `ssl` option of one TLS login: the configured CA bundle, or Node's CAs plus the
 * Amazon RDS CAs; certificate and host name always verified. A new object per login: mysql2
 * caches TLS sessions per `ssl` object, and a resumed session shows no peer certificate to
 * {@link verifyHostName}.
 * @internal
 */
export function mysqlSslOptions(tls: DatabaseTlsSettings): SslOptions {
  return {
    ca: tls.ca ?? [...defaultTrustedCas()],
    rejectUnauthorized: true,
    verifyIdentity: true,
  };
}

async function connectMysql(
  target: DatabaseTarget,
  options: ConnectOptions,
  extras: MysqlConnectionExtras,
): Promise<DatabaseSession> {
  const login = loginOf(target, options);
  const mode = tlsModeOf(login);
  await options.onStatement?.('before', 'CONNECT');
  const { connection, tls } = await openInTlsMode(login, connectionOptions(login, extras), mode);
  try {
    const session = await MysqlSession.open(connection, options, tls);
    await options.onStatement?.('after', 'CONNECT');
    return session;
  } catch (error) {
    connection.destroy();
    throw error;
  }
}

function connectionOptions(login: Login, extras: MysqlConnectionExtras): ConnectionOptions {
  const { target, options } = login;
  return {
    ...extras,
    host: target.host,
    port: target.port,
    user: target.username,
    password: target.password,
    // An empty dbname selects no database, like an absent one.
    database: target.database || undefined,
    connectTimeout: Math.max(1, Math.round(options.connectTimeoutMs)),
    multipleStatements: false,
  };
}

/** Opens the connection; in `prefer` mode a TLS failure falls back to plaintext, with a warning. */
async function openInTlsMode(
  login: Login,
  base: ConnectionOptions,
  mode: TlsMode,
): Promise<{ connection: Connection; tls: boolean }> {
  const { target, options } = login;
  if (mode === 'disable') return { connection: await openPlain(login, base), tls: false };
  const ssl = mysqlSslOptions(options.tls);
  try {
    const connection = await openConnection({ ...base, ssl }, options.signal);
    verifyHostName(connection, target.host);
    return { connection, tls: true };
  } catch (error) {
    if (mode !== 'prefer' || classifyDriverError(error) !== 'tls') {
      throw loginError(error, login, mode === 'require');
    }
    const info = driverErrorInfo(error);
    warnPlaintextFallback(login, info.code ?? info.message);
    return { connection: await openPlain(login, base), tls: false };
  }
}

async function openPlain(login: Login, base: ConnectionOptions): Promise<Connection> {
  try {
    return await openConnection(base, login.options.signal);
  } catch (error) {
    throw loginError(error, login, false);
  }
}

function loginError(error: unknown, login: Login, tlsRequired: boolean): Error {
  const { target, options, where, who } = login;
  // mysql2 missing: the deployment's fault, not the login's.
  if (error instanceof InvalidOptionError) return error;
  // The time budget's own error says more than "aborted".
  if (options.signal.aborted && options.signal.reason instanceof RotationError) {
    return options.signal.reason;
  }
  const info = driverErrorInfo(error);
  const reason = options.signal.aborted ? 'aborted' : classifyDriverError(error);
  const detail = describeCodes(info);
  // Server messages and TLS errors ("self-signed certificate in certificate chain") say more.
  const serverSays =
    info.errno !== undefined || reason === 'tls'
      ? `: ${scrubSecrets(info.message, [target.password])}`
      : '';
  const details = {
    credentials: options.credentials,
    reason,
    host: target.host,
    port: target.port,
    errno: info.errno,
    code: info.code,
    sqlState: info.sqlState,
  };
  // Host and port on the cause let reachability tools tell a database failure from others.
  const cause = Object.assign(safeCause(info, [target.password]), {
    hostname: target.host,
    port: target.port,
  });
  if (reason === 'tls' && tlsRequired) {
    return new TlsRequiredError(
      `Could not log in to ${where} with the ${who}: TLS is required and failed (${detail || 'TLS'}): ${scrubSecrets(info.message, [target.password])}${info.code === 'HANDSHAKE_NO_SSL_SUPPORT' ? '; the server does not offer TLS' : ''}`,
      { ...details, cause },
    );
  }
  return new DatabaseLoginError(
    `Could not log in to ${where} with the ${who}: ${describeReason(reason)}${detail ? ` (${detail})` : ''}${serverSays}`,
    { ...details, cause },
  );
}

/**
 * mysql2 checks the certificate's name only for host names; for an IP address Node compares
 * it with "localhost". Check the name (or IP SAN) here for every host.
 */
function verifyHostName(connection: Connection, host: string): void {
  const socket = (connection as unknown as { stream?: { getPeerCertificate?: () => unknown } })
    .stream;
  const certificate = socket?.getPeerCertificate?.();
  if (!certificate || typeof certificate !== 'object' || Object.keys(certificate).length === 0) {
    return;
  }
  const mismatch = checkServerIdentity(host, certificate as PeerCertificate);
  if (mismatch) {
    connection.destroy();
    throw mismatch;
  }
}

async function openConnection(config: ConnectionOptions, signal: AbortSignal): Promise<Connection> {
  const { createConnection } = await loadMysql2();
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const connection = createConnection(config);
    // A fatal error after login (server killed) must not become an unhandled 'error' event.
    connection.on('error', () => {});
    const onAbort = () => {
      connection.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    connection.connect((error) => {
      signal.removeEventListener('abort', onAbort);
      if (error) {
        connection.destroy();
        reject(error);
      } else {
        resolve(connection);
      }
    });
  });
}

/** One account copy: the source, the target and what syncAccount learnt about both. */
interface AccountCopy {
  readonly source: DatabaseAccount;
  readonly target: DatabaseAccount;
  /** The target as quoted SQL (`'app_clone'@'%'`). */
  readonly targetSql: string;
  readonly sourceProps: AccountProperties;
  /** Undefined when the target does not exist yet. */
  readonly targetProps: AccountProperties | undefined;
  /** The `IDENTIFIED ...` clause. It holds the new password, quoted: statements that use it pass the password to #run for scrubbing. */
  readonly identified: string;
}

function assertSafeSyncParams(params: SyncAccountParams): void {
  assertSafeName('username', params.source.username);
  assertSafeName('host', params.source.host);
  assertSafeName('username', params.targetUsername);
  assertSafePassword(params.password);
}

interface AccountProperties {
  plugin: string;
  sslType: string;
  sslCipher: string;
  x509Issuer: string;
  x509Subject: string;
  limits: [number, number, number, number];
  /** MariaDB's mysql.user.default_role; undefined on MySQL. */
  defaultRole: string | undefined;
}

const PASSWORD_PLUGINS_MYSQL = new Set([
  'mysql_native_password',
  'caching_sha2_password',
  'sha256_password',
]);

class MysqlSession implements DatabaseSession {
  readonly tls: boolean;
  readonly serverVersion: string;
  readonly #connection: Connection;
  readonly #options: ConnectOptions;
  readonly #mariadb: boolean;
  readonly #noBackslashEscapes: boolean;
  readonly #account: DatabaseAccount;
  #closed = false;

  private constructor(
    connection: Connection,
    options: ConnectOptions,
    tls: boolean,
    info: { version: string; sqlMode: string; currentUser: string },
  ) {
    this.#connection = connection;
    this.#options = options;
    this.tls = tls;
    this.serverVersion = info.version;
    this.#mariadb = /mariadb/i.test(info.version);
    this.#noBackslashEscapes = /NO_BACKSLASH_ESCAPES/i.test(info.sqlMode);
    const at = info.currentUser.lastIndexOf('@');
    this.#account =
      at === -1
        ? { username: info.currentUser, host: '%' }
        : { username: info.currentUser.slice(0, at), host: info.currentUser.slice(at + 1) };
  }

  static async open(connection: Connection, options: ConnectOptions, tls: boolean) {
    const rows = await rawQuery(
      connection,
      'SELECT VERSION(), @@SESSION.sql_mode, CURRENT_USER()',
      options,
    ).catch((error: unknown) => {
      throw statementError('SELECT VERSION()', error, []);
    });
    const row = (rows as unknown[][])[0] ?? [];
    return new MysqlSession(connection, options, tls, {
      version: String(row[0] ?? ''),
      sqlMode: String(row[1] ?? ''),
      currentUser: String(row[2] ?? ''),
    });
  }

  get #render(): RenderOptions {
    return { noBackslashEscapes: this.#noBackslashEscapes, roleHosts: !this.#mariadb };
  }

  #quote(value: string): string {
    return quoteString(value, this.#noBackslashEscapes);
  }

  async #run(label: string, sql: string, secrets: readonly string[] = []): Promise<unknown[][]> {
    await this.#options.onStatement?.('before', label);
    let rows: unknown;
    try {
      rows = await rawQuery(this.#connection, sql, this.#options);
    } catch (error) {
      throw statementError(label, error, secrets);
    }
    await this.#options.onStatement?.('after', label);
    return rows as unknown[][];
  }

  async ping(): Promise<void> {
    await this.#run('SELECT 1', 'SELECT 1');
  }

  async currentAccount(): Promise<DatabaseAccount> {
    return { ...this.#account };
  }

  async maxUsernameLength(): Promise<number> {
    const rows = await this.#run(
      'SELECT information_schema.COLUMNS',
      "SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'user' AND COLUMN_NAME = 'User'",
    );
    const fromSchema = Number(rows[0]?.[0]);
    if (Number.isInteger(fromSchema) && fromSchema > 0) return fromSchema;
    // Without privileges on the mysql schema the column is invisible: infer from the version.
    if (this.#mariadb) return 80;
    const [major = 0, minor = 0, patch = 0] = this.serverVersion
      .split(/[.-]/)
      .slice(0, 3)
      .map((part) => Number.parseInt(part, 10) || 0);
    const atLeast578 = major > 5 || (major === 5 && (minor > 7 || (minor === 7 && patch >= 8)));
    return atLeast578 ? 32 : 16;
  }

  async changeOwnPassword(password: string): Promise<void> {
    assertSafePassword(password);
    if (this.#mariadb) {
      // MariaDB's ALTER USER needs the CREATE USER privilege even for one's own account;
      // SET PASSWORD does not, and hashes with the account's plugin (10.4+).
      await this.#run('SET PASSWORD', `SET PASSWORD = PASSWORD(${this.#quote(password)})`, [
        password,
      ]);
    } else {
      await this.#run(
        'ALTER USER',
        `ALTER USER CURRENT_USER() IDENTIFIED BY ${this.#quote(password)}`,
        [password],
      );
    }
  }

  async #accountProperties(account: DatabaseAccount): Promise<AccountProperties | undefined> {
    const columns =
      'plugin, ssl_type, ssl_cipher, x509_issuer, x509_subject, max_questions, max_updates, max_connections, max_user_connections';
    const rows = await this.#run(
      'SELECT mysql.user',
      `SELECT ${columns}${this.#mariadb ? ', default_role' : ''} FROM mysql.user WHERE User = ${this.#quote(account.username)} AND Host = ${this.#quote(account.host)}`,
    );
    const row = rows[0];
    if (!row) return undefined;
    const text = (value: unknown) =>
      value === null || value === undefined
        ? ''
        : Buffer.isBuffer(value)
          ? value.toString('utf8')
          : String(value);
    return {
      plugin: text(row[0]),
      sslType: text(row[1]).toUpperCase(),
      sslCipher: text(row[2]),
      x509Issuer: text(row[3]),
      x509Subject: text(row[4]),
      limits: [Number(row[5]) || 0, Number(row[6]) || 0, Number(row[7]) || 0, Number(row[8]) || 0],
      defaultRole: this.#mariadb ? text(row[9]) : undefined,
    };
  }

  #requireClause(props: AccountProperties): string {
    switch (props.sslType) {
      case '':
        return 'REQUIRE NONE';
      case 'ANY':
        return 'REQUIRE SSL';
      case 'X509':
        return 'REQUIRE X509';
      default: {
        const parts = [
          props.sslCipher ? `CIPHER ${this.#quote(props.sslCipher)}` : undefined,
          props.x509Issuer ? `ISSUER ${this.#quote(props.x509Issuer)}` : undefined,
          props.x509Subject ? `SUBJECT ${this.#quote(props.x509Subject)}` : undefined,
        ].filter(Boolean);
        return parts.length > 0 ? `REQUIRE ${parts.join(' AND ')}` : 'REQUIRE SSL';
      }
    }
  }

  #limitsClause(props: AccountProperties): string {
    const [queries, updates, connections, userConnections] = props.limits;
    return `WITH MAX_QUERIES_PER_HOUR ${queries} MAX_UPDATES_PER_HOUR ${updates} MAX_CONNECTIONS_PER_HOUR ${connections} MAX_USER_CONNECTIONS ${userConnections}`;
  }

  #identifiedClause(source: DatabaseAccount, plugin: string, password: string): string {
    const quoted = this.#quote(password);
    if (this.#mariadb) {
      if (plugin === '' || plugin === 'mysql_native_password') return `IDENTIFIED BY ${quoted}`;
      if (plugin === 'ed25519') return `IDENTIFIED VIA ed25519 USING PASSWORD(${quoted})`;
    } else {
      if (plugin === '') return `IDENTIFIED BY ${quoted}`;
      if (PASSWORD_PLUGINS_MYSQL.has(plugin)) return `IDENTIFIED WITH ${plugin} BY ${quoted}`;
    }
    throw new AccountCopyError(
      `Cannot copy account ${source.username}@${source.host}: it authenticates with the ${JSON.stringify(plugin)} plugin, which has no password to rotate`,
    );
  }

  async #showGrants(account: DatabaseAccount): Promise<string[]> {
    const rows = await this.#run(
      'SHOW GRANTS',
      `SHOW GRANTS FOR ${quoteAccount(account, this.#noBackslashEscapes)}`,
    );
    return rows.map((row) => String(row[0] ?? ''));
  }

  async #grantSet(account: DatabaseAccount): Promise<GrantSet> {
    const lines = await this.#showGrants(account);
    try {
      return collectGrants(lines, account);
    } catch (error) {
      throw new AccountCopyError(
        `Could not read the grants of ${account.username}@${account.host}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  async #apply(statements: readonly GrantStatement[]): Promise<number> {
    for (const statement of statements) await this.#run(statement.label, statement.sql);
    return statements.length;
  }

  async syncAccount(params: SyncAccountParams): Promise<SyncAccountResult> {
    const { source } = params;
    assertSafeSyncParams(params);
    const target: DatabaseAccount = { username: params.targetUsername, host: source.host };
    const targetSql = quoteAccount(target, this.#noBackslashEscapes);
    const sourceProps = await this.#accountProperties(source);
    if (!sourceProps) {
      throw new AccountCopyError(
        `Cannot copy account ${source.username}@${source.host}: it does not exist on the server`,
      );
    }
    const identified = this.#identifiedClause(source, sourceProps.plugin, params.password);
    const targetProps = await this.#accountProperties(target);
    const copy: AccountCopy = { source, target, targetSql, sourceProps, targetProps, identified };
    const created = await this.#createOrAlignAccount(copy, params.password);
    const { granted, revoked } = await this.#matchGrants(copy, params.revokeExtra);
    await this.#syncDefaultRoles(source, target, targetSql, sourceProps, targetProps);
    if (!created) {
      // The password goes last: the account is complete before the new password opens it.
      await this.#run('ALTER USER', `ALTER USER ${targetSql} ${identified}`, [params.password]);
    }
    return { target, created, granted, revoked };
  }

  /** Creates the target like the source (true), or gives an existing one its REQUIRE and limits. */
  async #createOrAlignAccount(copy: AccountCopy, password: string): Promise<boolean> {
    const { source, target, targetSql, sourceProps, targetProps, identified } = copy;
    const accountClauses = `${this.#requireClause(sourceProps)} ${this.#limitsClause(sourceProps)}`;
    if (targetProps) {
      if (
        this.#requireClause(targetProps) !== this.#requireClause(sourceProps) ||
        this.#limitsClause(targetProps) !== this.#limitsClause(sourceProps)
      ) {
        await this.#run('ALTER USER', `ALTER USER ${targetSql} ${accountClauses}`);
      }
      return false;
    }
    try {
      // REQUIRE and limits in the same statement: no moment where the clone is weaker.
      await this.#run('CREATE USER', `CREATE USER ${targetSql} ${identified} ${accountClauses}`, [
        password,
      ]);
    } catch (error) {
      if (!(error instanceof DatabaseError && error.errno === 1470)) throw error;
      throw CloneNameTooLongError.of({
        username: source.username,
        cloneUsername: target.username,
        limit: await this.maxUsernameLength().catch(() => 0),
        limitSource: 'server',
        cause: error,
      });
    }
    return true;
  }

  /** Grants (and revokes) until the target's grants are the source's, then checks they are. */
  async #matchGrants(
    copy: AccountCopy,
    revokeExtra: boolean,
  ): Promise<{ granted: number; revoked: number }> {
    const { source, target, targetSql } = copy;
    const sourceGrants = await this.#grantSet(source);
    const counts = await this.#grantRounds(sourceGrants, copy, revokeExtra);
    const finalDiff = diffGrants(sourceGrants, await this.#grantSet(target));
    if (!isEmptyDiff(finalDiff.missing) || (revokeExtra && !isEmptyDiff(finalDiff.extra))) {
      throw new AccountCopyError(
        `Could not make the grants of ${target.username}@${target.host} match ${source.username}@${source.host}; missing: ${describeGrantSet(finalDiff.missing) || 'none'}; extra: ${describeGrantSet(finalDiff.extra) || 'none'}`,
      );
    }
    if (sourceGrants.revokes.length > 0) {
      await this.#apply(partialRevokeStatements(sourceGrants, targetSql, this.#render));
    }
    return counts;
  }

  // Grant first so the target never loses a privilege it should keep; revoking ALL
  // PRIVILEGES can take more than intended, so missing grants are checked once more after.
  async #grantRounds(
    sourceGrants: GrantSet,
    copy: AccountCopy,
    revokeExtra: boolean,
  ): Promise<{ granted: number; revoked: number }> {
    const { target, targetSql } = copy;
    let granted = 0;
    let revoked = 0;
    let lastMissing = '';
    for (let round = 0; round < 6; round++) {
      const { missing, extra } = diffGrants(sourceGrants, await this.#grantSet(target));
      const signature = describeGrantSet(missing);
      if (!isEmptyDiff(missing) && signature !== lastMissing) {
        lastMissing = signature;
        granted += await this.#apply(grantStatements(missing, targetSql, this.#render));
        continue;
      }
      if (revokeExtra && !isEmptyDiff(extra)) {
        lastMissing = '';
        revoked += await this.#apply(
          revokeStatements(extra, sourceGrants, targetSql, this.#render),
        );
        continue;
      }
      break;
    }
    return { granted, revoked };
  }

  async #syncDefaultRoles(
    source: DatabaseAccount,
    target: DatabaseAccount,
    targetSql: string,
    sourceProps: AccountProperties,
    targetProps: AccountProperties | undefined,
  ): Promise<void> {
    if (this.#mariadb) {
      const wanted = sourceProps.defaultRole ?? '';
      const current = targetProps?.defaultRole ?? '';
      if (wanted === current) return;
      const role = wanted ? `\`${wanted.replaceAll('`', '``')}\`` : 'NONE';
      await this.#run('SET DEFAULT ROLE', `SET DEFAULT ROLE ${role} FOR ${targetSql}`);
      return;
    }
    if (!/^([89]|\d{2,})\./.test(this.serverVersion)) return;
    const read = async (account: DatabaseAccount) => {
      const rows = await this.#run(
        'SELECT mysql.default_roles',
        `SELECT DEFAULT_ROLE_USER, DEFAULT_ROLE_HOST FROM mysql.default_roles WHERE USER = ${this.#quote(account.username)} AND HOST = ${this.#quote(account.host)} ORDER BY DEFAULT_ROLE_USER, DEFAULT_ROLE_HOST`,
      );
      return rows.map((row) => `${this.#quote(String(row[0]))}@${this.#quote(String(row[1]))}`);
    };
    const wanted = await read(source);
    const current = await read(target);
    if (wanted.join(',') === current.join(',')) return;
    await this.#run(
      'ALTER USER DEFAULT ROLE',
      `ALTER USER ${targetSql} DEFAULT ROLE ${wanted.length > 0 ? wanted.join(', ') : 'NONE'}`,
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await new Promise<void>((resolve) => {
      // end() waits for the server's reply; after a crash it may never come. The timer stays
      // ref'd: close() is awaited, and a dead socket no longer holds the event loop.
      const timer = setTimeout(() => {
        this.#connection.destroy();
        resolve();
      }, 1000);
      this.#connection.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function rawQuery(connection: Connection, sql: string, options: ConnectOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) {
      reject(options.signal.reason);
      return;
    }
    const onAbort = () => {
      connection.destroy();
      reject(options.signal.reason);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    connection.query(
      { sql, rowsAsArray: true, timeout: Math.max(1, Math.round(options.queryTimeoutMs)) },
      (error: unknown, rows: unknown) => {
        options.signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(rows);
      },
    );
  });
}

function statementError(label: string, error: unknown, secrets: readonly string[]): Error {
  // The time budget's abort reason is one of our errors: pass it through.
  if (!(error instanceof Error) || error instanceof RotationError) return error as Error;
  const info = driverErrorInfo(error);
  const reason = classifyDriverError(error);
  const detail = describeCodes(info);
  const text =
    info.errno !== undefined || reason === 'other'
      ? scrubSecrets(info.message, secrets)
      : describeReason(reason);
  return new DatabaseError(`${label} failed${detail ? ` (${detail})` : ''}: ${text}`, {
    statement: label,
    errno: info.errno,
    code: info.code,
    sqlState: info.sqlState,
    cause: safeCause(info, secrets),
  });
}
