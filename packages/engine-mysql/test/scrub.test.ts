import { describe, expect, it } from 'vitest';
import { quoteString, scrubSecrets } from '../src/index.js';

describe('scrubSecrets', () => {
  it('redacts every occurrence of each secret as written', () => {
    const text = 'password s3cret! rejected; s3cret! again, and hunter2';
    expect(scrubSecrets(text, ['s3cret!', 'hunter2'])).toBe(
      'password [redacted] rejected; [redacted] again, and [redacted]',
    );
  });

  it('redacts a secret with its quotes doubled', () => {
    expect(scrubSecrets("bad 'it''s' here", ["it's"])).toBe("bad '[redacted]' here");
  });

  it.each([
    [false, 'backslashes escape'],
    [true, 'NO_BACKSLASH_ESCAPES'],
  ])('redacts a secret as quoteString writes it (noBackslashEscapes %s: %s)', (mode) => {
    const password = "it's\\x";
    const out = scrubSecrets(`bad ${quoteString(password, mode)} here`, [password]);
    expect(out).toBe("bad '[redacted]' here");
  });

  it('redacts a secret with only its backslashes doubled', () => {
    expect(scrubSecrets('bad a\\\\b here', ['a\\b'])).toBe('bad [redacted] here');
  });

  it('drops the statement an English syntax error quotes after "near"', () => {
    const message = "You have an error in your SQL syntax near 'IDENTIFIED BY 'x' at line 1";
    expect(scrubSecrets(message, [])).toBe(
      'You have an error in your SQL syntax near [statement redacted]',
    );
  });

  it('cuts a quote that starts with the beginning of a secret (localized, truncated)', () => {
    const password = 'Abcdefgh1234567890';
    // A German server says "bei" where an English one says "near", and cuts the quote.
    const message = `Fehler in der SQL-Syntax bei 'IDENTIFIED BY '${password.slice(0, 9)}' in Zeile 1`;
    const out = scrubSecrets(message, [password]);
    expect(out).toBe("Fehler in der SQL-Syntax bei 'IDENTIFIED BY '[redacted]' in Zeile 1");
    expect(out).not.toContain(password.slice(0, 4));
  });

  it('leaves a quote sharing fewer than four leading characters with a secret', () => {
    expect(scrubSecrets("user 'Abc' unknown", ['Abcdefgh'])).toBe("user 'Abc' unknown");
  });

  it('leaves a message without secrets as it is, and ignores an empty secret', () => {
    const text = "Access denied for user 'app'@'10.0.0.1' (using password: YES)";
    expect(scrubSecrets(text, [''])).toBe(text);
    expect(scrubSecrets(text, ['not there'])).toBe(text);
  });

  it('treats a secret as text, not as a pattern', () => {
    expect(scrubSecrets('a.b a+b', ['a+b'])).toBe('a.b [redacted]');
    expect(scrubSecrets('$& and $1', ['$&'])).toBe('[redacted] and $1');
  });
});
