/*
 * Quoting for statements where placeholders cannot go (account names, passwords). mysql2's own
 * escaping writes `\'`, which a server with NO_BACKSLASH_ESCAPES reads as a backslash and the
 * end of the string; so quotes are doubled (valid in every mode) and backslashes are doubled
 * only when the session treats them as escapes.
 */

/**
 * Quotes a string literal so it reads back exactly under both sql_mode settings.
 *
 * @example
 * quoteString("it's", false) // 'it''s'
 */
export function quoteString(value: string, noBackslashEscapes: boolean): string {
  let out = value.replaceAll("'", "''");
  if (!noBackslashEscapes) out = out.replaceAll('\\', '\\\\');
  return `'${out}'`;
}

/** Quotes an identifier with backticks (a backtick inside is doubled). */
export function quoteIdentifier(value: string): string {
  return `\`${value.replaceAll('`', '``')}\``;
}

/** `'user'@'host'`, both parts quoted as strings. */
export function quoteAccount(
  account: { username: string; host: string },
  noBackslashEscapes: boolean,
): string {
  return `${quoteString(account.username, noBackslashEscapes)}@${quoteString(account.host, noBackslashEscapes)}`;
}

/** True when a session's `@@sql_mode` makes backslashes ordinary characters in strings. */
export function hasNoBackslashEscapes(sqlMode: string): boolean {
  return /NO_BACKSLASH_ESCAPES/i.test(sqlMode);
}
