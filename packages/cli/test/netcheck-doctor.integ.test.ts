import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { uniqueName } from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The static analysis has no local AWS to read: doctor analyses saved snapshots, and these
// are netcheck's own fixtures of the incident and its fix, in the real API shapes.
import { fixedSnapshot } from '../../netcheck/test/fixtures/fixed.js';
import { originalBrokenSnapshot } from '../../netcheck/test/fixtures/original-broken.js';
import { rotakit } from './helpers.js';

describe('rotakit netcheck and doctor', () => {
  let sm: SecretsManagerLocal;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let closedPort: number;

  beforeAll(async () => {
    sm = await startSecretsManager();
    env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint };
    dir = mkdtempSync(join(tmpdir(), 'rotakit-cli-'));
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closedPort = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
  });
  afterAll(async () => {
    await sm?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function secret(overrides: Record<string, unknown> = {}) {
    const db = testMysql();
    const name = uniqueName('cli/net');
    const value = {
      engine: 'mysql',
      host: db.host,
      port: db.port,
      username: 'nobody',
      password: 'not-used-Pw1',
      ...overrides,
    };
    await sm
      .client()
      .send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }));
    return name;
  }

  it('netcheck --secret passes every check on the local stack and never prints the password', async () => {
    const name = await secret();
    const run = await rotakit(['netcheck', '--secret', name, '--json'], { env });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(true);
    const byId = Object.fromEntries(
      report.checks.map((c: { id: string; status: string }) => [c.id, c.status]),
    );
    expect(byId).toMatchObject({ R2: 'pass', R3: 'pass', R4: 'pass', R6: 'pass', R7: 'pass' });
    expect(run.stdout).not.toContain('not-used-Pw1');
  });

  it('netcheck --secret fails R7 when the database port is closed (exit 1, human report)', async () => {
    const name = await secret({ port: closedPort });
    const run = await rotakit(['netcheck', '--secret', name, '--no-color'], { env });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+R7/);
    expect(run.stdout).toContain(`127.0.0.1:${closedPort}`);
  });

  it('netcheck --host probes one host and port, reading the MySQL greeting', async () => {
    const db = testMysql();
    const run = await rotakit([
      'netcheck',
      '--host',
      db.host,
      '--port',
      String(db.port),
      '--mysql',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.probes.map((p: { probe: string }) => p.probe)).toEqual(['dns', 'tcp', 'mysql']);
    expect(result.probes[2].evidence.serverVersion).toMatch(/^\d+\.\d+/);
  });

  it('netcheck --host reports a refused port and a name that does not resolve', async () => {
    const refused = await rotakit([
      'netcheck',
      '--host',
      '127.0.0.1',
      '--port',
      String(closedPort),
      '--json',
    ]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).probes[1]).toMatchObject({ probe: 'tcp', status: 'refused' });
    const dns = await rotakit([
      'netcheck',
      '--host',
      'no-such-host.invalid',
      '--port',
      '443',
      '--json',
    ]);
    expect(dns.code).toBe(1);
    expect(JSON.parse(dns.stdout).probes[0]).toMatchObject({ probe: 'dns', status: 'dns-failure' });
  });

  it('netcheck without a target, or with both, is a usage error', async () => {
    expect((await rotakit(['netcheck'])).code).toBe(2);
    expect((await rotakit(['netcheck', '--secret', 'a', '--host', 'b', '--port', '1'])).code).toBe(
      2,
    );
    expect((await rotakit(['netcheck', '--host', 'b'])).code).toBe(2);
  });

  it('doctor on the local stack: status and live checks, static analysis skipped with the reason', async () => {
    const name = await secret();
    const run = await rotakit(['doctor', name, '--json'], { env });
    const report = JSON.parse(run.stdout);
    expect(report.status.name).toBe(name);
    expect(report.live.ok).toBe(true);
    expect(report.staticSkipped).toContain('local');
    expect(report.ok).toBe(true);
    expect(run.code).toBe(0);
  });

  it('doctor names the missing VPC endpoint of the original incident first, with the fix', async () => {
    const name = await secret();
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(originalBrokenSnapshot()));
    const run = await rotakit(['doctor', name, '--snapshot', file, '--json'], { env });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.static.ok).toBe(false);
    expect(report.findings[0]).toMatchObject({ source: 'static', severity: 'error' });
    expect(report.findings.map((f: { code: string }) => f.code)).toContain('VPC_ENDPOINT_MISSING');

    const human = await rotakit(['doctor', name, '--snapshot', file, '--no-color'], { env });
    const lines = human.stdout.split('\n');
    expect(lines[0]).toMatch(/finding\(s\), most important first/);
    expect(human.stdout).toContain('fix:');
  });

  it('doctor finds nothing wrong in the fixed setup', async () => {
    const name = await secret();
    const file = join(dir, 'fixed.json');
    writeFileSync(file, JSON.stringify(fixedSnapshot()));
    const run = await rotakit(['doctor', name, '--snapshot', file, '--json'], { env });
    const report = JSON.parse(run.stdout);
    expect(
      report.static.findings.filter((f: { severity: string }) => f.severity === 'error'),
    ).toEqual([]);
    expect(report.ok).toBe(true);
    expect(run.code).toBe(0);
  });

  it('doctor --snapshot with a missing file is a usage error', async () => {
    const name = await secret();
    const run = await rotakit(['doctor', name, '--snapshot', join(dir, 'nope.json')], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot read');
  });
});
