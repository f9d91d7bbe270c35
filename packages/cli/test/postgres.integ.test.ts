import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { canLoginPostgres, createRdsLikeMaster } from '@rotakit/testing';
import { testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotakit } from './helpers.js';
import { expectNoMysqlWording, postgresSecrets } from './postgres-helpers.js';

describe('rotakit on PostgreSQL secrets', () => {
  let sm: SecretsManagerLocal;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sm = await startSecretsManager();
    env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint };
  });
  afterAll(async () => {
    await sm?.close();
  });

  const { secretOf, userSecret, current } = postgresSecrets(() => sm);

  it('rotates a single-user secret, one line per step, in PostgreSQL terms', async () => {
    const { name, role } = await userSecret();
    const run = await rotakit(['rotate', name, '--no-color'], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      expect(run.stdout).toMatch(new RegExp(`✓ ${step}\\s+\\d`));
    }
    const rotated = await current(name);
    expect(rotated.password).not.toBe(role.password);
    expect(run.stdout).not.toContain(rotated.password);
    expectNoMysqlWording(run);
    const server = testPostgres();
    await expect(
      canLoginPostgres(server, { ...role, password: rotated.password }),
    ).resolves.toEqual({ ok: true });
    await expect(canLoginPostgres(server, role)).resolves.toEqual({ ok: false, sqlState: '28P01' });
  });

  it('rotates alternating users with an RDS-like master (no superuser) and reports --json', async () => {
    const server = testPostgres();
    const master = await createRdsLikeMaster(server);
    const masterName = await secretOf({ ...master, host: server.host, port: server.port });
    const masterarn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${masterName}`;
    const { name, role } = await userSecret({ masterarn });
    const run = await rotakit(['rotate', name, '--json', '--endpoint-url', sm.endpoint], {
      env,
    });
    expect(run.code, run.stdout).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, strategy: 'alternating-users' });
    expectNoMysqlWording(run, true);
    // AWSCURRENT now names the other user (the clone), whose password logs in.
    const rotated = await current(name);
    expect(rotated.username).not.toBe(role.username);
    await expect(
      canLoginPostgres(server, { ...rotated, database: role.database }),
    ).resolves.toEqual({ ok: true });
  });

  it('reports a refused password by its SQLSTATE', async () => {
    const { name } = await userSecret({ password: 'not-the-password' });
    const run = await rotakit(['rotate', name, '--no-color'], { env });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Rotation failed in setSecret: DatabaseLoginError');
    expect(run.stdout).toMatch(/sqlState: 28P01/);
    expect(run.stdout).not.toContain('not-the-password');
    expectNoMysqlWording(run);
  });
});
