/**
 * Regions and replication against the API reference (ReplicateSecretToRegions,
 * RemoveRegionsFromReplication, StopReplicationToReplica, CreateSecret AddReplicaRegions,
 * DescribeSecret PrimaryRegion/ReplicationStatus) and the user guide ("Replicate secrets
 * across Regions"). Each case names the sentence it checks.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  ResourceNotFoundException,
  StopReplicationToReplicaCommand,
  TagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSecretsManager } from '../../src/index.js';
import { caught, token, uniqueName } from '../helpers.js';
import { type Conformance, startConformance } from './harness.js';

let c: Conformance;
let dir: string;

beforeAll(async () => {
  c = await startConformance();
  dir = await mkdtemp(join(tmpdir(), 'sm-local-regions-'));
});
afterAll(async () => {
  await c?.close();
  await rm(dir, { recursive: true, force: true });
});

async function replicated(name = uniqueName('repl'), region = 'eu-west-1') {
  await c.sdk().send(
    new CreateSecretCommand({
      Name: name,
      SecretString: 'v1',
      Description: 'replicated',
      Tags: [{ Key: 'team', Value: 'db' }],
    }),
  );
  const res = await c.sdk().send(
    new ReplicateSecretToRegionsCommand({
      SecretId: name,
      AddReplicaRegions: [{ Region: region }],
    }),
  );
  return { name, res };
}

describe('regions', () => {
  // User guide: "Secrets Manager is a regional service and only secrets within the selected
  // region are returned." The Region of a request is the one its SigV4 credential scope names.
  test('a secret created in us-west-2 has a us-west-2 ARN and is not visible from us-east-1', async () => {
    const name = uniqueName('region');
    const created = await c
      .sdk('us-west-2')
      .send(new CreateSecretCommand({ Name: name, SecretString: 'west' }));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-west-2:123456789012:secret:/);
    const east = await caught(() =>
      c.sdk('us-east-1').send(new GetSecretValueCommand({ SecretId: name })),
    );
    expect(east).toBeInstanceOf(ResourceNotFoundException);
    const byArn = await caught(() =>
      c.sdk('us-east-1').send(new GetSecretValueCommand({ SecretId: created.ARN })),
    );
    expect(byArn).toBeInstanceOf(ResourceNotFoundException);
    const listed = await c
      .sdk('us-west-2')
      .send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }] }));
    expect(listed.SecretList?.map((s) => s.ARN)).toEqual([created.ARN]);
  });

  test('the same name lives independently in two Regions', async () => {
    const name = uniqueName('twin');
    await c.sdk('us-east-1').send(new CreateSecretCommand({ Name: name, SecretString: 'east' }));
    await c
      .sdk('ap-southeast-2')
      .send(new CreateSecretCommand({ Name: name, SecretString: 'south' }));
    const east = await c.sdk('us-east-1').send(new GetSecretValueCommand({ SecretId: name }));
    const south = await c.sdk('ap-southeast-2').send(new GetSecretValueCommand({ SecretId: name }));
    expect([east.SecretString, south.SecretString]).toEqual(['east', 'south']);
  });

  test('the AWS CLI: --region eu-central-1 creates a secret in eu-central-1', async () => {
    const name = uniqueName('cli-region');
    const out = await c.cli(
      ['create-secret', '--name', name, '--secret-string', 'x'],
      'eu-central-1',
    );
    expect(out.ARN).toMatch(/^arn:aws:secretsmanager:eu-central-1:/);
    const failure = await c.cliFails(['describe-secret', '--secret-id', name], 'us-east-1');
    expect(failure.stderr).toContain('ResourceNotFoundException');
  });
});

describe('replication', () => {
  test('ReplicateSecretToRegions: ReplicationStatus InSync; DescribeSecret shows PrimaryRegion on both', async () => {
    const { name, res } = await replicated();
    expect(res.ReplicationStatus).toEqual([
      expect.objectContaining({ Region: 'eu-west-1', Status: 'InSync' }),
    ]);
    const primary = await c.sdk().send(new DescribeSecretCommand({ SecretId: name }));
    expect(primary).toMatchObject({ PrimaryRegion: 'us-east-1' });
    expect(primary.ReplicationStatus?.map((r) => r.Region)).toEqual(['eu-west-1']);
    const replica = await c.sdk('eu-west-1').send(new DescribeSecretCommand({ SecretId: name }));
    expect(replica).toMatchObject({
      PrimaryRegion: 'us-east-1',
      Description: 'replicated',
      Tags: [{ Key: 'team', Value: 'db' }],
    });
    expect(replica.ARN).toBe(primary.ARN?.replace(':us-east-1:', ':eu-west-1:'));
    expect(replica.ReplicationStatus).toBeUndefined();
    // ListSecrets' SecretListEntry has PrimaryRegion but no ReplicationStatus member.
    const listed = await c
      .sdk()
      .send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }] }));
    expect(listed.SecretList?.[0]).toMatchObject({ Name: name, PrimaryRegion: 'us-east-1' });
    expect(listed.SecretList?.[0]).not.toHaveProperty('ReplicationStatus');
  });

  // User guide: "Secrets Manager replicates the encrypted secret data and metadata such as tags
  // and resource policies across the specified Regions"; updates to the primary propagate.
  test("a replica follows the primary's new values and labels", async () => {
    const { name } = await replicated();
    const v2 = token();
    await c
      .sdk()
      .send(
        new PutSecretValueCommand({ SecretId: name, SecretString: 'v2', ClientRequestToken: v2 }),
      );
    const value = await c.sdk('eu-west-1').send(new GetSecretValueCommand({ SecretId: name }));
    expect(value).toMatchObject({
      SecretString: 'v2',
      VersionId: v2,
      VersionStages: ['AWSCURRENT'],
    });
    const previous = await c
      .sdk('eu-west-1')
      .send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }));
    expect(previous.SecretString).toBe('v1');
    await c
      .sdk()
      .send(new TagResourceCommand({ SecretId: name, Tags: [{ Key: 'added', Value: 'later' }] }));
    const replica = await c.sdk('eu-west-1').send(new DescribeSecretCommand({ SecretId: name }));
    expect(replica.Tags?.map((t) => t.Key)).toEqual(['team', 'added']);
  });

  // User guide: "A replica secret can't be updated independently from its primary secret,
  // except for its encryption key." The class and message are not in the API reference; they
  // are the service's as published error logs show them (DeleteSecret, PutResourcePolicy on a
  // replica): "InvalidParameterException: Operation not permitted on a replica secret. Call
  // must be made in primary secret's region."
  test('a replica is read-only: every write in its Region is InvalidParameterException', async () => {
    const { name } = await replicated();
    const replica = c.sdk('eu-west-1');
    const current = (await replica.send(new GetSecretValueCommand({ SecretId: name }))).VersionId;
    const writes = [
      new PutSecretValueCommand({ SecretId: name, SecretString: 'nope' }),
      new UpdateSecretCommand({ SecretId: name, Description: 'nope' }),
      new TagResourceCommand({ SecretId: name, Tags: [{ Key: 'k', Value: 'v' }] }),
      new DeleteSecretCommand({ SecretId: name }),
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'CUSTOM',
        MoveToVersionId: current,
      }),
    ];
    for (const write of writes) {
      const error = await caught(() => replica.send(write as never));
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect(error.message).toBe(
        "Operation not permitted on a replica secret. Call must be made in primary secret's region.",
      );
    }
    const unchanged = await c.sdk().send(new DescribeSecretCommand({ SecretId: name }));
    expect(unchanged.Description).toBe('replicated');
    expect(unchanged.Tags).toEqual([{ Key: 'team', Value: 'db' }]);
  });

  // ForceOverwriteReplicaSecret: "Specifies whether to overwrite a secret with the same name in
  // the destination Region."
  test('a name taken in the destination Region fails the replica unless ForceOverwriteReplicaSecret', async () => {
    const name = uniqueName('taken');
    await c
      .sdk('ca-central-1')
      .send(new CreateSecretCommand({ Name: name, SecretString: 'local' }));
    await c.sdk().send(new CreateSecretCommand({ Name: name, SecretString: 'primary' }));
    const failed = await c.sdk().send(
      new ReplicateSecretToRegionsCommand({
        SecretId: name,
        AddReplicaRegions: [{ Region: 'ca-central-1' }],
      }),
    );
    expect(failed.ReplicationStatus).toEqual([
      expect.objectContaining({
        Region: 'ca-central-1',
        Status: 'Failed',
        StatusMessage: `Replication failed: Secret name ${name} already exists in region ca-central-1.`,
      }),
    ]);
    const kept = await c.sdk('ca-central-1').send(new GetSecretValueCommand({ SecretId: name }));
    expect(kept.SecretString).toBe('local');
    const forced = await c.sdk().send(
      new ReplicateSecretToRegionsCommand({
        SecretId: name,
        AddReplicaRegions: [{ Region: 'ca-central-1' }],
        ForceOverwriteReplicaSecret: true,
      }),
    );
    expect(forced.ReplicationStatus?.[0]?.Status).toBe('InSync');
    const overwritten = await c
      .sdk('ca-central-1')
      .send(new GetSecretValueCommand({ SecretId: name }));
    expect(overwritten.SecretString).toBe('primary');
  });

  test('CreateSecret with AddReplicaRegions creates the replicas and returns ReplicationStatus', async () => {
    const name = uniqueName('create-repl');
    const res = await c.sdk().send(
      new CreateSecretCommand({
        Name: name,
        SecretString: 'x',
        AddReplicaRegions: [
          { Region: 'us-west-1', KmsKeyId: 'alias/replica' },
          { Region: 'us-east-2' },
        ],
      }),
    );
    expect(res.ReplicationStatus?.map((r) => [r.Region, r.Status, r.KmsKeyId])).toEqual([
      ['us-west-1', 'InSync', 'alias/replica'],
      ['us-east-2', 'InSync', undefined],
    ]);
    const replica = await c.sdk('us-west-1').send(new DescribeSecretCommand({ SecretId: name }));
    expect(replica).toMatchObject({ KmsKeyId: 'alias/replica', PrimaryRegion: 'us-east-1' });
  });

  test("replicating to the secret's own Region is InvalidParameterException", async () => {
    const name = uniqueName('own');
    await c.sdk().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    const error = await caught(() =>
      c.sdk().send(
        new ReplicateSecretToRegionsCommand({
          SecretId: name,
          AddReplicaRegions: [{ Region: 'us-east-1' }],
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
  });

  // RemoveRegionsFromReplication: "For a secret that is replicated to other Regions, deletes the
  // secret replicas from the Regions you specify."
  test('RemoveRegionsFromReplication deletes the replica', async () => {
    const { name } = await replicated(undefined, 'sa-east-1');
    const res = await c.sdk().send(
      new RemoveRegionsFromReplicationCommand({
        SecretId: name,
        RemoveReplicaRegions: ['sa-east-1'],
      }),
    );
    expect(res.ReplicationStatus).toEqual([]);
    const gone = await caught(() =>
      c.sdk('sa-east-1').send(new DescribeSecretCommand({ SecretId: name })),
    );
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    const primary = await c.sdk().send(new DescribeSecretCommand({ SecretId: name }));
    expect(primary.ReplicationStatus).toBeUndefined();
    expect(primary.PrimaryRegion).toBeUndefined();
  });

  // StopReplicationToReplica: "Removes the link between the replica secret and the primary
  // secret and promotes the replica to a primary secret in the replica Region." "You must call
  // this operation from the Region in which you want to promote the replica to a primary
  // secret." (The class of the call made on the primary, InvalidRequestException, is ours.)
  test('StopReplicationToReplica promotes the replica to a standalone, writable secret', async () => {
    const { name } = await replicated(undefined, 'eu-north-1');
    const replica = c.sdk('eu-north-1');
    const stopped = await replica.send(new StopReplicationToReplicaCommand({ SecretId: name }));
    expect(stopped.ARN).toMatch(/:eu-north-1:/);
    await replica.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'own' }));
    const own = await replica.send(new GetSecretValueCommand({ SecretId: name }));
    expect(own.SecretString).toBe('own');
    const primary = await c.sdk().send(new GetSecretValueCommand({ SecretId: name }));
    expect(primary.SecretString).toBe('v1');
    const meta = await replica.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.PrimaryRegion).toBeUndefined();
    const onPrimary = await caught(() =>
      c.sdk().send(new StopReplicationToReplicaCommand({ SecretId: name })),
    );
    expect(onPrimary).toBeInstanceOf(InvalidRequestException);
  });

  test('the AWS CLI: replicate-secret-to-regions and describe-secret in the replica Region', async () => {
    const name = uniqueName('cli-repl');
    await c.cli(['create-secret', '--name', name, '--secret-string', 'x']);
    const out = await c.cli([
      'replicate-secret-to-regions',
      '--secret-id',
      name,
      '--add-replica-regions',
      'Region=ap-northeast-1',
    ]);
    expect(out.ReplicationStatus).toEqual([
      expect.objectContaining({ Region: 'ap-northeast-1', Status: 'InSync' }),
    ]);
    const replica = await c.cli(['describe-secret', '--secret-id', name], 'ap-northeast-1');
    expect(replica.PrimaryRegion).toBe('us-east-1');
    const refused = await c.cliFails(
      ['put-secret-value', '--secret-id', name, '--secret-string', 'y'],
      'ap-northeast-1',
    );
    expect(refused.stderr).toContain('InvalidParameterException');
  });
});

describe('persistence of regions and replicas', () => {
  test('replicas survive a restart and still follow the primary', async () => {
    const dataFile = join(dir, 'replicas.json');
    {
      await using sm = await startSecretsManager({ dataFile });
      const east = sm.client({ maxAttempts: 1 });
      await east.send(
        new CreateSecretCommand({
          Name: 'kept',
          SecretString: 'v1',
          AddReplicaRegions: [{ Region: 'eu-west-2' }],
        }),
      );
    }
    await using sm = await startSecretsManager({ dataFile });
    await sm
      .client({ maxAttempts: 1 })
      .send(new PutSecretValueCommand({ SecretId: 'kept', SecretString: 'v2' }));
    const replica = sm.client({ region: 'eu-west-2', maxAttempts: 1 });
    const value = await replica.send(new GetSecretValueCommand({ SecretId: 'kept' }));
    expect(value.SecretString).toBe('v2');
    const meta = await replica.send(new DescribeSecretCommand({ SecretId: 'kept' }));
    expect(meta.PrimaryRegion).toBe('us-east-1');
  });

  test('a version 1 data file (one Region, from before regions) loads into the Region of its ARNs', async () => {
    const dataFile = join(dir, 'v1.json');
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:old-AbCdEf';
    const versionId = '00000000-0000-4000-8000-000000000001';
    await writeFile(
      dataFile,
      JSON.stringify({
        format: 'rotakit-secrets-manager-local',
        version: 1,
        secrets: [
          {
            arn,
            name: 'old',
            createdDate: 1,
            lastChangedDate: 1,
            tags: [],
            versions: [{ versionId, secretString: 'from-v1', createdDate: 1 }],
            labels: [['AWSCURRENT', versionId]],
          },
        ],
      }),
    );
    await using sm = await startSecretsManager({ dataFile, region: 'eu-west-1' });
    const value = await sm
      .client({ maxAttempts: 1 })
      .send(new GetSecretValueCommand({ SecretId: 'old' }));
    expect(value).toMatchObject({ ARN: arn, SecretString: 'from-v1' });
  });
});
