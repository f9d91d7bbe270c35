import { inspect } from 'node:util';

/** The string keys of the RDS secret format that rotakit reads. */
export type RdsSecretStringField =
  | 'engine'
  | 'host'
  | 'username'
  | 'password'
  | 'dbname'
  | 'masterarn'
  | 'dbClusterIdentifier'
  | 'dbInstanceIdentifier';

/** The keys of the RDS secret format that rotakit reads. */
export type RdsSecretField = RdsSecretStringField | 'port' | 'ssl';

export const RDS_SECRET_FIELDS: readonly RdsSecretField[] = Object.freeze([
  'engine',
  'host',
  'port',
  'username',
  'password',
  'dbname',
  'ssl',
  'masterarn',
  'dbClusterIdentifier',
  'dbInstanceIdentifier',
]);

/** The typed fields of a secret; a string that is empty in the JSON is `undefined` here. */
export interface RdsSecretFields {
  engine: string | undefined;
  host: string | undefined;
  port: number | undefined;
  username: string | undefined;
  password: string | undefined;
  dbname: string | undefined;
  masterarn: string | undefined;
  /** `ssl` exactly as the JSON has it: each consumer has its documented reading of it. */
  ssl: unknown;
  dbClusterIdentifier: string | undefined;
  dbInstanceIdentifier: string | undefined;
}

/**
 * A secret in the RDS format (`engine`, `host`, `port`, `username`, `password`, `dbname`,
 * `ssl`, `masterarn`, ...). Every key of the JSON is kept in `record()` (unknown keys survive a
 * rotation); the password is a getter over a private field, so it never appears in
 * `inspect`, JSON, spreading or string conversions.
 */
export class RdsSecret {
  readonly #record: Readonly<Record<string, unknown>>;
  readonly #password: string | undefined;
  readonly engine: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly username: string | undefined;
  readonly dbname: string | undefined;
  readonly masterarn: string | undefined;
  readonly ssl: unknown;
  readonly dbClusterIdentifier: string | undefined;
  readonly dbInstanceIdentifier: string | undefined;

  /** @internal Use `parseRdsSecret`. */
  constructor(record: Record<string, unknown>, fields: RdsSecretFields) {
    this.#record = Object.freeze({ ...record });
    this.#password = fields.password;
    this.engine = fields.engine;
    this.host = fields.host;
    this.port = fields.port;
    this.username = fields.username;
    this.dbname = fields.dbname;
    this.masterarn = fields.masterarn;
    this.ssl = fields.ssl;
    this.dbClusterIdentifier = fields.dbClusterIdentifier;
    this.dbInstanceIdentifier = fields.dbInstanceIdentifier;
    Object.freeze(this);
  }

  /** The password (a getter on the prototype: `inspect` and spreading never show it). */
  get password(): string | undefined {
    return this.#password;
  }

  /** The whole JSON object, every key as stored (the password included: never print it). */
  record(): Readonly<Record<string, unknown>> {
    return this.#record;
  }

  /** The JSON keys of the secret, in their original order. */
  keys(): string[] {
    return Object.keys(this.#record);
  }

  toJSON(): Record<string, unknown> {
    return redacted(this);
  }

  toString(): string {
    return `[RdsSecret ${this.username ?? '?'}@${this.host ?? '?'}]`;
  }

  [inspect.custom](): Record<string, unknown> {
    return redacted(this);
  }
}

function redacted(secret: RdsSecret): Record<string, unknown> {
  const known = new Set<string>(RDS_SECRET_FIELDS);
  return {
    engine: secret.engine,
    host: secret.host,
    port: secret.port,
    username: secret.username,
    password: secret.password === undefined ? undefined : '[redacted]',
    dbname: secret.dbname,
    ssl: secret.ssl,
    masterarn: secret.masterarn,
    otherKeys: secret.keys().filter((key) => !known.has(key)),
  };
}
