import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InvalidOptionError, type SecretsManagerLocal, startSecretsManager } from '../src/index.js';
import { caught, uniqueName } from './helpers.js';

let sm: SecretsManagerLocal;

beforeAll(async () => {
  sm = await startSecretsManager();
});
afterAll(() => sm.close());

interface WireRequest {
  headers: Record<string, string>;
  body?: unknown;
}

/** A real SDK client whose signed request is altered on its way out. */
function tamperedClient(change: (request: WireRequest) => void): SecretsManagerClient {
  const client = sm.client({ maxAttempts: 1 });
  type Middleware = Parameters<typeof client.middlewareStack.addRelativeTo>[0];
  type Args = { request: unknown };
  const middleware = ((next: (args: Args) => Promise<unknown>) => async (args: Args) => {
    change(args.request as WireRequest);
    return next(args);
  }) as unknown as Middleware;
  client.middlewareStack.addRelativeTo(middleware, {
    relation: 'after',
    toMiddleware: 'httpSigningMiddleware',
    name: 'tamperAfterSigning',
  });
  return client;
}

const SIGNED =
  'AWS4-HMAC-SHA256 Credential=local/20300101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';

async function raw(body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(sm.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
      authorization: SIGNED,
      ...headers,
    },
    body,
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe('wire protocol', () => {
  test('binds 127.0.0.1 and a free port by default', () => {
    expect(sm.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sm.host).toBe('127.0.0.1');
    expect(sm.port).toBeGreaterThan(0);
  });

  test('errors carry __type and message with HTTP 400, and the SDK raises its own class', async () => {
    const res = await raw(JSON.stringify({ SecretId: 'missing-secret' }));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toEqual({
      __type: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    });
    const error = await caught(() =>
      sm.client({ maxAttempts: 1 }).send(new GetSecretValueCommand({ SecretId: 'missing-secret' })),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error).toBeInstanceOf(SecretsManagerServiceException);
  });

  test('timestamps are epoch seconds on the wire', async () => {
    const name = uniqueName();
    await sm.client().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    const res = await raw(JSON.stringify({ SecretId: name }));
    expect(res.status).toBe(200);
    expect(typeof res.body.CreatedDate).toBe('number');
    expect(Math.abs((res.body.CreatedDate as number) - Date.now() / 1000)).toBeLessThan(600);
  });

  test('an unsigned request is refused with MissingAuthenticationTokenException (403)', async () => {
    const client = tamperedClient((request) => {
      delete request.headers.authorization;
    });
    const error = await caught(() => client.send(new ListSecretsCommand({})));
    expect(error.name).toBe('MissingAuthenticationTokenException');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
    const res = await raw('{}', { authorization: '' });
    expect(res).toMatchObject({
      status: 403,
      body: { __type: 'MissingAuthenticationTokenException' },
    });
  });

  test('a malformed Authorization header is IncompleteSignatureException', async () => {
    const client = tamperedClient((request) => {
      request.headers.authorization = 'AWS4-HMAC-SHA256 Credential=x';
    });
    const error = await caught(() => client.send(new ListSecretsCommand({})));
    expect(error.name).toBe('IncompleteSignatureException');
    const basic = await raw('{}', { authorization: 'Basic Zm9vOmJhcg==' });
    expect(basic.status).toBe(403);
  });

  test('a malformed JSON body is SerializationException', async () => {
    const client = tamperedClient((request) => {
      request.body = '{"SecretId": ';
      request.headers['content-length'] = String(Buffer.byteLength(request.body as string));
    });
    const error = await caught(() => client.send(new GetSecretValueCommand({ SecretId: 'x' })));
    expect(error.name).toBe('SerializationException');
    for (const body of ['not json', '[1,2]', '"string"', 'null', Buffer.from([0xff, 0xfe, 0x00])]) {
      const res = await raw(body);
      expect(res.status).toBe(400);
      expect(res.body.__type).toBe('SerializationException');
    }
  });

  test('a member of the wrong JSON type is SerializationException', async () => {
    for (const body of [{ SecretId: 5 }, { SecretId: ['a'] }, { SecretId: 'a', VersionId: {} }]) {
      const res = await raw(JSON.stringify(body));
      expect(res.body.__type, JSON.stringify(body)).toBe('SerializationException');
    }
  });

  test('a missing required member is ValidationException', async () => {
    const res = await raw('{}');
    expect(res.body).toEqual({
      __type: 'ValidationException',
      message:
        "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
    });
  });

  test('an oversized body is refused with 413 and the server keeps serving', async () => {
    const client = tamperedClient((request) => {
      request.body = JSON.stringify({ SecretId: 'x', Pad: 'p'.repeat(2 * 1024 * 1024) });
      request.headers['content-length'] = String(Buffer.byteLength(request.body as string));
    });
    const error = await caught(() => client.send(new GetSecretValueCommand({ SecretId: 'x' })));
    expect(error.name).toBe('RequestEntityTooLargeException');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(413);
    const after = await raw(JSON.stringify({ SecretId: 'still-alive' }));
    expect(after.body.__type).toBe('ResourceNotFoundException');
  });

  test('an unknown or missing target is UnknownOperationException', async () => {
    const unknown = await raw('{}', { 'x-amz-target': 'secretsmanager.StealSecrets' });
    expect(unknown).toMatchObject({ status: 400, body: { __type: 'UnknownOperationException' } });
    // Object.prototype's keys are not operations (`constructor` would echo the body back).
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const proto = await raw(JSON.stringify({ SecretString: 'echo-me' }), {
        'x-amz-target': `secretsmanager.${name}`,
      });
      expect(proto).toMatchObject({ status: 400, body: { __type: 'UnknownOperationException' } });
      expect(JSON.stringify(proto.body)).not.toContain('echo-me');
    }
    const other = await raw('{}', { 'x-amz-target': 'DynamoDB_20120810.GetItem' });
    expect(other.body.__type).toBe('UnknownOperationException');
    const res = await fetch(sm.endpoint, { method: 'GET', headers: { authorization: SIGNED } });
    expect(res.status).toBe(400);
  });

  test('a client that aborts mid-body does not take the server down', async () => {
    const { request } = await import('node:http');
    await new Promise<void>((resolve) => {
      const req = request(sm.endpoint, {
        method: 'POST',
        headers: {
          'content-length': '1000',
          'x-amz-target': 'secretsmanager.GetSecretValue',
          authorization: SIGNED,
        },
      });
      req.on('error', () => resolve());
      req.write('{"SecretId": "abc');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 20);
    });
    const after = await raw(JSON.stringify({ SecretId: 'still-alive' }));
    expect(after.body.__type).toBe('ResourceNotFoundException');
  });
});

describe('JS API options', () => {
  test.each([
    [{ port: -1 }, 'port'],
    [{ port: 70_000 }, 'port'],
    [{ host: '' }, 'host'],
    [{ region: 'Mars' }, 'region'],
    [{ accountId: '42' }, 'accountId'],
    [{ rotationTimeoutMs: 0 }, 'rotationTimeoutMs'],
    [{ tickIntervalMs: -5 }, 'tickIntervalMs'],
    [{ dataFile: '' }, 'dataFile'],
  ])('%j is refused naming the option', async (options, option) => {
    const error = await caught(() => startSecretsManager(options));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.option).toBe(option);
  });

  test('client() uses the endpoint, region and dummy credentials; close() destroys it', async () => {
    const local = await startSecretsManager({ region: 'eu-west-3', accountId: '111122223333' });
    const client = local.client();
    expect(await client.config.region()).toBe('eu-west-3');
    expect(await client.config.credentials()).toMatchObject({
      accessKeyId: 'local',
      secretAccessKey: 'local',
    });
    const name = uniqueName();
    const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:eu-west-3:111122223333:secret:/);
    await local.close();
    await local.close();
    expect(() => local.client()).toThrow(/closed/);
    const error = await caught(() => fetch(local.endpoint));
    expect(error).toBeInstanceOf(Error);
  });

  test('a taken port is reported with the address', async () => {
    const error = await caught(() => startSecretsManager({ port: sm.port }));
    expect(error.message).toContain(`127.0.0.1:${sm.port}`);
  });
});
