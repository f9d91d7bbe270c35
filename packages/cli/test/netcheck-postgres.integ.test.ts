import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createPostgresRole, type PostgresRole, uniqueName } from '@rotakit/testing';
import { testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotakit } from './helpers.js';

// `rotakit netcheck` for PostgreSQL: one host and port, and a PostgreSQL secret's paths, on the
// local Secrets Manager and the run's shared PostgreSQL (TLS from a private CA that this
// process does not trust, so preferred TLS falls back to plain text, as rotation would).

describe('rotakit netcheck on PostgreSQL', () => {
  const pg = testPostgres();
  let sm: SecretsManagerLocal;
  let env: NodeJS.ProcessEnv;
  let role: PostgresRole;

  beforeAll(async () => {
    [sm, role] = await Promise.all([startSecretsManager(), createPostgresRole(pg, {})]);
    env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint };
  });
  afterAll(async () => {
    await sm?.close();
  });

  async function secret(overrides: Record<string, unknown> = {}): Promise<string> {
    const name = uniqueName('cli/net-pg');
    const value = {
      engine: 'postgres',
      host: pg.host,
      port: pg.port,
      username: role.username,
      password: role.password,
      dbname: 'postgres',
      ...overrides,
    };
    await sm
      .client()
      .send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
    return name;
  }

  it('netcheck --host --postgres reads the authentication request', async () => {
    const json = await rotakit([
      'netcheck',
      '--host',
      pg.host,
      '--port',
      String(pg.port),
      '--postgres',
      '--json',
    ]);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.probes.map((p: { probe: string }) => p.probe)).toEqual([
      'dns',
      'tcp',
      'postgres',
    ]);
    expect(result.probes[2].evidence).toMatchObject({ sslResponse: 'S', authRequest: 'sasl' });
    const text = await rotakit([
      'netcheck',
      '--host',
      pg.host,
      '--port',
      String(pg.port),
      '--postgres',
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/postgres .* auth SCRAM-SHA-256/);
  });

  it('netcheck --secret --login checks a PostgreSQL secret, says nothing of MySQL, never prints the password', async () => {
    const name = await secret();
    const run = await rotakit(['netcheck', '--secret', name, '--login', '--no-color'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/WARN R7 Database \(DNS, TCP, greeting\)/);
    expect(run.stdout).toContain(`database: ${pg.host}:${pg.port} (postgres)`);
    expect(run.stdout).toMatch(/auth SCRAM-SHA-256.*login as .* ok/);
    expect(run.stdout).toMatch(/certificate did not verify/);
    expect(run.stdout).not.toMatch(/mysql/i);
    expect(`${run.stdout}${run.stderr}`).not.toContain(role.password);
  });

  it('netcheck --secret fails R7 when the secret requires TLS the CAs do not trust (exit 1)', async () => {
    const name = await secret({ ssl: true });
    const run = await rotakit(['netcheck', '--secret', name, '--app', '--json'], { env });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    const r7 = report.checks.find((c: { id: string }) => c.id === 'R7');
    expect(r7).toMatchObject({
      status: 'fail',
      evidence: { status: 'tls-failure', protocol: 'postgres' },
    });
    expect(r7.hint).toContain('Amazon RDS CAs');
    expect(run.stdout).not.toContain(role.password);
  });
});
