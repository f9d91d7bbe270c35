import { createRotationHandler, fromEnvironment, jsonLogger, mysql } from '@rotakit/rotation-core';

// The template's variables (SECRETS_MANAGER_ENDPOINT, EXCLUDE_CHARACTERS, PASSWORD_LENGTH,
// EXCLUDE_*, ROTAKIT_STRICT_TLS, ...) are read by createRotationHandler itself; a bad value
// fails here, at cold start, rather than halfway through a rotation.
const settings = fromEnvironment();

/** The rotation function: `Handler: index.handler`. */
export const handler = createRotationHandler({
  strategy: 'single-user',
  database: mysql(),
  logger: jsonLogger({ level: settings.logLevel, service: 'rotakit-single-user' }),
});
