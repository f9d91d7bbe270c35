import { PrismaMariaDb, type PrismaMariadbOptions } from '@prisma/adapter-mariadb';
// The package's own entry, not its files: one copy of its classes (see knex.ts).
import { type CreatePoolOptions, createPool, type SecretPool } from '@rotakit/secret-pool';
import type { FieldPacket, PoolConnection, ResultSetHeader } from 'mysql2/promise';

/**
 * `@rotakit/secret-pool/prisma`: Prisma 7 on a rotakit pool (docs/secret-pool.md, "Prisma").
 *
 * Prisma's MySQL/MariaDB driver adapter, `@prisma/adapter-mariadb`, is built on the `mariadb`
 * connector, whose pool takes the password as a fixed string. But the adapter also accepts an
 * existing pool (anything with `getConnection()`), and calls only a handful of members on
 * it: `query`/`execute` with `{ sql, rowsAsArray, dateStrings, typeCast }`, `getConnection()`
 * for transactions (`query`, `execute`, `release`, `on`/`off('error')`), and `end()`. This
 * module gives it exactly that, in the `mariadb` connector's result shape, over a rotakit
 * mysql2 pool: rows as arrays with a `meta` array of field descriptions (type names,
 * flags, collation, the JSON format MariaDB announces), and `{ affectedRows, insertId }` for
 * statements without rows. Every login is the rotakit pool's, with all its guarantees.
 */

/** The options of `PrismaMariaDb` that still apply (the pool is ours, and ends with Prisma). */
export type SecretPoolPrismaOptions = Omit<PrismaMariadbOptions, 'disposeExternalPool'>;

/** The request `@prisma/adapter-mariadb` sends (mariadb's QueryOptions, the parts it sets). */
interface MariaDbRequest {
  sql: string;
  rowsAsArray?: boolean;
  dateStrings?: boolean;
  typeCast?: unknown;
}

/** A column as the `mariadb` connector describes it (the members Prisma's adapter reads). */
interface MariaDbField {
  name(): string;
  readonly type: string | undefined;
  readonly flags: number;
  readonly collation: { readonly index: number };
  readonly dataTypeFormat: string | undefined;
  readonly columnLength: number;
  readonly scale: number;
}

type MariaDbRows = unknown[] & { meta: MariaDbField[] };
type MariaDbResult =
  | MariaDbRows
  | { affectedRows: number; insertId: bigint; warningStatus: number };

/** Column type codes of the client/server protocol, by the names the `mariadb` connector uses. */
const FIELD_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'DECIMAL',
  1: 'TINY',
  2: 'SHORT',
  3: 'INT',
  4: 'FLOAT',
  5: 'DOUBLE',
  6: 'NULL',
  7: 'TIMESTAMP',
  8: 'BIGINT',
  9: 'INT24',
  10: 'DATE',
  11: 'TIME',
  12: 'DATETIME',
  13: 'YEAR',
  14: 'NEWDATE',
  15: 'VARCHAR',
  16: 'BIT',
  17: 'TIMESTAMP2',
  18: 'DATETIME2',
  19: 'TIME2',
  245: 'JSON',
  246: 'NEWDECIMAL',
  247: 'ENUM',
  248: 'SET',
  249: 'TINY_BLOB',
  250: 'MEDIUM_BLOB',
  251: 'LONG_BLOB',
  252: 'BLOB',
  253: 'VAR_STRING',
  254: 'STRING',
  255: 'GEOMETRY',
};

/** mysql2's column definition, with the MariaDB extended metadata mysql2 >= 3.22 parses. */
type Mysql2Field = FieldPacket & { columnType?: number; extendedFormat?: string };

function toMariaDbField(field: Mysql2Field): MariaDbField {
  const name = field.name;
  return {
    name: () => name,
    type: FIELD_TYPE_NAMES[field.columnType ?? -1],
    flags: Number(field.flags ?? 0),
    collation: { index: field.characterSet ?? 0 },
    dataTypeFormat: field.extendedFormat,
    columnLength: field.columnLength ?? 0,
    scale: field.decimals ?? 0,
  };
}

function toMariaDbResult([rows, fields]: [unknown, FieldPacket[] | undefined]): MariaDbResult {
  if (!Array.isArray(rows) || fields === undefined) {
    const header = rows as ResultSetHeader;
    return {
      affectedRows: header.affectedRows,
      insertId: BigInt(header.insertId),
      warningStatus: header.warningStatus,
    };
  }
  return Object.assign(rows, { meta: fields.map((f) => toMariaDbField(f as Mysql2Field)) });
}

/** mysql2's options for Prisma's request: the same switches, mysql2's names. */
function toMysql2Options(request: MariaDbRequest): Record<string, unknown> {
  return {
    sql: request.sql,
    rowsAsArray: request.rowsAsArray,
    dateStrings: request.dateStrings,
    typeCast: request.typeCast,
  };
}

interface Queryable {
  query(options: never, values?: unknown): Promise<[unknown, FieldPacket[]]>;
  execute(options: never, values?: unknown): Promise<[unknown, FieldPacket[]]>;
}

function mariaDbQueryable(target: Queryable) {
  return {
    async query(request: MariaDbRequest, values?: unknown[]): Promise<MariaDbResult> {
      return toMariaDbResult(await target.query(toMysql2Options(request) as never, values));
    },
    async execute(request: MariaDbRequest, values?: unknown[]): Promise<MariaDbResult> {
      return toMariaDbResult(await target.execute(toMysql2Options(request) as never, values));
    },
  };
}

/** A transaction's connection, as Prisma's adapter uses a `mariadb` pool connection. */
function mariaDbConnection(connection: PoolConnection) {
  const core = connection.connection;
  return {
    ...mariaDbQueryable(connection),
    async release(): Promise<void> {
      connection.release();
    },
    on(event: string, listener: (...args: unknown[]) => void) {
      core.on(event, listener);
    },
    off(event: string, listener: (...args: unknown[]) => void) {
      core.off(event, listener);
    },
  };
}

/**
 * A `mariadb`-shaped pool over a rotakit pool: the members `@prisma/adapter-mariadb` calls.
 * Pass it to `new PrismaMariaDb(...)` yourself, or use {@link prismaAdapter}.
 */
export function mariaDbPoolFor(pool: SecretPool) {
  return {
    ...mariaDbQueryable(pool),
    async getConnection() {
      return mariaDbConnection(await pool.getConnection());
    },
    end: (): Promise<void> => pool.end(),
    /** The rotakit pool underneath (for `stats()` and events). */
    secretPool: pool,
  };
}

/**
 * Prisma's MariaDB driver adapter on a rotakit pool created here: pass it to
 * `new PrismaClient({ adapter })`. `prisma.$disconnect()` ends the pool.
 *
 * @example
 * import { prismaAdapter } from '@rotakit/secret-pool/prisma';
 * import { PrismaClient } from './generated/prisma/client.js';
 *
 * const prisma = new PrismaClient({ adapter: prismaAdapter({ secretId: 'prod/app/mysql', clientConfig: { region: 'eu-west-1' }, connectionLimit: 10 }) });
 */
export function prismaAdapter(
  pool: CreatePoolOptions,
  options: SecretPoolPrismaOptions = {},
): PrismaMariaDb & { readonly secretPool: SecretPool } {
  // The value shapes Prisma's adapter expects from the mariadb connector: JSON as text,
  // BIGINT and DECIMAL as strings (never a rounded number).
  const secretPool = createPool({
    jsonStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    ...pool,
  } as CreatePoolOptions);
  const mariaDbPool = mariaDbPoolFor(secretPool) as unknown as ConstructorParameters<
    typeof PrismaMariaDb
  >[0];
  const adapter = new PrismaMariaDb(mariaDbPool, { ...options, disposeExternalPool: true });
  return Object.assign(adapter, { secretPool });
}
