import { isIP } from 'node:net';
import { InvalidOptionError } from './errors.js';

/** Where the Secrets Manager URL came from, in the order the SDK and the templates apply them. */
export type EndpointSource =
  | 'client-config'
  | 'SECRETS_MANAGER_ENDPOINT'
  | 'AWS_ENDPOINT_URL_SECRETS_MANAGER'
  | 'AWS_ENDPOINT_URL_RDS'
  | 'AWS_ENDPOINT_URL'
  | 'shared-config'
  | 'default';

export interface ResolvedEndpoint {
  url: string;
  host: string;
  port: number;
  protocol: 'https:' | 'http:';
  source: EndpointSource;
  region: string;
  fips: boolean;
  dualStack: boolean;
  /** `vpce-<id>-<suffix>.secretsmanager.<region>.vpce.amazonaws.com`: resolves without private DNS. */
  vpceSpecific: boolean;
  /** The VPC endpoint id when `vpceSpecific`. */
  vpceId?: string;
  /** The host is an AWS service name (not a local or custom endpoint). */
  awsHost: boolean;
  /** Why the chosen source won over another candidate, when that is not obvious. */
  note?: string;
}

export type EnvLike = Readonly<Record<string, string | undefined>>;

function truthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

const VPCE_HOST =
  /^(vpce-[0-9a-z]+)-[0-9a-z]+(?:-[a-z0-9-]+)?\.([a-z0-9-]+)\.([a-z0-9-]+)\.vpce\.amazonaws\.com(?:\.cn)?$/;

/** The default host for a service, as the SDK's endpoint rules build it. */
export function defaultServiceHost(
  service: string,
  region: string,
  options: { fips?: boolean; dualStack?: boolean } = {},
): string {
  const china = region.startsWith('cn-');
  const name = options.fips ? `${service}-fips` : service;
  if (options.dualStack) {
    return `${name}.${region}.${china ? 'api.amazonwebservices.com.cn' : 'api.aws'}`;
  }
  return `${name}.${region}.${china ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

function describeUrl(
  raw: string,
  source: EndpointSource,
  region: string,
  fips: boolean,
  dualStack: boolean,
  option: string,
): ResolvedEndpoint {
  let url: URL;
  try {
    // Bare host names are accepted (the rotation templates' SECRETS_MANAGER_ENDPOINT often is one).
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`);
  } catch (cause) {
    throw InvalidOptionError.of(option, `not a URL: ${JSON.stringify(raw)}`, { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw InvalidOptionError.of(option, `unsupported protocol ${url.protocol}`);
  }
  const protocol = url.protocol;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : protocol === 'https:' ? 443 : 80;
  const vpce = VPCE_HOST.exec(host);
  const awsHost =
    isIP(host) === 0 && /\.(amazonaws\.com(\.cn)?|api\.aws|amazonwebservices\.com\.cn)$/.test(host);
  return {
    url: url.toString(),
    host,
    port,
    protocol,
    source,
    region,
    fips,
    dualStack,
    vpceSpecific: Boolean(vpce),
    vpceId: vpce?.[1] || undefined,
    awsHost,
  };
}

export interface ResolveEndpointOptions {
  region: string;
  /** Environment variables to read. @default process.env */
  env?: EnvLike;
  /** An endpoint set explicitly on the client (wins over every variable). */
  clientEndpoint?: string;
  /** The client's FIPS setting; else `AWS_USE_FIPS_ENDPOINT`. */
  useFips?: boolean;
  /** The client's dual-stack setting; else `AWS_USE_DUALSTACK_ENDPOINT`. */
  useDualStack?: boolean;
  /** The AWS service key used in variable names and hosts. @default 'secretsmanager' */
  service?: 'secretsmanager' | 'rds';
}

/**
 * Which Secrets Manager URL a client would use: an explicit client endpoint, then
 * `SECRETS_MANAGER_ENDPOINT` (the rotation templates pass it to their client), then
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL` (unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`), else the regional host, `-fips` with
 * `AWS_USE_FIPS_ENDPOINT`.
 * @example resolveServiceEndpoint({ region: 'us-east-1', env: {} }).host // 'secretsmanager.us-east-1.amazonaws.com'
 */
export function resolveServiceEndpoint(options: ResolveEndpointOptions): ResolvedEndpoint {
  const env = options.env ?? process.env;
  const service = options.service ?? 'secretsmanager';
  const region = options.region;
  if (typeof region !== 'string' || !/^[a-z0-9-]+$/.test(region)) {
    throw InvalidOptionError.of(
      'region',
      `expected an AWS region name, got ${JSON.stringify(region)}`,
    );
  }
  const fips = options.useFips ?? truthy(env.AWS_USE_FIPS_ENDPOINT);
  const dualStack = options.useDualStack ?? truthy(env.AWS_USE_DUALSTACK_ENDPOINT);
  if (options.clientEndpoint) {
    return describeUrl(
      options.clientEndpoint,
      'client-config',
      region,
      fips,
      dualStack,
      'client.config.endpoint',
    );
  }
  const templateVar = service === 'secretsmanager' ? env.SECRETS_MANAGER_ENDPOINT : undefined;
  if (templateVar) {
    return describeUrl(
      templateVar,
      'SECRETS_MANAGER_ENDPOINT',
      region,
      fips,
      dualStack,
      'env.SECRETS_MANAGER_ENDPOINT',
    );
  }
  if (!truthy(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)) {
    const specificName =
      service === 'secretsmanager' ? 'AWS_ENDPOINT_URL_SECRETS_MANAGER' : 'AWS_ENDPOINT_URL_RDS';
    const specific = env[specificName];
    if (specific) {
      return describeUrl(specific, specificName, region, fips, dualStack, `env.${specificName}`);
    }
    if (env.AWS_ENDPOINT_URL) {
      return describeUrl(
        env.AWS_ENDPOINT_URL,
        'AWS_ENDPOINT_URL',
        region,
        fips,
        dualStack,
        'env.AWS_ENDPOINT_URL',
      );
    }
  }
  const host = defaultServiceHost(service, region, { fips, dualStack });
  return describeUrl(`https://${host}`, 'default', region, fips, dualStack, 'region');
}

/** The parts of an SDK v3 client config this module reads (all clients have them). */
export interface EndpointAwareClientConfig {
  region?: unknown;
  isCustomEndpoint?: boolean;
  endpoint?: unknown;
  serviceConfiguredEndpoint?: unknown;
  useFipsEndpoint?: unknown;
  useDualstackEndpoint?: unknown;
}

async function callProvider(value: unknown): Promise<unknown> {
  return typeof value === 'function' ? await (value as () => unknown)() : value;
}

function endpointToString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof URL) return value.toString();
  if (value && typeof value === 'object') {
    const v = value as {
      url?: unknown;
      hostname?: unknown;
      port?: unknown;
      protocol?: unknown;
      path?: unknown;
    };
    if (v.url instanceof URL || typeof v.url === 'string') return String(v.url);
    if (typeof v.hostname === 'string') {
      const protocol = typeof v.protocol === 'string' ? v.protocol : 'https:';
      const port = v.port === undefined ? '' : `:${String(v.port)}`;
      const host = v.hostname.includes(':') ? `[${v.hostname}]` : v.hostname;
      return `${protocol}//${host}${port}${typeof v.path === 'string' ? v.path : '/'}`;
    }
  }
  return undefined;
}

/**
 * Like `resolveServiceEndpoint`, but asks an SDK client what it was configured with: its
 * explicit endpoint, its `AWS_ENDPOINT_URL_*`/shared-config endpoint, region and FIPS setting.
 */
export async function resolveClientEndpoint(
  config: EndpointAwareClientConfig,
  options: { env?: EnvLike; region?: string },
): Promise<ResolvedEndpoint> {
  const env = options.env ?? process.env;
  const region = options.region ?? ((await callProvider(config.region)) as string | undefined);
  const useFips = Boolean(await callProvider(config.useFipsEndpoint));
  const useDualStack = Boolean(await callProvider(config.useDualstackEndpoint));
  const base = { region: region ?? '', env, useFips, useDualStack };
  if (config.isCustomEndpoint) {
    const explicit = endpointToString(await callProvider(config.endpoint));
    if (explicit) return resolveServiceEndpoint({ ...base, clientEndpoint: explicit });
  }
  const configured = endpointToString(await callProvider(config.serviceConfiguredEndpoint));
  // The client never reads SECRETS_MANAGER_ENDPOINT itself: only code that passes it does.
  const ignoredTemplateVar = env.SECRETS_MANAGER_ENDPOINT
    ? 'SECRETS_MANAGER_ENDPOINT is set but this client was not configured with it'
    : undefined;
  const { SECRETS_MANAGER_ENDPOINT: _ignored, ...envWithoutTemplate } = env;
  if (configured) {
    const resolved = resolveServiceEndpoint({
      ...base,
      env: envWithoutTemplate,
      clientEndpoint: configured,
    });
    const source: EndpointSource =
      env.AWS_ENDPOINT_URL_SECRETS_MANAGER === configured
        ? 'AWS_ENDPOINT_URL_SECRETS_MANAGER'
        : env.AWS_ENDPOINT_URL === configured
          ? 'AWS_ENDPOINT_URL'
          : 'shared-config';
    return { ...resolved, source, note: ignoredTemplateVar };
  }
  const resolved = resolveServiceEndpoint({
    ...base,
    env: { ...envWithoutTemplate, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
  });
  return ignoredTemplateVar ? { ...resolved, note: ignoredTemplateVar } : resolved;
}
