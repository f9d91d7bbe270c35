import { performance } from 'node:perf_hooks';
import { DeadlineExceeded } from '../errors.js';

export { DeadlineExceeded };

/**
 * A hard time budget that also follows an outer AbortSignal. `signal` aborts when either the
 * budget runs out (`timedOut`) or the caller aborts (`aborted`). Its timer keeps the process
 * alive until `dispose()`: create it with `using`.
 */
export class Deadline implements Disposable {
  readonly startedAt = performance.now();
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  #controller = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #timedOut = false;
  #parent: AbortSignal | undefined;
  #onParentAbort = () => this.#controller.abort(this.#parent?.reason);

  constructor(timeoutMs: number, parent?: AbortSignal) {
    this.timeoutMs = timeoutMs;
    this.signal = this.#controller.signal;
    this.#parent = parent;
    if (parent?.aborted) {
      this.#controller.abort(parent.reason);
      return;
    }
    parent?.addEventListener('abort', this.#onParentAbort, { once: true });
    // Ref'd: probes await race() on it, and a probe such as a MySQL `end()` on a dead socket
    // has nothing else holding the event loop. Every Deadline is disposed (`using`), so it
    // never outlives its probe. docs/architecture.md "Timers and the event loop".
    this.#timer = setTimeout(
      () => {
        this.#timedOut = true;
        this.#controller.abort(new DeadlineExceeded('deadline exceeded'));
      },
      Math.max(0, timeoutMs),
    );
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** The outer signal aborted (not the budget). */
  get aborted(): boolean {
    return this.signal.aborted && !this.#timedOut;
  }

  elapsed(): number {
    return performance.now() - this.startedAt;
  }

  remaining(): number {
    return Math.max(0, this.timeoutMs - this.elapsed());
  }

  /** A child deadline that ends no later than this one. */
  child(timeoutMs?: number): Deadline {
    return new Deadline(
      Math.min(timeoutMs ?? Number.POSITIVE_INFINITY, this.remaining()),
      this.signal,
    );
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Settles with `promise`, or rejects with the abort reason when the deadline ends first. */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.signal.aborted) {
      promise.catch(() => {});
      return Promise.reject(this.signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.signal.reason);
      this.signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => {
          this.signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          this.signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }
}

export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}
