import { describe, expect, it } from 'vitest';
import { isMysqlEngine, MYSQL_DEFAULT_PORT } from '../src/defaults.js';
import { hasNoBackslashEscapes, quoteAccount, quoteIdentifier, quoteString } from '../src/quote.js';

describe('quoteString', () => {
  it('doubles quotes in both sql_modes and backslashes only where they escape', () => {
    expect(quoteString("it's \\n", false)).toBe("'it''s \\\\n'");
    expect(quoteString("it's \\n", true)).toBe("'it''s \\n'");
  });

  it('quotes the empty string', () => {
    expect(quoteString('', false)).toBe("''");
  });
});

describe('quoteIdentifier and quoteAccount', () => {
  it('doubles backticks in identifiers', () => {
    expect(quoteIdentifier('my`db')).toBe('`my``db`');
  });

  it("writes 'user'@'host' with both parts quoted", () => {
    expect(quoteAccount({ username: "o'neil", host: '%' }, true)).toBe("'o''neil'@'%'");
  });
});

describe('sql_mode and defaults', () => {
  it('finds NO_BACKSLASH_ESCAPES in a sql_mode list, in any case', () => {
    expect(hasNoBackslashEscapes('STRICT_TRANS_TABLES,no_backslash_escapes')).toBe(true);
    expect(hasNoBackslashEscapes('STRICT_TRANS_TABLES')).toBe(false);
  });

  it('knows the port and the MySQL-protocol engine names', () => {
    expect(MYSQL_DEFAULT_PORT).toBe(3306);
    for (const engine of ['mysql', 'MariaDB', 'aurora', 'aurora-mysql', undefined]) {
      expect(isMysqlEngine(engine)).toBe(true);
    }
    expect(isMysqlEngine('postgres')).toBe(false);
    expect(isMysqlEngine('aurora-postgresql')).toBe(false);
  });
});
