import type { SecretPoolStats } from '../stats.js';
import type { Announce } from './events.js';
import type { Generation } from './generations.js';
import type { Mysql2PoolAdapter } from './mysql2-internals.js';

/** The pool's counters (since creation), shared by the parts that count (see SecretPoolStats). */
export type PoolCounters = Pick<
  SecretPoolStats,
  | 'credentialRefreshes'
  | 'authFailures'
  | 'pendingProbes'
  | 'pendingProbeSuccesses'
  | 'connectRetries'
  | 'retiredConnections'
  | 'loginGuardRejections'
  | 'loginsSkipped'
  | 'terminalErrors'
  | 'connectionsOpened'
  | 'longestRotationWindowMs'
  | 'managedRotationWaits'
  | 'managedRotationRechecks'
>;

export function newPoolCounters(): PoolCounters {
  return {
    credentialRefreshes: 0,
    authFailures: 0,
    pendingProbes: 0,
    pendingProbeSuccesses: 0,
    connectRetries: 0,
    retiredConnections: 0,
    loginGuardRejections: 0,
    loginsSkipped: 0,
    terminalErrors: 0,
    connectionsOpened: 0,
    longestRotationWindowMs: 0,
    managedRotationWaits: 0,
    managedRotationRechecks: 0,
  };
}

/** What every part of a pool shares: its secret, mysql2's pool, the counters and the events. */
export interface PoolContext {
  readonly secretId: string;
  readonly adapter: Mysql2PoolAdapter<Generation>;
  readonly counters: PoolCounters;
  readonly announce: Announce;
}

/** What every part shares whatever the driver: its secret, the counters and the events. */
export type PoolBasics = Omit<PoolContext, 'adapter'>;
