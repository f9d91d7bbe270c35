import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeSecretCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  type CreateRdsManagedSecretOptions,
  type SecretsManagerLocal,
  startSecretsManager,
} from '@rotakit/secrets-manager-local';
import { canLogin, createDatabaseUser, type DatabaseUser } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotakit } from './helpers.js';

// RDS-managed master user secrets (ManageMasterUserPassword), as the local Secrets Manager
// simulates them against the real MariaDB: OwningService rds, RDS's tags, rds!cluster- and
// rds!db- names, no RotationLambdaARN, a rotation that changes the password and then moves
// AWSCURRENT after labelMoveDelayMs.
const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint };
});
afterAll(() => sm?.close());

function adminDatabase(): CreateRdsManagedSecretOptions['database'] {
  const { host, port, adminUser: user, adminPassword: password } = server;
  return { engine: 'mysql', host, port, user, password };
}

async function managedSecret(
  type: 'cluster' | 'instance',
  options: Partial<CreateRdsManagedSecretOptions> = {},
): Promise<{ name: string; arn: string; user: DatabaseUser }> {
  const user = await createDatabaseUser(server);
  const created = await sm.createRdsManagedSecret({
    resource: { type, identifier: `orders-${type}` },
    username: user.username,
    password: user.password,
    database: adminDatabase(),
    ...options,
  });
  return { ...created, user };
}

async function stagesOf(secretId: string): Promise<Record<string, string[]>> {
  const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  return described.VersionIdsToStages ?? {};
}

function logsIn(user: DatabaseUser) {
  const { host, port, username, password } = user;
  return canLogin({ host, port, username, password, connectTimeoutMs: 3000 });
}

/** RotateSecret as an operator would (`aws secretsmanager rotate-secret`), then AWSPENDING. */
async function startManagedRotation(name: string): Promise<string> {
  const started = await client.send(new RotateSecretCommand({ SecretId: name }));
  const token = started.VersionId as string;
  for (let i = 0; i < 100 && !(await stagesOf(name))[token]?.includes('AWSPENDING'); i++) {
    await sleep(20);
  }
  expect((await stagesOf(name))[token]).toContain('AWSPENDING');
  return token;
}

describe('rotakit status on RDS-managed secrets', () => {
  it('rds!cluster-: the rds-managed verdict, the owner, the schedule, no Lambda (exit 0)', async () => {
    const { name, arn } = await managedSecret('cluster');
    const run = await rotakit(['status', name, '--json'], { env });
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout);
    expect(status).toMatchObject({
      name,
      arn,
      verdict: 'rds-managed',
      ok: true,
      rotationEnabled: true,
      rdsManaged: true,
      owningService: 'rds',
      managedEvidence: 'OwningService',
      rdsResource: { type: 'cluster', identifier: 'orders-cluster' },
      rotationSchedule: 'every 7 days',
      managedCommands: {
        rotateSecret: `aws secretsmanager rotate-secret --secret-id '${name}'`,
        rdsRotate:
          'aws rds modify-db-cluster --db-cluster-identifier orders-cluster --rotate-master-user-password --apply-immediately',
      },
    });
    expect(status.rdsResource.arn).toMatch(/^arn:aws:rds:[^:]+:\d{12}:cluster:orders-cluster$/);
    expect(status.rotationLambdaArn).toBeUndefined();
    expect(Date.parse(status.nextRotationDate)).toBeGreaterThan(Date.now());

    const text = await rotakit(['status', name, '--no-color'], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('RDS-MANAGED');
    expect(text.stdout).toContain('none: RDS rotates it itself (managed rotation, no Lambda)');
    expect(text.stdout).toContain('RDS, master user of DB cluster orders-cluster');
    expect(text.stdout).toContain('every 7 days');
    expect(text.stdout).toContain(status.nextRotationDate);
  });

  it('rds!db- with a schedule expression: the instance and its schedule', async () => {
    const { name } = await managedSecret('instance', {
      rotationRules: { ScheduleExpression: 'rate(10 days)' },
    });
    const run = await rotakit(['status', name, '--json'], { env });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      verdict: 'rds-managed',
      rdsResource: { type: 'instance', identifier: 'orders-instance' },
      rotationSchedule: 'rate(10 days)',
      managedCommands: {
        rdsRotate:
          'aws rds modify-db-instance --db-instance-identifier orders-instance --rotate-master-user-password --apply-immediately',
      },
    });
  });

  it("during RDS's rotation: in progress, and unstick refuses whatever the flags", async () => {
    const { name, user } = await managedSecret('cluster', { labelMoveDelayMs: 3000 });
    const token = await startManagedRotation(name);
    const run = await rotakit(['status', name, '--json'], { env });
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout);
    expect(status).toMatchObject({ verdict: 'rotation-in-progress', pendingVersionId: token });
    expect(status.message).toContain('RDS is rotating it now');
    expect(status.message).not.toContain('rotakit rotate');

    const before = await stagesOf(name);
    const flags = ['--yes', '--force', '--discard-live-pending', '--json'];
    const refused = await rotakit(['unstick', name, ...flags], { env });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      ok: false,
      error: {
        name: 'ManagedSecretRefusedError',
        exitCode: 1,
        command: 'unstick',
        owningService: 'rds',
        rotateSecret: `aws secretsmanager rotate-secret --secret-id '${name}'`,
      },
    });
    expect(refused.stderr).toContain(`rotakit unstick refuses ${name}: it is managed by RDS`);
    expect(refused.stderr).toContain("its labels are RDS's to move");
    expect(await stagesOf(name)).toEqual(before);

    const outcome = await sm.waitForRotation(name, { token, timeoutMs: 30_000 });
    expect(outcome.status).toBe('succeeded');
    expect(await logsIn(user)).toMatchObject({ ok: false });
  });

  it("when RDS's rotation failed: stuck (exit 1), pointing at MasterUserSecret, not at unstick", async () => {
    const { name, user } = await managedSecret('instance', {
      database: { ...adminDatabase(), password: 'not-the-admin-password' },
    });
    const started = await client.send(new RotateSecretCommand({ SecretId: name }));
    const outcome = await sm.waitForRotation(name, {
      token: started.VersionId as string,
      timeoutMs: 30_000,
    });
    expect(outcome.status).toBe('failed');
    const run = await rotakit(['status', name, '--json', '--stuck-after', '0s'], { env });
    expect(run.code).toBe(1);
    const status = JSON.parse(run.stdout);
    expect(status).toMatchObject({ verdict: 'stuck', ok: false, rdsManaged: true });
    expect(status.message).toContain('rotakit does not unstick a secret RDS owns');
    expect(status.message).toContain(
      "aws rds describe-db-instances --db-instance-identifier orders-instance --query 'DBInstances[0].MasterUserSecret'",
    );
    expect(status.message).not.toContain('run `rotakit unstick`');
    expect(await logsIn(user)).toMatchObject({ ok: true });
  });
});

describe('rotakit rotate and doctor on RDS-managed secrets', () => {
  it('rotate refuses before reading the value, and says what to run instead (exit 1)', async () => {
    const { name, user } = await managedSecret('cluster');
    const before = await stagesOf(name);
    sm.counts.reset();
    const run = await rotakit(['rotate', name, '--json'], { env });
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout);
    expect(document).toEqual({
      ok: false,
      error: {
        name: 'ManagedSecretRefusedError',
        message: expect.stringContaining(`rotakit rotate refuses ${name}: it is managed by RDS`),
        exitCode: 1,
        command: 'rotate',
        owningService: 'rds',
        rotateSecret: `aws secretsmanager rotate-secret --secret-id '${name}'`,
        rdsRotate:
          'aws rds modify-db-cluster --db-cluster-identifier orders-cluster --rotate-master-user-password --apply-immediately',
      },
    });
    expect(document.error.message).toContain("(it starts RDS's own rotation)");
    expect(sm.counts()).toEqual({ DescribeSecret: 1 });
    expect(await stagesOf(name)).toEqual(before);
    expect(await logsIn(user)).toMatchObject({ ok: true });
    expect(`${run.stdout}${run.stderr}`).not.toContain(user.password);

    const text = await rotakit(['rotate', name], { env });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(`rotakit: rotakit rotate refuses ${name}`);
    expect(text.stdout).toBe('');
  });

  it('doctor looks for no rotation function or its network, and says why (exit 0)', async () => {
    const { name } = await managedSecret('instance');
    const run = await rotakit(['doctor', name, '--json'], { env });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(true);
    expect(report.live).toBeUndefined();
    expect(report.static).toBeUndefined();
    for (const skipped of [report.liveSkipped, report.staticSkipped]) {
      expect(skipped).toContain('managed by RDS, which rotates it itself');
      expect(skipped).toContain('no rotation function');
    }
    expect(report.findings).toEqual([
      expect.objectContaining({ code: 'RDS-MANAGED', severity: 'info', source: 'live' }),
    ]);
    expect(report.status.verdict).toBe('rds-managed');
  });
});
