/**
 * Counts failed logins since the last successful one, within a sliding window, and refuses
 * further attempts once `maxFailures` is reached: a retry storm must not trip the server's
 * own lockout (MySQL FAILED_LOGIN_ATTEMPTS / error 3955, MariaDB max_password_errors), which
 * also counts consecutive failures and resets on success.
 */
export class LoginGuard {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly #failures: number[] = [];

  constructor(maxFailures: number, windowMs: number) {
    this.maxFailures = maxFailures;
    this.windowMs = windowMs;
  }

  recordFailure(now = Date.now()): void {
    this.#failures.push(now);
  }

  recordSuccess(): void {
    this.#failures.length = 0;
  }

  /** Failures still counted at `now`. */
  failures(now = Date.now()): number {
    const windowStart = now - this.windowMs;
    while (this.#failures.length > 0 && (this.#failures[0] ?? 0) <= windowStart) {
      this.#failures.shift();
    }
    return this.#failures.length;
  }

  /** Undefined when another login may be tried, else how long until one may. */
  blockedFor(now = Date.now()): number | undefined {
    if (this.failures(now) < this.maxFailures) return undefined;
    const oldest = this.#failures[0] ?? now;
    return Math.max(0, oldest + this.windowMs - now);
  }
}
