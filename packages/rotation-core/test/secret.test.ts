import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretFormatError } from '../src/errors.js';
import { parseSecret } from '../src/secret.js';

const engines = ['mysql', 'aurora-mysql'];
const valid = {
  engine: 'mysql',
  host: 'db.example.invalid',
  username: 'app',
  password: 'hunter2-very-secret',
  port: '3307',
  ssl: 'TRUE',
  custom: { nested: [1, 2] },
};

describe('parseSecret', () => {
  it('parses, keeps unknown keys, and hides the password', () => {
    const secret = parseSecret(JSON.stringify(valid), { source: 'AWSCURRENT', engines });
    expect(secret).toMatchObject({ engine: 'mysql', port: 3307, ssl: true, username: 'app' });
    expect(secret.password).toBe(valid.password);
    const next = secret.with({ password: 'next-secret-value', username: 'app_clone' });
    expect(JSON.parse(next.toSecretString())).toEqual({
      ...valid,
      username: 'app_clone',
      password: 'next-secret-value',
    });
    for (const shown of [
      inspect(secret),
      JSON.stringify(secret),
      String(secret),
      JSON.stringify({ ...secret }),
    ]) {
      expect(shown).not.toContain(valid.password);
    }
  });

  it.each([
    ['not JSON', '{nope', 'SecretString', /not valid JSON/],
    ['an array', '[1]', 'SecretString', /not a JSON object/],
    ['no host', JSON.stringify({ ...valid, host: undefined }), 'host', /missing/],
    ['an empty password', JSON.stringify({ ...valid, password: '' }), 'password', /non-empty/],
    ['a numeric username', JSON.stringify({ ...valid, username: 42 }), 'username', /string/],
    ['a wrong engine', JSON.stringify({ ...valid, engine: 'postgres' }), 'engine', /"postgres"/],
    ['a bad port', JSON.stringify({ ...valid, port: 'x' }), 'port', /integer/],
    ['a bad ssl', JSON.stringify({ ...valid, ssl: 'maybe' }), 'ssl', /true or false/],
    [
      'an oversized value',
      JSON.stringify({ ...valid, pad: 'x'.repeat(70_000) }),
      'SecretString',
      /65536-byte/,
    ],
  ])('rejects %s with a SecretFormatError naming the field', (_name, text, field, message) => {
    const error = (() => {
      try {
        parseSecret(text, { source: 'AWSPENDING', engines });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SecretFormatError);
    expect((error as SecretFormatError).field).toBe(field);
    expect((error as SecretFormatError).source).toBe('AWSPENDING');
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(valid.password);
  });

  it('does not echo the JSON in a parse error', () => {
    try {
      parseSecret('{"password":"hunter2-very-secret",', { source: 'AWSCURRENT' });
    } catch (error) {
      expect(inspect(error, { depth: 5 })).not.toContain('hunter2');
      return;
    }
    throw new Error('expected a SecretFormatError');
  });

  it('requires masterarn when asked, and accepts a master secret without host or engine', () => {
    expect(() =>
      parseSecret(JSON.stringify(valid), { source: 'AWSCURRENT', requireMasterArn: true }),
    ).toThrow(/masterarn key is missing/);
    const master = parseSecret(JSON.stringify({ username: 'admin', password: 'x' }), {
      source: 'master',
      requireEngine: false,
      requireHost: false,
      engines,
    });
    expect(master.host).toBe('');
  });

  it('rejects a binary secret', () => {
    expect(() => parseSecret(undefined, { source: 'AWSCURRENT' })).toThrow(/binary secrets/);
  });
});
