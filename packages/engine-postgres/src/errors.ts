import {
  type DatabaseErrorMeaning,
  type ErrorOptions,
  type NetworkErrorMeaning,
  networkErrorMeaning,
  RotakitError,
} from '@rotakit/core';

/**
 * The meanings a PostgreSQL error can have: a server SQLSTATE or a Node socket code, mapped
 * onto @rotakit/core's shared vocabulary (`DatabaseErrorMeaning`, where each name is
 * documented). PostgreSQL reports an expired password (VALID UNTIL) as 28P01 and a role
 * without LOGIN, or a `hostssl`-only rule met without TLS, as 28000: those distinctions reach
 * only the server log, so they are not meanings here.
 */
export type PostgresErrorMeaning = Extract<
  DatabaseErrorMeaning,
  | 'access-denied'
  | 'rejected'
  | 'unknown-database'
  | 'too-many-connections'
  | 'starting-up'
  | 'server-shutdown'
  | 'insufficient-privilege'
  | 'invalid-grant'
  | 'read-only'
  | 'already-exists'
  | 'does-not-exist'
  | 'lock-wait-timeout'
  | 'deadlock'
  | NetworkErrorMeaning
>;

/** A SQLSTATE's condition name in PostgreSQL's Appendix A, and what it means to rotakit. */
export interface SqlStateEntry {
  readonly name: string;
  readonly meaning: PostgresErrorMeaning;
}

const entry = (name: string, meaning: PostgresErrorMeaning): SqlStateEntry =>
  Object.freeze({ name, meaning });

/**
 * Every SQLSTATE rotakit acts on, with its condition name from the PostgreSQL manual's
 * "Appendix A. PostgreSQL Error Codes" (the same in 13 to 18).
 */
export const SQLSTATES: Readonly<Record<string, SqlStateEntry>> = Object.freeze({
  '28P01': entry('invalid_password', 'access-denied'),
  '28000': entry('invalid_authorization_specification', 'rejected'),
  '3D000': entry('invalid_catalog_name', 'unknown-database'),
  '53300': entry('too_many_connections', 'too-many-connections'),
  '57P03': entry('cannot_connect_now', 'starting-up'),
  '57P01': entry('admin_shutdown', 'server-shutdown'),
  // Every session is ended while the server restarts after another process crashed.
  '57P02': entry('crash_shutdown', 'server-shutdown'),
  '42501': entry('insufficient_privilege', 'insufficient-privilege'),
  '0LP01': entry('invalid_grant_operation', 'invalid-grant'),
  '25006': entry('read_only_sql_transaction', 'read-only'),
  '42710': entry('duplicate_object', 'already-exists'),
  '42704': entry('undefined_object', 'does-not-exist'),
  // lock_timeout (and NOWAIT) end a statement with this one.
  '55P03': entry('lock_not_available', 'lock-wait-timeout'),
  '40P01': entry('deadlock_detected', 'deadlock'),
});

// Five digits or upper-case letters; no SQLSTATE class starts with E, and every Node
// error code that is five letters long (EPIPE, EPERM) does.
const SQLSTATE_SHAPE = /^[0-9A-DF-Z][0-9A-Z]{4}$/;

/** The meaning of a SQLSTATE, or undefined for one rotakit does not act on. */
export function meaningOfSqlState(sqlState: string | undefined): PostgresErrorMeaning | undefined {
  if (sqlState === undefined || !Object.hasOwn(SQLSTATES, sqlState)) return undefined;
  return SQLSTATES[sqlState]?.meaning;
}

/** The SQLSTATE of a pg server error (its `code`), or undefined for a socket or client error. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown };
  return typeof code.code === 'string' && SQLSTATE_SHAPE.test(code.code) ? code.code : undefined;
}

/**
 * What a pg (node-postgres) or Node socket error means: a server error by its SQLSTATE (pg
 * puts it in `code`), anything else by Node's code. Message text is never read: it differs
 * between versions and `lc_messages` languages.
 *
 * @example
 * postgresErrorMeaning(Object.assign(new Error(), { code: '28P01' })) // 'access-denied'
 */
export function postgresErrorMeaning(error: unknown): PostgresErrorMeaning | undefined {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  if (e.name === 'AbortError') return 'aborted';
  const sqlState = sqlStateOf(e);
  if (sqlState !== undefined) return meaningOfSqlState(sqlState);
  return networkErrorMeaning(typeof e.code === 'string' ? e.code : undefined);
}

export interface PostgresInputErrorContext extends ErrorOptions {
  /** What was refused: an identifier, a string literal or a password to hash. */
  input: 'identifier' | 'literal' | 'password' | 'option';
  /** What is wrong with it, without its value: `contains a NUL character`. */
  problem: string;
}

/**
 * A value this package cannot turn into SQL (or a SCRAM verifier) exactly. The message
 * names the problem, never the value.
 */
export class PostgresInputError extends RotakitError {
  override readonly name: string = 'PostgresInputError';
  readonly input: PostgresInputErrorContext['input'];
  readonly problem: string;

  constructor(message: string, context: PostgresInputErrorContext) {
    super(message, context);
    this.input = context.input;
    this.problem = context.problem;
  }
}
