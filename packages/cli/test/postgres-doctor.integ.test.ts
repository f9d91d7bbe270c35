import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotakit } from './helpers.js';
import { expectNoMysqlWording, postgresSecrets } from './postgres-helpers.js';

describe('rotakit doctor and failure diagnosis on PostgreSQL secrets', () => {
  let sm: SecretsManagerLocal;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sm = await startSecretsManager();
    env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint };
  });
  afterAll(async () => {
    await sm?.close();
  });

  const { userSecret } = postgresSecrets(() => sm);

  it('names the cause when the database is unreachable, with a PostgreSQL diagnosis', async () => {
    const { name } = await userSecret({ port: 9 });
    const run = await rotakit(['rotate', name, '--json'], { env });
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.error).toMatchObject({
      name: 'DatabaseLoginError',
      step: 'setSecret',
      networkError: true,
      details: { reason: 'refused', database: '127.0.0.1:9' },
    });
    expect(result.error.diagnosis).toMatch(/127\.0\.0\.1:9/);
    const database = result.error.report.checks.find((check: { id: string }) => check.id === 'R7');
    expect(database).toMatchObject({ status: 'fail', evidence: { engine: 'postgres', port: 9 } });
    expect(JSON.stringify(result)).not.toMatch(/"password"/);
    expectNoMysqlWording(run, true);
    const human = await rotakit(['rotate', name, '--no-color'], { env });
    expect(human.stdout).toContain('Diagnosis');
    expectNoMysqlWording(human);
  });

  it('status and doctor read a PostgreSQL secret without MySQL wording', async () => {
    const { name } = await userSecret();
    const status = await rotakit(['status', name, '--no-color'], { env });
    expect(status.code).toBe(0);
    expectNoMysqlWording(status);
    const doctor = await rotakit(['doctor', name, '--no-static', '--json'], { env });
    const report = JSON.parse(doctor.stdout);
    const database = report.live.checks.find((check: { id: string }) => check.id === 'R7');
    // The probe took the engine and the port from the secret.
    expect(database.evidence).toMatchObject({ engine: 'postgres', port: testPostgres().port });
    expectNoMysqlWording(doctor, true);
    const human = await rotakit(['doctor', name, '--no-static', '--no-color'], { env });
    expectNoMysqlWording(human);
  });
});
