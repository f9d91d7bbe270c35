import { UnsafeIdentifierError } from '../../errors.js';

// Characters that have no business in an account name and that some layers mishandle.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Quotes a string literal so it reads back exactly under both sql_mode settings: quotes are
 * doubled (valid with and without NO_BACKSLASH_ESCAPES) and backslashes are doubled only when
 * the server treats them as escapes.
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

/** Refuses values that cannot be quoted safely. */
export function assertSafeName(what: string, value: string, maxLength = 255): void {
  if (value.length === 0) throw UnsafeIdentifierError.of(what, 'it is empty');
  if (CONTROL.test(value)) {
    throw UnsafeIdentifierError.of(what, 'it contains a control character (NUL, newline, ...)');
  }
  if (value.length > maxLength) {
    throw UnsafeIdentifierError.of(what, `it is longer than ${maxLength} characters`);
  }
}

/** Refuses passwords that cannot travel in a string literal. Never mentions the value. */
export function assertSafePassword(value: string): void {
  if (value.length === 0) throw UnsafeIdentifierError.of('password', 'it is empty');
  if (value.includes('\u0000')) {
    throw UnsafeIdentifierError.of('password', 'it contains a NUL character');
  }
}

/** `'user'@'host'`, both parts quoted as strings. */
export function quoteAccount(
  account: { username: string; host: string },
  noBackslashEscapes: boolean,
): string {
  return `${quoteString(account.username, noBackslashEscapes)}@${quoteString(account.host, noBackslashEscapes)}`;
}
