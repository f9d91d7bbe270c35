import { describe, expect, it } from 'vitest';
import {
  isPostgresEngine,
  POSTGRES_DEFAULT_DATABASE,
  POSTGRES_DEFAULT_PORT,
  POSTGRES_ENGINES,
} from '../src/defaults.js';
import { PostgresInputError } from '../src/errors.js';
import { quoteIdentifier, quoteLiteral } from '../src/quote.js';

function refusal(quote: () => string): PostgresInputError {
  try {
    quote();
  } catch (error) {
    if (error instanceof PostgresInputError) return error;
    throw error;
  }
  throw new Error('expected a PostgresInputError');
}

describe('quoteIdentifier', () => {
  it('double-quotes, doubling quotes inside and keeping case', () => {
    expect(quoteIdentifier('App"User')).toBe('"App""User"');
    expect(quoteIdentifier('app_user_clone')).toBe('"app_user_clone"');
    expect(quoteIdentifier("o'neil; DROP ROLE x")).toBe('"o\'neil; DROP ROLE x"');
  });

  it('takes 63 bytes and refuses 64, which the server would truncate', () => {
    expect(quoteIdentifier('a'.repeat(63))).toBe(`"${'a'.repeat(63)}"`);
    const error = refusal(() => quoteIdentifier(`${'a'.repeat(62)}é`)); // 64 bytes, 63 characters
    expect(error.input).toBe('identifier');
    expect(error.problem).toBe("is 64 bytes, more than PostgreSQL's 63");
  });

  it('refuses an empty name and a NUL, naming the problem, not the value', () => {
    expect(refusal(() => quoteIdentifier('')).problem).toBe('is empty');
    const error = refusal(() => quoteIdentifier('secret-ish\0name'));
    expect(error.problem).toBe('contains a NUL character');
    expect(error.message).not.toContain('secret-ish');
  });
});

describe('quoteLiteral', () => {
  it('doubles single quotes', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('')).toBe("''");
  });

  it("writes E'' with doubled backslashes when the text has one", () => {
    expect(quoteLiteral('a\\b')).toBe("E'a\\\\b'");
    expect(quoteLiteral("\\'")).toBe("E'\\\\'''");
  });

  it('refuses a NUL without repeating the text', () => {
    const error = refusal(() => quoteLiteral('hunter2\0'));
    expect(error.input).toBe('literal');
    expect(error.message).not.toContain('hunter2');
  });
});

describe('defaults', () => {
  it('knows the port, the database and the PostgreSQL engine names', () => {
    expect(POSTGRES_DEFAULT_PORT).toBe(5432);
    expect(POSTGRES_DEFAULT_DATABASE).toBe('postgres');
    expect(POSTGRES_ENGINES).toEqual(['postgres', 'aurora-postgresql']);
    expect(isPostgresEngine('Aurora-PostgreSQL')).toBe(true);
    expect(isPostgresEngine('postgres')).toBe(true);
    for (const engine of [undefined, 'mysql', 'aurora-mysql', 'redshift']) {
      expect(isPostgresEngine(engine)).toBe(false);
    }
  });
});
