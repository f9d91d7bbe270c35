import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createDatabaseUser, uniqueName } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mysql } from '../src/database/mysql/driver.js';
import { createRotationHandler, type RotationHandler } from '../src/handler.js';
import type { MetricCallback } from '../src/metrics.js';
import { captureLogger } from './helpers.js';
import { createSecret, FUNCTION_ARN, loginWith, rotate, secretValue } from './stack.js';

// A rotation through the real stack (local Secrets Manager over HTTP, MariaDB) with a real
// Powertools Logger and Metrics, both writing to stdout as they do in Lambda. Their output is
// captured at process.stdout and parsed line by line.
const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let handler: RotationHandler;
const FN = FUNCTION_ARN('powertools');
const NAMESPACE = 'rotakit-test';

beforeAll(async () => {
  // Dev mode would make both write through the global console instead of stdout.
  vi.stubEnv('POWERTOOLS_DEV', '');
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  handler = createRotationHandler({
    strategy: 'single-user',
    database: mysql(),
    client,
    env: {},
    testSecret: { attempts: 1, delayMs: 0 },
    logger: new PowertoolsLogger({ serviceName: 'rotation', logLevel: 'DEBUG' }),
    metrics: new Metrics({ namespace: NAMESPACE, serviceName: 'rotation' }),
  });
  sm.registerRotationFunction(FN, handler);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await handler.close();
  await sm.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

type Line = Record<string, unknown> & { stream: 'stdout' | 'stderr' };

/**
 * Every JSON line written to stdout and stderr while `fn` runs (Powertools' Logger writes
 * WARN and ERROR to stderr), each tagged with its stream, and all the raw text.
 */
async function captureOutput(fn: () => Promise<void>): Promise<{ raw: string; json: Line[] }> {
  const chunks: { stream: Line['stream']; text: string }[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      chunks.push({ stream, text });
      return true;
    });
  }
  try {
    await fn();
  } finally {
    vi.restoreAllMocks();
  }
  const json = chunks.flatMap(({ stream, text }) =>
    text
      .split('\n')
      .filter((line) => line.trim().startsWith('{'))
      .map((line) => ({ ...(JSON.parse(line) as Record<string, unknown>), stream })),
  );
  return { raw: chunks.map((chunk) => chunk.text).join(''), json };
}

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** EMF documents: CloudWatch reads them from stdout only. */
const emfDocuments = (lines: Line[]) =>
  lines.filter(
    (line) => line._aws !== undefined && line.stream === 'stdout',
  ) as unknown as EmfDocument[];

/** One EMF document as `{ metric, unit, value, dimensions }`. */
function flatten(doc: EmfDocument) {
  const directive = doc._aws.CloudWatchMetrics[0];
  expect(doc._aws.CloudWatchMetrics).toHaveLength(1);
  expect(directive?.Metrics).toHaveLength(1);
  const metric = directive?.Metrics[0];
  const dimensionNames = directive?.Dimensions[0] ?? [];
  return {
    namespace: directive?.Namespace,
    metric: metric?.Name,
    unit: metric?.Unit,
    value: doc[metric?.Name ?? ''],
    dimensions: Object.fromEntries(dimensionNames.map((name) => [name, doc[name]])),
  };
}

async function userSecret(overrides: Record<string, unknown> = {}) {
  const user = await createDatabaseUser(server, { privileges: ['SELECT'] });
  const value = {
    engine: 'mysql',
    host: user.host,
    port: user.port,
    username: user.username,
    password: user.password,
    ssl: false,
    ...overrides,
  };
  return { ...(await createSecret(client, value)), value };
}

describe('a rotation with a real Powertools Logger and Metrics', () => {
  it('logs each step through the Logger and emits RotationStepDuration/RotationStepFailed as EMF', async () => {
    const { name, value } = await userSecret();
    let outcome: Awaited<ReturnType<typeof rotate>> | undefined;
    const out = await captureOutput(async () => {
      outcome = await rotate(sm, client, name, FN);
    });
    expect(outcome?.status, JSON.stringify(outcome?.error)).toBe('succeeded');
    const current = await secretValue(client, name);
    expect(await loginWith(current)).toEqual({ ok: true });

    const logs = out.json.filter((line) => line._aws === undefined);
    const steps = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
    for (const step of steps) {
      expect(logs).toContainEqual(
        expect.objectContaining({
          level: 'INFO',
          message: `${step}: finished`,
          service: 'rotation',
          secretId: expect.stringContaining(name),
          step,
          versionId: outcome?.token,
          durationMs: expect.any(Number),
        }),
      );
    }

    const metrics = emfDocuments(out.json).map(flatten);
    expect(metrics).toHaveLength(8);
    for (const step of steps) {
      expect(metrics).toContainEqual({
        namespace: NAMESPACE,
        metric: 'RotationStepDuration',
        unit: 'Milliseconds',
        value: expect.any(Number),
        dimensions: { service: 'rotation', Step: step, Outcome: 'success' },
      });
      expect(metrics).toContainEqual({
        namespace: NAMESPACE,
        metric: 'RotationStepFailed',
        unit: 'Count',
        value: 0,
        dimensions: { service: 'rotation', Step: step },
      });
    }
    expect(out.raw).not.toContain(value.password);
    expect(out.raw).not.toContain(String(current?.password));
  });

  it('reports the failed step with Outcome failure and RotationStepFailed 1', async () => {
    // AWSCURRENT's password is wrong: setSecret can log in with neither password.
    const { name, value } = await userSecret({ password: 'not-the-password-0123456789' });
    let outcome: Awaited<ReturnType<typeof rotate>> | undefined;
    const out = await captureOutput(async () => {
      outcome = await rotate(sm, client, name, FN);
    });
    expect(outcome?.status).toBe('failed');
    const metrics = emfDocuments(out.json).map(flatten);
    expect(metrics).toContainEqual(
      expect.objectContaining({
        metric: 'RotationStepDuration',
        dimensions: { service: 'rotation', Step: 'setSecret', Outcome: 'failure' },
      }),
    );
    expect(metrics).toContainEqual(
      expect.objectContaining({
        metric: 'RotationStepFailed',
        value: 1,
        dimensions: { service: 'rotation', Step: 'setSecret' },
      }),
    );
    const failed = out.json.find((line) => line.message === 'setSecret: failed');
    expect(failed).toMatchObject({
      level: 'ERROR',
      step: 'setSecret',
      error: { name: expect.any(String) },
    });
    expect(out.raw).not.toContain(value.password);
    const pending = await secretValue(client, name, { stage: 'AWSPENDING' });
    expect(pending?.password).toEqual(expect.any(String));
    expect(out.raw).not.toContain(String(pending?.password));
  });
});

describe('metrics through a plain callback', () => {
  function callbackHandler(metrics: MetricCallback) {
    const logger = captureLogger();
    const fn = FUNCTION_ARN(uniqueName('metrics-callback'));
    const callbackRotation = createRotationHandler({
      strategy: 'single-user',
      database: mysql(),
      client,
      env: {},
      testSecret: { attempts: 1, delayMs: 0 },
      logger,
      metrics,
    });
    sm.registerRotationFunction(fn, callbackRotation);
    return { fn, logger, close: () => callbackRotation.close() };
  }

  it('gets the same metrics: name, unit, value and dimensions per step', async () => {
    const seen: { name: string; unit: string; value: number; dimensions: object }[] = [];
    const { fn, close } = callbackHandler((name, unit, value, dimensions) =>
      seen.push({ name, unit, value, dimensions }),
    );
    try {
      const { name } = await userSecret();
      const outcome = await rotate(sm, client, name, fn);
      expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
    } finally {
      await close();
    }
    expect(seen.map((m) => `${m.name}:${(m.dimensions as { Step: string }).Step}`)).toEqual([
      'RotationStepDuration:createSecret',
      'RotationStepFailed:createSecret',
      'RotationStepDuration:setSecret',
      'RotationStepFailed:setSecret',
      'RotationStepDuration:testSecret',
      'RotationStepFailed:testSecret',
      'RotationStepDuration:finishSecret',
      'RotationStepFailed:finishSecret',
    ]);
    expect(seen[0]).toEqual({
      name: 'RotationStepDuration',
      unit: 'Milliseconds',
      value: expect.any(Number),
      dimensions: { Step: 'createSecret', Outcome: 'success' },
    });
    expect(seen[1]).toEqual({
      name: 'RotationStepFailed',
      unit: 'Count',
      value: 0,
      dimensions: { Step: 'createSecret' },
    });
  });

  it('a callback that throws never fails the rotation; each step logs one warning', async () => {
    const { fn, logger, close } = callbackHandler(() => {
      throw new Error('metrics backend down');
    });
    try {
      const { name } = await userSecret();
      const outcome = await rotate(sm, client, name, fn);
      expect(outcome.status, JSON.stringify(outcome.error)).toBe('succeeded');
      expect(await loginWith(await secretValue(client, name))).toEqual({ ok: true });
    } finally {
      await close();
    }
    const warnings = logger.entries.filter((e) => e.message.startsWith('metrics:'));
    expect(warnings.map((w) => w.extra?.step)).toEqual([
      'createSecret',
      'setSecret',
      'testSecret',
      'finishSecret',
    ]);
    expect(warnings[0]?.extra?.error).toMatchObject({ message: 'metrics backend down' });
  });
});
