import type { DatabaseSession, DatabaseTarget } from '../database/driver.js';
import { type CredentialRole, DatabaseLoginError } from '../errors.js';
import { connect } from './connect.js';
import type { StepContext } from './context.js';

/**
 * Logs in; an access-denied login gives undefined and is added to `failures`, so the caller
 * can try other credentials and report every attempt. Any other failure is thrown.
 */
export async function tryLogin(
  ctx: StepContext,
  target: DatabaseTarget,
  credentials: CredentialRole,
  failures: DatabaseLoginError[],
): Promise<DatabaseSession | undefined> {
  try {
    return await connect(ctx, target, credentials);
  } catch (error) {
    if (error instanceof DatabaseLoginError && error.reason === 'access-denied') {
      failures.push(error);
      return undefined;
    }
    throw error;
  }
}
