import type { Strategy } from '../strategies/strategy.js';
import type { StepContext } from './context.js';
import { withDatabaseRetries } from './retry-policy.js';
import { AWSCURRENT, AWSPENDING, readSecret } from './stages.js';

/** Makes the AWSPENDING credentials work on the database. Safe to run again. */
export async function setSecret(ctx: StepContext, strategy: Strategy): Promise<void> {
  await withDatabaseRetries(ctx, async () => {
    const current = await readSecret(ctx, { stage: AWSCURRENT });
    const pending = await readSecret(ctx, { stage: AWSPENDING, versionId: ctx.token });
    await strategy.setSecret(ctx, current, pending);
  });
}
