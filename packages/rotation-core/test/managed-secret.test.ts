import { describe, expect, it } from 'vitest';
import { ManagedSecretError, RotationError } from '../src/errors.js';
import { refuseManagedSecret } from '../src/managed-secret.js';

const CLUSTER_NAME = 'rds!cluster-8b1c4bd3-3f5e-4a0e-9d47-2a6f8f0c1a11';
const INSTANCE_NAME = 'rds!db-0d6e1c2a-7f1b-4a9e-8e3c-5b2d9a7c4e10';

function refusal(...args: Parameters<typeof refuseManagedSecret>): ManagedSecretError {
  try {
    refuseManagedSecret(...args);
  } catch (error) {
    if (error instanceof ManagedSecretError) return error;
    throw error;
  }
  throw new Error('expected a ManagedSecretError');
}

describe('refuseManagedSecret (the words; the refusal itself is tested through the stack)', () => {
  it('names RDS, the cluster, and both ways to rotate it, with the rds! id quoted for a shell', () => {
    const error = refusal(
      {
        Name: CLUSTER_NAME,
        OwningService: 'rds',
        Tags: [
          {
            Key: 'aws:rds:primaryDBClusterArn',
            Value: 'arn:aws:rds:us-east-1:111122223333:cluster:orders',
          },
        ],
      },
      CLUSTER_NAME,
    );
    expect(error).toBeInstanceOf(RotationError);
    expect(error.name).toBe('ManagedSecretError');
    expect(error).toMatchObject({
      secretId: CLUSTER_NAME,
      owningService: 'rds',
      rdsResource: { type: 'cluster', identifier: 'orders' },
    });
    expect(error.message).toContain(
      'managed by RDS (the master user password of DB cluster orders, ManageMasterUserPassword)',
    );
    expect(error.message).toContain(
      `\`aws secretsmanager rotate-secret --secret-id '${CLUSTER_NAME}'\` (it starts RDS's own rotation)`,
    );
    expect(error.message).toContain(
      '`aws rds modify-db-cluster --db-cluster-identifier orders --rotate-master-user-password --apply-immediately`',
    );
  });

  it('words an instance secret known only by its name with a placeholder identifier', () => {
    const error = refusal({ Name: INSTANCE_NAME }, INSTANCE_NAME);
    expect(error.rdsResource).toEqual({ type: 'instance', arn: undefined, identifier: undefined });
    expect(error.message).toContain(
      'aws rds modify-db-instance --db-instance-identifier <instance-id> --rotate-master-user-password',
    );
  });

  it("refuses another service's secret without RDS commands", () => {
    const error = refusal({ Name: 'admin', OwningService: 'redshift' }, 'admin');
    expect(error.message).toContain('managed by redshift: redshift rotates it itself');
    expect(error.message).toContain('`aws secretsmanager rotate-secret --secret-id admin`');
    expect(error.message).not.toContain('aws rds');
  });

  it("lets the account's own secrets through", () => {
    expect(() => refuseManagedSecret({ Name: 'prod/app/mysql' }, 'prod/app/mysql')).not.toThrow();
  });
});
