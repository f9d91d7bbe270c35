// The alternating-users bundle is minified too (tsup `minify: true`), and it bundles its own
// copy of rotation-core and netcheck: the error names it reports must be the declared ones,
// not a minifier's letter. The single-user example's error-names.test.ts does the same for
// its bundle; this runs the alternating-users bundle in its own process.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { findFreePort } from '@rotakit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BundledFunction,
  exampleDirOf,
  startBundledFunction,
} from '../../rotation-lambda-single-user/test/lambda-harness.js';
import { createSecret, rotate } from '../../rotation-lambda-single-user/test/secrets.js';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:rotakit-alt-error-names';
// Declared class names end in Error or Exception; a minifier's names are a few characters.
const DECLARED_NAME = /^[A-Z][A-Za-z]+(Error|Exception)$/;
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

describe('error names in the minified alternating-users bundle', { timeout: 45_000 }, () => {
  it.each([
    ['an unknown step', 'rotateEverything'],
    ['a step named after an Object.prototype member', 'toString'],
  ])('throws InvalidEventError by name for %s', async (_name, step) => {
    const response = await fetch(fn.url, {
      method: 'POST',
      body: JSON.stringify({
        Step: step,
        SecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-db',
        ClientRequestToken: crypto.randomUUID(),
      }),
    });
    expect(response.headers.get('x-amz-function-error')).toBe('Unhandled');
    const error = (await response.json()) as { errorType: string; errorMessage: string };
    expect(error.errorType).toBe('InvalidEventError');
    expect(error.errorMessage).toContain(`${JSON.stringify(step)} is not a rotation step`);
  });

  it('names the errors of a rotation whose database port has nothing behind it by their classes', async () => {
    const deadPort = await findFreePort();
    const at = { engine: 'mysql', host: '127.0.0.1', port: deadPort };
    const master = await createSecret(client, { ...at, username: 'admin', password: 'not-real-1' });
    const { name, arn } = await createSecret(client, {
      ...at,
      username: 'app',
      password: 'not-real-2',
      masterarn: master.arn,
    });
    const outcome = await rotate(sm, client, name, FUNCTION_ARN);
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome.error?.name).toBe('DatabaseLoginError');
    const names = errorNamesIn(logLines().filter((l) => l.secretId === arn));
    expect(names).toContain('DatabaseLoginError');
    for (const errorName of names) expect(errorName).toMatch(DECLARED_NAME);
  });
});
