import { inspect } from 'node:util';
import { type RotationErrorContext, SecretFormatError, type SecretSource } from './errors.js';

/** The largest SecretString Secrets Manager stores, in bytes. */
export const SECRET_MAX_BYTES = 65_536;

export interface ParseSecretOptions {
  /** Where the value came from, for error messages. */
  source: SecretSource;
  /** Accepted `engine` values. When omitted, `engine` is not checked. */
  engines?: readonly string[] | undefined;
  /** @default true */
  requireEngine?: boolean;
  /** @default true */
  requireHost?: boolean;
  /** Alternating users needs `masterarn` in the user's secret. @default false */
  requireMasterArn?: boolean;
  /** Attached to the errors thrown. */
  context?: RotationErrorContext;
}

const redacted = (secret: DatabaseSecret) => ({
  engine: secret.engine,
  host: secret.host,
  port: secret.port,
  username: secret.username,
  password: '[redacted]',
  dbname: secret.dbname,
  ssl: secret.ssl,
  masterarn: secret.masterarn,
  otherKeys: secret.keys().filter((key) => !KNOWN_KEYS.has(key)),
});

const KNOWN_KEYS = new Set([
  'engine',
  'host',
  'port',
  'username',
  'password',
  'dbname',
  'ssl',
  'masterarn',
]);

/**
 * A parsed, validated database secret. Every key of the JSON is kept (unknown keys survive
 * a rotation); the password is held privately and never appears in `inspect`, JSON or
 * string conversions.
 */
export class DatabaseSecret {
  readonly #record: Readonly<Record<string, unknown>>;
  readonly #password: string;
  /** `engine` from the JSON, when present. */
  readonly engine: string | undefined;
  /** The database host; empty when the secret has none (an RDS-managed master secret). */
  readonly host: string;
  /** The port from the JSON, undefined when absent. */
  readonly port: number | undefined;
  readonly username: string;
  readonly dbname: string | undefined;
  /** `ssl` from the JSON: true, false, or undefined when the key is absent. */
  readonly ssl: boolean | undefined;
  readonly masterarn: string | undefined;

  /** @internal Use `parseSecret`. */
  constructor(record: Record<string, unknown>, fields: SecretFields) {
    this.#record = Object.freeze({ ...record });
    this.#password = fields.password;
    this.engine = fields.engine;
    this.host = fields.host;
    this.port = fields.port;
    this.username = fields.username;
    this.dbname = fields.dbname;
    this.ssl = fields.ssl;
    this.masterarn = fields.masterarn;
    Object.freeze(this);
  }

  /** The password. A getter on the prototype, so `inspect` and spreading never show it. */
  get password(): string {
    return this.#password;
  }

  /** The JSON keys of the secret, in their original order. */
  keys(): string[] {
    return Object.keys(this.#record);
  }

  /** A copy with a new username and/or password; every other key is kept as it was. */
  with(changes: { username?: string; password?: string }): DatabaseSecret {
    const record: Record<string, unknown> = { ...this.#record };
    if (changes.username !== undefined) record.username = changes.username;
    if (changes.password !== undefined) record.password = changes.password;
    return new DatabaseSecret(record, {
      engine: this.engine,
      host: this.host,
      port: this.port,
      username: changes.username ?? this.username,
      password: changes.password ?? this.#password,
      dbname: this.dbname,
      ssl: this.ssl,
      masterarn: this.masterarn,
    });
  }

  /** The SecretString to store: the original JSON with the changes applied. */
  toSecretString(): string {
    return JSON.stringify(this.#record);
  }

  toJSON(): Record<string, unknown> {
    return redacted(this);
  }

  toString(): string {
    return `[DatabaseSecret ${this.username}@${this.host || '?'}]`;
  }

  [inspect.custom](): Record<string, unknown> {
    return redacted(this);
  }
}

interface SecretFields {
  engine: string | undefined;
  host: string;
  port: number | undefined;
  username: string;
  password: string;
  dbname: string | undefined;
  ssl: boolean | undefined;
  masterarn: string | undefined;
}

/**
 * Parses and validates a SecretString. Errors name the field and the problem, never a value.
 *
 * @example
 * const secret = parseSecret(value.SecretString, { source: 'AWSCURRENT', engines: ['mysql'] });
 */
export function parseSecret(text: unknown, options: ParseSecretOptions): DatabaseSecret {
  const { source, context } = options;
  const fail = (field: string, problem: string): never => {
    throw new SecretFormatError(field, problem, source, context);
  };
  if (typeof text !== 'string') {
    return fail('SecretString', 'is missing (binary secrets are not supported)');
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > SECRET_MAX_BYTES) {
    fail('SecretString', `is ${bytes} bytes, more than the ${SECRET_MAX_BYTES}-byte limit`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the input, so it is not kept as the cause.
    return fail('SecretString', 'is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return fail('SecretString', 'is not a JSON object');
  }
  const record = parsed as Record<string, unknown>;

  const optionalString = (key: string): string | undefined => {
    const value = record[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') fail(key, `must be a string (got ${typeName(value)})`);
    return value as string;
  };
  const requiredString = (key: string): string => {
    if (!(key in record)) fail(key, 'key is missing from the secret JSON');
    const value = optionalString(key);
    if (value === undefined || value === '') fail(key, 'must be a non-empty string');
    return value as string;
  };

  let engine = optionalString('engine');
  if (options.requireEngine !== false && engine === undefined) {
    engine = requiredString('engine');
  }
  if (engine !== undefined && options.engines && !options.engines.includes(engine)) {
    const shown = /^[A-Za-z0-9._-]{1,40}$/.test(engine) ? `"${engine}"` : 'an unexpected value';
    fail(
      'engine',
      `must be one of ${options.engines.map((e) => `"${e}"`).join(', ')} for this rotation function (got ${shown})`,
    );
  }
  const host =
    options.requireHost === false ? (optionalString('host') ?? '') : requiredString('host');
  const username = requiredString('username');
  const password = requiredString('password');
  const port = parsePort(record.port, fail);
  const dbname = optionalString('dbname') || undefined;
  const ssl = parseSsl(record.ssl, fail);
  const masterarn = options.requireMasterArn
    ? requiredString('masterarn')
    : optionalString('masterarn') || undefined;

  return new DatabaseSecret(record, {
    engine,
    host,
    port,
    username,
    password,
    dbname,
    ssl,
    masterarn,
  });
}

function parsePort(value: unknown, fail: (field: string, problem: string) => never) {
  if (value === undefined || value === null || value === '') return undefined;
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

function parseSsl(value: unknown, fail: (field: string, problem: string) => never) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    // The templates accept the strings "true"/"false" in any case.
    const lowered = value.trim().toLowerCase();
    if (lowered === 'true') return true;
    if (lowered === 'false') return false;
  }
  return fail('ssl', 'must be true or false (a boolean, or the string "true"/"false")');
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
