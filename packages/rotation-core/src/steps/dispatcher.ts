import { TimeBudget } from '../budget.js';
import {
  annotateError,
  InvalidEventError,
  RotationError,
  RotationNotEnabledError,
  type RotationStep,
  VersionNotPendingError,
} from '../errors.js';
import { type Logger, serializeError } from '../logger.js';
import { recordStep } from '../metrics.js';
import type { ResolvedOptions, RotationBoundary } from '../options.js';
import { SecretsManagerCalls } from '../secrets-manager.js';
import { alternatingUsers } from '../strategies/alternating-users.js';
import { singleUser } from '../strategies/single-user.js';
import type { Strategy } from '../strategies/strategy.js';
import { AWSCURRENT, AWSPENDING, type Diagnostics, type StepContext } from './context.js';
import { createSecret } from './create-secret.js';
import { finishSecret, removePendingLabel } from './finish-secret.js';
import { setSecret } from './set-secret.js';
import { testSecret } from './test-secret.js';

/** The step names the service sends; the snake_case spelling of one AWS page is accepted too. */
export type RotationStepName =
  | RotationStep
  | 'create_secret'
  | 'set_secret'
  | 'test_secret'
  | 'finish_secret';

/**
 * The event Secrets Manager sends a rotation function. `RotationToken` (missing from
 * `@types/aws-lambda`) is passed on to PutSecretValue.
 */
export interface RotationEvent {
  Step: RotationStepName;
  SecretId: string;
  ClientRequestToken: string;
  RotationToken?: string;
}

/** A validated event. @internal */
export interface ParsedEvent {
  step: RotationStep;
  secretId: string;
  token: string;
  rotationToken: string | undefined;
}

// A Map, not an object literal: `Step: "constructor"` or `"__proto__"` must not find an
// inherited Object.prototype member and pass as a step that then does nothing.
const STEP_NAMES: ReadonlyMap<string, RotationStep> = new Map<string, RotationStep>([
  ['createSecret', 'createSecret'],
  ['setSecret', 'setSecret'],
  ['testSecret', 'testSecret'],
  ['finishSecret', 'finishSecret'],
  ['create_secret', 'createSecret'],
  ['set_secret', 'setSecret'],
  ['test_secret', 'testSecret'],
  ['finish_secret', 'finishSecret'],
]);

const printable = (value: string) =>
  JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);

/** Checks the event's shape; every problem is an InvalidEventError naming the field. */
export function parseEvent(event: unknown): ParsedEvent {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw InvalidEventError.of('event', 'is not an object');
  }
  const record = event as Record<string, unknown>;
  const secretId = record.SecretId;
  if (typeof secretId !== 'string' || secretId.length === 0 || secretId.length > 2048) {
    throw InvalidEventError.of('SecretId', 'must be a non-empty string (the secret ARN)');
  }
  const token = record.ClientRequestToken;
  if (typeof token !== 'string' || token.length < 32 || token.length > 64) {
    throw InvalidEventError.of('ClientRequestToken', 'must be a string of 32 to 64 characters', {
      secretId,
    });
  }
  const rawStep = record.Step;
  if (typeof rawStep !== 'string') {
    throw InvalidEventError.of('Step', 'is missing', { secretId, versionId: token });
  }
  const step = STEP_NAMES.get(rawStep);
  if (!step) {
    throw InvalidEventError.of(
      'Step',
      `${printable(rawStep)} is not a rotation step (createSecret, setSecret, testSecret, finishSecret) for secret ${secretId}`,
      { secretId, versionId: token },
    );
  }
  const rotationToken = record.RotationToken;
  if (rotationToken !== undefined && rotationToken !== null && typeof rotationToken !== 'string') {
    throw InvalidEventError.of('RotationToken', 'must be a string when present', {
      secretId,
      versionId: token,
    });
  }
  return {
    step,
    secretId,
    token,
    rotationToken: typeof rotationToken === 'string' && rotationToken ? rotationToken : undefined,
  };
}

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
  extensions: { onFailure?: FailureObserver; beforeCreate?: BeforeCreate } = {},
): Promise<StepReport> {
  const { onFailure, beforeCreate } = extensions;
  const diagnostics: Diagnostics = {};
  const started = performance.now();
  const { step, secretId, token } = event;
  const logger = withFields(options.logger, { secretId, step, versionId: token });
  const budget = TimeBudget.fromContext(lambdaContext, {
    reserveMs: options.timeouts.reserveMs,
    defaultMs: options.timeouts.defaultBudgetMs,
    signal: mode.signal,
  });
  const occurrences = new Map<string, number>();
  const boundary = async (
    phase: 'before' | 'after',
    kind: 'secrets-manager' | 'sql',
    operation: string,
  ) => {
    const onBoundary = options.hooks.onBoundary;
    if (!onBoundary) return;
    const key = `${phase}:${kind}:${operation}`;
    const occurrence = (occurrences.get(key) ?? 0) + 1;
    occurrences.set(key, occurrence);
    const info: RotationBoundary = {
      name: `${step}:${phase}:${kind === 'sql' ? 'sql' : 'sm'}:${operation}#${occurrence}`,
      step,
      phase,
      kind,
      operation,
      occurrence,
      at: performance.now(),
    };
    await onBoundary(info);
  };
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
  try {
    const metadata = await sm.describeSecret(secretId);
    if (!mode.direct && metadata.RotationEnabled !== true) {
      throw new RotationNotEnabledError(`Secret ${secretId} is not enabled for rotation`);
    }
    const stages = metadata.VersionIdsToStages?.[token];
    const ctx: StepContext = {
      options,
      step,
      secretId,
      token,
      rotationToken: event.rotationToken,
      metadata,
      sm,
      budget,
      logger,
      boundary,
      diagnostics,
    };
    if (!stages) {
      if (!(mode.direct && step === 'createSecret')) {
        throw new VersionNotPendingError(
          `Secret version ${token} has no stage for rotation of secret ${secretId}`,
          { stages: [] },
        );
      }
    } else if (stages.includes(AWSCURRENT)) {
      logger.info(`${step}: version is already AWSCURRENT; nothing to do`);
      // A finishSecret that stopped between its two calls leaves AWSPENDING here.
      if (stages.includes(AWSPENDING)) await removePendingLabel(ctx);
      const durationMs = performance.now() - started;
      recordStep(options.metrics, logger, { step, outcome: 'skipped', durationMs });
      return { step, skipped: true, durationMs };
    } else if (!stages.includes(AWSPENDING)) {
      throw new VersionNotPendingError(
        `Secret version ${token} not set as AWSPENDING for rotation of secret ${secretId}`,
        { stages },
      );
    }

    const strategy = STRATEGIES[options.strategy];
    switch (step) {
      case 'createSecret':
        await beforeCreate?.(ctx);
        await createSecret(ctx, strategy);
        break;
      case 'setSecret':
        await setSecret(ctx, strategy);
        break;
      case 'testSecret':
        await testSecret(ctx);
        break;
      case 'finishSecret':
        await finishSecret(ctx);
        break;
    }
    const durationMs = performance.now() - started;
    logger.info(`${step}: finished`, { durationMs: Math.round(durationMs) });
    recordStep(options.metrics, logger, { step, outcome: 'success', durationMs });
    return { step, skipped: false, durationMs };
  } catch (error) {
    if (error instanceof RotationError) {
      annotateError(error, { step, secretId, versionId: token });
    }
    logger.error(`${step}: failed`, { error: serializeError(error) });
    // Before the diagnosis, which may use up the time left.
    const durationMs = performance.now() - started;
    recordStep(options.metrics, logger, { step, outcome: 'failure', durationMs });
    if (onFailure) {
      await onFailure(error, { options, event, budget, logger, diagnostics }).catch(
        (observerError: unknown) => {
          logger.warn('failure diagnosis could not run', { error: serializeError(observerError) });
        },
      );
    }
    throw error;
  } finally {
    budget[Symbol.dispose]();
  }
}
