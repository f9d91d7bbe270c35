import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { expect, test } from 'vitest';
import { startSecretsManager } from '../src/index.js';

test('128 concurrent SDK callers on one default client all succeed', async () => {
  await using sm = await startSecretsManager();
  const client = sm.client();
  await client.send(new CreateSecretCommand({ Name: 'hot', SecretString: 'value' }));
  sm.counts.reset();
  const rounds = 5;
  const results = await Promise.allSettled(
    Array.from({ length: 128 }, async () => {
      for (let i = 0; i < rounds; i++) {
        const res = await client.send(new GetSecretValueCommand({ SecretId: 'hot' }));
        if (res.SecretString !== 'value' || res.$metadata.attempts !== 1)
          throw new Error('unexpected answer');
      }
    }),
  );
  expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  expect(sm.counts().GetSecretValue).toBe(128 * rounds);
});

test('concurrent writers and readers keep one AWSCURRENT and lose no version', async () => {
  await using sm = await startSecretsManager();
  const client = sm.client();
  await client.send(new CreateSecretCommand({ Name: 'busy', SecretString: '0' }));
  await Promise.all([
    ...Array.from({ length: 40 }, (_, i) =>
      client.send(new PutSecretValueCommand({ SecretId: 'busy', SecretString: String(i + 1) })),
    ),
    ...Array.from({ length: 40 }, () =>
      client.send(new GetSecretValueCommand({ SecretId: 'busy' })),
    ),
  ]);
  const { ListSecretVersionIdsCommand } = await import('@aws-sdk/client-secrets-manager');
  const versions = await client.send(
    new ListSecretVersionIdsCommand({ SecretId: 'busy', IncludeDeprecated: true }),
  );
  expect(versions.Versions).toHaveLength(41);
  const current = versions.Versions?.filter((v) => v.VersionStages?.includes('AWSCURRENT'));
  const previous = versions.Versions?.filter((v) => v.VersionStages?.includes('AWSPREVIOUS'));
  expect(current).toHaveLength(1);
  expect(previous).toHaveLength(1);
});
