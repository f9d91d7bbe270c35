import { hasNoBackslashEscapes, quoteAccount, quoteString } from '@rotakit/engine-mysql';
import type { Connection } from 'mysql2/promise';
import { AdminStatementError } from './errors.js';

/** String literals and account names quoted for one admin session. */
export interface SqlQuoting {
  string(value: string): string;
  account(username: string, host: string): string;
}

/**
 * Quoting for statements where placeholders cannot go (account names, passwords), fitted to
 * the admin session's sql_mode: @rotakit/engine-mysql's quoting, the same rotation-core uses.
 */
export async function sessionQuoting(admin: Connection): Promise<SqlQuoting> {
  const [rows] = await runAdminStatement(admin, {
    statement: 'SELECT @@SESSION.sql_mode',
    sql: 'SELECT @@SESSION.sql_mode AS mode',
  });
  const mode = String((rows as Array<{ mode?: unknown }>)[0]?.mode ?? '');
  const noBackslashEscapes = hasNoBackslashEscapes(mode);
  return {
    string: (value) => quoteString(value, noBackslashEscapes),
    account: (username, host) => quoteAccount({ username, host }, noBackslashEscapes),
  };
}

/**
 * Runs one admin statement. A failure becomes an AdminStatementError; when the statement
 * carries a password (`secret`), the driver's message (a syntax error quotes the SQL near
 * the fault) and its `.sql` stay out of it, and so does the driver error itself.
 */
export async function runAdminStatement(
  admin: Connection,
  query: { statement: string; sql: string; secret?: string },
): Promise<Awaited<ReturnType<Connection['query']>>> {
  try {
    return await admin.query(query.sql);
  } catch (error) {
    const { errno, code, sqlState, message } = error as {
      errno?: number;
      code?: string;
      sqlState?: string;
      message?: string;
    };
    const codes = [code, errno].filter((part) => part !== undefined).join(' ');
    const detail =
      query.secret === undefined
        ? `: ${message}`
        : ' (driver message withheld: it may quote the password)';
    throw new AdminStatementError(
      `${query.statement} failed${codes ? ` (${codes})` : ''}${detail}`,
      {
        // The driver's error may quote the statement, and with it the password.
        cause: query.secret === undefined ? error : undefined,
        statement: query.statement,
        errno,
        code,
        sqlState,
      },
    );
  }
}
