import type { SecretCacheStats } from './cache/secret-cache.js';

/** Where a pool's current credentials came from. */
export type CredentialSource = 'AWSCURRENT' | 'AWSPENDING';

/** A snapshot of a pool's counters (since creation) and state. Never contains a secret. */
export interface SecretPoolStats {
  secretId: string;
  /** The credentials new connections use now. */
  credentials: {
    versionId: string | undefined;
    source: CredentialSource | undefined;
    username: string | undefined;
    /** Whether a login with them has succeeded. */
    verified: boolean;
  };
  /** Times new credentials were applied (initial load included). */
  credentialRefreshes: number;
  /** New connections refused with access denied. */
  authFailures: number;
  /** AWSPENDING fetched because AWSCURRENT had not changed after an access denied. */
  pendingProbes: number;
  /** Logins that succeeded with AWSPENDING credentials (the rotation window bridged). */
  pendingProbeSuccesses: number;
  /** Connection attempts retried (after access denied or a busy server); statements are never retried. */
  connectRetries: number;
  /** Connections closed because they were opened with a previous username/host/port/database. */
  retiredConnections: number;
  /** Requests failed with `LoginGuardError` (no login tried: it could not succeed or could lock the account). */
  loginGuardRejections: number;
  /**
   * Logins not sent because the server had refused the password since the account's last
   * successful login; the pool re-read the secret instead.
   */
  loginsSkipped: number;
  /** Failed logins in a row for the current credentials' account (the login guard's count). */
  consecutiveFailedLogins: number;
  /** Typed terminal errors returned (locked, expired, host not allowed, unknown database). */
  terminalErrors: number;
  /** Successful new connections. */
  connectionsOpened: number;
  /**
   * Longest time the pool ran on AWSPENDING before it saw AWSCURRENT move (the rotation window
   * as observed, from the first access denied; resolution bounded by the cache TTL).
   */
  longestRotationWindowMs: number;
  /**
   * Waits for a managed rotation (an RDS-managed secret refused and nothing newer in Secrets
   * Manager yet), one per refused version, shared by every request.
   */
  managedRotationWaits: number;
  /** Re-reads of the secret during those waits (each: AWSCURRENT, then AWSPENDING). */
  managedRotationRechecks: number;
  connections: {
    /** Open connections (busy and idle). */
    total: number;
    idle: number;
    /** Requests queued in mysql2 for a free connection. */
    queued: number;
    /** Requests waiting on credentials, a refresh or a login slot before opening a connection. */
    waiting: number;
    /** Logins in flight. */
    connecting: number;
  };
  /** The `SecretCache` counters (shared with other pools when the cache is shared). */
  cache: SecretCacheStats;
}
