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
// Each unstick logs in once through netcheck's probe, which allows 5 per host and minute in
// one process: this file stays at 5 unstick runs (more would read "rate-limited").

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

  it('--force does not waive the pending-password-live refusal: it says which flag does, and changes nothing', async () => {
    const { name, user, newPassword } = await stuckSecret(true);
    const run = await rotakit(['unstick', name, '--yes', '--force', '--json'], { env });
    expect(run.code).toBe(1);
    const body = JSON.parse(run.stdout);
    expect(body).toMatchObject({ changed: false, pendingPasswordLive: true });
    expect(body.message).toContain('--force does not waive this');
    expect(body.message).toContain('--discard-live-pending');
    expect(run.stdout).not.toContain(newPassword);
    const status = JSON.parse((await rotakit(['status', name, '--json'], { env })).stdout);
    expect(status.verdict).toBe('stuck');
    // The app can still log in with the pending version's password, which stays labelled.
    await expect(canLogin({ ...user, password: newPassword })).resolves.toEqual({ ok: true });
  });

  it('--discard-live-pending removes the label, warning that AWSCURRENT no longer logs in', async () => {
    const { name, user, newPassword } = await stuckSecret(true);
    const text = await rotakit(['unstick', name, '--yes', '--discard-live-pending', '--no-color'], {
      env,
    });
    expect(text.code).toBe(0);
    expect(text.stderr).toContain('warning: --discard-live-pending');
    expect(text.stderr).toContain('1045');
    expect(text.stdout).toContain('Done: AWSPENDING removed');
    expect(`${text.stdout}${text.stderr}`).not.toContain(newPassword);
    const status = JSON.parse((await rotakit(['status', name, '--json'], { env })).stdout);
    expect(status.pendingVersionId).toBeUndefined();
    // What the flag's warning says: the database kept the discarded password.
    await expect(canLogin(user)).resolves.toMatchObject({ ok: false, errno: 1045 });
  });

  it('--discard-live-pending --json reports that it discarded a live pending password', async () => {
    const { name } = await stuckSecret(true);
    const run = await rotakit(['unstick', name, '--yes', '--discard-live-pending', '--json'], {
      env,
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      changed: true,
      pendingPasswordLive: true,
      discardedLivePending: true,
    });
  });
});
