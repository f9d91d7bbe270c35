import { UnsafeIdentifierError } from '../../errors.js';

// Quoting itself is @rotakit/engine-mysql's (quote.ts); these are rotation-core's limits on
// what it agrees to quote.

// Characters that have no business in an account name and that some layers mishandle.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Refuses values that cannot be quoted safely. */
export function assertSafeName(what: string, value: string, maxLength = 255): void {
  if (value.length === 0) throw UnsafeIdentifierError.of(what, 'it is empty');
  if (CONTROL.test(value)) {
    throw UnsafeIdentifierError.of(what, 'it contains a control character (NUL, newline, ...)');
  }
  if (value.length > maxLength) {
    throw UnsafeIdentifierError.of(what, `it is longer than ${maxLength} characters`);
  }
}

/** Refuses passwords that cannot travel in a string literal. Never mentions the value. */
export function assertSafePassword(value: string): void {
  if (value.length === 0) throw UnsafeIdentifierError.of('password', 'it is empty');
  if (value.includes('\u0000')) {
    throw UnsafeIdentifierError.of('password', 'it contains a NUL character');
  }
}
