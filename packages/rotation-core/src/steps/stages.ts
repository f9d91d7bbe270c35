import type { DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import { type SecretSource, SecretsManagerError } from '../errors.js';
import { type DatabaseSecret, parseSecret } from '../secret.js';
import type { StepContext } from './context.js';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

/** A staging label of the rotated secret's versions. */
export type StageLabel = typeof AWSCURRENT | typeof AWSPENDING | typeof AWSPREVIOUS;

const SOURCE_OF_STAGE: Record<string, SecretSource> = {
  AWSCURRENT: 'AWSCURRENT',
  AWSPENDING: 'AWSPENDING',
  AWSPREVIOUS: 'AWSPREVIOUS',
};

/** Reads and parses one version of the rotated secret. */
export async function readSecret(
  ctx: StepContext,
  selector: { stage: StageLabel; versionId?: string },
): Promise<DatabaseSecret> {
  const value = await ctx.sm.getSecretValue(ctx.secretId, selector);
  return parseSecret(value.SecretString, {
    source: SOURCE_OF_STAGE[selector.stage] ?? 'AWSCURRENT',
    engines: ctx.options.database.engines,
    requireMasterArn: ctx.options.strategy === 'alternating-users' && selector.stage === AWSCURRENT,
  });
}

/** Like `readSecret`, but undefined when the version does not exist (AWSPREVIOUS before the first rotation). */
export async function readOptionalSecret(
  ctx: StepContext,
  selector: { stage: typeof AWSPENDING | typeof AWSPREVIOUS; versionId?: string },
): Promise<DatabaseSecret | undefined> {
  try {
    return await readSecret(ctx, selector);
  } catch (error) {
    if (error instanceof SecretsManagerError && error.kind === 'not-found') return undefined;
    throw error;
  }
}

/** The version holding a label, from DescribeSecret's VersionIdsToStages. */
export function versionWithStage(
  metadata: DescribeSecretResponse,
  stage: string,
): string | undefined {
  for (const [versionId, stages] of Object.entries(metadata.VersionIdsToStages ?? {})) {
    if (stages?.includes(stage)) return versionId;
  }
  return undefined;
}
