import {
  defaultPortOf,
  type Engine,
  engineOf,
  parseRdsSecret,
  type RdsSecret,
  readSslFlag,
  SecretFormatError,
} from '@rotakit/core';
import { isMysqlEngine } from '@rotakit/engine-mysql';

/** The fields of a rotation secret (the AWS template format) that the checks use. */
export interface SecretInput {
  host: string;
  port?: number | string;
  engine?: string;
  username?: string;
  /** Used only for the optional login check; never reported. */
  password?: string;
  dbname?: string;
}

export interface DatabaseTarget {
  host: string;
  /** The secret's port, else the engine's default (3306, 5432). */
  port: number;
  /** The secret's `engine` as written. */
  engine?: string;
  /** The protocol the probe speaks (`@rotakit/core`'s engineOf); absent for an engine rotakit does not speak. */
  protocol?: Engine;
  username?: string;
  dbname?: string;
  /** The secret's `ssl` flag (the templates' reading), when it has a valid one. */
  ssl?: boolean;
}

export interface ParsedSecret {
  target: DatabaseTarget;
  /** Non-enumerable: `JSON.stringify` and `util.inspect` never show it. */
  readonly credentials?: { user: string; password: string };
}

/** True for a MySQL-protocol engine (an absent engine counts as MySQL): engine-mysql's list. */
export { isMysqlEngine };

/** netcheck's wording of a secret problem, by the field @rotakit/core's parser names. */
function problemText(error: SecretFormatError): string {
  if (error.field === 'SecretString') {
    return /JSON object/.test(error.problem ?? '')
      ? 'the secret is not a JSON object'
      : 'the SecretString is not JSON (expected {"host", "port", "username", ...})';
  }
  if (error.field === 'host') return 'the secret has no "host" string';
  if (error.field === 'port') return 'the secret\'s "port" is not a TCP port';
  return `the secret's "${error.field}" ${error.problem ?? 'is invalid'}`;
}

/** The engine the secret means, or undefined for one rotakit does not speak (not a parse error). */
function protocolOf(secret: RdsSecret): Engine | undefined {
  try {
    return engineOf(secret);
  } catch (error) {
    if (error instanceof SecretFormatError) return undefined;
    throw error;
  }
}

/** `ssl` read as the templates do; an unreadable value counts as absent here. */
function sslFlagOf(secret: RdsSecret): boolean | undefined {
  return readSslFlag(secret.ssl, () => undefined as never);
}

/**
 * Reads host/port/engine/username from a secret object or SecretString with @rotakit/core's
 * parser of the RDS secret format. Problems are described without quoting the secret.
 */
export function parseSecret(
  input: unknown,
): { ok: true; secret: ParsedSecret } | { ok: false; problem: string } {
  let secret: RdsSecret;
  try {
    secret = parseRdsSecret(input, { require: ['host'] });
  } catch (error) {
    if (error instanceof SecretFormatError) return { ok: false, problem: problemText(error) };
    throw error;
  }
  const host = (secret.host as string).trim();
  if (host === '') return { ok: false, problem: 'the secret has no "host" string' };
  const protocol = protocolOf(secret);
  const target: DatabaseTarget = { host, port: secret.port ?? defaultPortOf(protocol ?? 'mysql') };
  if (secret.engine !== undefined) target.engine = secret.engine;
  if (protocol) target.protocol = protocol;
  const ssl = sslFlagOf(secret);
  if (ssl !== undefined) target.ssl = ssl;
  if (secret.username !== undefined) target.username = secret.username;
  if (secret.dbname !== undefined) target.dbname = secret.dbname;
  const parsed: ParsedSecret = { target };
  if (secret.username !== undefined && secret.password !== undefined) {
    Object.defineProperty(parsed, 'credentials', {
      value: Object.freeze({ user: secret.username, password: secret.password }),
      enumerable: false,
    });
  }
  return { ok: true, secret: parsed };
}
