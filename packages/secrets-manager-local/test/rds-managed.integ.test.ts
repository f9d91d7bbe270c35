// The simulated RDS-managed rotation against the real MariaDB of the test run. What RDS
// documents (RDS User Guide, "Password management with Amazon RDS and AWS Secrets Manager";
// Secrets Manager User Guide, "Managed rotation"): RDS creates the secret (`rds!…`,
// OwningService rds, username and password only) and rotates it every 7 days by default with
// no Lambda; "during rotation, new connections that retrieve the secret may get the previous
// version of the credentials". The checks below follow each phase of that window.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import {
  CancelRotateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  type SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { canLogin, createDatabaseUser, type DatabaseUser } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type CreateRdsManagedSecretOptions,
  InvalidOptionError,
  RDS_EXCLUDED_CHARACTERS,
  type SecretsManagerLocal,
  startSecretsManager,
} from '../src/index.js';
import { setDatabasePassword } from '../src/managed/set-password.js';
import { caught, token } from './helpers.js';

const server = testMysql();
const DAY_MS = 86_400_000;
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm?.close());

function adminDatabase(): CreateRdsManagedSecretOptions['database'] {
  return {
    engine: 'mysql',
    host: server.host,
    port: server.port,
    user: server.adminUser,
    password: server.adminPassword,
  };
}

async function managedSecret(
  options: Partial<CreateRdsManagedSecretOptions> = {},
): Promise<{ arn: string; name: string; user: DatabaseUser }> {
  const user = await createDatabaseUser(server);
  const created = await sm.createRdsManagedSecret({
    resource: { type: 'cluster', identifier: 'app-cluster' },
    username: user.username,
    password: user.password,
    database: adminDatabase(),
    ...options,
  });
  return { ...created, user };
}

function login(user: DatabaseUser, password: string) {
  return canLogin({ host: user.host, port: user.port, username: user.username, password });
}

async function currentPassword(secretId: string): Promise<string> {
  const value = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  return (JSON.parse(value.SecretString ?? '{}') as { password: string }).password;
}

/** Polls until `check` holds (the phases of a rotation have no event to wait on). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('createRdsManagedSecret', () => {
  test('a cluster secret looks as RDS creates it', async () => {
    const { arn, name, user } = await managedSecret();
    expect(name).toMatch(/^rds!cluster-[0-9a-f-]{36}$/);
    const meta = await client.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(meta.OwningService).toBe('rds');
    expect(meta.RotationEnabled).toBe(true);
    expect(meta.RotationLambdaARN).toBeUndefined();
    expect(meta.RotationRules).toEqual({ AutomaticallyAfterDays: 7 });
    const next = meta.NextRotationDate!.getTime() - meta.CreatedDate!.getTime();
    expect(Math.round(next / DAY_MS)).toBe(7);
    expect(meta.Tags).toEqual(
      expect.arrayContaining([
        {
          Key: 'aws:rds:primaryDBClusterArn',
          Value: `arn:aws:rds:us-east-1:123456789012:cluster:app-cluster`,
        },
        { Key: 'aws:secretsmanager:owningService', Value: 'rds' },
      ]),
    );
    const value = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(JSON.parse(value.SecretString!)).toEqual({
      username: user.username,
      password: user.password,
    });
    const listed = await client.send(
      new ListSecretsCommand({ Filters: [{ Key: 'owning-service', Values: ['rds'] }] }),
    );
    const entry = listed.SecretList?.find((s) => s.ARN === arn);
    expect(entry?.OwningService).toBe('rds');
    expect(entry?.RotationLambdaARN).toBeUndefined();
  });

  test('an instance secret is rds!db-… with the instance ARN tag and its own schedule', async () => {
    const { arn, name } = await managedSecret({
      resource: { type: 'instance', identifier: 'app-db' },
      rotationRules: { ScheduleExpression: 'rate(4 hours)' },
    });
    expect(name).toMatch(/^rds!db-[0-9a-f-]{36}$/);
    const meta = await client.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(meta.RotationRules).toEqual({ ScheduleExpression: 'rate(4 hours)' });
    expect(meta.Tags).toContainEqual({
      Key: 'aws:rds:primaryDBInstanceArn',
      Value: 'arn:aws:rds:us-east-1:123456789012:db:app-db',
    });
  });

  test('options that cannot work are refused by name', async () => {
    const base = {
      resource: { type: 'cluster', identifier: 'c' },
      username: 'u',
      password: 'p',
      database: adminDatabase(),
    } as const;
    const noHost = await caught(() =>
      sm.createRdsManagedSecret({ ...base, database: { ...base.database, host: '' } }),
    );
    expect(noHost).toBeInstanceOf(InvalidOptionError);
    expect(noHost.option).toBe('database.host');
    const badDelay = await caught(() =>
      sm.createRdsManagedSecret({ ...base, labelMoveDelayMs: -1 }),
    );
    expect(badDelay.option).toBe('labelMoveDelayMs');
    const badType = await caught(() =>
      sm.createRdsManagedSecret({
        ...base,
        resource: { type: 'proxy' as 'cluster', identifier: 'c' },
      }),
    );
    expect(badType.option).toBe('resource.type');
    expect(String(noHost.message)).not.toContain(server.adminPassword);
  });

  test('POST /_local/rds-managed-secrets creates one too', async () => {
    const user = await createDatabaseUser(server);
    const response = await fetch(`${sm.endpoint}/_local/rds-managed-secrets`, {
      method: 'POST',
      body: JSON.stringify({
        resource: { type: 'instance', identifier: 'from-http' },
        username: user.username,
        password: user.password,
        database: adminDatabase(),
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { arn: string; name: string };
    expect(body.name).toMatch(/^rds!db-/);
    const meta = await client.send(new DescribeSecretCommand({ SecretId: body.arn }));
    expect(meta.OwningService).toBe('rds');
  });
});

describe('the managed rotation', () => {
  test('changes the password on the database first, moves AWSCURRENT after the delay', async () => {
    const { arn, user } = await managedSecret({ labelMoveDelayMs: 5_000 });
    const old = user.password;
    const rotated = await client.send(new RotateSecretCommand({ SecretId: arn }));
    const newVersion = rotated.VersionId!;
    // Phase 1: the new version exists under AWSPENDING.
    let pending = '';
    await until(async () => {
      try {
        const value = await client.send(
          new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' }),
        );
        pending = JSON.parse(value.SecretString!).password;
        return true;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return false;
        throw error;
      }
    }, 'the AWSPENDING value');
    expect(pending).toHaveLength(32);
    expect([...pending].filter((c) => RDS_EXCLUDED_CHARACTERS.includes(c))).toEqual([]);
    // Phase 2: ALTER USER ran; AWSCURRENT still holds the password the database now refuses.
    await until(async () => (await login(user, pending)).ok, 'the new password to log in');
    expect(await currentPassword(arn)).toBe(old);
    expect(await login(user, old)).toMatchObject({ ok: false, errno: 1045 });
    // Phase 3: the labels moved.
    const outcome = await sm.waitForRotation(arn, { timeoutMs: 30_000 });
    expect(outcome).toMatchObject({
      status: 'succeeded',
      token: newVersion,
      trigger: 'RotateSecret',
    });
    expect(outcome.steps.map((s) => s.step)).toEqual([
      'createSecret',
      'setSecret',
      'testSecret',
      'finishSecret',
    ]);
    expect(await currentPassword(arn)).toBe(pending);
    expect(await login(user, pending)).toEqual({ ok: true });
    const meta = await client.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(meta.VersionIdsToStages?.[newVersion]).toEqual(['AWSCURRENT', 'AWSPENDING']);
    expect(Object.values(meta.VersionIdsToStages ?? {})).toContainEqual(['AWSPREVIOUS']);
    expect(meta.RotationLambdaARN).toBeUndefined();
    expect(meta.LastRotatedDate).toBeInstanceOf(Date);
  });

  test('with stagePending: false the new version has no label until AWSCURRENT moves', async () => {
    const { arn, user } = await managedSecret({ labelMoveDelayMs: 3_000, stagePending: false });
    const { VersionId } = await client.send(new RotateSecretCommand({ SecretId: arn }));
    await until(async () => {
      const value = await client
        .send(new GetSecretValueCommand({ SecretId: arn, VersionId: VersionId! }))
        .catch(() => undefined);
      return value?.SecretString !== undefined;
    }, 'the new version');
    const meta = await client.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(meta.VersionIdsToStages?.[VersionId!]).toBeUndefined();
    const pending = await caught(() =>
      client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' })),
    );
    expect(pending).toBeInstanceOf(ResourceNotFoundException);
    expect((await sm.waitForRotation(arn, { timeoutMs: 30_000 })).status).toBe('succeeded');
    const current = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(current.VersionId).toBe(VersionId);
    expect(await login(user, await currentPassword(arn))).toEqual({ ok: true });
  });

  test('the schedule rotates it through tick()', async () => {
    const { arn, user } = await managedSecret({ labelMoveDelayMs: 0 });
    const before = await client.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(
      sm.tick(before.NextRotationDate!.getTime() - 1_000).map((o) => o.secretArn),
    ).not.toContain(arn);
    const started = sm.tick(before.NextRotationDate!.getTime() + 1_000);
    expect(started.find((o) => o.secretArn === arn)?.trigger).toBe('schedule');
    expect((await sm.waitForRotation(arn, { timeoutMs: 30_000 })).status).toBe('succeeded');
    const password = await currentPassword(arn);
    expect(password).not.toBe(user.password);
    expect(await login(user, password)).toEqual({ ok: true });
    expect(await login(user, user.password)).toMatchObject({ ok: false, errno: 1045 });
  });

  test('CancelRotateSecret during the window stops the schedule, not the label move', async () => {
    const { arn, user } = await managedSecret({ labelMoveDelayMs: 2_000 });
    const { VersionId } = await client.send(new RotateSecretCommand({ SecretId: arn }));
    await until(
      async () =>
        sm
          .rotations(arn)
          .at(-1)
          ?.steps.some((s) => s.step === 'setSecret') === true,
      'the password change',
    );
    await client.send(new CancelRotateSecretCommand({ SecretId: arn }));
    const outcome = await sm.waitForRotation(arn, { timeoutMs: 30_000 });
    expect(outcome.status).toBe('succeeded');
    const current = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(current.VersionId).toBe(VersionId);
    expect(await login(user, await currentPassword(arn))).toEqual({ ok: true });
    const meta = await client.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(meta.RotationEnabled).toBe(false);
  });

  test('no password shows in inspect, the rotation records or the JSON API', async () => {
    const { arn, user } = await managedSecret({ labelMoveDelayMs: 0 });
    await client.send(new RotateSecretCommand({ SecretId: arn }));
    await sm.waitForRotation(arn, { timeoutMs: 30_000 });
    const secrets = [user.password, await currentPassword(arn), server.adminPassword];
    const response = await fetch(`${sm.endpoint}/_local/rotations/${encodeURIComponent(arn)}`);
    const shown = [
      inspect(sm, { depth: 8 }),
      JSON.stringify(sm.rotations(arn)),
      await response.text(),
    ];
    for (const text of shown) for (const secret of secrets) expect(text).not.toContain(secret);
  });

  test('a failed password change leaves AWSCURRENT working and the rotation failed', async () => {
    const { arn, user } = await managedSecret({
      labelMoveDelayMs: 0,
      database: { ...adminDatabase(), password: 'not-the-admin-password' },
    });
    await client.send(new RotateSecretCommand({ SecretId: arn }));
    const outcome = await sm.waitForRotation(arn, { timeoutMs: 30_000 });
    expect(outcome.status).toBe('failed');
    expect(outcome.failedStep).toBe('setSecret');
    expect(outcome.error?.name).toBe('ManagedRotationError');
    expect(outcome.error?.message).toContain('Could not change the password on the database');
    expect(outcome.error?.message).not.toContain('not-the-admin-password');
    expect(await currentPassword(arn)).toBe(user.password);
    expect(await login(user, user.password)).toEqual({ ok: true });
  });
});

describe('the password change', () => {
  test('a password with quotes and backslashes is set exactly', async () => {
    const user = await createDatabaseUser(server);
    const password = `it's\\a"\\'\\\\pass\\n`;
    await setDatabasePassword(
      { ...adminDatabase(), accountHost: user.accountHost },
      user.username,
      password,
    );
    expect(await login(user, password)).toEqual({ ok: true });
    expect(await login(user, user.password)).toMatchObject({ ok: false, errno: 1045 });
  });
});

describe('with a data file', () => {
  test('a restart keeps the owner and tags; the rotation fails until the database is registered again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sm-local-rds-managed-'));
    try {
      const dataFile = join(dir, 'managed.json');
      const user = await createDatabaseUser(server);
      let arn: string;
      {
        await using first = await startSecretsManager({ dataFile });
        ({ arn } = await first.createRdsManagedSecret({
          resource: { type: 'instance', identifier: 'kept' },
          username: user.username,
          password: user.password,
          database: adminDatabase(),
        }));
      }
      await using second = await startSecretsManager({ dataFile });
      const reopened = second.client({ maxAttempts: 1 });
      const meta = await reopened.send(new DescribeSecretCommand({ SecretId: arn }));
      expect(meta.OwningService).toBe('rds');
      expect(meta.Tags).toContainEqual({ Key: 'aws:secretsmanager:owningService', Value: 'rds' });
      await reopened.send(new RotateSecretCommand({ SecretId: arn }));
      const outcome = await second.waitForRotation(arn, { timeoutMs: 30_000 });
      expect(outcome.status).toBe('failed');
      expect(outcome.error?.message).toContain(`managed-rotation:rds:${arn}`);
      const value = await reopened.send(new GetSecretValueCommand({ SecretId: arn }));
      expect(JSON.parse(value.SecretString!).password).toBe(user.password);
      expect(await login(user, user.password)).toEqual({ ok: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('writes the service refuses on a secret RDS owns', () => {
  test('PutSecretValue, UpdateSecret, UpdateSecretVersionStage, DeleteSecret, a RotationLambdaARN', async () => {
    const { arn, user } = await managedSecret();
    const versionId = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).VersionId!;
    const attempts = [
      new PutSecretValueCommand({ SecretId: arn, SecretString: '{"password":"x"}' }),
      new UpdateSecretCommand({ SecretId: arn, SecretString: '{"password":"x"}' }),
      new UpdateSecretCommand({ SecretId: arn, Description: 'mine now' }),
      new UpdateSecretVersionStageCommand({
        SecretId: arn,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token(),
        RemoveFromVersionId: versionId,
      }),
      new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }),
      new RotateSecretCommand({
        SecretId: arn,
        RotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:mine',
      }),
    ];
    for (const command of attempts) {
      // biome-ignore lint/suspicious/noExplicitAny: one loop over differently typed commands
      const error = await caught(() => client.send(command as any));
      expect(error).toBeInstanceOf(InvalidRequestException);
      expect(error.message).toContain("because it's managed by rds");
    }
    expect(await currentPassword(arn)).toBe(user.password);
    const meta = await client.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(meta.DeletedDate).toBeUndefined();
    expect(meta.RotationLambdaARN).toBeUndefined();
    expect(sm.rotations(arn)).toEqual([]);
    // Tags stay the account's to manage.
    await client.send(
      new TagResourceCommand({ SecretId: arn, Tags: [{ Key: 'team', Value: 'a' }] }),
    );
  });
});
