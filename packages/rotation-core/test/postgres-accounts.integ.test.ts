import { readFile } from 'node:fs/promises';
import {
  canLoginPostgres,
  connectPostgresAdmin,
  createPostgresRole,
  postgresMajorsUnderTest,
  uniqueName,
  withPostgresAdmin,
} from '@rotakit/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { syncPostgresAccount } from '../src/database/postgres/accounts.js';
import { AccountCopyError, AdminOptionRequiredError } from '../src/errors.js';
import {
  type AccountsFixture,
  anonymized,
  catalogSnapshot,
  crashingClient,
  newPassword,
  q,
  startAccountsFixture,
  type User,
} from './postgres-accounts-fixture.js';

const majors = await postgresMajorsUnderTest();

/** What one user made in one round, for the other user to use. */
interface Made {
  schema: string;
  round: number;
}

/** Tables (serial: a sequence), a view, a function and a procedure, made by `user`. */
async function makeObjects(client: pg.Client, made: Made): Promise<void> {
  const s = q(made.schema);
  const r = made.round;
  await client.query(`CREATE TABLE ${s}.t${r} (id serial PRIMARY KEY, v text)`);
  await client.query(`INSERT INTO ${s}.t${r} (v) VALUES ('made')`);
  await client.query(`CREATE VIEW ${s}.v${r} AS SELECT id, v FROM ${s}.t${r}`);
  await client.query(
    `CREATE FUNCTION ${s}.f${r}(x int) RETURNS int LANGUAGE sql AS 'SELECT x + ${r}'`,
  );
  await client.query(
    `CREATE PROCEDURE ${s}.p${r}() LANGUAGE sql AS $$INSERT INTO ${s}.t${r} (v) VALUES ('proc')$$`,
  );
}

/** Everything the maker could do, done by the other user: DML, nextval, calls, ALTER, DROP. */
async function useObjects(client: pg.Client, made: Made): Promise<void> {
  const s = q(made.schema);
  const r = made.round;
  await client.query(`INSERT INTO ${s}.t${r} (v) VALUES ('other')`);
  await client.query(`UPDATE ${s}.t${r} SET v = 'updated' WHERE v = 'other'`);
  expect((await client.query(`SELECT count(*)::int AS n FROM ${s}.v${r}`)).rows[0].n).toBe(2);
  await client.query(`DELETE FROM ${s}.t${r} WHERE v = 'updated'`);
  await client.query(`SELECT nextval('${s}.t${r}_id_seq')`);
  expect((await client.query(`SELECT ${s}.f${r}(1) AS y`)).rows[0].y).toBe(1 + r);
  await client.query(`CALL ${s}.p${r}()`);
  await client.query(`ALTER TABLE ${s}.t${r} ADD COLUMN added int`);
  await client.query(`ALTER SEQUENCE ${s}.t${r}_id_seq RESTART WITH 100`);
  await client.query(`ALTER FUNCTION ${s}.f${r}(int) RENAME TO f${r}_renamed`);
  await client.query(`DROP VIEW ${s}.v${r}`);
  await client.query(`DROP PROCEDURE ${s}.p${r}()`);
  await client.query(`DROP FUNCTION ${s}.f${r}_renamed(int)`);
}

describe.each(majors)('syncPostgresAccount on PostgreSQL %i', (major) => {
  let fx: AccountsFixture;
  beforeAll(async () => {
    fx = await startAccountsFixture(major, { log_statement: 'all' });
  });
  afterAll(() => fx?.stop());

  it('makes whatever either user creates, through 3 rotations, fully usable by the other', async () => {
    const original = await fx.createUser();
    const clone: User = { name: `${original.name}_clone`, password: '' };
    const schema = uniqueName('work');
    await fx.as(original, (c) => c.query(`CREATE SCHEMA ${q(schema)}`));
    let current = original;
    let other = clone;
    const results = [];
    for (let round = 1; round <= 3; round++) {
      results.push(await fx.sync(current, other, undefined));
      // After finishSecret the app logs in as the new user; the previous one still works.
      [current, other] = [other, current];
      await fx.as(current, (c) => makeObjects(c, { schema, round }));
      await fx.as(other, (c) => useObjects(c, { schema, round }));
    }
    expect(results.map(({ created, granted, revoked }) => ({ created, granted, revoked }))).toEqual(
      [
        { created: true, granted: 1, revoked: 0 },
        { created: false, granted: 0, revoked: 0 },
        { created: false, granted: 0, revoked: 0 },
      ],
    );
    // Tables made in earlier rounds by either user: the last one can drop them all.
    await fx.as(other, (c) =>
      c.query(`DROP TABLE ${q(schema)}.t1, ${q(schema)}.t2, ${q(schema)}.t3`),
    );
    const who = await fx.as(clone, (c) => c.query('SELECT session_user, current_user'));
    expect(who.rows[0]).toEqual({ session_user: clone.name, current_user: original.name });
  });

  it('owns everything by the original, and a second sync changes nothing', async () => {
    const original = await fx.createUser();
    const clone: User = { name: `${original.name}_clone`, password: '' };
    const schema = uniqueName('own');
    await fx.as(original, (c) => c.query(`CREATE SCHEMA ${q(schema)}`));
    await fx.sync(original, clone);
    await fx.as(clone, (c) => makeObjects(c, { schema, round: 1 }));
    const roles = [original.name, clone.name, fx.master.username];
    const before = await catalogSnapshot(fx, roles, [schema]);
    const owners = before as { objects: { owner: string }[]; routines: { owner: string }[] };
    expect(new Set([...owners.objects, ...owners.routines].map((o) => o.owner))).toEqual(
      new Set([original.name]),
    );
    const again = await fx.sync(original, clone);
    expect(again).toMatchObject({ created: false, granted: 0, revoked: 0 });
    expect(await catalogSnapshot(fx, roles, [schema])).toEqual(before);
  });

  it("gives the clone the original's per-role settings and follows their changes", async () => {
    const original = await fx.createUser();
    const clone: User = { name: `${original.name}_clone`, password: '' };
    const schema = `My "${original.name}"`;
    const db = q(fx.master.database);
    await fx.as(original, (c) => c.query(`CREATE SCHEMA ${q(schema)}`));
    await fx.asMaster(async (c) => {
      const role = q(original.name);
      await c.query(`ALTER ROLE ${role} SET search_path = ${q(schema)}, "$user", public`);
      await c.query(`ALTER ROLE ${role} SET statement_timeout = '5s'`);
      await c.query(`ALTER ROLE ${role} IN DATABASE ${db} SET work_mem = '8MB'`);
    });
    const show = (user: User) =>
      fx.as(user, async (c) => {
        const read = async (name: string) => (await c.query(`SHOW ${name}`)).rows[0][name];
        return {
          search_path: await read('search_path'),
          statement_timeout: await read('statement_timeout'),
          lock_timeout: await read('lock_timeout'),
          work_mem: await read('work_mem'),
        };
      });
    await fx.sync(original, clone);
    expect(await show(clone)).toEqual(await show(original));
    expect((await show(clone)).search_path).toBe(`"My ""${original.name}""", "$user", public`);
    // The clone finds the original's tables by the original's search_path.
    await fx.as(original, (c) => c.query('CREATE TABLE found_by_path (id int)'));
    await fx.as(clone, (c) => c.query('SELECT * FROM found_by_path'));
    await fx.asMaster(async (c) => {
      await c.query(`ALTER ROLE ${q(original.name)} RESET statement_timeout`);
      await c.query(`ALTER ROLE ${q(original.name)} SET lock_timeout = '3s'`);
    });
    await fx.sync(clone, original);
    expect(await show(clone)).toMatchObject({ statement_timeout: '0', lock_timeout: '3s' });
    expect(await show(clone)).toEqual(await show(original));
  });

  it('stores a SCRAM verifier: the clear password is not in the server log', async () => {
    const original = await fx.createUser();
    const clone: User = { name: `${original.name}_clone`, password: '' };
    await fx.sync(original, clone);
    const stored = await withPostgresAdmin(fx.server, (admin) =>
      admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [clone.name]),
    );
    expect(stored.rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    await fx.as(clone, (c) => c.query('SELECT 1'));
    const log = await readFile(fx.server.logFile as string, 'utf8');
    expect(log).toContain(`ALTER ROLE ${q(clone.name)} LOGIN PASSWORD`);
    expect(log).not.toContain(clone.password);
  });

  it('passes grants given to either user after the first rotation to the other', async () => {
    const original = await fx.createUser();
    const clone: User = { name: `${original.name}_clone`, password: '' };
    const reports = uniqueName('reports');
    const group = uniqueName('readers');
    await fx.asMaster(async (c) => {
      await c.query(`CREATE SCHEMA ${q(reports)}`);
      await c.query(`CREATE TABLE ${q(reports)}.daily (id int, v text)`);
      await c.query(`CREATE TABLE ${q(reports)}.monthly (id int)`);
      await c.query(`CREATE ROLE ${q(group)} NOLOGIN`);
      await c.query(`GRANT SELECT ON ${q(reports)}.monthly TO ${q(group)}`);
    });
    await fx.sync(original, clone);
    // To the original (AWSPREVIOUS now): the clone has it at once, without a rotation.
    await fx.asMaster(async (c) => {
      await c.query(`GRANT USAGE ON SCHEMA ${q(reports)} TO ${q(original.name)}`);
      await c.query(`GRANT SELECT ON ${q(reports)}.daily TO ${q(original.name)}`);
    });
    await fx.as(clone, (c) => c.query(`SELECT * FROM ${q(reports)}.daily`));
    // To the clone (AWSCURRENT): the next rotation gives it to the original, so to both.
    await fx.asMaster(async (c) => {
      await c.query(`GRANT INSERT, UPDATE (v) ON ${q(reports)}.daily TO ${q(clone.name)}`);
      await c.query(`GRANT ${q(group)} TO ${q(clone.name)}`);
    });
    const insert = `INSERT INTO ${q(reports)}.daily VALUES (1, 'x')`;
    await expect(fx.as(original, (c) => c.query(insert))).rejects.toMatchObject({ code: '42501' });
    const result = await fx.sync(clone, original);
    expect(result).toMatchObject({ created: false, granted: 3, revoked: 0 });
    for (const user of [original, clone]) {
      await fx.as(user, async (c) => {
        await c.query(insert);
        await c.query(`UPDATE ${q(reports)}.daily SET v = 'y'`);
        await c.query(`SELECT * FROM ${q(reports)}.monthly`);
      });
    }
    expect(await fx.sync(original, clone)).toMatchObject({ granted: 0, revoked: 0 });
  });

  it('upgrades a clone made by the AWS template (membership only)', async () => {
    const original = await fx.createUser();
    const clone: User = { name: `${original.name}_clone`, password: newPassword() };
    const schema = uniqueName('tpl');
    await fx.as(original, (c) => c.query(`CREATE SCHEMA ${q(schema)}`));
    await fx.asMaster(async (c) => {
      await c.query(`CREATE ROLE ${q(clone.name)} WITH LOGIN PASSWORD '${clone.password}'`);
      await c.query(`GRANT ${q(original.name)} TO ${q(clone.name)}`);
    });
    await fx.as(clone, (c) => makeObjects(c, { schema, round: 1 }));
    // The template's bug (its issues #175, #56): the original cannot read the clone's table.
    const read = `SELECT * FROM ${q(schema)}.t1`;
    await expect(fx.as(original, (c) => c.query(read))).rejects.toMatchObject({ code: '42501' });
    // The template had made the clone current; the next rotation goes back to the original.
    const result = await fx.sync(clone, original);
    expect(result).toMatchObject({ created: false, revoked: 0 });
    await fx.as(original, (c) => useObjects(c, { schema, round: 1 }));
    await fx.as(clone, async (c) => {
      expect((await c.query('SELECT current_user')).rows[0].current_user).toBe(original.name);
      await c.query(`DROP TABLE ${q(schema)}.t1`);
    });
    const snapshot = (await catalogSnapshot(fx, [clone.name, fx.master.username], [])) as {
      members: { role: string; member: string; admin_option: boolean }[];
    };
    // The master borrowed the clone's privileges for REASSIGN OWNED and gave them back.
    const borrowed = snapshot.members.filter(
      (m) => m.role === clone.name && m.member === fx.master.username && !m.admin_option,
    );
    expect(borrowed).toEqual([]);
  });

  it('refuses an existing role that is no clone of the user, changing nothing', async () => {
    const original = await fx.createUser();
    const stranger = await fx.createUser();
    await expect(fx.sync(original, stranger)).rejects.toThrow(AccountCopyError);
    await expect(fx.sync(original, stranger)).rejects.toThrow(
      `GRANT ${q(original.name)} TO ${q(stranger.name)}`,
    );
  });

  it('refuses a clone that owns objects in another database, with what to run there', async () => {
    const original = await fx.createUser();
    const clone: User = { name: `${original.name}_clone`, password: newPassword() };
    const otherDb = await createPostgresRole(fx.server, { database: 'own' });
    await fx.asMaster(async (c) => {
      await c.query(`CREATE ROLE ${q(clone.name)} LOGIN PASSWORD '${clone.password}'`);
      await c.query(`GRANT ${q(original.name)} TO ${q(clone.name)}`);
    });
    await withPostgresAdmin(
      fx.server,
      (admin) =>
        admin.query(
          `CREATE TABLE public.x (id int); ALTER TABLE public.x OWNER TO ${q(clone.name)}`,
        ),
      { database: otherDb.database },
    );
    const error = await fx.sync(original, clone).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccountCopyError);
    expect((error as Error).message).toContain(JSON.stringify(otherDb.database));
    expect((error as Error).message).toContain(
      `REASSIGN OWNED BY ${q(clone.name)} TO ${q(original.name)}`,
    );
  });

  it(
    major >= 16
      ? 'names the missing ADMIN OPTION (16+) and the GRANT that fixes it'
      : 'needs no ADMIN OPTION before 16 (CREATEROLE is enough)',
    async () => {
      // Created by a superuser, not by the master: the master holds no ADMIN OPTION on it.
      const role = await createPostgresRole(fx.server, { database: fx.master.database });
      const original: User = { name: role.username, password: role.password };
      const clone: User = { name: `${original.name}_clone`, password: '' };
      if (major < 16) {
        await expect(fx.sync(original, clone)).resolves.toMatchObject({ created: true });
        return;
      }
      const error = (await fx.sync(original, clone).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(AdminOptionRequiredError);
      const fix = `GRANT ${q(original.name)} TO ${q(fx.master.username)} WITH ADMIN OPTION;`;
      expect(error).toMatchObject({ role: original.name, master: fx.master.username, fix });
      expect(error.message).toContain(fix);
      const exists = await withPostgresAdmin(fx.server, (admin) =>
        admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [clone.name]),
      );
      expect(exists.rowCount).toBe(0);
      await withPostgresAdmin(fx.server, (admin) => admin.query(fix));
      await expect(fx.sync(original, clone)).resolves.toMatchObject({ created: true });
    },
  );

  it('is crash-safe at every statement: a sync cut anywhere changes nothing, and runs again to the same end', async () => {
    const shared = uniqueName('shared');
    await fx.asMaster((c) => c.query(`CREATE TABLE ${q(shared)} (id int)`));
    // One admin session for the many snapshots.
    const admin = await connectPostgresAdmin(fx.server, { database: fx.master.database });
    onTestFinished(() => admin.end());
    // The most statements: an AWS-template clone owning objects, with a grant of its own, and
    // an original with a setting.
    const scenario = async () => {
      const original = await fx.createUser();
      const clone: User = { name: `${original.name}_clone`, password: newPassword() };
      const schema = uniqueName('crash');
      await fx.as(original, (c) => c.query(`CREATE SCHEMA ${q(schema)}`));
      await fx.asMaster(async (c) => {
        await c.query(`CREATE ROLE ${q(clone.name)} LOGIN PASSWORD '${clone.password}'`);
        await c.query(`GRANT ${q(original.name)} TO ${q(clone.name)}`);
        await c.query(`GRANT SELECT ON ${q(shared)} TO ${q(clone.name)}`);
        await c.query(`ALTER ROLE ${q(original.name)} SET search_path = "$user", public`);
      });
      await fx.as(clone, (c) => makeObjects(c, { schema, round: 1 }));
      const state = async () =>
        anonymized(await catalogSnapshot(fx, [original.name, clone.name], [schema], admin), {
          [original.name]: '<original>',
          [clone.name]: '<clone>',
          [schema]: '<schema>',
        });
      return { original, clone, state };
    };
    const params = (source: User, target: User, password: string) => ({
      source: { username: source.name, host: '%' },
      targetUsername: target.name,
      password,
      revokeExtra: true,
      serverMajor: fx.server.major,
    });
    const reference = await scenario();
    const initial = await reference.state();
    const total = await fx.asMaster(async (c) => {
      const counted = crashingClient(c, Number.POSITIVE_INFINITY);
      await syncPostgresAccount(
        counted.client,
        params(reference.clone, reference.original, newPassword()),
      );
      return counted.statements();
    });
    const synced = await reference.state();
    expect(synced).not.toEqual(initial);
    // Cut after every statement in turn, on the same roles: each cut leaves no trace.
    const run = await scenario();
    const password = newPassword();
    for (let at = 0; at < total; at++) {
      await fx.asMaster(async (c) => {
        const cut = crashingClient(c, at);
        const sync = syncPostgresAccount(cut.client, params(run.clone, run.original, password));
        await expect(sync).rejects.toThrow(`crash before statement ${at}`);
      });
      expect({ at, state: await run.state() }).toEqual({ at, state: initial });
    }
    const login = { username: run.original.name, password, database: fx.master.database };
    expect(await canLoginPostgres(fx.server, login)).toEqual({ ok: false, sqlState: '28P01' });
    await fx.sync(run.clone, run.original);
    expect(await run.state()).toEqual(synced);
  });
});
