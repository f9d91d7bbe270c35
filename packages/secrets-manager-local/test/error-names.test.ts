import { errorClassesOf, nameAfterMinifying } from '@rotakit/testing';
import { describe, expect, it } from 'vitest';
import * as local from '../src/index.js';

// A bundled test suite may be minified: a name taken from the class would show as `t`.
// Every class must carry its name as a literal.
const ARGS: Record<string, unknown[]> = {
  InvalidOptionError: ['port', 'must be a number'],
  PersistenceError: ['/tmp/data.json', 'is not JSON'],
  RotationNotRetryableError: ['app-db', 'no-pending-version', 'nothing to retry'],
  ServerClosedError: ['GetSecretValue'],
  ServiceError: ['ResourceNotFoundException', 'not found', 400],
  UnknownSecretError: ['app-db'],
  WaitTimeoutError: ['app-db', 1000],
};

describe('@rotakit/secrets-manager-local error classes', () => {
  const classes = errorClassesOf(local);

  it('finds the exported error classes', () => {
    expect(classes.map(([name]) => name)).toEqual(
      expect.arrayContaining(['SecretsManagerLocalError', ...Object.keys(ARGS)]),
    );
  });

  it.each(classes)('%s keeps its literal name when a bundler renames the class', (name, cls) => {
    expect(cls.name).toBe(name);
    expect(nameAfterMinifying(cls, ARGS[name] ?? ['message'])).toBe(name);
  });
});
