import { SecretFormatError, type SecretFormatErrorContext } from './errors.js';
import { RdsSecret, type RdsSecretField, type RdsSecretStringField } from './rds-secret.js';

/** The largest SecretString Secrets Manager stores, in bytes. */
export const SECRET_MAX_BYTES = 65_536;

export interface ParseRdsSecretOptions {
  /** Fields that must be present and non-empty. @default [] */
  require?: readonly RdsSecretField[] | undefined;
  /** Starts every error message, e.g. `The AWSPENDING secret`. @default 'The secret' */
  label?: string | undefined;
  /** Attached to the errors thrown (source, secretId, versionId, step). */
  context?: Omit<SecretFormatErrorContext, 'field' | 'problem' | 'cause'> | undefined;
}

type Fail = (field: string, problem: string) => never;

/**
 * Parses the RDS secret format from a SecretString (or an already parsed object): the one
 * reader of it in rotakit. Checks the shape and the type of each known field; a consumer adds
 * its own reading on top (which fields it needs, what `ssl` means). Errors name the field and
 * the problem, never a value.
 *
 * @example
 * const secret = parseRdsSecret(value.SecretString, { require: ['host', 'username', 'password'] });
 */
export function parseRdsSecret(input: unknown, options: ParseRdsSecretOptions = {}): RdsSecret {
  const label = options.label ?? 'The secret';
  const fail: Fail = (field, problem) => {
    throw new SecretFormatError(`${label}: ${field} ${problem}`, {
      ...options.context,
      field,
      problem,
    });
  };
  const record = parseRecord(input, fail);
  const required = new Set(options.require ?? []);
  const text = (key: RdsSecretStringField) => stringField(record, key, required.has(key), fail);
  return new RdsSecret(record, {
    engine: text('engine'),
    host: text('host'),
    port: portField(record, required.has('port'), fail),
    username: text('username'),
    password: text('password'),
    dbname: text('dbname'),
    masterarn: text('masterarn'),
    ssl: sslField(record, required.has('ssl'), fail),
    dbClusterIdentifier: text('dbClusterIdentifier'),
    dbInstanceIdentifier: text('dbInstanceIdentifier'),
  });
}

function parseRecord(input: unknown, fail: Fail): Record<string, unknown> {
  let parsed = input;
  if (typeof input === 'string') {
    const bytes = Buffer.byteLength(input, 'utf8');
    if (bytes > SECRET_MAX_BYTES) {
      fail('SecretString', `is ${bytes} bytes, more than the ${SECRET_MAX_BYTES}-byte limit`);
    }
    try {
      parsed = JSON.parse(input);
    } catch {
      // The parser's message quotes the input, so it is not kept as the cause.
      fail('SecretString', 'is not valid JSON');
    }
  } else if (input === undefined || input === null) {
    fail('SecretString', 'is missing (binary secrets are not supported)');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    fail('SecretString', 'is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function stringField(
  record: Record<string, unknown>,
  key: string,
  required: boolean,
  fail: Fail,
): string | undefined {
  const value = record[key];
  if (value !== undefined && value !== null && typeof value !== 'string') {
    fail(key, `must be a string (got ${typeName(value)})`);
  }
  if (required && !(key in record)) fail(key, 'key is missing from the secret JSON');
  if (required && !value) fail(key, 'must be a non-empty string');
  return (value as string | null | undefined) || undefined;
}

function portField(
  record: Record<string, unknown>,
  required: boolean,
  fail: Fail,
): number | undefined {
  const value = record.port;
  if (value === undefined || value === null || value === '') {
    return required ? fail('port', 'key is missing from the secret JSON') : undefined;
  }
  const port =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value.trim())
        ? Number(value.trim())
        : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    fail('port', 'must be an integer from 1 to 65535');
  }
  return port;
}

function sslField(record: Record<string, unknown>, required: boolean, fail: Fail): unknown {
  if (required && (record.ssl === undefined || record.ssl === null)) {
    fail('ssl', 'key is missing from the secret JSON');
  }
  return record.ssl ?? undefined;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The templates' reading of `ssl`: a boolean, or the strings "true"/"false" in any case;
 * absent (or null) is `undefined`. Anything else is a SecretFormatError from `fail`.
 */
export function readSslFlag(value: unknown, fail: Fail): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  const word = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (word === 'true' || word === 'false') return word === 'true';
  return fail('ssl', 'must be true or false (a boolean, or the string "true"/"false")');
}
