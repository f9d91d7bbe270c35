import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createPostgresRole, type PostgresRole } from '@rotakit/testing';
import { testMysql, testPostgres } from '@rotakit/testing/vitest';
import nodePostgres from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAppPath,
  checkRotationPath,
  diagnoseFailure,
  formatReport,
  type PathCheck,
} from '../src/index.js';
import { errorResponse, scriptedServer } from './helpers/postgres-wire.js';
import { closedPort } from './helpers/servers.js';

// checkRotationPath/checkAppPath with PostgreSQL secrets ("engine": "postgres") from the local
// Secrets Manager, against the run's shared PostgreSQL (TLS on, its own CA passed as `ca`).

describe('checkRotationPath / checkAppPath for a PostgreSQL secret', () => {
  const pg = testPostgres();
  let sm: SecretsManagerLocal;
  let role: PostgresRole;
  const healthy = 'netcheck-pg/healthy';
  const wrongPassword = 'netcheck-pg/wrong-password';
  const mysqlPort = 'netcheck-pg/mysql-port';
  const noPort = 'netcheck-pg/no-port';
  const noSsl = 'netcheck-pg/no-ssl';

  beforeAll(async () => {
    [sm, role] = await Promise.all([startSecretsManager(), createPostgresRole(pg, {})]);
    const client = sm.client();
    const secret = (fields: Record<string, unknown>) =>
      JSON.stringify({
        engine: 'postgres',
        host: pg.host,
        port: pg.port,
        username: role.username,
        password: role.password,
        dbname: 'postgres',
        ...fields,
      });
    const create = (Name: string, fields: Record<string, unknown> = {}) =>
      client.send(new CreateSecretCommand({ Name, SecretString: secret(fields) }));
    await Promise.all([
      create(healthy, { ssl: true }),
      create(wrongPassword, { password: `wrong-${role.password}` }),
      create(noSsl),
      create(mysqlPort, { port: testMysql().port }),
      // No port: the engine's default, 5432; the host does not resolve, so nothing is sent.
      create(noPort, { host: 'no-such-db.invalid', port: undefined }),
    ]);
  });
  afterAll(async () => {
    await sm?.close();
  });

  const r7 = (checks: PathCheck[]) => checks.find((c) => c.id === 'R7') as PathCheck;

  it('passes R7 with verified TLS and a login, and never includes the password', async () => {
    const report = await checkRotationPath({
      secretId: healthy,
      client: sm.client(),
      timeoutMs: 10_000,
      login: true,
      ca: pg.ca,
    });
    expect(report.ok).toBe(true);
    expect(report.target.database).toEqual({ host: pg.host, port: pg.port, engine: 'postgres' });
    const check = r7(report.checks);
    expect(check.status).toBe('pass');
    expect(check.evidence).toMatchObject({
      protocol: 'postgres',
      sslResponse: 'S',
      tls: { authorized: true },
      authRequest: 'sasl',
      login: { user: role.username, ok: true },
      serverVersion: expect.stringMatching(/^\d+\.\d+/),
    });
    expect(check.detail).toMatch(
      /PostgreSQL \d+\.\d+.*TLS TLSv1\.\d, auth SCRAM-SHA-256.*login as .* ok/,
    );
    const text = formatReport(report);
    expect(text).toMatch(/PASS R7 Database \(DNS, TCP, greeting\)/);
    expect(`${text}${JSON.stringify(report)}`).not.toContain(role.password);
  });

  it('warns when TLS is offered with a certificate that does not verify and no ssl key is set', async () => {
    const report = await checkAppPath({ secretId: noSsl, client: sm.client(), login: true });
    expect(report.ok).toBe(true);
    const check = r7(report.checks);
    expect(check.status).toBe('warn');
    expect(check.evidence).toMatchObject({ tlsFallback: true, login: { ok: true } });
    expect(check.detail).toContain('TLS not verified, plain text');
    expect(check.hint).toMatch(/certificate did not verify \(.+\); plain text works/);
    expect(report.summary).toMatch(/^R7 .*\(warning\)/);
  });

  it('fails R7 on a wrong password with the SQLSTATE 28P01 hint', async () => {
    const report = await checkAppPath({
      secretId: wrongPassword,
      client: sm.client(),
      login: true,
      ca: pg.ca,
    });
    const check = r7(report.checks);
    expect(check.status).toBe('fail');
    expect(check.evidence).toMatchObject({
      status: 'access-denied',
      login: { errorCode: '28P01' },
    });
    expect(check.hint).toMatch(/28P01 invalid password.*do(es)? not match/);
    expect(report.summary).toMatch(/^R7 /);
    expect(JSON.stringify(report)).not.toContain(role.password);
  });

  it('names PostgreSQL when the port answers with another protocol', async () => {
    const report = await checkAppPath({ secretId: mysqlPort, client: sm.client() });
    const check = r7(report.checks);
    expect(check.status).toBe('fail');
    expect(check.evidence.status).toBe('protocol-error');
    expect(check.hint).toBe(
      `${pg.host}:${testMysql().port} does not speak PostgreSQL: wrong port in the secret?`,
    );
  });

  it('diagnoseFailure probes the PostgreSQL database a pg connection error names', async () => {
    const port = await closedPort();
    const client = new nodePostgres.Client({ host: '127.0.0.1', port, user: 'x', password: 'y' });
    const error = await client.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    const secret = { engine: 'postgres', host: '127.0.0.1', port, username: 'x', password: 'y' };
    const diagnosis = await diagnoseFailure(error, {
      secret,
      remainingMs: 3000,
      region: sm.region,
    });
    expect(diagnosis.networkError).toBe(true);
    expect(diagnosis.focus).toBe('database');
    const check = r7(diagnosis.report?.checks ?? []);
    expect(check.evidence).toMatchObject({ protocol: 'postgres', status: 'refused' });
    expect(diagnosis.summary).toMatch(/refused the connection/);
  });

  it.each([
    [
      '28000 (pg_hba.conf) fails',
      '28000',
      'fail',
      /no pg_hba\.conf entry matches this host, user, database and TLS state/,
    ],
    [
      '57P03 (starting up) warns',
      '57P03',
      'warn',
      /starting up, in recovery or shutting down \(57P03\): the path works/,
    ],
    ['53300 (too many connections) warns', '53300', 'warn', /too many connections \(53300\)/],
  ])('R7 on an ErrorResponse %s, with its hint', async (_name, code, status, hint) => {
    const answer = errorResponse({ S: 'FATAL', V: 'FATAL', C: code, M: 'scripted' });
    await using server = await scriptedServer(Buffer.from('N'), answer);
    const secret = { engine: 'postgres', host: '127.0.0.1', port: server.port, username: 'app' };
    const report = await checkAppPath({ secret, region: sm.region, timeoutMs: 3000 });
    const check = r7(report.checks);
    expect(check.status).toBe(status);
    expect(check.detail).toContain(`SQLSTATE ${code}`);
    expect(check.hint).toMatch(hint);
  });

  it('takes the default port 5432 from the engine when the secret has none', async () => {
    const report = await checkAppPath({ secretId: noPort, client: sm.client(), timeoutMs: 5000 });
    expect(report.target.database).toEqual({
      host: 'no-such-db.invalid',
      port: 5432,
      engine: 'postgres',
    });
    expect(r7(report.checks).evidence.status).toBe('dns-failure');
  });
});
