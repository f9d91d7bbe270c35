import { sqlStateOf } from '@rotakit/engine-postgres';
import type { MysqlEvidence } from '../mysql.js';
import type { PostgresEvidence } from '../postgres.js';
import type { ParsedSecret } from '../secret.js';
import type { ProbeResult } from '../types.js';
import { type CheckContext, checkStatusOf, skipCheck } from './context.js';
import { type HintContext, tcpHint } from './hints.js';
import type { DatabaseProbe } from './probes.js';
import { CHECK_NAMES, type CheckStatus, type PathCheck } from './types.js';

type Probed = Extract<DatabaseProbe, { kind: 'probed' }>;

const ENGINE_LABEL = { mysql: 'MySQL', postgres: 'PostgreSQL' } as const;

/** The likely cause when the MySQL greeting (or login) did not work, by the probe's status. */
function mysqlHint(secret: ParsedSecret, mysql: ProbeResult<MysqlEvidence>): string | undefined {
  const { host, port } = secret.target;
  const ev = mysql.evidence;
  switch (mysql.status) {
    case 'blocked':
      return 'the server blocked this host after too many aborted connections (1129): run FLUSH HOSTS (mariadb-admin/mysqladmin flush-hosts) and raise max_connect_errors';
    case 'access-denied':
      return ev.login
        ? `the network path works; login as ${ev.login.user} failed (${ev.login.errorCode ?? 'access denied'}): the credentials in the secret do not match the database (credential drift, or a rotation step that did not finish)`
        : `the server does not accept connections from this host (${ev.errorCode ?? ''}): check the user's host part`;
    case 'throttled':
      return 'the server has too many connections (1040): the path works; retry or raise max_connections';
    case 'rate-limited':
      return `skipped: MySQL probes to ${host}:${port} are rate-limited (retry in ${ev.retryAfterMs} ms)`;
  }
  return undefined;
}

/** Why PostgreSQL refused: SQLSTATE 28P01 (password), 28000 (pg_hba.conf), 42501 (CONNECT). */
function postgresDeniedHint(secret: ParsedSecret, ev: PostgresEvidence): string {
  const sqlState = ev.login?.errorCode ?? ev.sqlState;
  const user = ev.login?.user ?? secret.target.username ?? 'the user';
  const database = secret.target.dbname ?? 'postgres';
  if (sqlState === '28P01') {
    return `the network path works; login as ${user} failed (28P01 invalid password): the password in the secret does not match the database (credential drift, or a rotation step that did not finish)`;
  }
  if (sqlState === '42501') {
    return `the network path works; ${user} may not connect to database ${database} (42501): GRANT CONNECT ON DATABASE to it`;
  }
  return `the server rejected ${user} for database ${database} from this host (${sqlState ?? '28000'}): no pg_hba.conf entry matches this host, user, database and TLS state (on RDS, rds.force_ssl=1 requires TLS), or the role lacks LOGIN`;
}

/** The likely cause when the PostgreSQL exchange (or login) did not work, by the probe's status. */
function postgresHint(
  secret: ParsedSecret,
  postgres: ProbeResult<PostgresEvidence>,
): string | undefined {
  const ev = postgres.evidence;
  const sqlState = ev.login?.errorCode ?? ev.sqlState;
  switch (postgres.status) {
    case 'access-denied':
      return postgresDeniedHint(secret, ev);
    case 'throttled':
      return `the server has too many connections (${sqlState ?? '53300'}): the path works; retry or raise max_connections`;
    case 'server-error':
      return `the server is starting up, in recovery or shutting down (${sqlState ?? 'error'}): the path works; retry`;
    case 'tls-failure':
      return postgres.error?.code === 'TLS_NOT_OFFERED'
        ? `the secret asks for TLS (ssl: true) but ${secret.target.host} answered the SSLRequest with N: enable ssl on the server or check the port`
        : `TLS to ${secret.target.host} failed (${ev.tls?.authorizationError ?? postgres.error?.code ?? 'handshake error'}): the certificate is not signed by a trusted CA (Node's or the Amazon RDS CAs) or does not cover the host name`;
  }
  if (postgres.status === 'error' && sqlState === '3D000') {
    return `the network path works; database ${secret.target.dbname ?? 'postgres'} does not exist (3D000): check dbname in the secret`;
  }
  return undefined;
}

/** The likely cause when the greeting (or login) did not work: the engine's hint, else the network's. */
function databaseHint(hints: HintContext, db: Probed): string {
  const { host, port } = db.secret.target;
  const { result } = db;
  const engineHint =
    db.engine === 'postgres' ? postgresHint(db.secret, db.result) : mysqlHint(db.secret, db.result);
  if (engineHint) return engineHint;
  const label = ENGINE_LABEL[db.engine];
  if (result.status === 'protocol-error') {
    return `${host}:${port} does not speak ${label}: wrong port in the secret?`;
  }
  if (result.status === 'dns-failure') {
    return `${host} did not resolve: check the host in the secret, enableDnsSupport and the DHCP options`;
  }
  if (result.evidence.phase === 'greeting' && result.status === 'timeout') {
    return `TCP ${port} connected but no ${label} greeting arrived in time: the server is overloaded or this is not a ${label} port`;
  }
  const { address } = result.evidence;
  const failure = { status: result.status, host, port, address, code: result.error?.code };
  return tcpHint(hints, { ...failure, peer: "database's" });
}

function postgresOkDetail(ev: PostgresEvidence): string {
  const tls = ev.tlsFallback
    ? 'TLS not verified, plain text'
    : ev.tls
      ? `TLS ${ev.tls.protocol ?? ''}`.trim()
      : 'no TLS';
  const auth = ev.saslMechanisms?.join('/') ?? ev.authRequest ?? '?';
  const version = ev.serverVersion ? `PostgreSQL ${ev.serverVersion}, ` : '';
  return `${version}${tls}, auth ${auth}`;
}

function databaseDetail(db: Probed): string {
  const { host, port } = db.secret.target;
  const ev = db.result.evidence;
  if (db.result.status === 'ok') {
    const login = ev.login ? `, login as ${ev.login.user} ok` : '';
    const what =
      db.engine === 'postgres'
        ? postgresOkDetail(db.result.evidence)
        : db.result.evidence.serverVersion;
    return `${host}:${port} -> ${ev.address?.address} (${ev.address?.scope}), ${what}${login}`;
  }
  const phase = ev.phase ? ` (${ev.phase})` : '';
  const code =
    db.engine === 'postgres'
      ? (db.result.evidence.login?.errorCode ?? db.result.evidence.sqlState)
      : db.result.evidence.errorCode;
  return `${host}:${port}: ${db.result.status}${phase}${codeText(db.engine, code)}`;
}

/** ` ERR 1045`, ` SQLSTATE 28P01`, or a socket code as it is. */
function codeText(engine: Probed['engine'], code: string | number | undefined): string {
  if (code === undefined || code === '') return '';
  if (engine === 'mysql') return ` ERR ${code}`;
  return sqlStateOf({ code }) ? ` SQLSTATE ${code}` : ` ${code}`;
}

/**
 * The server answered (too many connections; starting up): the path works, so a warning. So
 * is a PostgreSQL certificate that did not verify when plain text then worked: rotation
 * without an `ssl` key falls back to it.
 */
function databaseStatus(db: Probed): CheckStatus {
  const { status } = db.result;
  if (status === 'throttled') return 'warn';
  if (db.engine === 'postgres' && status === 'server-error') return 'warn';
  if (db.engine === 'postgres' && status === 'ok' && db.result.evidence.tlsFallback) return 'warn';
  return checkStatusOf(status);
}

function tlsFallbackHint(secret: ParsedSecret, ev: PostgresEvidence): string {
  return `${secret.target.host} offers TLS but its certificate did not verify (${ev.tls?.authorizationError ?? 'untrusted'}); plain text works, and rotation without an "ssl" key falls back to it: trust the server's CA (netcheck's ca option, ROTAKIT_CA_BUNDLE for the rotation function) or set "ssl": false`;
}

function hintFor(ctx: CheckContext, db: Probed): string | undefined {
  if (db.result.status !== 'ok') return databaseHint(ctx.hints, db);
  if (db.engine === 'postgres' && db.result.evidence.tlsFallback) {
    return tlsFallbackHint(db.secret, db.result.evidence);
  }
  return undefined;
}

function probedDatabaseCheck(ctx: CheckContext, db: Probed): PathCheck {
  const { secret, result } = db;
  const { host, port, engine } = secret.target;
  const { status } = result;
  const { dns: greetingDns, host: _host, port: _port, ...evidence } = result.evidence;
  return {
    id: 'R7',
    name: CHECK_NAMES.R7,
    status: databaseStatus(db),
    detail: databaseDetail(db),
    evidence: {
      host,
      port,
      engine: engine || undefined,
      protocol: db.engine,
      dns: db.dns?.evidence ?? greetingDns,
      ...evidence,
      status,
      error: result.error,
    },
    durationMs: db.durationMs,
    hint: hintFor(ctx, db),
  };
}

/** R7: the database the secret names: DNS, TCP, the engine's greeting and an optional login. */
export function databaseCheck(ctx: CheckContext): PathCheck {
  const db = ctx.probes.database;
  if (!db) return skipCheck('R7', ctx.notWantedReason);
  if (db.kind === 'unchecked') {
    return skipCheck(
      'R7',
      `database not checked: ${db.problem}`,
      `could not get the database host: ${db.problem}`,
    );
  }
  return probedDatabaseCheck(ctx, db);
}
