import type { DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import { RotakitError } from '@rotakit/core';
import { TimeBudget } from '../budget.js';
import {
  annotateError,
  RotationNotEnabledError,
  type RotationStep,
  VersionNotPendingError,
} from '../errors.js';
import { type Logger, serializeError } from '../logger.js';
import { refuseManagedSecret } from '../managed-secret.js';
import { recordStep } from '../metrics.js';
import type { ResolvedOptions } from '../options.js';
import { SecretsManagerCalls } from '../secrets-manager.js';
import { alternatingUsers } from '../strategies/alternating-users.js';
import { singleUser } from '../strategies/single-user.js';
import type { Strategy } from '../strategies/strategy.js';
import { boundaryReporter } from './boundary.js';
import type { Diagnostics, StepContext } from './context.js';
import { createSecret } from './create-secret.js';
import type { ParsedEvent } from './event.js';
import { finishSecret, removePendingLabel } from './finish-secret.js';
import { setSecret } from './set-secret.js';
import { AWSCURRENT, AWSPENDING } from './stages.js';
import { testSecret } from './test-secret.js';

/** A logger that adds fixed fields to every line. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const merge = (extras: Record<string, unknown>[]) => Object.assign({ ...fields }, ...extras);
  return {
    debug: (message, ...extras) => logger.debug(message, merge(extras)),
    info: (message, ...extras) => logger.info(message, merge(extras)),
    warn: (message, ...extras) => logger.warn(message, merge(extras)),
    error: (message, ...extras) => logger.error(message, merge(extras)),
  };
}

const STRATEGIES: Record<ResolvedOptions['strategy'], Strategy> = {
  'single-user': singleUser,
  'alternating-users': alternatingUsers,
};

const STEP_BODIES: Record<RotationStep, (ctx: StepContext, strategy: Strategy) => Promise<void>> = {
  createSecret,
  setSecret,
  testSecret: (ctx) => testSecret(ctx),
  finishSecret: (ctx) => finishSecret(ctx),
};

export interface DispatchMode {
  /**
   * Run by `runRotation` rather than by the service: the secret need not have rotation
   * enabled, and createSecret may create the pending version itself.
   */
  direct: boolean;
  signal?: AbortSignal | undefined;
}

/** What one step invocation did. */
export interface StepReport {
  step: RotationStep;
  /** True when the version was already AWSCURRENT and the step did nothing. */
  skipped: boolean;
  durationMs: number;
}

/** Called when a step fails, before the error is rethrown (diagnosis). @internal */
export type FailureObserver = (
  error: unknown,
  ctx: {
    options: ResolvedOptions;
    event: ParsedEvent;
    budget: TimeBudget;
    logger: Logger;
    diagnostics: Diagnostics;
  },
) => Promise<void>;

/** Runs before the createSecret body (preflight checks). @internal */
export type BeforeCreate = (ctx: StepContext) => Promise<void>;

/** Extensions run around the step (diagnosis, preflight). @internal */
export interface DispatchExtensions {
  onFailure?: FailureObserver;
  beforeCreate?: BeforeCreate;
}

/** One invocation's state before DescribeSecret has answered. */
interface StepRun {
  readonly options: ResolvedOptions;
  readonly event: ParsedEvent;
  readonly mode: DispatchMode;
  readonly logger: Logger;
  readonly budget: TimeBudget;
  readonly sm: SecretsManagerCalls;
  readonly boundary: StepContext['boundary'];
  readonly diagnostics: Diagnostics;
  readonly started: number;
}

/**
 * Runs one step the way the templates' dispatcher does: DescribeSecret, the rotation and
 * version checks, a no-op when the token is already AWSCURRENT, then the step.
 * @internal
 */
export async function dispatch(
  options: ResolvedOptions,
  event: ParsedEvent,
  lambdaContext: unknown,
  mode: DispatchMode,
  extensions: DispatchExtensions = {},
): Promise<StepReport> {
  const run = startRun(options, event, lambdaContext, mode);
  try {
    return await runStep(run, extensions.beforeCreate);
  } catch (error) {
    await reportFailure(run, error, extensions.onFailure);
    throw error;
  } finally {
    run.budget[Symbol.dispose]();
  }
}

function startRun(
  options: ResolvedOptions,
  event: ParsedEvent,
  lambdaContext: unknown,
  mode: DispatchMode,
): StepRun {
  const started = performance.now();
  const { step, secretId, token } = event;
  const logger = withFields(options.logger, { secretId, step, versionId: token });
  const budget = TimeBudget.fromContext(lambdaContext, {
    reserveMs: options.timeouts.reserveMs,
    defaultMs: options.timeouts.defaultBudgetMs,
    signal: mode.signal,
  });
  const boundary = boundaryReporter(options.hooks, step);
  const sm = new SecretsManagerCalls({
    client: options.client,
    budget,
    requestTimeoutMs: options.timeouts.requestTimeoutMs,
    retry: options.retry,
    boundary,
    logger,
  });
  logger.info(`${step}: started`, {
    strategy: options.strategy,
    remainingMs: Math.round(budget.remainingMs()),
  });
  return { options, event, mode, logger, budget, sm, boundary, diagnostics: {}, started };
}

async function runStep(run: StepRun, beforeCreate: BeforeCreate | undefined): Promise<StepReport> {
  const metadata = await run.sm.describeSecret(run.event.secretId);
  // Before the version checks: a managed secret is refused at every step, whatever its labels.
  refuseManagedSecret(metadata, run.event.secretId);
  const ctx = stepContext(run, metadata);
  if (checkVersion(ctx, run.mode) === 'already-current') {
    await skipCurrentVersion(ctx);
    return endRun(run, 'skipped');
  }
  if (ctx.step === 'createSecret') await beforeCreate?.(ctx);
  await STEP_BODIES[ctx.step](ctx, STRATEGIES[ctx.options.strategy]);
  return endRun(run, 'success');
}

function stepContext(run: StepRun, metadata: DescribeSecretResponse): StepContext {
  const { options, event, sm, budget, logger, boundary, diagnostics } = run;
  const { step, secretId, token, rotationToken } = event;
  const rest = { sm, budget, logger, boundary, diagnostics };
  return { options, step, secretId, token, rotationToken, metadata, ...rest };
}

/**
 * The templates' checks before every step: rotation enabled, the token a version carrying
 * AWSPENDING. A version already AWSCURRENT means a late retry: nothing to do.
 */
function checkVersion(ctx: StepContext, mode: DispatchMode): 'run' | 'already-current' {
  const { step, secretId, token, metadata } = ctx;
  if (!mode.direct && metadata.RotationEnabled !== true) {
    throw new RotationNotEnabledError(`Secret ${secretId} is not enabled for rotation`);
  }
  const stages = metadata.VersionIdsToStages?.[token];
  if (!stages) {
    // runRotation's createSecret makes the pending version itself.
    if (mode.direct && step === 'createSecret') return 'run';
    throw new VersionNotPendingError(
      `Secret version ${token} has no stage for rotation of secret ${secretId}`,
      { stages: [] },
    );
  }
  if (stages.includes(AWSCURRENT)) return 'already-current';
  if (!stages.includes(AWSPENDING)) {
    throw new VersionNotPendingError(
      `Secret version ${token} not set as AWSPENDING for rotation of secret ${secretId}`,
      { stages },
    );
  }
  return 'run';
}

async function skipCurrentVersion(ctx: StepContext): Promise<void> {
  ctx.logger.info(`${ctx.step}: version is already AWSCURRENT; nothing to do`);
  // A finishSecret that stopped between its two calls leaves AWSPENDING here.
  const stages = ctx.metadata.VersionIdsToStages?.[ctx.token] ?? [];
  if (stages.includes(AWSPENDING)) await removePendingLabel(ctx);
}

function endRun(run: StepRun, outcome: 'success' | 'skipped'): StepReport {
  const { step } = run.event;
  const durationMs = performance.now() - run.started;
  if (outcome === 'success') {
    run.logger.info(`${step}: finished`, { durationMs: Math.round(durationMs) });
  }
  recordStep(run.options.metrics, run.logger, { step, outcome, durationMs });
  return { step, skipped: outcome === 'skipped', durationMs };
}

async function reportFailure(
  run: StepRun,
  error: unknown,
  onFailure: FailureObserver | undefined,
): Promise<void> {
  const { options, event, budget, logger, diagnostics } = run;
  const { step, secretId, token } = event;
  if (error instanceof RotakitError) annotateError(error, { step, secretId, versionId: token });
  logger.error(`${step}: failed`, { error: serializeError(error) });
  // Before the diagnosis, which may use up the time left.
  const durationMs = performance.now() - run.started;
  recordStep(options.metrics, logger, { step, outcome: 'failure', durationMs });
  await onFailure?.(error, { options, event, budget, logger, diagnostics }).catch(
    (observerError: unknown) => {
      logger.warn('failure diagnosis could not run', { error: serializeError(observerError) });
    },
  );
}
