import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { definedOnly } from '@rotakit/core';
import {
  type EndpointAwareClientConfig,
  type EnvLike,
  type ResolvedEndpoint,
  resolveClientEndpoint,
  resolveServiceEndpoint,
} from '../endpoint.js';
import { InvalidOptionError } from '../errors.js';
import { checkSignal, checkTimeout } from './options.js';
import { type CheckId, type PathCheckInput, type PathReport, runPathChecks } from './path.js';
import type { ProbeRateLimiter } from './rate-limiter.js';
import { defaultMysqlRateLimiter } from './rate-limiter.js';
import { type ParsedSecret, parseSecret, type SecretInput } from './secret.js';
import type { SecretsManagerLike } from './secrets-manager.js';
import type { ProbeTlsOptions } from './tls.js';

export const DEFAULT_PATH_BUDGET_MS = 10_000;

interface CheckPathCommon {
  /** One budget for all checks, which run concurrently. @default 10000 */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Variables used to work out the endpoint (SECRETS_MANAGER_ENDPOINT, AWS_ENDPOINT_URL*, AWS_USE_FIPS_ENDPOINT). @default process.env */
  env?: EnvLike;
  /** @default the client's region, then AWS_REGION, AWS_DEFAULT_REGION, then the secret ARN's */
  region?: string;
  /** Fail R3 when Secrets Manager resolves to a public address (an endpoint with private DNS is expected). @default false */
  expectPrivateDns?: boolean;
  /** The VPC CIDRs; resolved addresses outside them are flagged. */
  expectCidrs?: string[];
  /** Also log in to the database with the secret's username and password (needs mysql2 or pg). @default false */
  login?: boolean;
  /** Also check the path to rds.<region> (R8), for functions that call the RDS API. @default false */
  checkRdsApi?: boolean;
  /** Limits MySQL greeting probes per host:port (PostgreSQL probes need no limit). @default defaultMysqlRateLimiter */
  rateLimiter?: ProbeRateLimiter | false;
  /**
   * Extra trusted CA certificates for the TLS checks (a TLS-inspecting proxy's CA, say). The
   * PostgreSQL probe trusts them beside Node's CAs and the Amazon RDS CAs.
   */
  ca?: ProbeTlsOptions['ca'];
}

type SecretSource =
  /** Read with GetSecretValue (and DescribeSecret for the rotation path). */
  | { secretId: string; secret?: SecretInput | string }
  /** Already in hand: `{ host, port, engine, username, password }` or its JSON. */
  | { secret: SecretInput | string; secretId?: string };

type ClientSource =
  | {
      /** A SecretsManagerClient; its endpoint, region and FIPS settings are what R2 reports. */
      client?: SecretsManagerLike;
      clientConfig?: never;
    }
  | {
      /** Config for a client created (maxAttempts 1 unless set) and destroyed by this call. */
      clientConfig: SecretsManagerClientConfig;
      client?: never;
    };

export type CheckPathOptions = CheckPathCommon & SecretSource & ClientSource;

interface Prepared {
  input: PathCheckInput;
  owned?: { destroy(): void };
}

function arnRegion(id: string | undefined): string | undefined {
  return id?.startsWith('arn:') ? id.split(':')[3] || undefined : undefined;
}

async function providerValue(value: unknown): Promise<unknown> {
  return typeof value === 'function' ? await (value as () => unknown)() : value;
}

type PrepareExtra = {
  only?: ReadonlySet<CheckId>;
  onlyReason?: string;
  endpointUrl?: string;
  budgetMs?: number;
  /** Diagnosis: a secret is optional and no client is created. */
  diagnosis?: boolean;
};

function checkClientOptions(options: CheckPathOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw InvalidOptionError.of('options', 'expected an object with secretId or secret');
  }
  if (options.client && options.clientConfig) {
    throw InvalidOptionError.of('client', 'give client or clientConfig, not both');
  }
  if (options.client && typeof options.client.send !== 'function') {
    throw InvalidOptionError.of(
      'client',
      'expected a SecretsManagerClient (an object with send())',
    );
  }
}

/** The secret in hand, or why it cannot be used (fatal only when there is no id to read it by). */
function givenSecret(
  options: CheckPathOptions,
  extra: PrepareExtra,
): { secretId?: string; secret?: ParsedSecret; secretProblem?: string } {
  const secretId = options.secretId;
  if (secretId !== undefined && (typeof secretId !== 'string' || secretId === '')) {
    throw InvalidOptionError.of('secretId', 'expected a secret name or ARN');
  }
  if (options.secret === undefined) {
    if (secretId === undefined && !extra.diagnosis) {
      throw InvalidOptionError.of('secretId', 'give secretId or secret');
    }
    return { secretId };
  }
  const parsed = parseSecret(options.secret);
  if (parsed.ok) return { secretId, secret: parsed.secret };
  if (secretId === undefined) throw InvalidOptionError.of('secret', parsed.problem);
  return { secretId, secretProblem: parsed.problem };
}

async function resolveRegion(
  options: CheckPathOptions,
  env: EnvLike,
  secretId: string | undefined,
): Promise<string> {
  const clientRegion = options.client?.config
    ? await providerValue((options.client.config as { region?: unknown }).region)
    : await providerValue(options.clientConfig?.region);
  const region =
    options.region ??
    (typeof clientRegion === 'string' ? clientRegion : undefined) ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION ??
    arnRegion(secretId);
  if (!region) {
    throw InvalidOptionError.of(
      'region',
      'not given, not on the client, not in AWS_REGION/AWS_DEFAULT_REGION or the secret ARN',
    );
  }
  return region;
}

/** The URL the failing client used, else what the client or its config says, else the environment's. */
async function resolveEndpoint(
  options: CheckPathOptions,
  extra: PrepareExtra,
  region: string,
  env: EnvLike,
): Promise<ResolvedEndpoint> {
  if (extra.endpointUrl) {
    return resolveServiceEndpoint({ region, env, clientEndpoint: extra.endpointUrl });
  }
  if (options.client?.config && typeof options.client.config === 'object') {
    const config = options.client.config as EndpointAwareClientConfig;
    return resolveClientEndpoint(config, { env, region });
  }
  const { clientConfig } = options;
  return resolveServiceEndpoint({
    region,
    env,
    clientEndpoint: typeof clientConfig?.endpoint === 'string' ? clientConfig.endpoint : undefined,
    useFips:
      typeof clientConfig?.useFipsEndpoint === 'boolean' ? clientConfig.useFipsEndpoint : undefined,
  });
}

/** The only client this package creates: for callers who gave config instead of a client. */
async function createClient(
  clientConfig: SecretsManagerClientConfig | undefined,
  region: string,
  endpoint: ResolvedEndpoint,
) {
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  // Only a resolved non-default endpoint is set: one given as a provider stays the config's.
  const resolvedEndpoint = endpoint.source === 'default' ? undefined : endpoint.url;
  return new SecretsManagerClient({
    maxAttempts: 1,
    ...clientConfig,
    region,
    ...definedOnly({ endpoint: resolvedEndpoint }),
  });
}

/** Defaults, validation and the endpoint, resolved in one place. */
export async function preparePath(
  kind: PathCheckInput['kind'],
  options: CheckPathOptions,
  extra: PrepareExtra = {},
): Promise<Prepared> {
  checkClientOptions(options);
  const { secretId, secret, secretProblem } = givenSecret(options, extra);
  const budgetMs =
    extra.budgetMs ?? checkTimeout(options.timeoutMs, 'timeoutMs', DEFAULT_PATH_BUDGET_MS);
  const signal = checkSignal(options.signal);
  const env = options.env ?? process.env;
  const region = await resolveRegion(options, env, secretId);
  const endpoint = await resolveEndpoint(options, extra, region, env);
  let client = options.client;
  let owned: Prepared['owned'];
  if (!client && secretId !== undefined && !extra.diagnosis) {
    const created = await createClient(options.clientConfig, region, endpoint);
    client = created as unknown as SecretsManagerLike;
    owned = created;
  }
  const login = options.login ?? false;
  if (typeof login !== 'boolean') throw InvalidOptionError.of('login', 'expected a boolean');
  const input: PathCheckInput = {
    kind,
    budgetMs,
    region,
    endpoint,
    describe: kind === 'rotation',
    read: true,
    login,
    expectPrivateDns: options.expectPrivateDns ?? false,
    limiter: options.rateLimiter ?? defaultMysqlRateLimiter,
    signal,
    client,
    secretId,
    secret,
    secretProblem,
    expectCidrs: options.expectCidrs,
    rdsEndpoint: options.checkRdsApi
      ? resolveServiceEndpoint({ region, env, service: 'rds' })
      : undefined,
    ca: options.ca || undefined,
    only: extra.only,
    onlyReason: extra.onlyReason || undefined,
  };
  return { input: Object.freeze(input), owned };
}

async function run(kind: 'rotation' | 'app', options: CheckPathOptions): Promise<PathReport> {
  const prepared = await preparePath(kind, options);
  try {
    return await runPathChecks(prepared.input);
  } finally {
    prepared.owned?.destroy();
  }
}

/**
 * Checks, from where it runs (a rotation Lambda, a container, a laptop), every network step a
 * rotation needs: which Secrets Manager host the client uses (R2), DNS (R3), TCP 443 (R4), a
 * route out when the name is public (R5), TLS plus DescribeSecret/GetSecretValue (R6), and
 * the database from the secret: DNS, TCP, the MySQL greeting or PostgreSQL's TLS and startup
 * answer, optional login (R7); R8 on request.
 * Checks run concurrently within `timeoutMs`; the report is plain JSON and never holds the
 * secret's value.
 * @example
 * const report = await checkRotationPath({ secretId: 'prod/app/mysql', client, timeoutMs: 8000 });
 * console.log(formatReport(report));
 */
export function checkRotationPath(options: CheckPathOptions): Promise<PathReport> {
  return run('rotation', options);
}

/**
 * The same checks from an application's point of view: reads the secret with GetSecretValue
 * (no DescribeSecret), then checks the database it names. Private DNS answers only inside the
 * VPC, and on EC2 a public IP with an internet gateway route is also a way out.
 * @example
 * const report = await checkAppPath({ secretId: 'prod/app/mysql', login: true });
 * if (!report.ok) console.error(report.summary);
 */
export function checkAppPath(options: CheckPathOptions): Promise<PathReport> {
  return run('app', options);
}
