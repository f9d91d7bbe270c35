import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InternalServiceError,
  ListSecretsCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { InvalidOptionError, type SecretsManagerLocal, startSecretsManager } from '../src/index.js';
import { caught, uniqueName } from './helpers.js';

let sm: SecretsManagerLocal;
let once: SecretsManagerClient;
let retrying: SecretsManagerClient;
let name: string;

beforeAll(async () => {
  sm = await startSecretsManager();
  once = sm.client({ maxAttempts: 1 });
  retrying = sm.client();
});
afterAll(() => sm.close());
afterEach(async () => {
  sm.faults.clear();
});

async function freshSecret() {
  name = uniqueName('faults');
  await once.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
  sm.counts.reset();
  return name;
}

describe('fault injection', () => {
  test('throttle for N calls raises ThrottlingException, then calls succeed', async () => {
    await freshSecret();
    const fault = sm.faults.add({ operation: 'GetSecretValue', kind: 'throttle', times: 1 });
    const error = await caught(() => once.send(new GetSecretValueCommand({ SecretId: name })));
    expect(error.name).toBe('ThrottlingException');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    expect(fault.hits).toBe(1);
    expect(fault.remove()).toBe(false);
    const ok = await once.send(new GetSecretValueCommand({ SecretId: name }));
    expect(ok.SecretString).toBe('v');
  });

  test('the SDK retries through two throttles and counts() sees every attempt', async () => {
    await freshSecret();
    sm.faults.add({ operation: 'GetSecretValue', kind: 'throttle', times: 2 });
    const ok = await retrying.send(new GetSecretValueCommand({ SecretId: name }));
    expect(ok.$metadata.attempts).toBe(3);
    expect(sm.counts().GetSecretValue).toBe(3);
  });

  test('internal-error answers InternalServiceError with HTTP 500', async () => {
    await freshSecret();
    sm.faults.add({ operation: 'GetSecretValue', kind: 'internal-error', times: 1 });
    const error = await caught(() => once.send(new GetSecretValueCommand({ SecretId: name })));
    expect(error).toBeInstanceOf(InternalServiceError);
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(500);
  });

  test('drop-connection cuts the socket without an answer', async () => {
    await freshSecret();
    sm.faults.add({ operation: 'GetSecretValue', kind: 'drop-connection', times: 1 });
    const error = await caught(() => once.send(new GetSecretValueCommand({ SecretId: name })));
    expect(error).not.toBeInstanceOf(ResourceNotFoundException);
    expect(String(error.code ?? error.message)).toMatch(/ECONNRESET|socket hang up|EPIPE/);
    sm.faults.add({ operation: 'GetSecretValue', kind: 'drop-connection', times: 1 });
    const retried = await retrying.send(new GetSecretValueCommand({ SecretId: name }));
    expect(retried.SecretString).toBe('v');
  });

  test('latency delays the answer by at least latencyMs', async () => {
    await freshSecret();
    const fault = sm.faults.add({ operation: 'GetSecretValue', kind: 'latency', latencyMs: 60 });
    const started = performance.now();
    await once.send(new GetSecretValueCommand({ SecretId: name }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(fault.hits).toBe(1);
  });

  test("operation '*' hits every operation; other operations are untouched by a named fault", async () => {
    await freshSecret();
    sm.faults.add({ operation: 'DescribeSecret', kind: 'throttle' });
    await once.send(new GetSecretValueCommand({ SecretId: name }));
    expect(
      (await caught(() => once.send(new DescribeSecretCommand({ SecretId: name })))).name,
    ).toBe('ThrottlingException');
    sm.faults.clear();
    sm.faults.add({ operation: '*', kind: 'internal-error', times: 2 });
    await expect(once.send(new ListSecretsCommand({}))).rejects.toBeInstanceOf(
      InternalServiceError,
    );
    await expect(once.send(new GetSecretValueCommand({ SecretId: name }))).rejects.toBeInstanceOf(
      InternalServiceError,
    );
    await expect(once.send(new GetSecretValueCommand({ SecretId: name }))).resolves.toBeDefined();
  });

  test('rate hits roughly that share of calls', async () => {
    await freshSecret();
    const fault = sm.faults.add({ operation: 'GetSecretValue', kind: 'throttle', rate: 0.5 });
    let throttled = 0;
    for (let i = 0; i < 200; i++) {
      try {
        await once.send(new GetSecretValueCommand({ SecretId: name }));
      } catch {
        throttled++;
      }
    }
    expect(fault.hits).toBe(throttled);
    expect(throttled).toBeGreaterThan(50);
    expect(throttled).toBeLessThan(150);
  });

  test('list() shows active faults; remove() and clear() take them away', () => {
    const a = sm.faults.add({ operation: 'GetSecretValue', kind: 'latency', latencyMs: 1 });
    const b = sm.faults.add({ operation: '*', kind: 'throttle', times: 5, rate: 0.1 });
    expect(sm.faults.list()).toEqual([
      { id: a.id, operation: 'GetSecretValue', kind: 'latency', latencyMs: 1, hits: 0 },
      { id: b.id, operation: '*', kind: 'throttle', times: 5, rate: 0.1, hits: 0 },
    ]);
    expect(a.remove()).toBe(true);
    expect(sm.faults.list().map((f) => f.id)).toEqual([b.id]);
    sm.faults.clear();
    expect(sm.faults.list()).toEqual([]);
  });

  test.each([
    [{ operation: '', kind: 'throttle' }, 'fault.operation'],
    [{ operation: 'GetSecretValue', kind: 'explode' }, 'fault.kind'],
    [{ operation: 'GetSecretValue', kind: 'throttle', times: 0 }, 'fault.times'],
    [{ operation: 'GetSecretValue', kind: 'throttle', rate: 2 }, 'fault.rate'],
    [{ operation: 'GetSecretValue', kind: 'latency' }, 'fault.latencyMs'],
    [{ operation: 'GetSecretValue', kind: 'throttle', latencyMs: 5 }, 'fault.latencyMs'],
  ])('an invalid fault %j is refused naming %s', (spec, option) => {
    const error = (() => {
      try {
        sm.faults.add(spec as never);
      } catch (e) {
        return e as InvalidOptionError;
      }
      throw new Error('expected a throw');
    })();
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.option).toBe(option);
  });
});

describe('counts and reset', () => {
  test('counts() reports requests per operation; reset() and resetCounts() zero them', async () => {
    await freshSecret();
    await once.send(new GetSecretValueCommand({ SecretId: name }));
    await once.send(new GetSecretValueCommand({ SecretId: name }));
    await once.send(new DescribeSecretCommand({ SecretId: name }));
    await caught(() => once.send(new GetSecretValueCommand({ SecretId: 'nope' })));
    expect(sm.counts()).toEqual({ GetSecretValue: 3, DescribeSecret: 1 });
    sm.resetCounts();
    expect(sm.counts()).toEqual({});
    await once.send(new ListSecretsCommand({}));
    sm.counts.reset();
    expect(sm.counts()).toEqual({});
  });

  test('reset() deletes every secret, fault and count', async () => {
    await using local = await startSecretsManager();
    const c = local.client({ maxAttempts: 1 });
    await c.send(new CreateSecretCommand({ Name: 'keep-out', SecretString: 'x' }));
    local.faults.add({ operation: 'ListSecrets', kind: 'latency', latencyMs: 1 });
    await local.reset();
    expect(local.counts()).toEqual({});
    expect(local.faults.list()).toEqual([]);
    const list = await c.send(new ListSecretsCommand({}));
    expect(list.SecretList).toEqual([]);
    await c.send(new CreateSecretCommand({ Name: 'keep-out', SecretString: 'y' }));
  });
});

describe('/_local HTTP routes', () => {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sm.endpoint}/_local/${path}`, {
      method,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test('faults, counts, rotations and reset are reachable over HTTP', async () => {
    await freshSecret();
    const added = await call('POST', 'faults', {
      operation: 'GetSecretValue',
      kind: 'throttle',
      times: 1,
    });
    expect(added.status).toBe(200);
    expect((await call('GET', 'faults')).body.faults).toHaveLength(1);
    await caught(() => once.send(new GetSecretValueCommand({ SecretId: name })));
    expect((await call('GET', 'counts')).body).toEqual({ counts: { GetSecretValue: 1 } });
    expect((await call('DELETE', 'counts')).status).toBe(200);
    expect((await call('GET', 'counts')).body).toEqual({ counts: {} });
    const id = (await call('POST', 'faults', { operation: '*', kind: 'throttle' })).body
      .id as string;
    expect((await call('DELETE', `faults/${id}`)).status).toBe(200);
    expect((await call('DELETE', `faults/${id}`)).status).toBe(404);
    expect((await call('POST', 'faults', { operation: 'x', kind: 'nope' })).body).toMatchObject({
      error: 'InvalidOptionError',
    });
    expect((await call('GET', `rotations/${encodeURIComponent(name)}`)).body).toEqual({
      rotations: [],
    });
    expect((await call('GET', 'rotations/unknown-secret')).status).toBe(404);
    expect((await call('GET', 'health')).body).toMatchObject({ status: 'ok' });
    expect((await call('GET', 'nothing-here')).status).toBe(404);
    expect((await call('GET', 'rotations/%E0%A4%A')).status).toBe(400);
    expect((await call('POST', 'faults', 'not an object')).status).toBe(400);
  });

  test('DELETE faults clears them; a route answers only the methods it serves', async () => {
    await call('POST', 'faults', { operation: 'GetSecretValue', kind: 'throttle' });
    await call('POST', 'faults', { operation: '*', kind: 'throttle' });
    expect((await call('DELETE', 'faults')).status).toBe(200);
    expect((await call('GET', 'faults')).body).toEqual({ faults: [] });
    const wrongMethods: Array<[string, string]> = [
      ['POST', 'health'],
      ['GET', 'reset'],
      ['PUT', 'counts'],
      ['PUT', 'faults'],
      ['GET', 'faults/some-id'],
      ['GET', 'rotation-functions'],
      ['GET', 'tick'],
      ['GET', 'rotations'],
      ['DELETE', 'rotations/app-db'],
      ['GET', 'rotations/app-db/retry'],
    ];
    for (const [method, path] of wrongMethods) {
      const answer = await call(method, path);
      expect(answer, `${method} ${path}`).toEqual({
        status: 404,
        body: { error: 'NotFound', message: `No local route ${method} /_local/${path}` },
      });
    }
    const moto = await fetch(`${sm.endpoint}/moto-api/other`, { method: 'POST' });
    expect(moto.status).toBe(404);
  });
});
