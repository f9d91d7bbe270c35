import { errorClassesOf, nameAfterMinifying } from '@rotakit/testing';
import { describe, expect, it } from 'vitest';
import * as local from '../src/index.js';

// A bundled test suite may be minified: a name taken from the class would show as `t`.
// Every class must carry its name as a literal.
const ARGS: Record<string, unknown[]> = {
  ManagedRotationError: [
    'Could not change the password on the database',
    { secretId: 'rds!db-1', step: 'setSecret' },
  ],
  InvalidOptionError: ['Invalid option `port`: must be a number', { option: 'port' }],
  PersistenceError: ['Data file /tmp/data.json: is not JSON', { file: '/tmp/data.json' }],
  RotationNotRetryableError: [
    'Cannot retry the rotation of "app-db": nothing to retry',
    { secretId: 'app-db', reason: 'no-pending-version' },
  ],
  ServerClosedError: ['closed', { operation: 'GetSecretValue' }],
  ServiceError: ['not found', { type: 'ResourceNotFoundException', statusCode: 400 }],
  UnknownSecretError: ['No secret matches SecretId "app-db"', { secretId: 'app-db' }],
  WaitTimeoutError: ['timed out', { secretId: 'app-db', timeoutMs: 1000 }],
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
