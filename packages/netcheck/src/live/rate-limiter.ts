import { performance } from 'node:perf_hooks';
import { InvalidOptionError } from '../errors.js';

export interface ProbeRateLimiterOptions {
  /** Probes allowed per key within `windowMs`. @default 5 */
  maxProbes?: number;
  /** @default 60000 */
  windowMs?: number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * A sliding-window limit per `host:port`. MySQL counts every connection that ends before
 * authentication toward `max_connect_errors` and then blocks the client host (error 1129)
 * for everyone on it, so greeting probes must stay rare. Holds no timers.
 * @example
 * const limiter = new ProbeRateLimiter({ maxProbes: 2, windowMs: 60_000 });
 * await probeMysql({ host, port, rateLimiter: limiter });
 */
export class ProbeRateLimiter {
  readonly maxProbes: number;
  readonly windowMs: number;
  readonly #hits = new Map<string, number[]>();
  readonly #now: () => number;

  constructor(options: ProbeRateLimiterOptions = {}, now: () => number = () => performance.now()) {
    const maxProbes = options.maxProbes ?? 5;
    const windowMs = options.windowMs ?? 60_000;
    if (!Number.isInteger(maxProbes) || maxProbes < 1) {
      throw InvalidOptionError.of(
        'maxProbes',
        `expected an integer >= 1, got ${String(options.maxProbes)}`,
      );
    }
    if (!Number.isFinite(windowMs) || windowMs <= 0) {
      throw InvalidOptionError.of(
        'windowMs',
        `expected a positive number, got ${String(options.windowMs)}`,
      );
    }
    this.maxProbes = maxProbes;
    this.windowMs = windowMs;
    this.#now = now;
    Object.freeze(this);
  }

  /** Takes a slot for `key` if one is free. */
  tryAcquire(key: string): RateLimitDecision {
    const now = this.#now();
    const recent = (this.#hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.maxProbes) {
      this.#hits.set(key, recent);
      return { allowed: false, retryAfterMs: Math.ceil(this.windowMs - (now - recent[0]!)) };
    }
    recent.push(now);
    this.#hits.set(key, recent);
    return { allowed: true };
  }

  /** Forgets one key, or all. */
  reset(key?: string): void {
    if (key === undefined) this.#hits.clear();
    else this.#hits.delete(key);
  }
}

/** Shared by every `probeMysql` call that does not pass its own limiter. */
export const defaultMysqlRateLimiter: ProbeRateLimiter = new ProbeRateLimiter();
