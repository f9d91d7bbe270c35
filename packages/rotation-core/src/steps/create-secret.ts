import { SecretsManagerError } from '../errors.js';
import { SECRET_MAX_BYTES, secretFormatError } from '../secret.js';
import type { Strategy } from '../strategies/strategy.js';
import type { StepContext } from './context.js';
import { AWSCURRENT, AWSPENDING, readOptionalSecret, readSecret } from './stages.js';

/**
 * Stores the new credentials as the AWSPENDING version (same JSON, new password, and the
 * other username for alternating users). A version already stored for this token is kept.
 */
export async function createSecret(ctx: StepContext, strategy: Strategy): Promise<void> {
  const current = await readSecret(ctx, { stage: AWSCURRENT });
  const existing = await readOptionalSecret(ctx, { stage: AWSPENDING, versionId: ctx.token });
  if (existing) {
    ctx.logger.info('createSecret: the AWSPENDING version already has a value; nothing to do');
    return;
  }
  const username = strategy.pendingUsername(ctx, current);
  await strategy.checkPending(ctx, current, username);
  const password = await ctx.sm.getRandomPassword(ctx.options.password);
  const pending = current.with({ username, password });
  const secretString = pending.toSecretString();
  const bytes = Buffer.byteLength(secretString, 'utf8');
  if (bytes > SECRET_MAX_BYTES) {
    throw secretFormatError(
      'SecretString',
      `would be ${bytes} bytes with the new credentials, more than the ${SECRET_MAX_BYTES}-byte limit`,
      'AWSPENDING',
    );
  }
  try {
    await ctx.sm.putPendingValue({
      secretId: ctx.secretId,
      token: ctx.token,
      secretString,
      rotationToken: ctx.rotationToken,
    });
  } catch (error) {
    // Another invocation stored this token first (with its own password): that one wins.
    if (error instanceof SecretsManagerError && error.kind === 'exists') {
      const stored = await readOptionalSecret(ctx, { stage: AWSPENDING, versionId: ctx.token });
      if (stored) {
        ctx.logger.info('createSecret: another invocation stored the AWSPENDING value first');
        return;
      }
    }
    throw error;
  }
  ctx.logger.info('createSecret: stored the new AWSPENDING version', { username });
}
