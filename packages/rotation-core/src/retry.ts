import pRetry from 'p-retry';
import type { TimeBudget } from './budget.js';
import type { RetryOptions } from './options.js';

export interface RetryWithinBudgetOptions {
  readonly retry: Readonly<Required<RetryOptions>>;
  readonly budget: TimeBudget;
  /** Whether another attempt may help (a transient fault). */
  isRetryable(error: Error): boolean;
  /** Called before each retry, to log it. */
  onRetry(error: Error, attempt: number): void;
}

/**
 * Runs `body` again on retryable errors with jittered exponential backoff, as long as the
 * wait and another attempt still fit in the time budget; the budget's abort ends any wait.
 * Database steps and Secrets Manager calls share this policy.
 */
export function retryWithinBudget<T>(
  body: () => Promise<T>,
  options: RetryWithinBudgetOptions,
): Promise<T> {
  const { retry, budget, isRetryable, onRetry } = options;
  return pRetry(body, {
    retries: retry.retries,
    minTimeout: retry.minDelayMs,
    maxTimeout: retry.maxDelayMs,
    factor: 2,
    randomize: true,
    // Not `unref`: the caller awaits this backoff. With nothing else holding the event loop
    // (a database that refuses connections), an unref'd backoff let Node drain mid-step; the
    // Lambda runtime then posts success and a CLI exits 13. docs/architecture.md "Timers and
    // the event loop".
    signal: budget.signal,
    shouldRetry: ({ error }) => isRetryable(error) && budget.usableMs() > retry.minDelayMs + 100,
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (isRetryable(error) && retriesLeft > 0) onRetry(error, attemptNumber);
    },
  });
}
