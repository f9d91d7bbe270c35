import { describe, expect, it } from 'vitest';
import {
  defaultDatabaseOf,
  defaultPortOf,
  ENGINES,
  engineNamed,
  engineOf,
} from '../src/database/engine.js';
import { SecretFormatError } from '../src/secret/errors.js';
import { parseRdsSecret } from '../src/secret/parse.js';

const secret = (fields: Record<string, unknown>) =>
  parseRdsSecret({ host: 'db.example.internal', username: 'app', password: 'pw', ...fields });

describe('engineOf', () => {
  it.each([
    ['mysql', 'mysql'],
    ['aurora-mysql', 'mysql'],
    ['mariadb', 'mysql'],
    ['aurora', 'mysql'],
    ['postgres', 'postgres'],
    ['aurora-postgresql', 'postgres'],
    ['Aurora-PostgreSQL', 'postgres'],
  ])('reads engine %j as %s from a parsed secret', (engine, expected) => {
    expect(engineOf(secret({ engine }))).toBe(expected);
  });

  it('takes an absent or empty engine for MySQL, as before PostgreSQL', () => {
    expect(engineOf(secret({}))).toBe('mysql');
    expect(engineOf(secret({ engine: '' }))).toBe('mysql');
    expect(engineOf({})).toBe('mysql');
  });

  it('refuses an engine rotakit does not speak with a SecretFormatError naming the field', () => {
    let error: unknown;
    try {
      engineOf(secret({ engine: 'sqlserver-ee' }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SecretFormatError);
    expect((error as SecretFormatError).field).toBe('engine');
    expect((error as SecretFormatError).message).toContain('aurora-postgresql');
    expect(engineNamed('oracle-ee')).toBeUndefined();
  });
});

describe('per-engine defaults, in one place', () => {
  it('gives 3306 and no database for MySQL, 5432 and postgres for PostgreSQL', () => {
    expect(defaultPortOf('mysql')).toBe(3306);
    expect(defaultDatabaseOf('mysql')).toBeUndefined();
    expect(defaultPortOf('postgres')).toBe(5432);
    expect(defaultDatabaseOf('postgres')).toBe('postgres');
  });

  it('is frozen all the way down', () => {
    expect(Object.isFrozen(ENGINES)).toBe(true);
    expect(Object.isFrozen(ENGINES.postgres)).toBe(true);
    expect(Object.isFrozen(ENGINES.mysql.names)).toBe(true);
  });

  it('leaves parseRdsSecret reading both engines the same way', () => {
    const pg = secret({ engine: 'postgres', port: '5433', dbname: 'orders' });
    expect([pg.engine, pg.port, pg.dbname]).toEqual(['postgres', 5433, 'orders']);
    const my = secret({ engine: 'mysql', port: 3307 });
    expect([my.engine, my.port, my.dbname]).toEqual(['mysql', 3307, undefined]);
  });
});
