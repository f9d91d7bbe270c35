import { existsSync, readFileSync } from 'node:fs';
import {
  type DescribeSecretResponse,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { definedOnly } from '@rotakit/core';
import type { DatabaseDriver } from './database/driver.js';
import { InvalidOptionError, type RotationStep } from './errors.js';
import { jsonLogger, type Logger, type LogLevel } from './logger.js';
import { type MetricSink, type MetricsOption, toMetricSink } from './metrics.js';
import type { DatabaseSecret } from './secret.js';

export type RotationStrategy = 'single-user' | 'alternating-users';

/** The GetRandomPassword parameters used for new passwords. */
export interface PasswordPolicy {
  /** @default 32 (env PASSWORD_LENGTH) */
  length?: number;
  /** @default '/@"\'\\' (env EXCLUDE_CHARACTERS) */
  excludeCharacters?: string;
  /** @default false (env EXCLUDE_NUMBERS) */
  excludeNumbers?: boolean;
  /** @default false (env EXCLUDE_PUNCTUATION) */
  excludePunctuation?: boolean;
  /** @default false (env EXCLUDE_UPPERCASE) */
  excludeUppercase?: boolean;
  /** @default false (env EXCLUDE_LOWERCASE) */
  excludeLowercase?: boolean;
  /** @default false */
  includeSpace?: boolean;
  /** @default true (env REQUIRE_EACH_INCLUDED_TYPE) */
  requireEachIncludedType?: boolean;
}

/** TLS to the database. */
export interface TlsOptions {
  /**
   * Never connect without TLS: a secret without an `ssl` key gets TLS only (no plaintext
   * fallback) and `"ssl": false` is refused.
   * @default false (env ROTAKIT_STRICT_TLS)
   */
  strict?: boolean;
  /**
   * CA bundle as PEM text or the path of a PEM file, for a database whose CA is neither a
   * public one nor Amazon RDS's. It replaces the default trust: only these CAs are trusted
   * (Node's and the RDS CAs are not added). Server certificates and host names are always
   * verified.
   * @default Node's CAs (plus NODE_EXTRA_CA_CERTS) and the Amazon RDS CAs (env ROTAKIT_CA_BUNDLE)
   */
  ca?: string | Uint8Array;
}

export interface TimeoutOptions {
  /** Database connect timeout, shortened to fit the remaining time. @default 5000 */
  connectTimeoutMs?: number;
  /** Upper bound for each SQL statement. @default 15000 */
  queryTimeoutMs?: number;
  /** Upper bound for each Secrets Manager request. @default 10000 */
  requestTimeoutMs?: number;
  /** Time kept back before Lambda's deadline to report the failure and run the diagnosis. @default 4000 */
  reserveMs?: number;
  /** The time budget of a step run without a Lambda context. @default 300000 */
  defaultBudgetMs?: number;
}

/** Retries of transient faults (throttling, 5xx, dropped connections) inside a step. */
export interface RetryOptions {
  /** Retries after the first attempt. @default 3 */
  retries?: number;
  /** @default 200 */
  minDelayMs?: number;
  /** @default 2000 */
  maxDelayMs?: number;
}

/** testSecret's retry for servers where a new password takes a moment to be accepted. */
export interface TestSecretOptions {
  /** Login attempts with the pending credentials. @default 3 */
  attempts?: number;
  /** Delay between attempts. @default 1000 */
  delayMs?: number;
}

/** A point before or after a Secrets Manager call or a SQL statement. */
export interface RotationBoundary {
  /** Unique within a step run, e.g. `setSecret:before:sql:ALTER USER#1`. */
  name: string;
  step: RotationStep;
  phase: 'before' | 'after';
  kind: 'secrets-manager' | 'sql';
  /** The API operation (`PutSecretValue`) or statement kind (`GRANT`, `CONNECT`). */
  operation: string;
  /** 1 for the first occurrence of this operation and phase in the step, then 2, ... */
  occurrence: number;
  /** `performance.now()` when the boundary was reached. */
  at: number;
}

/**
 * Instrumentation hooks, for fault-injection tests and timing. A hook that throws stops the
 * step right there, as a crash would.
 */
export interface RotationHooks {
  onBoundary?(boundary: RotationBoundary): void | Promise<void>;
}

/** Where the master logs in when its secret has no host (an RDS-managed master secret). */
export type MasterEndpointResolver = (
  master: DatabaseSecret,
  context: {
    masterArn: string;
    signal: AbortSignal;
    /** DescribeSecret of the master secret (its tags name the RDS instance or cluster). */
    describeMaster(): Promise<DescribeSecretResponse>;
  },
) => Promise<{ host: string; port?: number | undefined } | undefined>;

/** Network checks (netcheck's checkRotationPath) run before createSecret. */
export interface PreflightOptions {
  /** Time for all checks, within the step's budget. @default 8000 */
  timeoutMs?: number;
  /** Fail createSecret when a check fails (else only log the report). @default true */
  failOnError?: boolean;
}

interface BaseRotationOptions {
  /** `single-user` changes the user's own password; `alternating-users` flips between `user` and `user_clone` as the master. */
  strategy: RotationStrategy;
  /** The engine driver, e.g. `mysql()`. */
  database: DatabaseDriver;
  password?: PasswordPolicy;
  /** @default a JSON-lines logger on stdout (level from POWERTOOLS_LOG_LEVEL / AWS_LAMBDA_LOG_LEVEL / LOG_LEVEL, else INFO) */
  logger?: Logger;
  /**
   * Per-step duration and outcome (`RotationStepDuration`, `RotationStepFailed`): a Powertools
   * `Metrics` instance (written as EMF through it) or a callback `(name, unit, value, dimensions)`.
   * @default none
   */
  metrics?: MetricsOption;
  tls?: TlsOptions;
  /**
   * Longest username allowed for the clone (alternating users). `'server'` asks the database.
   * @default 'server' (env USERNAME_CHARACTER_LIMIT when set)
   */
  usernameCharacterLimit?: number | 'server';
  /** @default '_clone' */
  cloneSuffix?: string;
  /** Revoke from the clone what the current account no longer has. @default true */
  revokeExtraGrants?: boolean;
  testSecret?: TestSecretOptions;
  timeouts?: TimeoutOptions;
  retry?: RetryOptions;
  /** Finds the master's host when its secret has none. @default the user secret's host and port */
  masterEndpoint?: MasterEndpointResolver;
  /**
   * When a step fails on the network (timeout, refused, DNS, TLS) or runs out of time, probe
   * the path that failed (netcheck's diagnoseFailure) within the time left and log the report.
   * @default true
   */
  diagnose?: boolean;
  /** Check the network path (Secrets Manager and database) before createSecret. @default false */
  preflight?: boolean | PreflightOptions;
  /** @internal Fault injection and timing. */
  hooks?: RotationHooks;
  /** Environment read for defaults. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Options of `createRotationHandler`: an injected client or its config, never both. */
export type RotationHandlerOptions = BaseRotationOptions &
  (
    | {
        /** The Secrets Manager client to use (its own retry settings apply). */
        client: SecretsManagerClient;
        clientConfig?: never;
      }
    | {
        client?: never;
        /** Config for the client the handler creates. `endpoint` defaults to env SECRETS_MANAGER_ENDPOINT. */
        clientConfig?: SecretsManagerClientConfig;
      }
  );

/** The settings the Python templates read from the environment, parsed and validated. */
export interface EnvironmentSettings {
  secretsManagerEndpoint: string | undefined;
  password: Required<PasswordPolicy>;
  usernameCharacterLimit: number | undefined;
  tls: { strict: boolean; ca: string | undefined };
  logLevel: LogLevel;
}

const TRUE_WORDS = new Set(['true', '1', 'y', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'n', 'no']);

function envBool(env: EnvLike, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(value)) return true;
  if (FALSE_WORDS.has(value)) return false;
  throw InvalidOptionError.of(name, 'must be true/1/y/yes or false/0/n/no');
}

function envInt(env: EnvLike, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < min || value > max) {
    throw InvalidOptionError.of(name, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

type EnvLike = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = new Set(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']);

/**
 * Reads the environment variables of the AWS rotation templates (`SECRETS_MANAGER_ENDPOINT`,
 * `EXCLUDE_CHARACTERS`, `PASSWORD_LENGTH`, `EXCLUDE_*`, `REQUIRE_EACH_INCLUDED_TYPE`,
 * `USERNAME_CHARACTER_LIMIT`) plus `ROTAKIT_STRICT_TLS`, `ROTAKIT_CA_BUNDLE` and the log
 * level. `createRotationHandler` applies these as defaults; call this to inspect them.
 *
 * @example
 * const { password } = fromEnvironment();
 */
export function fromEnvironment(env: EnvLike = process.env): EnvironmentSettings {
  const level = (env.POWERTOOLS_LOG_LEVEL ?? env.AWS_LAMBDA_LOG_LEVEL ?? env.LOG_LEVEL ?? 'INFO')
    .trim()
    .toUpperCase()
    .replace(/^WARNING$/, 'WARN')
    .replace(/^(TRACE)$/, 'DEBUG')
    .replace(/^(FATAL|CRITICAL)$/, 'ERROR');
  const endpoint = env.SECRETS_MANAGER_ENDPOINT?.trim() || undefined;
  if (endpoint !== undefined && !/^https?:\/\//i.test(endpoint)) {
    throw InvalidOptionError.of('SECRETS_MANAGER_ENDPOINT', 'must be an http(s):// URL');
  }
  return {
    secretsManagerEndpoint: endpoint,
    password: {
      length: envInt(env, 'PASSWORD_LENGTH', 1, 4096) ?? 32,
      excludeCharacters: env.EXCLUDE_CHARACTERS ?? '/@"\'\\',
      excludeNumbers: envBool(env, 'EXCLUDE_NUMBERS', false),
      excludePunctuation: envBool(env, 'EXCLUDE_PUNCTUATION', false),
      excludeUppercase: envBool(env, 'EXCLUDE_UPPERCASE', false),
      excludeLowercase: envBool(env, 'EXCLUDE_LOWERCASE', false),
      includeSpace: false,
      requireEachIncludedType: envBool(env, 'REQUIRE_EACH_INCLUDED_TYPE', true),
    },
    usernameCharacterLimit: envInt(env, 'USERNAME_CHARACTER_LIMIT', 1, 1024),
    tls: {
      strict: envBool(env, 'ROTAKIT_STRICT_TLS', false),
      ca: env.ROTAKIT_CA_BUNDLE?.trim() || undefined,
    },
    logLevel: (LOG_LEVELS.has(level) ? level : 'INFO') as LogLevel,
  };
}

/** Options with every default applied, validated and frozen. @internal */
export interface ResolvedOptions {
  readonly strategy: RotationStrategy;
  readonly database: DatabaseDriver;
  readonly client: SecretsManagerClient;
  /** True when the handler created the client (and may destroy it). */
  readonly ownsClient: boolean;
  readonly password: Readonly<Required<PasswordPolicy>>;
  readonly logger: Logger;
  readonly metrics: MetricSink | undefined;
  readonly tls: Readonly<{ strict: boolean; ca: string | undefined }>;
  readonly usernameCharacterLimit: number | 'server';
  readonly cloneSuffix: string;
  readonly revokeExtraGrants: boolean;
  readonly testSecret: Readonly<Required<TestSecretOptions>>;
  readonly timeouts: Readonly<Required<TimeoutOptions>>;
  readonly retry: Readonly<Required<RetryOptions>>;
  readonly masterEndpoint: MasterEndpointResolver | undefined;
  readonly diagnose: boolean;
  readonly preflight: Readonly<Required<PreflightOptions>> | undefined;
  readonly hooks: RotationHooks;
  readonly env: Readonly<Record<string, string | undefined>>;
}

function positiveInt(option: string, value: number, min = 1, max = Number.MAX_SAFE_INTEGER) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw InvalidOptionError.of(option, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function readCa(option: string, value: string | Uint8Array | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return Buffer.from(value).toString('utf8');
  if (value.includes('-----BEGIN')) return value;
  if (!existsSync(value)) {
    throw InvalidOptionError.of(option, 'is neither PEM text nor the path of an existing file');
  }
  const text = readFileSync(value, 'utf8');
  if (!text.includes('-----BEGIN')) {
    throw InvalidOptionError.of(option, 'names a file that holds no PEM certificate');
  }
  return text;
}

/** Applies defaults (options, then environment, then built-ins), validates, freezes. @internal */
export function resolveOptions(options: RotationHandlerOptions): ResolvedOptions {
  checkRequiredOptions(options);
  const rawEnv = options.env ?? process.env;
  const env = fromEnvironment(rawEnv);
  // Validated in this order, so the first invalid option is the one reported; the client
  // is made last, once everything else is known to be valid.
  const password = resolvePassword(options, env);
  const usernameCharacterLimit = resolveUsernameLimit(options, env);
  const cloneSuffix = resolveCloneSuffix(options);
  const timeouts = resolveTimeouts(options);
  const retry = resolveRetry(options);
  const testSecret = resolveTestSecret(options);
  const preflight = resolvePreflight(options);
  const tls = resolveTls(options, env);
  const metrics = toMetricSink(options.metrics);
  return Object.freeze({
    strategy: options.strategy,
    database: options.database,
    client: resolveClient(options, env),
    ownsClient: options.client === undefined,
    password,
    logger: options.logger ?? jsonLogger({ level: env.logLevel }),
    metrics,
    tls,
    usernameCharacterLimit,
    cloneSuffix,
    revokeExtraGrants: options.revokeExtraGrants ?? true,
    testSecret,
    timeouts,
    retry,
    masterEndpoint: options.masterEndpoint,
    diagnose: options.diagnose ?? true,
    preflight,
    hooks: Object.freeze({ ...options.hooks }),
    env: rawEnv,
  });
}

function checkRequiredOptions(options: RotationHandlerOptions): void {
  if (options === null || typeof options !== 'object') {
    throw InvalidOptionError.of('options', 'must be an object');
  }
  if (options.strategy !== 'single-user' && options.strategy !== 'alternating-users') {
    throw InvalidOptionError.of('strategy', "must be 'single-user' or 'alternating-users'");
  }
  const database = options.database;
  if (!database || typeof database.connect !== 'function' || !Array.isArray(database.engines)) {
    throw InvalidOptionError.of('database', 'must be a database driver, e.g. mysql()');
  }
  if (options.client && options.clientConfig) {
    throw InvalidOptionError.of('client', 'give either client or clientConfig, not both');
  }
}

function resolvePassword(
  options: RotationHandlerOptions,
  env: EnvironmentSettings,
): ResolvedOptions['password'] {
  const password = { ...env.password, ...definedOnly(options.password ?? {}) };
  positiveInt('password.length', password.length, 1, 4096);
  if (typeof password.excludeCharacters !== 'string') {
    throw InvalidOptionError.of('password.excludeCharacters', 'must be a string');
  }
  return Object.freeze(password);
}

function resolveUsernameLimit(
  options: RotationHandlerOptions,
  env: EnvironmentSettings,
): number | 'server' {
  const limit = options.usernameCharacterLimit ?? env.usernameCharacterLimit ?? 'server';
  if (limit !== 'server') positiveInt('usernameCharacterLimit', limit, 1, 1024);
  return limit;
}

function resolveCloneSuffix(options: RotationHandlerOptions): string {
  const cloneSuffix = options.cloneSuffix ?? '_clone';
  if (typeof cloneSuffix !== 'string' || cloneSuffix.length === 0) {
    throw InvalidOptionError.of('cloneSuffix', 'must be a non-empty string');
  }
  return cloneSuffix;
}

function resolveTimeouts(options: RotationHandlerOptions): ResolvedOptions['timeouts'] {
  const timeouts = {
    connectTimeoutMs: options.timeouts?.connectTimeoutMs ?? 5000,
    queryTimeoutMs: options.timeouts?.queryTimeoutMs ?? 15_000,
    requestTimeoutMs: options.timeouts?.requestTimeoutMs ?? 10_000,
    reserveMs: options.timeouts?.reserveMs ?? 4000,
    defaultBudgetMs: options.timeouts?.defaultBudgetMs ?? 300_000,
  };
  for (const [key, value] of Object.entries(timeouts)) {
    positiveInt(`timeouts.${key}`, value, key === 'reserveMs' ? 0 : 1);
  }
  return Object.freeze(timeouts);
}

function resolveRetry(options: RotationHandlerOptions): ResolvedOptions['retry'] {
  const retry = {
    retries: options.retry?.retries ?? 3,
    minDelayMs: options.retry?.minDelayMs ?? 200,
    maxDelayMs: options.retry?.maxDelayMs ?? 2000,
  };
  positiveInt('retry.retries', retry.retries, 0, 20);
  positiveInt('retry.minDelayMs', retry.minDelayMs, 0);
  positiveInt('retry.maxDelayMs', retry.maxDelayMs, retry.minDelayMs);
  return Object.freeze(retry);
}

function resolveTestSecret(options: RotationHandlerOptions): ResolvedOptions['testSecret'] {
  const testSecret = {
    attempts: options.testSecret?.attempts ?? 3,
    delayMs: options.testSecret?.delayMs ?? 1000,
  };
  positiveInt('testSecret.attempts', testSecret.attempts, 1, 20);
  positiveInt('testSecret.delayMs', testSecret.delayMs, 0);
  return Object.freeze(testSecret);
}

function resolvePreflight(options: RotationHandlerOptions): ResolvedOptions['preflight'] {
  if (options.preflight === undefined || options.preflight === false) return undefined;
  const given = options.preflight === true ? {} : options.preflight;
  const preflight = Object.freeze({
    timeoutMs: given.timeoutMs ?? 8000,
    failOnError: given.failOnError ?? true,
  });
  positiveInt('preflight.timeoutMs', preflight.timeoutMs, 100);
  return preflight;
}

function resolveTls(
  options: RotationHandlerOptions,
  env: EnvironmentSettings,
): ResolvedOptions['tls'] {
  return Object.freeze({
    strict: options.tls?.strict ?? env.tls.strict,
    ca: readCa(
      options.tls?.ca !== undefined ? 'tls.ca' : 'ROTAKIT_CA_BUNDLE',
      options.tls?.ca ?? env.tls.ca,
    ),
  });
}

function resolveClient(
  options: RotationHandlerOptions,
  env: EnvironmentSettings,
): SecretsManagerClient {
  if (options.client) return options.client;
  return new SecretsManagerClient({
    // Retries are ours (bounded by the time budget); the SDK's would stack on top.
    maxAttempts: 1,
    ...options.clientConfig,
    ...definedOnly({ endpoint: options.clientConfig?.endpoint ?? env.secretsManagerEndpoint }),
  });
}
