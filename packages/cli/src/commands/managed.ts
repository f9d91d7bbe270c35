import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { type ManagedSecret, managedSecretOf } from '@rotakit/core';
import { describeManagedSecret, managedRotationCommands } from '@rotakit/rotation-core';
import type { CommandContext } from '../context.js';
import { ManagedSecretRefusedError } from '../errors.js';

/** The commands that refuse a secret another service owns, and why each one would harm it. */
const WHY: Record<'rotate' | 'unstick', (owner: string) => string> = {
  rotate: (owner) =>
    `a rotation from here would fight ${owner}'s own (whose next rotation replaces the password anyway).`,
  unstick: (owner) =>
    `its labels are ${owner}'s to move: removing AWSPENDING in the middle of ${owner}'s rotation can leave AWSCURRENT with a password the database no longer accepts. ` +
    '`rotakit status` says where its rotation stands and where to look when it does not complete.',
};

/**
 * Reads DescribeSecret (metadata only, never the value) and refuses a managed secret. A failed
 * call refuses nothing: the rotation's own DescribeSecret then fails and is reported as every
 * rotation failure is (typed error, Region and endpoint, network diagnosis). The caller races
 * it with Ctrl-C.
 */
export async function refuseManagedSecret(
  ctx: CommandContext,
  command: 'rotate',
  secretId: string,
): Promise<void> {
  const metadata = await ctx
    .secretsManager()
    .send(new DescribeSecretCommand({ SecretId: secretId }))
    .catch(() => undefined);
  const managed = metadata && managedSecretOf(metadata);
  if (managed) throw managedSecretRefusal(command, secretId, managed);
}

/** The error `rotate` and `unstick` end with on a secret another service owns (exit code 1). */
export function managedSecretRefusal(
  command: 'rotate' | 'unstick',
  secretId: string,
  managed: ManagedSecret,
): ManagedSecretRefusedError {
  const { rotateSecret, rdsRotate } = managedRotationCommands(secretId, managed);
  const owner = managed.owningService === 'rds' ? 'RDS' : managed.owningService;
  const alternative = rdsRotate ? ` or \`${rdsRotate}\`` : '';
  return new ManagedSecretRefusedError(
    `rotakit ${command} refuses ${secretId}: it is ${describeManagedSecret(managed)}, and ${WHY[command](owner)} ` +
      `To rotate it now, run \`${rotateSecret}\` (it starts ${owner}'s own rotation)${alternative}.`,
    { command, owningService: managed.owningService, rotateSecret, rdsRotate },
  );
}
