export * from './aws/index.js';
export * from './database/index.js';
export * from './errors/index.js';
export * from './metrics/index.js';
export * from './network/index.js';
export * from './rotation/index.js';
export * from './secret/index.js';
export { type DefinedOnly, definedOnly } from './util/defined.js';
