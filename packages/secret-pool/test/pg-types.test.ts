// Libraries that take a pg.Pool accept createPgPool's result as is (type level; the runtime
// side is in pg-pool.integ.test.ts). @prisma/adapter-pg is not installed here, so only Drizzle's
// node-postgres driver and Kysely's PostgresDialect are checked.
import { drizzle } from 'drizzle-orm/node-postgres';
import { PostgresDialect } from 'kysely';
import type pg from 'pg';
import { describe, expectTypeOf, it } from 'vitest';
import type { SecretPoolStats } from '../src/index.js';
import { type CreatePgPoolOptions, createPgPool, type SecretPgPool } from '../src/pg/index.js';

describe('@rotakit/secret-pool/pg types', () => {
  it('createPgPool returns a pg.Pool with stats()', () => {
    expectTypeOf(createPgPool).returns.toEqualTypeOf<SecretPgPool>();
    expectTypeOf<SecretPgPool>().toExtend<pg.Pool>();
    expectTypeOf<ReturnType<SecretPgPool['stats']>>().toEqualTypeOf<SecretPoolStats>();
    expectTypeOf<SecretPgPool>().toHaveProperty(Symbol.asyncDispose);
  });

  it("is accepted by Kysely's PostgresDialect and Drizzle's node-postgres driver", () => {
    const typed = (pool: SecretPgPool) => {
      const dialect = new PostgresDialect({ pool });
      const db = drizzle({ client: pool });
      return [dialect, db] as const;
    };
    expectTypeOf(typed).toBeFunction();
  });

  it('takes pg Pool options and exactly one secret source; no connectionString', () => {
    expectTypeOf({ secretId: 's', clientConfig: {}, max: 4 }).toExtend<CreatePgPoolOptions>();
    // @ts-expect-error the connection comes from the secret
    const url: CreatePgPoolOptions = { secretId: 's', clientConfig: {}, connectionString: 'x' };
    expectTypeOf(url).not.toBeAny();
  });
});
