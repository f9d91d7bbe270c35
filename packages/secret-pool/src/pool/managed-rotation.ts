import { setTimeout as sleep } from 'node:timers/promises';
import type { PoolCounters } from './context.js';
import type { Generation } from './generations.js';

/** The resolved `managedRotation` option (docs/secret-pool.md, "RDS-managed secrets"). */
export interface ManagedRotationBudget {
  readonly waitMs: number;
  readonly recheckDelayMs: number;
  readonly maxRecheckDelayMs: number;
}

/** How a wait for a managed rotation ended. */
export type ManagedWaitOutcome =
  /** Another version is applied now: log in again. */
  | 'new-version'
  /** `waitMs` went by since the version was first refused and nothing newer came. */
  | 'budget-spent'
  /** The pool is ending: hand the request to mysql2, which refuses it. */
  | 'closed';

function jitter(ms: number): number {
  return ms * (0.5 + Math.random() / 2);
}

export interface ManagedRotationWaitOptions {
  readonly budget: ManagedRotationBudget;
  readonly counters: PoolCounters;
  /** One shared re-read of the secret (AWSCURRENT, then AWSPENDING) for `failed`. */
  recheck(failed: Generation): Promise<void>;
  /** Whether `gen` is still the version new connections use. */
  isCurrent(gen: Generation): boolean;
}

/**
 * RDS changes the password on the database before it moves AWSCURRENT (the docs: "new
 * connections that retrieve the secret may get the previous version of the credentials"), so
 * a refused managed secret is re-read on a jittered, doubling schedule until a newer version
 * is applied or the budget from its first refusal is spent. One wait per refused version,
 * shared by every request; the timers are ref'd because requests await them.
 */
export class ManagedRotationWait {
  readonly #o: ManagedRotationWaitOptions;
  readonly #firstRefusedAt = new WeakMap<Generation, number>();
  readonly #abort = new AbortController();
  #inFlight: { gen: Generation; outcome: Promise<ManagedWaitOutcome> } | undefined;

  constructor(options: ManagedRotationWaitOptions) {
    this.#o = options;
  }

  /** A wait is under way: new logins would only resend the refused password. */
  get active(): boolean {
    return this.#inFlight !== undefined;
  }

  /** Milliseconds since `gen` was first refused (0 if it never was). */
  waitedFor(gen: Generation): number {
    const since = this.#firstRefusedAt.get(gen);
    return since === undefined ? 0 : Date.now() - since;
  }

  /** Waits (shared) until a version other than `failed` is applied, within the budget. */
  wait(failed: Generation): Promise<ManagedWaitOutcome> {
    if (this.#abort.signal.aborted) return Promise.resolve('closed');
    if (this.#inFlight?.gen === failed) return this.#inFlight.outcome;
    if (!this.#firstRefusedAt.has(failed)) this.#firstRefusedAt.set(failed, Date.now());
    const outcome = this.#recheckUntilReplaced(failed);
    const entry = { gen: failed, outcome };
    this.#inFlight = entry;
    outcome.finally(() => {
      if (this.#inFlight === entry) this.#inFlight = undefined;
    });
    return outcome;
  }

  /** Cuts every wait short (the pool is ending). */
  close(): void {
    this.#abort.abort();
  }

  async #recheckUntilReplaced(failed: Generation): Promise<ManagedWaitOutcome> {
    const { budget, counters } = this.#o;
    const deadline = (this.#firstRefusedAt.get(failed) ?? Date.now()) + budget.waitMs;
    if (Date.now() < deadline) counters.managedRotationWaits++;
    let delay = budget.recheckDelayMs;
    while (this.#o.isCurrent(failed)) {
      const left = deadline - Date.now();
      if (left <= 0) return 'budget-spent';
      try {
        await sleep(Math.min(jitter(delay), left), undefined, { signal: this.#abort.signal });
      } catch {
        return 'closed';
      }
      counters.managedRotationRechecks++;
      await this.#o.recheck(failed).catch(() => undefined);
      delay = Math.min(budget.maxRecheckDelayMs, delay * 2);
    }
    return 'new-version';
  }
}
