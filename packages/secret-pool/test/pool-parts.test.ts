import { inspect } from 'node:util';
import { MYSQL_DEFAULT_PORT } from '@rotakit/engine-mysql';
import { describe, expect, it, vi } from 'vitest';
import { SecretValue } from '../src/cache/secret-value.js';
import {
  AccountLockedError,
  createPool,
  DatabaseAccessDeniedError,
  HostNotAllowedError,
  InvalidOptionError,
  PasswordExpiredError,
  SecretFormatError,
  TerminalConnectionError,
  UnknownDatabaseError,
  UnsupportedDriverError,
} from '../src/index.js';
import { classifyConnectError, terminalError } from '../src/pool/auth-errors.js';
import { credentialsFromSecret } from '../src/pool/credentials.js';
import { LoginGuard, type LoginOutcome } from '../src/pool/login-guard.js';
import { checkInternals } from '../src/pool/mysql2-internals.js';

const driverError = (errno: number, sqlState = 'HY000', code = 'ER_X') =>
  Object.assign(new Error('message text is never read'), { errno, sqlState, code });

function secret(json: unknown): SecretValue {
  return new SecretValue({
    arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db',
    name: 'db',
    versionId: 'v1',
    versionStages: ['AWSCURRENT'],
    fetchedAt: Date.now(),
    secretString: typeof json === 'string' ? json : JSON.stringify(json),
  });
}

describe('classifyConnectError', () => {
  it.each([
    [1045, '28000', 'auth'],
    [1698, '28000', 'auth'],
    [9999, '28000', 'auth'],
    [3118, 'HY000', 'terminal'],
    [3955, 'HY000', 'terminal'],
    [4150, 'HY000', 'terminal'],
    [4151, 'HY000', 'terminal'],
    [1862, 'HY000', 'terminal'],
    [1044, '42000', 'terminal'],
    [1130, 'HY000', 'terminal'],
    [1049, '42000', 'terminal'],
    [1040, '08004', 'busy'],
    [1203, '42000', 'busy'],
    [1226, '42000', 'busy'],
    [1129, 'HY000', 'terminal'],
    [2003, 'HY000', 'other'],
  ])('errno %i / %s is %s', (errno, sqlState, kind) => {
    expect(classifyConnectError(driverError(errno, sqlState))).toBe(kind);
  });

  it('ignores the message text', () => {
    expect(classifyConnectError(new Error("Access denied for user 'x'"))).toBe('other');
    expect(classifyConnectError(Object.assign(new Error(), { code: 'ECONNREFUSED' }))).toBe(
      'other',
    );
  });

  it('maps terminal errnos to typed errors with the driver context', () => {
    const cases = [
      [3955, AccountLockedError],
      [1862, PasswordExpiredError],
      [1044, DatabaseAccessDeniedError],
      [1130, HostNotAllowedError],
      [1049, UnknownDatabaseError],
    ] as const;
    for (const [errno, type] of cases) {
      const cause = driverError(errno);
      const error = terminalError(cause, 'db');
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ errno, secretId: 'db', cause });
      expect(error.name).toBe(type.name);
    }
  });
});

describe('host blocked (1129)', () => {
  it('is a terminal TerminalConnectionError that says to run FLUSH HOSTS', () => {
    const cause = driverError(1129);
    const error = terminalError(cause, 'db');
    expect(error.constructor).toBe(TerminalConnectionError);
    expect(error).toMatchObject({ errno: 1129, reason: 'host-blocked', secretId: 'db', cause });
    expect(error.message).toMatch(/FLUSH HOSTS/);
  });
});

describe('LoginGuard', () => {
  const account = 'app@db:3306';

  /** Starts a login with `password` and ends it with `outcome`. */
  function login(guard: LoginGuard, password: string, outcome: LoginOutcome, who = account) {
    expect(guard.verdict(who, password)).toBe('allowed');
    guard.started(who);
    guard.ended(who, password, outcome);
  }

  it('never lets the same password fail twice, and stops every login at maxFailures', () => {
    const guard = new LoginGuard(3);
    login(guard, 'old', 'refused');
    expect(guard.verdict(account, 'old')).toBe('password-refused');
    login(guard, 'typo', 'refused');
    expect(guard.failures(account)).toBe(2);
    login(guard, 'also-wrong', 'refused');
    expect(guard.failures(account)).toBe(3);
    // At the limit even a password never tried is held back: the server's count is at 3 too.
    expect(guard.verdict(account, 'never-tried')).toBe('limit');
    expect(guard.verdict(account, 'old')).toBe('limit');
  });

  it('has no window: failures are not forgotten with time', () => {
    vi.useFakeTimers();
    try {
      const guard = new LoginGuard(2);
      login(guard, 'a', 'refused');
      login(guard, 'b', 'refused');
      vi.advanceTimersByTime(24 * 3_600_000);
      expect(guard.verdict(account, 'c')).toBe('limit');
      expect(guard.failures(account)).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('resets on a successful login of the account, like the server counters', () => {
    const guard = new LoginGuard(2);
    login(guard, 'old', 'refused');
    login(guard, 'new', 'success');
    expect(guard.failures(account)).toBe(0);
    // The reset also forgets refused passwords: the server may have been changed back.
    expect(guard.verdict(account, 'old')).toBe('allowed');
  });

  it('counts per account: another user or server has its own count', () => {
    const guard = new LoginGuard(1);
    login(guard, 'pw', 'refused');
    expect(guard.verdict(account, 'other')).toBe('limit');
    expect(guard.verdict('app@replica:3306', 'pw')).toBe('allowed');
    expect(guard.verdict('app2@db:3306', 'pw')).toBe('allowed');
  });

  it('reserves the budget for logins in flight: they wait instead of overrunning it', () => {
    const guard = new LoginGuard(3);
    login(guard, 'a', 'refused');
    guard.started(account);
    guard.started(account);
    expect(guard.verdict(account, 'b')).toBe('wait');
    guard.ended(account, 'c', 'no-verdict');
    expect(guard.failures(account)).toBe(1);
    expect(guard.verdict(account, 'b')).toBe('allowed');
    guard.ended(account, 'd', 'refused');
    expect(guard.failures(account)).toBe(2);
    expect(guard.verdict(account, 'd')).toBe('password-refused');
    expect(guard.verdict(account, 'b')).toBe('allowed');
  });
});

describe('credentialsFromSecret', () => {
  const rds = {
    engine: 'mysql',
    host: 'db.example',
    port: 3307,
    username: 'app',
    password: 's3cret-value',
    dbname: 'shop',
  };

  it('reads the RDS format', () => {
    const c = credentialsFromSecret(secret(rds), {}, MYSQL_DEFAULT_PORT);
    expect(c).toMatchObject({ user: 'app', host: 'db.example', port: 3307, database: 'shop' });
    expect(c.password).toBe('s3cret-value');
    expect(c.identity).toBe('app@db.example:3307/shop');
    expect(inspect(c)).not.toContain('s3cret-value');
    expect(JSON.stringify(c)).not.toContain('s3cret-value');
  });

  it('lets explicit options win and accepts a port given as a string', () => {
    const c = credentialsFromSecret(
      secret({ ...rds, port: '3308' }),
      { host: '127.0.0.1', database: 'other' },
      MYSQL_DEFAULT_PORT,
    );
    expect(c).toMatchObject({ host: '127.0.0.1', port: 3308, database: 'other' });
  });

  it.each([
    [{ ...rds, password: undefined }, 'password'],
    [{ ...rds, username: undefined }, 'username'],
    [{ ...rds, host: undefined }, 'host'],
    [{ ...rds, port: 'eighty' }, 'port'],
    [{ ...rds, username: 42 }, 'username'],
  ])('names the bad field (%#)', (json, field) => {
    const error = (() => {
      try {
        credentialsFromSecret(secret(json), {}, MYSQL_DEFAULT_PORT);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error).toMatchObject({ field });
    expect(String((error as Error).message)).not.toContain('s3cret-value');
  });

  it('does not leak the SecretString when it is not JSON', () => {
    const error = (() => {
      try {
        credentialsFromSecret(secret('password=s3cret-value'), {}, MYSQL_DEFAULT_PORT);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(inspect(error)).not.toContain('s3cret-value');
  });
});

describe("credentialsFromSecret: the secret's ssl key", () => {
  const rds = { host: 'db.example', username: 'app', password: 's3cret-value' };

  it.each([
    [true, true],
    ['true', true],
    [' TRUE ', true],
    [false, false],
    ['False', false],
    [null, false],
    [undefined, false],
  ])('"ssl": %j requires TLS: %s', (ssl, tls) => {
    const c = credentialsFromSecret(secret({ ...rds, ssl }), {}, MYSQL_DEFAULT_PORT);
    expect(c.tls).toBe(tls);
    expect(c.identity).toBe(`app@db.example:3306/${tls ? ' (TLS)' : ''}`);
  });

  it("lets the caller's ssl option win, whatever the secret says", () => {
    const explicit = { ssl: { ca: 'my CA' } };
    expect(
      credentialsFromSecret(secret({ ...rds, ssl: true }), explicit, MYSQL_DEFAULT_PORT).tls,
    ).toBe(false);
    expect(
      credentialsFromSecret(secret({ ...rds, ssl: 'not a boolean' }), explicit, MYSQL_DEFAULT_PORT)
        .tls,
    ).toBe(false);
  });

  it.each([['yes'], [1], [{}]])('refuses "ssl": %j, naming the field', (ssl) => {
    const error = (() => {
      try {
        credentialsFromSecret(secret({ ...rds, ssl }), {}, MYSQL_DEFAULT_PORT);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error).toMatchObject({ field: 'ssl' });
    expect(String((error as Error).message)).toMatch(/"ssl" must be true or false/);
    expect(String((error as Error).message)).not.toContain('s3cret-value');
  });
});

describe('checkInternals', () => {
  it('names the mysql2 internal that is missing', () => {
    const fake = {
      config: { connectionConfig: {}, connectionLimit: 1 },
      _allConnections: { length: 0, get: () => undefined },
      _connectionQueue: { length: 0 },
      getConnection() {},
      releaseConnection() {},
    };
    expect(() => checkInternals(fake as never)).toThrow(UnsupportedDriverError);
    expect(() => checkInternals(fake as never)).toThrow(/_freeConnections/);
  });
});

describe('createPool options', () => {
  const client = { send: () => Promise.reject(new Error('not called')) };

  it('validates and names the option at fault', () => {
    expect(() => createPool({ secretId: '', client })).toThrow(/`secretId`/);
    expect(() =>
      createPool({ secretId: 'db', client, clientConfig: {} } as unknown as Parameters<
        typeof createPool
      >[0]),
    ).toThrow(InvalidOptionError);
    expect(() => createPool({ secretId: 'db' } as Parameters<typeof createPool>[0])).toThrow(
      /`client`/,
    );
    expect(() => createPool({ secretId: 'db', client, maxConnecting: 0 })).toThrow(
      /`maxConnecting`/,
    );
    expect(() => createPool({ secretId: 'db', client, loginGuard: { maxFailures: 0 } })).toThrow(
      /`loginGuard.maxFailures`/,
    );
    // The window is gone; a caller counting on it must hear so rather than be ignored.
    expect(() =>
      createPool({
        secretId: 'db',
        client,
        loginGuard: { maxFailures: 5, windowMs: 60_000 } as { maxFailures: number },
      }),
    ).toThrow(/`loginGuard.windowMs`: no longer supported/);
    expect(() =>
      createPool({ secretId: 'db', client, uri: 'mysql://u:p@h/db' } as Parameters<
        typeof createPool
      >[0]),
    ).toThrow(/`uri`/);
    expect(() =>
      createPool({ secretId: 'db', cache: {} as never } as Parameters<typeof createPool>[0]),
    ).toThrow(/`cache`/);
  });
});
