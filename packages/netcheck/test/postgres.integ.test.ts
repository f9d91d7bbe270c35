import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPostgresRole,
  type PostgresServer,
  postgresMajorsUnderTest,
  startPostgres,
} from '@rotakit/testing';
import { testMysql, testPostgres } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProbePostgresOptions, probePostgres } from '../src/index.js';
import { closedPort } from './helpers/servers.js';

// probePostgres against real PostgreSQL servers from the harness, all on 127.0.0.1: the run's
// shared server (TLS on, 15), one of the newest major under test (TLS on, a pg_hba.conf with a
// reject rule: 17 refuses a handshake whose ALPN lacks `postgresql`), one with TLS off.

const REJECTED_USER = 'netcheck_rejected';

/** pg_hba.conf: one user rejected outright, everyone else by scram over TCP. */
function hbaFile(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'netcheck-hba-'));
  const path = join(dir, 'pg_hba.conf');
  writeFileSync(
    path,
    [
      'local all all scram-sha-256',
      `host all ${REJECTED_USER} 127.0.0.1/32 reject`,
      'host all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  // The server may run as another account (postgres, nobody when root): it must read the file.
  chmodSync(dir, 0o755);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('probePostgres against real PostgreSQL servers', () => {
  const shared = testPostgres();
  let newest: PostgresServer;
  let plain: PostgresServer;
  let hba: ReturnType<typeof hbaFile>;
  const probe = (port: number, extra: Partial<ProbePostgresOptions> = {}) =>
    probePostgres({ host: '127.0.0.1', port, timeoutMs: 10_000, ...extra });

  beforeAll(async () => {
    hba = hbaFile();
    const majors = await postgresMajorsUnderTest();
    [newest, plain] = await Promise.all([
      startPostgres({ major: majors.at(-1), settings: { hba_file: hba.path } }),
      startPostgres({ tls: false }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([newest?.stop(), plain?.stop()]);
    hba?.remove();
  });

  it('asks for TLS, verifies the certificate and reads the SCRAM request', async () => {
    const r = await probe(shared.port, { ca: shared.ca });
    expect(r.status).toBe('ok');
    expect(r.probe).toBe('postgres');
    expect(r.evidence.sslResponse).toBe('S');
    expect(r.evidence.tls).toMatchObject({
      authorized: true,
      protocol: expect.stringMatching(/^TLSv1\.[23]$/),
    });
    expect(r.evidence.authRequest).toBe('sasl');
    // Over TLS the server also offers channel binding.
    expect(r.evidence.saslMechanisms).toEqual(
      expect.arrayContaining(['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS']),
    );
    expect(r.evidence.greetingMs).toBeTypeOf('number');
  });

  it(`speaks TLS with ALPN postgresql to the newest major and reads a pg_hba.conf rejection (28000)`, async () => {
    const ok = await probe(newest.port, { ca: newest.ca });
    expect(ok.status).toBe('ok');
    expect(ok.evidence.tls?.authorized).toBe(true);
    expect(ok.evidence.authRequest).toBe('sasl');
    const rejected = await probe(newest.port, { ca: newest.ca, user: REJECTED_USER });
    expect(rejected.status).toBe('access-denied');
    expect(rejected.evidence).toMatchObject({ sqlState: '28000', severity: 'FATAL' });
    expect(rejected.error?.code).toBe('28000');
  });

  it('fails required TLS for a CA nobody trusts, naming the reason', async () => {
    const r = await probe(shared.port, { tls: 'require' });
    expect(r.status).toBe('tls-failure');
    expect(r.evidence.phase).toBe('tls-handshake');
    expect(r.evidence.tls?.authorized).toBe(false);
    expect(r.evidence.tls?.authorizationError).toMatch(/UNABLE_TO|SELF_SIGNED/);
    expect(r.evidence.authRequest).toBeUndefined();
  });

  it('falls back to plain text when preferred TLS does not verify, and says so', async () => {
    const r = await probe(shared.port);
    expect(r.status).toBe('ok');
    expect(r.evidence.tlsFallback).toBe(true);
    expect(r.evidence.tls?.authorized).toBe(false);
    expect(r.evidence.phase).toBeUndefined();
    // Channel binding is offered only over TLS: this answer came in plain text.
    expect(r.evidence.saslMechanisms).toEqual(['SCRAM-SHA-256']);
  });

  it('goes on in plain text when the server answers N, unless TLS is required', async () => {
    const prefer = await probe(plain.port);
    expect(prefer.status).toBe('ok');
    expect(prefer.evidence.sslResponse).toBe('N');
    expect(prefer.evidence.tls).toBeUndefined();
    expect(prefer.evidence.saslMechanisms).toEqual(['SCRAM-SHA-256']);
    const required = await probe(plain.port, { tls: 'require' });
    expect(required.status).toBe('tls-failure');
    expect(required.error?.code).toBe('TLS_NOT_OFFERED');
    const disabled = await probe(plain.port, { tls: 'disable' });
    expect(disabled.status).toBe('ok');
    expect(disabled.evidence.sslResponse).toBeUndefined();
  });

  it('logs in over verified TLS, reads the server version and never reports the password', async () => {
    const role = await createPostgresRole(shared, {});
    const r = await probe(shared.port, {
      ca: shared.ca,
      login: { user: role.username, password: role.password },
    });
    expect(r.status).toBe('ok');
    expect(r.evidence.login).toMatchObject({ user: role.username, ok: true, status: 'ok' });
    expect(r.evidence.serverVersion).toMatch(new RegExp(`^${shared.version.replace('.', '\\.')}`));
    expect(JSON.stringify(r)).not.toContain(role.password);
  });

  it('classifies a wrong password (28P01) and an unknown database (3D000) by SQLSTATE', async () => {
    const role = await createPostgresRole(plain, {});
    const wrong = `wrong-${Math.random().toString(36).slice(2)}`;
    const denied = await probe(plain.port, { login: { user: role.username, password: wrong } });
    expect(denied.status).toBe('access-denied');
    expect(denied.evidence.authRequest).toBe('sasl');
    expect(denied.evidence.login).toMatchObject({
      ok: false,
      status: 'access-denied',
      errorCode: '28P01',
    });
    expect(JSON.stringify(denied)).not.toContain(wrong);
    const missing = await probe(plain.port, {
      login: { user: role.username, password: role.password, database: 'netcheck_no_such_db' },
    });
    expect(missing.status).toBe('error');
    expect(missing.evidence.login?.errorCode).toBe('3D000');
    expect(JSON.stringify(missing)).not.toContain(role.password);
  });

  it('leaves no trace in the server log: no reset, no failed authentication', async () => {
    const before = readFileSync(newest.logFile as string, 'utf8').length;
    await probe(newest.port, { ca: newest.ca, user: 'netcheck_quiet' });
    await probe(newest.port, { tls: 'disable', user: 'netcheck_quiet' });
    // The server logs a disconnect a moment after it sees it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const added = readFileSync(newest.logFile as string, 'utf8').slice(before);
    expect(added).not.toMatch(/reset by peer|netcheck_quiet|could not/);
  });

  it('reports a MySQL server on the port as protocol-error, and a closed port as refused', async () => {
    const mysql = testMysql();
    const r = await probe(mysql.port);
    expect(r.status).toBe('protocol-error');
    expect(r.error?.code).toBe('PROTOCOL_ERROR');
    expect(r.evidence.greetingProblem).toBeTypeOf('string');
    const refused = await probe(await closedPort());
    expect(refused.status).toBe('refused');
  });
});
