import { invalidRequest } from '../errors.js';
import type { Operation } from './context.js';

/**
 * Cross-account replication (AssociateCrossAccountReplica, DisassociateCrossAccountReplica and
 * CreateSecret's `CrossAccountPrimaryARN`) links secrets in two AWS accounts. A local server
 * serves one account, so these are refused by name rather than answered as unknown or, for the
 * CreateSecret member, silently ignored (which would make a standalone secret).
 */
export const crossAccountUnsupported = () =>
  invalidRequest(
    'Cross-account replication is not supported by the local Secrets Manager: it serves a single account.',
  );

export const refuseCrossAccount: Operation = () => {
  throw crossAccountUnsupported();
};
