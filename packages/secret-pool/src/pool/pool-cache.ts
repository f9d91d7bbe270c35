import { SecretCache } from '../cache/secret-cache.js';
import { InvalidOptionError } from '../errors.js';
import type { SecretSourceOptions } from './options.js';

/** The SecretCache a pool reads, and whether the pool owns it (and closes it on `end()`). */
export function cacheFor(options: SecretSourceOptions): [SecretCache, boolean] {
  if (options.cache !== undefined) {
    if (!(options.cache instanceof SecretCache)) {
      throw InvalidOptionError.of('cache', 'expected a SecretCache from @rotakit/secret-pool');
    }
    return [options.cache, false];
  }
  const source =
    options.client !== undefined
      ? { client: options.client }
      : { clientConfig: options.clientConfig ?? {} };
  return [new SecretCache({ ...options.cacheOptions, ...source }), true];
}
