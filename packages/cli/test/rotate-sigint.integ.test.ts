import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { canLogin, createDatabaseUser, uniqueName } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type GateProxy, startBuiltCli, startGateProxy } from './bin.js';
import { rotakit } from './helpers.js';

// Ctrl-C reaches the built bin as a real SIGINT. A proxy in front of the local Secrets
// Manager holds createSecret's GetRandomPassword call, so the signal lands inside that step
// whatever the machine's load.
describe('Ctrl-C during rotakit rotate (built bin, real SIGINT)', () => {
  let sm: SecretsManagerLocal;
  let proxy: GateProxy;

  beforeAll(async () => {
    assertBuilt();
    sm = await startSecretsManager();
  });
  afterEach(async () => {
    await proxy?.close();
  });
  afterAll(async () => {
    await sm?.close();
  });

  async function secretWithUser() {
    const user = await createDatabaseUser(testMysql());
    const name = uniqueName('cli/sigint');
    const value = {
      engine: 'mysql',
      host: user.host,
      port: user.port,
      username: user.username,
      password: user.password,
      dbname: user.database,
      ssl: false,
    };
    await sm
      .client()
      .send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
    return { name, user };
  }

  async function stages(name: string) {
    const described = await sm.client().send(new DescribeSecretCommand({ SecretId: name }));
    return described.VersionIdsToStages ?? {};
  }

  it('the first Ctrl-C finishes the step in progress, stops, and prints the state and the resume command (exit 130)', async () => {
    const { name, user } = await secretWithUser();
    proxy = await startGateProxy(sm.endpoint);
    const held = proxy.hold('GetRandomPassword');
    const cli = startBuiltCli(['rotate', name, '--endpoint-url', proxy.endpoint, '--no-color']);
    await held.arrived;
    cli.child.kill('SIGINT');
    await cli.waitFor('Stopping after createSecret finishes');
    held.release();
    const run = await cli.exited;
    if (process.env.SHOW_OUTPUT) console.log(run.stdout, run.stderr);

    expect(run.code).toBe(130);
    expect(run.stdout).toContain('✓ createSecret');
    expect(run.stdout).not.toContain('setSecret ');
    expect(run.stdout).toContain('Rotation interrupted after createSecret.');
    expect(run.stdout).toContain('the database still uses the AWSCURRENT password');
    const resume = `rotakit rotate ${name} --endpoint-url ${proxy.endpoint}`;
    expect(run.stdout).toContain(`resume: ${resume}`);
    expect(run.stdout).toContain(`undo:   rotakit unstick ${name} --force --endpoint-url`);

    // What it says is what is: AWSPENDING on a new version, the database untouched.
    const pending = Object.entries(await stages(name)).find(([, s]) => s.includes('AWSPENDING'));
    expect(pending).toBeDefined();
    expect(run.stdout).toContain(pending![0]);
    await expect(canLogin(user)).resolves.toEqual({ ok: true });

    // status right away: --stuck-after 0s counts it as stuck, and the message says which rule.
    const status = await rotakit(['status', name, '--stuck-after', '0s', '--json'], {
      env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint },
    });
    expect(JSON.parse(status.stdout)).toMatchObject({
      verdict: 'stuck',
      stuckAfterMs: 0,
      stuckAfterSource: '--stuck-after',
    });

    // The printed command resumes and finishes the same version.
    const resumed = await rotakit([...resume.split(' ').slice(1), '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      ok: true,
      resumed: true,
      versionId: pending![0],
    });
    const current = await sm.client().send(new GetSecretValueCommand({ SecretId: name }));
    await expect(
      canLogin({ ...user, password: JSON.parse(current.SecretString!).password }),
    ).resolves.toEqual({ ok: true });
  });

  it('a second Ctrl-C stops inside the step at once and still prints the state (exit 130, --json)', async () => {
    const { name, user } = await secretWithUser();
    proxy = await startGateProxy(sm.endpoint);
    // Never released: only the second Ctrl-C can end this run.
    const held = proxy.hold('GetRandomPassword');
    const cli = startBuiltCli(['rotate', name, '--endpoint-url', proxy.endpoint, '--json']);
    await held.arrived;
    cli.child.kill('SIGINT');
    await cli.waitFor('Stopping after createSecret finishes');
    cli.child.kill('SIGINT');
    const run = await cli.exited;
    if (process.env.SHOW_OUTPUT) console.log(run.stdout, run.stderr);

    expect(run.code).toBe(130);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      ok: false,
      steps: [],
      error: {
        name: 'InterruptedError',
        exitCode: 130,
        completedSteps: [],
        interruptedStep: 'createSecret',
        resumeCommand: `rotakit rotate ${name} --endpoint-url ${proxy.endpoint}`,
        undoCommand: `rotakit unstick ${name} --force --endpoint-url ${proxy.endpoint}`,
      },
    });
    expect(result.error.state).toContain('createSecret was cut short');
    expect(result.error.versionId).toMatch(/^[0-9a-f-]{36}$/);
    // GetRandomPassword never answered: nothing was stored, the password still works.
    expect(Object.values(await stages(name)).flat()).not.toContain('AWSPENDING');
    await expect(canLogin(user)).resolves.toEqual({ ok: true });
  });
});
