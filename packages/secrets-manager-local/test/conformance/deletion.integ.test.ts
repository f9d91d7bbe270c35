/**
 * DeleteSecret and RestoreSecret against the API reference. Each case names the sentence it
 * checks.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  ResourceNotFoundException,
  RestoreSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { caught, uniqueName } from '../helpers.js';
import { type Conformance, startConformance } from './harness.js';

const NOW = Date.UTC(2026, 11, 1, 12);
let c: Conformance;

beforeAll(async () => {
  c = await startConformance({ now: () => NOW });
});
afterAll(() => c?.close());

describe('DeleteSecret', () => {
  // ForceDeleteWithoutRecovery (API reference): "If you forcibly delete an already deleted or
  // nonexistent secret, the operation does not return ResourceNotFoundException." What it
  // answers instead (Name, an ARN, DeletionDate) is not documented: ours.
  test('ForceDeleteWithoutRecovery of a nonexistent secret "does not return ResourceNotFoundException"', async () => {
    const name = uniqueName('del-missing');
    const res = await c
      .sdk()
      .send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    expect(res.Name).toBe(name);
    expect(res.ARN).toContain(`:secret:${name}`);
    expect(res.DeletionDate?.getTime()).toBe(NOW);
  });

  test('ForceDeleteWithoutRecovery of "an already deleted" secret, and of one scheduled for deletion, succeeds', async () => {
    const name = uniqueName('del-twice');
    await c.sdk().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    await c.sdk().send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    await c
      .sdk()
      .send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    const again = await c
      .sdk()
      .send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    expect(again.Name).toBe(name);
    const error = await caught(() => c.sdk().send(new DescribeSecretCommand({ SecretId: name })));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  test('without ForceDeleteWithoutRecovery a secret that does not exist is ResourceNotFoundException', async () => {
    const error = await caught(() =>
      c.sdk().send(new DeleteSecretCommand({ SecretId: uniqueName('del-none') })),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  // RecoveryWindowInDays: "If you don't use either, then by default Secrets Manager uses a 30
  // day recovery window." "You cannot access the encrypted secret information in any secret
  // that is scheduled for deletion." (The DeletionDate sentence and the exception class of such
  // a read, InvalidRequestException, were not found in the pages searched: paraphrase.)
  test('the default recovery window is 30 days; the secret reads as marked for deletion until restored', async () => {
    const name = uniqueName('del-window');
    await c.sdk().send(new CreateSecretCommand({ Name: name, SecretString: 'kept' }));
    const res = await c.sdk().send(new DeleteSecretCommand({ SecretId: name }));
    expect(res.DeletionDate?.getTime()).toBe(NOW + 30 * 86_400_000);
    const read = await caught(() => c.sdk().send(new GetSecretValueCommand({ SecretId: name })));
    expect(read).toBeInstanceOf(InvalidRequestException);
    await c.sdk().send(new RestoreSecretCommand({ SecretId: name }));
    const value = await c.sdk().send(new GetSecretValueCommand({ SecretId: name }));
    expect(value.SecretString).toBe('kept');
  });

  // "You can't delete a primary secret that is replicated to other Regions. You must first
  // delete the replicas using RemoveRegionsFromReplication, and then delete the primary
  // secret." The class and message are the service's as a published error log shows them:
  // "InvalidParameterException: You can't delete secret arn:… that still has replica regions
  // [ap-northeast-2, us-east-1, us-west-2]."
  test('a primary with replicas cannot be deleted until its replica Regions are removed', async () => {
    const name = uniqueName('del-primary');
    const { ARN } = await c.sdk().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    await c.sdk().send(
      new ReplicateSecretToRegionsCommand({
        SecretId: name,
        AddReplicaRegions: [{ Region: 'us-west-2' }, { Region: 'ap-northeast-2' }],
      }),
    );
    const refused = await caught(() =>
      c.sdk().send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })),
    );
    expect(refused).toBeInstanceOf(InvalidParameterException);
    expect(refused.message).toBe(
      `You can't delete secret ${ARN} that still has replica regions [ap-northeast-2, us-west-2].`,
    );
    await c.sdk().send(
      new RemoveRegionsFromReplicationCommand({
        SecretId: name,
        RemoveReplicaRegions: ['us-west-2', 'ap-northeast-2'],
      }),
    );
    await c
      .sdk()
      .send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
  });

  test('the AWS CLI: delete-secret --force-delete-without-recovery of a missing secret exits 0', async () => {
    const name = uniqueName('del-cli');
    const out = await c.cli([
      'delete-secret',
      '--secret-id',
      name,
      '--force-delete-without-recovery',
    ]);
    expect(out.Name).toBe(name);
    const failure = await c.cliFails(['delete-secret', '--secret-id', name]);
    expect(failure.stderr).toContain('ResourceNotFoundException');
  });
});
