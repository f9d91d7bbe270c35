import type { Connection } from 'mysql2/promise';
import { AdminStatementError } from './errors.js';

/** String literals and account names quoted for one admin session. */
export interface SqlQuoting {
  string(value: string): string;
  account(username: string, host: string): string;
}

/**
 * Quoting for statements where placeholders cannot go (account names, passwords), fitted to
 * the admin session's sql_mode. mysql2's own escaping writes `\'`, which a server with
 * NO_BACKSLASH_ESCAPES reads as a backslash and the end of the string; so quotes are doubled
 * (valid in every mode) and backslashes are doubled only when the session treats them as
 * escapes. The same rules as rotation-core's `quoteString` (src/database/mysql/escape.ts),
 * which this package cannot import: rotation-core's tests depend on this one.
 */
export async function sessionQuoting(admin: Connection): Promise<SqlQuoting> {
  const [rows] = await runAdminStatement(admin, {
    statement: 'SELECT @@SESSION.sql_mode',
    sql: 'SELECT @@SESSION.sql_mode AS mode',
  });
  const mode = String((rows as Array<{ mode?: unknown }>)[0]?.mode ?? '');
  const noBackslashEscapes = /NO_BACKSLASH_ESCAPES/i.test(mode);
  const string = (value: string) => {
    const quotesDoubled = value.replaceAll("'", "''");
    return `'${noBackslashEscapes ? quotesDoubled : quotesDoubled.replaceAll('\\', '\\\\')}'`;
  };
  return { string, account: (username, host) => `${string(username)}@${string(host)}` };
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
        ...(query.secret === undefined ? { cause: error } : {}),
        statement: query.statement,
        errno,
        code,
        sqlState,
      },
    );
  }
}
