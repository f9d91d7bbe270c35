import type { Operation } from './context.js';
import { getRandomPassword } from './password.js';
import { cancelRotateSecret, rotateSecret } from './rotation.js';
import {
  batchGetSecretValue,
  createSecret,
  deleteSecret,
  describeSecret,
  listSecrets,
  restoreSecret,
  tagResource,
  untagResource,
  updateSecret,
} from './secrets.js';
import {
  getSecretValue,
  listSecretVersionIds,
  putSecretValue,
  updateSecretVersionStage,
} from './values.js';

export type { Operation, OperationContext } from './context.js';

/** Every operation the local service answers, keyed by its X-Amz-Target name. */
export const OPERATIONS: Readonly<Record<string, Operation>> = Object.freeze({
  BatchGetSecretValue: batchGetSecretValue,
  CancelRotateSecret: cancelRotateSecret,
  CreateSecret: createSecret,
  DeleteSecret: deleteSecret,
  DescribeSecret: describeSecret,
  GetRandomPassword: getRandomPassword,
  GetSecretValue: getSecretValue,
  ListSecretVersionIds: listSecretVersionIds,
  ListSecrets: listSecrets,
  PutSecretValue: putSecretValue,
  RestoreSecret: restoreSecret,
  RotateSecret: rotateSecret,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateSecret: updateSecret,
  UpdateSecretVersionStage: updateSecretVersionStage,
});

/** Operations that change state: their response waits for the data file write. */
export const MUTATING: ReadonlySet<string> = new Set([
  'CancelRotateSecret',
  'CreateSecret',
  'DeleteSecret',
  'PutSecretValue',
  'RestoreSecret',
  'RotateSecret',
  'TagResource',
  'UntagResource',
  'UpdateSecret',
  'UpdateSecretVersionStage',
]);
