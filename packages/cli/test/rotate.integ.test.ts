import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { canLogin, createDatabaseUser, uniqueName } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotakit } from './helpers.js';

describe('rotakit rotate', () => {
  let sm: SecretsManagerLocal;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sm = await startSecretsManager();
    env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint };
  });
  afterAll(async () => {
    await sm?.close();
  });

  async function secretFor(overrides: Record<string, unknown> = {}) {
    const server = testMysql();
    const user = await createDatabaseUser(server);
    const name = uniqueName('cli/rotate');
    const value = {
      engine: 'mysql',
      host: user.host,
      port: user.port,
      username: user.username,
      password: user.password,
      dbname: user.database,
      ...overrides,
    };
    await sm
      .client()
      .send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
    return { name, user };
  }

  async function current(name: string) {
    const got = await sm.client().send(new GetSecretValueCommand({ SecretId: name }));
    return JSON.parse(got.SecretString!) as {
      username: string;
      password: string;
      host: string;
      port: number;
    };
  }

  it('rotates a single-user secret and prints one line per step', async () => {
    const { name, user } = await secretFor({ ssl: false });
    const run = await rotakit(['rotate', name, '--no-color'], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      expect(run.stdout).toMatch(new RegExp(`✓ ${step}\\s+\\d`));
    }
    const rotated = await current(name);
    expect(rotated.password).not.toBe(user.password);
    expect(run.stdout).not.toContain(rotated.password);
    await expect(canLogin({ ...user, password: rotated.password })).resolves.toEqual({ ok: true });
    await expect(canLogin(user)).resolves.toMatchObject({ ok: false, errno: 1045 });
  });

  it('reports --json with the steps and the new version, and warns of a plaintext fallback', async () => {
    const { name } = await secretFor();
    const run = await rotakit(['rotate', name, '--json'], { env });
    expect(run.code).toBe(0);
    // The secret has no "ssl" key and the test server has no TLS: say so, don't hide it.
    expect(run.stderr).toContain('falling back to an UNENCRYPTED connection');
    // ...naming what the reader of this command line can set.
    expect(run.stderr).toContain('pass --strict-tls to forbid this');
    expect(run.stderr).not.toContain('tls.strict');
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ ok: true, strategy: 'single-user', resumed: false });
    expect(result.steps.map((s: { step: string }) => s.step)).toEqual([
      'createSecret',
      'setSecret',
      'testSecret',
      'finishSecret',
    ]);
    const got = await sm.client().send(new GetSecretValueCommand({ SecretId: name }));
    expect(got.VersionId).toBe(result.versionId);
  });

  it('names the real cause when the database is unreachable, with a network diagnosis (exit 1)', async () => {
    const { name } = await secretFor({ port: 9 });
    const run = await rotakit(['rotate', name, '--json'], { env });
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({
      name: 'DatabaseLoginError',
      step: 'setSecret',
      networkError: true,
    });
    expect(result.error.details).toMatchObject({ reason: 'refused', database: '127.0.0.1:9' });
    expect(result.error.diagnosis).toMatch(/127\.0\.0\.1:9/);
    expect(result.error.report.checks.find((c: { id: string }) => c.id === 'R7')).toMatchObject({
      status: 'fail',
    });
    expect(JSON.stringify(result)).not.toMatch(/"password"/);
  });

  it('prints the failure for people, then how to resume', async () => {
    const { name } = await secretFor({ port: 9 });
    const run = await rotakit(['rotate', name, '--no-color'], { env });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✓ createSecret');
    expect(run.stdout).toContain('✗ setSecret');
    expect(run.stdout).toContain('Rotation failed in setSecret: DatabaseLoginError');
    expect(run.stdout).toContain('Diagnosis');
    expect(run.stdout).toContain('rotakit rotate');
    if (process.env.SHOW_OUTPUT) console.log(run.stdout);
  });

  it('names the Region and endpoint when Secrets Manager fails a step (unknown secret, --strategy given)', async () => {
    const run = await rotakit(
      ['rotate', 'cli/rotate-missing', '--strategy', 'single-user', '--json'],
      {
        env,
      },
    );
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.error).toMatchObject({
      name: 'SecretsManagerError',
      details: { operation: 'DescribeSecret', region: 'us-east-1', endpoint: sm.endpoint },
    });
  });

  it('rejects an unknown strategy as a usage error', async () => {
    const run = await rotakit(['rotate', 'x', '--strategy', 'round-robin'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--strategy must be one of single-user, alternating-users');
  });
});
