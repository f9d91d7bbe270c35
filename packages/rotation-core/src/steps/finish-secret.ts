import { SecretsManagerError } from '../errors.js';
import type { StepContext } from './context.js';
import { AWSCURRENT, AWSPENDING, versionWithStage } from './stages.js';

/**
 * Moves AWSCURRENT to the new version (the service then labels the old one AWSPREVIOUS) and
 * removes the AWSPENDING label, so the next rotation does not find "a previous rotation
 * isn't complete". Each call is checked against the secret again if it fails, because a
 * retried call may fail only because its first attempt had already succeeded.
 */
export async function finishSecret(ctx: StepContext): Promise<void> {
  const currentVersion = versionWithStage(ctx.metadata, AWSCURRENT);
  try {
    await ctx.sm.updateVersionStage({
      secretId: ctx.secretId,
      stage: AWSCURRENT,
      moveTo: ctx.token,
      // With no AWSCURRENT anywhere, naming a version to remove it from would fail.
      removeFrom: currentVersion,
    });
  } catch (error) {
    if (!(error instanceof SecretsManagerError)) throw error;
    const metadata = await ctx.sm.describeSecret(ctx.secretId);
    if (versionWithStage(metadata, AWSCURRENT) !== ctx.token) throw error;
  }
  ctx.logger.info('finishSecret: moved AWSCURRENT to the new version', {
    previousVersion: currentVersion,
  });
  await removePendingLabel(ctx);
}

/** Takes AWSPENDING off the token's version (it is AWSCURRENT now). */
export async function removePendingLabel(ctx: StepContext): Promise<void> {
  try {
    await ctx.sm.updateVersionStage({
      secretId: ctx.secretId,
      stage: AWSPENDING,
      removeFrom: ctx.token,
    });
  } catch (error) {
    if (!(error instanceof SecretsManagerError)) throw error;
    const metadata = await ctx.sm.describeSecret(ctx.secretId);
    if (versionWithStage(metadata, AWSPENDING) === ctx.token) throw error;
  }
}
