import { parseRdsSecret, type RdsSecret, readSslFlag, SecretFormatError } from '@rotakit/core';
import type { SecretValue } from '../cache/secret-value.js';

/** Connection fields the pool takes from the secret unless the options set them. */
export interface ExplicitConnectionFields {
  host?: string | undefined;
  port?: number | undefined;
  user?: string | undefined;
  password?: string | undefined;
  database?: string | undefined;
  socketPath?: string | undefined;
  /** The caller's driver `ssl` option: when set, the secret's `ssl` key is ignored. */
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

/** How messages name a secret version: `Secret app-db (version v2)`. */
function describeVersion(value: SecretValue): string {
  return `Secret ${value.name} (version ${value.versionId})`;
}

function formatError(value: SecretValue, field: string, message: string): SecretFormatError {
  return new SecretFormatError(message, { secretId: value.arn, versionId: value.versionId, field });
}

/** The secret's `ssl` key, as the AWS rotation templates read it; absent is no TLS. */
function secretSsl(secret: RdsSecret, value: SecretValue): boolean {
  const tls = readSslFlag(secret.ssl, (field, problem) => {
    throw formatError(value, field, `${describeVersion(value)}: field "${field}" ${problem}`);
  });
  return tls ?? false;
}

/**
 * Reads the RDS secret format (`username`, `password`, `host`, `port`, `dbname`, `ssl`) with
 * @rotakit/core's parser; explicit options win over the secret's fields, so the pool requires
 * a field only when no option replaces it. `defaultPort` is the engine's (it names the identity).
 */
export function credentialsFromSecret(
  value: SecretValue,
  explicit: ExplicitConnectionFields,
  defaultPort: number,
): ConnectionCredentials {
  const secret = parseRdsSecret(value.json(), {
    label: describeVersion(value),
    context: { secretId: value.arn, versionId: value.versionId },
  });
  const user = explicit.user ?? secret.username;
  const password = explicit.password ?? secret.password;
  for (const [field, present] of [
    ['username', user],
    ['password', password],
  ] as const) {
    if (present === undefined) {
      throw formatError(
        value,
        field,
        `${describeVersion(value)} has no "${field}" field and no explicit option replaces it`,
      );
    }
  }
  const host = explicit.host ?? secret.host;
  if (host === undefined && explicit.socketPath === undefined) {
    throw formatError(
      value,
      'host',
      `${describeVersion(value)} has no "host" field; add it or pass \`host\` or \`socketPath\``,
    );
  }
  const port = explicit.port ?? secret.port;
  const database = explicit.database ?? secret.dbname;
  // Without the key, or with "ssl": false, the driver's own default applies: no TLS.
  const tls = explicit.ssl === undefined && secretSsl(secret, value);
  const identity = `${user}@${explicit.socketPath ?? host}:${port ?? defaultPort}/${database ?? ''}${tls ? ' (TLS)' : ''}`;
  const credentials = { user, host, port, database, tls, identity } as ConnectionCredentials;
  Object.defineProperty(credentials, 'password', { value: password, enumerable: false });
  return Object.freeze(credentials);
}
