import type {
  GetSecretValueCommand,
  GetSecretValueCommandOutput,
  SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerLike as CoreSecretsManagerLike } from '@rotakit/core';
import { InvalidOptionError } from '../errors.js';

/**
 * The part of `SecretsManagerClient` the cache calls: @rotakit/core's `SecretsManagerLike`
 * narrowed to GetSecretValue. A real `SecretsManagerClient` satisfies it.
 */
export type SecretsManagerLike = CoreSecretsManagerLike<
  GetSecretValueCommand,
  GetSecretValueCommandOutput
>;

/** Bounded, jittered backoff after failed fetches (run in the background by p-retry). */
export interface BackoffOptions {
  /** Retries after the first failed attempt of one refresh. @default 4 */
  retries?: number;
  /** First delay; each delay is multiplied by a random factor in [1, 2). @default 1000 */
  minDelayMs?: number;
  /** Cap on one delay, and the cool-down after a refresh that used up its retries. @default 30000 */
  maxDelayMs?: number;
  /** @default 2 */
  factor?: number;
}

/** Cap on forced refreshes (refreshes that bypass the TTL) per secret and stage. */
export interface ForcedRefreshOptions {
  /** Forced refreshes allowed per window; beyond it the cached value is served. @default 10 */
  max?: number;
  /** @default 60000 */
  windowMs?: number;
}

interface SecretCacheCommonOptions {
  /** How long a value is fresh. @default 300000 (5 minutes) */
  ttlMs?: number;
  /**
   * Fraction of `ttlMs` taken off at random per value, so processes and secrets do not
   * expire together: a value is fresh for `ttlMs * (1 - ttlJitter * random())`.
   * @default 0.2
   */
  ttlJitter?: number;
  /** Entries (secret x stage or version) kept; least recently used go first. @default 1000 */
  maxEntries?: number;
  /** Abort one GetSecretValue call after this long. @default 5000 */
  fetchTimeoutMs?: number;
  backoff?: BackoffOptions;
  forcedRefresh?: ForcedRefreshOptions;
}

/**
 * Options of `new SecretCache()`: pass a `client` or a `clientConfig`, never both. A client
 * built from `clientConfig` defaults to `maxAttempts: 1` because the cache does its own
 * backoff and serves the cached value meanwhile.
 */
export type SecretCacheOptions = SecretCacheCommonOptions &
  (
    | { client: SecretsManagerLike; clientConfig?: never }
    | { clientConfig: SecretsManagerClientConfig; client?: never }
  );

export interface ResolvedCacheOptions {
  readonly ttlMs: number;
  readonly ttlJitter: number;
  readonly maxEntries: number;
  readonly fetchTimeoutMs: number;
  readonly backoff: Readonly<Required<BackoffOptions>>;
  readonly forcedRefresh: Readonly<Required<ForcedRefreshOptions>>;
}

export function checkNumber(
  option: string,
  value: number,
  { min = 0, max = Number.POSITIVE_INFINITY, integer = false } = {},
): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw InvalidOptionError.of(option, `expected a number, got ${typeof value}`);
  }
  if (integer && !Number.isInteger(value)) {
    throw InvalidOptionError.of(option, `expected an integer, got ${value}`);
  }
  if (value < min || value > max) {
    throw InvalidOptionError.of(option, `expected a value in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function resolveCacheOptions(options: SecretCacheCommonOptions): ResolvedCacheOptions {
  const backoff = options.backoff ?? {};
  const forced = options.forcedRefresh ?? {};
  const resolved: ResolvedCacheOptions = {
    ttlMs: checkNumber('ttlMs', options.ttlMs ?? 300_000, { min: 1 }),
    ttlJitter: checkNumber('ttlJitter', options.ttlJitter ?? 0.2, { min: 0, max: 0.9 }),
    maxEntries: checkNumber('maxEntries', options.maxEntries ?? 1000, { min: 1, integer: true }),
    fetchTimeoutMs: checkNumber('fetchTimeoutMs', options.fetchTimeoutMs ?? 5000, { min: 1 }),
    backoff: Object.freeze({
      retries: checkNumber('backoff.retries', backoff.retries ?? 4, { min: 0, integer: true }),
      minDelayMs: checkNumber('backoff.minDelayMs', backoff.minDelayMs ?? 1000, { min: 0 }),
      maxDelayMs: checkNumber('backoff.maxDelayMs', backoff.maxDelayMs ?? 30_000, { min: 0 }),
      factor: checkNumber('backoff.factor', backoff.factor ?? 2, { min: 1 }),
    }),
    forcedRefresh: Object.freeze({
      max: checkNumber('forcedRefresh.max', forced.max ?? 10, { min: 0, integer: true }),
      windowMs: checkNumber('forcedRefresh.windowMs', forced.windowMs ?? 60_000, { min: 1 }),
    }),
  };
  if (resolved.backoff.maxDelayMs < resolved.backoff.minDelayMs) {
    throw InvalidOptionError.of(
      'backoff.maxDelayMs',
      `must be >= backoff.minDelayMs (${resolved.backoff.minDelayMs}), got ${resolved.backoff.maxDelayMs}`,
    );
  }
  return Object.freeze(resolved);
}
