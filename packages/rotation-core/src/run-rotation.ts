import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  type DescribeSecretResponse,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ROTATION_STEPS } from '@rotakit/core';
import { InvalidOptionError, type RotationStep } from './errors.js';
import {
  createRotationHandler,
  engineOf,
  type RotationEngine,
  type RotationHandler,
} from './handler.js';
import { refuseManagedSecret } from './managed-secret.js';
import type { RotationHandlerOptions } from './options.js';
import { toSecretsManagerError } from './secrets-manager.js';
import { AWSCURRENT, AWSPENDING } from './steps/stages.js';

/** Progress of `runRotation`, one call at the start and one at the end of each step. */
export type RunRotationStepEvent =
  | { step: RotationStep; phase: 'start'; token: string }
  | { step: RotationStep; phase: 'end'; token: string; durationMs: number; skipped: boolean }
  | { step: RotationStep; phase: 'error'; token: string; durationMs: number; error: unknown };

type HandlerOptionsWithoutClient = Omit<RotationHandlerOptions, 'client' | 'clientConfig'> & {
  client?: never;
  clientConfig?: never;
};

interface RunRotationBase {
  /** Name or ARN (full or partial) of the secret. */
  secretId: string;
  /** Used to read the secret's versions, and by the handler built from `options`. */
  client: SecretsManagerClient;
  onStep?: (event: RunRotationStepEvent) => void;
  /** The token (new version id). @default a stuck AWSPENDING version's, else a new UUID */
  token?: string;
  /** The time each step may take, like the Lambda timeout. @default 300000 */
  stepTimeoutMs?: number;
  signal?: AbortSignal;
}

export type RunRotationParams = RunRotationBase &
  (
    | { handler: RotationHandler; options?: never }
    | { options: HandlerOptionsWithoutClient; handler?: never }
  );

export interface RunRotationResult {
  /** The secret's ARN, as the service passes it to the function. */
  secretArn: string;
  /** The version created (or finished) by this rotation. */
  token: string;
  /** True when an incomplete earlier rotation (a stuck AWSPENDING) was resumed. */
  resumed: boolean;
  steps: { step: RotationStep; durationMs: number; skipped: boolean }[];
  durationMs: number;
}

/**
 * Runs a whole rotation from this machine the way the service would: a new token (or the
 * stuck AWSPENDING version's, as the service retries it), then the four steps in order,
 * stopping at the first failure (its error is thrown; AWSPENDING stays for a retry). The
 * secret does not need rotation configured.
 *
 * @example
 * const result = await runRotation({ secretId: 'prod/app/mysql', client, options: { strategy: 'single-user', database: mysql() } });
 */
export async function runRotation(params: RunRotationParams): Promise<RunRotationResult> {
  const started = performance.now();
  const { handler, engine } = handlerFor(params);
  try {
    const stepTimeoutMs = checkStepTimeout(params.stepTimeoutMs ?? 300_000);
    const version = await chooseVersion(params);
    const steps: RunRotationResult['steps'] = [];
    for (const step of ROTATION_STEPS) {
      params.signal?.throwIfAborted();
      steps.push(await runOneStep(engine, params, { step, ...version, stepTimeoutMs }));
    }
    const { secretArn, token, resumed } = version;
    return { secretArn, token, resumed, steps, durationMs: performance.now() - started };
  } finally {
    if (!params.handler) await handler.close();
  }
}

function handlerFor(params: RunRotationParams): {
  handler: RotationHandler;
  engine: RotationEngine;
} {
  if (params.handler && params.options) {
    throw InvalidOptionError.of('handler', 'give either handler or options, not both');
  }
  const handler =
    params.handler ??
    (params.options
      ? createRotationHandler({
          ...params.options,
          client: params.client,
        } as RotationHandlerOptions)
      : undefined);
  const engine = engineOf(handler);
  if (!handler || !engine) {
    throw InvalidOptionError.of(
      'handler',
      'must be a handler made by createRotationHandler (or pass options instead)',
    );
  }
  return { handler, engine };
}

function checkStepTimeout(stepTimeoutMs: number): number {
  if (!Number.isInteger(stepTimeoutMs) || stepTimeoutMs < 1000) {
    throw InvalidOptionError.of('stepTimeoutMs', 'must be an integer of at least 1000');
  }
  return stepTimeoutMs;
}

/**
 * The version to rotate: the given token, else a stuck AWSPENDING one (as the service retries
 * it), else a new one. A secret another service owns (RDS's `rds!…`) is refused here.
 */
async function chooseVersion(
  params: RunRotationParams,
): Promise<{ secretArn: string; token: string; resumed: boolean }> {
  let metadata: DescribeSecretResponse;
  try {
    metadata = await params.client.send(new DescribeSecretCommand({ SecretId: params.secretId }), {
      abortSignal: params.signal,
    });
  } catch (error) {
    throw toSecretsManagerError('DescribeSecret', error);
  }
  // Before any step runs, so that no pending version is created on a secret RDS owns.
  refuseManagedSecret(metadata, params.secretId);
  const stuck = Object.entries(metadata.VersionIdsToStages ?? {}).find(
    ([, stages]) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT),
  )?.[0];
  return {
    secretArn: metadata.ARN ?? params.secretId,
    token: params.token ?? stuck ?? randomUUID(),
    resumed: params.token === undefined ? stuck !== undefined : params.token === stuck,
  };
}

/** One step with its own Lambda-like deadline, reported to `onStep` before and after. */
async function runOneStep(
  engine: RotationEngine,
  params: RunRotationParams,
  run: { step: RotationStep; secretArn: string; token: string; stepTimeoutMs: number },
): Promise<RunRotationResult['steps'][number]> {
  const { step, secretArn, token } = run;
  params.onStep?.({ step, phase: 'start', token });
  const deadline = performance.now() + run.stepTimeoutMs;
  const context = { getRemainingTimeInMillis: () => Math.max(0, deadline - performance.now()) };
  const stepStarted = performance.now();
  try {
    const report = await engine.run(
      { step, secretId: secretArn, token, rotationToken: undefined },
      context,
      // Direct mode: no RotationEnabled requirement, and createSecret creates the version.
      { direct: true, signal: params.signal },
    );
    const { durationMs, skipped } = report;
    params.onStep?.({ step, phase: 'end', token, durationMs, skipped });
    return { step, durationMs, skipped };
  } catch (error) {
    const durationMs = performance.now() - stepStarted;
    params.onStep?.({ step, phase: 'error', token, durationMs, error });
    throw error;
  }
}
