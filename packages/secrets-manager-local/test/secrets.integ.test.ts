import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  type SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SecretsManagerLocal, startSecretsManager } from '../src/index.js';
import { caught, token, uniqueName } from './helpers.js';

let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let now = Date.UTC(2031, 5, 1);

beforeAll(async () => {
  sm = await startSecretsManager({ now: () => now });
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm.close());

describe('UpdateSecret', () => {
  test('a new value becomes AWSCURRENT; metadata alone creates no version', async () => {
    const name = uniqueName();
    const { VersionId: v1 } = await client.send(
      new CreateSecretCommand({ Name: name, SecretString: 'one' }),
    );
    const meta = await client.send(
      new UpdateSecretCommand({ SecretId: name, Description: 'about', KmsKeyId: 'alias/x' }),
    );
    expect(meta.VersionId).toBeUndefined();
    const v2 = token();
    const updated = await client.send(
      new UpdateSecretCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: v2 }),
    );
    expect(updated.VersionId).toBe(v2);
    const described = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described).toMatchObject({
      Description: 'about',
      KmsKeyId: 'alias/x',
      VersionIdsToStages: { [v1!]: ['AWSPREVIOUS'], [v2]: ['AWSCURRENT'] },
    });
    const again = await client.send(
      new UpdateSecretCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: v2 }),
    );
    expect(again.VersionId).toBe(v2);
    const conflict = await caught(() =>
      client.send(
        new UpdateSecretCommand({ SecretId: name, SecretString: 'three', ClientRequestToken: v2 }),
      ),
    );
    expect(conflict).toBeInstanceOf(ResourceExistsException);
  });

  test('a secret without versions gets its first AWSCURRENT version', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name }));
    await client.send(
      new UpdateSecretCommand({ SecretId: name, SecretBinary: new Uint8Array([7]) }),
    );
    const got = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(got.VersionStages).toEqual(['AWSCURRENT']);
    expect([...got.SecretBinary!]).toEqual([7]);
  });

  test('an unknown secret is ResourceNotFoundException', async () => {
    const error = await caught(() =>
      client.send(new UpdateSecretCommand({ SecretId: uniqueName(), SecretString: 'x' })),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('DeleteSecret and RestoreSecret', () => {
  test('the recovery window defaults to 30 days; RestoreSecret brings the secret back', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    const deleted = await client.send(new DeleteSecretCommand({ SecretId: name }));
    expect(deleted.DeletionDate?.getTime()).toBe(now + 30 * 86_400_000);
    await client.send(new RestoreSecretCommand({ SecretId: name }));
    const got = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(got.SecretString).toBe('x');
    const meta = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.DeletedDate).toBeUndefined();
  });

  test('the secret is gone once the recovery window has passed', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    await client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    now += 7 * 86_400_000;
    const error = await caught(() => client.send(new DescribeSecretCommand({ SecretId: name })));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'reborn' }));
  });

  test('ForceDeleteWithoutRecovery deletes at once and frees the name', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    const res = await client.send(
      new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }),
    );
    expect(res.DeletionDate?.getTime()).toBe(now);
    await expect(client.send(new DescribeSecretCommand({ SecretId: name }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'y' }));
  });

  test('bad recovery windows, both options, and a second delete are refused', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    for (const days of [6, 31]) {
      const error = await caught(() =>
        client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: days })),
      );
      expect(error).toBeInstanceOf(InvalidParameterException);
    }
    const both = await caught(() =>
      client.send(
        new DeleteSecretCommand({
          SecretId: name,
          RecoveryWindowInDays: 7,
          ForceDeleteWithoutRecovery: true,
        }),
      ),
    );
    expect(both).toBeInstanceOf(InvalidParameterException);
    await client.send(new DeleteSecretCommand({ SecretId: name }));
    const twice = await caught(() => client.send(new DeleteSecretCommand({ SecretId: name })));
    expect(twice).toBeInstanceOf(InvalidRequestException);
  });
});

describe('TagResource and UntagResource', () => {
  test('tags are added, overwritten and removed', async () => {
    const name = uniqueName();
    await client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: 'x',
        Tags: [{ Key: 'team', Value: 'a' }],
      }),
    );
    await client.send(
      new TagResourceCommand({
        SecretId: name,
        Tags: [
          { Key: 'team', Value: 'b' },
          { Key: 'env', Value: 'dev' },
        ],
      }),
    );
    let meta = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.Tags).toEqual([
      { Key: 'team', Value: 'b' },
      { Key: 'env', Value: 'dev' },
    ]);
    await client.send(new UntagResourceCommand({ SecretId: name, TagKeys: ['team', 'absent'] }));
    meta = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(meta.Tags).toEqual([{ Key: 'env', Value: 'dev' }]);
  });

  test('more than 50 tags is LimitExceededException; a missing Tags list fails validation', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    const tags = Array.from({ length: 30 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await client.send(new TagResourceCommand({ SecretId: name, Tags: tags }));
    const more = Array.from({ length: 21 }, (_, i) => ({ Key: `m${i}`, Value: 'v' }));
    const error = await caught(() =>
      client.send(new TagResourceCommand({ SecretId: name, Tags: more })),
    );
    expect(error.name).toBe('LimitExceededException');
    const missing = await caught(() =>
      client.send(new TagResourceCommand({ SecretId: name } as never)),
    );
    expect(missing.name).toBe('ValidationException');
  });
});

describe('ListSecrets', () => {
  test('filters by name prefix, description, tag key and value, with negation and all', async () => {
    const prefix = uniqueName('list');
    await client.send(
      new CreateSecretCommand({
        Name: `${prefix}/db`,
        SecretString: 'x',
        Description: 'Primary Database',
        Tags: [{ Key: 'tier', Value: 'gold' }],
      }),
    );
    await client.send(
      new CreateSecretCommand({
        Name: `${prefix}/api`,
        SecretString: 'x',
        Tags: [{ Key: 'tier', Value: 'silver' }],
      }),
    );
    const names = async (
      Filters: Array<{
        Key: 'name' | 'description' | 'tag-key' | 'tag-value' | 'all';
        Values: string[];
      }>,
    ) =>
      (await client.send(new ListSecretsCommand({ Filters })))
        .SecretList!.map((s) => s.Name)
        .filter((n) => n?.startsWith(prefix))
        .sort();
    expect(await names([{ Key: 'name', Values: [prefix] }])).toEqual([
      `${prefix}/api`,
      `${prefix}/db`,
    ]);
    expect(await names([{ Key: 'name', Values: [prefix.toUpperCase()] }])).toEqual([]);
    expect(await names([{ Key: 'description', Values: ['primary'] }])).toEqual([`${prefix}/db`]);
    expect(await names([{ Key: 'tag-value', Values: ['sil'] }])).toEqual([`${prefix}/api`]);
    expect(
      await names([
        { Key: 'name', Values: [prefix] },
        { Key: 'tag-value', Values: ['!gold'] },
      ]),
    ).toEqual([`${prefix}/api`]);
    expect(
      await names([
        { Key: 'tag-key', Values: ['tier'] },
        { Key: 'all', Values: ['database'] },
      ]),
    ).toEqual([`${prefix}/db`]);
  });

  test('pages with MaxResults and NextToken, and omits deleted secrets unless asked', async () => {
    const prefix = uniqueName('page');
    for (const n of ['a', 'b', 'c']) {
      await client.send(new CreateSecretCommand({ Name: `${prefix}-${n}`, SecretString: 'x' }));
    }
    await client.send(new DeleteSecretCommand({ SecretId: `${prefix}-c` }));
    const Filters = [{ Key: 'name' as const, Values: [prefix] }];
    const first = await client.send(
      new ListSecretsCommand({ Filters, MaxResults: 1, SortBy: 'name' }),
    );
    expect(first.SecretList?.map((s) => s.Name)).toEqual([`${prefix}-a`]);
    const second = await client.send(
      new ListSecretsCommand({
        Filters,
        MaxResults: 1,
        SortBy: 'name',
        NextToken: first.NextToken,
      }),
    );
    expect(second.SecretList?.map((s) => s.Name)).toEqual([`${prefix}-b`]);
    expect(second.NextToken).toBeUndefined();
    const withDeleted = await client.send(
      new ListSecretsCommand({
        Filters,
        IncludePlannedDeletion: true,
        SortBy: 'name',
        SortOrder: 'desc',
      }),
    );
    expect(withDeleted.SecretList?.map((s) => s.Name)).toEqual([
      `${prefix}-c`,
      `${prefix}-b`,
      `${prefix}-a`,
    ]);
    expect(withDeleted.SecretList?.[0]?.DeletedDate).toBeInstanceOf(Date);
    expect(withDeleted.SecretList?.[1]?.SecretVersionsToStages).toBeDefined();
  });

  test('an unknown filter key fails validation', async () => {
    const error = await caught(() =>
      client.send(new ListSecretsCommand({ Filters: [{ Key: 'colour' as never, Values: ['x'] }] })),
    );
    expect(error.name).toBe('ValidationException');
  });
});

describe('BatchGetSecretValue', () => {
  test('by SecretIdList returns values and per-secret errors', async () => {
    const a = uniqueName();
    const b = uniqueName();
    await client.send(new CreateSecretCommand({ Name: a, SecretString: 'A' }));
    await client.send(new CreateSecretCommand({ Name: b }));
    const missing = uniqueName();
    const res = await client.send(
      new BatchGetSecretValueCommand({ SecretIdList: [a, b, missing] }),
    );
    expect(res.SecretValues?.map((v) => [v.Name, v.SecretString, v.VersionStages])).toEqual([
      [a, 'A', ['AWSCURRENT']],
    ]);
    expect(res.Errors?.map((e) => [e.SecretId, e.ErrorCode])).toEqual([
      [b, 'ResourceNotFoundException'],
      [missing, 'ResourceNotFoundException'],
    ]);
  });

  test('by Filters pages through matching secrets', async () => {
    const prefix = uniqueName('batch');
    for (const n of ['1', '2', '3']) {
      await client.send(new CreateSecretCommand({ Name: `${prefix}-${n}`, SecretString: n }));
    }
    const Filters = [{ Key: 'name' as const, Values: [prefix] }];
    const first = await client.send(new BatchGetSecretValueCommand({ Filters, MaxResults: 2 }));
    expect(first.SecretValues?.map((v) => v.SecretString)).toEqual(['1', '2']);
    const second = await client.send(
      new BatchGetSecretValueCommand({ Filters, MaxResults: 2, NextToken: first.NextToken }),
    );
    expect(second.SecretValues?.map((v) => v.SecretString)).toEqual(['3']);
  });

  test('both or neither of SecretIdList and Filters is InvalidParameterException', async () => {
    const neither = await caught(() => client.send(new BatchGetSecretValueCommand({})));
    expect(neither).toBeInstanceOf(InvalidParameterException);
    const both = await caught(() =>
      client.send(
        new BatchGetSecretValueCommand({
          SecretIdList: ['a'],
          Filters: [{ Key: 'name', Values: ['a'] }],
        }),
      ),
    );
    expect(both).toBeInstanceOf(InvalidParameterException);
  });
});
