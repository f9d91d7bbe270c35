import { once } from 'node:events';
import { connect } from 'node:net';
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  diagnoseFailure,
  InvalidOptionError,
  isNetworkError,
  ProbeRateLimiter,
} from '../src/index.js';
import { blackholeServer, closedPort, type TestServer } from './helpers/servers.js';

// diagnoseFailure with real errors: produced by Node's net module and the real AWS SDK
// against loopback servers, then diagnosed with probes that stay on 127.0.0.1.

async function realConnectError(port: number): Promise<Error> {
  const socket = connect({ host: '127.0.0.1', port });
  const [error] = (await once(socket, 'error')) as [Error];
  return error;
}

describe('diagnoseFailure', () => {
  const db = testMysql();
  let sm: SecretsManagerLocal;
  let hole: TestServer;
  const secretId = 'netcheck/diagnose';
  const limiter = new ProbeRateLimiter({ maxProbes: 50, windowMs: 60_000 });

  beforeAll(async () => {
    [sm, hole] = await Promise.all([startSecretsManager(), blackholeServer()]);
    await sm
      .client()
      .send(new CreateSecretCommand({ Name: secretId, SecretString: '{"host":"x"}' }));
  });
  afterAll(async () => {
    await Promise.all([sm?.close(), hole?.close()]);
  });

  it('runs no probe for an error that is not network-class', async () => {
    const error = Object.assign(new Error("A previous rotation isn't complete"), {
      name: 'InvalidRequestException',
      $metadata: { httpStatusCode: 400 },
    });
    const d = await diagnoseFailure(error, { remainingMs: 5000 });
    expect(d).toMatchObject({ networkError: false, focus: 'none' });
    expect(d.report).toBeUndefined();
    expect(d.summary).toMatch(/not a network failure/);
  });

  it('keeps the message of a non-network error out of the summary (it may quote a secret)', async () => {
    let parseError: unknown;
    try {
      // V8 quotes the text around the failure: `..."assword": quoted-by-"... is not valid JSON`.
      JSON.parse('{"password": quoted-by-json-parse-42}');
    } catch (error) {
      parseError = error;
    }
    const d = await diagnoseFailure(parseError, { remainingMs: 5000 });
    expect(String((parseError as Error).message)).toContain('quoted-by-');
    expect(d.networkError).toBe(false);
    expect(d.summary).toBe('SyntaxError is not a network failure; no probes run');
    // Forced, with no time left to probe: still no message.
    const forced = await diagnoseFailure(parseError, { remainingMs: 10, force: true });
    expect(forced.summary).toMatch(/^SyntaxError; no time left to diagnose/);
  });

  it('diagnoses ECONNREFUSED to the database port from the secret (focus: database)', async () => {
    const port = await closedPort();
    const error = await realConnectError(port);
    expect(isNetworkError(error)).toBe(true);
    const password = 'never-in-a-report-91';
    const d = await diagnoseFailure(error, {
      secret: { host: '127.0.0.1', port, username: 'app', password },
      env: { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: sm.endpoint },
      remainingMs: 4000,
      rateLimiter: limiter,
    });
    expect(d.networkError).toBe(true);
    expect(d.focus).toBe('database');
    expect(d.error).toMatchObject({ code: 'ECONNREFUSED', port });
    const r7 = d.report?.checks.find((c) => c.id === 'R7');
    expect(r7?.status).toBe('fail');
    expect(d.report?.checks.find((c) => c.id === 'R4')?.status).toBe('skip');
    expect(d.summary).toMatch(/^ECONNREFUSED: 127\.0\.0\.1:\d+ refused the connection/);
    expect(JSON.stringify(d)).not.toContain(password);
  });

  it('diagnoses an SDK TimeoutError against a dropping endpoint (focus: Secrets Manager)', async () => {
    const endpoint = `http://127.0.0.1:${hole.port}`;
    const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    const failing = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: { connectionTimeout: 200 },
    });
    const error = await failing
      .send(new GetSecretValueCommand({ SecretId: secretId }))
      .catch((e: unknown) => e);
    failing.destroy();
    expect(isNetworkError(error)).toBe(true);
    const d = await diagnoseFailure(error, {
      secretsManagerEndpoint: endpoint,
      region: 'us-east-1',
      remainingMs: 900,
    });
    expect(d.focus).toBe('secretsmanager');
    expect(d.report?.checks.find((c) => c.id === 'R4')).toMatchObject({ status: 'fail' });
    expect(d.report?.checks.find((c) => c.id === 'R7')?.status).toBe('skip');
    expect(d.report?.budgetMs).toBe(650);
    expect(d.summary).toMatch(/^TimeoutError: nothing answered on 127\.0\.0\.1:\d+ in time/);
  });

  it('says the path works now when the probes pass after a transient timeout', async () => {
    const error = Object.assign(new Error('Connection timed out after 1000 ms'), {
      name: 'TimeoutError',
    });
    const d = await diagnoseFailure(error, { client: sm.client(), secretId, remainingMs: 5000 });
    expect(d.report?.ok).toBe(true);
    expect(d.report?.checks.find((c) => c.id === 'R6')).toMatchObject({ status: 'pass' });
    expect(d.summary).toMatch(/probes found the Secrets Manager path working now/);
  });

  it('diagnoses both paths when the error does not say which, with db and endpoint healthy', async () => {
    const error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const d = await diagnoseFailure(error, {
      client: sm.client(),
      secret: { host: db.host, port: db.port },
      remainingMs: 5000,
      rateLimiter: limiter,
    });
    expect(d.focus).toBe('both');
    expect(d.report?.checks.filter((c) => c.status === 'pass').map((c) => c.id)).toEqual([
      'R2',
      'R3',
      'R4',
      'R6',
      'R7',
    ]);
  });

  it('runs nothing when no time is left', async () => {
    const error = Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' });
    const d = await diagnoseFailure(error, { remainingMs: 100 });
    expect(d.report).toBeUndefined();
    expect(d.summary).toMatch(/no time left to diagnose/);
  });

  it('validates remainingMs', async () => {
    await expect(diagnoseFailure(new Error('x'), {} as never)).rejects.toThrow(InvalidOptionError);
  });
});
