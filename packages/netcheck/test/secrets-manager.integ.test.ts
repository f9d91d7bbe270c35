import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError, probeSecretsManager } from '../src/index.js';

// The real AWS SDK over HTTP against the local Secrets Manager on 127.0.0.1, with its
// fault injection for throttling, 5xx and dropped connections.

describe('probeSecretsManager against the local Secrets Manager', () => {
  let sm: SecretsManagerLocal;
  const secretId = 'netcheck/probe';
  const secretValue = 'do-not-print-7f3a';

  beforeAll(async () => {
    sm = await startSecretsManager();
    await sm.client().send(new CreateSecretCommand({ Name: secretId, SecretString: secretValue }));
  });
  afterEach(() => sm.faults.clear());
  afterAll(async () => {
    await sm?.close();
  });

  it('passes with DescribeSecret and names the endpoint the client uses', async () => {
    const r = await probeSecretsManager({ client: sm.client(), secretId, timeoutMs: 5000 });
    expect(r.status).toBe('ok');
    expect(r.target).toBe(`127.0.0.1:${sm.port}`);
    expect(r.evidence).toMatchObject({
      operation: 'DescribeSecret',
      httpStatusCode: 200,
      endpoint: `${sm.endpoint}/`,
    });
    expect(r.evidence.attempts).toBe(1);
    expect(JSON.stringify(r)).not.toContain(secretValue);
  });

  it('uses ListSecrets without a secret id', async () => {
    const r = await probeSecretsManager({ client: sm.client() });
    expect(r.status).toBe('ok');
    expect(r.evidence.operation).toBe('ListSecrets');
  });

  it('reports throttling as throttled (the path works)', async () => {
    sm.faults.add({ operation: 'DescribeSecret', kind: 'throttle' });
    const r = await probeSecretsManager({
      client: sm.client({ maxAttempts: 1 }),
      secretId,
      timeoutMs: 5000,
    });
    expect(r.status).toBe('throttled');
    expect(r.evidence).toMatchObject({ httpStatusCode: 400, errorName: 'ThrottlingException' });
  });

  it('counts the retries of a client that retries throttling', async () => {
    sm.faults.add({ operation: 'DescribeSecret', kind: 'throttle' });
    const r = await probeSecretsManager({
      client: sm.client({ maxAttempts: 2 }),
      secretId,
      timeoutMs: 10_000,
    });
    expect(r.status).toBe('throttled');
    expect(r.evidence.attempts).toBe(2);
  });

  it('reports a 5xx as server-error', async () => {
    sm.faults.add({ operation: 'DescribeSecret', kind: 'internal-error' });
    const r = await probeSecretsManager({
      client: sm.client({ maxAttempts: 1 }),
      secretId,
      timeoutMs: 5000,
    });
    expect(r.status).toBe('server-error');
    expect(r.evidence).toMatchObject({ httpStatusCode: 500, errorName: 'InternalServiceError' });
  });

  it('reports a dropped connection as reset', async () => {
    sm.faults.add({ operation: 'DescribeSecret', kind: 'drop-connection' });
    const r = await probeSecretsManager({
      client: sm.client({ maxAttempts: 1 }),
      secretId,
      timeoutMs: 5000,
    });
    expect(r.status).toBe('reset');
    expect(r.error?.code).toBe('ECONNRESET');
  });

  it('reports an unsigned request as access-denied (the path works)', async () => {
    const unsigned = sm.client({ maxAttempts: 1, signer: { sign: async (request) => request } });
    const r = await probeSecretsManager({ client: unsigned, secretId, timeoutMs: 5000 });
    expect(r.status).toBe('access-denied');
    expect(r.evidence).toMatchObject({
      httpStatusCode: 403,
      errorName: 'MissingAuthenticationTokenException',
    });
  });

  it('reports an unknown secret as api-error', async () => {
    const r = await probeSecretsManager({
      client: sm.client({ maxAttempts: 1 }),
      secretId: 'netcheck/missing',
    });
    expect(r.status).toBe('api-error');
    expect(r.evidence.errorName).toBe('ResourceNotFoundException');
  });

  it('reports a response slower than the budget as timeout', async () => {
    sm.faults.add({ operation: 'DescribeSecret', kind: 'latency', latencyMs: 2000 });
    const r = await probeSecretsManager({
      client: sm.client({ maxAttempts: 1 }),
      secretId,
      timeoutMs: 300,
    });
    expect(r.status).toBe('timeout');
  });

  it('requires a client', async () => {
    await expect(probeSecretsManager({} as never)).rejects.toThrow(InvalidOptionError);
  });
});

describe('probeSecretsManager with nothing listening', () => {
  it('reports a stopped endpoint as refused', async () => {
    const sm = await startSecretsManager();
    const endpoint = sm.endpoint;
    await sm.close();
    const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    const fresh = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const r = await probeSecretsManager({ client: fresh, secretId: 'x', timeoutMs: 3000 });
    expect(r.status).toBe('refused');
    expect(r.error?.code).toBe('ECONNREFUSED');
    fresh.destroy();
  });
});
