import {
  byEngine,
  createRotationHandler,
  fromEnvironment,
  jsonLogger,
  mysql,
  postgres,
} from '@rotakit/rotation-core';

// The template's variables (SECRETS_MANAGER_ENDPOINT, EXCLUDE_CHARACTERS, PASSWORD_LENGTH,
// USERNAME_CHARACTER_LIMIT, ROTAKIT_STRICT_TLS, ...) are read by createRotationHandler itself;
// a bad value fails here, at cold start, rather than halfway through a rotation.
const settings = fromEnvironment();

/**
 * The rotation function: `Handler: index.handler`. Each rotation sets a new password on the
 * user that is not AWSCURRENT (`user` or `user_clone`, created on first use by the master
 * whose secret `masterarn` names), so the previous credentials keep working meanwhile.
 */
export const handler = createRotationHandler({
  strategy: 'alternating-users',
  // One function for MySQL and PostgreSQL secrets: each is rotated by the driver of its
  // `engine`. Keep only the engine you use to drop the other's client from the bundle.
  database: byEngine({ mysql: mysql(), postgres: postgres() }),
  logger: jsonLogger({ level: settings.logLevel, service: 'rotakit-alternating-users' }),
});
