import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { classifyAwsError, definedOnly } from '@rotakit/core';
import { AwsApiError, RegionMissingError, UsageError } from './errors.js';

/** The global options every command shares. */
export interface GlobalOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  json?: boolean;
  color?: boolean;
}

/** Where the CLI talks to AWS, resolved once from the flags, the environment and the profile. */
export interface AwsSettings {
  region: string;
  /** Where the Region came from, e.g. `AWS_DEFAULT_REGION` or `profile "prod" in ~/.aws/config`. */
  regionSource: string;
  /** The profile given by `--profile` or `AWS_PROFILE`, if any. */
  profile: string | undefined;
  /** The Secrets Manager endpoint URL from `--endpoint-url` or the environment, if any. */
  endpoint: string | undefined;
  /** The endpoint to name in messages: the configured one, else the Region's public one. */
  endpointDisplay: string;
  /** True for a loopback endpoint (the local Secrets Manager). */
  local: boolean;
}

const ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ENDPOINT_URL'] as const;

/**
 * The Secrets Manager endpoint URL the flags or environment name, if any (flags win),
 * checked: a URL without an http(s) scheme is a usage error naming where it came from.
 */
export function secretsManagerEndpointUrl(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (options.endpointUrl !== undefined)
    return checkedEndpoint(options.endpointUrl, '--endpoint-url');
  for (const variable of ENDPOINT_VARIABLES) {
    const value = env[variable];
    if (value) return checkedEndpoint(value, variable);
  }
  return undefined;
}

function checkedEndpoint(url: string, source: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // `new URL('127.0.0.1:4584')` parses, with "127.0.0.1:" as its scheme.
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.host) {
    throw new UsageError(
      `${source} must be an http:// or https:// URL such as http://127.0.0.1:4584 (got ${JSON.stringify(url)})`,
      { option: source },
    );
  }
  return url;
}

/**
 * Resolves the Region as the AWS CLI does: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`,
 * then `region` of the profile (`--profile`, `AWS_PROFILE`, else `default`) in the config
 * file (`AWS_CONFIG_FILE`, else ~/.aws/config). A local endpoint falls back to us-east-1.
 */
export function resolveAwsSettings(options: GlobalOptions, env: NodeJS.ProcessEnv): AwsSettings {
  const endpoint = secretsManagerEndpointUrl(options, env);
  const local = endpoint !== undefined && isLoopbackUrl(endpoint);
  const profile = options.profile ?? (env.AWS_PROFILE || undefined);
  const found = regionFromFlagsOrEnv(options, env) ?? regionFromProfile(profile ?? 'default', env);
  const resolved =
    found ??
    (local ? { region: 'us-east-1', source: 'the default for a local endpoint' } : undefined);
  if (!resolved) {
    throw new RegionMissingError(
      `no AWS Region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or set region in profile "${profile ?? 'default'}" of ${configFilePath(env)}`,
      { profile: profile ?? 'default' },
    );
  }
  return {
    region: resolved.region,
    regionSource: resolved.source,
    profile,
    endpoint,
    endpointDisplay: endpoint ?? `https://secretsmanager.${resolved.region}.amazonaws.com`,
    local,
  };
}

type FoundRegion = { region: string; source: string };

function regionFromFlagsOrEnv(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
): FoundRegion | undefined {
  if (options.region) return { region: options.region, source: '--region' };
  for (const variable of ['AWS_REGION', 'AWS_DEFAULT_REGION'] as const) {
    const value = env[variable];
    if (value) return { region: value, source: variable };
  }
  return undefined;
}

function configFilePath(env: NodeJS.ProcessEnv): string {
  return env.AWS_CONFIG_FILE || join(env.HOME || homedir(), '.aws', 'config');
}

function regionFromProfile(profile: string, env: NodeJS.ProcessEnv): FoundRegion | undefined {
  const file = configFilePath(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const region = iniSection(
    text,
    profile === 'default' ? ['default', 'profile default'] : [`profile ${profile}`],
  ).region;
  return region ? { region, source: `profile "${profile}" in ${file}` } : undefined;
}

/** The top-level keys of the first matching `[section]` of an AWS config file. */
function iniSection(text: string, names: readonly string[]): Record<string, string> {
  const keys: Record<string, string> = {};
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    // Indented lines are sub-settings (e.g. under `s3 =`), not keys of the profile.
    if (/^\s/.test(raw) && raw.trim() !== '') continue;
    const line = raw.replace(/\s[#;].*$/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (section) {
      if (inSection) break;
      inSection = names.includes(section[1]!.replace(/\s+/g, ' '));
      continue;
    }
    const pair = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (inSection && pair) keys[pair[1]!] = pair[2]!;
  }
  return keys;
}

/** Client settings from the resolved settings: explicit Region, endpoint and profile. */
export function secretsManagerConfig(
  settings: AwsSettings,
  env: NodeJS.ProcessEnv,
): SecretsManagerClientConfig {
  // A local endpoint (rotakit local) accepts any signature: don't make people invent
  // credentials just to talk to it.
  const useDummyCredentials = settings.local && !settings.profile && !env.AWS_ACCESS_KEY_ID;
  return {
    region: settings.region,
    ...definedOnly({
      credentials: useDummyCredentials
        ? { accessKeyId: 'local', secretAccessKey: 'local' }
        : undefined,
      profile: settings.profile || undefined,
      endpoint: settings.endpoint,
    }),
    // A person is waiting: fail in seconds, not after the SDK's long default backoff.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 },
  };
}

export function createSecretsManagerClient(
  settings: AwsSettings,
  env: NodeJS.ProcessEnv,
): SecretsManagerClient {
  return new SecretsManagerClient(secretsManagerConfig(settings, env));
}

/**
 * Runs one API call and turns any failure into a one-line `AwsApiError` (exit code 3) that
 * names the Region and endpoint it asked.
 */
export async function callAws<T>(
  settings: AwsSettings,
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const { name, message } = explainNetworkError(error);
    throw new AwsApiError(
      `${operation} failed: ${name}: ${message} (region ${settings.region}, endpoint ${settings.endpointDisplay})`,
      {
        cause: error,
        operation,
        errorName: name,
        region: settings.region,
        endpoint: settings.endpointDisplay,
      },
    );
  }
}

const NETWORK_HINTS: Record<string, string> = {
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

// The SDK reports an unreachable endpoint as a bare socket error; say what it means. What the
// error is comes from @rotakit/core's classification; only the wording is the CLI's.
function explainNetworkError(error: unknown): { name: string; message: string } {
  const { code, httpStatus } = classifyAwsError(error);
  const hint =
    code !== undefined && httpStatus === undefined && Object.hasOwn(NETWORK_HINTS, code)
      ? NETWORK_HINTS[code]
      : undefined;
  if (hint) return { name: code ?? 'NetworkError', message: hint };
  const e = error as { name?: string; message?: string };
  return { name: e?.name ?? 'Error', message: e?.message ?? String(error) };
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
