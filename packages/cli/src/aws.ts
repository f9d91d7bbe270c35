import {
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { AwsApiError } from './errors.js';

/** The global options every command shares. */
export interface GlobalOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  json?: boolean;
  color?: boolean;
}

/** The Secrets Manager endpoint URL the flags or environment name, if any (flags win). */
export function secretsManagerEndpointUrl(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
): string | undefined {
  return options.endpointUrl ?? env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? env.AWS_ENDPOINT_URL;
}

/**
 * Client settings from the global options. The SDK itself also honours
 * AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_REGION and AWS_PROFILE; flags win over them.
 */
export function secretsManagerConfig(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
): SecretsManagerClientConfig {
  const endpoint = secretsManagerEndpointUrl(options, env);
  // A local endpoint (rotakit local) accepts any signature: don't make people invent
  // credentials and a Region just to talk to it.
  const local = endpoint !== undefined && isLoopbackUrl(endpoint);
  const region =
    options.region ??
    (local && !env.AWS_REGION && !env.AWS_DEFAULT_REGION ? 'us-east-1' : undefined);
  const useDummyCredentials =
    local && !options.profile && !env.AWS_PROFILE && !env.AWS_ACCESS_KEY_ID;
  return {
    ...(region ? { region } : {}),
    ...(useDummyCredentials
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(endpoint ? { endpoint } : {}),
    // A person is waiting: fail in seconds, not after the SDK's long default backoff.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 },
  };
}

export function createSecretsManagerClient(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
): SecretsManagerClient {
  return new SecretsManagerClient(secretsManagerConfig(options, env));
}

/** Runs one API call and turns any failure into a one-line `AwsApiError` (exit code 3). */
export async function callAws<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new AwsApiError(operation, explainNetworkError(error));
  }
}

// The SDK reports an unreachable endpoint as a bare socket error; say what it means.
function explainNetworkError(error: unknown): unknown {
  const code = (error as { code?: string }).code ?? (error as { name?: string }).name;
  const hints: Record<string, string> = {
    ECONNREFUSED:
      'connection refused: nothing listens at the endpoint (wrong --endpoint-url or port?)',
    ENOTFOUND: 'the endpoint host name does not resolve (wrong --region or --endpoint-url?)',
    EAI_AGAIN: 'DNS lookup timed out for the endpoint host',
    ETIMEDOUT:
      'connection timed out: the endpoint is unreachable from here (network path, security group, VPC endpoint?)',
    CredentialsProviderError:
      'no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role is attached',
    TimeoutError:
      'request timed out: the endpoint is unreachable from here (network path, security group, VPC endpoint?)',
  };
  if ((error as { message?: string }).message === 'Region is missing') {
    const wrapped = new Error('no AWS Region: pass --region or set AWS_REGION', { cause: error });
    wrapped.name = 'RegionMissing';
    return wrapped;
  }
  const hint = code ? hints[code] : undefined;
  if (!hint) return error;
  const wrapped = new Error(hint, { cause: error });
  wrapped.name = code ?? 'NetworkError';
  return wrapped;
}

/** True for http(s) URLs on localhost/127.x/[::1]: the local Secrets Manager. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}
