// The adapter over mysql2's pool internals, on a real mysql2 pool and the test MariaDB: what
// it says mysql2 did must be what mysql2 did, and its startup check must name what a
// changed mysql2 lacks.
import { createDatabaseUser, type DatabaseUser } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import mysql, { type PoolConnection } from 'mysql2';
import { beforeAll, describe, expect, it } from 'vitest';
import { UnsupportedDriverError } from '../src/index.js';
import {
  type ConnectCallback,
  checkInternals,
  Mysql2PoolAdapter,
} from '../src/pool/mysql2-internals.js';
import { mysql2UnderTest } from './helpers.js';

const server = testMysql();
let user: DatabaseUser;

beforeAll(async () => {
  user = await createDatabaseUser(server);
});

function corePool(connectionLimit: number) {
  return mysql.createPool({
    host: user.host,
    port: user.port,
    user: user.username,
    password: user.password,
    database: user.database,
    connectionLimit,
  });
}

/** A callback and the promise of what it was called with. */
function settled(): { callback: ConnectCallback; result: Promise<PoolConnection> } {
  let callback: ConnectCallback = () => undefined;
  const result = new Promise<PoolConnection>((resolve, reject) => {
    callback = (error, connection) =>
      error ? reject(error) : resolve(connection as PoolConnection);
  });
  return { callback, result };
}

describe('Mysql2PoolAdapter on a real mysql2 pool', () => {
  it('reports the route mysql2 takes: open below the limit, full at it, free after a release, closed after end', async () => {
    const adapter = new Mysql2PoolAdapter<object>(corePool(1));
    expect(adapter.route()).toBe('open');
    const first = settled();
    expect(adapter.getConnection(first.callback)).toBe('open');
    const connection = await first.result;
    expect(adapter.counts).toEqual({ total: 1, idle: 0, queued: 0 });
    expect(adapter.isPooled(connection)).toBe(true);

    const queued = settled();
    expect(adapter.getConnection(queued.callback)).toBe('full');
    expect(adapter.counts.queued).toBe(1);
    connection.release();
    // mysql2 hands the released connection to the queued request.
    const second = await queued.result;
    expect(second).toBe(connection);
    second.release();
    expect(adapter.route()).toBe('free');
    expect(adapter.counts).toEqual({ total: 1, idle: 1, queued: 0 });

    await new Promise<void>((resolve, reject) =>
      adapter.pool.end((error) => (error ? reject(error) : resolve())),
    );
    expect(adapter.route()).toBe('closed');
    const refused = settled();
    expect(adapter.getConnection(refused.callback)).toBe('closed');
    await expect(refused.result).rejects.toThrow(/Pool is closed/);
  });

  it('tags the config each version logs in with, and a destroyed connection is no longer pooled', async () => {
    const adapter = new Mysql2PoolAdapter<{ version: string }>(corePool(2));
    const tag = { version: 'v1' };
    const fields = {
      user: user.username,
      password: user.password,
      host: user.host,
      port: user.port,
      database: user.database,
      ssl: undefined,
    };
    adapter.useConfig(adapter.configWith(fields, tag, () => ({ password: '[redacted]' })));
    const opened = settled();
    adapter.getConnection(opened.callback);
    const connection = await opened.result;
    expect(adapter.tagOf(connection)).toBe(tag);
    connection.destroy();
    expect(adapter.isPooled(connection)).toBe(false);
    expect(adapter.counts.total).toBe(0);
    await adapter.pool.promise().end();
  });
});

describe('checkInternals', () => {
  const installed = mysql2UnderTest().version;

  it('passes a real mysql2 pool', async () => {
    const pool = corePool(1);
    expect(() => checkInternals(pool)).not.toThrow();
    await pool.promise().end();
  });

  it('names every internal a changed mysql2 lacks, _closed included, and its version', async () => {
    const pool = corePool(1);
    const changed = pool as unknown as Record<string, unknown>;
    const closed = changed._closed;
    delete changed._closed;
    changed._freeConnections = undefined;
    let error: unknown;
    try {
      checkInternals(pool);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnsupportedDriverError);
    expect(error).toMatchObject({ missing: '_freeConnections, _closed', mysql2Version: installed });
    expect((error as Error).message).toContain(`mysql2 (${installed})`);
    expect((error as Error).message).toMatch(/`_freeConnections`, `_closed`/);
    changed._closed = closed;
    await pool.promise().end();
  });
});
