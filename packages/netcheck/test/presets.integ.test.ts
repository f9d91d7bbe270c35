import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckId,
  checkAppPath,
  checkRotationPath,
  formatReport,
  InvalidOptionError,
  type PathReport,
  ProbeRateLimiter,
} from '../src/index.js';
import {
  blackholeServer,
  closedPort,
  selfSignedTlsServer,
  silentServer,
  type TestServer,
  type TlsFixture,
} from './helpers/servers.js';

// checkRotationPath/checkAppPath against the local Secrets Manager and the real MariaDB, all
// on 127.0.0.1. Broken variants point the endpoint or the secret at loopback servers that
// refuse, drop or stall.

function statuses(report: PathReport): Record<CheckId, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status])) as Record<CheckId, string>;
}

describe('checkRotationPath / checkAppPath', () => {
  const db = testMysql();
  let sm: SecretsManagerLocal;
  let silent: TestServer;
  let hole: TestServer;
  let tls: TlsFixture;
  const limiter = new ProbeRateLimiter({ maxProbes: 50, windowMs: 60_000 });
  const healthy = 'netcheck/healthy';
  const refusedDb = 'netcheck/refused-db';
  const stalledDb = 'netcheck/stalled-db';
  const notJson = 'netcheck/not-json';

  beforeAll(async () => {
    [sm, silent, hole, tls] = await Promise.all([
      startSecretsManager(),
      silentServer(),
      blackholeServer(),
      selfSignedTlsServer(),
    ]);
    const client = sm.client();
    const secret = (host: string, port: number) =>
      JSON.stringify({
        engine: 'mysql',
        host,
        port,
        username: db.adminUser,
        password: db.adminPassword,
      });
    await client.send(
      new CreateSecretCommand({ Name: healthy, SecretString: secret(db.host, db.port) }),
    );
    await client.send(
      new CreateSecretCommand({
        Name: refusedDb,
        SecretString: secret('127.0.0.1', await closedPort()),
      }),
    );
    await client.send(
      new CreateSecretCommand({ Name: stalledDb, SecretString: secret('127.0.0.1', silent.port) }),
    );
    await client.send(
      new CreateSecretCommand({
        Name: notJson,
        SecretString: `user=${db.adminUser};pass=${db.adminPassword}`,
      }),
    );
  });
  afterAll(async () => {
    await Promise.all([sm?.close(), silent?.close(), hole?.close(), tls?.close()]);
  });

  it('passes every check on a healthy loopback setup and never includes the password', async () => {
    const report = await checkRotationPath({
      secretId: healthy,
      client: sm.client(),
      timeoutMs: 8000,
      rateLimiter: limiter,
      login: true,
    });
    expect(statuses(report)).toEqual({
      R2: 'pass',
      R3: 'pass',
      R4: 'pass',
      R5: 'skip',
      R6: 'pass',
      R7: 'pass',
      R8: 'skip',
    });
    expect(report.ok).toBe(true);
    expect(report.kind).toBe('rotation');
    expect(report.budgetMs).toBe(8000);
    expect(report.target).toEqual({
      secretId: healthy,
      region: sm.region,
      secretsManager: {
        url: `${sm.endpoint}/`,
        host: '127.0.0.1',
        port: sm.port,
        source: 'client-config',
      },
      database: { host: db.host, port: db.port, engine: 'mysql' },
    });
    const r7 = report.checks.find((c) => c.id === 'R7')!;
    expect(r7.evidence).toMatchObject({
      serverVersion: expect.stringMatching(/^\d+\.\d+/),
      login: { ok: true },
    });
    const r6 = report.checks.find((c) => c.id === 'R6')!;
    expect(r6.evidence.tls).toBe('not used (http endpoint)');
    expect(
      (r6.evidence.api as Array<{ operation: string }>).map((a) => a.operation).sort(),
    ).toEqual(['DescribeSecret', 'GetSecretValue']);
    expect(report.summary).toMatch(/^all 5 checks passed/);
    const json = JSON.stringify(report);
    expect(JSON.parse(json)).toEqual(report);
    expect(json).not.toContain(db.adminPassword);
    const text = formatReport(report);
    expect(text).toContain('netcheck rotation path: OK');
    expect(text).toMatch(/PASS R7 Database/);
    expect(text).not.toContain(db.adminPassword);
    expect(formatReport(report, { color: true })).toContain('\u001b[32mPASS\u001b[0m');
  });

  it('checkAppPath reads the secret without DescribeSecret', async () => {
    const report = await checkAppPath({
      secretId: healthy,
      client: sm.client(),
      rateLimiter: limiter,
    });
    expect(report.ok).toBe(true);
    expect(report.kind).toBe('app');
    const api = report.checks.find((c) => c.id === 'R6')!.evidence.api as Array<{
      operation: string;
    }>;
    expect(api.map((a) => a.operation)).toEqual(['GetSecretValue']);
  });

  it('fails R7 with a refused database port and names the likely cause', async () => {
    const report = await checkRotationPath({
      secretId: refusedDb,
      client: sm.client(),
      rateLimiter: limiter,
    });
    expect(statuses(report)).toMatchObject({ R4: 'pass', R6: 'pass', R7: 'fail' });
    const r7 = report.checks.find((c) => c.id === 'R7')!;
    expect(r7.hint).toMatch(/nothing listens on port \d+/);
    expect(report.ok).toBe(false);
    expect(report.summary).toMatch(/^R7 /);
  });

  it('fails R7 when the database accepts but never greets, within the budget', async () => {
    const report = await checkRotationPath({
      secretId: stalledDb,
      client: sm.client(),
      rateLimiter: limiter,
      timeoutMs: 1500,
    });
    const r7 = report.checks.find((c) => c.id === 'R7')!;
    expect(r7.status).toBe('fail');
    expect(r7.evidence).toMatchObject({ status: 'timeout', phase: 'greeting' });
    expect(r7.hint).toMatch(/no MySQL greeting/);
  });

  it('fails R4 and R6 when the Secrets Manager endpoint drops packets, and cannot check the DB', async () => {
    const report = await checkRotationPath({
      secretId: healthy,
      clientConfig: {
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${hole.port}`,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      },
      timeoutMs: 800,
      rateLimiter: limiter,
    });
    expect(statuses(report)).toMatchObject({
      R2: 'pass',
      R3: 'pass',
      R4: 'fail',
      R5: 'skip',
      R6: 'fail',
      R7: 'skip',
    });
    const r4 = report.checks.find((c) => c.id === 'R4')!;
    expect(r4.evidence).toMatchObject({ status: 'timeout' });
    expect(report.checks.find((c) => c.id === 'R7')!.hint).toMatch(
      /GetSecretValue ended with timeout/,
    );
    expect(report.summary).toMatch(/^R4 TCP to Secrets Manager: nothing answered/);
    expect(report.summary).toContain('R6');
  });

  it('fails R3 when the endpoint host does not resolve', async () => {
    const report = await checkRotationPath({
      secretId: healthy,
      clientConfig: {
        region: 'us-east-1',
        endpoint: 'https://secretsmanager.rotakit-netcheck.invalid',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      },
      timeoutMs: 3000,
    });
    expect(statuses(report)).toMatchObject({ R3: 'fail', R4: 'skip', R5: 'skip', R6: 'fail' });
    expect(report.checks.find((c) => c.id === 'R3')!.hint).toMatch(
      /did not resolve .*enableDnsSupport/,
    );
  });

  it('fails R6 on a TLS endpoint whose certificate is not trusted', async () => {
    const report = await checkRotationPath({
      secretId: healthy,
      clientConfig: {
        region: 'us-east-1',
        endpoint: `https://localhost:${tls.port}`,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      },
      timeoutMs: 3000,
    });
    const r6 = report.checks.find((c) => c.id === 'R6')!;
    expect(r6.status).toBe('fail');
    expect(r6.evidence.tls).toMatchObject({
      status: 'tls-failure',
      authorized: false,
      authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    expect(r6.hint).toMatch(/TLS to localhost failed \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    expect(statuses(report)).toMatchObject({ R3: 'pass', R4: 'pass' });
  });

  it('warns (path works) when Secrets Manager denies access', async () => {
    const unsigned = sm.client({ maxAttempts: 1, signer: { sign: async (request) => request } });
    const report = await checkRotationPath({
      secretId: healthy,
      client: unsigned,
      rateLimiter: limiter,
    });
    const r6 = report.checks.find((c) => c.id === 'R6')!;
    expect(r6.status).toBe('warn');
    expect(r6.hint).toMatch(/network path works.*MissingAuthenticationTokenException/);
    expect(statuses(report)).toMatchObject({ R4: 'pass', R7: 'skip' });
  });

  it('fails R6 for a secret that does not exist', async () => {
    const report = await checkRotationPath({
      secretId: 'netcheck/nope',
      client: sm.client({ maxAttempts: 1 }),
    });
    const r6 = report.checks.find((c) => c.id === 'R6')!;
    expect(r6.status).toBe('fail');
    expect(r6.hint).toMatch(/does not exist in us-east-1/);
  });

  it('skips R7 with a reason, not the value, when the SecretString is not JSON', async () => {
    const report = await checkRotationPath({ secretId: notJson, client: sm.client() });
    const r7 = report.checks.find((c) => c.id === 'R7')!;
    expect(r7.status).toBe('skip');
    expect(r7.hint).toMatch(/not JSON/);
    expect(JSON.stringify(report)).not.toContain(db.adminPassword);
    expect(formatReport(report)).not.toContain(db.adminPassword);
  });

  it('takes the secret directly and the endpoint from AWS_ENDPOINT_URL_SECRETS_MANAGER', async () => {
    const report = await checkAppPath({
      secret: { host: db.host, port: db.port, username: db.adminUser, password: db.adminPassword },
      env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint, AWS_REGION: 'eu-west-1' },
      rateLimiter: limiter,
    });
    expect(report.target.secretsManager).toMatchObject({
      source: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
      port: sm.port,
    });
    expect(report.target.region).toBe('eu-west-1');
    expect(statuses(report)).toMatchObject({ R3: 'pass', R4: 'pass', R6: 'skip', R7: 'pass' });
    expect(JSON.stringify(report)).not.toContain(db.adminPassword);
  });

  it('reports an aborted run as aborted, not ok', async () => {
    const controller = new AbortController();
    const pending = checkRotationPath({
      secretId: stalledDb,
      client: sm.client(),
      rateLimiter: limiter,
      timeoutMs: 20_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 300).unref();
    const report = await pending;
    expect(report.aborted).toBe(true);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.id === 'R7')!.status).toBe('skip');
  });

  it('validates its options, naming the option', async () => {
    await expect(checkRotationPath({} as never)).rejects.toThrow(InvalidOptionError);
    await expect(
      checkRotationPath({ secretId: healthy, client: sm.client(), clientConfig: {} } as never),
    ).rejects.toThrow(/`client`/);
    await expect(checkAppPath({ secret: { host: 'x' }, env: {} })).rejects.toThrow(/`region`/);
    await expect(
      checkAppPath({ secret: 'not json', env: { AWS_REGION: 'us-east-1' } }),
    ).rejects.toThrow(/`secret`/);
    await expect(
      checkRotationPath({ secretId: healthy, client: sm.client(), timeoutMs: -5 }),
    ).rejects.toThrow(/timeoutMs/);
  });
});
