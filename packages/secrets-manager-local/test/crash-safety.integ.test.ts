import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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
import { startSecretsManager } from '../src/index.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the package's node_modules so the bundle resolves its dependencies like dist/ does.
const outDir = join(packageDir, 'node_modules', '.cache', 'crash-safety-test');
const TEMP = /\.secrets-manager-local\.tmp$/;
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
  dir = await mkdtemp(join(tmpdir(), 'sm-local-crash-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The server alone in a child process, so kill -9 hits it wherever it is in a write. */
function startChild(dataFile: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(process.execPath, [bin, '--port', '0', '--data', dataFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^listening on (http:\/\/\S+)\n/.exec(out);
      if (match) resolve({ child, endpoint: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
  });
}

const temps = async (where: string) => (await readdir(where)).filter((f) => TEMP.test(f));

describe('crash safety of the data file', () => {
  test("temp files a crash left (this file's and older versions' random ones) are removed at start; others stay", async () => {
    const here = await mkdtemp(join(dir, 'stale-'));
    const dataFile = join(here, 'data.json');
    await writeFile(join(here, '.data.json.secrets-manager-local.tmp'), '{"secret":"leftover"}');
    await writeFile(join(here, '.0123456789ab.secrets-manager-local.tmp'), '{"secret":"old"}');
    await writeFile(join(here, 'unrelated.tmp'), 'keep me');
    await using sm = await startSecretsManager({ dataFile });
    expect(await temps(here)).toEqual([]);
    expect((await readdir(here)).sort()).toEqual(['data.json', 'unrelated.tmp']);
    expect(sm.endpoint).toMatch(/^http:/);
  });

  test('kill -9 during writes, three times: at most one temp file left, none after a restart, every answered write kept', async () => {
    const here = await mkdtemp(join(dir, 'killed-'));
    const dataFile = join(here, 'data.json');
    const big = 'x'.repeat(60_000);
    const acknowledged: string[] = [];
    for (let round = 0; round < 3; round++) {
      const { child, endpoint } = await startChild(dataFile);
      const client = new SecretsManagerClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      let stop = false;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const name = `r${round}/w${w}/${i}`;
          try {
            await client.send(new CreateSecretCommand({ Name: name, SecretString: big }));
            acknowledged.push(name);
          } catch {
            return; // the server died under this request
          }
        }
      };
      let writersDone = false;
      const writers = Promise.all([0, 1, 2, 3].map(writer)).then(() => {
        writersDone = true;
      });
      // Let writes pile up, then kill the server mid-stream (sooner if every writer failed).
      while (acknowledged.length < (round + 1) * 15 && !writersDone) {
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill('SIGKILL');
      stop = true;
      await exited;
      await writers;
      client.destroy();
      expect((await temps(here)).length).toBeLessThanOrEqual(1);
    }
    await using sm = await startSecretsManager({ dataFile });
    expect(await temps(here)).toEqual([]);
    const client = sm.client({ maxAttempts: 1 });
    for (const name of acknowledged) {
      const value = await client.send(new GetSecretValueCommand({ SecretId: name }));
      expect(value.SecretString?.length).toBe(big.length);
    }
  });
});
