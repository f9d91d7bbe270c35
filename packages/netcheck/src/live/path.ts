import { performance } from 'node:perf_hooks';
import type { ResolvedEndpoint } from '../endpoint.js';
import { Deadline, roundMs } from '../util/deadline.js';
import type { ClassifiedAddress } from '../util/ip.js';
import { resolveHost } from './dns.js';
import { type MysqlEvidence, runMysql } from './mysql.js';
import type { ProbeRateLimiter } from './rate-limiter.js';
import { isMysqlEngine, type ParsedSecret, parseSecret } from './secret.js';
import {
  type CallOutcome,
  callSecretsManager,
  type SecretsManagerEvidence,
  type SecretsManagerLike,
} from './secrets-manager.js';
import { connectTcp } from './tcp.js';
import { handshake, type ProbeTlsOptions, type TlsEvidence } from './tls.js';
import type { DnsEvidence, ProbeResult, ProbeStatus, TcpEvidence } from './types.js';

export type CheckId = 'R2' | 'R3' | 'R4' | 'R5' | 'R6' | 'R7' | 'R8';
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** One condition of the path, checked live. Plain data. */
export interface PathCheck {
  id: CheckId;
  name: string;
  status: CheckStatus;
  /** One line for humans: what was seen. */
  detail: string;
  evidence: Record<string, unknown>;
  durationMs: number;
  /** The likely cause and fix, when the check did not pass. */
  hint?: string;
}

/** The result of `checkRotationPath`, `checkAppPath` or `diagnoseFailure`; JSON-serialisable. */
export interface PathReport {
  kind: 'rotation' | 'app' | 'diagnosis';
  /** No check failed and the run was not aborted. */
  ok: boolean;
  aborted: boolean;
  startedAt: string;
  durationMs: number;
  budgetMs: number;
  target: {
    secretId?: string;
    region: string;
    secretsManager: { url: string; host: string; port: number; source: string };
    database?: { host: string; port: number; engine?: string };
  };
  checks: PathCheck[];
  /** One line naming the most likely problem, or that everything passed. */
  summary: string;
}

export const CHECK_NAMES: Record<CheckId, string> = {
  R2: 'Secrets Manager endpoint',
  R3: 'DNS for Secrets Manager',
  R4: 'TCP to Secrets Manager',
  R5: 'Route out of the VPC (NAT/internet)',
  R6: 'TLS and Secrets Manager API',
  R7: 'Database (DNS, TCP, MySQL greeting)',
  R8: 'RDS API',
};

export interface EngineInput {
  kind: PathReport['kind'];
  budgetMs: number;
  signal?: AbortSignal;
  region: string;
  endpoint: ResolvedEndpoint;
  client?: SecretsManagerLike;
  secretId?: string;
  secret?: ParsedSecret;
  /** Why a given secret could not be used (never quoting it). */
  secretProblem?: string;
  describe: boolean;
  read: boolean;
  login: boolean;
  expectPrivateDns: boolean;
  expectCidrs?: readonly string[];
  rdsEndpoint?: ResolvedEndpoint;
  limiter: ProbeRateLimiter | false;
  ca?: ProbeTlsOptions['ca'];
  /** Checks to run; the others are reported as `skip`. */
  only?: ReadonlySet<CheckId>;
  /** Why the checks outside `only` were skipped. */
  onlyReason?: string;
}

interface NetChain {
  dns: ProbeResult<DnsEvidence>;
  tcp?: { status: ProbeStatus; evidence: TcpEvidence; error?: { code?: string; message: string } };
  tls?: { status: ProbeStatus; evidence: TlsEvidence; error?: { code?: string; message: string } };
  durationMs: number;
  dnsMs: number;
  tcpMs: number;
}

async function netChain(
  endpoint: { host: string; port: number; protocol: string },
  deadline: Deadline,
  ca: ProbeTlsOptions['ca'],
  expectCidrs?: readonly string[],
): Promise<NetChain> {
  const started = deadline.elapsed();
  const dns = await resolveHost(endpoint.host, deadline, 'system', expectCidrs);
  const dnsMs = roundMs(deadline.elapsed() - started);
  if (!dns.ok) return { dns, durationMs: dnsMs, dnsMs, tcpMs: 0 };
  const tcpStarted = deadline.elapsed();
  const tcp = await connectTcp(endpoint.host, endpoint.port, deadline, dns);
  const tcpMs = roundMs(deadline.elapsed() - tcpStarted);
  const chain: NetChain = {
    dns,
    tcp: { status: tcp.status, evidence: tcp.evidence, ...(tcp.error ? { error: tcp.error } : {}) },
    durationMs: 0,
    dnsMs,
    tcpMs,
  };
  if (tcp.connected && endpoint.protocol === 'https:') {
    const evidence: TlsEvidence = { ...tcp.evidence, servername: endpoint.host };
    const outcome = await handshake(tcp.connected, endpoint.host, ca, deadline, evidence);
    outcome.socket?.destroy();
    chain.tls = {
      status: outcome.status,
      evidence,
      ...(outcome.error ? { error: outcome.error } : {}),
    };
  }
  tcp.connected?.socket.destroy();
  chain.durationMs = roundMs(deadline.elapsed() - started);
  return chain;
}

function addressList(addresses: readonly ClassifiedAddress[]): string {
  return addresses.map((a) => `${a.address} (${a.scope})`).join(', ') || 'no address';
}

function firstPublic(dns: DnsEvidence): ClassifiedAddress | undefined {
  return dns.addresses.find((a) => !a.private);
}

export function tcpHint(
  status: ProbeStatus,
  host: string,
  port: number,
  address: ClassifiedAddress | undefined,
  who: string,
  kind: PathReport['kind'],
  what: string,
  code?: string,
): string {
  const addr = address?.address ?? host;
  switch (status) {
    case 'timeout':
      if (address && !address.private) {
        return `${host} resolved to public ${addr}; no route out: create an interface endpoint with private DNS or a NAT route${kind === 'app' ? ' (on EC2, a public IP with an internet gateway route also works)' : ''}`;
      }
      if (address?.scope === 'loopback') return `nothing answered on ${addr}:${port} in time`;
      return `TCP ${port} to ${addr} (${address?.scope ?? 'private'}) timed out: a silent drop. The ${what} security group must accept TCP ${port} from ${who}'s security group, ${who}'s security group must allow it out, and the network ACLs of both subnets must allow it both ways (replies on 1024-65535)`;
    case 'refused':
      return `${addr}:${port} refused the connection: the host is reachable but nothing listens on port ${port}; check the host and port`;
    case 'unreachable':
      return `no route to ${addr} (${code ?? 'unreachable'}): check the route table of ${who}'s subnet`;
    case 'reset':
      return `the connection to ${addr}:${port} was reset: a proxy, firewall or overloaded server closed it`;
    case 'dns-failure':
      return `${host} did not resolve (${code ?? 'DNS failure'})`;
    case 'aborted':
      return 'aborted before this check finished';
    default:
      return `TCP ${port} to ${addr} failed: ${status}${code ? ` (${code})` : ''}`;
  }
}

function dnsHint(host: string, evidence: ProbeResult<DnsEvidence>, vpceSpecific: boolean): string {
  if (evidence.status === 'aborted') return 'aborted before this check finished';
  const code = evidence.error?.code ?? evidence.status;
  if (vpceSpecific) {
    return `${host} did not resolve (${code}): the endpoint-specific name must match an existing interface endpoint (check the id and region)`;
  }
  return `${host} did not resolve (${code}): check enableDnsSupport on the VPC, the DHCP options (custom DNS servers must forward to the Amazon resolver) and the host name`;
}

function mapStatus(status: ProbeStatus): CheckStatus {
  if (status === 'ok') return 'pass';
  if (status === 'aborted' || status === 'rate-limited') return 'skip';
  return 'fail';
}

function apiEvidence(calls: Array<CallOutcome | undefined>): SecretsManagerEvidence[] {
  return calls.filter((c): c is CallOutcome => c !== undefined).map((c) => c.evidence);
}

function pendingVersion(describe: CallOutcome | undefined): string | undefined {
  const stages = describe?.evidence.versionStages;
  if (!stages) return undefined;
  for (const [version, labels] of Object.entries(stages)) {
    if (labels.includes('AWSPENDING') && !labels.includes('AWSCURRENT')) return version;
  }
  return undefined;
}

/** Runs the checks of one path concurrently within one budget. */
export async function runPathChecks(input: EngineInput): Promise<PathReport> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  using deadline = new Deadline(input.budgetMs, input.signal);
  const want = (id: CheckId) => !input.only || input.only.has(id);
  const who = input.kind === 'app' ? 'the application' : 'the rotation function';
  const { endpoint } = input;
  const smWanted = want('R3') || want('R4') || want('R5') || want('R6');

  const smChain = smWanted ? netChain(endpoint, deadline, input.ca, input.expectCidrs) : undefined;

  const apiChain = (async () => {
    const started = deadline.elapsed();
    if (!input.client || !(want('R6') || want('R7'))) {
      return { describe: undefined, read: undefined, list: undefined, durationMs: 0 };
    }
    const needRead = input.read && !input.secret && want('R7') && input.secretId !== undefined;
    const [describe, read, list] = await Promise.all([
      input.describe && input.secretId && want('R6')
        ? callSecretsManager(input.client, 'DescribeSecret', input.secretId, deadline)
        : undefined,
      needRead
        ? callSecretsManager(input.client, 'GetSecretValue', input.secretId, deadline)
        : undefined,
      !input.secretId && want('R6')
        ? callSecretsManager(input.client, 'ListSecrets', undefined, deadline)
        : undefined,
    ]);
    return { describe, read, list, durationMs: roundMs(deadline.elapsed() - started) };
  })();

  const dbChain = (async () => {
    if (!want('R7')) return undefined;
    const started = deadline.elapsed();
    let secret = input.secret;
    let problem = input.secretProblem;
    if (!secret && !problem) {
      const { read } = await apiChain;
      if (!read)
        problem = input.client ? 'the secret was not read' : 'no secret and no client to read it';
      else if (read.status !== 'ok')
        problem = `GetSecretValue ended with ${read.status}${read.evidence.errorName ? ` (${read.evidence.errorName})` : ''}`;
      else {
        const raw = read.output?.SecretString;
        const parsed = parseSecret(typeof raw === 'string' ? raw : undefined);
        if (parsed.ok) secret = parsed.secret;
        else problem = typeof raw === 'string' ? parsed.problem : 'the secret has no SecretString';
      }
    }
    if (!secret)
      return { problem: problem ?? 'no secret', durationMs: roundMs(deadline.elapsed() - started) };
    if (!isMysqlEngine(secret.target.engine)) {
      return { secret, problem: `engine ${secret.target.engine} is not MySQL`, durationMs: 0 };
    }
    const { host, port } = secret.target;
    const dns = await resolveHost(host, deadline, 'system', input.expectCidrs);
    const login =
      input.login && secret.credentials
        ? {
            user: secret.credentials.user,
            password: secret.credentials.password,
            ...(secret.target.dbname ? { database: secret.target.dbname } : {}),
          }
        : undefined;
    const mysql = await runMysql(host, port, deadline, {
      limiter: input.limiter,
      resolved: dns,
      ...(login ? { login } : {}),
    });
    return { secret, dns, mysql, durationMs: roundMs(deadline.elapsed() - started) };
  })();

  const rdsChain =
    input.rdsEndpoint && want('R8')
      ? netChain(input.rdsEndpoint, deadline, input.ca, input.expectCidrs)
      : undefined;

  const [sm, api, db, rds] = await Promise.all([smChain, apiChain, dbChain, rdsChain]);
  const checks: PathCheck[] = [];
  const skip = (id: CheckId, detail: string, hint?: string): PathCheck => ({
    id,
    name: CHECK_NAMES[id],
    status: 'skip',
    detail,
    evidence: {},
    durationMs: 0,
    ...(hint ? { hint } : {}),
  });
  const notWanted = input.onlyReason ?? 'not requested';

  // R2: which host the client uses.
  {
    const e = endpoint;
    const evidence: Record<string, unknown> = {
      url: e.url,
      host: e.host,
      port: e.port,
      source: e.source,
      region: e.region,
      fips: e.fips,
      dualStack: e.dualStack,
      vpceSpecific: e.vpceSpecific,
      ...(e.vpceId ? { vpceId: e.vpceId } : {}),
      ...(e.note ? { note: e.note } : {}),
    };
    checks.push({
      id: 'R2',
      name: CHECK_NAMES.R2,
      status: e.note ? 'warn' : 'pass',
      detail: `${e.host}:${e.port} (${e.source}${e.fips ? ', FIPS' : ''}${e.vpceSpecific ? ', endpoint-specific name' : ''})`,
      evidence,
      durationMs: 0,
      ...(e.note ? { hint: `${e.note}: the client uses ${e.url}` } : {}),
    });
  }

  // R3-R5: DNS, TCP and the way out for Secrets Manager.
  if (!sm) {
    checks.push(skip('R3', notWanted), skip('R4', notWanted), skip('R5', notWanted));
  } else {
    const dnsEv = sm.dns.evidence;
    const publicAddress = firstPublic(dnsEv);
    if (!sm.dns.ok) {
      checks.push({
        id: 'R3',
        name: CHECK_NAMES.R3,
        status: mapStatus(sm.dns.status),
        detail: `${endpoint.host}: ${sm.dns.status}${sm.dns.error?.code ? ` (${sm.dns.error.code})` : ''}`,
        evidence: {
          ...dnsEv,
          status: sm.dns.status,
          ...(sm.dns.error ? { error: sm.dns.error } : {}),
        },
        durationMs: sm.dnsMs,
        hint: dnsHint(endpoint.host, sm.dns, endpoint.vpceSpecific),
      });
    } else {
      const wrongPublic = input.expectPrivateDns && publicAddress !== undefined;
      const outside = dnsEv.outside && dnsEv.outside.length > 0;
      checks.push({
        id: 'R3',
        name: CHECK_NAMES.R3,
        status: wrongPublic ? 'fail' : outside ? 'warn' : 'pass',
        detail: `${endpoint.host} -> ${addressList(dnsEv.addresses)}`,
        evidence: { ...dnsEv },
        durationMs: sm.dnsMs,
        ...(wrongPublic
          ? {
              hint: `${endpoint.host} resolved to public ${publicAddress.address}: turn on private DNS on the interface endpoint and enableDnsSupport/enableDnsHostnames on the VPC`,
            }
          : outside
            ? {
                hint: `${dnsEv.outside?.join(', ')} are outside the expected CIDRs ${input.expectCidrs?.join(', ')}`,
              }
            : {}),
      });
    }
    if (!sm.tcp) {
      checks.push(skip('R4', 'no address to connect to', 'fix DNS first (R3)'));
    } else {
      const tcpEv = sm.tcp.evidence;
      const { dns: _dns, ...tcpEvidence } = tcpEv;
      const status = mapStatus(sm.tcp.status);
      checks.push({
        id: 'R4',
        name: CHECK_NAMES.R4,
        status,
        detail:
          sm.tcp.status === 'ok'
            ? `connected to ${tcpEv.address?.address}:${endpoint.port} in ${tcpEv.connectMs} ms`
            : `${sm.tcp.status} to ${tcpEv.address?.address ?? endpoint.host}:${endpoint.port} after ${sm.tcpMs} ms`,
        evidence: {
          ...tcpEvidence,
          status: sm.tcp.status,
          ...(sm.tcp.error ? { error: sm.tcp.error } : {}),
        },
        durationMs: sm.tcpMs,
        ...(status === 'pass'
          ? {}
          : {
              hint: tcpHint(
                sm.tcp.status,
                endpoint.host,
                endpoint.port,
                tcpEv.address,
                who,
                input.kind,
                'interface endpoint',
                sm.tcp.error?.code,
              ),
            }),
      });
    }
    // R5 matters only when the name resolves to public addresses.
    if (!sm.dns.ok || !sm.tcp) {
      checks.push(skip('R5', 'no address resolved'));
    } else if (!publicAddress) {
      checks.push(
        skip(
          'R5',
          dnsEv.addresses.every((a) => a.scope === 'loopback')
            ? 'loopback endpoint: no route out needed'
            : 'private addresses (interface endpoint): no NAT needed',
        ),
      );
    } else {
      const status = mapStatus(sm.tcp.status);
      checks.push({
        id: 'R5',
        name: CHECK_NAMES.R5,
        status,
        detail:
          status === 'pass'
            ? `public ${publicAddress.address} reachable: a route out exists`
            : `public ${publicAddress.address}: ${sm.tcp.status}`,
        evidence: {
          publicAddresses: dnsEv.addresses.filter((a) => !a.private).map((a) => a.address),
          tcpStatus: sm.tcp.status,
        },
        durationMs: sm.tcpMs,
        ...(status === 'fail'
          ? {
              hint:
                sm.tcp.status === 'timeout' || sm.tcp.status === 'unreachable'
                  ? `${endpoint.host} resolved to public ${publicAddress.address}; no route out: create an interface endpoint with private DNS or a NAT route${input.kind === 'app' ? ' (on EC2, a public IP with an internet gateway route also works)' : ''}`
                  : tcpHint(
                      sm.tcp.status,
                      endpoint.host,
                      endpoint.port,
                      publicAddress,
                      who,
                      input.kind,
                      'interface endpoint',
                      sm.tcp.error?.code,
                    ),
            }
          : {}),
      });
    }
  }

  // R6: TLS handshake and one API call.
  if (!want('R6')) {
    checks.push(skip('R6', notWanted));
  } else {
    const calls = [api.describe, api.read, api.list].filter(
      (c): c is CallOutcome => c !== undefined,
    );
    const evidence: Record<string, unknown> = {};
    let status: CheckStatus = 'pass';
    const details: string[] = [];
    let hint: string | undefined;
    const tls = sm?.tls;
    const tlsFailed = tls !== undefined && tls.status !== 'ok';
    if (endpoint.protocol === 'http:') {
      evidence.tls = 'not used (http endpoint)';
    } else if (tls) {
      const { dns: _d, attempts: _a, ...tlsEvidence } = tls.evidence;
      evidence.tls = { ...tlsEvidence, status: tls.status };
      details.push(
        tls.status === 'ok' ? `TLS ${tls.evidence.protocol ?? ''} ok`.trim() : `TLS ${tls.status}`,
      );
      if (tls.status !== 'ok') {
        status = mapStatus(tls.status) === 'skip' ? 'skip' : 'fail';
        hint =
          tls.status === 'tls-failure'
            ? `TLS to ${endpoint.host} failed (${tls.evidence.authorizationError ?? tls.error?.code ?? 'handshake error'}): a proxy or TLS inspection in the path, or a host name the certificate does not cover`
            : `the TLS handshake with ${endpoint.host} ended with ${tls.status}: the connection was accepted but the handshake did not complete (a middlebox, or an overloaded endpoint)`;
      }
    }
    if (calls.length > 0) {
      evidence.api = apiEvidence(calls);
      const pending = pendingVersion(api.describe);
      if (pending) evidence.pendingVersionId = pending;
      for (const call of calls) {
        details.push(
          `${call.evidence.operation} ${call.status}${call.evidence.errorName ? ` (${call.evidence.errorName})` : ''}`,
        );
        if (call.status === 'ok') continue;
        let callStatus: CheckStatus;
        let callHint: string;
        switch (call.status) {
          case 'access-denied':
            callStatus = 'warn';
            callHint = `the network path works, but ${call.evidence.errorName ?? 'access was denied'}: check the IAM policy of ${who}'s role, the endpoint policy, the secret's resource policy (aws:SourceVpce/aws:SourceVpc) and access to the KMS key`;
            break;
          case 'throttled':
            callStatus = 'warn';
            callHint =
              'the network path works; Secrets Manager throttled the call (retry with backoff)';
            break;
          case 'server-error':
            callStatus = 'warn';
            callHint =
              'the network path works; Secrets Manager answered with a server error (retry)';
            break;
          case 'api-error':
            callStatus = 'fail';
            callHint =
              call.evidence.errorName === 'ResourceNotFoundException'
                ? `the network path works, but secret ${input.secretId} does not exist in ${input.region} (check the id and region)`
                : `the network path works; ${call.evidence.operation} was rejected (${call.evidence.errorName})`;
            break;
          case 'aborted':
            callStatus = 'skip';
            callHint = 'aborted before this check finished';
            break;
          case 'error':
            if (call.error?.name === 'CredentialsProviderError') {
              callStatus = 'skip';
              callHint = 'no AWS credentials here: the API call was not made';
              break;
            }
            callStatus = 'fail';
            callHint = `${call.evidence.operation} failed: ${call.error?.name ?? 'error'}: ${call.error?.message ?? ''}`;
            break;
          default:
            callStatus = 'fail';
            callHint = `${call.evidence.operation} ended with ${call.status}${call.error?.code ? ` (${call.error.code})` : ''}${sm?.tcp && sm.tcp.status !== 'ok' ? ': see R4' : ''}`;
        }
        // A failed handshake explains a failed call: keep the TLS hint.
        if (tlsFailed) continue;
        if (
          callStatus === 'fail' ||
          (callStatus === 'warn' && status === 'pass') ||
          (callStatus === 'skip' && status === 'pass')
        ) {
          status = callStatus;
          hint = callHint;
        }
      }
    } else if (!input.client) {
      details.push('no client: API call not made');
    }
    if (evidence.pendingVersionId && status === 'pass') {
      details.push(`AWSPENDING on ${String(evidence.pendingVersionId)}`);
    }
    checks.push({
      id: 'R6',
      name: CHECK_NAMES.R6,
      status: calls.length === 0 && !tls && endpoint.protocol === 'http:' ? 'skip' : status,
      detail: details.join('; ') || 'nothing to check',
      evidence,
      durationMs: roundMs(Math.max(sm?.durationMs ?? 0, api.durationMs)),
      ...(hint ? { hint } : {}),
    });
  }

  // R7: the database.
  if (!db) {
    checks.push(skip('R7', notWanted));
  } else if (!('mysql' in db) || !db.mysql) {
    checks.push(
      skip(
        'R7',
        `database not checked: ${db.problem}`,
        `could not get the database host: ${db.problem}`,
      ),
    );
  } else {
    const { mysql, secret } = db;
    const ev: MysqlEvidence = mysql.evidence;
    const status = mysql.status;
    let checkStatus = mapStatus(status);
    let hint: string | undefined;
    const { host, port } = secret.target;
    if (status === 'throttled') checkStatus = 'warn';
    if (status !== 'ok') {
      switch (status) {
        case 'blocked':
          hint = `the server blocked this host after too many aborted connections (1129): run FLUSH HOSTS (mariadb-admin/mysqladmin flush-hosts) and raise max_connect_errors`;
          break;
        case 'access-denied':
          hint = ev.login
            ? `the network path works; login as ${ev.login.user} failed (${ev.login.errorCode ?? 'access denied'}): the credentials in the secret do not match the database (credential drift, or a rotation step that did not finish)`
            : `the server does not accept connections from this host (${ev.errorCode ?? ''}): check the user's host part`;
          break;
        case 'throttled':
          hint =
            'the server has too many connections (1040): the path works; retry or raise max_connections';
          break;
        case 'rate-limited':
          hint = `skipped: MySQL probes to ${host}:${port} are rate-limited (retry in ${ev.retryAfterMs} ms)`;
          break;
        case 'protocol-error':
          hint = `${host}:${port} does not speak MySQL: wrong port in the secret?`;
          break;
        case 'dns-failure':
          hint = `${host} did not resolve: check the host in the secret, enableDnsSupport and the DHCP options`;
          break;
        default:
          hint = tcpHint(
            status,
            host,
            port,
            ev.address,
            who,
            input.kind,
            "database's",
            mysql.error?.code,
          );
          if (ev.phase === 'greeting' && status === 'timeout') {
            hint = `TCP ${port} connected but no MySQL greeting arrived in time: the server is overloaded or this is not a MySQL port`;
          }
      }
    }
    const { dns: dbDns, host: _h, port: _p, ...rest } = ev;
    checks.push({
      id: 'R7',
      name: CHECK_NAMES.R7,
      status: checkStatus,
      detail:
        status === 'ok'
          ? `${host}:${port} -> ${ev.address?.address} (${ev.address?.scope}), ${ev.serverVersion}${ev.login ? `, login as ${ev.login.user} ok` : ''}`
          : `${host}:${port}: ${status}${ev.phase ? ` (${ev.phase})` : ''}${ev.errorCode ? ` ERR ${ev.errorCode}` : ''}`,
      evidence: {
        host,
        port,
        ...(secret.target.engine ? { engine: secret.target.engine } : {}),
        ...(db.dns ? { dns: db.dns.evidence } : dbDns ? { dns: dbDns } : {}),
        ...rest,
        status,
        ...(mysql.error ? { error: mysql.error } : {}),
      },
      durationMs: db.durationMs,
      ...(hint ? { hint } : {}),
    });
  }

  // R8: the RDS API, for functions that call it.
  if (!rds || !input.rdsEndpoint) {
    checks.push(skip('R8', input.rdsEndpoint ? notWanted : 'not requested (checkRdsApi)'));
  } else {
    const host = input.rdsEndpoint.host;
    const step = !rds.dns.ok
      ? rds.dns.status
      : rds.tcp?.status !== 'ok'
        ? (rds.tcp?.status ?? 'error')
        : (rds.tls?.status ?? 'ok');
    const status = mapStatus(step);
    checks.push({
      id: 'R8',
      name: CHECK_NAMES.R8,
      status,
      detail: `${host}: ${step === 'ok' ? `reachable (${addressList(rds.dns.evidence.addresses)})` : step}`,
      evidence: {
        dns: rds.dns.evidence,
        ...(rds.tcp
          ? {
              tcp: {
                status: rds.tcp.status,
                address: rds.tcp.evidence.address,
                connectMs: rds.tcp.evidence.connectMs,
              },
            }
          : {}),
        ...(rds.tls
          ? { tls: { status: rds.tls.status, authorized: rds.tls.evidence.authorized } }
          : {}),
      },
      durationMs: rds.durationMs,
      ...(status === 'fail'
        ? {
            hint: !rds.dns.ok
              ? dnsHint(host, rds.dns, input.rdsEndpoint.vpceSpecific)
              : tcpHint(
                  step,
                  host,
                  input.rdsEndpoint.port,
                  rds.tcp?.evidence.address,
                  who,
                  input.kind,
                  'RDS interface endpoint',
                ),
          }
        : {}),
    });
  }

  checks.sort((a, b) => a.id.localeCompare(b.id));
  const aborted = deadline.aborted;
  const report: PathReport = {
    kind: input.kind,
    ok: !aborted && checks.every((c) => c.status !== 'fail'),
    aborted,
    startedAt,
    durationMs: roundMs(performance.now() - t0),
    budgetMs: input.budgetMs,
    target: {
      ...(input.secretId ? { secretId: input.secretId } : {}),
      region: input.region,
      secretsManager: {
        url: endpoint.url,
        host: endpoint.host,
        port: endpoint.port,
        source: endpoint.source,
      },
      ...(db && 'secret' in db && db.secret
        ? {
            database: {
              host: db.secret.target.host,
              port: db.secret.target.port,
              ...(db.secret.target.engine ? { engine: db.secret.target.engine } : {}),
            },
          }
        : {}),
    },
    checks,
    summary: '',
  };
  report.summary = summarize(report);
  return report;
}

/** One line: the most telling failure (R5's "no route out" before R4's timeout), else warnings, else success. */
export function summarize(report: Pick<PathReport, 'checks' | 'durationMs' | 'aborted'>): string {
  const byId = (id: CheckId) => report.checks.find((c) => c.id === id);
  const failed = report.checks.filter((c) => c.status === 'fail');
  const r5 = byId('R5');
  const lead = r5?.status === 'fail' ? r5 : failed[0];
  if (lead) {
    const more =
      failed.length > 1
        ? ` (+${failed.length - 1} more failing: ${failed
            .filter((c) => c !== lead)
            .map((c) => c.id)
            .join(', ')})`
        : '';
    return `${lead.id} ${lead.name}: ${lead.hint ?? lead.detail}${more}`;
  }
  if (report.aborted) return 'aborted before the checks finished';
  const warned = report.checks.find((c) => c.status === 'warn');
  if (warned) return `${warned.id} ${warned.name} (warning): ${warned.hint ?? warned.detail}`;
  const passed = report.checks.filter((c) => c.status === 'pass').length;
  return `all ${passed} checks passed in ${Math.round(report.durationMs)} ms`;
}
