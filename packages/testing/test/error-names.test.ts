import { describe, expect, it } from 'vitest';
import { errorClassesOf, nameAfterMinifying } from '../src/error-names.js';
import * as testing from '../src/index.js';

// Constructor arguments for the classes whose constructor needs more than a message.
const ARGS: Record<string, unknown[]> = {
  AdminStatementError: ['GRANT failed', { statement: 'GRANT' }],
  MysqlBinaryNotFoundError: ['no server binary', { searched: ['/usr/sbin'] }],
  MysqlStartError: ['did not start', { logTail: 'log tail' }],
  PostgresBinaryNotFoundError: ['no server binaries', { searched: ['/usr/lib/postgresql'] }],
  PostgresStartError: ['did not start', { logTail: 'log tail' }],
};

describe('@rotakit/testing error classes', () => {
  const classes = errorClassesOf(testing);

  it('finds every exported error class', () => {
    expect(classes.map(([name]) => name)).toEqual([
      'AdminStatementError',
      'MysqlBinaryNotFoundError',
      'MysqlStartError',
      'PostgresBinaryNotFoundError',
      'PostgresStartError',
      'TestingError',
    ]);
  });

  it.each(classes)('%s keeps its literal name when a bundler renames the class', (name, cls) => {
    expect(cls.name).toBe(name);
    expect(nameAfterMinifying(cls, ARGS[name] ?? ['message'])).toBe(name);
  });
});

describe('nameAfterMinifying', () => {
  it('gives away a name taken from new.target, as a minified bundle would show it', () => {
    class DerivedNameError extends Error {
      constructor(message: string) {
        super(message);
        this.name = new.target.name;
      }
    }
    expect(new DerivedNameError('x').name).toBe('DerivedNameError');
    expect(nameAfterMinifying(DerivedNameError, ['x'])).toBe('t');
  });

  it('keeps a literal name', () => {
    class LiteralNameError extends Error {
      override readonly name = 'LiteralNameError';
    }
    expect(nameAfterMinifying(LiteralNameError, ['x'])).toBe('LiteralNameError');
  });

  it('says which class could not be built from the arguments given', () => {
    class DetailedError extends Error {
      override readonly name = 'DetailedError';
      constructor(details: { operation: string }) {
        super(details.operation.toUpperCase());
      }
    }
    expect(() => nameAfterMinifying(DetailedError, [])).toThrow(
      /could not construct DetailedError from 0 argument\(s\)/,
    );
  });

  it('lists only classes that extend Error', () => {
    class NotAnError {}
    const found = errorClassesOf({ NotAnError, RangeError, value: 1, fn: () => {} });
    expect(found.map(([name]) => name)).toEqual(['RangeError']);
  });
});
