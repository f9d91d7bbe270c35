import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { uniqueName } from '@rotakit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runBuiltCli, startBuiltCli } from './bin.js';

// The built bin as its own process, with nothing else holding its event loop: how a person
// runs it, and the only way to see an exit code 13 (a drained loop) or a signal's effect.
describe('the built rotakit bin', () => {
  let sm: SecretsManagerLocal;
  let closedPort: number;
  const PASSWORD = 'refused-db-Pw1-never-printed';

  beforeAll(async () => {
    assertBuilt();
    sm = await startSecretsManager();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closedPort = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
  });
  afterAll(async () => {
    await sm?.close();
  });

  async function refusingSecret(): Promise<string> {
    const name = uniqueName('cli/bin-refused');
    const value = {
      engine: 'mysql',
      host: '127.0.0.1',
      port: closedPort,
      username: 'app',
      password: PASSWORD,
      ssl: false,
    };
    await sm
      .client()
      .send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
    return name;
  }

  it('rotate against a database that refuses connections reports the failure and exits 1 (text)', async () => {
    const name = await refusingSecret();
    const run = await runBuiltCli(['rotate', name, '--endpoint-url', sm.endpoint, '--no-color']);
    expect(run.signal).toBeNull();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✓ createSecret');
    expect(run.stdout).toContain('✗ setSecret');
    expect(run.stdout).toContain('Rotation failed in setSecret: DatabaseLoginError');
    expect(run.stdout).toContain('reason: refused');
    expect(run.stdout).toContain('Diagnosis');
    expect(run.stdout).toContain(`127.0.0.1:${closedPort}`);
    expect(run.stdout).toContain(`\`rotakit rotate ${name} --endpoint-url ${sm.endpoint}\``);
    expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);
  });

  it('rotate --json against a refusing database prints one JSON document with the typed error (exit 1)', async () => {
    const name = await refusingSecret();
    const run = await runBuiltCli(['rotate', name, '--endpoint-url', sm.endpoint, '--json']);
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ ok: false, strategy: 'single-user' });
    expect(result.steps.map((s: { step: string; status: string }) => [s.step, s.status])).toEqual([
      ['createSecret', 'ok'],
      ['setSecret', 'failed'],
    ]);
    expect(result.error).toMatchObject({
      name: 'DatabaseLoginError',
      step: 'setSecret',
      networkError: true,
      details: { reason: 'refused', database: `127.0.0.1:${closedPort}` },
      resumeCommand: `rotakit rotate ${name} --endpoint-url ${sm.endpoint}`,
    });
    expect(result.error.diagnosis).toContain(`127.0.0.1:${closedPort}`);
    expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);
  });

  it('--version and -V print the package version', async () => {
    const { version } = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = await runBuiltCli([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout.trim()).toBe(version);
    }
  });

  it('exits quietly when stdout is closed early (| head -1), with the exit code of the command', async () => {
    const help = await startBuiltCli(['--help'], {}, 'stdout-closed').exited;
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);

    const name = uniqueName('cli/bin-pipe');
    await sm.client().send(new CreateSecretCommand({ Name: name, SecretString: '{"a":1}' }));
    const status = await startBuiltCli(
      ['status', name, '--endpoint-url', sm.endpoint],
      {},
      'stdout-closed',
    ).exited;
    expect(status.stderr).toBe('');
    // rotation-disabled is not a failed verdict: the command ran to its end.
    expect(status.code).toBe(0);

    const missing = await startBuiltCli(
      ['status', 'cli/bin-missing', '--endpoint-url', sm.endpoint],
      {},
      'stdout-closed',
    ).exited;
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('ResourceNotFoundException');
    expect(missing.stderr).not.toContain('EPIPE');
  });
});
