import { describe, expect, it } from 'vitest';
import { isRdsManagedSecretName, managedSecretOf } from '../src/index.js';

const CLUSTER_ARN = 'arn:aws:rds:us-east-1:111122223333:cluster:orders';
const INSTANCE_ARN = 'arn:aws:rds:us-east-1:111122223333:db:orders-1';
const CLUSTER_NAME = 'rds!cluster-8b1c4bd3-3f5e-4a0e-9d47-2a6f8f0c1a11';
const INSTANCE_NAME = 'rds!db-0d6e1c2a-7f1b-4a9e-8e3c-5b2d9a7c4e10';

describe('managedSecretOf', () => {
  it('reads an RDS cluster secret as DescribeSecret shows it: OwningService, tags, name', () => {
    const managed = managedSecretOf({
      Name: CLUSTER_NAME,
      OwningService: 'rds',
      Tags: [
        { Key: 'aws:rds:primaryDBClusterArn', Value: CLUSTER_ARN },
        { Key: 'aws:secretsmanager:owningService', Value: 'rds' },
      ],
    });
    expect(managed).toEqual({
      owningService: 'rds',
      evidence: 'OwningService',
      rdsResource: { type: 'cluster', arn: CLUSTER_ARN, identifier: 'orders' },
    });
  });

  it('reads an RDS instance secret, tag keys in any case', () => {
    const managed = managedSecretOf({
      Name: INSTANCE_NAME,
      OwningService: 'rds',
      Tags: [{ Key: 'aws:rds:primarydbinstancearn', Value: INSTANCE_ARN }],
    });
    expect(managed?.rdsResource).toEqual({
      type: 'instance',
      arn: INSTANCE_ARN,
      identifier: 'orders-1',
    });
  });

  it('falls back to the owning-service or aws:rds tags, then to the rds! name (type from the name)', () => {
    const byTag = managedSecretOf({
      Name: 'x',
      Tags: [{ Key: 'aws:secretsmanager:owningService', Value: 'rds' }],
    });
    expect(byTag).toMatchObject({ owningService: 'rds', evidence: 'tag', rdsResource: undefined });
    const byRdsTag = managedSecretOf({
      Name: 'x',
      Tags: [{ Key: 'aws:rds:primaryDBInstanceArn', Value: 'arn:aws:rds:us-east-1:1:db:orders-1' }],
    });
    expect(byRdsTag).toMatchObject({
      owningService: 'rds',
      evidence: 'tag',
      rdsResource: { type: 'instance', identifier: 'orders-1' },
    });
    const byName = managedSecretOf({ Name: INSTANCE_NAME });
    expect(byName).toEqual({
      owningService: 'rds',
      evidence: 'name',
      rdsResource: { type: 'instance', arn: undefined, identifier: undefined },
    });
    expect(managedSecretOf({ Name: CLUSTER_NAME })?.rdsResource?.type).toBe('cluster');
  });

  it('names another owning service without an RDS resource', () => {
    expect(managedSecretOf({ Name: 'redshift!admin', OwningService: 'redshift' })).toEqual({
      owningService: 'redshift',
      evidence: 'OwningService',
      rdsResource: undefined,
    });
  });

  it("is undefined for the account's own secrets, empty OwningService and tags included", () => {
    expect(managedSecretOf({ Name: 'prod/app/mysql' })).toBeUndefined();
    expect(managedSecretOf({ Name: 'prod/rds!x', OwningService: '', Tags: [] })).toBeUndefined();
    expect(
      managedSecretOf({ Tags: [{ Key: 'aws:secretsmanager:owningService', Value: '' }] }),
    ).toBeUndefined();
  });
});

describe('isRdsManagedSecretName', () => {
  it('recognises both name shapes, also inside a secret ARN', () => {
    expect(isRdsManagedSecretName(CLUSTER_NAME)).toBe(true);
    expect(isRdsManagedSecretName(INSTANCE_NAME)).toBe(true);
    const arn = `arn:aws:secretsmanager:us-east-1:111122223333:secret:${INSTANCE_NAME}-AbC123`;
    expect(isRdsManagedSecretName(arn)).toBe(true);
    expect(isRdsManagedSecretName('arn:aws:secretsmanager:us-east-1:1:secret:app-AbC123')).toBe(
      false,
    );
    expect(isRdsManagedSecretName('prod/app/mysql')).toBe(false);
  });
});
