// The version matrix (vitest.config.ts, ROTAKIT_MYSQL2): a run meant for the oldest mysql2
// of the peer range must really load it, in the package's sources and in mysql2/promise.
import { createRequire } from 'node:module';
import { createPool as createPromisePool } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { mysql2VersionOf, SUPPORTED_MYSQL2 } from '../src/pool/mysql2-internals.js';
import { mysql2UnderTest } from './helpers.js';

const variant = process.env.ROTAKIT_MYSQL2;
const { installedAs, version: expected } = mysql2UnderTest();
const peerRange = (
  createRequire(import.meta.url)('../package.json') as {
    peerDependencies: Record<string, string>;
  }
).peerDependencies.mysql2;

describe(`mysql2 under test (ROTAKIT_MYSQL2=${variant ?? ''})`, () => {
  it(`the pool's sources load ${installedAs} (${expected})`, async () => {
    const client = { send: () => Promise.reject(new Error('not called in this test')) };
    await using pool = createPool({ secretId: 'db', client });
    expect(mysql2VersionOf(pool.pool)).toBe(expected);
  });

  it('mysql2/promise is the same version', async () => {
    const pool = createPromisePool({ host: '127.0.0.1' });
    try {
      expect(mysql2VersionOf(pool.pool)).toBe(expected);
    } finally {
      await pool.end();
    }
  });

  it("the supported range named in UnsupportedDriverError is the package's peer range", () => {
    expect(SUPPORTED_MYSQL2).toBe(peerRange);
  });

  it('the aliased ends of the matrix are the ends of the peer range', () => {
    const require = createRequire(import.meta.url);
    const oldest = (require('mysql2-oldest/package.json') as { version: string }).version;
    const newest = (require('mysql2-newest/package.json') as { version: string }).version;
    const [, floor, ceiling] = /^>=(\S+) <(\S+)$/.exec(peerRange ?? '') ?? [];
    expect(floor).toBe(oldest);
    // The ceiling excludes the next minor: the newest proven is the last of the minor below it.
    const [major, minor] = (ceiling ?? '').split('.').map(Number);
    expect(newest.startsWith(`${major}.${(minor ?? 0) - 1}.`)).toBe(true);
  });
});
