import { PassThrough } from 'node:stream';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/index.js';
import { Capture, rotakit } from './helpers.js';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:rotate';
const MINUTE = 60_000;

/**
 * A minimal rotation function that only moves labels (no database), failing in setSecret
 * while `failSetSecret` is true: enough to leave AWSPENDING stuck the way a real failure does.
 */
function labelOnlyRotation(client: () => SecretsManagerClient, state: { failSetSecret: boolean }) {
  return async (event: { Step: string; SecretId: string; ClientRequestToken: string }) => {
    const sm = client();
    if (event.Step === 'createSecret') {
      await sm.send(
        new PutSecretValueCommand({
          SecretId: event.SecretId,
          ClientRequestToken: event.ClientRequestToken,
          SecretString: JSON.stringify({ password: `p-${event.ClientRequestToken}` }),
          VersionStages: ['AWSPENDING'],
        }),
      );
    } else if (event.Step === 'setSecret' && state.failSetSecret) {
      throw new Error('setSecret failed on purpose');
    } else if (event.Step === 'finishSecret') {
      const described = await sm.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
      const current = Object.entries(described.VersionIdsToStages ?? {}).find(([, s]) =>
        s.includes('AWSCURRENT'),
      )?.[0];
      await sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: event.SecretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: event.ClientRequestToken,
          ...(current ? { RemoveFromVersionId: current } : {}),
        }),
      );
      await sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: event.SecretId,
          VersionStage: 'AWSPENDING',
          RemoveFromVersionId: event.ClientRequestToken,
        }),
      );
    }
  };
}

describe('rotakit status / unstick against the local Secrets Manager', () => {
  let sm: SecretsManagerLocal;
  // The CLI judges the pending version's age by this machine's clock; shift the server's
  // clock back to make a failed rotation look half an hour old.
  let clockOffset = 0;
  const state = { failSetSecret: true };
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sm = await startSecretsManager({ now: () => Date.now() + clockOffset });
    sm.registerRotationFunction(
      FUNCTION_ARN,
      labelOnlyRotation(() => sm.client(), state),
    );
    env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint };
  });
  afterAll(async () => {
    await sm?.close();
  });

  async function createSecret(name: string) {
    await sm
      .client()
      .send(new CreateSecretCommand({ Name: name, SecretString: '{"password":"initial-Pw1"}' }));
  }

  async function failRotation(name: string, ageMs = 0) {
    state.failSetSecret = true;
    clockOffset = -ageMs;
    await sm.client().send(
      new RotateSecretCommand({
        SecretId: name,
        RotationLambdaARN: FUNCTION_ARN,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    const outcome = await sm.waitForRotation(name);
    clockOffset = 0;
    expect(outcome.status).toBe('failed');
  }

  it('reports a secret without rotation as rotation-disabled (exit 0)', async () => {
    await createSecret('cli/plain');
    const run = await rotakit(['status', 'cli/plain', '--json'], { env });
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout);
    expect(status).toMatchObject({ name: 'cli/plain', verdict: 'rotation-disabled', ok: true });
    expect(status.versions).toHaveLength(1);
    expect(status.versions[0].stages).toEqual(['AWSCURRENT']);
  });

  it('flags a stuck rotation, unsticks it, and then RotateSecret succeeds', async () => {
    // Seconds after a failure the pending version looks like a rotation still running.
    await createSecret('cli/fresh');
    await failRotation('cli/fresh');
    const fresh = await rotakit(['status', 'cli/fresh', '--json'], { env });
    expect(fresh.code).toBe(0);
    expect(JSON.parse(fresh.stdout).verdict).toBe('rotation-in-progress');
    const refused = await rotakit(['unstick', 'cli/fresh', '--yes'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--force');

    // Half an hour later it is stuck.
    await createSecret('cli/stuck');
    await failRotation('cli/stuck', 30 * MINUTE);

    const stuck = await rotakit(['status', 'cli/stuck', '--json'], { env });
    expect(stuck.code).toBe(1);
    const status = JSON.parse(stuck.stdout);
    expect(status.verdict).toBe('stuck');
    expect(status.pendingVersionId).not.toBe(status.currentVersionId);

    // The service refuses a new rotation while it is stuck.
    await expect(
      sm.client().send(new RotateSecretCommand({ SecretId: 'cli/stuck' })),
    ).rejects.toThrow("A previous rotation isn't complete");

    const human = await rotakit(['status', 'cli/stuck', '--no-color'], { env });
    expect(human.stdout).toContain('STUCK');
    expect(human.stdout).toContain(status.pendingVersionId);

    const unstick = await rotakit(['unstick', 'cli/stuck', '--yes'], { env });
    expect(unstick.code).toBe(0);
    expect(unstick.stdout).toContain(
      `Remove the AWSPENDING label from version ${status.pendingVersionId}`,
    );
    expect(unstick.stdout).toContain('Done');

    const after = JSON.parse((await rotakit(['status', 'cli/stuck', '--json'], { env })).stdout);
    expect(after.verdict).toBe('healthy');
    expect(after.currentVersionId).toBe(status.currentVersionId);

    state.failSetSecret = false;
    await sm.client().send(new RotateSecretCommand({ SecretId: 'cli/stuck' }));
    expect((await sm.waitForRotation('cli/stuck')).status).toBe('succeeded');
  });

  it('--force waives only the recent-failure refusal: a seconds-old pending version is unstuck', async () => {
    await createSecret('cli/force-recent');
    await failRotation('cli/force-recent');
    const refused = await rotakit(['unstick', 'cli/force-recent', '--yes', '--json'], { env });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ changed: false });
    const forced = await rotakit(['unstick', 'cli/force-recent', '--yes', '--force', '--json'], {
      env,
    });
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ changed: true, ok: true });
    const after = await rotakit(['status', 'cli/force-recent', '--json'], { env });
    expect(JSON.parse(after.stdout).pendingVersionId).toBeUndefined();
  });

  it('status --stuck-after decides when a pending version counts as stuck, and says which rule it used', async () => {
    await createSecret('cli/stuck-after');
    await failRotation('cli/stuck-after');
    const byDefault = await rotakit(['status', 'cli/stuck-after', '--json'], { env });
    expect(JSON.parse(byDefault.stdout)).toMatchObject({
      verdict: 'rotation-in-progress',
      stuckAfterMs: 10 * MINUTE,
      stuckAfterSource: 'default',
    });
    const human = await rotakit(['status', 'cli/stuck-after', '--no-color'], { env });
    expect(human.stdout).toContain(
      '(a pending version counts as stuck after 10 min, the default; --stuck-after changes it)',
    );

    const now = await rotakit(['status', 'cli/stuck-after', '--stuck-after', '0s', '--no-color'], {
      env,
    });
    expect(now.code).toBe(1);
    expect(now.stdout).toContain('STUCK');
    expect(now.stdout).toContain(
      '(a pending version counts as stuck after 0 ms, from --stuck-after)',
    );
    const later = await rotakit(['status', 'cli/stuck-after', '--stuck-after', '2h', '--json'], {
      env,
    });
    expect(JSON.parse(later.stdout)).toMatchObject({
      verdict: 'rotation-in-progress',
      stuckAfterMs: 2 * 60 * MINUTE,
    });

    // unstick takes the same rule: no --force needed once the reader says it is stuck.
    const unstick = await rotakit(
      ['unstick', 'cli/stuck-after', '--stuck-after', '0s', '--yes', '--json'],
      { env },
    );
    expect(unstick.code).toBe(0);
    expect(JSON.parse(unstick.stdout)).toMatchObject({ changed: true, ok: true });
  });

  it('refuses to unstick without --yes when stdin is not a terminal (exit 2), changing nothing', async () => {
    await createSecret('cli/confirm');
    await failRotation('cli/confirm', 30 * MINUTE);
    const run = await rotakit(['unstick', 'cli/confirm'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--yes');
    expect(
      JSON.parse((await rotakit(['status', 'cli/confirm', '--json'], { env })).stdout).verdict,
    ).toBe('stuck');
  });

  it('asks on a terminal and does nothing on "n"', async () => {
    const run = await rotakit(['unstick', 'cli/confirm'], {
      env,
      stdinIsTTY: true,
      stdinText: 'n\n',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('nothing changed');
    expect(
      JSON.parse((await rotakit(['status', 'cli/confirm', '--json'], { env })).stdout).verdict,
    ).toBe('stuck');
  });

  it('Ctrl-C at the confirmation prompt (a key on a terminal, not a signal) changes nothing: exit 130', async () => {
    const stdout = new Capture();
    const stderr = Object.assign(new Capture(), { isTTY: true });
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const running = runCli(['unstick', 'cli/confirm', '--no-color'], {
      stdout,
      stderr,
      stdin,
      env,
    });
    for (let i = 0; i < 200 && !stderr.text.includes('[y/N]'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(stderr.text).toContain('Proceed? [y/N]');
    stdin.write('\x03');
    expect(await running).toBe(130);
    expect(stderr.text).toContain('interrupted at the confirmation prompt; nothing changed');
    expect(
      JSON.parse((await rotakit(['status', 'cli/confirm', '--json'], { env })).stdout).verdict,
    ).toBe('stuck');
  });

  it('asks on a terminal and unsticks on "y"', async () => {
    const run = await rotakit(['unstick', 'cli/confirm', '--json'], {
      env,
      stdinIsTTY: true,
      stdinText: 'y\n',
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ changed: true, ok: true, verdict: 'healthy' });
  });

  it('refuses to unstick a healthy secret', async () => {
    const run = await rotakit(['unstick', 'cli/plain', '--yes', '--json'], { env });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ changed: false, verdict: 'rotation-disabled' });
  });

  it('reports an unknown secret as an AWS error (exit 3) in one line', async () => {
    const run = await rotakit(['status', 'cli/missing'], { env });
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('ResourceNotFoundException');
  });
});

describe('rotakit usage and unreachable endpoints', () => {
  it('exits 2 with a usage message for a missing argument or unknown command', async () => {
    const missing = await rotakit(['status']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'secret'");
    const unknown = await rotakit(['frobnicate']);
    expect(unknown.code).toBe(2);
  });

  it('prints help with examples for every command', async () => {
    for (const command of ['status', 'unstick', 'local']) {
      const run = await rotakit([command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Examples:');
    }
  });

  it('says clearly when the endpoint is unreachable (exit 3, no stack trace)', async () => {
    const run = await rotakit(['status', 'x', '--endpoint-url', 'http://127.0.0.1:9']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/connection refused: nothing listens at the endpoint/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
