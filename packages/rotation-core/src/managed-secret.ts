import { type ManagedSecret, managedSecretOf, type SecretOwnershipMetadata } from '@rotakit/core';
import { ManagedSecretError } from './errors.js';

/** What to run instead of rotakit to rotate a managed secret, as shell command lines. */
export interface ManagedRotationCommands {
  /** `aws secretsmanager rotate-secret --secret-id …`: starts the owning service's own rotation. */
  readonly rotateSecret: string;
  /**
   * RDS only: `aws rds modify-db-cluster` (or `modify-db-instance`) with
   * `--rotate-master-user-password --apply-immediately`, which RDS requires together.
   */
  readonly rdsRotate: string | undefined;
}

/**
 * The commands that rotate a managed secret the owning service's way. `secretId` is quoted
 * for a POSIX shell: the `!` of `rds!…` names would otherwise trigger history expansion.
 *
 * @example
 * const { rotateSecret } = managedRotationCommands('rds!db-…', managedSecretOf(described)!);
 */
export function managedRotationCommands(
  secretId: string,
  managed: ManagedSecret,
): ManagedRotationCommands {
  const rotateSecret = `aws secretsmanager rotate-secret --secret-id ${shellWord(secretId)}`;
  const resource = managed.rdsResource;
  if (!resource) return { rotateSecret, rdsRotate: undefined };
  const [command, flag] =
    resource.type === 'cluster'
      ? ['modify-db-cluster', '--db-cluster-identifier']
      : ['modify-db-instance', '--db-instance-identifier'];
  const id = resource.identifier ? shellWord(resource.identifier) : `<${resource.type}-id>`;
  const rdsRotate = `aws rds ${command} ${flag} ${id} --rotate-master-user-password --apply-immediately`;
  return { rotateSecret, rdsRotate };
}

/**
 * Who owns the secret, in words: `managed by RDS (the master user password of DB cluster
 * orders, ManageMasterUserPassword): RDS rotates it itself, with no rotation function`.
 */
export function describeManagedSecret(managed: ManagedSecret): string {
  const owner = ownerName(managed.owningService);
  const resource = managed.rdsResource;
  if (managed.owningService !== 'rds') {
    return `managed by ${owner}: ${owner} rotates it itself, with no rotation function`;
  }
  const kind = resource?.type === 'instance' ? 'DB instance' : 'DB cluster';
  const of = resource
    ? `the master user password of ${kind}${resource.identifier ? ` ${resource.identifier}` : ''}, `
    : '';
  return `managed by RDS (${of}ManageMasterUserPassword): RDS rotates it itself, with no rotation function`;
}

/**
 * Throws a ManagedSecretError when another service owns the secret: rotating it ourselves
 * would fight the service's own rotation (and its next one would replace our password).
 * @internal
 */
export function refuseManagedSecret(metadata: SecretOwnershipMetadata, secretId: string): void {
  const managed = managedSecretOf(metadata);
  if (!managed) return;
  const { rotateSecret, rdsRotate } = managedRotationCommands(secretId, managed);
  const owner = ownerName(managed.owningService);
  const alternative = rdsRotate ? ` or \`${rdsRotate}\`` : '';
  throw new ManagedSecretError(
    `Secret ${secretId} is ${describeManagedSecret(managed)}; rotakit does not rotate a secret another service owns. ` +
      `To rotate it now, run \`${rotateSecret}\` (it starts ${owner}'s own rotation)${alternative}.`,
    { secretId, owningService: managed.owningService, rdsResource: managed.rdsResource },
  );
}

function ownerName(service: string): string {
  return service === 'rds' ? 'RDS' : service;
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
