import type { SecretValue } from '../cache/secret-value.js';
import { SecretFormatError } from '../errors.js';

/** Connection fields the pool takes from the secret unless the options set them. */
export interface ExplicitConnectionFields {
  host?: string | undefined;
  port?: number | undefined;
  user?: string | undefined;
  password?: string | undefined;
  database?: string | undefined;
  socketPath?: string | undefined;
  /** The caller's mysql2 `ssl` option: when set, the secret's `ssl` key is ignored. */
  ssl?: unknown;
}

/** What one secret version means for new connections. The password is not enumerable. */
export interface ConnectionCredentials {
  readonly user: string;
  readonly password: string;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly database: string | undefined;
  /**
   * The secret says `"ssl": true` and the caller set no `ssl` option: TLS is required, with
   * Node's CAs plus the Amazon RDS CAs.
   */
  readonly tls: boolean;
  /** user@host:port/database (+ TLS): when it changes, connections opened before are retired. */
  readonly identity: string;
}

function optionalString(
  json: Readonly<Record<string, unknown>>,
  field: string,
  value: SecretValue,
): string | undefined {
  const raw = json[field];
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') {
    throw new SecretFormatError(
      `Secret ${value.name} (version ${value.versionId}): field "${field}" must be a string`,
      { secretId: value.arn, versionId: value.versionId, field },
    );
  }
  return raw;
}

/** The secret's `ssl` key, as the AWS rotation templates read it. */
function secretSsl(json: Readonly<Record<string, unknown>>, value: SecretValue): boolean {
  const raw = json.ssl;
  if (raw === undefined || raw === null) return false;
  if (typeof raw === 'boolean') return raw;
  const word = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
  if (word === 'true' || word === 'false') return word === 'true';
  throw new SecretFormatError(
    `Secret ${value.name} (version ${value.versionId}): field "ssl" must be true or false (a boolean, or the string "true"/"false")`,
    { secretId: value.arn, versionId: value.versionId, field: 'ssl' },
  );
}

/**
 * Reads the RDS secret format (`username`, `password`, `host`, `port`, `dbname`, `ssl`);
 * explicit options win over the secret's fields.
 */
export function credentialsFromSecret(
  value: SecretValue,
  explicit: ExplicitConnectionFields,
): ConnectionCredentials {
  const json = value.json();
  const user = explicit.user ?? optionalString(json, 'username', value);
  const password = explicit.password ?? optionalString(json, 'password', value);
  for (const [field, present] of [
    ['username', user],
    ['password', password],
  ] as const) {
    if (present === undefined) {
      throw new SecretFormatError(
        `Secret ${value.name} (version ${value.versionId}) has no "${field}" field and no explicit option replaces it`,
        { secretId: value.arn, versionId: value.versionId, field },
      );
    }
  }
  const host = explicit.host ?? optionalString(json, 'host', value);
  if (host === undefined && explicit.socketPath === undefined) {
    throw new SecretFormatError(
      `Secret ${value.name} (version ${value.versionId}) has no "host" field; add it or pass \`host\` or \`socketPath\``,
      { secretId: value.arn, versionId: value.versionId, field: 'host' },
    );
  }
  let port = explicit.port;
  if (port === undefined && json.port !== undefined && json.port !== null && json.port !== '') {
    const parsed = typeof json.port === 'string' ? Number(json.port) : json.port;
    if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < 1 || parsed > 65_535) {
      throw new SecretFormatError(
        `Secret ${value.name} (version ${value.versionId}): field "port" must be a port number`,
        { secretId: value.arn, versionId: value.versionId, field: 'port' },
      );
    }
    port = parsed;
  }
  const database = explicit.database ?? optionalString(json, 'dbname', value);
  // Without the key, or with "ssl": false, mysql2's own default applies: no TLS.
  const tls = explicit.ssl === undefined && secretSsl(json, value);
  const identity = `${user}@${explicit.socketPath ?? host}:${port ?? 3306}/${database ?? ''}${tls ? ' (TLS)' : ''}`;
  const credentials = { user, host, port, database, tls, identity } as ConnectionCredentials;
  Object.defineProperty(credentials, 'password', { value: password, enumerable: false });
  return Object.freeze(credentials);
}
