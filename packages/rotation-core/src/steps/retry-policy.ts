import { DatabaseError, DatabaseLoginError } from '../errors.js';
import { retryWithinBudget } from '../retry.js';
import type { StepContext } from './context.js';

const TRANSIENT_LOGIN = new Set(['connection-lost', 'refused', 'too-many-connections']);
const TRANSIENT_SQL_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNRESET',
  'EPIPE',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
]);
// The same faults by number: ER_SERVER_SHUTDOWN, ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK.
const TRANSIENT_SQL_ERRNOS = new Set([1053, 1205, 1213]);

/** A database fault worth running the (idempotent) step body again for. */
export function isTransientDatabaseError(error: unknown): boolean {
  if (error instanceof DatabaseLoginError) return TRANSIENT_LOGIN.has(error.reason);
  if (error instanceof DatabaseError) {
    return (
      (error.code !== undefined && TRANSIENT_SQL_CODES.has(error.code)) ||
      (error.errno !== undefined && TRANSIENT_SQL_ERRNOS.has(error.errno))
    );
  }
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
    isRetryable: isTransientDatabaseError,
    onRetry: (error, attempt) =>
      ctx.logger.warn(`${ctx.step}: transient database fault; running the step again`, {
        attempt,
        error: error.message,
      }),
  });
}
