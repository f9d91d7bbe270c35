import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expectTypeOf, it } from 'vitest';
import { SecretCache, type SecretCacheOptions, type SecretsManagerLike } from '../src/index.js';

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
});
