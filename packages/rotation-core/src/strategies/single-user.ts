import { driverFor } from '../database/by-engine.js';
import type { DatabaseAccount, DatabaseSession } from '../database/driver.js';
import { AccountCopyError, CredentialMismatchError, DatabaseLoginError } from '../errors.js';
import type { DatabaseSecret } from '../secret.js';
import { connect, targetOf, withSession } from '../steps/connect.js';
import type { StepContext } from '../steps/context.js';
import { tryLogin } from '../steps/login.js';
import { masterTarget } from '../steps/master.js';
import { AWSPREVIOUS, readOptionalSecret } from '../steps/stages.js';
import { guardSameHost, type Strategy } from './strategy.js';

function guardSameAccount(
  a: DatabaseSecret,
  b: DatabaseSecret,
  aName: string,
  bName: string,
): void {
  if (a.username !== b.username) {
    throw new CredentialMismatchError(
      `Attempting to modify user ${JSON.stringify(b.username)} (${bName}) other than the ${aName} user ${JSON.stringify(a.username)}`,
      { field: 'username' },
    );
  }
  guardSameHost(a, b, aName, bName);
}

/** The user changes its own password. */
export const singleUser: Strategy = {
  pendingUsername: (_ctx, current) => current.username,

  async checkPending() {},

  async setSecret(ctx: StepContext, current: DatabaseSecret, pending: DatabaseSecret) {
    const failures: DatabaseLoginError[] = [];
    const pendingSession = await tryLogin(ctx, targetOf(ctx, pending), 'pending', failures);
    if (pendingSession) {
      await pendingSession.close();
      ctx.logger.info('setSecret: the AWSPENDING password already works; nothing to do');
      return;
    }
    guardSameAccount(current, pending, 'AWSCURRENT', 'AWSPENDING');
    const { session, previousMissing } = await loginAsCurrentOrPrevious(
      ctx,
      current,
      pending,
      failures,
    );
    if (!session) throw nothingLogsIn(ctx, current, failures, previousMissing);
    if (current.masterarn && driverFor(ctx.options.database, current.engine).singleUserAsMaster) {
      const account = await withSession(session, (s) => s.currentAccount());
      await changePasswordAsMaster(ctx, current, account, pending.password);
      ctx.logger.info('setSecret: the master set the AWSPENDING password on the database');
      return;
    }
    await withSession(session, (s) => s.changeOwnPassword(pending.password));
    ctx.logger.info('setSecret: set the AWSPENDING password on the database');
  },
};

/**
 * The master sets the password of the account the user's own login matched: the login proved
 * the secret, the master has the right to change passwords (RDS's rds_password role).
 */
async function changePasswordAsMaster(
  ctx: StepContext,
  current: DatabaseSecret,
  account: DatabaseAccount,
  password: string,
): Promise<void> {
  const session = await connect(ctx, await masterTarget(ctx, current), 'master');
  await withSession(session, async (s) => {
    if (!s.changePasswordOf) {
      throw new AccountCopyError(
        `The ${driverFor(ctx.options.database, current.engine).name} driver cannot change another account's password`,
      );
    }
    await s.changePasswordOf(account, password);
  });
}

/** Current's credentials, else AWSPREVIOUS's (a rotation whose finishSecret already ran once). */
async function loginAsCurrentOrPrevious(
  ctx: StepContext,
  current: DatabaseSecret,
  pending: DatabaseSecret,
  failures: DatabaseLoginError[],
): Promise<{ session: DatabaseSession | undefined; previousMissing: boolean }> {
  const session = await tryLogin(ctx, targetOf(ctx, current), 'current', failures);
  if (session) return { session, previousMissing: false };
  const previous = await readOptionalSecret(ctx, { stage: AWSPREVIOUS });
  if (!previous) return { session: undefined, previousMissing: true };
  guardSameAccount(pending, previous, 'AWSPENDING', 'AWSPREVIOUS');
  // Like the templates: the previous version is tried with the current TLS setting.
  const target = targetOf(ctx, previous, { ssl: current.ssl });
  return { session: await tryLogin(ctx, target, 'previous', failures), previousMissing: false };
}

/** The templates' "unable to log into database" error, saying what each login answered. */
function nothingLogsIn(
  ctx: StepContext,
  current: DatabaseSecret,
  failures: readonly DatabaseLoginError[],
  previousMissing: boolean,
): DatabaseLoginError {
  const tried = failures
    .map(
      (f) => `${f.credentials}: access denied${f.errno !== undefined ? ` (errno ${f.errno})` : ''}`,
    )
    .join('; ');
  const last = failures[failures.length - 1];
  return new DatabaseLoginError(
    `Unable to log into database with previous, current, or pending secret: ${tried}${previousMissing ? '; previous: no AWSPREVIOUS version' : ''}. The password on the server matches none of them (changed outside rotation?).`,
    {
      credentials: last?.credentials ?? 'current',
      reason: 'access-denied',
      host: current.host,
      port:
        last?.port ?? current.port ?? driverFor(ctx.options.database, current.engine).defaultPort,
      errno: last?.errno,
      code: last?.code,
      attempts: failures.map((f) => ({
        credentials: f.credentials,
        reason: f.reason,
        errno: f.errno,
        code: f.code,
      })),
      cause: last,
    },
  );
}
