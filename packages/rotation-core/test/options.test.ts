import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { mysql } from '../src/database/mysql/driver.js';
import { InvalidOptionError } from '../src/errors.js';
import { fromEnvironment, type RotationHandlerOptions, resolveOptions } from '../src/options.js';

describe('fromEnvironment', () => {
  it('has the templates defaults', () => {
    expect(fromEnvironment({})).toEqual({
      secretsManagerEndpoint: undefined,
      password: {
        length: 32,
        excludeCharacters: '/@"\'\\',
        excludeNumbers: false,
        excludePunctuation: false,
        excludeUppercase: false,
        excludeLowercase: false,
        includeSpace: false,
        requireEachIncludedType: true,
      },
      usernameCharacterLimit: undefined,
      tls: { strict: false, ca: undefined },
      logLevel: 'INFO',
    });
  });

  it('reads every template variable; booleans are true/1/y/yes in any case', () => {
    const settings = fromEnvironment({
      SECRETS_MANAGER_ENDPOINT: 'https://vpce-1.secretsmanager.eu-west-1.vpce.amazonaws.com',
      EXCLUDE_CHARACTERS: ':;',
      PASSWORD_LENGTH: '40',
      EXCLUDE_NUMBERS: 'YES',
      EXCLUDE_PUNCTUATION: '1',
      EXCLUDE_UPPERCASE: 'y',
      EXCLUDE_LOWERCASE: 'False',
      REQUIRE_EACH_INCLUDED_TYPE: 'no',
      USERNAME_CHARACTER_LIMIT: '32',
      ROTAKIT_STRICT_TLS: 'true',
      POWERTOOLS_LOG_LEVEL: 'warning',
    });
    expect(settings).toMatchObject({
      secretsManagerEndpoint: 'https://vpce-1.secretsmanager.eu-west-1.vpce.amazonaws.com',
      password: {
        length: 40,
        excludeCharacters: ':;',
        excludeNumbers: true,
        excludePunctuation: true,
        excludeUppercase: true,
        excludeLowercase: false,
        requireEachIncludedType: false,
      },
      usernameCharacterLimit: 32,
      tls: { strict: true },
      logLevel: 'WARN',
    });
  });

  it.each([
    ['PASSWORD_LENGTH', 'abc'],
    ['PASSWORD_LENGTH', '0'],
    ['EXCLUDE_NUMBERS', 'maybe'],
    ['USERNAME_CHARACTER_LIMIT', '-1'],
    ['SECRETS_MANAGER_ENDPOINT', 'secretsmanager.local'],
  ])('names %s when it is invalid', (name, value) => {
    expect(() => fromEnvironment({ [name]: value })).toThrow(InvalidOptionError);
    expect(() => fromEnvironment({ [name]: value })).toThrow(name);
  });
});

describe('resolveOptions', () => {
  const base = { strategy: 'single-user', database: mysql(), env: {} } as const;

  it('refuses client and clientConfig together', () => {
    const options = {
      ...base,
      client: new SecretsManagerClient({ region: 'us-east-1' }),
      clientConfig: { region: 'us-east-1' },
    } as unknown as RotationHandlerOptions;
    expect(() => resolveOptions(options)).toThrow(/either client or clientConfig/);
  });

  it('uses SECRETS_MANAGER_ENDPOINT for the client it creates', async () => {
    const resolved = resolveOptions({
      ...base,
      clientConfig: { region: 'us-east-1' },
      env: { SECRETS_MANAGER_ENDPOINT: 'http://127.0.0.1:1' },
    });
    const endpoint = await resolved.client.config.endpoint?.();
    expect(endpoint?.hostname).toBe('127.0.0.1');
    expect(await resolved.client.config.maxAttempts()).toBe(1);
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it.each([
    [{ strategy: 'both' }, 'strategy'],
    [{ database: {} }, 'database'],
    [{ password: { length: 0 } }, 'password.length'],
    [{ usernameCharacterLimit: 0 }, 'usernameCharacterLimit'],
    [{ timeouts: { connectTimeoutMs: -5 } }, 'timeouts.connectTimeoutMs'],
    [{ retry: { retries: 100 } }, 'retry.retries'],
    [{ tls: { ca: '/no/such/file.pem' } }, 'tls.ca'],
  ])('names the option: %o', (override, option) => {
    const error = (() => {
      try {
        resolveOptions({ ...base, ...override } as unknown as RotationHandlerOptions);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
  });

  it('reads a CA bundle from PEM text or a file', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const file = join(tmpdir(), `rotakit-ca-${process.pid}.pem`);
    writeFileSync(file, pem);
    try {
      expect(resolveOptions({ ...base, tls: { ca: pem } }).tls.ca).toBe(pem);
      expect(resolveOptions({ ...base, tls: { ca: file } }).tls.ca).toBe(pem);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
