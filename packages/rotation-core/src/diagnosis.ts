import { checkRotationPath, diagnoseFailure, isNetworkError } from '@rotakit/netcheck';
import { PreflightError, TimeBudgetExceededError } from './errors.js';
import { serializeError } from './logger.js';
import type { StepContext } from './steps/context.js';
import type { FailureObserver } from './steps/dispatcher.js';

// Time kept after the probes to write the log line and return before Lambda's deadline.
const AFTER_PROBES_MS = 500;

/**
 * Runs netcheck's live probes when a step failed on the network or ran out of time, within
 * what is left of the budget, and logs one summary line plus the report. This is what turns
 * "Task timed out" into "secretsmanager.<region>.amazonaws.com resolved to public ...".
 */
export const diagnoseStepFailure: FailureObserver = async (error, state) => {
  const { options, event, budget, logger, diagnostics } = state;
  if (!options.diagnose) return;
  const outOfTime = error instanceof TimeBudgetExceededError;
  if (!outOfTime && !isNetworkError(error)) return;
  const remainingMs = budget.remainingMs() - AFTER_PROBES_MS;
  if (remainingMs < 300) {
    logger.warn('no time left to diagnose the failure; raise the function timeout', {
      remainingMs: Math.round(budget.remainingMs()),
    });
    return;
  }
  const database = diagnostics.database;
  const diagnosis = await diagnoseFailure(error, {
    remainingMs,
    reserveMs: 100,
    secretId: event.secretId,
    client: options.client,
    env: options.env,
    force: outOfTime,
    secret: database,
    // No tls.ca: it is the database's CA, and netcheck's TLS probe is of the Secrets Manager
    // endpoint, which the SDK verifies with Node's CAs.
  });
  logger.error(`diagnosis: ${diagnosis.summary}`, {
    diagnosis: {
      focus: diagnosis.focus,
      networkError: diagnosis.networkError,
      report: diagnosis.report,
    },
  });
};

/** netcheck's checkRotationPath before createSecret; fails the step when a check fails. */
export async function runPreflight(ctx: StepContext): Promise<void> {
  const preflight = ctx.options.preflight;
  if (!preflight) return;
  const timeoutMs = Math.floor(Math.min(preflight.timeoutMs, ctx.budget.usableMs() - 1000));
  if (timeoutMs < 200) {
    ctx.logger.warn('preflight skipped: not enough time left in the step');
    return;
  }
  const report = await checkRotationPath({
    secretId: ctx.secretId,
    client: ctx.options.client,
    timeoutMs,
    env: ctx.options.env,
    signal: ctx.budget.signal,
  }).catch((error: unknown) => {
    ctx.logger.warn('preflight checks could not run', { error: serializeError(error) });
    return undefined;
  });
  if (!report) return;
  const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
  ctx.logger[report.ok ? 'info' : 'error'](`preflight: ${report.summary}`, { preflight: report });
  if (!report.ok && preflight.failOnError) {
    throw new PreflightError(`Preflight network checks failed: ${report.summary}`, {
      failedChecks: failed,
    });
  }
}
