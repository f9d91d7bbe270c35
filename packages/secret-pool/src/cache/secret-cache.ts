import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { definedOnly } from '@rotakit/core';
import { LRUCache } from 'lru-cache';
import pRetry from 'p-retry';
import { fetchChannel } from '../diagnostics.js';
import { ClosedError, InvalidOptionError, SecretFetchError } from '../errors.js';
import { describeAwsError } from './aws-errors.js';
import {
  type ResolvedCacheOptions,
  resolveCacheOptions,
  type SecretCacheOptions,
  type SecretsManagerLike,
} from './options.js';
import { SecretValue } from './secret-value.js';

/** Which version of a secret to read. */
export interface SecretSelector {
  /** @default 'AWSCURRENT' (when `versionId` is not given) */
  stage?: string;
  /** A specific version; such entries never expire (versions are immutable). */
  versionId?: string;
}

export interface GetSecretOptions extends SecretSelector {
  /**
   * Bypass the TTL and ask Secrets Manager now, sharing a fetch already in flight. Bounded by
   * the `forcedRefresh` cap and by backoff after failures: when refused, or when the call
   * fails, the cached value is returned.
   */
  forceRefresh?: boolean;
  /**
   * With `forceRefresh`: a cached value fetched after this time (epoch ms) is fresh enough,
   * so callers that saw the same failure share one call.
   */
  fetchedAfter?: number;
  /**
   * With `forceRefresh`: neither counted against nor refused by the `forcedRefresh` cap (backoff
   * after failures still applies). For a caller that spaces its own re-reads, one at a time:
   * the pool's wait for an RDS-managed rotation (jittered, doubling, bounded by its budget),
   * which the cap meant for per-request refreshes would otherwise leave reading a stale value.
   * @default false
   */
  bypassCap?: boolean;
  /**
   * Stops waiting (rejects with the signal's reason). A fetch shared with other callers goes
   * on for them.
   */
  signal?: AbortSignal;
}

/** Why a fetch was made. */
export type FetchReason = 'miss' | 'stale' | 'forced' | 'retry';

export interface FetchEvent {
  secretId: string;
  stage: string | undefined;
  versionId: string | undefined;
  reason: FetchReason;
  durationMs: number;
}

export interface FetchErrorEvent {
  secretId: string;
  stage: string | undefined;
  reason: FetchReason;
  code: string | undefined;
  retryable: boolean;
  error: SecretFetchError;
}

export interface VersionChangedEvent {
  secretId: string;
  stage: string | undefined;
  previousVersionId: string;
  versionId: string;
}

export interface RefreshRefusedEvent {
  secretId: string;
  stage: string | undefined;
  /** `cap`: too many forced refreshes in the window; `backoff`: failures are being backed off. */
  reason: 'cap' | 'backoff';
}

/** Events of {@link SecretCache}. */
export interface SecretCacheEvents {
  fetch: [FetchEvent];
  fetchError: [FetchErrorEvent];
  versionChanged: [VersionChangedEvent];
  refreshRefused: [RefreshRefusedEvent];
}

/** Counters since the cache was created. */
export interface SecretCacheStats {
  /** GetSecretValue calls made (successful or not). */
  fetches: number;
  fetchFailures: number;
  /** Reads answered by a fresh cached value. */
  hits: number;
  /** Reads answered by a value past its TTL (refreshing in the background, or Secrets Manager failing). */
  staleServes: number;
  /** Reads with nothing cached, which waited for a fetch. */
  misses: number;
  /** Reads that joined a fetch already in flight instead of making their own. */
  sharedFetches: number;
  /** Forced refreshes that made a call. */
  forcedRefreshes: number;
  /** Forced refreshes answered without a new call (a recent enough value, or one in flight). */
  forcedRefreshesShared: number;
  /** Forced refreshes refused by the cap or by backoff; the cached value was served. */
  forcedRefreshesRefused: number;
  /** Refreshes started in the background because a value was stale. */
  backgroundRefreshes: number;
  /** Entries currently cached. */
  entries: number;
}

interface Entry {
  readonly key: string;
  readonly secretId: string;
  readonly stage: string | undefined;
  readonly versionId: string | undefined;
  value: SecretValue | undefined;
  expiresAt: number;
  /** The one GetSecretValue call in flight for this entry. */
  inflight: Promise<SecretValue> | undefined;
  /**
   * The refresh whose attempt failed and which now waits out its backoff before retrying; a
   * successful attempt clears it.
   */
  backingOff: object | undefined;
  /** No new refresh before this time (cool-down after a refresh that failed for good). */
  retryAfter: number;
  lastError: SecretFetchError | undefined;
  /** Start times of forced fetches still inside the cap window. */
  forcedAt: number[];
}

function entryKey(secretId: string, stage: string | undefined, versionId: string | undefined) {
  return `${secretId}\u0000${stage ?? ''}\u0000${versionId ?? ''}`;
}

/**
 * An in-process cache of Secrets Manager secrets: jittered TTL, stale-while-revalidate, one
 * fetch in flight per secret and stage, the last good value served while Secrets Manager
 * fails or throttles, bounded jittered backoff (in the background; no call waits on a sleep)
 * and a cap on forced refreshes.
 *
 * @example
 * const cache = new SecretCache({ clientConfig: { region: 'eu-west-1' }, ttlMs: 60_000 });
 * const { username, password } = await cache.getJson('prod/app/mysql');
 */
export class SecretCache extends EventEmitter<SecretCacheEvents> {
  readonly options: ResolvedCacheOptions;
  readonly #client: SecretsManagerLike;
  readonly #ownsClient: SecretsManagerClient | undefined;
  readonly #entries: LRUCache<string, Entry>;
  readonly #closed = new AbortController();
  readonly #stats = {
    fetches: 0,
    fetchFailures: 0,
    hits: 0,
    staleServes: 0,
    misses: 0,
    sharedFetches: 0,
    forcedRefreshes: 0,
    forcedRefreshesShared: 0,
    forcedRefreshesRefused: 0,
    backgroundRefreshes: 0,
  };

  constructor(options: SecretCacheOptions) {
    super();
    if (options === null || typeof options !== 'object') {
      throw InvalidOptionError.of('options', 'expected an object with `client` or `clientConfig`');
    }
    if (options.client !== undefined && options.clientConfig !== undefined) {
      throw InvalidOptionError.of('client', 'pass `client` or `clientConfig`, not both');
    }
    if (options.client !== undefined) {
      if (typeof (options.client as { send?: unknown }).send !== 'function') {
        throw InvalidOptionError.of(
          'client',
          'expected a SecretsManagerClient (an object with send())',
        );
      }
      this.#client = options.client;
    } else if (options.clientConfig !== undefined) {
      this.#ownsClient = new SecretsManagerClient({ maxAttempts: 1, ...options.clientConfig });
      this.#client = this.#ownsClient;
    } else {
      throw InvalidOptionError.of(
        'client',
        'pass a SecretsManagerClient as `client` or its `clientConfig`',
      );
    }
    this.options = resolveCacheOptions(options);
    this.#entries = new LRUCache<string, Entry>({ max: this.options.maxEntries });
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed.signal.aborted;
  }

  /**
   * The secret value: cached if fresh, cached and refreshed in the background if stale,
   * fetched (once, shared by concurrent callers) if absent.
   */
  async get(secretId: string, options: GetSecretOptions = {}): Promise<SecretValue> {
    const { signal } = options;
    if (signal === undefined) return this.#get(secretId, options);
    signal.throwIfAborted();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([this.#get(secretId, options), aborted]);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  async #get(secretId: string, options: GetSecretOptions): Promise<SecretValue> {
    const entry = this.#entryFor(secretId, options);
    if (options.forceRefresh) {
      return this.#forced(entry, options.fetchedAfter, options.bypassCap === true);
    }
    const value = entry.value;
    if (value !== undefined) return this.#serve(entry, value);
    this.#stats.misses++;
    if (entry.inflight) {
      this.#stats.sharedFetches++;
      return entry.inflight;
    }
    if (entry.backingOff || Date.now() < entry.retryAfter) {
      throw this.#backingOffError(entry);
    }
    return this.#startRefresh(entry, 'miss');
  }

  /** `get()` then the SecretString parsed as a JSON object (parsed once per version, prints redacted). */
  async getJson<T extends Record<string, unknown> = Record<string, unknown>>(
    secretId: string,
    options: GetSecretOptions = {},
  ): Promise<Readonly<T>> {
    return (await this.get(secretId, options)).json() as Readonly<T>;
  }

  /**
   * The cached value without waiting: undefined when nothing is cached; a stale value starts a
   * background refresh. Counted as a hit or a stale serve.
   */
  getCached(secretId: string, selector: SecretSelector = {}): SecretValue | undefined {
    this.#throwIfClosed();
    const stage = selector.stage ?? (selector.versionId === undefined ? 'AWSCURRENT' : undefined);
    const entry = this.#entries.get(entryKey(secretId, stage, selector.versionId));
    const value = entry?.value;
    if (entry === undefined || value === undefined) return undefined;
    return this.#serve(entry, value);
  }

  /** Counts a cached value as a hit, or as a stale serve that starts a background refresh. */
  #serve(entry: Entry, value: SecretValue): SecretValue {
    if (Date.now() < entry.expiresAt) {
      this.#stats.hits++;
    } else {
      this.#stats.staleServes++;
      this.#refreshInBackground(entry);
    }
    return value;
  }

  /** Drops every cached entry of `secretId` (all stages and versions), or everything. */
  invalidate(secretId?: string): void {
    if (secretId === undefined) {
      this.#entries.clear();
      return;
    }
    for (const [key, entry] of this.#entries.entries()) {
      if (entry.secretId === secretId) this.#entries.delete(key);
    }
  }

  stats(): SecretCacheStats {
    return { ...this.#stats, entries: this.#entries.size };
  }

  /** Stops background refreshes and drops the cached values; destroys a client it created. */
  close(): Promise<void> {
    if (!this.#closed.signal.aborted) {
      this.#closed.abort(new ClosedError('The SecretCache was closed'));
      this.#entries.clear();
      this.#ownsClient?.destroy();
    }
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [inspect.custom](): string {
    return `SecretCache { entries: ${this.#entries.size}, ttlMs: ${this.options.ttlMs}${this.closed ? ', closed' : ''} }`;
  }

  toJSON(): Record<string, unknown> {
    return { entries: this.#entries.size, ttlMs: this.options.ttlMs, closed: this.closed };
  }

  #throwIfClosed(): void {
    if (this.#closed.signal.aborted) throw new ClosedError('The SecretCache was closed');
  }

  #entryFor(secretId: string, selector: SecretSelector): Entry {
    this.#throwIfClosed();
    if (typeof secretId !== 'string' || secretId.length === 0) {
      throw InvalidOptionError.of('secretId', 'expected a non-empty string (a secret name or ARN)');
    }
    const versionId = selector.versionId;
    const stage = selector.stage ?? (versionId === undefined ? 'AWSCURRENT' : undefined);
    const key = entryKey(secretId, stage, versionId);
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = {
        key,
        secretId,
        stage,
        versionId,
        value: undefined,
        expiresAt: 0,
        inflight: undefined,
        backingOff: undefined,
        retryAfter: 0,
        lastError: undefined,
        forcedAt: [],
      };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  async #forced(
    entry: Entry,
    fetchedAfter: number | undefined,
    bypassCap: boolean,
  ): Promise<SecretValue> {
    const value = entry.value;
    if (value !== undefined && fetchedAfter !== undefined && value.fetchedAt > fetchedAfter) {
      this.#stats.forcedRefreshesShared++;
      return value;
    }
    if (entry.inflight) {
      this.#stats.forcedRefreshesShared++;
      return this.#orCached(entry, entry.inflight);
    }
    const now = Date.now();
    if (entry.backingOff || now < entry.retryAfter) {
      return this.#refuse(entry, 'backoff');
    }
    if (!bypassCap) {
      if (value !== undefined && this.#capReached(entry, now)) return this.#refuse(entry, 'cap');
      entry.forcedAt.push(now);
    }
    this.#stats.forcedRefreshes++;
    return this.#orCached(entry, this.#startRefresh(entry, 'forced'));
  }

  /** `forcedRefresh.max` forced refreshes of this entry already in the last `windowMs`. */
  #capReached(entry: Entry, now: number): boolean {
    const windowStart = now - this.options.forcedRefresh.windowMs;
    while (entry.forcedAt.length > 0 && (entry.forcedAt[0] ?? 0) <= windowStart) {
      entry.forcedAt.shift();
    }
    return entry.forcedAt.length >= this.options.forcedRefresh.max;
  }

  #refuse(entry: Entry, reason: 'cap' | 'backoff'): SecretValue {
    this.#stats.forcedRefreshesRefused++;
    this.emit('refreshRefused', { secretId: entry.secretId, stage: entry.stage, reason });
    if (entry.value !== undefined) return entry.value;
    throw this.#backingOffError(entry);
  }

  /** Serves the last good value when the fetch fails. */
  async #orCached(entry: Entry, fetch: Promise<SecretValue>): Promise<SecretValue> {
    try {
      return await fetch;
    } catch (error) {
      if (entry.value !== undefined) {
        this.#stats.staleServes++;
        return entry.value;
      }
      throw error;
    }
  }

  #backingOffError(entry: Entry): SecretFetchError {
    const last = entry.lastError;
    return new SecretFetchError(
      `Secrets Manager has not returned ${describe(entry)} yet and the last attempt failed` +
        `${last?.code ? ` (${last.code})` : ''}; retrying in the background`,
      {
        secretId: entry.secretId,
        stage: entry.stage,
        versionId: entry.versionId,
        code: last?.code,
        retryable: last?.retryable ?? true,
        cause: last,
      },
    );
  }

  #refreshInBackground(entry: Entry): void {
    if (entry.inflight || entry.backingOff || Date.now() < entry.retryAfter) return;
    if (this.#closed.signal.aborted) return;
    this.#stats.backgroundRefreshes++;
    this.#startRefresh(entry, 'stale').catch(() => undefined);
  }

  /**
   * Starts a refresh and returns its first attempt: callers wait for one network call at most,
   * while failed attempts are retried in the background with p-retry's jittered backoff.
   */
  #startRefresh(entry: Entry, reason: FetchReason): Promise<SecretValue> {
    const refresh = {};
    const first = this.#attempt(entry, reason, refresh);
    first.catch(() => undefined);
    const { backoff } = this.options;
    pRetry((attempt) => (attempt === 1 ? first : this.#attempt(entry, 'retry', refresh)), {
      retries: backoff.retries,
      minTimeout: backoff.minDelayMs,
      maxTimeout: backoff.maxDelayMs,
      factor: backoff.factor,
      randomize: true,
      // Unref'd sleeps: no caller awaits a retry (callers get the first attempt, docs/secret-pool.md, timers).
      unref: true,
      signal: this.#closed.signal,
      shouldRetry: ({ error }) => error instanceof SecretFetchError && error.retryable,
    }).then(
      () => undefined,
      (error: unknown) => {
        if (entry.backingOff !== refresh) return;
        entry.backingOff = undefined;
        const retryable = error instanceof SecretFetchError && error.retryable;
        // A permanent error is retried sooner: it is usually fixed by a human, not by time.
        const base = retryable ? backoff.maxDelayMs : backoff.minDelayMs;
        entry.retryAfter = Date.now() + base * (0.5 + Math.random() / 2);
      },
    );
    return first;
  }

  #attempt(entry: Entry, reason: FetchReason, refresh: object): Promise<SecretValue> {
    const attempt: Promise<SecretValue> = this.#fetch(entry, reason).then(
      (value) => {
        if (entry.inflight === attempt) entry.inflight = undefined;
        if (entry.backingOff === refresh) entry.backingOff = undefined;
        entry.retryAfter = 0;
        return value;
      },
      (error: unknown) => {
        if (entry.inflight === attempt) entry.inflight = undefined;
        entry.backingOff = refresh;
        throw error;
      },
    );
    entry.inflight = attempt;
    return attempt;
  }

  async #fetch(entry: Entry, reason: FetchReason): Promise<SecretValue> {
    this.#stats.fetches++;
    const started = performance.now();
    try {
      const value = await this.#getSecretValue(entry);
      this.#store(entry, value, reason, started);
      return value;
    } catch (error) {
      throw this.#fetchFailed(entry, error, reason, started);
    }
  }

  /** One GetSecretValue call, cut short by `close()` or `fetchTimeoutMs`. */
  async #getSecretValue(entry: Entry): Promise<SecretValue> {
    const out = await this.#client.send(
      new GetSecretValueCommand({
        SecretId: entry.secretId,
        ...definedOnly({ VersionStage: entry.stage, VersionId: entry.versionId }),
      }),
      {
        abortSignal: AbortSignal.any([
          this.#closed.signal,
          // Node unrefs this timer; the awaited request's socket holds the loop meanwhile.
          AbortSignal.timeout(this.options.fetchTimeoutMs),
        ]),
      },
    );
    if (!out.VersionId || (out.SecretString === undefined && out.SecretBinary === undefined)) {
      throw new SecretFetchError(`Secrets Manager returned no value for ${describe(entry)}`, {
        secretId: entry.secretId,
        stage: entry.stage,
        versionId: entry.versionId,
        retryable: true,
      });
    }
    return new SecretValue({
      arn: out.ARN ?? entry.secretId,
      name: out.Name ?? entry.secretId,
      versionId: out.VersionId,
      versionStages: out.VersionStages ?? [],
      createdDate: out.CreatedDate,
      fetchedAt: Date.now(),
      secretString: out.SecretString,
      secretBinary: out.SecretBinary,
    });
  }

  /** Caches a fetched value until its TTL (jittered; a pinned version never expires) and reports it. */
  #store(entry: Entry, value: SecretValue, reason: FetchReason, started: number): void {
    const previous = entry.value;
    entry.value = value;
    entry.lastError = undefined;
    entry.expiresAt =
      entry.versionId !== undefined
        ? Number.POSITIVE_INFINITY
        : value.fetchedAt + this.options.ttlMs * (1 - this.options.ttlJitter * Math.random());
    const durationMs = performance.now() - started;
    const event: FetchEvent = {
      secretId: entry.secretId,
      stage: entry.stage,
      versionId: value.versionId,
      reason,
      durationMs,
    };
    this.emit('fetch', event);
    if (fetchChannel.hasSubscribers) fetchChannel.publish({ ...event, ok: true });
    if (previous !== undefined && previous.versionId !== value.versionId) {
      this.emit('versionChanged', {
        secretId: entry.secretId,
        stage: entry.stage,
        previousVersionId: previous.versionId,
        versionId: value.versionId,
      });
    }
  }

  /** Counts, remembers and reports a failed fetch; returns the typed error to throw. */
  #fetchFailed(
    entry: Entry,
    error: unknown,
    reason: FetchReason,
    started: number,
  ): SecretFetchError {
    this.#stats.fetchFailures++;
    const failure = this.#toFetchError(entry, error);
    entry.lastError = failure;
    this.emit('fetchError', {
      secretId: entry.secretId,
      stage: entry.stage,
      reason,
      code: failure.code,
      retryable: failure.retryable,
      error: failure,
    });
    if (fetchChannel.hasSubscribers) {
      fetchChannel.publish({
        secretId: entry.secretId,
        stage: entry.stage,
        versionId: entry.versionId,
        reason,
        durationMs: performance.now() - started,
        ok: false,
        code: failure.code,
      });
    }
    return failure;
  }

  #toFetchError(entry: Entry, error: unknown): SecretFetchError {
    if (error instanceof SecretFetchError) return error;
    if (this.#closed.signal.aborted) {
      return new SecretFetchError('The SecretCache was closed during the fetch', {
        secretId: entry.secretId,
        stage: entry.stage,
        versionId: entry.versionId,
        retryable: false,
        cause: error,
      });
    }
    const info = describeAwsError(error);
    const code =
      info.code ??
      ((error as { name?: unknown })?.name === 'TimeoutError' ? 'TimeoutError' : undefined);
    return new SecretFetchError(
      `GetSecretValue for ${describe(entry)} failed${code ? ` with ${code}` : ''}` +
        `${info.status ? ` (HTTP ${info.status})` : ''}`,
      {
        secretId: entry.secretId,
        stage: entry.stage,
        versionId: entry.versionId,
        code,
        retryable: info.retryable,
        cause: error,
      },
    );
  }
}

function describe(entry: Entry): string {
  const selector = entry.versionId !== undefined ? `version ${entry.versionId}` : entry.stage;
  return `secret ${entry.secretId} (${selector})`;
}
