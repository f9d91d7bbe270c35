import { definedOnly } from '@rotakit/core';
import { invalidRequest, ServiceError } from '../errors.js';
import { rotateOwnedSecret } from '../managed/owned.js';
import { reschedule, validateRotationRules } from '../schedule.js';
import type { RotationRules } from '../store.js';
import { type Operation, readSecretId, readToken } from './context.js';

export const rotateSecret: Operation = (input, ctx) => {
  const { store, runner } = ctx;
  const secretId = readSecretId(input);
  const token = readToken(input);
  const lambdaArn = input.string('RotationLambdaARN', { max: 2048 });
  const rulesInput = input.structure('RotationRules');
  const rotateImmediately = input.boolean('RotateImmediately') ?? true;
  let rules: RotationRules | undefined;
  if (rulesInput !== undefined) {
    const automaticallyAfterDays = rulesInput.integer('AutomaticallyAfterDays', {
      min: 1,
      max: 1000,
    });
    const duration = rulesInput.string('Duration', { min: 2, max: 3 });
    const scheduleExpression = rulesInput.string('ScheduleExpression', { min: 1, max: 256 });
    rules = validateRotationRules(
      definedOnly({ automaticallyAfterDays, duration, scheduleExpression }),
    );
  }
  const secret = store.resolveLive(secretId);
  if (secret.owningService !== undefined) {
    return rotateOwnedSecret(secret, { token, rules, rotateImmediately }, ctx);
  }
  const functionArn = lambdaArn ?? secret.rotationLambdaArn;
  if (functionArn === undefined) {
    throw invalidRequest('No Lambda rotation function ARN is associated with this secret.');
  }
  if (!runner.has(functionArn)) {
    throw ServiceError.of(
      'AccessDeniedException',
      `Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com. (secrets-manager-local: no rotation function is registered for ${functionArn})`,
    );
  }
  const version = store.createPendingVersion(secret, token);
  secret.rotationEnabled = true;
  secret.rotationLambdaArn = functionArn;
  if (rules !== undefined) secret.rotationRules = rules;
  const now = store.now();
  reschedule(secret, secret.lastRotatedDate ?? now, now);
  store.changed(secret);
  ctx.startRotation(secret, version.versionId, rotateImmediately, 'RotateSecret');
  return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId };
};

export const cancelRotateSecret: Operation = (input, { store, runner }) => {
  const secret = store.resolveLive(readSecretId(input));
  secret.rotationEnabled = false;
  delete secret.nextRotationDate;
  // An owner's rotation in flight runs to its end: stopped between ALTER USER and the label
  // move, it would leave AWSCURRENT holding a password the database no longer accepts.
  if (secret.owningService === undefined) runner.cancel(secret.arn);
  store.changed(secret);
  const pending = store.pendingVersionId(secret);
  return pending === undefined
    ? { ARN: secret.arn, Name: secret.name }
    : { ARN: secret.arn, Name: secret.name, VersionId: pending };
};
