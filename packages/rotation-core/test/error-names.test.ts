import { errorClassesOf, nameAfterMinifying } from '@rotakit/testing';
import { describe, expect, it } from 'vitest';
import * as rotationCore from '../src/index.js';

// The example Lambdas bundle rotation-core with `minify: true`: a name taken from the class
// would log as `t` there. Every class must carry its name as a literal.
const loginDetails = { credentials: 'pending', reason: 'timeout', host: 'db', port: 3306 };
const ARGS: Record<string, unknown[]> = {
  AdminOptionRequiredError: [
    'no ADMIN OPTION',
    { role: 'app', master: 'master', needed: 'x', serverMajor: 17, fix: 'GRANT' },
  ],
  CloneNameTooLongError: [
    'clone name too long',
    { username: 'app', cloneUsername: 'app_clone', limit: 4, limitSource: 'server' },
  ],
  CredentialMismatchError: ['hosts differ', { field: 'host' }],
  DatabaseError: ['GRANT failed', { statement: 'GRANT' }],
  DatabaseLoginError: ['login failed', loginDetails],
  InvalidEventError: ['bad event', { field: 'Step' }],
  InvalidOptionError: ['bad option', { option: 'strategy' }],
  ManagedSecretError: ['managed by RDS', { owningService: 'rds' }],
  PreflightError: ['R7 failed', { failedChecks: ['R7'] }],
  SecretFormatError: ['bad secret', { field: 'password', source: 'AWSPENDING' }],
  SecretsManagerError: ['GetSecretValue failed', { operation: 'GetSecretValue', kind: 'other' }],
  TimeBudgetExceededError: ['out of time', { operation: 'GRANT', remainingMs: 10, reserveMs: 250 }],
  TlsRequiredError: ['TLS failed', { ...loginDetails, reason: 'tls' }],
  UnsafeIdentifierError: ['unsafe', { what: 'username' }],
  VersionNotPendingError: ['not pending', { stages: ['AWSCURRENT'] }],
};

describe('@rotakit/rotation-core error classes', () => {
  const classes = errorClassesOf(rotationCore);

  it('finds the exported error classes', () => {
    expect(classes.map(([name]) => name)).toEqual(
      expect.arrayContaining(['RotationError', 'InvalidEventError', ...Object.keys(ARGS)]),
    );
  });

  it.each(classes)('%s keeps its literal name when a bundler renames the class', (name, cls) => {
    expect(cls.name).toBe(name);
    expect(nameAfterMinifying(cls, ARGS[name] ?? ['message'])).toBe(name);
  });
});
