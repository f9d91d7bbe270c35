export type { LoginFailure } from './client.js';
export type { CreatePgPoolOptions, PgPoolOwnOptions } from './options.js';
export { createPgPool, SecretPgPool, type SecretPgPoolEvents } from './pool.js';
