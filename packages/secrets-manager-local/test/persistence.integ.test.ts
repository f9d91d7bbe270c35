import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PersistenceError, startSecretsManager } from '../src/index.js';
import { caught } from './helpers.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sm-local-persist-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('persistence', () => {
  test('a restart with the same data file keeps secrets, versions, labels and ARNs', async () => {
    const dataFile = join(dir, 'keep.json');
    let arn: string;
    let v1: string;
    {
      await using sm = await startSecretsManager({ dataFile });
      const c = sm.client({ maxAttempts: 1 });
      const created = await c.send(
        new CreateSecretCommand({
          Name: 'app/db',
          SecretString: 'first',
          Tags: [{ Key: 't', Value: 'v' }],
        }),
      );
      arn = created.ARN!;
      v1 = created.VersionId!;
      await c.send(new PutSecretValueCommand({ SecretId: 'app/db', SecretString: 'second' }));
      await c.send(
        new CreateSecretCommand({ Name: 'bin', SecretBinary: new Uint8Array([1, 2, 3]) }),
      );
      await c.send(new CreateSecretCommand({ Name: 'doomed', SecretString: 'x' }));
      await c.send(new DeleteSecretCommand({ SecretId: 'doomed', RecoveryWindowInDays: 7 }));
    }
    await using sm = await startSecretsManager({ dataFile });
    const c = sm.client({ maxAttempts: 1 });
    const current = await c.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(current.SecretString).toBe('second');
    const previous = await c.send(
      new GetSecretValueCommand({ SecretId: 'app/db', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous).toMatchObject({ VersionId: v1, SecretString: 'first' });
    const binary = await c.send(new GetSecretValueCommand({ SecretId: 'bin' }));
    expect([...binary.SecretBinary!]).toEqual([1, 2, 3]);
    const meta = await c.send(new DescribeSecretCommand({ SecretId: 'app/db' }));
    expect(meta.Tags).toEqual([{ Key: 't', Value: 'v' }]);
    const doomed = await c.send(new DescribeSecretCommand({ SecretId: 'doomed' }));
    expect(doomed.DeletedDate).toBeInstanceOf(Date);
  });

  test('each mutating call is on disk before it answers, written via a temp file and rename', async () => {
    const dataFile = join(dir, 'atomic.json');
    await using sm = await startSecretsManager({ dataFile });
    const c = sm.client({ maxAttempts: 1 });
    await c.send(new CreateSecretCommand({ Name: 'a', SecretString: 'on-disk' }));
    const json = JSON.parse(await readFile(dataFile, 'utf8'));
    expect(json.format).toBe('rotakit-secrets-manager-local');
    expect(json.secrets).toHaveLength(1);
    const leftovers = (await readdir(dir)).filter((f) => f.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  });

  test('concurrent writes all land', async () => {
    const dataFile = join(dir, 'concurrent.json');
    {
      await using sm = await startSecretsManager({ dataFile });
      const c = sm.client();
      await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          c.send(new CreateSecretCommand({ Name: `s${i}`, SecretString: String(i) })),
        ),
      );
    }
    const json = JSON.parse(await readFile(dataFile, 'utf8'));
    expect(json.secrets).toHaveLength(25);
  });

  test('a corrupt or foreign data file is refused with PersistenceError naming the file', async () => {
    const corrupt = join(dir, 'corrupt.json');
    await writeFile(corrupt, '{not json');
    const error = await caught(() => startSecretsManager({ dataFile: corrupt }));
    expect(error).toBeInstanceOf(PersistenceError);
    expect(error.file).toBe(corrupt);
    // V8 quotes the text around a bad token; none of it may reach the error or its cause.
    const leaky = join(dir, 'leaky.json');
    await writeFile(
      leaky,
      '{"format":"rotakit-secrets-manager-local","version":1,"secrets":[{"secretString":hunter2}]}',
    );
    const leak = await caught(() => startSecretsManager({ dataFile: leaky }));
    expect(leak).toBeInstanceOf(PersistenceError);
    expect(inspect(leak, { depth: 10 })).not.toContain('hunter2');
    // A version whose value has the wrong type is refused, not loaded as is.
    const badVersion = join(dir, 'bad-version.json');
    await writeFile(
      badVersion,
      JSON.stringify({
        format: 'rotakit-secrets-manager-local',
        version: 1,
        secrets: [
          {
            arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x-abcdef',
            name: 'x',
            createdDate: 0,
            lastChangedDate: 0,
            tags: [],
            labels: [],
            versions: [{ versionId: 'v', createdDate: 0, secretBinary: 424242 }],
          },
        ],
      }),
    );
    const bad = await caught(() => startSecretsManager({ dataFile: badVersion }));
    expect(bad).toBeInstanceOf(PersistenceError);
    expect(inspect(bad, { depth: 10 })).not.toContain('424242');
    const foreign = join(dir, 'foreign.json');
    await writeFile(foreign, JSON.stringify({ hello: 'world' }));
    await expect(startSecretsManager({ dataFile: foreign })).rejects.toBeInstanceOf(
      PersistenceError,
    );
  });

  test('an unwritable data file path is refused at start', async () => {
    const dataFile = join(dir, 'no-such-dir', 'data.json');
    const error = await caught(() => startSecretsManager({ dataFile }));
    expect(error).toBeInstanceOf(PersistenceError);
    expect(error.file).toBe(dataFile);
  });

  test('a failed write answers InternalServiceError and reports the error without the value', async () => {
    const sub = await mkdtemp(join(dir, 'vanishing-'));
    const errors: unknown[] = [];
    await using sm = await startSecretsManager({
      dataFile: join(sub, 'data.json'),
      onError: (e) => errors.push(e),
    });
    await rm(sub, { recursive: true });
    const error = await caught(() =>
      sm
        .client({ maxAttempts: 1 })
        .send(new CreateSecretCommand({ Name: 'x', SecretString: 'hidden-value' })),
    );
    expect(error.name).toBe('InternalServiceError');
    expect(errors[0]).toBeInstanceOf(PersistenceError);
    expect(String((errors[0] as Error).message)).not.toContain('hidden-value');
  });

  test('an onError that throws still lets the request be answered, without an unhandled rejection', async () => {
    const sub = await mkdtemp(join(dir, 'vanishing-'));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await using sm = await startSecretsManager({
        dataFile: join(sub, 'data.json'),
        onError: () => {
          throw new Error('hook failed');
        },
      });
      await rm(sub, { recursive: true });
      const error = await caught(() =>
        sm
          .client({ maxAttempts: 1, requestHandler: { requestTimeout: 5_000 } })
          .send(new CreateSecretCommand({ Name: 'x', SecretString: 'v' })),
      );
      expect(error.name).toBe('InternalServiceError');
      // A rejection is reported on a later turn of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('a request held by a latency fault does not run after close()', async () => {
    const dataFile = join(dir, 'latency-close.json');
    const sm = await startSecretsManager({ dataFile });
    sm.faults.add({ operation: 'CreateSecret', kind: 'latency', latencyMs: 300 });
    const sent = caught(() =>
      sm
        .client({ maxAttempts: 1 })
        .send(new CreateSecretCommand({ Name: 'late', SecretString: 'v' })),
    );
    while ((sm.counts().CreateSecret ?? 0) === 0) await new Promise((r) => setTimeout(r, 5));
    await sm.close();
    const error = await sent;
    expect(error.name).not.toBe('ResourceExistsException');
    expect(
      (error.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode,
    ).toBeUndefined();
    // Past the fault's delay: the held request would have created the secret by now.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await using again = await startSecretsManager({ dataFile });
    const list = await again.client({ maxAttempts: 1 }).send(new ListSecretsCommand({}));
    expect(list.SecretList?.map((s) => s.Name)).not.toContain('late');
  });
});
