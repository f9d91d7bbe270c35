import type { PoolConnection as CorePoolConnection } from 'mysql2';
import type { LoginGuardError, LoginGuardReason } from '../errors.js';
import { classifyConnectError, type FailureKind } from './auth-errors.js';
import { asError, ConnectRequest } from './connect-request.js';
import type { PoolContext } from './context.js';
import type { CredentialGenerations, Generation } from './generations.js';
import { type LoginGuard, type LoginOutcome, loginGuardError } from './login-guard.js';
import type { ConnectCallback } from './mysql2-internals.js';

export interface GateOptions extends PoolContext {
  /** Logins in flight at most. */
  readonly maxConnecting: number;
  readonly guard: LoginGuard | undefined;
  readonly generations: CredentialGenerations;
  /** What follows a login's result (`kind` undefined: it succeeded; no connection: it failed). */
  onLoginResult(
    request: ConnectRequest,
    error: Error | null,
    connection: CorePoolConnection | undefined,
    kind: FailureKind | undefined,
  ): void;
  /** The server refused these credentials' password before: the request needs newer ones. */
  onPasswordRefused(request: ConnectRequest, gen: Generation): void;
}

/** Whether a request must wait in the gate's queue, or was sent on (or settled). */
type Admission = 'waits' | 'handled';

/**
 * Decides when a request that would open a new connection may log in: after the first
 * credentials are loaded, outside a shared refresh, within `maxConnecting` logins in flight,
 * one at a time with unverified credentials, and only as the login guard allows. The others
 * wait, in order, and go on as logins end.
 */
export class ConnectGate {
  readonly #o: GateOptions;
  #waiters: ConnectRequest[] = [];
  #connecting = 0;
  #closed = false;
  /** Requests waiting out a retry delay, by their timer. */
  readonly #retryTimers = new Map<NodeJS.Timeout, ConnectRequest>();

  constructor(options: GateOptions) {
    this.#o = options;
  }

  /** Requests waiting for credentials, a refresh or a login slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Logins in flight. */
  get connecting(): number {
    return this.#connecting;
  }

  /** A caller's request that mysql2 would open a new connection for. */
  request(callback: ConnectCallback): void {
    const request = new ConnectRequest(callback, this.#onResult);
    if (this.#admit(request) === 'waits') this.#waiters.push(request);
  }

  /** Sends a request on again (a retry): to an idle connection or mysql2's queue if any, else to a login. */
  dispatch(request: ConnectRequest): void {
    if (this.#send(request) === 'waits') this.#waiters.push(request);
  }

  /**
   * Lets waiting requests try again (credentials arrived, a login finished, a refresh ended),
   * in order, stopping at the first one the gate sends back.
   */
  drain(): void {
    while (this.#waiters.length > 0) {
      const request = this.#waiters.shift() as ConnectRequest;
      if (this.#send(request) === 'waits') {
        this.#waiters.unshift(request);
        return;
      }
    }
  }

  /** A connection went back to the pool: a waiting request can have it. */
  afterRelease(): void {
    if (this.#waiters.length > 0 && this.#o.adapter.hasIdle) this.drain();
  }

  /** The first credentials could not be loaded: every waiting request gets the error. */
  failWaiting(error: unknown): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const request of waiters) request.callback(asError(error));
  }

  /**
   * Tries the request's login again after `delayMs`. The timer is ref'd: the caller awaits
   * it, and an unref'd one let a script exit with its query unsettled. `close()` cuts the wait.
   */
  retryLater(request: ConnectRequest, delayMs: number): void {
    if (this.#closed) {
      this.dispatch(request);
      return;
    }
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      this.dispatch(request);
    }, delayMs);
    this.#retryTimers.set(timer, request);
  }

  /** Called once mysql2's pool is closed: every request goes to it now, and it refuses them. */
  close(): void {
    this.#closed = true;
    this.drain();
    for (const [timer, request] of this.#retryTimers) {
      clearTimeout(timer);
      this.dispatch(request);
    }
    this.#retryTimers.clear();
  }

  /** Failed logins in a row the guard counts for the account of `gen`. */
  failedLoginsOf(gen: Generation): number {
    return this.#o.guard?.failures(gen.account) ?? 0;
  }

  /** The error for a login the guard held back; counted and announced. */
  guardError(gen: Generation, reason: LoginGuardReason): LoginGuardError {
    return loginGuardError(this.#o.guard as LoginGuard, gen, reason, this.#o);
  }

  #send(request: ConnectRequest): Admission {
    const { adapter } = this.#o;
    if (adapter.route() === 'open') return this.#admit(request);
    // An idle connection, mysql2's queue at the limit, or its refusal once closed: no login.
    adapter.getConnection(request.done);
    return 'handled';
  }

  /** The gate's decision for a request that would open a connection. */
  #admit(request: ConnectRequest): Admission {
    const { generations } = this.#o;
    const gen = generations.current;
    if (gen === undefined) {
      generations.ensure().catch(() => undefined);
      return 'waits';
    }
    if (this.#mustWait(gen)) return 'waits';
    generations.check();
    const login = generations.current as Generation;
    // A newer AWSCURRENT may just have been applied: it is unverified, so gate it too.
    if (login !== gen && this.#mustWait(login)) return 'waits';
    const verdict = this.#o.guard?.verdict(login.account, login.credentials.password) ?? 'allowed';
    switch (verdict) {
      case 'allowed':
        this.#startLogin(request, login);
        return 'handled';
      case 'wait':
        return 'waits';
      case 'password-refused':
        this.#o.onPasswordRefused(request, login);
        return 'handled';
      case 'limit':
        request.callback(this.guardError(login, 'limit'));
        return 'handled';
    }
  }

  #mustWait(gen: Generation): boolean {
    return (
      this.#o.generations.recovering ||
      this.#connecting >= this.#o.maxConnecting ||
      // Unverified credentials are tried by one login at a time, so stale ones cost one
      // failed login, not one per waiting request.
      (!gen.verified && this.#connecting > 0)
    );
  }

  #startLogin(request: ConnectRequest, login: Generation): void {
    request.gen = login;
    request.startedAt = Date.now();
    // The pool may have changed since the gate looked (a listener of an event it emitted):
    // only a request mysql2 really opened a connection for counts as a login.
    if (this.#o.adapter.getConnection(request.done) !== 'open') return;
    request.connecting = true;
    this.#connecting++;
    this.#o.guard?.started(login.account);
  }

  readonly #onResult = (
    request: ConnectRequest,
    error: Error | null,
    connection?: CorePoolConnection,
  ): void => {
    const kind = error === null ? undefined : classifyConnectError(error);
    if (request.connecting) {
      request.connecting = false;
      this.#connecting--;
      this.#loginEnded(request.gen as Generation, kind);
    }
    this.#o.onLoginResult(request, error, connection, kind);
    this.drain();
  };

  /** Tells the login guard how a login it let start ended (`kind` undefined: it succeeded). */
  #loginEnded(gen: Generation, kind: FailureKind | undefined): void {
    if (this.#o.guard === undefined) return;
    // Only access denied is a failed login for the server's count; a network error or a busy
    // or locked server never judged the password.
    const outcome: LoginOutcome =
      kind === undefined ? 'success' : kind === 'auth' ? 'refused' : 'no-verdict';
    this.#o.guard.ended(gen.account, gen.credentials.password, outcome);
  }
}
