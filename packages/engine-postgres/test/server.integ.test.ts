import { readFileSync } from 'node:fs';
import {
  canLoginPostgres,
  connectPostgresAdmin,
  createPostgresRole,
  type PostgresConnectionInfo,
  type PostgresRole,
  type PostgresServer,
  startPostgres,
  withPostgresAdmin,
} from '@rotakit/testing';
import { testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresErrorMeaning } from '../src/errors.js';
import { quoteIdentifier, quoteLiteral } from '../src/quote.js';
import { scramSha256Verifier } from '../src/scram.js';

// The verifier is checked on the run's shared PostgreSQL 15 and on a private 17 that logs
// every statement (to see what reaches the log); the vocabulary on the shared one.

async function storedVerifier(server: PostgresConnectionInfo, role: string): Promise<string> {
  return withPostgresAdmin(server, async (admin) => {
    const sql = 'SELECT rolpassword FROM pg_authid WHERE rolname = $1';
    const { rows } = await admin.query<{ rolpassword: string }>(sql, [role]);
    return rows[0]?.rolpassword ?? '';
  });
}

async function alterPassword(server: PostgresConnectionInfo, role: string, password: string) {
  await withPostgresAdmin(server, (admin) =>
    admin.query(`ALTER ROLE ${quoteIdentifier(role)} PASSWORD ${quoteLiteral(password)}`),
  );
}

/** Our verifier of `password` with the salt and iterations of the server's own verifier. */
function ourVerifierLike(serverVerifier: string, password: string): string {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(serverVerifier);
  if (!match) throw new Error('the server did not store a SCRAM verifier');
  return scramSha256Verifier(password, {
    iterations: Number(match[1]),
    salt: Buffer.from(match[2] ?? '', 'base64'),
  });
}

const PASSWORDS = [
  'Abc123-simple',
  'o\'neil \\ "both" %s $1 ;--',
  ' leading and trailing spaces ',
  'p\u00e4ssw\u00f6rd \u{1F511} \u05e9\u05dc\u05d5\u05dd', // NFC, emoji, Hebrew: SASLprep keeps it
];

function verifierChecks(name: string, server: () => PostgresConnectionInfo) {
  describe(`scramSha256Verifier on ${name}`, () => {
    let role: PostgresRole;
    beforeAll(async () => {
      role = await createPostgresRole(server());
    });

    it.each(PASSWORDS)('is what the server stores for %j, given its salt', async (password) => {
      await alterPassword(server(), role.username, password);
      const stored = await storedVerifier(server(), role.username);
      expect(ourVerifierLike(stored, password)).toBe(stored);
    });

    it('is stored as given, and logs in with the password and not with another', async () => {
      const password = 'n3w-pa55word-that-is-never-sent';
      const verifier = scramSha256Verifier(password);
      await alterPassword(server(), role.username, verifier);
      expect(await storedVerifier(server(), role.username)).toBe(verifier);
      expect(await canLoginPostgres(server(), { ...role, password })).toEqual({ ok: true });
      const wrong = await canLoginPostgres(server(), { ...role, password: `${password}x` });
      expect(wrong).toEqual({ ok: false, sqlState: '28P01' });
    });
  });
}

verifierChecks('the shared server', testPostgres);

describe('PostgreSQL 17 with log_statement = all', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres({ major: 17, tls: false, settings: { log_statement: 'all' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  verifierChecks('PostgreSQL 17', () => server);

  it('keeps the clear password out of the server log', async () => {
    const role = await createPostgresRole(server);
    const password = 'clear-text-that-must-not-be-logged';
    const verifier = scramSha256Verifier(password);
    await alterPassword(server, role.username, verifier);
    expect(await canLoginPostgres(server, { ...role, password })).toEqual({ ok: true });
    const log = readFileSync(server.logFile ?? '', 'utf8');
    expect(log).toContain(verifier); // the statement was logged...
    expect(log).not.toContain(password); // ...without the password
  });
});

describe('quoting, read back by the server', () => {
  it('creates and finds a role whose name needs every kind of quoting', async () => {
    const name = `Odd "Name" o'neil \\ ${Date.now()}`;
    const found = await withPostgresAdmin(testPostgres(), async (admin) => {
      await admin.query(`CREATE ROLE ${quoteIdentifier(name)}`);
      const { rows } = await admin.query('SELECT rolname FROM pg_roles WHERE rolname = $1', [name]);
      await admin.query(`DROP ROLE ${quoteIdentifier(name)}`);
      return rows.length;
    });
    expect(found).toBe(1);
  });

  it.each(['on', 'off'])(
    'reads literals back exactly with standard_conforming_strings %s',
    async (mode) => {
      const texts = ["it's", 'a\\b', "\\'", "''\\\\", 'plain', ''];
      const read = await withPostgresAdmin(testPostgres(), async (admin) => {
        await admin.query(`SET standard_conforming_strings = ${mode}`);
        const select = texts.map((text, i) => `${quoteLiteral(text)} AS t${i}`).join(', ');
        const { rows } = await admin.query<Record<string, string>>(`SELECT ${select}`);
        return texts.map((_, i) => rows[0]?.[`t${i}`]);
      });
      expect(read).toEqual(texts);
    },
  );
});

/** The error a statement run as `role` fails with. */
async function failureAs(role: PostgresRole, sql: string): Promise<unknown> {
  const server = testPostgres();
  const client = await connectPostgresAdmin({ ...server, admin: role });
  try {
    await client.query(sql);
  } catch (error) {
    return error;
  } finally {
    await client.end();
  }
  throw new Error(`expected ${sql} to fail`);
}

describe('the vocabulary, on errors of a real server', () => {
  let plain: PostgresRole;
  beforeAll(async () => {
    plain = await createPostgresRole(testPostgres());
  });

  it('reads refused logins', async () => {
    const server = testPostgres();
    const wrong = await canLoginPostgres(server, { ...plain, password: 'wrong' });
    const noDb = await canLoginPostgres(server, { ...plain, database: 'no_such_db_here' });
    const noLogin = await createPostgresRole(server, { login: false });
    const locked = await canLoginPostgres(server, noLogin);
    const limited = await createPostgresRole(server);
    await withPostgresAdmin(server, (admin) =>
      admin.query(`ALTER ROLE ${quoteIdentifier(limited.username)} CONNECTION LIMIT 0`),
    );
    const full = await canLoginPostgres(server, limited);
    const meaning = (result: { ok: boolean; sqlState?: string | undefined }) =>
      postgresErrorMeaning({ code: result.ok ? undefined : result.sqlState });
    expect([wrong, noDb, locked, full].map(meaning)).toEqual([
      'access-denied', // 28P01
      'unknown-database', // 3D000
      'rejected', // 28000: a role without LOGIN
      'too-many-connections', // 53300: the role's CONNECTION LIMIT
    ]);
  });

  it('reads failed statements', async () => {
    const other = await createPostgresRole(testPostgres());
    const errors = [
      await failureAs(plain, `ALTER ROLE ${quoteIdentifier(other.username)} PASSWORD 'x'`),
      await failureAs(plain, `CREATE ROLE ${quoteIdentifier(other.username)}`),
      await failureAs(plain, 'ALTER ROLE "no such role here" CONNECTION LIMIT 1'),
      await failureAs(plain, `SET TRANSACTION READ ONLY; CREATE TABLE t_${Date.now()} (x int)`),
    ];
    expect(errors.map(postgresErrorMeaning)).toEqual([
      'insufficient-privilege', // 42501
      'insufficient-privilege', // 42501: no CREATEROLE, checked before the name
      'does-not-exist', // 42704
      'read-only', // 25006
    ]);
  });

  it('reads a duplicate role, a circular grant and a lock timeout', async () => {
    const server = testPostgres();
    const errors = await withPostgresAdmin(server, async (admin) => {
      const a = quoteIdentifier(plain.username);
      const b = quoteIdentifier((await createPostgresRole(server)).username);
      const caught = (sql: string) =>
        admin.query(sql).then(
          () => undefined,
          (error) => error,
        );
      await admin.query(`GRANT ${a} TO ${b}`);
      const table = quoteIdentifier(`locked_${Date.now()}`);
      await admin.query(`CREATE TABLE ${table} (x int)`);
      const holder = await connectPostgresAdmin(server);
      await holder.query(`BEGIN; LOCK TABLE ${table}`);
      const results = [
        await caught(`CREATE ROLE ${a}`),
        await caught(`GRANT ${b} TO ${a}`),
        await caught(`SET lock_timeout = '50ms'; SELECT * FROM ${table}`),
      ];
      await holder.end();
      await admin.query(`RESET lock_timeout; DROP TABLE ${table}`);
      return results;
    });
    expect(errors.map(postgresErrorMeaning)).toEqual([
      'already-exists', // 42710
      'invalid-grant', // 0LP01
      'lock-wait-timeout', // 55P03
    ]);
  });
});
