import type { SecretCache } from '../cache/secret-cache.js';
import type { SecretValue } from '../cache/secret-value.js';
import { isOwnError } from '../errors.js';
import type { CredentialSource } from '../stats.js';
import type { PoolBasics } from './context.js';
import {
  type ConnectionCredentials,
  credentialsFromSecret,
  type ExplicitConnectionFields,
} from './credentials.js';
import type { CredentialsRefreshedEvent, RefreshReason } from './events.js';
import {
  type ManagedRotationBudget,
  ManagedRotationWait,
  type ManagedWaitOutcome,
} from './managed-rotation.js';
import type { RdsEndpointLookup } from './rds-endpoint.js';

/** One applied secret version: the credentials new connections use while it is current. */
export interface Generation {
  readonly value: SecretValue;
  source: CredentialSource;
  readonly credentials: ConnectionCredentials;
  /** The database account these credentials log in as (user@host:port), for the login guard. */
  readonly account: string;
  /** A login with these credentials succeeded since they were applied or last refused. */
  verified: boolean;
  everVerified: boolean;
  /** For AWSPENDING credentials: when the access denied that led to them was seen. */
  readonly windowStart: number | undefined;
}

/**
 * The driver's half of applying a version: how its new connections take the credentials.
 * CredentialGenerations is the same for every driver; each pool brings one of these.
 */
export interface CredentialTarget<Connection> {
  /** The engine's port when neither the secret nor the options name one. */
  readonly defaultPort: number;
  /** Points the driver's new connections at `gen`'s credentials. */
  use(gen: Generation): void;
  /** The version a connection was opened with. */
  generationOf(connection: Connection): Generation | undefined;
  /** The server's account key for the login guard: user@host:port. */
  accountOf(credentials: ConnectionCredentials): string;
}

export interface GenerationsOptions<Connection> extends PoolBasics {
  readonly target: CredentialTarget<Connection>;
  readonly cache: SecretCache;
  readonly probePending: boolean;
  /** Set for an RDS-managed secret: how long a refused version is re-read (managed-rotation.ts). */
  readonly managedRotation: ManagedRotationBudget | undefined;
  /** Connection fields the caller set; they win over the secret's. The endpoint lookup writes host and port here. */
  readonly explicit: ExplicitConnectionFields;
  /** Set with the `rds` option and no `host`: the endpoint comes from the RDS API. */
  readonly endpoint: RdsEndpointLookup | undefined;
  /** New credentials log in as another account or database: connections opened before should go. */
  onIdentityChanged(): void;
  /** The first load or a shared refresh ended: requests waiting for it may go on. */
  onSettled(): void;
  /** The first load failed: the requests waiting for it get its error. */
  onFirstLoadFailed(error: unknown): void;
}

/**
 * The secret versions a pool has applied, newest first: loads the first, picks up a new
 * AWSCURRENT, and runs the one shared refresh (AWSCURRENT, then AWSPENDING) after an access
 * denied. Applying a version points the driver's new connections at its credentials (through
 * its {@link CredentialTarget}).
 */
export class CredentialGenerations<Connection = unknown> {
  readonly #o: GenerationsOptions<Connection>;
  #current: Generation | undefined;
  /** The AWSCURRENT version last seen (may differ from the current one during a rotation window). */
  #currentVersionId: string | undefined;
  #firstLoad: Promise<void> | undefined;
  #recovery: Promise<void> | undefined;
  readonly #managedWait: ManagedRotationWait | undefined;
  /** The caller's own `port`: it wins over the one the RDS API gives. */
  readonly #callerPort: number | undefined;

  constructor(options: GenerationsOptions<Connection>) {
    this.#o = options;
    this.#callerPort = options.explicit.port;
    const budget = options.managedRotation;
    this.#managedWait =
      budget &&
      new ManagedRotationWait({
        budget,
        counters: options.counters,
        // Single-flight and spaced by the wait itself: exempt from the per-request cap.
        recheck: (failed) => this.recover(failed, Date.now(), { bypassCap: true }),
        isCurrent: (gen) => this.#current === gen,
      });
  }

  /** The credentials new connections use now (undefined until the first load). */
  get current(): Generation | undefined {
    return this.#current;
  }

  /** A shared refresh after an access denied, or a wait for a managed rotation, is under way. */
  get recovering(): boolean {
    return this.#recovery !== undefined || this.#managedWait?.active === true;
  }

  /** The secret is RDS-managed: a refused version is waited out (see {@link awaitManagedRotation}). */
  get managed(): boolean {
    return this.#managedWait !== undefined;
  }

  /**
   * Shared wait until a version other than `failed` is applied, within the managed-rotation
   * budget; the gate holds new logins meanwhile and lets them go when it ends.
   */
  awaitManagedRotation(failed: Generation): Promise<ManagedWaitOutcome> {
    const wait = this.#managedWait;
    if (wait === undefined) return Promise.resolve('budget-spent');
    const outcome = wait.wait(failed);
    outcome.finally(() => this.#o.onSettled()).catch(() => undefined);
    return outcome;
  }

  /** Milliseconds since `gen` was first waited on as a managed rotation. */
  managedWaitedFor(gen: Generation): number {
    return this.#managedWait?.waitedFor(gen) ?? 0;
  }

  /** The endpoint comes from the RDS API (and may move). */
  get looksUpEndpoint(): boolean {
    return this.#o.endpoint !== undefined;
  }

  /**
   * A new connection met a DNS or connect error: look the endpoint up again (shared); a new
   * one is applied to the current version, and connections to the old one are retired.
   */
  async refreshEndpoint(): Promise<void> {
    if (!(await this.#useLookedUpEndpoint())) return;
    const gen = this.#current;
    if (gen !== undefined) this.#tryApply(gen.value, gen.source, 'endpoint-change');
  }

  /** Writes the RDS API's endpoint into the connection fields; true if it changed them. */
  async #useLookedUpEndpoint(): Promise<boolean> {
    const { endpoint, explicit } = this.#o;
    if (endpoint === undefined) return false;
    const { host, port } = await endpoint.lookup();
    const nextPort = this.#callerPort ?? port;
    if (explicit.host === host && explicit.port === nextPort) return false;
    explicit.host = host;
    explicit.port = nextPort;
    return true;
  }

  /** The pool is ending: waits end now. */
  close(): void {
    this.#managedWait?.close();
  }

  /** The version a connection was opened with. */
  generationOf(connection: Connection): Generation | undefined {
    return this.#o.target.generationOf(connection);
  }

  /** Loads the first version unless one is applied; one load shared by every caller. */
  ensure(): Promise<void> {
    if (this.#current !== undefined) return Promise.resolve();
    if (this.#firstLoad === undefined) {
      const load = this.#o.cache.get(this.#o.secretId).then(async (value) => {
        await this.#useLookedUpEndpoint();
        if (this.#current !== undefined) return;
        this.#apply(value, 'AWSCURRENT', 'initial');
        this.#currentVersionId = value.versionId;
      });
      this.#firstLoad = load;
      load.then(
        () => {
          this.#firstLoad = undefined;
          this.#o.onSettled();
        },
        (error: unknown) => {
          this.#firstLoad = undefined;
          this.#o.onFirstLoadFailed(error);
        },
      );
    }
    return this.#firstLoad;
  }

  /** Picks up a new AWSCURRENT from the cache (which refreshes itself in the background). */
  check(): void {
    const { cache, secretId } = this.#o;
    if (this.#current === undefined || cache.closed) return;
    const value = cache.getCached(secretId);
    if (value !== undefined) {
      this.#observeCurrent(value, 'refresh');
      return;
    }
    // Evicted or invalidated: fetch it again in the background.
    cache.get(secretId).then(
      (fresh) => this.#observeCurrent(fresh, 'refresh'),
      () => undefined,
    );
  }

  /** A connection logged in: its version's credentials work. */
  loggedIn(connection: Connection): void {
    const gen = this.generationOf(connection);
    if (gen === undefined || gen.verified) return;
    gen.verified = true;
    if (!gen.everVerified) {
      gen.everVerified = true;
      if (gen.source === 'AWSPENDING') this.#o.counters.pendingProbeSuccesses++;
    }
  }

  /**
   * One shared refresh after an access denied: AWSCURRENT (forced, shared with every caller
   * that failed since `attemptStartedAt`), then AWSPENDING if AWSCURRENT has not moved.
   * `bypassCap` is for the managed-rotation wait's own re-reads (see GetSecretOptions).
   */
  recover(
    failed: Generation,
    attemptStartedAt: number,
    { bypassCap = false }: { bypassCap?: boolean } = {},
  ): Promise<void> {
    if (this.#current !== failed) return Promise.resolve();
    if (this.#recovery !== undefined) return this.#recovery;
    const recovery = this.#refreshAfterDenial(failed, attemptStartedAt, bypassCap);
    this.#recovery = recovery;
    recovery
      .finally(() => {
        this.#recovery = undefined;
        this.#o.onSettled();
      })
      .catch(() => undefined);
    return recovery;
  }

  async #refreshAfterDenial(
    failed: Generation,
    attemptStartedAt: number,
    bypassCap: boolean,
  ): Promise<void> {
    const { cache, secretId } = this.#o;
    const failedAt = Date.now();
    const fetchedAfter = attemptStartedAt;
    const current = await cache.get(secretId, { forceRefresh: true, fetchedAfter, bypassCap });
    this.#observeCurrent(current, 'auth-failure');
    if (this.#current !== failed || !this.#o.probePending) return;
    this.#o.counters.pendingProbes++;
    let pending: SecretValue;
    try {
      pending = await cache.get(secretId, {
        stage: 'AWSPENDING',
        forceRefresh: true,
        fetchedAfter,
        bypassCap,
      });
    } catch {
      // No AWSPENDING (no rotation under way) or Secrets Manager unreachable: nothing to try.
      return;
    }
    const isNew =
      pending.versionId !== failed.value.versionId && pending.versionId !== current.versionId;
    if (isNew && this.#current === failed) {
      this.#tryApply(pending, 'AWSPENDING', 'auth-failure', failedAt);
    }
  }

  #observeCurrent(value: SecretValue, reason: RefreshReason): void {
    if (value.versionId === this.#currentVersionId) return;
    this.#currentVersionId = value.versionId;
    const gen = this.#current;
    if (gen?.source === 'AWSPENDING' && gen.windowStart !== undefined) {
      const counters = this.#o.counters;
      const windowMs = Date.now() - gen.windowStart;
      counters.longestRotationWindowMs = Math.max(counters.longestRotationWindowMs, windowMs);
    }
    if (gen !== undefined && gen.value.versionId === value.versionId) {
      // AWSCURRENT caught up with the AWSPENDING version already in use: same credentials.
      gen.source = 'AWSCURRENT';
      return;
    }
    this.#tryApply(value, 'AWSCURRENT', reason);
  }

  /** Applies a version; one the pool cannot use (bad format) is reported and the current stays. */
  #tryApply(
    value: SecretValue,
    source: CredentialSource,
    reason: RefreshReason,
    windowStart?: number,
  ): void {
    try {
      this.#apply(value, source, reason, windowStart);
    } catch (error) {
      if (!isOwnError(error)) throw error;
      const { secretId, announce } = this.#o;
      announce('credentialsRejected', { secretId, versionId: value.versionId, error });
    }
  }

  #apply(
    value: SecretValue,
    source: CredentialSource,
    reason: RefreshReason,
    windowStart?: number,
  ): void {
    const { target } = this.#o;
    const credentials = credentialsFromSecret(value, this.#o.explicit, target.defaultPort);
    const previous = this.#current;
    const gen: Generation = {
      value,
      source,
      credentials,
      account: target.accountOf(credentials),
      verified: false,
      everVerified: false,
      windowStart,
    };
    target.use(gen);
    this.#current = gen;
    this.#o.counters.credentialRefreshes++;
    const identityChanged =
      previous !== undefined && previous.credentials.identity !== credentials.identity;
    if (identityChanged) this.#o.onIdentityChanged();
    const event: CredentialsRefreshedEvent = {
      secretId: this.#o.secretId,
      versionId: value.versionId,
      previousVersionId: previous?.value.versionId,
      source,
      reason,
      identityChanged,
    };
    this.#o.announce('credentialsRefreshed', event);
  }
}
