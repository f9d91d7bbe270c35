import {
  DescribeSecretCommand,
  type DescribeSecretResponse,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  type GetSecretValueResponse,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { type AwsErrorKind, classifyAwsError } from '@rotakit/core';
import type { TimeBudget } from './budget.js';
import {
  RotationError,
  SecretsManagerError,
  type SecretsManagerFailureKind,
  TimeBudgetExceededError,
} from './errors.js';
import type { Logger } from './logger.js';
import type { PasswordPolicy } from './options.js';
import { retryWithinBudget } from './retry.js';

export type BoundaryFn = (
  phase: 'before' | 'after',
  kind: 'secrets-manager' | 'sql',
  operation: string,
) => Promise<void>;

export interface SecretsManagerCallsOptions {
  client: SecretsManagerClient;
  budget: TimeBudget;
  requestTimeoutMs: number;
  retry: { retries: number; minDelayMs: number; maxDelayMs: number };
  boundary: BoundaryFn;
  logger: Logger;
}

const RETRYABLE = new Set<SecretsManagerFailureKind>([
  'throttling',
  'internal',
  'network',
  'timeout',
]);

const KIND_TEXT: Record<SecretsManagerFailureKind, string> = {
  throttling: 'throttled by Secrets Manager',
  'access-denied': 'access denied (check the function role, the secret and KMS key policies)',
  'not-found': 'not found',
  exists: 'a version with this token already exists with a different value',
  'invalid-request': 'invalid request',
  'invalid-parameter': 'invalid parameter',
  decryption: 'the KMS key could not decrypt the secret',
  internal: 'Secrets Manager had an internal error',
  network: 'the Secrets Manager endpoint could not be reached',
  timeout: 'the request to Secrets Manager timed out',
  other: 'failed',
};

/** rotation-core's names (its public `SecretsManagerError.kind`) for @rotakit/core's kinds. */
const KIND_BY_AWS_KIND: Readonly<Record<AwsErrorKind, SecretsManagerFailureKind>> = {
  throttled: 'throttling',
  'access-denied': 'access-denied',
  // Missing or expired credentials of the function role: someone has to fix the role.
  credentials: 'access-denied',
  region: 'other',
  'not-found': 'not-found',
  exists: 'exists',
  'invalid-request': 'invalid-request',
  'invalid-parameter': 'invalid-parameter',
  decryption: 'decryption',
  service: 'internal',
  network: 'network',
  timeout: 'timeout',
  other: 'other',
};

/** Maps any SDK/network error to a SecretsManagerError (the budget's own error passes through). */
export function toSecretsManagerError(
  operation: string,
  error: unknown,
  attempts = 1,
): RotationError {
  if (error instanceof RotationError) return error;
  const record = (error ?? {}) as Record<string, unknown>;
  const info = classifyAwsError(error);
  const kind = KIND_BY_AWS_KIND[info.kind];
  const { code, httpStatus: status, requestId } = info;
  // A response that is not JSON fails in JSON.parse, whose message quotes the body around the
  // fault: for GetSecretValue that is the SecretString.
  const serviceMessage =
    record.name === 'SyntaxError'
      ? 'the response could not be parsed'
      : typeof record.message === 'string'
        ? record.message
        : '';
  const detail = [code, status !== undefined ? `HTTP ${status}` : undefined]
    .filter(Boolean)
    .join(', ');
  const message = `${operation} ${KIND_TEXT[kind]}${detail ? ` (${detail})` : ''}${
    serviceMessage && kind !== 'network' && kind !== 'timeout' ? `: ${serviceMessage}` : ''
  }${attempts > 1 ? ` after ${attempts} attempts` : ''}`;
  const cause = new Error(serviceMessage || String(code ?? 'unknown error'));
  // A timeout is named TimeoutError whatever aborted it, so tools see a network timeout.
  cause.name =
    kind === 'timeout' ? 'TimeoutError' : typeof record.name === 'string' ? record.name : 'Error';
  if (code) Object.assign(cause, { code });
  return new SecretsManagerError(message, {
    operation,
    kind,
    code,
    httpStatusCode: status,
    requestId,
    attempts,
    cause,
  });
}

export const isRetryable = (error: unknown) =>
  error instanceof SecretsManagerError && RETRYABLE.has(error.kind);

/**
 * The Secrets Manager calls the steps make, each fitted into the time budget, retried on
 * transient faults (throttling, 5xx, dropped connections, timeouts), and reported to the
 * boundary hook before and after.
 */
export class SecretsManagerCalls {
  readonly #options: SecretsManagerCallsOptions;

  constructor(options: SecretsManagerCallsOptions) {
    this.#options = options;
  }

  async #send<T>(
    operation: string,
    // biome-ignore lint/suspicious/noExplicitAny: each SDK command type is distinct; send() checks it
    command: any,
  ): Promise<T> {
    const { client, budget, requestTimeoutMs, retry, boundary, logger } = this.#options;
    await boundary('before', 'secrets-manager', operation);
    let attempts = 0;
    const result = await retryWithinBudget(
      async () => {
        attempts++;
        const timeout = budget.timeoutFor(`${operation} (Secrets Manager)`, requestTimeoutMs);
        const attempt = budget.signalFor(timeout);
        try {
          const abortSignal = attempt.signal;
          return (await client.send(command, { abortSignal, requestTimeout: timeout })) as T;
        } catch (error) {
          if (budget.signal.aborted) {
            const reason = budget.signal.reason;
            throw reason instanceof TimeBudgetExceededError
              ? TimeBudgetExceededError.of({
                  operation: `${operation} (Secrets Manager)`,
                  remainingMs: budget.remainingMs(),
                  reserveMs: budget.reserveMs,
                })
              : reason;
          }
          throw toSecretsManagerError(operation, error, attempts);
        } finally {
          attempt[Symbol.dispose]();
        }
      },
      {
        retry,
        budget,
        isRetryable,
        onRetry: (error, attempt) =>
          logger.warn(`${operation} failed; retrying`, {
            operation,
            attempt,
            kind: (error as SecretsManagerError).kind,
            code: (error as SecretsManagerError).code,
          }),
      },
    ).catch((error: unknown) => {
      // p-retry rethrows the budget's abort reason as is; make sure it is ours.
      if (error instanceof RotationError) throw error;
      throw toSecretsManagerError(operation, error, attempts);
    });
    await boundary('after', 'secrets-manager', operation);
    return result;
  }

  describeSecret(secretId: string): Promise<DescribeSecretResponse> {
    return this.#send('DescribeSecret', new DescribeSecretCommand({ SecretId: secretId }));
  }

  getSecretValue(
    secretId: string,
    selector: { versionId?: string; stage?: string },
  ): Promise<GetSecretValueResponse> {
    return this.#send(
      'GetSecretValue',
      new GetSecretValueCommand({
        SecretId: secretId,
        VersionId: selector.versionId,
        VersionStage: selector.stage,
      }),
    );
  }

  async getRandomPassword(policy: Readonly<Required<PasswordPolicy>>): Promise<string> {
    const output = await this.#send<{ RandomPassword?: string }>(
      'GetRandomPassword',
      new GetRandomPasswordCommand({
        PasswordLength: policy.length,
        ExcludeCharacters: policy.excludeCharacters,
        ExcludeNumbers: policy.excludeNumbers,
        ExcludePunctuation: policy.excludePunctuation,
        ExcludeUppercase: policy.excludeUppercase,
        ExcludeLowercase: policy.excludeLowercase,
        IncludeSpace: policy.includeSpace,
        RequireEachIncludedType: policy.requireEachIncludedType,
      }),
    );
    if (!output.RandomPassword) {
      throw new SecretsManagerError('GetRandomPassword returned no password', {
        operation: 'GetRandomPassword',
        kind: 'other',
      });
    }
    return output.RandomPassword;
  }

  putPendingValue(params: {
    secretId: string;
    token: string;
    secretString: string;
    rotationToken: string | undefined;
  }): Promise<unknown> {
    return this.#send(
      'PutSecretValue',
      new PutSecretValueCommand({
        SecretId: params.secretId,
        ClientRequestToken: params.token,
        SecretString: params.secretString,
        VersionStages: ['AWSPENDING'],
        RotationToken: params.rotationToken,
      }),
    );
  }

  updateVersionStage(params: {
    secretId: string;
    stage: string;
    moveTo?: string | undefined;
    removeFrom?: string | undefined;
  }): Promise<unknown> {
    return this.#send(
      'UpdateSecretVersionStage',
      new UpdateSecretVersionStageCommand({
        SecretId: params.secretId,
        VersionStage: params.stage,
        MoveToVersionId: params.moveTo,
        RemoveFromVersionId: params.removeFrom,
      }),
    );
  }
}
