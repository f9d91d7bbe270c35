import type { MysqlEvidence } from '../mysql.js';
import type { ParsedSecret } from '../secret.js';
import type { ProbeResult } from '../types.js';
import { type CheckContext, checkStatusOf, skipCheck } from './context.js';
import { type HintContext, tcpHint } from './hints.js';
import type { DatabaseProbe } from './probes.js';
import { CHECK_NAMES, type PathCheck } from './types.js';

type Probed = Extract<DatabaseProbe, { kind: 'probed' }>;

/** The likely cause when the greeting (or login) did not work, by the MySQL probe's status. */
function databaseHint(
  hints: HintContext,
  secret: ParsedSecret,
  mysql: ProbeResult<MysqlEvidence>,
): string {
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
    case 'protocol-error':
      return `${host}:${port} does not speak MySQL: wrong port in the secret?`;
    case 'dns-failure':
      return `${host} did not resolve: check the host in the secret, enableDnsSupport and the DHCP options`;
  }
  if (ev.phase === 'greeting' && mysql.status === 'timeout') {
    return `TCP ${port} connected but no MySQL greeting arrived in time: the server is overloaded or this is not a MySQL port`;
  }
  const failure = {
    status: mysql.status,
    host,
    port,
    address: ev.address,
    code: mysql.error?.code,
  };
  return tcpHint(hints, { ...failure, peer: "database's" });
}

function databaseDetail({ secret, mysql }: Probed): string {
  const { host, port } = secret.target;
  const ev = mysql.evidence;
  if (mysql.status === 'ok') {
    const login = ev.login ? `, login as ${ev.login.user} ok` : '';
    return `${host}:${port} -> ${ev.address?.address} (${ev.address?.scope}), ${ev.serverVersion}${login}`;
  }
  const phase = ev.phase ? ` (${ev.phase})` : '';
  const err = ev.errorCode ? ` ERR ${ev.errorCode}` : '';
  return `${host}:${port}: ${mysql.status}${phase}${err}`;
}

function probedDatabaseCheck(ctx: CheckContext, db: Probed): PathCheck {
  const { secret, mysql } = db;
  const { host, port, engine } = secret.target;
  const { status } = mysql;
  const { dns: greetingDns, host: _host, port: _port, ...evidence } = mysql.evidence;
  return {
    id: 'R7',
    name: CHECK_NAMES.R7,
    // Too many connections: the server answered, so the path works.
    status: status === 'throttled' ? 'warn' : checkStatusOf(status),
    detail: databaseDetail(db),
    evidence: {
      host,
      port,
      engine: engine || undefined,
      dns: db.dns?.evidence ?? greetingDns,
      ...evidence,
      status,
      error: mysql.error,
    },
    durationMs: db.durationMs,
    hint: status === 'ok' ? undefined : databaseHint(ctx.hints, secret, mysql),
  };
}

/** R7: the database the secret names: DNS, TCP, the MySQL greeting and an optional login. */
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
