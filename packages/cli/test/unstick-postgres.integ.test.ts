import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { quoteIdentifier, quoteLiteral } from '@rotakit/engine-postgres';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { canLoginPostgres, createPostgresRole, withPostgresAdmin } from '@rotakit/testing';
import { testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotakit } from './helpers.js';
import { expectNoMysqlWording, postgresSecrets } from './postgres-helpers.js';

const HALF_HOUR = 30 * 60_000;

describe('rotakit unstick on a PostgreSQL secret whose rotation failed', () => {
  let sm: SecretsManagerLocal;
  let env: NodeJS.ProcessEnv;
  let clockOffset = 0;

  beforeAll(async () => {
    sm = await startSecretsManager({ now: () => Date.now() + clockOffset });
    env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint };
  });
  afterAll(async () => {
    await sm?.close();
  });

  const { secretOf } = postgresSecrets(() => sm);

  /**
   * What a rotation that died half an hour ago leaves behind: AWSPENDING holds a new
   * password, which the database already uses when the rotation got past setSecret.
   */
  async function stuckSecret(applied: boolean) {
    const server = testPostgres();
    const role = await createPostgresRole(server, { database: 'own' });
    const name = await secretOf(role);
    const newPassword = `${role.password}-next`;
    clockOffset = -HALF_HOUR;
    await sm.client().send(
      new PutSecretValueCommand({
        SecretId: name,
        ClientRequestToken: crypto.randomUUID(),
        SecretString: JSON.stringify({
          engine: 'postgres',
          host: role.host,
          port: role.port,
          username: role.username,
          password: newPassword,
          dbname: role.database,
          ssl: false,
        }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    clockOffset = 0;
    if (applied) {
      const sql = `ALTER ROLE ${quoteIdentifier(role.username)} PASSWORD ${quoteLiteral(newPassword)}`;
      await withPostgresAdmin(server, (admin) => admin.query(sql));
    }
    return { name, role, newPassword };
  }

  it('refuses when the server already accepts the pending password, in PostgreSQL terms', async () => {
    const { name, newPassword } = await stuckSecret(true);
    const refused = await rotakit(['unstick', name, '--yes', '--json'], { env });
    expect(refused.code).toBe(1);
    const body = JSON.parse(refused.stdout);
    expect(body).toMatchObject({ changed: false, pendingPasswordLive: true });
    expect(body.message).toContain('apps would fail to log in (28P01)');
    expect(refused.stdout).not.toContain(newPassword);
    expectNoMysqlWording(refused, true);
  });

  it('unsticks when the server still has the current password', async () => {
    const { name, role } = await stuckSecret(false);
    const run = await rotakit(['unstick', name, '--yes', '--json'], { env });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ changed: true, pendingPasswordLive: false });
    await expect(canLoginPostgres(testPostgres(), role)).resolves.toEqual({ ok: true });
  });

  it('--discard-live-pending warns with the SQLSTATE new logins will get', async () => {
    const { name, role } = await stuckSecret(true);
    const run = await rotakit(['unstick', name, '--yes', '--discard-live-pending', '--no-color'], {
      env,
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('new logins with it fail (28P01)');
    expectNoMysqlWording(run);
    await expect(canLoginPostgres(testPostgres(), role)).resolves.toEqual({
      ok: false,
      sqlState: '28P01',
    });
  });
});
