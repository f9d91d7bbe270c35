import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PostgresInputError } from '../src/errors.js';
import { scramSha256Verifier } from '../src/scram.js';

const VERIFIER = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/;

function parts(verifier: string) {
  const match = VERIFIER.exec(verifier);
  if (!match) throw new Error('not a SCRAM-SHA-256 verifier');
  const [, iterations, salt, storedKey, serverKey] = match as unknown as string[];
  const bytes = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64');
  return {
    iterations: Number(iterations),
    salt: bytes(salt),
    storedKey: bytes(storedKey),
    serverKey: bytes(serverKey),
  };
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

// RFC 7677 section 3: user "user", password "pencil", the exchange as published.
const RFC7677 = {
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  clientFirstBare: 'n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst:
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinalWithoutProof: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  proof: 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverSignature: '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

describe('scramSha256Verifier against RFC 7677', () => {
  const verifier = scramSha256Verifier('pencil', {
    iterations: 4096,
    salt: Buffer.from(RFC7677.salt, 'base64'),
  });
  const { storedKey, serverKey } = parts(verifier);
  const authMessage = [
    RFC7677.clientFirstBare,
    RFC7677.serverFirst,
    RFC7677.clientFinalWithoutProof,
  ].join(',');

  it('has a ServerKey that signs the exchange as the RFC server did', () => {
    expect(hmac(serverKey, authMessage).toString('base64')).toBe(RFC7677.serverSignature);
  });

  it("has a StoredKey that accepts the RFC client's proof", () => {
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.from(RFC7677.proof, 'base64');
    const clientKey = Buffer.from(proof.map((byte, i) => byte ^ (signature[i] ?? 0)));
    expect(createHash('sha256').update(clientKey).digest().equals(storedKey)).toBe(true);
  });

  it("is written in PostgreSQL's rolpassword form", () => {
    expect(verifier).toMatch(
      new RegExp(`^SCRAM-SHA-256\\$4096:${RFC7677.salt.replaceAll('+', '\\+')}\\$`),
    );
    expect(storedKey).toHaveLength(32);
    expect(serverKey).toHaveLength(32);
  });
});

describe('scramSha256Verifier defaults and options', () => {
  it('uses 4096 iterations and a fresh 16-byte salt each time', () => {
    const first = parts(scramSha256Verifier('pencil'));
    const second = parts(scramSha256Verifier('pencil'));
    expect(first.iterations).toBe(4096);
    expect(first.salt).toHaveLength(16);
    expect(first.salt.equals(second.salt)).toBe(false);
    expect(first.storedKey.equals(second.storedKey)).toBe(false);
  });

  it('takes other iteration counts and refuses impossible ones', () => {
    expect(parts(scramSha256Verifier('pencil', { iterations: 10_000 })).iterations).toBe(10_000);
    for (const iterations of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
      expect(() => scramSha256Verifier('pencil', { iterations })).toThrow(PostgresInputError);
    }
    expect(() => scramSha256Verifier('pencil', { salt: new Uint8Array() })).toThrow(
      /salt must not be empty/,
    );
  });

  it('hashes any ASCII as it is, and non-ASCII that SASLprep keeps', () => {
    const salt = Buffer.alloc(16, 7);
    expect(() => scramSha256Verifier('p\u00e4ssw\u00f6rd \u{1F511}', { salt })).not.toThrow();
    expect(() => scramSha256Verifier("tab\there 'quote' \\back", { salt })).not.toThrow();
  });
});

describe('passwords it refuses, naming the problem and never the password', () => {
  it.each([
    ['', 'is empty'],
    ['hunter2\0', 'contains a NUL character'],
    ['hunter2\uD800', 'contains a lone UTF-16 surrogate'],
    ['hunter2\u00A0x', 'SASLprep would change'], // no-break space: mapped to a space
    ['hunter2\u00ADx', 'SASLprep would change'], // soft hyphen: mapped to nothing
    ['hunter2\uFB01x', 'SASLprep would change'], // the "fi" ligature: NFKC gives "fi"
    ['hunter2e\u0301', 'SASLprep would change'], // e + combining acute: NFKC composes it
  ])('%j: the password %s', (password, problem) => {
    try {
      scramSha256Verifier(password);
      expect.unreachable('expected a PostgresInputError');
    } catch (error) {
      expect(error).toBeInstanceOf(PostgresInputError);
      const refused = error as PostgresInputError;
      expect(refused.input).toBe('password');
      expect(refused.problem).toContain(problem);
      if (password) expect(refused.message).not.toContain('hunter2');
    }
  });
});
