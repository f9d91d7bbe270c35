import { classifyAwsError, definedOnly, type SecretsManagerLike } from '@rotakit/core';
import { type EndpointAwareClientConfig, resolveClientEndpoint } from '../endpoint.js';
import { InvalidOptionError } from '../errors.js';
import { Deadline, roundMs } from '../util/deadline.js';
import { classifyNetworkError, toProbeError } from './classify.js';
import { checkSignal, checkTimeout } from './options.js';
import type { ProbeError, ProbeOptions, ProbeResult, ProbeStatus } from './types.js';

/** The one method of a `SecretsManagerClient` the probes call (the type is @rotakit/core's). */
export type { SecretsManagerLike };

export interface ProbeSecretsManagerOptions extends ProbeOptions {
  /** A `SecretsManagerClient`. Its retry settings apply; the probe's timer caps them. */
  client: SecretsManagerLike;
  /** Calls DescribeSecret on it; without one, ListSecrets with MaxResults 1. */
  secretId?: string;
}

export interface SecretsManagerEvidence {
  operation: 'DescribeSecret' | 'ListSecrets' | 'GetSecretValue';
  /** The URL the client resolves to, when it could be read from the client's config. */
  endpoint?: string;
  httpStatusCode?: number;
  requestId?: string;
  attempts?: number;
  totalRetryDelayMs?: number;
  /** The service's error name (`AccessDeniedException`, `ThrottlingException`, ...). */
  errorName?: string;
  /** DescribeSecret: rotation settings, so a report can show them. */
  rotationEnabled?: boolean;
  rotationLambdaArn?: string;
  /** DescribeSecret: the labels on each version. */
  versionStages?: Record<string, string[]>;
}

interface SdkError {
  name?: unknown;
  $fault?: unknown;
  $metadata?: {
    httpStatusCode?: number;
    requestId?: string;
    attempts?: number;
    totalRetryDelay?: number;
  };
}

type Module = Record<string, new (input: Record<string, unknown>) => unknown>;

/** The API status for an error the service sent back, or undefined for a transport failure. */
export function serviceErrorStatus(error: unknown): ProbeStatus | undefined {
  const { kind, httpStatus } = classifyAwsError(error);
  if (httpStatus === undefined) return undefined;
  // Any answer proves the path; these say what else is wrong.
  if (kind === 'access-denied' || kind === 'credentials') return 'access-denied';
  if (kind === 'throttled') return 'throttled';
  if (kind === 'service') return 'server-error';
  return 'api-error';
}

function metadata(evidence: SecretsManagerEvidence, value: SdkError['$metadata']): void {
  if (!value) return;
  if (typeof value.httpStatusCode === 'number') evidence.httpStatusCode = value.httpStatusCode;
  if (value.requestId) evidence.requestId = value.requestId;
  if (typeof value.attempts === 'number') evidence.attempts = value.attempts;
  if (typeof value.totalRetryDelay === 'number') evidence.totalRetryDelayMs = value.totalRetryDelay;
}

async function endpointOf(client: SecretsManagerLike) {
  if (!client.config || typeof client.config !== 'object') return undefined;
  try {
    return await resolveClientEndpoint(client.config as EndpointAwareClientConfig, {});
  } catch {
    return undefined; // A client without a region: the call itself will say so.
  }
}

export type SecretsManagerOperation = 'DescribeSecret' | 'ListSecrets' | 'GetSecretValue';

export interface CallOutcome {
  status: ProbeStatus;
  evidence: SecretsManagerEvidence;
  /** The raw response; for GetSecretValue it holds the secret and must never be reported. */
  output?: Record<string, unknown>;
  error?: ProbeError;
}

/** Sends one Secrets Manager command within an existing deadline; evidence never holds values. */
export async function callSecretsManager(
  client: SecretsManagerLike,
  operation: SecretsManagerOperation,
  secretId: string | undefined,
  deadline: Deadline,
): Promise<CallOutcome> {
  const evidence: SecretsManagerEvidence = { operation };
  const sdk = (await import('@aws-sdk/client-secrets-manager')) as unknown as Module;
  const command = new sdk[`${operation}Command`]!(
    operation === 'ListSecrets' ? { MaxResults: 1 } : { SecretId: secretId },
  );
  try {
    const out = (await deadline.race(
      client.send(command as never, { abortSignal: deadline.signal }),
    )) as Record<string, unknown> & { $metadata?: SdkError['$metadata'] };
    metadata(evidence, out?.$metadata);
    if (operation === 'DescribeSecret') {
      if (typeof out.RotationEnabled === 'boolean') evidence.rotationEnabled = out.RotationEnabled;
      if (typeof out.RotationLambdaARN === 'string')
        evidence.rotationLambdaArn = out.RotationLambdaARN;
      if (out.VersionIdsToStages && typeof out.VersionIdsToStages === 'object') {
        evidence.versionStages = out.VersionIdsToStages as Record<string, string[]>;
      }
    }
    return { status: 'ok', evidence, output: out };
  } catch (error) {
    metadata(evidence, (error as SdkError)?.$metadata);
    if (deadline.signal.aborted) {
      return {
        status: deadline.timedOut ? 'timeout' : 'aborted',
        evidence,
        error: toProbeError(deadline.signal.reason),
      };
    }
    const apiStatus = serviceErrorStatus(error);
    const name = (error as SdkError)?.name;
    if (apiStatus && typeof name === 'string') evidence.errorName = name;
    return {
      status: apiStatus ?? classifyNetworkError(error).status,
      evidence,
      error: toProbeError(error),
    };
  }
}

/**
 * Makes one cheap Secrets Manager call (DescribeSecret, or ListSecrets without a secret) with
 * a hard timer. Any answer from the service proves the network path: `access-denied` and
 * `throttled` are reachability successes with a different problem; `timeout`, `refused`,
 * `reset` and `dns-failure` are not.
 * @example
 * const r = await probeSecretsManager({ client: new SecretsManagerClient({ maxAttempts: 1 }), secretId: 'prod/app' });
 */
export async function probeSecretsManager(
  options: ProbeSecretsManagerOptions,
): Promise<ProbeResult<SecretsManagerEvidence>> {
  if (!options?.client || typeof options.client.send !== 'function') {
    throw InvalidOptionError.of(
      'client',
      'expected a SecretsManagerClient (an object with send())',
    );
  }
  const timeoutMs = checkTimeout(options.timeoutMs);
  const signal = checkSignal(options.signal);
  using deadline = new Deadline(timeoutMs, signal);
  const endpoint = await endpointOf(options.client);
  const outcome = await callSecretsManager(
    options.client,
    options.secretId ? 'DescribeSecret' : 'ListSecrets',
    options.secretId,
    deadline,
  );
  if (endpoint) outcome.evidence.endpoint = endpoint.url;
  return {
    probe: 'secretsmanager',
    target: endpoint ? `${endpoint.host}:${endpoint.port}` : 'secretsmanager',
    status: outcome.status,
    ok: outcome.status === 'ok',
    durationMs: roundMs(deadline.elapsed()),
    evidence: outcome.evidence,
    ...definedOnly({ error: outcome.error }),
  };
}
