import { CredentialMismatchError } from '../errors.js';
import type { DatabaseSecret } from '../secret.js';
import type { StepContext } from '../steps/context.js';

/** What differs between single user and alternating users. @internal */
export interface Strategy {
  /** The username the pending version gets (the same, or the other of the pair). */
  pendingUsername(ctx: StepContext, current: DatabaseSecret): string;
  /** Checks before the pending version is stored (the clone name's length). */
  checkPending(ctx: StepContext, current: DatabaseSecret, pendingUsername: string): Promise<void>;
  /** Makes the pending credentials work on the database. */
  setSecret(ctx: StepContext, current: DatabaseSecret, pending: DatabaseSecret): Promise<void>;
}

/** Refuses to act on credentials for another host than the ones they are checked against. */
export function guardSameHost(
  a: DatabaseSecret,
  b: DatabaseSecret,
  aName: string,
  bName: string,
): void {
  if (a.host !== b.host) {
    throw new CredentialMismatchError(
      `The ${bName} host ${JSON.stringify(b.host)} is not the ${aName} host ${JSON.stringify(a.host)}`,
      { field: 'host' },
    );
  }
}
