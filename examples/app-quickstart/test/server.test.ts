// `pnpm start` (node dist/server.js) as its own process, configured only by environment
// variables: it serves (MySQL, and PostgreSQL with DB_ENGINE=postgres), and SIGTERM stops it
// cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { testMysql, testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDatabase, appPostgresDatabase } from './app-database.js';

const SERVER = fileURLToPath(new URL('../dist/server.js', import.meta.url));
const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  if (!existsSync(SERVER)) {
    throw new Error(
      `${SERVER} is missing: run pnpm build first (or: pnpm --filter ./examples/app-quickstart build)`,
    );
  }
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});

afterAll(async () => {
  await sm?.close();
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves with the URL from the `listening` log line. */
  listening: Promise<string>;
}

function start(env: Record<string, string>): Started {
  let output = '';
  const child = spawn(process.execPath, [SERVER], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: '/nonexistent',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const listening = new Promise<string>((resolve, reject) => {
    const onData = (chunk: string) => {
      output += chunk;
      const line = output.split('\n').find((l) => l.includes('"listening"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    exited.then((code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
  });
  listening.catch(() => undefined);
  return { child, output: () => output, exited, listening };
}

describe('node dist/server.js', { timeout: 30_000 }, () => {
  it('serves from SECRET_ID and AWS_ENDPOINT_URL_SECRETS_MANAGER, and exits 0 on SIGTERM', async () => {
    const { secretId, user } = await appDatabase(server, client);
    const app = start({
      SECRET_ID: secretId,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      PORT: '0',
    });
    try {
      const url = await app.listening;
      const posted = await fetch(`${url}/items`, {
        method: 'POST',
        body: JSON.stringify({ name: 'from the bin' }),
      });
      expect(posted.status).toBe(201);
      const items = (await (await fetch(`${url}/items`)).json()) as { name: string }[];
      expect(items.map((item) => item.name)).toEqual(['from the bin']);

      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
      const messages = app
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => (JSON.parse(line) as { message: string }).message);
      expect(messages).toEqual(['listening', 'shutting down', 'stopped']);
      expect(app.output()).not.toContain(user.password);
    } finally {
      app.child.kill('SIGKILL');
    }
  });

  it('DB_ENGINE=postgres: serves /health from PostgreSQL, and exits 0 on SIGTERM', async () => {
    const { secretId, role } = await appPostgresDatabase(testPostgres(), client);
    const app = start({
      SECRET_ID: secretId,
      DB_ENGINE: 'postgres',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      PORT: '0',
    });
    try {
      const url = await app.listening;
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', credentialSource: 'AWSCURRENT' });
      const posted = await fetch(`${url}/items`, { method: 'POST', body: '{"name":"from pg"}' });
      expect(await posted.json()).toEqual({ id: 1, name: 'from pg' });

      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
      expect(app.output()).toMatch(/"message":"listening".*"engine":"postgres"/);
      expect(app.output()).toMatch(/"message":"stopped"/);
      expect(app.output()).not.toContain(role.password);
    } finally {
      app.child.kill('SIGKILL');
    }
  });

  it('exits 2 naming DB_ENGINE when it is not one it knows', async () => {
    const app = start({ SECRET_ID: 'quickstart/db', DB_ENGINE: 'postgresql' });
    expect(await app.exited).toBe(2);
    expect(app.output()).toMatch(/DB_ENGINE must be one of mysql, postgres/);
    expect(app.output()).toMatch(/"variable":"DB_ENGINE"/);
  });

  it('exits 2 naming SECRET_ID when it is not set', async () => {
    const app = start({});
    expect(await app.exited).toBe(2);
    expect(app.output()).toMatch(/SECRET_ID is required/);
  });
});
