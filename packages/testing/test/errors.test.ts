import { describe, expect, it } from 'vitest';
import {
  AdminStatementError,
  MysqlBinaryNotFoundError,
  MysqlStartError,
  PostgresBinaryNotFoundError,
  PostgresStartError,
} from '../src/index.js';

describe('@rotakit/testing error shapes', () => {
  it('MysqlStartError.of appends the log tail and keeps it as a field', () => {
    const cause = new Error('ECONNREFUSED');
    const error = MysqlStartError.of('mariadbd did not start', 'line 1\nline 2', { cause });
    expect(error.message).toBe('mariadbd did not start\n--- server log (tail) ---\nline 1\nline 2');
    expect(error).toMatchObject({ name: 'MysqlStartError', logTail: 'line 1\nline 2', cause });
  });

  it('MysqlStartError.of without a log tail is the problem alone, with no cause', () => {
    const error = MysqlStartError.of('mariadbd exited', '');
    expect(error.message).toBe('mariadbd exited');
    expect(error.logTail).toBe('');
    expect('cause' in error).toBe(false);
  });

  it('MysqlBinaryNotFoundError.of names where it looked and the two ways out', () => {
    const error = MysqlBinaryNotFoundError.of(['/usr/sbin', '/opt/mysql/bin']);
    expect(error.searched).toEqual(['/usr/sbin', '/opt/mysql/bin']);
    expect(error.message).toContain('/usr/sbin, /opt/mysql/bin');
    expect(error.message).toContain('apt-get install -y mariadb-server');
    expect(error.message).toContain('ROTAKIT_TEST_MYSQL_URL');
  });

  it('AdminStatementError keeps its context as fields and the cause as cause', () => {
    const cause = new Error('denied');
    const error = new AdminStatementError('GRANT failed', {
      statement: 'GRANT',
      errno: 1044,
      sqlState: '42000',
      cause,
    });
    expect(error).toMatchObject({ statement: 'GRANT', errno: 1044, sqlState: '42000', cause });
    expect(error.code).toBeUndefined();
  });

  it('PostgresStartError.of appends the log tail and keeps it as a field', () => {
    const error = PostgresStartError.of('postgres exited', 'FATAL:  bad setting');
    expect(error.message).toBe('postgres exited\n--- server log (tail) ---\nFATAL:  bad setting');
    expect(error).toMatchObject({ name: 'PostgresStartError', logTail: 'FATAL:  bad setting' });
  });

  it('PostgresBinaryNotFoundError.of names the major, where it looked and how to install', () => {
    const error = PostgresBinaryNotFoundError.of(['/usr/lib/postgresql/<major>/bin'], 14);
    expect(error).toMatchObject({ searched: ['/usr/lib/postgresql/<major>/bin'], major: 14 });
    expect(error.message).toContain('No PostgreSQL 14 server binaries');
    expect(error.message).toContain('/usr/lib/postgresql/<major>/bin');
    expect(error.message).toContain('apt-get install -y postgresql');
  });
});
