import { TimeBudgetExceededError } from './errors.js';

/** The part of the Lambda context the engine uses. */
export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

export interface TimeBudgetOptions {
  /** Time kept back to log the failure (and run the diagnosis) before Lambda's hard stop. */
  reserveMs: number;
  /** The budget when there is no Lambda context (local runs, tests). */
  defaultMs: number;
  /** Aborts the budget early (a caller's signal). */
  signal?: AbortSignal | undefined;
}

/** An abort signal for one operation, with the timer that ends it. */
export interface OperationSignal extends Disposable {
  readonly signal: AbortSignal;
}

/** The reason `AbortSignal.timeout()` gives, so callers see the same error. */
function operationTimedOut(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

/** How long a call's own timer outlives the budget's abort when the budget is what limits it. */
const BUDGET_TIMER_SLACK_MS = 250;

/**
 * The time one invocation may spend, from `context.getRemainingTimeInMillis()`. Every SDK
 * request and database timeout is fitted into it, and its signal aborts whatever is still
 * waiting when only the reserve is left, so the function reports a clear error instead of
 * being killed by Lambda ("Task timed out").
 */
export class TimeBudget implements Disposable {
  readonly reserveMs: number;
  readonly #deadline: number;
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #operation = 'the rotation step';
  #stopFollowing: (() => void) | undefined;

  constructor(totalMs: number, options: TimeBudgetOptions) {
    this.reserveMs = options.reserveMs;
    this.#deadline = performance.now() + totalMs;
    const usable = Math.max(0, totalMs - options.reserveMs);
    // Kept ref'd: a wait may depend on nothing but this abort, and dispatch() disposes the
    // budget in a `finally`, so it never outlives the step. docs/architecture.md "Timers and
    // the event loop".
    this.#timer = setTimeout(() => this.#expire(), usable);
    const outer = options.signal;
    if (outer) {
      if (outer.aborted) this.#controller.abort(outer.reason);
      else {
        const follow = () => this.#controller.abort(outer.reason);
        outer.addEventListener('abort', follow, { once: true });
        // A caller's signal outlives its steps (runRotation passes one to each): let go of it.
        this.#stopFollowing = () => outer.removeEventListener('abort', follow);
      }
    }
  }

  /** Builds the budget from a Lambda context, or the default when there is none. */
  static fromContext(context: unknown, options: TimeBudgetOptions): TimeBudget {
    const getter = (context as Partial<LambdaContextLike> | undefined)?.getRemainingTimeInMillis;
    let total = options.defaultMs;
    if (typeof getter === 'function') {
      const remaining = Number(getter.call(context));
      if (Number.isFinite(remaining) && remaining > 0) total = remaining;
    }
    return new TimeBudget(total, options);
  }

  #expire(): void {
    this.#controller.abort(
      TimeBudgetExceededError.of({
        operation: this.#operation,
        remainingMs: this.remainingMs(),
        reserveMs: this.reserveMs,
      }),
    );
  }

  /** Aborted when only the reserve is left (reason: a `TimeBudgetExceededError`). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Milliseconds until the hard deadline (Lambda's). */
  remainingMs(): number {
    return this.#deadline - performance.now();
  }

  /** Milliseconds that may still be spent before the reserve. */
  usableMs(): number {
    return this.remainingMs() - this.reserveMs;
  }

  /** Names what is running, for the error raised if time runs out during it. */
  enter(operation: string): void {
    this.#operation = operation;
  }

  /**
   * A timeout for one operation: `capMs`, shortened to fit the budget. Throws
   * `TimeBudgetExceededError` when less than `minimumMs` is usable.
   */
  timeoutFor(operation: string, capMs: number, minimumMs = 50): number {
    this.enter(operation);
    this.throwIfExceeded(operation, minimumMs);
    return Math.max(minimumMs, this.fit(capMs));
  }

  /**
   * `capMs` when it ends before the budget does. Otherwise the usable time plus a slack: a
   * call's own timer set to end exactly with the budget raced the budget's abort and, when it
   * won, reported a generic timeout instead of the TimeBudgetExceededError that names the
   * operation. The slack lies inside the reserve, and the budget's abort stops the call anyway.
   */
  fit(capMs: number): number {
    const usable = Math.floor(this.usableMs());
    return capMs < usable ? capMs : Math.max(1, usable + BUDGET_TIMER_SLACK_MS);
  }

  throwIfExceeded(operation: string, minimumMs = 0): void {
    if (this.#controller.signal.aborted) {
      const reason = this.#controller.signal.reason;
      if (reason instanceof TimeBudgetExceededError) {
        throw TimeBudgetExceededError.of({
          operation,
          remainingMs: this.remainingMs(),
          reserveMs: this.reserveMs,
        });
      }
      throw reason;
    }
    if (this.usableMs() <= minimumMs) {
      throw TimeBudgetExceededError.of({
        operation,
        remainingMs: this.remainingMs(),
        reserveMs: this.reserveMs,
      });
    }
  }

  /**
   * The budget's signal combined with a per-operation timeout; dispose it when the operation
   * settles. Not `AbortSignal.timeout()`: Node unrefs that timer, and the caller awaits it.
   */
  signalFor(timeoutMs: number): OperationSignal {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(operationTimedOut()), Math.max(1, timeoutMs));
    return {
      signal: AbortSignal.any([this.#controller.signal, timeout.signal]),
      [Symbol.dispose]: () => clearTimeout(timer),
    };
  }

  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
    this.#stopFollowing?.();
  }
}
