import { inspect } from 'node:util';
import {
  parseRdsSecret,
  RDS_SECRET_FIELDS,
  type RdsSecretField,
  readSslFlag,
  SECRET_MAX_BYTES,
  SecretFormatError,
} from '@rotakit/core';
import type { RotationErrorContext, SecretSource } from './errors.js';

export { SECRET_MAX_BYTES };

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

const KNOWN_KEYS: ReadonlySet<string> = new Set(RDS_SECRET_FIELDS);

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

/**
 * A parsed, validated database secret. Every key of the JSON is kept (unknown keys survive
 * a rotation); the password is held privately and never appears in `inspect`, JSON or
 * string conversions.
 */
export class DatabaseSecret {
  readonly #record: Readonly<Record<string, unknown>>;
  readonly #password: string;
  /** `engine` from the JSON, when present. */
  declare readonly engine: string | undefined;
  /** The database host; empty when the secret has none (an RDS-managed master secret). */
  declare readonly host: string;
  /** The port from the JSON, undefined when absent. */
  declare readonly port: number | undefined;
  declare readonly username: string;
  declare readonly dbname: string | undefined;
  /** `ssl` from the JSON: true, false, or undefined when the key is absent. */
  declare readonly ssl: boolean | undefined;
  declare readonly masterarn: string | undefined;

  /** @internal Use `parseSecret`. */
  constructor(record: Record<string, unknown>, fields: SecretFields) {
    const { password, ...visible } = fields;
    this.#record = Object.freeze({ ...record });
    this.#password = password;
    Object.assign(this, visible);
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
 * A SecretFormatError (from @rotakit/core) worded as rotation-core words them: "The
 * AWSPENDING secret: password must be a non-empty string". Names the field, never a value.
 */
export function secretFormatError(
  field: string,
  problem: string,
  source: SecretSource,
  context: RotationErrorContext = {},
): SecretFormatError {
  return new SecretFormatError(`${describeSource(source)}: ${field} ${problem}`, {
    ...context,
    field,
    problem,
    source,
  });
}

function describeSource(source: SecretSource): string {
  return source === 'master' ? 'The master secret' : `The ${source} secret`;
}

/**
 * Parses and validates a SecretString with @rotakit/core's reader of the RDS secret format,
 * then adds rotation-core's reading: which fields a rotation needs, which engines this
 * function rotates, and `ssl` as the AWS templates read it. Errors name the field and the
 * problem, never a value.
 *
 * @example
 * const secret = parseSecret(value.SecretString, { source: 'AWSCURRENT', engines: ['mysql'] });
 */
export function parseSecret(text: unknown, options: ParseSecretOptions): DatabaseSecret {
  const { source, context = {} } = options;
  const fail = (field: string, problem: string): never => {
    throw secretFormatError(field, problem, source, context);
  };
  if (typeof text !== 'string') {
    return fail('SecretString', 'is missing (binary secrets are not supported)');
  }
  const secret = parseRdsSecret(text, {
    require: requiredFields(options),
    label: describeSource(source),
    context: { ...context, source },
  });
  checkEngine(secret.engine, options.engines, fail);
  return new DatabaseSecret(secret.record() as Record<string, unknown>, {
    engine: secret.engine,
    host: secret.host ?? '',
    port: secret.port,
    username: secret.username as string,
    password: secret.password as string,
    dbname: secret.dbname,
    ssl: readSslFlag(secret.ssl, fail),
    masterarn: secret.masterarn,
  });
}

function requiredFields(options: ParseSecretOptions): RdsSecretField[] {
  const fields: RdsSecretField[] = ['username', 'password'];
  if (options.requireEngine !== false) fields.unshift('engine');
  if (options.requireHost !== false) fields.push('host');
  if (options.requireMasterArn) fields.push('masterarn');
  return fields;
}

function checkEngine(
  engine: string | undefined,
  engines: readonly string[] | undefined,
  fail: (field: string, problem: string) => never,
): void {
  if (engine === undefined || !engines || engines.includes(engine)) return;
  // An engine name is not a secret, but an odd value is not echoed either.
  const shown = /^[A-Za-z0-9._-]{1,40}$/.test(engine) ? `"${engine}"` : 'an unexpected value';
  fail(
    'engine',
    `must be one of ${engines.map((e) => `"${e}"`).join(', ')} for this rotation function (got ${shown})`,
  );
}
