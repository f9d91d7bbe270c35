import { setTimeout as sleep } from 'node:timers/promises';
import { scrubSecrets } from '@rotakit/engine-mysql';
import { ManagedRotationError } from '../errors.js';
import { randomPassword } from '../random-password.js';
import type { InProcessRotationFunction, RotationStep } from '../rotation.js';
import { SecretValue } from '../secret-value.js';
import { AWSCURRENT, AWSPENDING, type SecretRecord, type SecretStore } from '../store.js';
import type { ResolvedRdsManagedOptions } from './options.js';
import { setDatabasePassword } from './set-password.js';

/**
 * Characters left out of generated master passwords: the three the RDS API reference refuses
 * in `MasterUserPassword` (`/`, `"`, `@`) and the space.
 */
export const RDS_EXCLUDED_CHARACTERS = '/@" ';
/** The length of the passwords the simulation generates. */
export const RDS_PASSWORD_LENGTH = 32;

/**
 * The simulated managed rotation as the four steps the runner records, acting on the store
 * directly (the service needs no Lambda): a new version with a new password, `ALTER USER`
 * on the database, nothing to test, and AWSCURRENT moved `labelMoveDelayMs` later. Between
 * the last two, GetSecretValue returns a password the database no longer accepts: the
 * window the RDS docs describe ("new connections that retrieve the secret may get the
 * previous version of the credentials").
 */
export function managedRotationFunction(
  store: SecretStore,
  config: ResolvedRdsManagedOptions,
  signal: AbortSignal,
): InProcessRotationFunction {
  return async (event) => {
    const step = event.Step as RotationStep;
    const secret = findSecret(store, event.SecretId, step);
    const token = event.ClientRequestToken;
    if (step === 'createSecret') createVersion(store, secret, token, config);
    else if (step === 'setSecret') await changePassword(secret, token, config);
    else if (step === 'finishSecret') {
      await sleep(config.labelMoveDelayMs, undefined, { signal });
      moveCurrent(store, findSecret(store, event.SecretId, step), token);
    }
  };
}

function findSecret(store: SecretStore, secretId: string, step: string): SecretRecord {
  const secret = store.find(secretId);
  if (secret === undefined || secret.deletedDate !== undefined) {
    throw new ManagedRotationError('The managed secret is gone', { secretId, step });
  }
  return secret;
}

/** createSecret: the new password, once per token (a retried rotation keeps its password). */
function createVersion(
  store: SecretStore,
  secret: SecretRecord,
  token: string,
  config: ResolvedRdsManagedOptions,
): void {
  if (secret.versions.get(token)?.value !== undefined) return;
  const password = randomPassword({
    passwordLength: RDS_PASSWORD_LENGTH,
    excludeCharacters: RDS_EXCLUDED_CHARACTERS,
    excludeNumbers: false,
    excludePunctuation: false,
    excludeUppercase: false,
    excludeLowercase: false,
    includeSpace: false,
    requireEachIncludedType: true,
  });
  const value = SecretValue.fromString(JSON.stringify({ username: config.username, password }));
  store.putValue(secret, token, value, [AWSPENDING]);
  if (!config.stagePending && secret.labels.get(AWSPENDING) === token) {
    secret.labels.delete(AWSPENDING);
    store.changed(secret);
  }
}

/** setSecret: ALTER USER; a failure leaves AWSCURRENT untouched and still valid. */
async function changePassword(
  secret: SecretRecord,
  token: string,
  config: ResolvedRdsManagedOptions,
): Promise<void> {
  const text = secret.versions.get(token)?.value?.text;
  const password =
    text === undefined ? undefined : (JSON.parse(text) as { password?: string }).password;
  if (password === undefined) {
    throw new ManagedRotationError('The new version has no password', {
      secretId: secret.arn,
      step: 'setSecret',
    });
  }
  try {
    await setDatabasePassword(config.database, config.username, password);
  } catch (error) {
    throw databaseError(error, secret.arn, [password, config.database.password]);
  }
}

/** finishSecret: AWSCURRENT to the new version; the store puts AWSPREVIOUS on the old one. */
function moveCurrent(store: SecretStore, secret: SecretRecord, token: string): void {
  const current = secret.labels.get(AWSCURRENT);
  if (current === token) return;
  store.updateStage(secret, AWSCURRENT, token, current);
}

/**
 * The driver's error reduced to safe facts: no `cause` (mysql2 keeps the statement, with the
 * password, on its error), and any secret in the message replaced.
 */
function databaseError(
  error: unknown,
  secretId: string,
  secrets: readonly string[],
): ManagedRotationError {
  const { message, errno, code } = error as { message?: unknown; errno?: unknown; code?: unknown };
  // MySQL quotes what it echoes (quotes doubled, cut short): engine-mysql knows every form.
  const text = scrubSecrets(typeof message === 'string' ? message : 'unknown error', secrets);
  return new ManagedRotationError(`Could not change the password on the database: ${text}`, {
    secretId,
    step: 'setSecret',
    errno: typeof errno === 'number' ? errno : undefined,
    code: typeof code === 'string' ? code : undefined,
  });
}
