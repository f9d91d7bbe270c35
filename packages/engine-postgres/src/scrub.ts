/*
 * Messages that may reach a log or a report: a driver's error text, a server's notice. The
 * password is the caller's to name; a SCRAM verifier is recognised by its format, which is
 * PostgreSQL's (see scram.ts).
 */

// A SCRAM verifier is not the password, but it allows an offline attack on it: never shown.
const VERIFIER = /SCRAM-SHA-256\$[^'\s]*/g;

const REDACTED = '[redacted]';

/**
 * Replaces the given secrets, and any SCRAM verifier, in a message with `[redacted]`.
 * PostgreSQL's messages do not quote statements (a syntax error gives a position), so
 * nothing is cut short. Empty secrets are ignored.
 *
 * @example
 * scrubSecrets(error.message, [password]);
 */
export function scrubSecrets(message: string, secrets: readonly string[]): string {
  let out = message.replace(VERIFIER, REDACTED);
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join(REDACTED);
  }
  return out;
}
