import { refusingOwnedSecrets } from '../managed/owned.js';
import type { Operation } from './context.js';
import { refuseCrossAccount } from './cross-account.js';
import { getRandomPassword } from './password.js';
import {
  deleteResourcePolicy,
  getResourcePolicy,
  putResourcePolicy,
  validateResourcePolicy,
} from './policy.js';
import {
  removeRegionsFromReplication,
  replicaReadOnly,
  replicateSecretToRegions,
  stopReplicationToReplica,
} from './replication.js';
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

/** Operations that change state: their response waits for the data file write. */
export const MUTATING: ReadonlySet<string> = new Set([
  'CancelRotateSecret',
  'CreateSecret',
  'DeleteResourcePolicy',
  'DeleteSecret',
  'PutResourcePolicy',
  'PutSecretValue',
  'RemoveRegionsFromReplication',
  'ReplicateSecretToRegions',
  'RestoreSecret',
  'RotateSecret',
  'StopReplicationToReplica',
  'TagResource',
  'UntagResource',
  'UpdateSecret',
  'UpdateSecretVersionStage',
]);

/**
 * A replica is read-only: every write to it is refused (the service's "Operation not permitted
 * on a replica secret"), except StopReplicationToReplica, which is how it stops being one.
 */
function refusingReplicas(operation: Operation): Operation {
  return (input, ctx) => {
    const secretId = input.body.SecretId;
    if (typeof secretId === 'string' && ctx.store.find(secretId)?.primaryRegion !== undefined) {
      throw replicaReadOnly();
    }
    return operation(input, ctx);
  };
}

const ALL: Readonly<Record<string, Operation>> = {
  AssociateCrossAccountReplica: refuseCrossAccount,
  BatchGetSecretValue: batchGetSecretValue,
  CancelRotateSecret: cancelRotateSecret,
  CreateSecret: createSecret,
  DeleteResourcePolicy: deleteResourcePolicy,
  DeleteSecret: deleteSecret,
  DescribeSecret: describeSecret,
  DisassociateCrossAccountReplica: refuseCrossAccount,
  GetRandomPassword: getRandomPassword,
  GetResourcePolicy: getResourcePolicy,
  GetSecretValue: getSecretValue,
  ListSecretVersionIds: listSecretVersionIds,
  ListSecrets: listSecrets,
  PutResourcePolicy: putResourcePolicy,
  PutSecretValue: putSecretValue,
  RemoveRegionsFromReplication: removeRegionsFromReplication,
  ReplicateSecretToRegions: replicateSecretToRegions,
  RestoreSecret: restoreSecret,
  RotateSecret: rotateSecret,
  StopReplicationToReplica: stopReplicationToReplica,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateSecret: updateSecret,
  UpdateSecretVersionStage: updateSecretVersionStage,
  ValidateResourcePolicy: validateResourcePolicy,
};

/** Every operation of the service's API reference, keyed by its X-Amz-Target name. */
export const OPERATIONS: Readonly<Record<string, Operation>> = Object.freeze(
  Object.fromEntries(
    Object.entries(ALL).map(([name, operation]) => [
      name,
      MUTATING.has(name) && name !== 'StopReplicationToReplica' && name !== 'CreateSecret'
        ? refusingReplicas(refusingOwnedSecrets(name, operation))
        : operation,
    ]),
  ),
);
