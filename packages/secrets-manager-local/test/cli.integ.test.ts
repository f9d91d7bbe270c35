import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseCliArgs, runSecretsManagerLocalCli, startFromArgs } from '../src/index.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the package's node_modules so the bundle resolves its dependencies like dist/ does.
const outDir = join(packageDir, 'node_modules', '.cache', 'cli-integ-test');
let bin: string;
let dir: string;

beforeAll(async () => {
  await build({
    entry: { cli: join(packageDir, 'src', 'cli.ts') },
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    external: ['@aws-sdk/client-secrets-manager', 'cron-parser'],
    splitting: false,
    clean: true,
    silent: true,
    config: false,
  });
  bin = join(outDir, 'cli.js');
  dir = await mkdtemp(join(tmpdir(), 'sm-local-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function startBin(
  args: string[],
): Promise<{ child: ChildProcess; endpoint: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^listening on (http:\/\/\S+)\n/.exec(out);
      if (match) resolve({ child, endpoint: match[1]!, exited });
    });
    void exited.then((code) =>
      reject(new Error(`bin exited with ${code} before listening: ${err}`)),
    );
  });
}

function client(endpoint: string) {
  return new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

describe('secrets-manager-local bin', () => {
  test('prints one listening line, serves the SDK, keeps data across restarts, stops on SIGTERM and SIGINT', async () => {
    const data = join(dir, 'data.json');
    const first = await startBin(['--port', '0', '--data', data]);
    expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const c1 = client(first.endpoint);
    await c1.send(new CreateSecretCommand({ Name: 'from-cli', SecretString: 'kept' }));
    c1.destroy();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await startBin(['--port', '0', '--data', data, '--region', 'us-east-1']);
    const c2 = client(second.endpoint);
    const got = await c2.send(new GetSecretValueCommand({ SecretId: 'from-cli' }));
    expect(got.SecretString).toBe('kept');
    c2.destroy();
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  test('bad arguments exit 2 with the usage on stderr', async () => {
    const child = spawn(process.execPath, [bin, '--bogus'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('Usage: secrets-manager-local');
  });
});

describe('runSecretsManagerLocalCli and startFromArgs', () => {
  test('runSecretsManagerLocalCli prints the endpoint and returns 0 when its signal aborts', async () => {
    const controller = new AbortController();
    let out = '';
    const done = runSecretsManagerLocalCli(['--port', '0'], {
      signal: controller.signal,
      stdout: {
        write: (text: string) => {
          out += text;
          if (out.includes('\n')) controller.abort();
        },
      },
    });
    expect(await done).toBe(0);
    expect(out).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\n$/);
  });

  test('runSecretsManagerLocalCli --help prints the usage; an invalid value exits 2', async () => {
    let out = '';
    expect(
      await runSecretsManagerLocalCli(['--help'], { stdout: { write: (t: string) => (out += t) } }),
    ).toBe(0);
    expect(out).toContain('--rotation-function');
    let err = '';
    expect(
      await runSecretsManagerLocalCli(['--port', 'abc'], {
        stderr: { write: (t: string) => (err += t) },
      }),
    ).toBe(2);
    expect(err).toContain('--port');
    expect(
      await runSecretsManagerLocalCli(['--region', 'nowhere', '--port', '0'], {
        stderr: { write: (t: string) => (err += t) },
      }),
    ).toBe(2);
  });

  test('parseCliArgs maps every flag', () => {
    expect(
      parseCliArgs([
        '--port',
        '9000',
        '--host',
        '::1',
        '--region',
        'eu-west-1',
        '--account-id',
        '111122223333',
        '--data',
        '/tmp/x.json',
        '--rotation-function',
        'arn:aws:lambda:eu-west-1:1:function:f=http://127.0.0.1:9/x',
        '--rotation-timeout-ms',
        '500',
        '--tick-interval-ms',
        '1000',
      ]),
    ).toEqual({
      help: false,
      port: 9000,
      host: '::1',
      region: 'eu-west-1',
      accountId: '111122223333',
      dataFile: '/tmp/x.json',
      rotationFunctions: { 'arn:aws:lambda:eu-west-1:1:function:f': 'http://127.0.0.1:9/x' },
      rotationTimeoutMs: 500,
      tickIntervalMs: 1000,
    });
    expect(parseCliArgs([]).port).toBe(4584);
    expect(() => parseCliArgs(['--rotation-function', 'no-equals'])).toThrow('--rotation-function');
  });

  test('startFromArgs returns a running instance', async () => {
    await using sm = await startFromArgs(['--port', '0', '--region', 'ap-south-1']);
    expect(sm.region).toBe('ap-south-1');
    const res = await sm.client().send(new CreateSecretCommand({ Name: 'x', SecretString: 'y' }));
    expect(res.ARN).toContain(':ap-south-1:');
  });
});
