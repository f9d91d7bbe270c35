import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { canLogin, createDatabaseUser, uniqueName, withAdmin } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotakit } from './helpers.js';

const HALF_HOUR = 30 * 60_000;

// Its own file (its own process): netcheck's probe allows 5 logins per host and minute.
describe('rotakit unstick when the pending login is refused only for the database (1044)', () => {
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

  it('reads 1044 as "the database accepted the pending password" and refuses to discard it', async () => {
    const server = testMysql();
    const user = await createDatabaseUser(server);
    const name = uniqueName('cli/unstick-grant');
    // A database the account has no grant on: the server answers 1044 after the password.
    const base = { engine: 'mysql', host: user.host, port: user.port, username: user.username };
    const secret = { ...base, dbname: 'mysql', ssl: false };
    await sm.client().send(
      new CreateSecretCommand({
        Name: name,
        SecretString: JSON.stringify({ ...secret, password: user.password }),
      }),
    );
    const newPassword = `${user.password}-next`;
    clockOffset = -HALF_HOUR;
    await sm.client().send(
      new PutSecretValueCommand({
        SecretId: name,
        ClientRequestToken: crypto.randomUUID(),
        SecretString: JSON.stringify({ ...secret, password: newPassword }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    clockOffset = 0;
    await withAdmin(server, (admin) =>
      admin.query('ALTER USER ?@? IDENTIFIED BY ?', [user.username, '%', newPassword]),
    );
    await expect(
      canLogin({ ...user, password: newPassword, database: 'mysql' }),
    ).resolves.toMatchObject({ ok: false, errno: 1044 });

    const run = await rotakit(['unstick', name, '--yes', '--json'], { env });
    const body = JSON.parse(run.stdout);
    expect(body).toMatchObject({ changed: false, pendingPasswordLive: true });
    const status = JSON.parse((await rotakit(['status', name, '--json'], { env })).stdout);
    expect(status.pendingVersionId).toBeDefined();
  });
});
