import { DatabaseLoginError } from '../errors.js';
import { connect, targetOf, withSession } from './connect.js';
import type { StepContext } from './context.js';
import { withDatabaseRetries } from './retry-policy.js';
import { sleep } from './sleep.js';
import { AWSPENDING, readSecret } from './stages.js';

/**
 * Logs in with the AWSPENDING credentials and runs a trivial query. A denied login is tried
 * again a few times (`testSecret.attempts`) for servers where a new password takes a moment.
 */
export async function testSecret(ctx: StepContext): Promise<void> {
  const pending = await readSecret(ctx, { stage: AWSPENDING, versionId: ctx.token });
  const { attempts, delayMs } = ctx.options.testSecret;
  for (let attempt = 1; ; attempt++) {
    try {
      await withDatabaseRetries(ctx, async () => {
        const session = await connect(ctx, targetOf(ctx, pending), 'pending');
        await withSession(session, (s) => s.ping());
      });
      ctx.logger.info('testSecret: the AWSPENDING credentials log in');
      return;
    } catch (error) {
      const denied = error instanceof DatabaseLoginError && error.reason === 'access-denied';
      if (!denied || attempt >= attempts) throw error;
      ctx.logger.warn('testSecret: AWSPENDING login denied; trying again', { attempt });
      await sleep(ctx, delayMs);
    }
  }
}
