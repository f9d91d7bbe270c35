import { ConfigurationError } from './errors.js';

/** The databases the service can read, as DB_ENGINE names them. */
export const DB_ENGINES = ['mysql', 'postgres'] as const;
export type DbEngine = (typeof DB_ENGINES)[number];

/** What the service reads from its environment. */
export interface AppConfig {
  /** DB_ENGINE: which database the secret is for. @default 'mysql' */
  readonly engine: DbEngine;
  /** SECRET_ID: name or ARN of the RDS-format database secret. */
  readonly secretId: string;
  /** AWS_REGION (else the SDK's own lookup). */
  readonly region: string | undefined;
  /** AWS_ENDPOINT_URL_SECRETS_MANAGER, e.g. a local Secrets Manager. */
  readonly endpoint: string | undefined;
  /** PORT. @default 3000 */
  readonly port: number;
  /** HOST, the address to listen on. @default '127.0.0.1' */
  readonly host: string;
  /** POOL_SIZE, the most connections open at once. @default 10 */
  readonly poolSize: number;
  /**
   * SECRET_REFRESH_MS: how old the cached secret may get before the pool re-reads it, and so
   * how soon after a rotation it logs in with the new version even when no login failed.
   * @default 300000
   */
  readonly secretRefreshMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(name, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function engine(env: Env): DbEngine {
  const raw = env.DB_ENGINE?.trim();
  if (raw === undefined || raw === '') return 'mysql';
  if (!(DB_ENGINES as readonly string[]).includes(raw)) {
    throw new ConfigurationError('DB_ENGINE', `must be one of ${DB_ENGINES.join(', ')}`);
  }
  return raw as DbEngine;
}

/**
 * Reads and validates the service's environment variables.
 *
 * @example
 * const config = readConfig(process.env);
 */
export function readConfig(env: Env = process.env): AppConfig {
  const secretId = env.SECRET_ID?.trim();
  if (!secretId) {
    throw new ConfigurationError(
      'SECRET_ID',
      'is required: the name or ARN of the database secret',
    );
  }
  const endpoint = env.AWS_ENDPOINT_URL_SECRETS_MANAGER?.trim() || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]/i.test(endpoint)) {
    throw new ConfigurationError('AWS_ENDPOINT_URL_SECRETS_MANAGER', 'must be an http(s):// URL');
  }
  return Object.freeze({
    engine: engine(env),
    secretId,
    region: env.AWS_REGION?.trim() || undefined,
    endpoint,
    port: integer(env, 'PORT', 3000, 0, 65_535),
    host: env.HOST?.trim() || '127.0.0.1',
    poolSize: integer(env, 'POOL_SIZE', 10, 1, 1000),
    secretRefreshMs: integer(env, 'SECRET_REFRESH_MS', 300_000, 1000, 86_400_000),
  });
}
