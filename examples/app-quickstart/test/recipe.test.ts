// The README's five steps as written, as far as a test can take them: the local Secrets
// Manager and the rotation run from this example's own bins (`npx secrets-manager-local`,
// `npx -p @rotakit/cli rotakit rotate ...`), the service from `node dist/server.js` with no
// environment but the variables the README exports (a free port, this run's endpoint and
// secret in place of 4584 and quickstart/db), and /health followed until secretVersion
// is the rotated version, with every request answered. On PostgreSQL too: the README's
// PostgreSQL steps 1-2 (its secret and its psql script, run by the system's psql) with its
// DB_ENGINE export, and the same steps 3-5.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { uniqueName } from '@rotakit/testing';
import { testMysql, testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appDatabase } from './app-database.js';

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(EXAMPLE, 'README.md'), 'utf8');
/** The README's PostgreSQL variant of steps 1-2: from its first line up to step 3. */
const PG_SECTION = (() => {
  const start = README.indexOf('**On PostgreSQL**');
  const end = README.indexOf('**3. Set the environment**');
  if (start < 0 || end < start)
    throw new Error('README.md has no PostgreSQL section before step 3');
  return README.slice(start, end);
})();
/** The README as a MySQL reader follows it: without the PostgreSQL variant. */
const MYSQL_README = README.replace(PG_SECTION, '');
const SERVER = join(EXAMPLE, 'dist', 'server.js');
const bin = (name: string) => join(EXAMPLE, 'node_modules', '.bin', name);

/** The lines of the README's ```sh blocks, comments cut. */
function shellLines(markdown: string): string[] {
  const blocks = markdown.match(/^```sh\n[\s\S]*?^```/gm) ?? [];
  return blocks
    .flatMap((block) => block.split('\n').slice(1, -1))
    .map((line) => line.replace(/\s+#.*$/, '').trim());
}

/** Every NAME=value the `export` lines of `markdown` set. */
function readmeExports(markdown: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of shellLines(markdown).filter((l) => l.startsWith('export '))) {
    for (const pair of line.slice('export '.length).trim().split(/\s+/)) {
      const at = pair.indexOf('=');
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}

/** The arguments of the README's local `rotakit rotate` command. */
function readmeRotateArgs(): string[] {
  const line = shellLines(README).find((l) => /^npx .*\brotakit rotate /.test(l));
  if (!line) throw new Error('README.md has no `npx ... rotakit rotate` line');
  return line.slice(line.indexOf('rotakit rotate ') + 'rotakit '.length).split(/\s+/);
}

interface Child {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in the output. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

function start(command: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(command, args, { cwd: EXAMPLE, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: string) => {
    output += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout?.setEncoding('utf8').on('data', onData);
  child.stderr?.setEncoding('utf8').on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) {
          listeners.delete(check);
          resolve(match);
        }
      };
      listeners.add(check);
      check();
      exited.then((code) => reject(new Error(`${command} exited (${code}):\n${output}`)));
    });
  return { child, output: () => output, exited, waitFor };
}

const server = testMysql();
const home = mkdtempSync(join(tmpdir(), 'rotakit-quickstart-home-'));
const children: Child[] = [];
let endpoint: string;

/** Only what the README exports, on this run's endpoint; no profile, no metadata service. */
function recipeEnv(exported: Record<string, string>, secretId: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...exported,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    SECRET_ID: secretId,
    PORT: '0',
  };
}

beforeAll(async () => {
  for (const file of [SERVER, bin('secrets-manager-local'), bin('rotakit')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: install and build first`);
  }
  const sm = start(bin('secrets-manager-local'), ['--port', '0'], { PATH: process.env.PATH ?? '' });
  children.push(sm);
  endpoint = (await sm.waitFor(/listening on (http:\/\/\S+)/))[1] as string;
});

afterAll(async () => {
  for (const { child, exited } of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  }
  rmSync(home, { recursive: true, force: true });
});

/** A Secrets Manager client from the README's exported region and dummy credentials. */
function readmeClient(exported: Record<string, string>): SecretsManagerClient {
  return new SecretsManagerClient({
    region: exported.AWS_REGION,
    endpoint,
    credentials: {
      accessKeyId: exported.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: exported.AWS_SECRET_ACCESS_KEY ?? '',
    },
    maxAttempts: 1,
  });
}

/**
 * Steps 3-5 on a secret made by steps 1-2: `node dist/server.js` from the exports, a loop of
 * /health, the README's `rotakit rotate`, until the loop sees the new version; no failed
 * request, a clean exit on SIGTERM, neither `password` nor the rotated one in any output.
 */
async function runAndRotate(
  client: SecretsManagerClient,
  exported: Record<string, string>,
  secretId: string,
  password: string,
): Promise<void> {
  const app = start(process.execPath, [SERVER], recipeEnv(exported, secretId));
  children.push(app);
  const url = JSON.parse((await app.waitFor(/^\{.*"listening".*\}$/m))[0]).url as string;

  const posted = await fetch(`${url}/items`, { method: 'POST', body: '{"name":"first"}' });
  expect(posted.status).toBe(201);
  const health = async () =>
    (await (await fetch(`${url}/health`)).json()) as { status: string; secretVersion: string };
  const before = (await health()).secretVersion;

  let stop = false;
  const failures: string[] = [];
  const versions = new Set<string>();
  const loop = (async () => {
    while (!stop) {
      try {
        const res = await fetch(`${url}/health`);
        const body = (await res.json()) as { secretVersion: string };
        if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(body)}`);
        else versions.add(body.secretVersion);
      } catch (error) {
        failures.push((error as Error).message);
      }
      await sleep(50);
    }
  })();

  const args = readmeRotateArgs().map((arg) => (arg === 'quickstart/db' ? secretId : arg));
  const rotate = start(bin('rotakit'), args, recipeEnv(exported, secretId));
  expect(await rotate.exited, rotate.output()).toBe(0);
  const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  const current = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) =>
    stages.includes('AWSCURRENT'),
  )?.[0];
  expect(current).toBeDefined();
  expect(current).not.toBe(before);

  // Until the load loop itself has seen the new version (a separate /health poll could see it
  // first, and the loop stop before recording it).
  await vi.waitFor(() => expect(versions.has(current ?? '')).toBe(true), {
    timeout: 60_000,
    interval: 100,
  });
  expect((await health()).secretVersion).toBe(current);
  stop = true;
  await loop;
  expect(failures).toEqual([]);
  expect([...versions]).toEqual(expect.arrayContaining([before, current]));

  app.child.kill('SIGTERM');
  expect(await app.exited).toBe(0);
  const rotated = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const newPassword = (JSON.parse(rotated.SecretString ?? '{}') as { password: string }).password;
  for (const output of [app.output(), rotate.output()]) {
    expect(output).not.toContain(password);
    expect(output).not.toContain(newPassword);
  }
}

/** psql: on PATH, or Debian's /usr/bin/psql. */
function findPsql(): string {
  const candidates = [
    ...(process.env.PATH ?? '')
      .split(':')
      .filter(Boolean)
      .map((dir) => join(dir, 'psql')),
    '/usr/bin/psql',
  ];
  const found = candidates.find((file) => existsSync(file));
  if (!found) {
    throw new Error(
      'psql is missing (neither on PATH nor /usr/bin/psql): the PostgreSQL recipe runs README ' +
        "step 2 with it; install PostgreSQL's client (Debian: apt-get install postgresql-client)",
    );
  }
  return found;
}

/** The README's PostgreSQL secret (step 1's create-secret JSON). */
function readmePostgresSecret(): Record<string, unknown> {
  const json = /--secret-string \\\n\s*'(\{.*\})'/.exec(PG_SECTION)?.[1];
  if (!json) throw new Error("README.md's PostgreSQL section has no create-secret JSON");
  return JSON.parse(json) as Record<string, unknown>;
}

/** The README's PostgreSQL step 2: its psql command line's options, and its script. */
function readmePsqlStep(): { options: string[]; script: string } {
  const command = /`psql ([^`]*)`/.exec(PG_SECTION)?.[1];
  const script = /^```sql\n([\s\S]*?)^```/m.exec(PG_SECTION)?.[1];
  if (!command || !script) throw new Error("README.md's PostgreSQL section has no psql step");
  return { options: command.split(/\s+/), script };
}

describe('the README recipe', { timeout: 90_000 }, () => {
  it('exports what the service needs, and after `rotakit rotate` /health reports the new version', async () => {
    const exported = readmeExports(MYSQL_README);
    expect(exported.DB_ENGINE).toBeUndefined();
    // Step 1 with the SDK (the AWS CLI's create-secret), from the same variables.
    const client = readmeClient(exported);
    const { secretId, user } = await appDatabase(server, client);
    await runAndRotate(client, exported, secretId, user.password);
  });

  it('on PostgreSQL: its secret, its psql script, DB_ENGINE=postgres, then the same steps', async () => {
    const pg = testPostgres();
    const exported = readmeExports(README);
    expect(exported.DB_ENGINE).toBe('postgres');
    const secret = readmePostgresSecret();
    expect(secret).toMatchObject({ engine: 'postgres', port: 5432, username: 'quickstart' });
    // This run's server, and a role and database of its own in place of `quickstart` and
    // 'change-me-1' (the shared server is used by other tests).
    const name = uniqueName('quickstart');
    const password = randomBytes(18).toString('base64url');
    const { options, script } = readmePsqlStep();
    expect(options).toEqual(expect.arrayContaining(['-U', 'postgres']));
    const ours = script
      .replaceAll("'change-me-1'", `'${password}'`)
      .replace(/\bquickstart\b/g, name);
    try {
      execFileSync(
        findPsql(),
        [...options.map((o) => (o === 'postgres' ? pg.admin.username : o)), '-X', '-q'],
        {
          cwd: EXAMPLE,
          input: ours,
          stdio: ['pipe', 'pipe', 'pipe'],
          env: {
            PATH: process.env.PATH ?? '',
            HOME: home,
            PGHOST: pg.host,
            PGPORT: String(pg.port),
            PGDATABASE: pg.admin.database,
            PGPASSWORD: pg.admin.password,
          },
        },
      );
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: Buffer; stderr?: Buffer };
      const output = `${stdout}${stderr}`.replaceAll(password, '[redacted]');
      throw new Error(`README step 2 (PostgreSQL) failed in psql:\n${output}`);
    }
    // Step 1 with the SDK, the README's secret pointed at this server, role and database.
    const client = readmeClient(exported);
    const secretId = uniqueName('recipe');
    await client.send(
      new CreateSecretCommand({
        Name: secretId,
        SecretString: JSON.stringify({
          ...secret,
          host: pg.host,
          port: pg.port,
          username: name,
          password,
          dbname: name,
        }),
      }),
    );
    await runAndRotate(client, exported, secretId, password);
  });
});
