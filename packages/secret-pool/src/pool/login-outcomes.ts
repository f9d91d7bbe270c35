import type { PoolConnection as CorePoolConnection } from 'mysql2';
import {
  AuthenticationError,
  isOwnError,
  ManagedRotationPendingError,
  type SecretPoolError,
  ServerBusyError,
} from '../errors.js';
import { driverContext, type FailureKind, terminalError } from './auth-errors.js';
import type { ConnectGate } from './connect-gate.js';
import { asError, type ConnectRequest } from './connect-request.js';
import type { PoolContext } from './context.js';
import type { AuthFailureEvent } from './events.js';
import type { CredentialGenerations, Generation } from './generations.js';
import type { ResolvedPoolOptions } from './options.js';
import { endpointMayHaveMoved } from './rds-endpoint.js';

export interface OutcomesOptions extends PoolContext {
  readonly auth: ResolvedPoolOptions['auth'];
  readonly serverBusy: ResolvedPoolOptions['serverBusy'];
  readonly gate: ConnectGate;
  readonly generations: CredentialGenerations;
}

function jitter(ms: number): number {
  return ms * (0.5 + Math.random() / 2);
}

/**
 * What follows a login's result: the connection for the caller, or by the failure's kind a
 * refresh and a retry (access denied), a back-off (busy server), a typed error (terminal),
 * or mysql2's error as it is. Only the login is retried, never a statement.
 */
export class LoginOutcomes {
  readonly #o: OutcomesOptions;

  constructor(options: OutcomesOptions) {
    this.#o = options;
  }

  handle(
    request: ConnectRequest,
    error: Error | null,
    connection: CorePoolConnection | undefined,
    kind: FailureKind | undefined,
  ): void {
    if (error === null) {
      request.callback(null, connection);
      return;
    }
    if (isOwnError(error) || request.gen === undefined) {
      request.callback(error);
      return;
    }
    switch (kind) {
      case 'auth':
        this.#onAuthFailure(request, error);
        break;
      case 'terminal':
        this.#onTerminal(request, error);
        break;
      case 'busy':
        this.#onServerBusy(request, error);
        break;
      default:
        this.#onOtherError(request, error);
    }
  }

  /** Not ours to handle, unless the RDS endpoint may have moved: then look it up again, once. */
  #onOtherError(request: ConnectRequest, error: Error): void {
    const { generations, gate } = this.#o;
    if (!generations.looksUpEndpoint || request.endpointRechecked || !endpointMayHaveMoved(error)) {
      request.callback(error);
      return;
    }
    request.endpointRechecked = true;
    const tried = request.gen;
    generations.refreshEndpoint().then(
      () => {
        if (generations.current !== tried) gate.dispatch(request);
        else request.callback(error);
      },
      () => request.callback(error),
    );
  }

  /** The server refused `gen`'s password before: re-read the secret instead of a login that must fail. */
  skipRefusedLogin(request: ConnectRequest, gen: Generation): void {
    this.#o.counters.loginsSkipped++;
    request.skippedLogins++;
    // Each retry asks for a value fetched after it started: the secret may have been corrected.
    request.startedAt = Date.now();
    this.#retryWithNewerCredentials(request, gen);
  }

  #onAuthFailure(request: ConnectRequest, error: Error): void {
    const gen = request.gen as Generation;
    this.#o.counters.authFailures++;
    request.authFailures++;
    request.lastDenial = error;
    gen.verified = false;
    const event: AuthFailureEvent = {
      secretId: this.#o.secretId,
      ...driverContext(error),
      versionId: gen.value.versionId,
      source: gen.source,
      attempt: request.authFailures,
    };
    this.#o.announce('authFailure', event);
    this.#retryWithNewerCredentials(request, gen);
  }

  #onTerminal(request: ConnectRequest, error: Error): void {
    this.#o.counters.terminalErrors++;
    const typed = terminalError(error, this.#o.secretId);
    this.#o.announce('terminalError', typed);
    request.callback(typed);
  }

  /**
   * After `gen`'s credentials were refused: one shared refresh, then the login again (with
   * new credentials at once, else after a jittered, doubling delay), up to `auth.maxRetries`.
   * A skipped login always gets its refresh: it is how a corrected secret is found.
   */
  #retryWithNewerCredentials(request: ConnectRequest, gen: Generation): void {
    const { gate, generations, auth } = this.#o;
    const retries = request.authFailures + request.skippedLogins;
    const exhausted = retries > auth.maxRetries;
    if (exhausted && request.skippedLogins === 0) {
      request.callback(this.#refusedError(request, gen));
      return;
    }
    this.#o.counters.connectRetries++;
    generations.recover(gen, request.startedAt).then(
      () => {
        if (generations.current !== gen) {
          gate.dispatch(request);
        } else if (generations.managed) {
          this.#waitOutManagedRotation(request, gen);
        } else if (exhausted) {
          request.callback(this.#refusedError(request, gen));
        } else {
          // Nothing newer in Secrets Manager: wait a little (the rotation may be mid-step).
          const delay = Math.min(auth.maxRetryDelayMs, auth.retryDelayMs * 2 ** (retries - 1));
          gate.retryLater(request, jitter(delay));
        }
      },
      (failure: unknown) => request.callback(asError(failure)),
    );
  }

  /** RDS changed the password and has not moved AWSCURRENT yet: wait (shared, bounded), then log in again. */
  #waitOutManagedRotation(request: ConnectRequest, gen: Generation): void {
    const { gate, generations } = this.#o;
    generations.awaitManagedRotation(gen).then(
      (outcome) => {
        if (outcome === 'budget-spent') request.callback(this.#managedPendingError(request, gen));
        else gate.dispatch(request);
      },
      (failure: unknown) => request.callback(asError(failure)),
    );
  }

  #managedPendingError(request: ConnectRequest, gen: Generation): ManagedRotationPendingError {
    const { secretId, generations } = this.#o;
    const denial = request.lastDenial;
    const context = driverContext(denial);
    const waitedMs = generations.managedWaitedFor(gen);
    return new ManagedRotationPendingError(
      `The database refused the password of RDS-managed secret ${secretId} (version ${gen.value.versionId}) ` +
        `and Secrets Manager had nothing newer after ${waitedMs} ms of re-reading (managedRotation.waitMs): ` +
        'a managed rotation may be under way (RDS changes the password before it moves AWSCURRENT), ' +
        'or the password was changed outside Secrets Manager',
      { ...context, secretId, versionId: gen.value.versionId, waitedMs, cause: denial },
    );
  }

  /** The error for a request whose retries ran out with its credentials still refused. */
  #refusedError(request: ConnectRequest, gen: Generation): SecretPoolError {
    const denial = request.lastDenial;
    // It never logged in itself: its logins were held back because they could not succeed.
    if (denial === undefined) return this.#o.gate.guardError(gen, 'password-refused');
    const context = driverContext(denial);
    const { secretId, auth } = this.#o;
    return new AuthenticationError(
      `Access denied for the credentials of secret ${secretId} (version ${gen.value.versionId}, ${gen.source}) ` +
        `after refreshing AWSCURRENT${auth.probePending ? ' and probing AWSPENDING' : ''} ` +
        `and ${auth.maxRetries} retries (errno ${context.errno})`,
      { ...context, secretId, attempts: request.authFailures, cause: denial },
    );
  }

  #onServerBusy(request: ConnectRequest, error: Error): void {
    const { retries, delayMs } = this.#o.serverBusy;
    if (request.busyRetries >= retries) {
      const context = driverContext(error);
      const attempts = request.busyRetries + 1;
      const code = context.code ? ` ${context.code}` : '';
      request.callback(
        new ServerBusyError(
          `The database refused new connections (errno ${context.errno}${code}) ${attempts} times for secret ${this.#o.secretId}`,
          { secretId: this.#o.secretId, ...context, attempts, cause: error },
        ),
      );
      return;
    }
    request.busyRetries++;
    this.#o.counters.connectRetries++;
    this.#o.gate.retryLater(request, jitter(delayMs * 2 ** (request.busyRetries - 1)));
  }
}
