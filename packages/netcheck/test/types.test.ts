import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  CheckPathOptions,
  CollectSnapshotOptions,
  DiagnoseOptions,
  PathReport,
  SnapshotClients,
} from '../src/index.js';
import * as api from '../src/index.js';

// The real SDK clients must fit the injected-client types (checked by tsc); no request is sent.

describe('public types', () => {
  it('accepts real SDK v3 clients where clients are injected', () => {
    const config = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
    const clients: SnapshotClients = {
      ec2: new EC2Client(config),
      rds: new RDSClient(config),
      lambda: new LambdaClient(config),
      secretsManager: new SecretsManagerClient(config),
    };
    const collect: CollectSnapshotOptions = {
      functionName: 'f',
      dbClusterIdentifier: 'c',
      clients,
    };
    const check: CheckPathOptions = { secretId: 's', client: new SecretsManagerClient(config) };
    const diagnose: DiagnoseOptions = {
      remainingMs: 1000,
      client: new SecretsManagerClient(config),
    };
    expect(collect.clients.ec2).toBe(clients.ec2);
    expect(check.secretId).toBe('s');
    expect(diagnose.remainingMs).toBe(1000);
    expectTypeOf<PathReport['checks'][number]['status']>().toEqualTypeOf<
      'pass' | 'fail' | 'warn' | 'skip'
    >();
    // @ts-expect-error client and clientConfig are exclusive
    const both: CheckPathOptions = {
      secretId: 's',
      client: new SecretsManagerClient(config),
      clientConfig: {},
    };
    // @ts-expect-error a cluster and an instance identifier are exclusive
    const twoDbs: CollectSnapshotOptions = {
      dbClusterIdentifier: 'a',
      dbInstanceIdentifier: 'b',
      clients,
    };
    expect([both, twoDbs]).toHaveLength(2);
  });

  it('exports only named values that exist', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'FINDING_CODES',
        'InvalidOptionError',
        'InvalidSnapshotError',
        'NetcheckError',
        'ProbeRateLimiter',
        'SnapshotCollectionError',
        'analyzeRotationNetwork',
        'checkAppPath',
        'checkRotationPath',
        'classifyAddress',
        'classifyNetworkError',
        'collectSnapshot',
        'defaultMysqlRateLimiter',
        'defaultServiceHost',
        'diagnoseFailure',
        'formatReport',
        'isNetworkError',
        'parseGreeting',
        'parsePostgresGreeting',
        'probeDns',
        'probeMysql',
        'probePostgres',
        'probeSecretsManager',
        'probeTcp',
        'probeTls',
        'resolveClientEndpoint',
        'resolveServiceEndpoint',
      ].sort(),
    );
  });
});
