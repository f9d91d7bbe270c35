import { ClosedError, type SecretPoolError } from '../errors.js';
import type { FailureKind } from '../pool/auth-errors.js';
import type { PoolBasics } from '../pool/context.js';
import type { CredentialGenerations, Generation } from '../pool/generations.js';
import { type LoginGuard, type LoginOutcome, loginGuardError } from '../pool/login-guard.js';

/** A login the gate let start: with `gen`'s credentials, from `startedAt`. */
export interface LoginTicket {
  readonly gen: Generation;
  readonly startedAt: number;
}

/**
 * A login the gate did not start because the server already refused `gen`'s password: the
 * request re-reads the secret instead. Internal: the pool's connect loop consumes it.
 */
export class LoginSkipped extends Error {
  override name = 'LoginSkipped';
  readonly gen: Generation;
  constructor(gen: Generation) {
    super('login skipped: the server already refused this password');
    this.gen = gen;
  }
}

/**
 * The client was built for credentials that no longer name the same user, host, port or
 * database (alternating users switched meanwhile): the request takes a new client at once.
 * Internal, like {@link LoginSkipped}.
 */
export class CredentialsMoved extends Error {
  override name = 'CredentialsMoved';
  constructor() {
    super('the credentials changed identity before the login started');
  }
}

export interface PgLoginGateOptions extends PoolBasics {
  readonly maxConnecting: number;
  readonly guard: LoginGuard | undefined;
  readonly generations: CredentialGenerations;
}

interface Waiter {
  readonly built: Generation | undefined;
  resolve(ticket: LoginTicket): void;
  reject(error: Error): void;
}

type Decision = LoginTicket | Error | 'wait';

/**
 * Decides when a new pg client may send its login: after the first credentials are loaded,
 * outside a shared refresh, within `maxConnecting` logins in flight, one at a time with
 * unverified credentials, and only as the login guard allows. The others wait in order and go
 * on as logins end. The same rules as the mysql2 pool's ConnectGate, for a driver whose clients
 * ask before they log in (pg calls `connect()` on a client it made).
 */
export class PgLoginGate {
  readonly #o: PgLoginGateOptions;
  #waiters: Waiter[] = [];
  #connecting = 0;
  #closed = false;

  constructor(options: PgLoginGateOptions) {
    this.#o = options;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  get connecting(): number {
    return this.#connecting;
  }

  /** Waits for a login slot for a client built with `built`'s user, host, port and database. */
  admit(built: Generation | undefined): Promise<LoginTicket> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { built, resolve, reject };
      if (this.#waiters.length > 0 || !this.#settle(waiter)) this.#waiters.push(waiter);
    });
  }

  /** A login the gate started has ended (`kind` undefined: it succeeded). */
  ended(ticket: LoginTicket, kind: FailureKind | undefined): void {
    this.#connecting--;
    const guard = this.#o.guard;
    if (guard !== undefined) {
      // Only a refused password counts for the server; a network error or a busy server never judged it.
      const outcome: LoginOutcome =
        kind === undefined ? 'success' : kind === 'auth' ? 'refused' : 'no-verdict';
      guard.ended(ticket.gen.account, ticket.gen.credentials.password, outcome);
    }
    this.drain();
  }

  /** Lets waiting logins try again, in order, stopping at the first that must still wait. */
  drain(): void {
    while (this.#waiters.length > 0) {
      if (!this.#settle(this.#waiters[0] as Waiter)) return;
      this.#waiters.shift();
    }
  }

  /** The first credentials could not be loaded: every waiting login gets the error. */
  failWaiting(error: Error): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  /** The pool is ending: waiting logins fail, later ones too. */
  close(): void {
    this.#closed = true;
    this.failWaiting(this.#closedError());
  }

  /** Failed logins in a row the guard counts for the account of `gen`. */
  failedLoginsOf(gen: Generation): number {
    return this.#o.guard?.failures(gen.account) ?? 0;
  }

  /** The guard's error for a request whose logins were all held back (never sent). */
  guardError(gen: Generation): SecretPoolError {
    return loginGuardError(this.#o.guard as LoginGuard, gen, 'password-refused', this.#o);
  }

  /** Settles the waiter if the gate has a decision for it; false: it waits. */
  #settle(waiter: Waiter): boolean {
    const decision = this.#decide(waiter.built);
    if (decision === 'wait') return false;
    if (decision instanceof Error) waiter.reject(decision);
    else waiter.resolve(decision);
    return true;
  }

  #decide(built: Generation | undefined): Decision {
    if (this.#closed) return this.#closedError();
    const { generations } = this.#o;
    const gen = generations.current;
    if (gen === undefined) {
      generations.ensure().catch(() => undefined);
      return 'wait';
    }
    if (this.#mustWait(gen)) return 'wait';
    generations.check();
    const login = generations.current as Generation;
    // A newer AWSCURRENT may just have been applied: it is unverified, so gate it too.
    if (login !== gen && this.#mustWait(login)) return 'wait';
    if (built === undefined || built.credentials.identity !== login.credentials.identity) {
      return new CredentialsMoved();
    }
    return this.#verdict(login);
  }

  #verdict(login: Generation): Decision {
    const guard = this.#o.guard;
    switch (guard?.verdict(login.account, login.credentials.password) ?? 'allowed') {
      case 'allowed':
        this.#connecting++;
        guard?.started(login.account);
        return { gen: login, startedAt: Date.now() };
      case 'wait':
        return 'wait';
      case 'password-refused':
        return new LoginSkipped(login);
      case 'limit':
        return loginGuardError(guard as LoginGuard, login, 'limit', this.#o);
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

  #closedError(): ClosedError {
    return new ClosedError(`The pool for secret ${this.#o.secretId} is ending`, {
      secretId: this.#o.secretId,
    });
  }
}
