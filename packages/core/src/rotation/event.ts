/*
 * The rotation contract between Secrets Manager and a rotation function, shared by the
 * function (rotation-core) and the local service that invokes it (secrets-manager-local).
 */

/** The four rotation steps, in the order the service runs them. */
export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/** The steps as a frozen list, in the order the service runs them. */
export const ROTATION_STEPS: readonly RotationStep[] = Object.freeze([
  'createSecret',
  'setSecret',
  'testSecret',
  'finishSecret',
]);

/** The step names a rotation function accepts; the snake_case spelling of one AWS page too. */
export type RotationStepName =
  | RotationStep
  | 'create_secret'
  | 'set_secret'
  | 'test_secret'
  | 'finish_secret';

/**
 * The event Secrets Manager sends a rotation function, once per step. `RotationToken`
 * (missing from `@types/aws-lambda`) is passed on to PutSecretValue.
 */
export interface RotationEvent {
  Step: RotationStepName;
  /** The secret's ARN. */
  SecretId: string;
  /** The version being rotated (the version that carries AWSPENDING). */
  ClientRequestToken: string;
  RotationToken?: string;
}

/** True for one of the four step names (camelCase, as the service sends them). */
export function isRotationStep(value: unknown): value is RotationStep {
  return typeof value === 'string' && (ROTATION_STEPS as readonly string[]).includes(value);
}
