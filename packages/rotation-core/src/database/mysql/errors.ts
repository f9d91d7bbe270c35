import type { LoginFailureReason } from '../../errors.js';

/** The fields of a mysql2 (or Node socket) error that carry no secret. */
export interface DriverErrorInfo {
  message: string;
  code: string | undefined;
  errno: number | undefined;
  sqlState: string | undefined;
}

export function driverErrorInfo(error: unknown): DriverErrorInfo {
  const record = (error ?? {}) as Record<string, unknown>;
  let code = typeof record.code === 'string' ? record.code : undefined;
  let errno = typeof record.errno === 'number' ? record.errno : undefined;
  // Node reports system errors with a negative errno; only server errnos are useful here.
  if (errno !== undefined && errno < 0) errno = undefined;
  let message = error instanceof Error ? error.message : String(error);
  // mysql2 says this, without a code, when a command is sent after the server went away.
  if (code === undefined && /connection is in closed state/i.test(message)) {
    code = 'PROTOCOL_CONNECTION_LOST';
  }
  // net.connect to several addresses fails with an AggregateError: use the first cause.
  if (error instanceof AggregateError && error.errors.length > 0) {
    const first = driverErrorInfo(error.errors[0]);
    code ??= first.code;
    message = first.message;
  }
  return {
    message,
    code,
    errno,
    sqlState: typeof record.sqlState === 'string' ? record.sqlState : undefined,
  };
}

const TLS_CODES =
  /^(HANDSHAKE_NO_SSL_SUPPORT|HANDSHAKE_SSL_ERROR|ERR_TLS_.*|ERR_SSL_.*|EPROTO|.*CERT.*|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_.*)$/;

/** Why a login or statement failed, from the error's code and errno. */
export function classifyDriverError(error: unknown): LoginFailureReason {
  const record = (error ?? {}) as Record<string, unknown>;
  if (record.name === 'AbortError') return 'aborted';
  const { code, errno } = driverErrorInfo(error);
  switch (errno) {
    case 1044:
    case 1045:
    case 1698:
    case 1862: // password expired
    case 3118: // account locked
      return 'access-denied';
    case 1049:
      return 'unknown-database';
    case 1129:
      return 'host-blocked';
    case 1040:
    case 1203:
      return 'too-many-connections';
    case 3159: // insecure transport prohibited (require_secure_transport)
      return 'tls';
  }
  if (code === undefined) return 'other';
  if (code === 'ETIMEDOUT' || code === 'PROTOCOL_SEQUENCE_TIMEOUT') return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EAI_FAIL' ||
    code === 'EAI_NONAME'
  ) {
    return 'dns';
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL') {
    return 'unreachable';
  }
  if (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'PROTOCOL_CONNECTION_LOST' ||
    code === 'ER_SERVER_SHUTDOWN' ||
    code === 'PROTOCOL_PACKETS_OUT_OF_ORDER'
  ) {
    return 'connection-lost';
  }
  if (TLS_CODES.test(code)) return 'tls';
  if (code === 'ABORT_ERR') return 'aborted';
  return 'other';
}

const REASON_TEXT: Record<LoginFailureReason, string> = {
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
  aborted: 'aborted (time budget)',
  other: 'failed',
};

/** `errno 1045, ER_ACCESS_DENIED_ERROR`, or empty when the error has neither. */
export function describeCodes(info: DriverErrorInfo): string {
  return [info.errno !== undefined ? `errno ${info.errno}` : undefined, info.code]
    .filter(Boolean)
    .join(', ');
}

export function describeReason(reason: LoginFailureReason): string {
  return REASON_TEXT[reason];
}

// A cut-off quote shorter than this is not taken for the start of a secret.
const MIN_PREFIX = 4;

/**
 * Removes every form of the given secrets from a server message: as written, and as quoted
 * in SQL (quotes doubled, backslashes doubled, or both). A quote that starts with the
 * beginning of a secret is cut there too, because servers truncate what they quote (a
 * syntax error shows 80 characters, in the server's language, so ` near '` is not enough).
 */
export function scrub(message: string, secrets: readonly string[]): string {
  let out = message;
  // A syntax error quotes the statement from the error position on: drop that part.
  out = out.replace(/ near '[\s\S]*$/, ' near [statement redacted]');
  for (const secret of secrets) {
    if (!secret) continue;
    const quotesDoubled = secret.replaceAll("'", "''");
    const forms = [
      ...new Set([
        quotesDoubled.replaceAll('\\', '\\\\'),
        quotesDoubled,
        secret.replaceAll('\\', '\\\\'),
        secret,
      ]),
    ].sort((a, b) => b.length - a.length);
    for (const form of forms) out = out.split(form).join('[redacted]');
    for (const form of forms) {
      for (let length = form.length - 1; length >= Math.min(MIN_PREFIX, form.length); length--) {
        out = out.split(`'${form.slice(0, length)}`).join("'[redacted]");
      }
    }
  }
  return out;
}

/** A plain error holding only safe fields, used as `cause` instead of the driver's error. */
export function safeCause(info: DriverErrorInfo, secrets: readonly string[] = []): Error {
  const cause = new Error(scrub(info.message, secrets));
  cause.name = 'MysqlDriverError';
  return Object.assign(cause, {
    ...(info.code !== undefined ? { code: info.code } : {}),
    ...(info.errno !== undefined ? { errno: info.errno } : {}),
    ...(info.sqlState !== undefined ? { sqlState: info.sqlState } : {}),
  });
}
