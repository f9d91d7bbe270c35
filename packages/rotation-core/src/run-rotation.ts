import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  type DescribeSecretResponse,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { InvalidOptionError, type RotationStep } from './errors.js';
import { createRotationHandler, engineOf, type RotationHandler } from './handler.js';
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

const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

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
  const stepTimeoutMs = params.stepTimeoutMs ?? 300_000;
  if (!Number.isInteger(stepTimeoutMs) || stepTimeoutMs < 1000) {
    throw InvalidOptionError.of('stepTimeoutMs', 'must be an integer of at least 1000');
  }
  try {
    let metadata: DescribeSecretResponse;
    try {
      metadata = await params.client.send(
        new DescribeSecretCommand({ SecretId: params.secretId }),
        {
          abortSignal: params.signal,
        },
      );
    } catch (error) {
      throw toSecretsManagerError('DescribeSecret', error);
    }
    const secretArn = metadata.ARN ?? params.secretId;
    const stuck = Object.entries(metadata.VersionIdsToStages ?? {}).find(
      ([, stages]) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT),
    )?.[0];
    const resumed = params.token === undefined ? stuck !== undefined : params.token === stuck;
    const token = params.token ?? stuck ?? randomUUID();

    const steps: RunRotationResult['steps'] = [];
    for (const step of STEPS) {
      params.signal?.throwIfAborted();
      params.onStep?.({ step, phase: 'start', token });
      const deadline = performance.now() + stepTimeoutMs;
      const context = { getRemainingTimeInMillis: () => Math.max(0, deadline - performance.now()) };
      const stepStarted = performance.now();
      try {
        const report = await engine.run(
          { step, secretId: secretArn, token, rotationToken: undefined },
          context,
          // Direct mode: no RotationEnabled requirement, and createSecret creates the version.
          { direct: true, signal: params.signal },
        );
        steps.push({ step, durationMs: report.durationMs, skipped: report.skipped });
        params.onStep?.({
          step,
          phase: 'end',
          token,
          durationMs: report.durationMs,
          skipped: report.skipped,
        });
      } catch (error) {
        params.onStep?.({
          step,
          phase: 'error',
          token,
          durationMs: performance.now() - stepStarted,
          error,
        });
        throw error;
      }
    }
    return { secretArn, token, resumed, steps, durationMs: performance.now() - started };
  } finally {
    if (!params.handler) await handler.close();
  }
}
