import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { createDatabaseUser } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidEventError } from '../src/errors.js';
import type { RotationHandler } from '../src/handler.js';
import type { CapturingLogger } from './helpers.js';
import { createSecret, FUNCTION_ARN, rotate, stagesOf, testHandler } from './stack.js';

// Names every plain object inherits: a lookup in an object literal finds them, and the
// dispatcher then ran no step at all and reported success.
const INHERITED_NAMES = ['constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty'];

const server = testMysql();
const SINGLE = FUNCTION_ARN('step-names');
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let handler: RotationHandler;
let logger: CapturingLogger;
let secretId: string;
let pendingId: string;
let password: string;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  ({ handler, logger } = testHandler(client, { strategy: 'single-user' }));
  sm.registerRotationFunction(SINGLE, handler);
  const user = await createDatabaseUser(server);
  password = user.password;
  const secret = await createSecret(client, {
    engine: 'mysql',
    host: user.host,
    port: user.port,
    username: user.username,
    password: user.password,
    ssl: false,
  });
  secretId = secret.arn;
  // One real rotation turns rotation on; then a version waits in AWSPENDING, so a step
  // name that slipped through would reach the step switch rather than a version check.
  expect((await rotate(sm, client, secretId, SINGLE)).status).toBe('succeeded');
  pendingId = crypto.randomUUID();
  await client.send(
    new PutSecretValueCommand({
      SecretId: secretId,
      ClientRequestToken: pendingId,
      SecretString: JSON.stringify({ engine: 'mysql', host: user.host, password: 'unused' }),
      VersionStages: ['AWSPENDING'],
    }),
  );
});

afterAll(async () => {
  await handler?.close();
  await sm?.close();
});

describe('a Step named after an Object.prototype member', () => {
  it.each(INHERITED_NAMES)('rejects Step %j as an InvalidEventError', async (name) => {
    const stagesBefore = await stagesOf(client, secretId);
    const error = await handler({
      Step: name as never,
      SecretId: secretId,
      ClientRequestToken: pendingId,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error).toMatchObject({ name: 'InvalidEventError', field: 'Step', secretId });
    expect((error as Error).message).toContain(`${JSON.stringify(name)} is not a rotation step`);
    expect((error as Error).message).not.toContain(password);
    expect(logger.text()).not.toContain(password);
    expect(await stagesOf(client, secretId)).toEqual(stagesBefore);
  });

  it('still runs a real step name on the same pending version', async () => {
    // The control: the event is valid apart from the Step, so the rejections above are
    // about the name. testSecret fails here (the pending value has no username).
    const error = await handler({
      Step: 'testSecret',
      SecretId: secretId,
      ClientRequestToken: pendingId,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).not.toBeInstanceOf(InvalidEventError);
    expect(error).toMatchObject({ step: 'testSecret', secretId });
  });
});
