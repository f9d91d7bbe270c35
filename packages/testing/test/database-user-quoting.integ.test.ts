import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdminStatementError,
  canLogin,
  createDatabaseUser,
  dropDatabaseUser,
  type MysqlConnectionInfo,
  type MysqlServer,
  startMysql,
  uniqueName,
  withAdmin,
} from '../src/index.js';
import { testMysql } from '../src/vitest.js';

// createDatabaseUser and dropDatabaseUser under both sql_mode settings. A server run with
// NO_BACKSLASH_ESCAPES (as a ROTAKIT_TEST_MYSQL_URL server may be) reads mysql2's `\'` as a
// backslash that ends the string: a quote in a name was a syntax error quoting the password,
// a backslash made another account than the one returned. The NO_BACKSLASH_ESCAPES server
// is a dedicated one: setting the mode globally on the shared server would change it under
// every other test file running at the same time.

const SPECIAL = [
  ['a single quote', "'"],
  ['a backslash', '\\'],
  ['a backslash before a quote', "\\'"],
  ['a double quote', '"'],
  ['a backtick', '`'],
] as const;

/** Accounts whose user name is exactly `username`; HEX() compares bytes with no quoting. */
async function accountsNamed(server: MysqlConnectionInfo, username: string): Promise<string[]> {
  const hex = Buffer.from(username, 'utf8').toString('hex').toUpperCase();
  return withAdmin(server, async (admin) => {
    const [rows] = await admin.query(
      `SELECT Host AS host FROM mysql.user WHERE HEX(User) = '${hex}'`,
    );
    return (rows as Array<{ host: string }>).map((row) => row.host);
  });
}

async function sqlModeOf(server: MysqlConnectionInfo): Promise<string> {
  return withAdmin(server, async (admin) => {
    const [rows] = await admin.query('SELECT @@SESSION.sql_mode AS mode');
    return String((rows as Array<{ mode: string }>)[0]?.mode);
  });
}

function checksFor(label: string, getServer: () => MysqlConnectionInfo) {
  describe(label, () => {
    it.each(SPECIAL)(
      'creates exactly the account it returns for a name with %s, and drops it',
      async (_name, special) => {
        const server = getServer();
        const username = `${uniqueName('u')}${special}x`;
        const password = `p${special}w-${uniqueName('pw')}`;
        const user = await createDatabaseUser(server, {
          username,
          password,
          privileges: ['SELECT'],
        });
        expect(user).toMatchObject({ username, password, accountHost: '%' });
        expect(await accountsNamed(server, username)).toEqual(['%']);
        expect(await canLogin(user)).toEqual({ ok: true });
        await dropDatabaseUser(server, user, { dropDatabase: true });
        expect(await accountsNamed(server, username)).toEqual([]);
      },
    );

    it('fails CREATE USER with an AdminStatementError that never holds the password', async () => {
      const server = getServer();
      const username = `${uniqueName('u')}'dup`;
      await createDatabaseUser(server, { username });
      const password = `second-${uniqueName('secret')}'\\`;
      const error = await createDatabaseUser(server, { username, password }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AdminStatementError);
      // 1396: the account exists. The driver's error carried the whole statement in `.sql`.
      expect(error).toMatchObject({ name: 'AdminStatementError', errno: 1396 });
      expect((error as AdminStatementError).statement).toContain('CREATE USER');
      const everything = [
        (error as Error).message,
        (error as Error).stack,
        inspect(error, { depth: 10, showHidden: true }),
        JSON.stringify(error),
      ].join('\n');
      expect(everything).not.toContain(password);
      expect(everything).not.toContain(password.replaceAll("'", "''"));
      expect(everything).not.toContain('IDENTIFIED BY');
      await dropDatabaseUser(server, { username, accountHost: '%' });
    });
  });
}

describe('createDatabaseUser on a server with NO_BACKSLASH_ESCAPES', () => {
  let server: MysqlServer | undefined;
  beforeAll(async () => {
    server = await startMysql({
      serverArgs: ['--sql-mode=STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES'],
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs its admin sessions with NO_BACKSLASH_ESCAPES', async () => {
    expect(await sqlModeOf(server as MysqlServer)).toMatch(/NO_BACKSLASH_ESCAPES/);
  });

  checksFor('with NO_BACKSLASH_ESCAPES', () => server as MysqlServer);
});

// The harness's own server runs the default sql_mode (backslash escapes); a
// ROTAKIT_TEST_MYSQL_URL server runs whatever it was given, and must pass all the same.
describe('createDatabaseUser on the shared test server', () => {
  const shared = testMysql();
  checksFor('with its sql_mode', () => shared);
});
