import { errorClassesOf, nameAfterMinifying } from '@rotakit/testing';
import { describe, expect, it } from 'vitest';
import * as secretPool from '../src/index.js';

// An application bundle may be minified: a name taken from the class would log as `t`.
// Every class must carry its name as a literal.
const context = { secretId: 'app-db', retryable: false, attempts: 1, reason: 'account-locked' };
const ARGS: Record<string, unknown[]> = {
  AccountLockedError: ['locked', context],
  AuthenticationError: ['denied', context],
  ConnectionError: ['failed', context],
  DatabaseAccessDeniedError: ['denied', context],
  EndpointLookupError: ['no endpoint', { secretId: 'rds!db-1' }],
  HostNotAllowedError: ['not allowed', context],
  InvalidOptionError: ['Invalid option `ttlMs`: must be a number', { option: 'ttlMs' }],
  LoginGuardError: [
    'held back',
    { secretId: 'app-db', reason: 'limit', failures: 3, maxFailures: 3, versionId: 'v1' },
  ],
  ManagedRotationPendingError: [
    'still refused',
    { secretId: 'rds!db-1', versionId: 'v1', waitedMs: 5000 },
  ],
  PasswordExpiredError: ['expired', context],
  SecretFetchError: ['not found', context],
  SecretFormatError: ['not JSON', context],
  ServerBusyError: ['busy', context],
  TerminalConnectionError: ['terminal', context],
  UnknownDatabaseError: ['unknown', context],
  UnsupportedDriverError: ['no _allConnections', { missing: ['_allConnections'] }],
};

describe('@rotakit/secret-pool error classes', () => {
  const classes = errorClassesOf(secretPool);

  it('finds the exported error classes', () => {
    expect(classes.map(([name]) => name)).toEqual(
      expect.arrayContaining(['SecretPoolError', 'ClosedError', ...Object.keys(ARGS)]),
    );
  });

  it.each(classes)('%s keeps its literal name when a bundler renames the class', (name, cls) => {
    expect(cls.name).toBe(name);
    expect(nameAfterMinifying(cls, ARGS[name] ?? ['message'])).toBe(name);
  });
});
