import {
  GetRandomPasswordCommand,
  InvalidParameterException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SecretsManagerLocal, startSecretsManager } from '../src/index.js';
import { caught } from './helpers.js';

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm.close());

async function password(input: ConstructorParameters<typeof GetRandomPasswordCommand>[0] = {}) {
  const res = await client.send(new GetRandomPasswordCommand(input));
  return res.RandomPassword!;
}

describe('GetRandomPassword', () => {
  test('defaults to 32 characters with every type and no space', async () => {
    for (let i = 0; i < 50; i++) {
      const pw = await password();
      expect(pw).toHaveLength(32);
      expect(pw).toMatch(/[a-z]/);
      expect(pw).toMatch(/[A-Z]/);
      expect(pw).toMatch(/[0-9]/);
      expect([...pw].some((c) => PUNCTUATION.includes(c))).toBe(true);
      expect(pw).not.toContain(' ');
    }
  });

  test('draws punctuation from exactly the documented set', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const pw = await password({
        PasswordLength: 200,
        ExcludeLowercase: true,
        ExcludeUppercase: true,
        ExcludeNumbers: true,
      });
      for (const c of pw) seen.add(c);
    }
    expect([...seen].sort().join('')).toBe([...PUNCTUATION].sort().join(''));
  });

  test('honours every Exclude option and ExcludeCharacters', async () => {
    const pw = await password({
      PasswordLength: 500,
      ExcludePunctuation: true,
      ExcludeUppercase: true,
      ExcludeCharacters: 'abc0123',
    });
    expect(pw).toMatch(/^[d-z4-9]{500}$/);
    expect(
      await password({
        PasswordLength: 100,
        ExcludeLowercase: true,
        ExcludePunctuation: true,
        ExcludeNumbers: true,
      }),
    ).toMatch(/^[A-Z]{100}$/);
  });

  test('IncludeSpace adds the space character', async () => {
    const pw = await password({ PasswordLength: 1000, IncludeSpace: true });
    expect(pw).toContain(' ');
  });

  test('RequireEachIncludedType puts each type in even the shortest password', async () => {
    for (let i = 0; i < 200; i++) {
      const pw = await password({ PasswordLength: 4 });
      expect(pw).toMatch(/[a-z]/);
      expect(pw).toMatch(/[A-Z]/);
      expect(pw).toMatch(/[0-9]/);
    }
    const short = await caught(() => password({ PasswordLength: 3 }));
    expect(short).toBeInstanceOf(InvalidParameterException);
    expect(await password({ PasswordLength: 3, RequireEachIncludedType: false })).toHaveLength(3);
  });

  test('excluding everything is InvalidParameterException', async () => {
    const error = await caught(() =>
      password({
        ExcludeLowercase: true,
        ExcludeUppercase: true,
        ExcludeNumbers: true,
        ExcludePunctuation: true,
      }),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
  });

  test('PasswordLength outside 1-4096 fails validation; 4096 works', async () => {
    for (const length of [0, 4097]) {
      const error = await caught(() => password({ PasswordLength: length }));
      expect(error.name).toBe('ValidationException');
    }
    expect(await password({ PasswordLength: 4096 })).toHaveLength(4096);
  });

  test('two passwords differ', async () => {
    expect(await password()).not.toBe(await password());
  });
});
