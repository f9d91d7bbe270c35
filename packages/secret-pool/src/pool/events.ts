import type { Channel } from 'node:diagnostics_channel';
import type { PoolConnection as CorePoolConnection } from 'mysql2';
import {
  authFailureChannel,
  connectionRetiredChannel,
  credentialsRefreshedChannel,
  loginGuardChannel,
} from '../diagnostics.js';
import type { LoginGuardReason, SecretPoolError, TerminalConnectionError } from '../errors.js';
import type { CredentialSource } from '../stats.js';

/** Why new credentials were applied. */
/** Why credentials were applied; `endpoint-change`: the RDS API gave another endpoint (the `rds` option). */
export type RefreshReason = 'initial' | 'refresh' | 'auth-failure' | 'endpoint-change';

export interface CredentialsRefreshedEvent {
  secretId: string;
  versionId: string;
  previousVersionId: string | undefined;
  source: CredentialSource;
  reason: RefreshReason;
  /** The username, host, port or database changed: older connections will be retired. */
  identityChanged: boolean;
}

export interface AuthFailureEvent {
  secretId: string;
  errno: number | undefined;
  code: string | undefined;
  sqlState: string | undefined;
  /** The secret version whose credentials were refused. */
  versionId: string;
  source: CredentialSource;
  /** Access denied count for the request (1 = first). */
  attempt: number;
}

export interface ConnectionRetiredEvent {
  secretId: string;
  /** The secret version the connection was opened with. */
  versionId: string;
}

export interface LoginGuardEvent {
  secretId: string;
  reason: LoginGuardReason;
  /** Failed logins in a row counted for the account since its last successful login. */
  failures: number;
  maxFailures: number;
  /** The secret version whose credentials were held back. */
  versionId: string;
}

export interface CredentialsRejectedEvent {
  secretId: string;
  versionId: string;
  error: SecretPoolError;
}

/** Events of a {@link SecretPool}: its own plus mysql2's pool events (core connections). */
export interface SecretPoolEvents {
  credentialsRefreshed: [CredentialsRefreshedEvent];
  authFailure: [AuthFailureEvent];
  connectionRetired: [ConnectionRetiredEvent];
  loginGuard: [LoginGuardEvent];
  terminalError: [TerminalConnectionError];
  /** A new secret version could not be used (bad format); the previous credentials stay. */
  credentialsRejected: [CredentialsRejectedEvent];
  connection: [CorePoolConnection];
  acquire: [CorePoolConnection];
  release: [CorePoolConnection];
  enqueue: [];
}

/** The pool's own events (the rest are mysql2's, forwarded). */
export type OwnEventName =
  | 'credentialsRefreshed'
  | 'authFailure'
  | 'connectionRetired'
  | 'loginGuard'
  | 'terminalError'
  | 'credentialsRejected';

/** Emits one of the pool's own events, and publishes it on its diagnostics channel if it has one. */
export type Announce = <K extends OwnEventName>(event: K, payload: SecretPoolEvents[K][0]) => void;

/** The `node:diagnostics_channel` channel of each event that has one (docs/secret-pool.md). */
export const EVENT_CHANNELS: Readonly<Partial<Record<OwnEventName, Channel>>> = {
  credentialsRefreshed: credentialsRefreshedChannel,
  authFailure: authFailureChannel,
  connectionRetired: connectionRetiredChannel,
  loginGuard: loginGuardChannel,
};

/** mysql2's pool events a SecretPool forwards while someone listens. */
export const FORWARDED_EVENTS: ReadonlySet<string> = new Set([
  'connection',
  'acquire',
  'release',
  'enqueue',
]);
