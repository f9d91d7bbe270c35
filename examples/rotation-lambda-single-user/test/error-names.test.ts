// The built bundle is minified (tsup `minify: true`): every class is renamed to a letter or
// two. An error whose name came from its class (`this.name = new.target.name`) would reach
// the invoke response and the logs as `t`. This runs the bundle in its own process and
// checks the names it reports, both for an error it throws at once (a bad event) and for a
// failure the netcheck diagnosis runs on (a secret whose database port has nothing behind it).
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { findFreePort } from '@rotakit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundledFunction, exampleDirOf, startBundledFunction } from './lambda-harness.js';
import { createSecret, rotate } from './secrets.js';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:rotakit-error-names';
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let fn: BundledFunction;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  fn = await startBundledFunction({
    exampleDir: exampleDirOf(import.meta.url),
    env: { SECRETS_MANAGER_ENDPOINT: sm.endpoint },
  });
  sm.registerRotationFunction(FUNCTION_ARN, fn.url);
}, 45_000);

afterAll(async () => {
  await fn?.close();
  await sm?.close();
});

/** Invokes the function directly, as Lambda's Invoke API would, and returns its error. */
async function invokeForError(
  event: unknown,
): Promise<{ errorType: string; errorMessage: string }> {
  const response = await fetch(fn.url, { method: 'POST', body: JSON.stringify(event) });
  expect(response.headers.get('x-amz-function-error')).toBe('Unhandled');
  return (await response.json()) as { errorType: string; errorMessage: string };
}

type LogLine = Record<string, unknown>;

function logLines(): LogLine[] {
  return fn
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Every `name` of an object that also has a `message`: the errors a log line carries. */
function errorNamesIn(value: unknown, names: string[] = []): string[] {
  if (value === null || typeof value !== 'object') return names;
  const record = value as Record<string, unknown>;
  if (typeof record.name === 'string' && typeof record.message === 'string') {
    names.push(record.name);
  }
  for (const child of Object.values(record)) errorNamesIn(child, names);
  return names;
}

// Declared class names end in Error or Exception; a minifier's names are a few characters.
const DECLARED_NAME = /^[A-Z][A-Za-z]+(Error|Exception)$/;

describe('error names in the minified single-user bundle', { timeout: 45_000 }, () => {
  it.each([
    ['an unknown step', 'rotateEverything'],
    ['a step named after an Object.prototype member', 'constructor'],
  ])('throws InvalidEventError by name for %s', async (_name, step) => {
    const error = await invokeForError({
      Step: step,
      SecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-db',
      ClientRequestToken: crypto.randomUUID(),
    });
    expect(error.errorType).toBe('InvalidEventError');
    expect(error.errorMessage).toContain(`${JSON.stringify(step)} is not a rotation step`);
    // The log line comes over the process's stdout pipe, the response over HTTP: either may
    // arrive first, so wait for this event's line.
    const rejected = () =>
      logLines().find(
        (l) =>
          l.message === 'rejected a malformed rotation event' &&
          JSON.stringify(l.error).includes(JSON.stringify(step).slice(1, -1)),
      );
    await expect.poll(rejected, { timeout: 5000 }).toMatchObject({
      error: { name: 'InvalidEventError' },
    });
  });

  it('names the database login error and the diagnosis of a dead port by their classes', async () => {
    const deadPort = await findFreePort();
    const { name, arn } = await createSecret(client, {
      engine: 'mysql',
      host: '127.0.0.1',
      port: deadPort,
      username: 'app',
      password: 'not-a-real-password',
    });
    const outcome = await rotate(sm, client, name, FUNCTION_ARN);
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome.error?.name).toBe('DatabaseLoginError');

    const lines = logLines().filter((l) => l.secretId === arn);
    const failed = lines.find(
      (l) => typeof l.message === 'string' && l.message.endsWith(': failed'),
    );
    expect(failed).toMatchObject({ error: { name: 'DatabaseLoginError', reason: 'refused' } });
    // The netcheck diagnosis ran on it and found the database port refused (R7).
    const diagnosis = lines.find(
      (l) => typeof l.message === 'string' && l.message.startsWith('diagnosis:'),
    );
    expect(diagnosis?.message).toMatch(/ECONNREFUSED/);
    const checks = (diagnosis?.diagnosis as { report?: { checks?: LogLine[] } })?.report?.checks;
    expect(checks?.find((c) => c.id === 'R7')).toMatchObject({ status: 'fail' });

    const names = errorNamesIn(lines);
    expect(names).toContain('DatabaseLoginError');
    for (const errorName of names) expect(errorName).toMatch(DECLARED_NAME);
  });
});
