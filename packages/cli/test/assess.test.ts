import { describe, expect, it } from 'vitest';
import { assessSecret, IN_PROGRESS_WINDOW_MS } from '../src/status/assess.js';

const now = new Date('2026-11-28T12:00:00Z');
const old = new Date(now.getTime() - 2 * IN_PROGRESS_WINDOW_MS);
const recent = new Date(now.getTime() - 30_000);
const base = {
  ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:app-AbCdEf',
  Name: 'app',
};

describe('assessSecret', () => {
  it('is healthy with rotation on and no pending version', () => {
    const status = assessSecret(
      {
        ...base,
        RotationEnabled: true,
        RotationLambdaARN: 'arn:fn',
        VersionIdsToStages: { v1: ['AWSCURRENT'], v0: ['AWSPREVIOUS'] },
      },
      [],
      now,
    );
    expect(status).toMatchObject({
      verdict: 'healthy',
      ok: true,
      currentVersionId: 'v1',
      previousVersionId: 'v0',
    });
  });

  it('is not stuck when AWSPENDING sits on the AWSCURRENT version', () => {
    const status = assessSecret(
      { ...base, RotationEnabled: true, VersionIdsToStages: { v1: ['AWSCURRENT', 'AWSPENDING'] } },
      [],
      now,
    );
    expect(status.verdict).toBe('healthy');
  });

  it('is stuck when an old AWSPENDING sits on another version', () => {
    const status = assessSecret(
      {
        ...base,
        RotationEnabled: true,
        VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] },
      },
      [{ VersionId: 'v2', CreatedDate: old }],
      now,
    );
    expect(status).toMatchObject({ verdict: 'stuck', ok: false, pendingVersionId: 'v2' });
    expect(status.message).toContain("A previous rotation isn't complete");
  });

  it('treats a pending version without a creation date as stuck', () => {
    const status = assessSecret(
      {
        ...base,
        RotationEnabled: true,
        VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] },
      },
      [],
      now,
    );
    expect(status.verdict).toBe('stuck');
  });

  it('says a fresh pending version is probably a running rotation', () => {
    const status = assessSecret(
      {
        ...base,
        RotationEnabled: true,
        VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] },
      },
      [{ VersionId: 'v2', CreatedDate: recent }],
      now,
    );
    expect(status).toMatchObject({ verdict: 'rotation-in-progress', ok: true });
  });

  it('recognises RDS-managed secrets by owning service or name', () => {
    const byOwner = assessSecret(
      {
        ...base,
        OwningService: 'rds',
        RotationEnabled: true,
        VersionIdsToStages: { v1: ['AWSCURRENT'] },
      },
      [],
      now,
    );
    const byName = assessSecret(
      { ...base, Name: 'rds!cluster-1234', VersionIdsToStages: { v1: ['AWSCURRENT'] } },
      [],
      now,
    );
    expect(byOwner).toMatchObject({ verdict: 'rds-managed', rdsManaged: true });
    expect(byName).toMatchObject({ verdict: 'rds-managed', rdsManaged: true });
  });

  const cluster = {
    ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!cluster-8b1c4bd3-AbCdEf',
    Name: 'rds!cluster-8b1c4bd3',
    OwningService: 'rds',
    RotationEnabled: true,
    RotationRules: { AutomaticallyAfterDays: 7 },
    Tags: [
      {
        Key: 'aws:rds:primaryDBClusterArn',
        Value: 'arn:aws:rds:us-east-1:111122223333:cluster:orders',
      },
      { Key: 'aws:secretsmanager:owningService', Value: 'rds' },
    ],
  };

  it('reads an RDS-managed cluster secret: owner, resource, schedule, commands', () => {
    const status = assessSecret(
      { ...cluster, VersionIdsToStages: { v1: ['AWSCURRENT'] } },
      [],
      now,
    );
    expect(status).toMatchObject({
      verdict: 'rds-managed',
      ok: true,
      rdsManaged: true,
      owningService: 'rds',
      managedEvidence: 'OwningService',
      rdsResource: { type: 'cluster', identifier: 'orders' },
      rotationSchedule: 'every 7 days',
      managedCommands: {
        rotateSecret: "aws secretsmanager rotate-secret --secret-id 'rds!cluster-8b1c4bd3'",
        rdsRotate:
          'aws rds modify-db-cluster --db-cluster-identifier orders --rotate-master-user-password --apply-immediately',
      },
    });
    expect(status.message).toContain('RDS rotates it itself, with no rotation function');
    expect(status.message).not.toContain('rotakit');
  });

  it('reads an rds!db- instance secret by its name alone, and a window', () => {
    const status = assessSecret(
      {
        ...base,
        Name: 'rds!db-0d6e1c2a',
        RotationEnabled: true,
        RotationRules: { ScheduleExpression: 'rate(10 days)', Duration: '3h' },
        VersionIdsToStages: { v1: ['AWSCURRENT'] },
      },
      [],
      now,
    );
    expect(status).toMatchObject({
      verdict: 'rds-managed',
      managedEvidence: 'name',
      rdsResource: { type: 'instance' },
      rotationSchedule: 'rate(10 days)',
      rotationWindow: '3h',
    });
    expect(status.managedCommands?.rdsRotate).toContain(
      'modify-db-instance --db-instance-identifier <instance-id>',
    );
  });

  it("judges a managed secret's pending version without sending anyone to rotakit rotate or unstick", () => {
    const stages = { VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] } };
    const running = assessSecret(
      { ...cluster, ...stages },
      [{ VersionId: 'v2', CreatedDate: recent }],
      now,
    );
    expect(running).toMatchObject({ verdict: 'rotation-in-progress', ok: true, rdsManaged: true });
    expect(running.message).toContain('RDS is rotating it now: AWSPENDING is on version v2');
    const stuck = assessSecret(
      { ...cluster, ...stages },
      [{ VersionId: 'v2', CreatedDate: old }],
      now,
    );
    expect(stuck).toMatchObject({ verdict: 'stuck', ok: false, rdsManaged: true });
    expect(stuck.message).toContain('rotakit does not unstick a secret RDS owns');
    expect(stuck.message).toContain(
      "aws rds describe-db-clusters --db-cluster-identifier orders --query 'DBClusters[0].MasterUserSecret'",
    );
    for (const status of [running, stuck]) {
      expect(status.message).not.toContain('rotakit rotate');
      expect(status.message).not.toContain('run `rotakit unstick`');
    }
  });

  it('gives a secret another service owns its own verdict', () => {
    const status = assessSecret(
      { ...base, OwningService: 'redshift', VersionIdsToStages: { v1: ['AWSCURRENT'] } },
      [],
      now,
    );
    expect(status).toMatchObject({ verdict: 'service-managed', ok: true, rdsManaged: false });
    expect(status.owningService).toBe('redshift');
  });

  it('reports disabled rotation and a missing AWSCURRENT', () => {
    expect(
      assessSecret({ ...base, VersionIdsToStages: { v1: ['AWSCURRENT'] } }, [], now).verdict,
    ).toBe('rotation-disabled');
    const none = assessSecret({ ...base, RotationEnabled: true, VersionIdsToStages: {} }, [], now);
    expect(none).toMatchObject({ verdict: 'no-current-version', ok: false });
  });

  it('describes the schedule from either rule form', () => {
    const days = assessSecret(
      {
        ...base,
        RotationEnabled: true,
        RotationRules: { AutomaticallyAfterDays: 30 },
        VersionIdsToStages: { v: ['AWSCURRENT'] },
      },
      [],
      now,
    );
    const cron = assessSecret(
      {
        ...base,
        RotationEnabled: true,
        RotationRules: { ScheduleExpression: 'rate(4 hours)' },
        VersionIdsToStages: { v: ['AWSCURRENT'] },
      },
      [],
      now,
    );
    expect(days.rotationSchedule).toBe('every 30 days');
    expect(cron.rotationSchedule).toBe('rate(4 hours)');
  });

  it('takes the stuck-after age as an option and names the rule that decided', () => {
    const secret = {
      ...base,
      RotationEnabled: true,
      VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] },
    };
    const versions = [{ VersionId: 'v2', CreatedDate: recent }];
    const byDefault = assessSecret(secret, versions, now);
    expect(byDefault).toMatchObject({
      verdict: 'rotation-in-progress',
      stuckAfterMs: IN_PROGRESS_WINDOW_MS,
      stuckAfterSource: 'default',
    });
    expect(byDefault.message).toContain('stuck after 10 min, the default');
    const short = assessSecret(secret, versions, now, { stuckAfterMs: 20_000 });
    expect(short).toMatchObject({ verdict: 'stuck', ok: false, stuckAfterSource: '--stuck-after' });
    expect(short.message).toContain('stuck after 20 s, from --stuck-after');
    const long = assessSecret(secret, [{ VersionId: 'v2', CreatedDate: old }], now, {
      stuckAfterMs: 4 * IN_PROGRESS_WINDOW_MS,
    });
    expect(long.verdict).toBe('rotation-in-progress');
  });
});
