import { describe, expect, it } from 'vitest';
import { scramSha256Verifier, scrubSecrets } from '../src/index.js';

describe('scrubSecrets', () => {
  it('redacts every occurrence of each secret', () => {
    const text = 'password s3cret! rejected; s3cret! again, and hunter2';
    expect(scrubSecrets(text, ['s3cret!', 'hunter2'])).toBe(
      'password [redacted] rejected; [redacted] again, and [redacted]',
    );
  });

  it('redacts SCRAM verifiers, quoted or not, without being told them', () => {
    const text =
      "bad 'SCRAM-SHA-256$4096:c2FsdA==$a2V5:c2Vy' and SCRAM-SHA-256$1:eA==$eQ==:eg== here";
    expect(scrubSecrets(text, [])).toBe("bad '[redacted]' and [redacted] here");
  });

  it('redacts a verifier this package made', () => {
    const verifier = scramSha256Verifier('correct horse');
    const out = scrubSecrets(`ALTER ROLE app PASSWORD '${verifier}' failed`, []);
    expect(out).toBe("ALTER ROLE app PASSWORD '[redacted]' failed");
    expect(out).not.toContain(verifier.split('$')[2]);
  });

  it('leaves a message without secrets as it is, and ignores an empty secret', () => {
    const text = 'password authentication failed for user "app"';
    expect(scrubSecrets(text, [''])).toBe(text);
    expect(scrubSecrets(text, ['not there'])).toBe(text);
  });

  it('treats a secret as text, not as a pattern', () => {
    expect(scrubSecrets('a.b a+b', ['a+b'])).toBe('a.b [redacted]');
    expect(scrubSecrets('$& and $1', ['$&'])).toBe('[redacted] and $1');
  });
});
