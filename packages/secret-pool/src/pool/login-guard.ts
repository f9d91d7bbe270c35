import { createHmac, randomBytes } from 'node:crypto';
import { LoginGuardError, type LoginGuardReason } from '../errors.js';
import type { PoolBasics } from './context.js';
import type { LoginGuardEvent } from './events.js';
import type { Generation } from './generations.js';

/** What the guard says about a login the pool is about to start. */
export type LoginVerdict =
  /** Go ahead. */
  | 'allowed'
  /** Logins in flight hold the rest of the budget: wait for one of them to end. */
  | 'wait'
  /** The server refused this password since the account's last successful login. */
  | 'password-refused'
  /** The account has `maxFailures` failed logins in a row: no login at all. */
  | 'limit';

/** How a login the guard let start ended. */
export type LoginOutcome = 'success' | 'refused' | 'no-verdict';

interface AccountState {
  /** Failed logins in a row since the last successful one (the server's own count). */
  failures: number;
  inFlight: number;
  /** Keyed hashes of the passwords refused since the last successful login. */
  readonly refused: Set<string>;
}

/**
 * Counts failed logins per database account the way the servers do (MariaDB
 * `max_password_errors`, MySQL `FAILED_LOGIN_ATTEMPTS`): in a row, for the pool's whole
 * life, reset only by a successful login of that account. A window that forgets would let
 * the server's count climb to its lockout. A login may start only while the account's
 * failures plus its logins in flight stay below `maxFailures`, and only with a password the
 * server has not refused since the last success: sending it again cannot succeed and would
 * spend the budget a corrected secret needs.
 */
export class LoginGuard {
  readonly maxFailures: number;
  readonly #accounts = new Map<string, AccountState>();
  /** Passwords are kept as HMACs under a key of this guard only, never as text. */
  readonly #hashKey = randomBytes(32);

  constructor(maxFailures: number) {
    this.maxFailures = maxFailures;
  }

  verdict(account: string, password: string): LoginVerdict {
    const state = this.#accounts.get(account);
    if (state === undefined) return 'allowed';
    if (state.failures >= this.maxFailures) return 'limit';
    if (state.refused.has(this.#fingerprint(password))) return 'password-refused';
    // Below the limit, so a full budget means logins in flight hold its rest.
    return state.failures + state.inFlight < this.maxFailures ? 'allowed' : 'wait';
  }

  /** A login the verdict allowed has started. */
  started(account: string): void {
    this.#state(account).inFlight++;
  }

  /** A started login ended; `no-verdict`: it failed before the server judged the password. */
  ended(account: string, password: string, outcome: LoginOutcome): void {
    const state = this.#state(account);
    state.inFlight = Math.max(0, state.inFlight - 1);
    if (outcome === 'success') {
      state.failures = 0;
      state.refused.clear();
    } else if (outcome === 'refused') {
      state.failures++;
      state.refused.add(this.#fingerprint(password));
    }
  }

  /** Failed logins in a row counted for the account. */
  failures(account: string): number {
    return this.#accounts.get(account)?.failures ?? 0;
  }

  #state(account: string): AccountState {
    let state = this.#accounts.get(account);
    if (state === undefined) {
      state = { failures: 0, inFlight: 0, refused: new Set() };
      this.#accounts.set(account, state);
    }
    return state;
  }

  #fingerprint(password: string): string {
    return createHmac('sha256', this.#hashKey).update(password).digest('base64');
  }
}

/**
 * The error for a login the guard held back (`limit`: the account's budget is spent;
 * `password-refused`: the server refused this password and Secrets Manager has nothing newer);
 * counted and announced. Shared by every driver's pool.
 */
export function loginGuardError(
  guard: LoginGuard,
  gen: Generation,
  reason: LoginGuardReason,
  { secretId, counters, announce }: PoolBasics,
): LoginGuardError {
  counters.loginGuardRejections++;
  const event: LoginGuardEvent = {
    secretId,
    reason,
    failures: guard.failures(gen.account),
    maxFailures: guard.maxFailures,
    versionId: gen.value.versionId,
  };
  announce('loginGuard', event);
  const budget = `${event.failures} failed logins in a row for the account, loginGuard.maxFailures ${guard.maxFailures}`;
  const message =
    reason === 'limit'
      ? `Not trying another login for secret ${secretId}: ${budget}; the server counts failures until a ` +
        'successful login, and another could lock the account. Fix the account or the secret, then recreate the pool.'
      : `Not logging in with version ${gen.value.versionId} of secret ${secretId}: the database already refused ` +
        `its password (${budget}) and Secrets Manager has nothing newer. A new secret version is tried as soon as the pool sees it.`;
  return new LoginGuardError(message, event);
}
