import { describe, expect, it } from 'vitest';
import {
  AwsApiError,
  CliError,
  ExitCode,
  InterruptedError,
  ManagedSecretRefusedError,
  RegionMissingError,
  UsageError,
} from '../src/index.js';

describe('cli error classes', () => {
  // A bundler renames classes (and a subclass has its own name): the name must be a literal.
  it.each([
    ['CliError', () => new CliError('m')],
    ['UsageError', () => new UsageError('m', { option: '--port' })],
    [
      'AwsApiError',
      () =>
        new AwsApiError('m', {
          operation: 'DescribeSecret',
          errorName: 'ResourceNotFoundException',
        }),
    ],
    ['RegionMissingError', () => new RegionMissingError('m', { profile: 'default' })],
    ['InterruptedError', () => new InterruptedError('m')],
    [
      'ManagedSecretRefusedError',
      () =>
        new ManagedSecretRefusedError('m', {
          command: 'rotate',
          owningService: 'rds',
          rotateSecret: 'aws secretsmanager rotate-secret --secret-id x',
        }),
    ],
  ])('%s has a literal name that survives renaming and subclassing', (name, make) => {
    const error = make();
    expect(error.name).toBe(name);
    const Renamed = class extends (error.constructor as new (...args: never[]) => Error) {};
    Object.defineProperty(Renamed, 'name', { value: 'a' });
    const args: Record<string, unknown[]> = {
      AwsApiError: ['m', { operation: 'x', errorName: 'y' }],
      RegionMissingError: ['m', { profile: 'p' }],
      ManagedSecretRefusedError: ['m', { command: 'c', owningService: 's', rotateSecret: 'r' }],
    };
    expect(new (Renamed as new (...a: unknown[]) => Error)(...(args[name] ?? ['m'])).name).toBe(
      name,
    );
  });

  it('takes (message, { cause, ...context }) and exposes the context for --json', () => {
    const cause = new Error('socket');
    const error = new AwsApiError('DescribeSecret failed', {
      cause,
      operation: 'DescribeSecret',
      errorName: 'ECONNREFUSED',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9',
    });
    expect(error.cause).toBe(cause);
    expect(error.exitCode).toBe(ExitCode.AwsError);
    expect(error.context()).toEqual({
      exitCode: 3,
      operation: 'DescribeSecret',
      errorName: 'ECONNREFUSED',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9',
    });
    expect(new UsageError('bad', { option: '--port' }).context()).toEqual({
      exitCode: 2,
      option: '--port',
    });
    expect(new InterruptedError('stop').exitCode).toBe(130);
    expect(new CliError('x', { exitCode: ExitCode.Usage }).exitCode).toBe(2);
  });
});
