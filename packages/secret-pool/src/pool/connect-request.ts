import type { PoolConnection as CorePoolConnection } from 'mysql2';
import { SecretPoolError } from '../errors.js';
import type { Generation } from './generations.js';
import type { ConnectCallback } from './mysql2-internals.js';

/** A request for a new connection, kept across waits and retries of its login. */
export class ConnectRequest {
  /** The credentials of its latest login. */
  gen: Generation | undefined;
  startedAt = 0;
  /** Its login is in flight (counted by the gate and the login guard). */
  connecting = false;
  authFailures = 0;
  /** Logins not sent because the server had already refused the password. */
  skippedLogins = 0;
  lastDenial: Error | undefined;
  busyRetries = 0;
  /** Its login met a DNS or connect error and the endpoint was looked up again (once per request). */
  endpointRechecked = false;
  /** The caller's callback: settled once, with a connection or the final error. */
  readonly callback: ConnectCallback;
  /** What mysql2 calls when a login (or a hand-out of an idle connection) for it ends. */
  readonly done: ConnectCallback;

  constructor(
    callback: ConnectCallback,
    onResult: (
      request: ConnectRequest,
      error: Error | null,
      connection?: CorePoolConnection,
    ) => void,
  ) {
    this.callback = callback;
    this.done = (error, connection) => onResult(this, error ?? null, connection);
  }
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new SecretPoolError(String(error));
}
