import { InvalidEventError, type RotationStep } from '../errors.js';

// The event's shape is the rotation contract's, shared with the local Secrets Manager.
export type { RotationEvent, RotationStepName } from '@rotakit/core';

/** A validated event. @internal */
export interface ParsedEvent {
  step: RotationStep;
  secretId: string;
  token: string;
  rotationToken: string | undefined;
}

// A Map, not an object literal: `Step: "constructor"` or `"__proto__"` must not find an
// inherited Object.prototype member and pass as a step that then does nothing.
const STEP_NAMES: ReadonlyMap<string, RotationStep> = new Map<string, RotationStep>([
  ['createSecret', 'createSecret'],
  ['setSecret', 'setSecret'],
  ['testSecret', 'testSecret'],
  ['finishSecret', 'finishSecret'],
  ['create_secret', 'createSecret'],
  ['set_secret', 'setSecret'],
  ['test_secret', 'testSecret'],
  ['finish_secret', 'finishSecret'],
]);

const printable = (value: string) =>
  JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);

/** Checks the event's shape; every problem is an InvalidEventError naming the field. */
export function parseEvent(event: unknown): ParsedEvent {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw InvalidEventError.of('event', 'is not an object');
  }
  const record = event as Record<string, unknown>;
  const secretId = secretIdOf(record);
  const token = tokenOf(record, secretId);
  return {
    step: stepOf(record, secretId, token),
    secretId,
    token,
    rotationToken: rotationTokenOf(record, secretId, token),
  };
}

function secretIdOf(record: Record<string, unknown>): string {
  const secretId = record.SecretId;
  if (typeof secretId !== 'string' || secretId.length === 0 || secretId.length > 2048) {
    throw InvalidEventError.of('SecretId', 'must be a non-empty string (the secret ARN)');
  }
  return secretId;
}

function tokenOf(record: Record<string, unknown>, secretId: string): string {
  const token = record.ClientRequestToken;
  if (typeof token !== 'string' || token.length < 32 || token.length > 64) {
    throw InvalidEventError.of('ClientRequestToken', 'must be a string of 32 to 64 characters', {
      secretId,
    });
  }
  return token;
}

function stepOf(record: Record<string, unknown>, secretId: string, token: string): RotationStep {
  const rawStep = record.Step;
  if (typeof rawStep !== 'string') {
    throw InvalidEventError.of('Step', 'is missing', { secretId, versionId: token });
  }
  const step = STEP_NAMES.get(rawStep);
  if (!step) {
    throw InvalidEventError.of(
      'Step',
      `${printable(rawStep)} is not a rotation step (createSecret, setSecret, testSecret, finishSecret) for secret ${secretId}`,
      { secretId, versionId: token },
    );
  }
  return step;
}

// Absent, null and the empty string all mean "no token": PutSecretValue is called without one.
function rotationTokenOf(
  record: Record<string, unknown>,
  secretId: string,
  token: string,
): string | undefined {
  const rotationToken = record.RotationToken;
  if (rotationToken !== undefined && rotationToken !== null && typeof rotationToken !== 'string') {
    throw InvalidEventError.of('RotationToken', 'must be a string when present', {
      secretId,
      versionId: token,
    });
  }
  return typeof rotationToken === 'string' && rotationToken ? rotationToken : undefined;
}
