import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ListSecretsCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  InvalidOptionError,
  type RotationContext,
  type RotationEvent,
  RotationNotRetryableError,
  type SecretsManagerLocal,
  startSecretsManager,
  UnknownSecretError,
  WaitTimeoutError,
} from '../src/index.js';
import { caught, templateRotation, token, uniqueName } from './helpers.js';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:rotate-template';

let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  sm.registerRotationFunction(FN, templateRotation(client));
});
afterAll(() => sm.close());

async function createSecret(value = JSON.stringify({ password: 'initial' })) {
  const name = uniqueName('rot');
  const versionId = token();
  const created = await client.send(
    new CreateSecretCommand({ Name: name, SecretString: value, ClientRequestToken: versionId }),
  );
  return { name, arn: created.ARN!, versionId };
}

function fnArn(name: string): string {
  return `arn:aws:lambda:us-east-1:123456789012:function:${name}-${token().slice(0, 8)}`;
}

describe('RotateSecret with an in-process handler', () => {
  test('runs the four steps in order and leaves the new version AWSCURRENT', async () => {
    const { name, arn, versionId: old } = await createSecret();
    const rotated = await client.send(
      new RotateSecretCommand({ SecretId: name, RotationLambdaARN: FN }),
    );
    expect(rotated.ARN).toBe(arn);
    const pending = rotated.VersionId!;
    const outcome = await sm.waitForRotation(name);
    expect(outcome).toMatchObject({
      status: 'succeeded',
      secretArn: arn,
      secretName: name,
      token: pending,
      rotationLambdaArn: FN,
      trigger: 'RotateSecret',
      attempt: 1,
      rotateImmediately: true,
    });
    expect(outcome.steps.map((s) => [s.step, s.status])).toEqual([
      ['createSecret', 'succeeded'],
      ['setSecret', 'succeeded'],
      ['testSecret', 'succeeded'],
      ['finishSecret', 'succeeded'],
    ]);
    expect(outcome.endedAt!.getTime()).toBeGreaterThanOrEqual(outcome.startedAt.getTime());
    expect(outcome.failedStep).toBeUndefined();
    const current = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(current.VersionId).toBe(pending);
    expect(JSON.parse(current.SecretString!).password).not.toBe('initial');
    const meta = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.RotationEnabled).toBe(true);
    expect(meta.RotationLambdaARN).toBe(FN);
    expect(meta.LastRotatedDate).toBeInstanceOf(Date);
    // Like the service, AWSPENDING stays on the version that became current.
    expect(meta.VersionIdsToStages).toEqual({
      [old]: ['AWSPREVIOUS'],
      [pending]: ['AWSCURRENT', 'AWSPENDING'],
    });
  });

  test('a second rotation works after a successful one', async () => {
    const { name } = await createSecret();
    await client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: FN }));
    const first = await sm.waitForRotation(name);
    const second = await client.send(new RotateSecretCommand({ SecretId: name }));
    const outcome = await sm.waitForRotation(name);
    expect(first.status).toBe('succeeded');
    expect(outcome).toMatchObject({ status: 'succeeded', token: second.VersionId });
    expect(sm.rotations(name)).toHaveLength(2);
  });

  test('returns at once with an AWSPENDING version that has no value yet', async () => {
    const { name } = await createSecret();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const arn = fnArn('gated');
    sm.registerRotationFunction(arn, async () => gate);
    const rotated = await client.send(
      new RotateSecretCommand({ SecretId: name, RotationLambdaARN: arn }),
    );
    const meta = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.VersionIdsToStages?.[rotated.VersionId!]).toEqual(['AWSPENDING']);
    const error = await caught(() =>
      client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' })),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(sm.rotations(name).at(-1)?.status).toBe('running');
    release();
    expect((await sm.waitForRotation(name)).status).toBe('succeeded');
  });

  test('the event and context look like what Lambda hands a rotation function', async () => {
    const { name, arn } = await createSecret();
    const seen: Array<{ event: RotationEvent; context: RotationContext; remaining: number }> = [];
    const fn = 'arn:aws:lambda:us-east-1:123456789012:function:inspect:live';
    sm.registerRotationFunction(
      fn,
      async (event, context) => {
        seen.push({ event, context, remaining: context.getRemainingTimeInMillis() });
      },
      { timeoutMs: 5_000 },
    );
    const { VersionId } = await client.send(
      new RotateSecretCommand({ SecretId: name, RotationLambdaARN: fn }),
    );
    await sm.waitForRotation(name);
    expect(seen.map((s) => s.event.Step)).toEqual([
      'createSecret',
      'setSecret',
      'testSecret',
      'finishSecret',
    ]);
    for (const { event, context, remaining } of seen) {
      expect(event.SecretId).toBe(arn);
      expect(event.ClientRequestToken).toBe(VersionId);
      expect(event.RotationToken).toMatch(/^[0-9a-f-]{36}$/);
      expect(context.functionName).toBe('inspect');
      expect(context.invokedFunctionArn).toBe(fn);
      expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(5_000);
    }
  });

  test('a callback-style handler works', async () => {
    const { name } = await createSecret();
    const fn = fnArn('callback');
    const steps: string[] = [];
    sm.registerRotationFunction(fn, (event, _context, callback) => {
      steps.push(event.Step);
      setImmediate(() =>
        callback(event.Step === 'testSecret' ? new Error('callback failure') : null),
      );
    });
    await client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: fn }));
    const outcome = await sm.waitForRotation(name);
    expect(steps).toEqual(['createSecret', 'setSecret', 'testSecret']);
    expect(outcome).toMatchObject({
      status: 'failed',
      failedStep: 'testSecret',
      error: { message: 'callback failure' },
    });
  });
});

describe('rotation failures', () => {
  test('a failing step stops the rotation, records the error and leaves AWSPENDING in place', async () => {
    const { name, versionId: old } = await createSecret();
    const fn = fnArn('fail-set');
    sm.registerRotationFunction(fn, templateRotation(client, { failAt: 'setSecret' }));
    const { VersionId: pending } = await client.send(
      new RotateSecretCommand({ SecretId: name, RotationLambdaARN: fn }),
    );
    const outcome = await sm.waitForRotation(name);
    expect(outcome.status).toBe('failed');
    expect(outcome.failedStep).toBe('setSecret');
    expect(outcome.error).toEqual({ name: 'Error', message: 'failing setSecret on purpose' });
    expect(outcome.steps.map((s) => s.status)).toEqual(['succeeded', 'failed']);
    expect(outcome.steps[1]?.error?.message).toBe('failing setSecret on purpose');
    const meta = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.LastRotatedDate).toBeUndefined();
    expect(meta.VersionIdsToStages).toEqual({ [old]: ['AWSCURRENT'], [pending!]: ['AWSPENDING'] });
  });

  test('RotateSecret refuses while AWSPENDING sits on a non-current version', async () => {
    const { name } = await createSecret();
    const fn = fnArn('fail-test');
    sm.registerRotationFunction(fn, templateRotation(client, { failAt: 'testSecret' }));
    await client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: fn }));
    await sm.waitForRotation(name);
    const error = await caught(() => client.send(new RotateSecretCommand({ SecretId: name })));
    expect(error).toBeInstanceOf(InvalidRequestException);
    expect(error.message).toBe(
      "A previous rotation isn't complete. That rotation will be reattempted.",
    );
  });

  test('retryRotation re-runs the four steps with the same token', async () => {
    const { name } = await createSecret();
    const fn = fnArn('flaky');
    let fail = true;
    const template = templateRotation(client);
    sm.registerRotationFunction(fn, async (event, context, callback) => {
      if (fail && event.Step === 'finishSecret') throw new TypeError('flaky finish');
      return template(event, context, callback);
    });
    const { VersionId: pending } = await client.send(
      new RotateSecretCommand({ SecretId: name, RotationLambdaARN: fn }),
    );
    const first = await sm.waitForRotation(name);
    expect(first).toMatchObject({
      status: 'failed',
      failedStep: 'finishSecret',
      error: { name: 'TypeError' },
    });
    fail = false;
    const retried = await sm.retryRotation(name);
    expect(retried).toMatchObject({
      status: 'succeeded',
      token: pending,
      attempt: 2,
      trigger: 'retry',
    });
    const current = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(current.VersionId).toBe(pending);
    expect(sm.rotations(name).map((r) => r.status)).toEqual(['failed', 'succeeded']);
  });

  test('retryRotation refuses when no rotation is unfinished, and for an unknown secret', async () => {
    const { name } = await createSecret();
    await expect(sm.retryRotation(name)).rejects.toBeInstanceOf(RotationNotRetryableError);
    await expect(sm.retryRotation(uniqueName('none'))).rejects.toBeInstanceOf(UnknownSecretError);
  });

  test('a step that outlives the function timeout fails with Task timed out', async () => {
    const { name } = await createSecret();
    const fn = fnArn('slow');
    sm.registerRotationFunction(fn, () => new Promise(() => {}), { timeoutMs: 50 });
    await client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: fn }));
    const outcome = await sm.waitForRotation(name);
    expect(outcome).toMatchObject({
      status: 'failed',
      failedStep: 'createSecret',
      error: { name: 'Sandbox.Timedout', message: 'Task timed out after 0.05 seconds' },
    });
  });

  test('an ARN with no registered function is refused and nothing changes', async () => {
    const { name, versionId } = await createSecret();
    const error = await caught(() =>
      client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: fnArn('missing') })),
    );
    expect(error.name).toBe('AccessDeniedException');
    const meta = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.RotationEnabled).toBeUndefined();
    expect(meta.VersionIdsToStages).toEqual({ [versionId]: ['AWSCURRENT'] });
  });

  test('no RotationLambdaARN anywhere is InvalidRequestException', async () => {
    const { name } = await createSecret();
    const error = await caught(() => client.send(new RotateSecretCommand({ SecretId: name })));
    expect(error).toBeInstanceOf(InvalidRequestException);
  });

  test('an unregistered function at step time records a failed rotation', async () => {
    const { name } = await createSecret();
    const fn = fnArn('vanishing');
    sm.registerRotationFunction(fn, async () => {
      sm.unregisterRotationFunction(fn);
    });
    await client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: fn }));
    const outcome = await sm.waitForRotation(name);
    expect(outcome).toMatchObject({
      status: 'failed',
      failedStep: 'setSecret',
      error: { name: 'ResourceNotFoundException' },
    });
  });
});

describe('RotateImmediately, rules and cancel', () => {
  test('RotateImmediately=false runs only testSecret and removes the pending version', async () => {
    const { name, versionId } = await createSecret();
    const fn = fnArn('test-only');
    const steps: string[] = [];
    sm.registerRotationFunction(fn, async (event) => {
      steps.push(event.Step);
    });
    await client.send(
      new RotateSecretCommand({
        SecretId: name,
        RotationLambdaARN: fn,
        RotateImmediately: false,
        RotationRules: { AutomaticallyAfterDays: 7 },
      }),
    );
    const outcome = await sm.waitForRotation(name);
    expect(outcome).toMatchObject({ status: 'succeeded', rotateImmediately: false });
    expect(steps).toEqual(['testSecret']);
    const meta = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.VersionIdsToStages).toEqual({ [versionId]: ['AWSCURRENT'] });
    expect(meta.RotationEnabled).toBe(true);
    expect(meta.RotationRules).toEqual({ AutomaticallyAfterDays: 7 });
    expect(meta.NextRotationDate).toBeInstanceOf(Date);
    expect(meta.LastRotatedDate).toBeUndefined();
  });

  test('invalid RotationRules are refused', async () => {
    const { name } = await createSecret();
    const cases = [
      { AutomaticallyAfterDays: 3, ScheduleExpression: 'rate(3 days)' },
      { ScheduleExpression: 'rate(2 hours)' },
      { ScheduleExpression: 'every tuesday' },
      { ScheduleExpression: 'cron(0 12 * * ?)' },
      { ScheduleExpression: 'rate(1 days)', Duration: '30h' },
    ];
    for (const rules of cases) {
      const error = await caught(() =>
        client.send(
          new RotateSecretCommand({ SecretId: name, RotationLambdaARN: FN, RotationRules: rules }),
        ),
      );
      expect(error.name, JSON.stringify(rules)).toBe('InvalidParameterException');
    }
    const range = await caught(() =>
      client.send(
        new RotateSecretCommand({
          SecretId: name,
          RotationLambdaARN: FN,
          RotationRules: { AutomaticallyAfterDays: 0 },
        }),
      ),
    );
    expect(range.name).toBe('ValidationException');
  });

  test('CancelRotateSecret turns rotation off and keeps AWSPENDING', async () => {
    const { name } = await createSecret();
    const fn = fnArn('cancel');
    let release!: () => void;
    const steps: string[] = [];
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    sm.registerRotationFunction(fn, async (event) => {
      steps.push(event.Step);
      await gate;
    });
    const { VersionId: pending } = await client.send(
      new RotateSecretCommand({ SecretId: name, RotationLambdaARN: fn }),
    );
    const cancelled = await client.send(new CancelRotateSecretCommand({ SecretId: name }));
    expect(cancelled.VersionId).toBe(pending);
    release();
    const outcome = await sm.waitForRotation(name);
    expect(outcome.status).toBe('cancelled');
    expect(steps.length).toBeLessThanOrEqual(1);
    const meta = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.RotationEnabled).toBe(false);
    expect(meta.VersionIdsToStages?.[pending!]).toEqual(['AWSPENDING']);
  });

  test('rotating a deleted secret is InvalidRequestException', async () => {
    const { name } = await createSecret();
    const { DeleteSecretCommand } = await import('@aws-sdk/client-secrets-manager');
    await client.send(new DeleteSecretCommand({ SecretId: name }));
    const error = await caught(() =>
      client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: FN })),
    );
    expect(error).toBeInstanceOf(InvalidRequestException);
  });
});

describe('waitForRotation', () => {
  test('waits for the next rotation when none ran yet', async () => {
    const { name } = await createSecret();
    const waiting = sm.waitForRotation(name);
    await client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: FN }));
    expect((await waiting).status).toBe('succeeded');
  });

  test('rejects with WaitTimeoutError after timeoutMs, and with the reason on abort', async () => {
    const { name } = await createSecret();
    await expect(sm.waitForRotation(name, { timeoutMs: 20 })).rejects.toBeInstanceOf(
      WaitTimeoutError,
    );
    const controller = new AbortController();
    const waiting = sm.waitForRotation(name, { signal: controller.signal });
    controller.abort(new Error('stop waiting'));
    await expect(waiting).rejects.toThrow('stop waiting');
  });

  test('rejects with UnknownSecretError for an unknown secret', async () => {
    await expect(sm.waitForRotation(uniqueName('none'))).rejects.toBeInstanceOf(UnknownSecretError);
  });
});

describe('HTTP invoke URL', () => {
  async function lambdaServer(fail: boolean) {
    const handler = templateRotation(client);
    const server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RotationEvent;
      if (fail && event.Step === 'testSecret') {
        res.writeHead(200, {
          'X-Amz-Function-Error': 'Unhandled',
          'Content-Type': 'application/json',
        });
        res.end(
          JSON.stringify({
            errorType: 'ConnectionError',
            errorMessage: 'cannot log in with pending',
          }),
        );
        return;
      }
      try {
        await handler(event, {} as RotationContext, () => {});
        res.writeHead(200).end('null');
      } catch (error) {
        res.writeHead(500).end(JSON.stringify({ errorType: 'Error', errorMessage: String(error) }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/invoke` };
  }

  test('a rotation runs against a loopback URL', async () => {
    const { server, url } = await lambdaServer(false);
    try {
      const fn = fnArn('url');
      sm.registerRotationFunction(fn, url);
      const { name } = await createSecret();
      const { VersionId } = await client.send(
        new RotateSecretCommand({ SecretId: name, RotationLambdaARN: fn }),
      );
      expect(await sm.waitForRotation(name)).toMatchObject({ status: 'succeeded' });
      const current = await client.send(new GetSecretValueCommand({ SecretId: name }));
      expect(current.VersionId).toBe(VersionId);
    } finally {
      server.close();
    }
  });

  test('a function error from the URL is recorded with its errorType and errorMessage', async () => {
    const { server, url } = await lambdaServer(true);
    try {
      const fn = fnArn('url-fail');
      sm.registerRotationFunction(fn, new URL(url));
      const { name } = await createSecret();
      await client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: fn }));
      expect(await sm.waitForRotation(name)).toMatchObject({
        status: 'failed',
        failedStep: 'testSecret',
        error: { name: 'ConnectionError', message: 'cannot log in with pending' },
      });
    } finally {
      server.close();
    }
  });

  test('non-loopback and non-http URLs are refused at registration', () => {
    expect(() => sm.registerRotationFunction(fnArn('x'), 'http://example.invalid/')).toThrow(
      InvalidOptionError,
    );
    expect(() => sm.registerRotationFunction(fnArn('x'), 'http://10.0.0.1/')).toThrow(
      InvalidOptionError,
    );
    expect(() => sm.registerRotationFunction(fnArn('x'), 'file:///tmp/x')).toThrow(
      InvalidOptionError,
    );
    expect(() => sm.registerRotationFunction(fnArn('x'), 'not a url')).toThrow(InvalidOptionError);
  });
});

describe('scheduled rotation', () => {
  test('tick() starts a rotation once the schedule is due, on a fake clock', async () => {
    let now = Date.UTC(2030, 0, 1, 12, 0, 0);
    await using local = await startSecretsManager({ now: () => now });
    const c = local.client({ maxAttempts: 1 });
    local.registerRotationFunction(FN, templateRotation(c));
    const name = uniqueName('sched');
    await c.send(new CreateSecretCommand({ Name: name, SecretString: '{"password":"a"}' }));
    await c.send(
      new RotateSecretCommand({
        SecretId: name,
        RotationLambdaARN: FN,
        RotateImmediately: false,
        RotationRules: { ScheduleExpression: 'rate(10 days)' },
      }),
    );
    await local.waitForRotation(name);
    const meta = await c.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.NextRotationDate?.getTime()).toBe(now + 10 * 86_400_000);
    expect(local.tick()).toEqual([]);
    expect(() => local.tick(new Date('not a date'))).toThrow(InvalidOptionError);
    expect(local.rotations(name)).toHaveLength(1);
    now += 10 * 86_400_000;
    const started = local.tick();
    expect(started.map((r) => [r.secretName, r.trigger])).toEqual([[name, 'schedule']]);
    const outcome = await local.waitForRotation(name);
    expect(outcome.status).toBe('succeeded');
    const after = await c.send(new DescribeSecretCommand({ SecretId: name }));
    expect(after.LastRotatedDate?.getTime()).toBe(now);
    expect(after.NextRotationDate?.getTime()).toBe(now + 10 * 86_400_000);
  });

  test('a cron schedule (AWS day-of-week numbering) sets NextRotationDate', async () => {
    const now = Date.UTC(2030, 0, 1, 12, 0, 0); // a Tuesday
    await using local = await startSecretsManager({ now: () => now });
    const c = local.client({ maxAttempts: 1 });
    local.registerRotationFunction(FN, async () => {});
    const name = uniqueName('cron');
    await c.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    // AWS: 6 = Friday.
    await c.send(
      new RotateSecretCommand({
        SecretId: name,
        RotationLambdaARN: FN,
        RotateImmediately: false,
        RotationRules: { ScheduleExpression: 'cron(0 16 ? * 6 *)', Duration: '2h' },
      }),
    );
    const meta = await c.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.NextRotationDate?.toISOString()).toBe('2030-01-04T16:00:00.000Z');
    expect(meta.RotationRules).toEqual({
      ScheduleExpression: 'cron(0 16 ? * 6 *)',
      Duration: '2h',
    });
  });

  test('a due schedule with a stuck rotation reattempts it with the same token', async () => {
    let now = Date.UTC(2030, 0, 1);
    await using local = await startSecretsManager({ now: () => now });
    const c = local.client({ maxAttempts: 1 });
    let fail = true;
    const template = templateRotation(c);
    local.registerRotationFunction(FN, async (event, context, callback) => {
      if (fail && event.Step === 'setSecret') throw new Error('db down');
      return template(event, context, callback);
    });
    const name = uniqueName('stuck');
    await c.send(new CreateSecretCommand({ Name: name, SecretString: '{"password":"a"}' }));
    const { VersionId } = await c.send(
      new RotateSecretCommand({
        SecretId: name,
        RotationLambdaARN: FN,
        RotationRules: { AutomaticallyAfterDays: 1 },
      }),
    );
    expect((await local.waitForRotation(name)).status).toBe('failed');
    fail = false;
    now += 86_400_000;
    const [started] = local.tick();
    expect(started?.token).toBe(VersionId);
    expect((await local.waitForRotation(name)).status).toBe('succeeded');
  });
});

describe('/_local rotation routes', () => {
  test('register a URL function, tick, wait for and retry rotations over HTTP', async () => {
    let now = Date.UTC(2030, 0, 1);
    await using local = await startSecretsManager({ now: () => now });
    const c = local.client({ maxAttempts: 1 });
    let fail = true;
    const template = templateRotation(c);
    const lambda = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RotationEvent;
      try {
        if (fail && event.Step === 'finishSecret') throw new Error('not yet');
        await template(event, {} as RotationContext, () => {});
        res.writeHead(200).end('null');
      } catch (error) {
        res
          .writeHead(500)
          .end(JSON.stringify({ errorType: 'Error', errorMessage: (error as Error).message }));
      }
    });
    await new Promise<void>((resolve) => lambda.listen(0, '127.0.0.1', resolve));
    try {
      const post = async (path: string, body: unknown = {}) => {
        const res = await fetch(`${local.endpoint}/_local/${path}`, {
          method: 'POST',
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const url = `http://127.0.0.1:${(lambda.address() as AddressInfo).port}/`;
      expect((await post('rotation-functions', { arn: FN, url })).status).toBe(200);
      expect((await post('rotation-functions', { arn: FN })).status).toBe(400);
      const name = uniqueName('routes');
      await c.send(new CreateSecretCommand({ Name: name, SecretString: '{"password":"a"}' }));
      await c.send(
        new RotateSecretCommand({
          SecretId: name,
          RotationLambdaARN: FN,
          RotateImmediately: false,
          RotationRules: { AutomaticallyAfterDays: 1 },
        }),
      );
      await local.waitForRotation(name);
      now += 86_400_000;
      const ticked = await post('tick');
      expect((ticked.body.started as unknown[]).length).toBe(1);
      const waited = await fetch(
        `${local.endpoint}/_local/rotations/${encodeURIComponent(name)}?wait=1&timeoutMs=30000`,
      ).then((r) => r.json() as Promise<{ rotation: { status: string; failedStep: string } }>);
      expect(waited.rotation).toMatchObject({ status: 'failed', failedStep: 'finishSecret' });
      fail = false;
      const retried = await post(`rotations/${encodeURIComponent(name)}/retry`);
      expect(retried.body.rotation).toMatchObject({
        status: 'succeeded',
        trigger: 'retry',
        attempt: 2,
      });
      const again = await post(`rotations/${encodeURIComponent(name)}/retry`);
      expect(again).toMatchObject({ status: 400, body: { error: 'RotationNotRetryableError' } });
      expect((await post('reset')).status).toBe(200);
      expect(await c.send(new ListSecretsCommand({}))).toMatchObject({ SecretList: [] });
    } finally {
      lambda.close();
    }
  });
});
