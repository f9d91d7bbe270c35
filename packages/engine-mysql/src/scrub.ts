/*
 * Messages that may reach a log or a report: a driver's error text, a server's error. A
 * MySQL or MariaDB server quotes the statement it failed on, so a password appears there as
 * quote.ts wrote it, and perhaps cut short.
 */
import { quoteString } from './quote.js';

const REDACTED = '[redacted]';

// A cut-off quote shorter than this is not taken for the start of a secret.
const MIN_PREFIX = 4;

// A syntax error quotes the statement from the error position on: that part is dropped.
const NEAR_TAIL = / near '[\s\S]*$/;

/** The secret as written and as quoted in SQL (quotes doubled, backslashes doubled, or both), longest first. */
function writtenForms(secret: string): string[] {
  const quoted = (noBackslashEscapes: boolean) =>
    quoteString(secret, noBackslashEscapes).slice(1, -1);
  const forms = new Set([quoted(false), quoted(true), secret.replaceAll('\\', '\\\\'), secret]);
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Cuts a quote that starts with the beginning of `form` (at least MIN_PREFIX characters of it). */
function redactTruncatedQuotes(message: string, form: string): string {
  let out = message;
  for (let length = form.length - 1; length >= Math.min(MIN_PREFIX, form.length); length--) {
    out = out.split(`'${form.slice(0, length)}`).join(`'${REDACTED}`);
  }
  return out;
}

/**
 * Replaces every form of the given secrets in a server message with `[redacted]`: as
 * written, and as quoted in SQL (quotes doubled, backslashes doubled, or both). A quote that
 * starts with the beginning of a secret is cut there too, because servers truncate what they
 * quote (a syntax error shows 80 characters, in the server's language, so ` near '` is not
 * enough). The ` near '...` tail of an English syntax error becomes `near [statement redacted]`.
 * Empty secrets are ignored.
 *
 * @example
 * scrubSecrets(error.message, [password]);
 */
export function scrubSecrets(message: string, secrets: readonly string[]): string {
  let out = message.replace(NEAR_TAIL, ' near [statement redacted]');
  for (const secret of secrets) {
    if (!secret) continue;
    const forms = writtenForms(secret);
    for (const form of forms) out = out.split(form).join(REDACTED);
    for (const form of forms) out = redactTruncatedQuotes(out, form);
  }
  return out;
}
