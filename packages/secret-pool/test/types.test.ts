import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Pool as CorePool } from 'mysql2';
import type { Pool as PromisePool } from 'mysql2/promise';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type CreatePoolOptions,
  createPool,
  SecretCache,
  type SecretCacheOptions,
  type SecretPool,
  type SecretPoolStats,
  type SecretsManagerLike,
} from '../src/index.js';

describe('public types', () => {
  it('accepts a real SecretsManagerClient as the injected client', () => {
    expectTypeOf<SecretsManagerClient>().toExtend<SecretsManagerLike>();
  });

  it('rejects client and clientConfig together', () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    // @ts-expect-error client and clientConfig are exclusive
    const both: SecretCacheOptions = { client, clientConfig: { region: 'us-east-1' } };
    expectTypeOf(both).not.toBeAny();
    expectTypeOf(SecretCache).constructorParameters.toEqualTypeOf<[SecretCacheOptions]>();
    client.destroy();
  });

  it('gives createPool the mysql2 promise pool surface', () => {
    expectTypeOf(createPool).returns.toEqualTypeOf<SecretPool>();
    expectTypeOf<SecretPool['query']>().toEqualTypeOf<PromisePool['query']>();
    expectTypeOf<SecretPool['execute']>().toEqualTypeOf<PromisePool['execute']>();
    // Both forms: the callback one for libraries typed for mysql2's callback pool (Kysely, TypeORM).
    expectTypeOf<SecretPool['getConnection']>().toEqualTypeOf<
      PromisePool['getConnection'] & CorePool['getConnection']
    >();
    expectTypeOf<SecretPool['pool']>().toEqualTypeOf<CorePool>();
    // end() as the promise pool has it, end(callback) as the callback pool has it.
    // (type-checked only: never called)
    const ends = (pool: SecretPool) => {
      expectTypeOf(pool.end()).toEqualTypeOf<Promise<void>>();
      expectTypeOf(pool.end((_error: Error | null) => undefined)).toEqualTypeOf<void>();
    };
    expectTypeOf(ends).toBeFunction();
    expectTypeOf<ReturnType<SecretPool['stats']>>().toEqualTypeOf<SecretPoolStats>();
    expectTypeOf<SecretPool>().toHaveProperty(Symbol.asyncDispose);
  });

  it('takes mysql2 pool options and exactly one secret source', () => {
    const cache = {} as SecretCache;
    expectTypeOf({
      secretId: 's',
      cache,
      connectionLimit: 4,
      idleTimeout: 1000,
    }).toExtend<CreatePoolOptions>();
    // @ts-expect-error cache and client are exclusive
    const both: CreatePoolOptions = { secretId: 's', cache, client: {} as SecretsManagerLike };
    expectTypeOf(both).not.toBeAny();
  });
});
