import { AccountCopyError, CloneNameTooLongError, CredentialMismatchError } from '../errors.js';
import { type DatabaseSecret, secretFormatError } from '../secret.js';
import { connect, targetOf, withSession } from '../steps/connect.js';
import type { StepContext } from '../steps/context.js';
import { masterTarget } from '../steps/master.js';
import { guardSameHost, type Strategy } from './strategy.js';

/** `user` <-> `user_clone`. */
export function alternateUsername(username: string, suffix: string): string {
  if (username.endsWith(suffix)) {
    const base = username.slice(0, -suffix.length);
    if (base.length === 0) {
      throw secretFormatError(
        'username',
        `is the clone suffix ${JSON.stringify(suffix)} alone; there is no user to alternate with`,
        'AWSCURRENT',
      );
    }
    return base;
  }
  return `${username}${suffix}`;
}

/** The app's user alternates between `user` and `user_clone`; the master makes the other one a copy. */
export const alternatingUsers: Strategy = {
  pendingUsername: (ctx, current) => alternateUsername(current.username, ctx.options.cloneSuffix),

  async checkPending(ctx, current, pendingUsername) {
    // Only the longer name can be too long; going back to the original always fits.
    if (pendingUsername.length <= current.username.length) return;
    let limit = ctx.options.usernameCharacterLimit;
    let limitSource: 'option' | 'server' = 'option';
    if (limit === 'server') {
      limitSource = 'server';
      const session = await connect(ctx, targetOf(ctx, current), 'current');
      limit = await withSession(session, (s) => s.maxUsernameLength());
    }
    if (pendingUsername.length > limit) {
      throw CloneNameTooLongError.of({
        username: current.username,
        cloneUsername: pendingUsername,
        limit,
        limitSource,
      });
    }
  },

  async setSecret(ctx, current, pending) {
    if (pending.username !== alternateUsername(current.username, ctx.options.cloneSuffix)) {
      throw new CredentialMismatchError(
        `The AWSPENDING user ${JSON.stringify(pending.username)} is not the alternate of the AWSCURRENT user ${JSON.stringify(current.username)}`,
        { field: 'username' },
      );
    }
    guardSameHost(current, pending, 'AWSCURRENT', 'AWSPENDING');
    const source = await accountOfCurrent(ctx, current);
    const masterSession = await connect(ctx, await masterTarget(ctx, current), 'master');
    const result = await withSession(masterSession, (s) =>
      s.syncAccount({
        source,
        targetUsername: pending.username,
        password: pending.password,
        revokeExtra: ctx.options.revokeExtraGrants,
      }),
    );
    ctx.logger.info('setSecret: the AWSPENDING user is a copy of the AWSCURRENT user', {
      account: `${result.target.username}@${result.target.host}`,
      created: result.created,
      granted: result.granted,
      revoked: result.revoked,
    });
  },
};

/**
 * Logs in with the current credentials: this stops a secret that was never valid from being
 * used to create accounts as the master (the templates' confused-deputy guard). The login
 * also tells which account (user@host) the server matched, whose grants are copied.
 */
async function accountOfCurrent(ctx: StepContext, current: DatabaseSecret) {
  const currentSession = await connect(ctx, targetOf(ctx, current), 'current');
  const source = await withSession(currentSession, (s) => s.currentAccount());
  if (source.username !== current.username) {
    throw new AccountCopyError(
      `Logging in as ${JSON.stringify(current.username)} matched the account ${JSON.stringify(source.username)}@${JSON.stringify(source.host)} (an anonymous or proxied account); refusing to copy it`,
    );
  }
  return source;
}
