import {
  DescribeSecretCommand,
  ListSecretVersionIdsCommand,
  type SecretVersionsListEntry,
} from '@aws-sdk/client-secrets-manager';
import type { CommandContext } from '../context.js';
import { parseDuration } from '../duration.js';
import { type AssessOptions, assessSecret, type SecretStatus } from './assess.js';

/** Reads the secret's metadata (never its value) and assesses it. */
export async function readSecretStatus(
  ctx: CommandContext,
  secretId: string,
  options: AssessOptions = {},
): Promise<SecretStatus> {
  const client = ctx.secretsManager();
  const secret = await ctx.callAws('DescribeSecret', () =>
    client.send(new DescribeSecretCommand({ SecretId: secretId })),
  );
  const versions: SecretVersionsListEntry[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.callAws('ListSecretVersionIds', () =>
      client.send(
        new ListSecretVersionIdsCommand({
          SecretId: secretId,
          MaxResults: 100,
          NextToken: nextToken,
        }),
      ),
    );
    versions.push(...(page.Versions ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return assessSecret(secret, versions, new Date(), options);
}

/** The `--stuck-after` flag as assessment options (absent: the default window). */
export function stuckAfterOption(value: string | undefined): AssessOptions {
  return value === undefined ? {} : { stuckAfterMs: parseDuration(value, '--stuck-after') };
}
