import type { DatabaseDriver } from '../database/driver.js';
import { DatabaseError, DatabaseLoginError } from '../errors.js';
import { retryWithinBudget } from '../retry.js';
import type { StepContext } from './context.js';

const TRANSIENT_LOGIN = new Set([
  'connection-lost',
  'refused',
  'too-many-connections',
  'starting-up',
]);

/**
 * A database fault worth running the (idempotent) step body again for: a login failure by
 * its engine-neutral reason, a statement failure as the engine's driver judges it.
 */
export function isTransientDatabaseError(error: unknown, driver: DatabaseDriver): boolean {
  if (error instanceof DatabaseLoginError) return TRANSIENT_LOGIN.has(error.reason);
  if (error instanceof DatabaseError) return driver.isTransientError?.(error) ?? false;
  return false;
}

/**
 * Runs a step body again on transient database faults (a dropped connection, a restarting
 * server), within the retry settings and the time budget. Step bodies are idempotent.
 */
export function withDatabaseRetries<T>(ctx: StepContext, body: () => Promise<T>): Promise<T> {
  return retryWithinBudget(body, {
    retry: ctx.options.retry,
    budget: ctx.budget,
    isRetryable: (error) => isTransientDatabaseError(error, ctx.options.database),
    onRetry: (error, attempt) =>
      ctx.logger.warn(`${ctx.step}: transient database fault; running the step again`, {
        attempt,
        error: error.message,
      }),
  });
}
