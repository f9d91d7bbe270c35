/*
 * Quoting for statements where parameters cannot go: PostgreSQL takes no bind parameters in
 * utility statements (CREATE/ALTER ROLE, GRANT), so role names and verifiers are written
 * into the SQL text. These produce what the server's own quote_ident()/quote_literal() do,
 * except that they refuse what the server would silently change.
 */
import { POSTGRES_MAX_IDENTIFIER_BYTES } from './defaults.js';
import { PostgresInputError } from './errors.js';

/**
 * Quotes an identifier (a role, database or schema name) in double quotes, doubling any
 * inside, so the server reads it back exactly, case and all. Throws a `PostgresInputError`
 * for an empty name, a NUL character or more than 63 bytes (the server would truncate it).
 *
 * @example
 * quoteIdentifier('App"User') // "App""User"
 */
export function quoteIdentifier(name: string): string {
  if (name === '') refuse('identifier', 'is empty');
  refuseNul(name, 'identifier');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > POSTGRES_MAX_IDENTIFIER_BYTES) {
    refuse(
      'identifier',
      `is ${bytes} bytes, more than PostgreSQL's ${POSTGRES_MAX_IDENTIFIER_BYTES}`,
    );
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a string literal with single quotes doubled. With a backslash inside it is written
 * `E'...'` with backslashes doubled, which reads back the same whether
 * `standard_conforming_strings` is on or off. Throws a `PostgresInputError` for a NUL
 * character (the protocol would end the statement there).
 *
 * @example
 * quoteLiteral("it's") // 'it''s'
 * quoteLiteral('a\\b') // E'a\\b'
 */
export function quoteLiteral(text: string): string {
  refuseNul(text, 'literal');
  const quoted = text.replaceAll("'", "''");
  if (!text.includes('\\')) return `'${quoted}'`;
  return `E'${quoted.replaceAll('\\', '\\\\')}'`;
}

function refuseNul(value: string, input: 'identifier' | 'literal'): void {
  if (value.includes('\0')) refuse(input, 'contains a NUL character');
}

function refuse(input: 'identifier' | 'literal', problem: string): never {
  throw new PostgresInputError(`Cannot quote the ${input}: it ${problem}`, { input, problem });
}
