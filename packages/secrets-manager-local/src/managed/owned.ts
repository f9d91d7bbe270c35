import { invalidRequest } from '../errors.js';
import type { Operation, OperationContext } from '../operations/context.js';
import { reschedule } from '../schedule.js';
import type { RotationRules, SecretRecord } from '../store.js';

/**
 * Writes the service refuses on a secret another service owns. AWS's user guide ("Modify a
 * secret") says that for secrets created by other services "you might need to use the other
 * service to update or rotate it"; RDS changes the value and deletes the secret with the DB
 * resource. The exact wording of the refusal is not documented; ours names the owner.
 */
const REFUSED_ON_OWNED: ReadonlySet<string> = new Set([
  'DeleteSecret',
  'PutSecretValue',
  'UpdateSecret',
  'UpdateSecretVersionStage',
]);

export function refusedOnOwnedSecret(secret: SecretRecord): Error {
  return invalidRequest(
    `You can't perform this operation on secret ${secret.name} because it's managed by ${secret.owningService}. Make the change through ${secret.owningService} instead.`,
  );
}

/** Wraps an operation so it refuses secrets another service owns, where the service does. */
export function refusingOwnedSecrets(name: string, operation: Operation): Operation {
  const refusesAlways = REFUSED_ON_OWNED.has(name);
  if (!refusesAlways && name !== 'RotateSecret') return operation;
  return (input, ctx) => {
    const secretId = input.body.SecretId;
    const secret = typeof secretId === 'string' ? ctx.store.find(secretId) : undefined;
    const owned = secret?.owningService !== undefined;
    // RotateSecret itself is allowed: it starts the owner's rotation; a Lambda is not.
    const refused = refusesAlways || input.body.RotationLambdaARN !== undefined;
    if (secret !== undefined && owned && refused) throw refusedOnOwnedSecret(secret);
    return operation(input, ctx);
  };
}

export interface OwnedRotationRequest {
  readonly token: string;
  readonly rules: RotationRules | undefined;
  readonly rotateImmediately: boolean;
}

/**
 * RotateSecret on an owned secret: the owner's rotation starts now (a stuck one is
 * reattempted with its own token, as the schedule does); new RotationRules replace the
 * schedule.
 */
export function rotateOwnedSecret(
  secret: SecretRecord,
  request: OwnedRotationRequest,
  ctx: OperationContext,
): Record<string, unknown> {
  const { store, runner } = ctx;
  if (runner.isRunning(secret.arn)) {
    throw invalidRequest("A previous rotation isn't complete. That rotation will be reattempted.");
  }
  let token = store.pendingVersionId(secret);
  if (token === undefined) {
    token = request.token;
    store.createPendingVersion(secret, token);
  }
  if (request.rules !== undefined) secret.rotationRules = request.rules;
  secret.rotationEnabled = true;
  const now = store.now();
  reschedule(secret, secret.lastRotatedDate ?? now, now);
  store.changed(secret);
  ctx.startRotation(secret, token, request.rotateImmediately, 'RotateSecret');
  return { ARN: secret.arn, Name: secret.name, VersionId: token };
}
