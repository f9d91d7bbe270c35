import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretFormatError } from '../src/secret/errors.js';
import { parseRdsSecret, readSslFlag } from '../src/secret/parse.js';

const PASSWORD = 'hunter2-very-secret';
const valid = {
  engine: 'mysql',
  host: 'db.example.internal',
  port: 3306,
  username: 'app',
  password: PASSWORD,
  dbname: 'orders',
  ssl: 'TRUE',
  masterarn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:master',
  dbClusterIdentifier: 'orders-cluster',
  extra: 'kept',
};

function failure(input: unknown, options?: Parameters<typeof parseRdsSecret>[1]) {
  try {
    parseRdsSecret(input, options);
  } catch (error) {
    return error as SecretFormatError;
  }
  throw new Error('expected a SecretFormatError');
}

describe('parseRdsSecret', () => {
  it('reads the typed fields from a SecretString and keeps every key', () => {
    const secret = parseRdsSecret(JSON.stringify(valid));
    expect(secret).toMatchObject({
      engine: 'mysql',
      host: 'db.example.internal',
      port: 3306,
      username: 'app',
      dbname: 'orders',
      ssl: 'TRUE',
      masterarn: valid.masterarn,
      dbClusterIdentifier: 'orders-cluster',
      dbInstanceIdentifier: undefined,
    });
    expect(secret.password).toBe(PASSWORD);
    expect(secret.keys()).toEqual(Object.keys(valid));
    expect(secret.record().extra).toBe('kept');
  });

  it('reads an object as well as a string, and a numeric string port', () => {
    expect(parseRdsSecret({ ...valid, port: ' 3307 ' }).port).toBe(3307);
  });

  it('reads empty strings and null as absent', () => {
    const secret = parseRdsSecret({ host: '', port: '', dbname: null, ssl: null });
    expect(secret).toMatchObject({ host: undefined, port: undefined, dbname: undefined });
    expect(secret.ssl).toBeUndefined();
  });

  it('never shows the password in inspect, JSON, spreading or String()', () => {
    const secret = parseRdsSecret(JSON.stringify(valid));
    const shown = [
      inspect(secret, { depth: 5 }),
      JSON.stringify(secret),
      JSON.stringify({ ...secret }),
      String(secret),
    ];
    for (const text of shown) expect(text).not.toContain(PASSWORD);
    expect(JSON.parse(JSON.stringify(secret))).toMatchObject({
      password: '[redacted]',
      otherKeys: ['extra'],
    });
  });

  it.each([
    ['not JSON', '{"password":"hunter2-very-secret",', 'SecretString', /not valid JSON/],
    ['an array', '[1]', 'SecretString', /not a JSON object/],
    ['no value', undefined, 'SecretString', /missing/],
    [
      'a numeric username',
      { ...valid, username: 42 },
      'username',
      /must be a string \(got a number\)/,
    ],
    ['an object host', { ...valid, host: {} }, 'host', /got an object/],
    ['a bad port', { ...valid, port: 'x' }, 'port', /integer from 1 to 65535/],
    ['port 0', { ...valid, port: 0 }, 'port', /integer from 1 to 65535/],
    ['port 65536', { ...valid, port: 65_536 }, 'port', /integer from 1 to 65535/],
    ['a fractional port', { ...valid, port: 3306.5 }, 'port', /integer/],
    [
      'an oversized value',
      JSON.stringify({ ...valid, pad: 'x'.repeat(70_000) }),
      'SecretString',
      /65536-byte/,
    ],
  ])('rejects %s, naming the field and never the value', (_name, input, field, message) => {
    const error = failure(input);
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error.name).toBe('SecretFormatError');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(inspect(error, { depth: 5 })).not.toContain(PASSWORD);
  });

  it('requires the fields asked for: missing key and empty value are told apart', () => {
    const { password: _password, ...noPassword } = valid;
    expect(failure(noPassword, { require: ['password'] }).message).toBe(
      'The secret: password key is missing from the secret JSON',
    );
    expect(failure({ ...valid, host: '' }, { require: ['host'] }).problem).toBe(
      'must be a non-empty string',
    );
    expect(failure({ ...valid, port: undefined }, { require: ['port'] }).field).toBe('port');
    expect(failure({ ...valid, ssl: undefined }, { require: ['ssl'] }).field).toBe('ssl');
  });

  it('starts messages with the label and carries the context', () => {
    const error = failure('[]', {
      label: 'The AWSPENDING secret',
      context: { source: 'AWSPENDING', secretId: 'app-db', versionId: 'v2', step: 'setSecret' },
    });
    expect(error.message).toBe('The AWSPENDING secret: SecretString is not a JSON object');
    expect(error).toMatchObject({
      source: 'AWSPENDING',
      secretId: 'app-db',
      versionId: 'v2',
      step: 'setSecret',
      problem: 'is not a JSON object',
    });
  });
});

describe('readSslFlag', () => {
  const fail = (field: string, problem: string): never => {
    throw new SecretFormatError(`${field} ${problem}`, { field, problem });
  };

  it('reads booleans and the strings "true"/"false" in any case; absent is undefined', () => {
    expect(readSslFlag(true, fail)).toBe(true);
    expect(readSslFlag(' False ', fail)).toBe(false);
    expect(readSslFlag('TRUE', fail)).toBe(true);
    expect(readSslFlag(undefined, fail)).toBeUndefined();
    expect(readSslFlag(null, fail)).toBeUndefined();
  });

  it('rejects anything else through fail', () => {
    expect(() => readSslFlag('maybe', fail)).toThrow(/true or false/);
    expect(() => readSslFlag(1, fail)).toThrow(SecretFormatError);
  });
});
