/**
 * DeleteSecret and RestoreSecret against the API reference. Each case names the sentence it
 * checks.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
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
  // ForceDeleteWithoutRecovery: a forced delete of a secret that does not exist (or no longer
  // does) is not an error; the service answers as though it had deleted it.
  test('ForceDeleteWithoutRecovery of a secret that does not exist succeeds', async () => {
    const name = uniqueName('del-missing');
    const res = await c
      .sdk()
      .send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    expect(res.Name).toBe(name);
    expect(res.ARN).toContain(`:secret:${name}`);
    expect(res.DeletionDate?.getTime()).toBe(NOW);
  });

  test('ForceDeleteWithoutRecovery twice, and of a secret already scheduled for deletion, succeeds', async () => {
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

  // "If you don't use this parameter, then by default, Secrets Manager uses a 30 day recovery
  // window." "DeletionDate: The date and time after which this secret Secrets Manager can
  // permanently delete this secret."
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

  test('a primary with replicas cannot be deleted until its replica Regions are removed', async () => {
    const name = uniqueName('del-primary');
    await c.sdk().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    await c.sdk().send(
      new ReplicateSecretToRegionsCommand({
        SecretId: name,
        AddReplicaRegions: [{ Region: 'us-west-2' }],
      }),
    );
    const refused = await caught(() =>
      c.sdk().send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })),
    );
    expect(refused).toBeInstanceOf(InvalidRequestException);
    expect(refused.message).toContain('us-west-2');
    await c.sdk().send(
      new RemoveRegionsFromReplicationCommand({
        SecretId: name,
        RemoveReplicaRegions: ['us-west-2'],
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
