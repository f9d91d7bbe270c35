import type { LoginFailureReason } from '../errors.js';

// Engine-neutral wording of a login failure; each driver adds its own codes after it.
const REASON_TEXT: Readonly<Record<LoginFailureReason, string>> = {
  'access-denied': 'access denied',
  timeout: 'timed out',
  refused: 'connection refused (nothing listening on that host and port)',
  dns: 'the host name did not resolve',
  tls: 'TLS failed',
  unreachable: 'no route to the host',
  'connection-lost': 'the connection was lost',
  'host-blocked': 'the server blocked this client host (max_connect_errors; run FLUSH HOSTS)',
  'too-many-connections': 'the server refused: too many connections',
  'unknown-database': 'the database named by dbname does not exist',
  'starting-up': 'the server is starting up, shutting down or in recovery',
  aborted: 'aborted (time budget)',
  other: 'failed',
};

/** `access denied`, `timed out`, ...: what a reason means, for messages. */
export function describeReason(reason: LoginFailureReason): string {
  return REASON_TEXT[reason];
}
