import { definedOnly } from '@rotakit/core';
import { POSTGRES_DEFAULT_DATABASE } from '@rotakit/engine-postgres';
import { type Deadline, roundMs } from '../../util/deadline.js';
import { resolveHost } from '../dns.js';
import { type MysqlEvidence, runMysql } from '../mysql.js';
import { type PostgresEvidence, PROBE_USER, runPostgres, trustStoreWith } from '../postgres.js';
import { type ParsedSecret, parseSecret } from '../secret.js';
import { type CallOutcome, callSecretsManager } from '../secrets-manager.js';
import { connectTcp } from '../tcp.js';
import { handshake, type ProbeTlsOptions, type TlsEvidence } from '../tls.js';
import type { DnsEvidence, ProbeError, ProbeResult, ProbeStatus, TcpEvidence } from '../types.js';
import { isWanted } from './context.js';
import type { PathCheckInput } from './types.js';

interface StepOutcome<E> {
  status: ProbeStatus;
  evidence: E;
  error?: ProbeError;
}

/** DNS, then TCP, then TLS for an https endpoint: each step only when the one before worked. */
export interface ServiceChain {
  dns: ProbeResult<DnsEvidence>;
  tcp?: StepOutcome<TcpEvidence>;
  tls?: StepOutcome<TlsEvidence>;
  durationMs: number;
  dnsMs: number;
  tcpMs: number;
}

/** The Secrets Manager calls made, each only when a wanted check needs it. */
export interface ApiCalls {
  describe?: CallOutcome;
  read?: CallOutcome;
  list?: CallOutcome;
  durationMs: number;
}

/** The greeting probe of the secret's engine, and what it saw. */
export type EngineProbe =
  | { engine: 'mysql'; result: ProbeResult<MysqlEvidence> }
  | { engine: 'postgres'; result: ProbeResult<PostgresEvidence> };

export type DatabaseProbe =
  /** No usable secret, or an engine rotakit does not speak: nothing was sent to the database. */
  | { kind: 'unchecked'; problem: string; secret?: ParsedSecret; durationMs: number }
  | ({
      kind: 'probed';
      secret: ParsedSecret;
      dns: ProbeResult<DnsEvidence>;
      durationMs: number;
    } & EngineProbe);

/** What the probes saw; a path that no wanted check needs is not probed (undefined). */
export interface PathProbes {
  secretsManager?: ServiceChain;
  api: ApiCalls;
  database?: DatabaseProbe;
  rdsApi?: ServiceChain;
}

type Endpoint = { host: string; port: number; protocol: string };

async function probeServiceChain(
  endpoint: Endpoint,
  deadline: Deadline,
  ca: ProbeTlsOptions['ca'],
  expectCidrs?: readonly string[],
): Promise<ServiceChain> {
  const started = deadline.elapsed();
  const dns = await resolveHost(endpoint.host, deadline, 'system', expectCidrs);
  const dnsMs = roundMs(deadline.elapsed() - started);
  if (!dns.ok) return { dns, durationMs: dnsMs, dnsMs, tcpMs: 0 };
  const tcpStarted = deadline.elapsed();
  const tcp = await connectTcp(endpoint.host, endpoint.port, deadline, dns);
  const tcpMs = roundMs(deadline.elapsed() - tcpStarted);
  const chain: ServiceChain = {
    dns,
    tcp: { status: tcp.status, evidence: tcp.evidence, error: tcp.error },
    durationMs: 0,
    dnsMs,
    tcpMs,
  };
  if (tcp.connected && endpoint.protocol === 'https:') {
    const evidence: TlsEvidence = { ...tcp.evidence, servername: endpoint.host };
    const outcome = await handshake(tcp.connected, endpoint.host, ca, deadline, evidence);
    outcome.socket?.destroy();
    chain.tls = { status: outcome.status, evidence, error: outcome.error };
  }
  tcp.connected?.socket.destroy();
  chain.durationMs = roundMs(deadline.elapsed() - started);
  return chain;
}

async function callApi(input: PathCheckInput, deadline: Deadline): Promise<ApiCalls> {
  const started = deadline.elapsed();
  const { client, secretId } = input;
  const wanted = (id: 'R6' | 'R7') => isWanted(input, id);
  if (!client || !(wanted('R6') || wanted('R7'))) return { durationMs: 0 };
  const call = (operation: Parameters<typeof callSecretsManager>[1], id?: string) =>
    callSecretsManager(client, operation, id, deadline);
  // GetSecretValue only to find the database; ListSecrets only when there is no secret id.
  const needRead = input.read && !input.secret && wanted('R7') && secretId !== undefined;
  const [describe, read, list] = await Promise.all([
    input.describe && secretId && wanted('R6') ? call('DescribeSecret', secretId) : undefined,
    needRead ? call('GetSecretValue', secretId) : undefined,
    !secretId && wanted('R6') ? call('ListSecrets') : undefined,
  ]);
  return { describe, read, list, durationMs: roundMs(deadline.elapsed() - started) };
}

type SecretOrProblem = { secret: ParsedSecret } | { problem: string };

function secretFromRead(read: CallOutcome | undefined, hasClient: boolean): SecretOrProblem {
  if (!read) {
    return {
      problem: hasClient ? 'the secret was not read' : 'no secret and no client to read it',
    };
  }
  if (read.status !== 'ok') {
    const name = read.evidence.errorName ? ` (${read.evidence.errorName})` : '';
    return { problem: `GetSecretValue ended with ${read.status}${name}` };
  }
  const raw = read.output?.SecretString;
  if (typeof raw !== 'string') return { problem: 'the secret has no SecretString' };
  const parsed = parseSecret(raw);
  return parsed.ok ? { secret: parsed.secret } : { problem: parsed.problem };
}

/** The secret given, else the one read with GetSecretValue; a problem never quotes it. */
async function databaseSecret(
  input: PathCheckInput,
  api: Promise<ApiCalls>,
): Promise<SecretOrProblem> {
  if (input.secret) return { secret: input.secret };
  if (input.secretProblem) return { problem: input.secretProblem };
  return secretFromRead((await api).read, input.client !== undefined);
}

/** The secret's credentials for the login check, when it was asked for. */
function credentialsFor(input: PathCheckInput, secret: ParsedSecret) {
  if (!input.login || !secret.credentials) return undefined;
  const { user, password } = secret.credentials;
  return { user, password, database: secret.target.dbname || undefined };
}

function probeMysqlTarget(
  input: PathCheckInput,
  secret: ParsedSecret,
  dns: ProbeResult<DnsEvidence>,
  deadline: Deadline,
) {
  const { host, port } = secret.target;
  const login = credentialsFor(input, secret);
  return runMysql(host, port, deadline, { limiter: input.limiter, resolved: dns, login });
}

/**
 * PostgreSQL keeps no count of aborted handshakes: no rate limit. TLS as rotation reads the
 * secret's `ssl`: true requires it, false never asks, none prefers it with a plain fallback.
 */
function probePostgresTarget(
  input: PathCheckInput,
  secret: ParsedSecret,
  dns: ProbeResult<DnsEvidence>,
  deadline: Deadline,
) {
  const { host, port, username, dbname, ssl } = secret.target;
  const login = credentialsFor(input, secret);
  return runPostgres(host, port, deadline, {
    tls: ssl === true ? 'require' : ssl === false ? 'disable' : 'prefer',
    trust: trustStoreWith(input.ca),
    user: username || PROBE_USER,
    database: dbname || POSTGRES_DEFAULT_DATABASE,
    resolved: dns,
    ...definedOnly({ login }),
  });
}

async function probeDatabase(
  input: PathCheckInput,
  deadline: Deadline,
  api: Promise<ApiCalls>,
): Promise<DatabaseProbe> {
  const started = deadline.elapsed();
  const found = await databaseSecret(input, api);
  if (!('secret' in found)) {
    return { kind: 'unchecked', ...found, durationMs: roundMs(deadline.elapsed() - started) };
  }
  const { secret } = found;
  const { protocol } = secret.target;
  if (!protocol) {
    const problem = `engine ${secret.target.engine} is neither MySQL nor PostgreSQL`;
    return { kind: 'unchecked', secret, problem, durationMs: 0 };
  }
  const dns = await resolveHost(secret.target.host, deadline, 'system', input.expectCidrs);
  const common = { kind: 'probed', secret, dns } as const;
  const probed: DatabaseProbe =
    protocol === 'postgres'
      ? {
          ...common,
          engine: protocol,
          result: await probePostgresTarget(input, secret, dns, deadline),
          durationMs: 0,
        }
      : {
          ...common,
          engine: protocol,
          result: await probeMysqlTarget(input, secret, dns, deadline),
          durationMs: 0,
        };
  probed.durationMs = roundMs(deadline.elapsed() - started);
  return probed;
}

/** Runs every probe a wanted check needs, concurrently, within `deadline`. */
export async function probePath(input: PathCheckInput, deadline: Deadline): Promise<PathProbes> {
  const { endpoint, rdsEndpoint, ca, expectCidrs } = input;
  const secretsManagerWanted = (['R3', 'R4', 'R5', 'R6'] as const).some((id) =>
    isWanted(input, id),
  );
  const secretsManager = secretsManagerWanted
    ? probeServiceChain(endpoint, deadline, ca, expectCidrs)
    : undefined;
  const api = callApi(input, deadline);
  const database = isWanted(input, 'R7') ? probeDatabase(input, deadline, api) : undefined;
  const rdsApi =
    rdsEndpoint && isWanted(input, 'R8')
      ? probeServiceChain(rdsEndpoint, deadline, ca, expectCidrs)
      : undefined;
  const [sm, calls, db, rds] = await Promise.all([secretsManager, api, database, rdsApi]);
  return { secretsManager: sm, api: calls, database: db, rdsApi: rds };
}
