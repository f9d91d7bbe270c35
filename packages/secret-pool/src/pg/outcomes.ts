import { setTimeout as sleep } from 'node:timers/promises';
import {
  AuthenticationError,
  ManagedRotationPendingError,
  type SecretPoolError,
  ServerBusyError,
} from '../errors.js';
import type { PoolBasics } from '../pool/context.js';
import type { AuthFailureEvent } from '../pool/events.js';
import type { CredentialGenerations, Generation } from '../pool/generations.js';
import type { ResolvedPoolOptions } from '../pool/options.js';
import { endpointMayHaveMoved } from '../pool/rds-endpoint.js';
import type { LoginFailure } from './client.js';
import { pgErrorContext, pgTerminalError } from './failures.js';
import { CredentialsMoved, LoginSkipped, type PgLoginGate } from './login-gate.js';

/** One caller's `connect()`, kept across the retries of its login. */
export class PgConnectRequest {
  authFailures = 0;
  /** Logins not sent because the server had already refused the password. */
  skippedLogins = 0;
  busyRetries = 0;
  /** The RDS endpoint was looked up again for this request (once per request). */
  endpointRechecked = false;
  /** When its latest login (or skipped login) started: a refresh must be newer than that. */
  startedAt = 0;
  lastDenial: Error | undefined;
}

export interface PgOutcomesOptions extends PoolBasics {
  readonly auth: ResolvedPoolOptions['auth'];
  readonly serverBusy: ResolvedPoolOptions['serverBusy'];
  readonly generations: CredentialGenerations;
  readonly gate: PgLoginGate;
  readonly loginErrors: WeakMap<Error, LoginFailure>;
  /** Aborted when the pool ends: retry delays end then. */
  readonly signal: AbortSignal;
}

function jitter(ms: number): number {
  return ms * (0.5 + Math.random() / 2);
}

/**
 * What follows a failed `connect()`: by the failure's kind a refresh and a retry (password
 * refused), a back-off (busy or starting server), a typed error (terminal), or pg's error as it
 * is. Resolves when the caller should try again; rejects with the caller's final error. Only
 * the login is retried, never a statement.
 */
export class PgLoginOutcomes {
  readonly #o: PgOutcomesOptions;

  constructor(options: PgOutcomesOptions) {
    this.#o = options;
  }

  async afterFailure(request: PgConnectRequest, error: unknown): Promise<void> {
    if (error instanceof CredentialsMoved) return;
    if (error instanceof LoginSkipped) return this.#skipRefusedLogin(request, error.gen);
    const failure = error instanceof Error ? this.#o.loginErrors.get(error) : undefined;
    // Not a login of ours (the pool is ending, the guard said no, ...): the caller's error.
    if (failure === undefined) throw error;
    request.startedAt = failure.ticket.startedAt;
    switch (failure.kind) {
      case 'auth':
        return this.#onAuthFailure(request, failure, error as Error);
      case 'terminal':
        throw this.#terminal(error);
      case 'busy':
        return this.#onServerBusy(request, error as Error);
      default:
        return this.#onOtherError(request, failure, error as Error);
    }
  }

  /** Not ours to handle, unless the RDS endpoint may have moved: then look it up again, once. */
  async #onOtherError(
    request: PgConnectRequest,
    failure: LoginFailure,
    error: Error,
  ): Promise<void> {
    const { generations } = this.#o;
    if (!generations.looksUpEndpoint || request.endpointRechecked || !endpointMayHaveMoved(error)) {
      throw error;
    }
    request.endpointRechecked = true;
    try {
      await generations.refreshEndpoint();
    } catch {
      // The lookup failed too: the caller gets the connect error it met (as the mysql2 pool does).
      throw error;
    }
    // The same endpoint as before: nothing to retry with.
    if (generations.current === failure.ticket.gen) throw error;
  }

  #terminal(error: unknown): SecretPoolError {
    this.#o.counters.terminalErrors++;
    const typed = pgTerminalError(error, this.#o.secretId);
    this.#o.announce('terminalError', typed);
    return typed;
  }

  #skipRefusedLogin(request: PgConnectRequest, gen: Generation): Promise<void> {
    this.#o.counters.loginsSkipped++;
    request.skippedLogins++;
    // Each retry asks for a value fetched after it started: the secret may have been corrected.
    request.startedAt = Date.now();
    return this.#retryWithNewerCredentials(request, gen, undefined);
  }

  #onAuthFailure(request: PgConnectRequest, failure: LoginFailure, error: Error): Promise<void> {
    const { gen } = failure.ticket;
    this.#o.counters.authFailures++;
    request.authFailures++;
    request.lastDenial = error;
    const event: AuthFailureEvent = {
      secretId: this.#o.secretId,
      ...pgErrorContext(error),
      versionId: gen.value.versionId,
      source: gen.source,
      attempt: request.authFailures,
    };
    this.#o.announce('authFailure', event);
    return this.#retryWithNewerCredentials(request, gen, failure.recovery);
  }

  /**
   * After `gen`'s password was refused: the shared refresh, then the login again (with new
   * credentials at once, else after a jittered, doubling delay), up to `auth.maxRetries`. A
   * skipped login always gets its refresh: it is how a corrected secret is found.
   */
  async #retryWithNewerCredentials(
    request: PgConnectRequest,
    gen: Generation,
    started: Promise<void> | undefined,
  ): Promise<void> {
    const { generations, auth } = this.#o;
    const retries = request.authFailures + request.skippedLogins;
    const exhausted = retries > auth.maxRetries;
    if (exhausted && request.skippedLogins === 0) throw this.#refusedError(request, gen);
    this.#o.counters.connectRetries++;
    await (started ?? generations.recover(gen, request.startedAt));
    if (generations.current !== gen) return;
    if (generations.managed) return this.#waitOutManagedRotation(request, gen);
    if (exhausted) throw this.#refusedError(request, gen);
    // Nothing newer in Secrets Manager: wait a little (the rotation may be mid-step).
    const delay = Math.min(auth.maxRetryDelayMs, auth.retryDelayMs * 2 ** (retries - 1));
    await this.#pause(jitter(delay));
  }

  /** RDS changed the password and has not moved AWSCURRENT yet: wait (shared, bounded), then log in again. */
  async #waitOutManagedRotation(request: PgConnectRequest, gen: Generation): Promise<void> {
    const { generations, secretId } = this.#o;
    if ((await generations.awaitManagedRotation(gen)) !== 'budget-spent') return;
    const denial = request.lastDenial;
    const waitedMs = generations.managedWaitedFor(gen);
    throw new ManagedRotationPendingError(
      `The database refused the password of RDS-managed secret ${secretId} (version ${gen.value.versionId}) ` +
        `and Secrets Manager had nothing newer after ${waitedMs} ms of re-reading (managedRotation.waitMs): ` +
        'a managed rotation may be under way (RDS changes the password before it moves AWSCURRENT), ' +
        'or the password was changed outside Secrets Manager',
      {
        ...pgErrorContext(denial),
        secretId,
        versionId: gen.value.versionId,
        waitedMs,
        cause: denial,
      },
    );
  }

  /** The error for a request whose retries ran out with its credentials still refused. */
  #refusedError(request: PgConnectRequest, gen: Generation): SecretPoolError {
    const denial = request.lastDenial;
    // It never logged in itself: its logins were held back because they could not succeed.
    if (denial === undefined) return this.#o.gate.guardError(gen);
    const context = pgErrorContext(denial);
    const { secretId, auth } = this.#o;
    return new AuthenticationError(
      `Password refused for the credentials of secret ${secretId} (version ${gen.value.versionId}, ${gen.source}) ` +
        `after refreshing AWSCURRENT${auth.probePending ? ' and probing AWSPENDING' : ''} ` +
        `and ${auth.maxRetries} retries (SQLSTATE ${context.sqlState})`,
      { ...context, secretId, attempts: request.authFailures, cause: denial },
    );
  }

  async #onServerBusy(request: PgConnectRequest, error: Error): Promise<void> {
    const { retries, delayMs } = this.#o.serverBusy;
    if (request.busyRetries >= retries) {
      const context = pgErrorContext(error);
      const attempts = request.busyRetries + 1;
      throw new ServerBusyError(
        `The database refused new connections (SQLSTATE ${context.sqlState}) ${attempts} times for secret ${this.#o.secretId}`,
        { secretId: this.#o.secretId, ...context, attempts, cause: error },
      );
    }
    request.busyRetries++;
    this.#o.counters.connectRetries++;
    await this.#pause(jitter(delayMs * 2 ** (request.busyRetries - 1)));
  }

  /**
   * A ref'd delay (the caller awaits it); the pool's end cuts it short, and the next attempt
   * then gets pg's own "pool ended" error.
   */
  async #pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#o.signal }).catch(() => undefined);
  }
}
