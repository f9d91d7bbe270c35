import { inspect } from 'node:util';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { quoteIdentifier, quoteString } from '@rotakit/engine-mysql';
import type { SecretsManagerRotationHandler } from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { TimeBudget } from '../src/budget.js';
import { mysql } from '../src/database/mysql/driver.js';
import {
  annotateError,
  DatabaseError,
  RotationError,
  TimeBudgetExceededError,
} from '../src/errors.js';
import { createRotationHandler } from '../src/handler.js';
import { jsonLogger, serializeError } from '../src/logger.js';
import { toSecretsManagerError } from '../src/secrets-manager.js';
import { alternateUsername } from '../src/strategies/alternating-users.js';

describe('jsonLogger', () => {
  it('writes one JSON line per call with Powertools fields and redacts secret-looking keys', () => {
    const lines: string[] = [];
    const logger = jsonLogger({ level: 'INFO', write: (line) => lines.push(line) });
    logger.debug('hidden');
    logger.info('hello', { secretId: 's', password: 'p4ss', nested: { SecretString: '{}' } });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({
      level: 'INFO',
      message: 'hello',
      service: 'rotakit-rotation',
      secretId: 's',
      password: '[redacted]',
      nested: { SecretString: '[redacted]' },
    });
    expect(typeof entry.timestamp).toBe('string');
  });

  it('serialises errors without mysql2 sql text', () => {
    const cause = Object.assign(new Error('boom'), {
      code: 'ER_X',
      sql: "SET PASSWORD = PASSWORD('p4ss')",
    });
    const error = new DatabaseError('SET PASSWORD failed', {
      statement: 'SET PASSWORD',
      errno: 1,
      cause,
    });
    const text = JSON.stringify(serializeError(error));
    expect(text).toContain('ER_X');
    expect(text).not.toContain('p4ss');
  });
});

describe('errors', () => {
  it('keeps a malformed response body (JSON.parse quotes it) out of a Secrets Manager error', () => {
    // A truncated or corrupted response: the parser stops inside the secret's value.
    const body = '{"SecretString":{"password":hunter2-hunter2}}';
    const parseError = (() => {
      try {
        JSON.parse(body);
      } catch (error) {
        return error;
      }
    })();
    expect(String((parseError as Error).message)).toContain('hunter2');
    const error = toSecretsManagerError('GetSecretValue', parseError);
    const everything = `${inspect(error, { depth: 5 })}${JSON.stringify(serializeError(error))}`;
    expect(everything).not.toContain('hunter2');
    expect(error.message).toMatch(
      /GetSecretValue failed \(SyntaxError\): the response could not be parsed/,
    );
  });

  it('annotates once with step, secret and version', () => {
    const error = new RotationError('went wrong');
    annotateError(error, { step: 'setSecret', secretId: 'arn:x', versionId: 'v1' });
    annotateError(error, { step: 'setSecret', secretId: 'arn:x', versionId: 'v1' });
    expect(error.message).toBe('setSecret failed for secret arn:x: went wrong');
    expect(error).toMatchObject({
      step: 'setSecret',
      secretId: 'arn:x',
      versionId: 'v1',
      name: 'RotationError',
    });
  });
});

describe('SQL quoting', () => {
  it('doubles quotes, and backslashes only when they are escapes', () => {
    expect(quoteString("a'b\\c", false)).toBe("'a''b\\\\c'");
    expect(quoteString("a'b\\c", true)).toBe("'a''b\\c'");
    expect(quoteIdentifier('we`ird')).toBe('`we``ird`');
  });
});

describe('alternateUsername', () => {
  it('flips between user and user_clone', () => {
    expect(alternateUsername('app', '_clone')).toBe('app_clone');
    expect(alternateUsername('app_clone', '_clone')).toBe('app');
    expect(() => alternateUsername('_clone', '_clone')).toThrow(/no user to alternate with/);
  });
});

describe('TimeBudget', () => {
  it('takes the Lambda remaining time, keeps a reserve and aborts with a typed reason', async () => {
    const budget = TimeBudget.fromContext(
      { getRemainingTimeInMillis: () => 120 },
      { reserveMs: 100, defaultMs: 60_000 },
    );
    expect(budget.remainingMs()).toBeLessThanOrEqual(120);
    await new Promise((resolve) => budget.signal.addEventListener('abort', resolve));
    expect(budget.signal.reason).toBeInstanceOf(TimeBudgetExceededError);
    expect(() => budget.timeoutFor('PutSecretValue', 1000)).toThrow(TimeBudgetExceededError);
    budget[Symbol.dispose]();
  });

  it('uses the default without a context', () => {
    const budget = TimeBudget.fromContext(undefined, { reserveMs: 10, defaultMs: 5000 });
    expect(budget.usableMs()).toBeLessThanOrEqual(4990);
    expect(budget.usableMs()).toBeGreaterThan(4000);
    budget[Symbol.dispose]();
  });

  it("follows the caller's signal until disposed, then lets go of it", () => {
    const caller = new AbortController();
    const first = new TimeBudget(5000, { reserveMs: 1000, defaultMs: 5000, signal: caller.signal });
    first[Symbol.dispose]();
    const second = new TimeBudget(5000, {
      reserveMs: 1000,
      defaultMs: 5000,
      signal: caller.signal,
    });
    caller.abort(new Error('caller gave up'));
    expect(first.signal.aborted).toBe(false);
    expect((second.signal.reason as Error).message).toBe('caller gave up');
    second[Symbol.dispose]();
  });

  it("gives a call's own timer slack past the budget when the budget limits it", () => {
    const budget = new TimeBudget(5000, { reserveMs: 1000, defaultMs: 5000 });
    // The cap ends first: it is used as is.
    expect(budget.timeoutFor('short call', 1000)).toBe(1000);
    // The budget ends first: the call's timer must not fire before the budget's abort.
    const usable = budget.usableMs();
    const timeout = budget.timeoutFor('long call', 60_000);
    expect(timeout).toBeGreaterThan(usable);
    expect(timeout).toBeLessThan(usable + 1000);
    budget[Symbol.dispose]();
  });
});

describe('types', () => {
  it('fits the aws-lambda handler type and refuses client with clientConfig', async () => {
    const handler = createRotationHandler({
      strategy: 'single-user',
      database: mysql(),
      clientConfig: { region: 'us-east-1' },
      env: {},
    });
    const asLambda: SecretsManagerRotationHandler = handler;
    expectTypeOf(asLambda).toBeFunction();
    expect(() =>
      // @ts-expect-error client and clientConfig are exclusive
      createRotationHandler({
        strategy: 'single-user',
        database: mysql(),
        client: new SecretsManagerClient({ region: 'us-east-1' }),
        clientConfig: { region: 'us-east-1' },
        env: {},
      }),
    ).toThrow(/either client or clientConfig/);
    await handler.close();
  });

  it('does not print the credentials of its clientConfig', async () => {
    const secretAccessKey = 'sk-that-must-not-print-7f3a';
    const handler = createRotationHandler({
      strategy: 'single-user',
      database: mysql(),
      clientConfig: {
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey },
      },
      env: {},
    });
    try {
      expect(inspect(handler, { showHidden: true, depth: Infinity })).not.toContain(
        secretAccessKey,
      );
    } finally {
      await handler.close();
    }
  });
});
