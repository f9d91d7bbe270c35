import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { canLogin, createDatabaseUser, uniqueName, withAdmin } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotakit } from './helpers.js';

const HALF_HOUR = 30 * 60_000;

describe('rotakit unstick when the rotation failed after setSecret', () => {
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

  /**
   * What a rotation that died between setSecret and finishSecret leaves behind, half an hour
   * ago: AWSPENDING holds a new password, and the database already uses it (when `applied`).
   */
  async function stuckSecret(applied: boolean) {
    const server = testMysql();
    const user = await createDatabaseUser(server);
    const name = uniqueName('cli/unstick');
    const base = {
      engine: 'mysql',
      host: user.host,
      port: user.port,
      username: user.username,
      dbname: user.database,
      ssl: false,
    };
    await sm.client().send(
      new CreateSecretCommand({
        Name: name,
        SecretString: JSON.stringify({ ...base, password: user.password }),
      }),
    );
    const newPassword = `${user.password}-next`;
    clockOffset = -HALF_HOUR;
    await sm.client().send(
      new PutSecretValueCommand({
        SecretId: name,
        ClientRequestToken: crypto.randomUUID(),
        SecretString: JSON.stringify({ ...base, password: newPassword }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    clockOffset = 0;
    if (applied) {
      await withAdmin(server, (admin) =>
        admin.query('ALTER USER ?@? IDENTIFIED BY ?', [user.username, '%', newPassword]),
      );
    }
    return { name, user, newPassword };
  }

  it('refuses when the database already accepts the pending password, and points to rotate, which finishes it', async () => {
    const { name, user, newPassword } = await stuckSecret(true);
    const refused = await rotakit(['unstick', name, '--yes', '--json'], { env });
    expect(refused.code).toBe(1);
    const body = JSON.parse(refused.stdout);
    expect(body).toMatchObject({ changed: false, pendingPasswordLive: true });
    expect(body.message).toContain(`rotakit rotate ${name}`);
    expect(refused.stdout).not.toContain(newPassword);
    // Still stuck, nothing changed.
    expect(JSON.parse((await rotakit(['status', name, '--json'], { env })).stdout).verdict).toBe(
      'stuck',
    );

    // Finishing the rotation is the repair: AWSCURRENT becomes the password in use.
    const rotate = await rotakit(['rotate', name, '--json'], { env });
    expect(rotate.code).toBe(0);
    expect(JSON.parse(rotate.stdout).resumed).toBe(true);
    const current = await sm.client().send(new GetSecretValueCommand({ SecretId: name }));
    expect(JSON.parse(current.SecretString!).password).toBe(newPassword);
    await expect(canLogin({ ...user, password: newPassword })).resolves.toEqual({ ok: true });
  });

  it('unsticks when the database still has the current password', async () => {
    const { name, user } = await stuckSecret(false);
    const run = await rotakit(['unstick', name, '--yes', '--json'], { env });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      changed: true,
      ok: true,
      pendingPasswordLive: false,
    });
    await expect(canLogin(user)).resolves.toEqual({ ok: true });
  });

  it('--force removes the label even when the pending password is live', async () => {
    const { name } = await stuckSecret(true);
    const run = await rotakit(['unstick', name, '--yes', '--force', '--json'], { env });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ changed: true, pendingPasswordLive: true });
  });
});
