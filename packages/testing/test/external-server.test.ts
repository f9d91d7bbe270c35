import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseMysqlUrl, parsePostgresUrl, TestingError } from '../src/index.js';

describe('parseMysqlUrl', () => {
  it('reads user, password, host and port', () => {
    const info = parseMysqlUrl('mysql://admin:p%40ss@db.test:3307');
    expect(info).toMatchObject({ host: 'db.test', port: 3307, adminUser: 'admin', external: true });
    expect(info.adminPassword).toBe('p@ss');
    expect(inspect(info)).not.toContain('p@ss');
  });

  it('defaults the port to 3306', () => {
    expect(parseMysqlUrl('mysql://root:x@127.0.0.1').port).toBe(3306);
  });

  it.each(['not a url', 'postgres://a:b@h:1', 'mysql://h:1'])(
    'rejects %s with a typed error',
    (url) => {
      expect(() => parseMysqlUrl(url)).toThrow(TestingError);
    },
  );
});

describe('parsePostgresUrl', () => {
  it('reads user, password, host, port and database', () => {
    const info = parsePostgresUrl('postgres://admin:p%40ss@db.test:5433/app');
    expect(info).toMatchObject({ host: 'db.test', port: 5433, external: true, tls: false });
    expect(info.admin).toEqual({ username: 'admin', password: 'p@ss', database: 'app' });
    expect(inspect(info)).not.toContain('p@ss');
    expect(JSON.stringify(info)).not.toContain('p@ss');
  });

  it('defaults the port to 5432 and the database to postgres', () => {
    const info = parsePostgresUrl('postgresql://root:x@127.0.0.1');
    expect(info.port).toBe(5432);
    expect(info.admin.database).toBe('postgres');
  });

  it.each(['not a url', 'mysql://a:b@h:1', 'postgres://h:1'])(
    'rejects %s with a typed error',
    (url) => {
      expect(() => parsePostgresUrl(url)).toThrow(TestingError);
    },
  );
});
