import {
  DescribeSecretCommand,
  ListSecretVersionIdsCommand,
  type SecretsManagerClient,
  type SecretVersionsListEntry,
} from '@aws-sdk/client-secrets-manager';
import { callAws } from '../aws.js';
import { assessSecret, type SecretStatus } from './assess.js';

/** Reads the secret's metadata (never its value) and assesses it. */
export async function readSecretStatus(
  client: SecretsManagerClient,
  secretId: string,
): Promise<SecretStatus> {
  const secret = await callAws('DescribeSecret', () =>
    client.send(new DescribeSecretCommand({ SecretId: secretId })),
  );
  const versions: SecretVersionsListEntry[] = [];
  let nextToken: string | undefined;
  do {
    const page = await callAws('ListSecretVersionIds', () =>
      client.send(
        new ListSecretVersionIdsCommand({
          SecretId: secretId,
          MaxResults: 100,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      ),
    );
    versions.push(...(page.Versions ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return assessSecret(secret, versions);
}
