import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isMysqlEngine, parseSecret } from '../src/live/secret.js';

const PASSWORD = 'hunter2-very-secret';

describe('parseSecret (netcheck reading of the RDS secret format)', () => {
  it('reads the target, defaults the port to 3306 and hides the credentials', () => {
    const parsed = parseSecret(
      JSON.stringify({
        engine: 'mysql',
        host: ' db.internal ',
        username: 'app',
        password: PASSWORD,
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      secret: {
        target: {
          host: 'db.internal',
          port: 3306,
          engine: 'mysql',
          protocol: 'mysql',
          username: 'app',
        },
      },
    });
    if (!parsed.ok) throw new Error('expected a parsed secret');
    expect(parsed.secret.credentials).toEqual({ user: 'app', password: PASSWORD });
    expect(`${inspect(parsed, { depth: 5 })}${JSON.stringify(parsed)}`).not.toContain(PASSWORD);
  });

  it('takes an object and a string port', () => {
    expect(parseSecret({ host: 'db', port: '3307' })).toMatchObject({
      ok: true,
      secret: { target: { host: 'db', port: 3307 } },
    });
  });

  it.each([
    ['not JSON', `{"password":"${PASSWORD}"`, /not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['no host', { port: 3306 }, /no "host" string/],
    ['a blank host', { host: '  ' }, /no "host" string/],
    ['a bad port', { host: 'db', port: 70_000 }, /"port" is not a TCP port/],
    ['a numeric username', { host: 'db', username: 42 }, /"username" must be a string/],
  ])('describes %s without quoting the secret', (_name, input, problem) => {
    const parsed = parseSecret(input);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem).toMatch(problem);
    expect(parsed.problem).not.toContain(PASSWORD);
  });

  it('reads a PostgreSQL secret: port 5432 by default, the protocol and the ssl flag', () => {
    const parsed = parseSecret({
      engine: 'aurora-postgresql',
      host: 'pg.internal',
      username: 'app',
      password: PASSWORD,
      dbname: 'orders',
      ssl: 'true',
    });
    expect(parsed).toEqual({
      ok: true,
      secret: {
        target: {
          host: 'pg.internal',
          port: 5432,
          engine: 'aurora-postgresql',
          protocol: 'postgres',
          username: 'app',
          dbname: 'orders',
          ssl: true,
        },
      },
    });
    expect(JSON.stringify(parsed)).not.toContain(PASSWORD);
  });

  it('keeps a secret of an engine rotakit does not speak, without a protocol', () => {
    const parsed = parseSecret({ engine: 'sqlserver', host: 'mssql.internal', port: 1433 });
    expect(parsed).toEqual({
      ok: true,
      secret: { target: { host: 'mssql.internal', port: 1433, engine: 'sqlserver' } },
    });
  });

  it('counts MySQL-protocol engines, and an absent engine, as MySQL', () => {
    expect(isMysqlEngine('aurora-mysql')).toBe(true);
    expect(isMysqlEngine(undefined)).toBe(true);
    expect(isMysqlEngine('postgres')).toBe(false);
  });
});
