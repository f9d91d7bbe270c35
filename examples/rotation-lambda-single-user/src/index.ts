import {
  byEngine,
  createRotationHandler,
  fromEnvironment,
  jsonLogger,
  mysql,
  postgres,
} from '@rotakit/rotation-core';

// The template's variables (SECRETS_MANAGER_ENDPOINT, EXCLUDE_CHARACTERS, PASSWORD_LENGTH,
// EXCLUDE_*, ROTAKIT_STRICT_TLS, ...) are read by createRotationHandler itself; a bad value
// fails here, at cold start, rather than halfway through a rotation.
const settings = fromEnvironment();

/** The rotation function: `Handler: index.handler`. */
export const handler = createRotationHandler({
  strategy: 'single-user',
  // One function for MySQL and PostgreSQL secrets: each is rotated by the driver of its
  // `engine`. Keep only the engine you use to drop the other's client from the bundle.
  database: byEngine({ mysql: mysql(), postgres: postgres() }),
  logger: jsonLogger({ level: settings.logLevel, service: 'rotakit-single-user' }),
});
