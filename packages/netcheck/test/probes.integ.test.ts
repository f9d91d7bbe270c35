import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidOptionError,
  ProbeRateLimiter,
  probeDns,
  probeMysql,
  probeTcp,
  probeTls,
} from '../src/index.js';
import {
  blackholeServer,
  closedPort,
  closingServer,
  mysqlErrPacket,
  selfSignedTlsServer,
  silentServer,
  speakingServer,
  type TlsFixture,
} from './helpers/servers.js';

// Live probes against servers the tests start on 127.0.0.1. No packet leaves the machine:
// DNS failures use names under .invalid, which never resolve.

const noLimit = { rateLimiter: false as const };

describe('probeDns', () => {
  it('classifies an IP literal without resolving', async () => {
    const r = await probeDns({ host: '127.0.0.1' });
    expect(r).toMatchObject({ probe: 'dns', status: 'ok', ok: true });
    expect(r.evidence).toMatchObject({ literal: true, allPrivate: true });
    expect(r.evidence.addresses).toEqual([
      { address: '127.0.0.1', family: 4, scope: 'loopback', private: true },
    ]);
  });

  it('resolves localhost to loopback addresses', async () => {
    const r = await probeDns({ host: 'localhost', timeoutMs: 3000 });
    expect(r.status).toBe('ok');
    expect(r.evidence.literal).toBe(false);
    expect(r.evidence.addresses.length).toBeGreaterThan(0);
    expect(r.evidence.addresses.every((a) => a.scope === 'loopback')).toBe(true);
  });

  it('reports a name under .invalid as dns-failure with the resolver code', async () => {
    const r = await probeDns({ host: 'secretsmanager.rotakit-netcheck.invalid', timeoutMs: 3000 });
    expect(r.status).toBe('dns-failure');
    expect(r.ok).toBe(false);
    expect(r.evidence.addresses).toEqual([]);
    expect(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME']).toContain(r.error?.code);
  });

  it('reports .invalid as dns-failure with the dns resolver too', async () => {
    const r = await probeDns({
      host: 'db.rotakit-netcheck.invalid',
      resolver: 'dns',
      timeoutMs: 3000,
    });
    expect(r.status).toBe('dns-failure');
    expect(r.evidence.resolver).toBe('dns');
  });

  it('lists addresses outside the expected CIDRs', async () => {
    const r = await probeDns({ host: '127.0.0.1', expectCidrs: ['10.0.0.0/16'] });
    expect(r.evidence.outside).toEqual(['127.0.0.1']);
  });

  it('returns aborted when the signal is already aborted', async () => {
    const r = await probeDns({ host: 'localhost', signal: AbortSignal.abort() });
    expect(r.status).toBe('aborted');
  });

  it('rejects a bad host or timeout with an error naming the option', async () => {
    await expect(probeDns({ host: '' })).rejects.toThrow(InvalidOptionError);
    await expect(probeDns({ host: 'localhost', timeoutMs: 0 })).rejects.toThrow(/timeoutMs/);
  });
});

describe('probeTcp', () => {
  it('connects to a listening loopback port', async () => {
    await using server = await silentServer();
    const r = await probeTcp({ host: '127.0.0.1', port: server.port, timeoutMs: 3000 });
    expect(r).toMatchObject({
      probe: 'tcp',
      status: 'ok',
      ok: true,
      target: `127.0.0.1:${server.port}`,
    });
    expect(r.evidence.address).toMatchObject({ address: '127.0.0.1', scope: 'loopback' });
    expect(r.evidence.connectMs).toBeTypeOf('number');
    expect(r.evidence.localAddress).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('reports a closed port as refused', async () => {
    const port = await closedPort();
    const r = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 3000 });
    expect(r.status).toBe('refused');
    expect(r.error?.code).toBe('ECONNREFUSED');
    expect(r.evidence.attempts).toEqual([
      expect.objectContaining({ address: '127.0.0.1', status: 'refused' }),
    ]);
    expect(r.evidence.phase).toBe('connect');
  });

  it('reports a silent drop (full accept queue on loopback) as timeout', async () => {
    await using hole = await blackholeServer();
    const r = await probeTcp({ host: '127.0.0.1', port: hole.port, timeoutMs: 600 });
    expect(r.status).toBe('timeout');
    expect(r.evidence.phase).toBe('connect');
  });

  it('stops at once when aborted mid-connect', async () => {
    await using hole = await blackholeServer();
    const controller = new AbortController();
    const pending = probeTcp({
      host: '127.0.0.1',
      port: hole.port,
      timeoutMs: 30_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100).unref();
    const r = await pending;
    expect(r.status).toBe('aborted');
  });

  it('reports a name under .invalid as dns-failure without connecting', async () => {
    const r = await probeTcp({
      host: 'nothing.rotakit-netcheck.invalid',
      port: 443,
      timeoutMs: 3000,
    });
    expect(r.status).toBe('dns-failure');
    expect(r.evidence.attempts).toEqual([]);
    expect(r.evidence.phase).toBe('dns');
  });

  it('rejects a port out of range', async () => {
    await expect(probeTcp({ host: '127.0.0.1', port: 70000 })).rejects.toThrow(/`port`/);
  });
});

describe('probeTls', () => {
  let tls: TlsFixture;
  beforeAll(async () => {
    tls = await selfSignedTlsServer();
  });
  afterAll(async () => {
    await tls?.close();
  });

  it('reports a self-signed certificate as tls-failure with the authorisation error', async () => {
    const r = await probeTls({
      host: '127.0.0.1',
      port: tls.port,
      servername: 'localhost',
      timeoutMs: 3000,
    });
    expect(r.status).toBe('tls-failure');
    expect(r.evidence.authorized).toBe(false);
    expect(r.evidence.authorizationError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(r.evidence.certificate?.subject).toBe('localhost');
    expect(r.evidence.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(r.error?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('passes when the certificate is trusted and matches the name', async () => {
    const r = await probeTls({
      host: '127.0.0.1',
      port: tls.port,
      servername: 'localhost',
      ca: tls.cert,
      timeoutMs: 3000,
    });
    expect(r.status).toBe('ok');
    expect(r.evidence.authorized).toBe(true);
    expect(r.evidence.handshakeMs).toBeTypeOf('number');
  });

  it('reports a trusted certificate for another name as tls-failure', async () => {
    const r = await probeTls({
      host: '127.0.0.1',
      port: tls.port,
      servername: 'secretsmanager.us-east-1.amazonaws.com',
      ca: tls.cert,
      timeoutMs: 3000,
    });
    expect(r.status).toBe('tls-failure');
    expect(r.evidence.authorizationError).toMatch(
      /ERR_TLS_CERT_ALTNAME_INVALID|Hostname\/IP does not match/,
    );
  });

  it('reports a server that accepts but never answers the handshake as timeout in the TLS phase', async () => {
    await using server = await silentServer();
    const r = await probeTls({ host: '127.0.0.1', port: server.port, timeoutMs: 500 });
    expect(r.status).toBe('timeout');
    expect(r.evidence.phase).toBe('tls-handshake');
    expect(r.evidence.connectMs).toBeTypeOf('number');
  });

  it('reports a server that hangs up during the handshake as reset', async () => {
    await using server = await closingServer();
    const r = await probeTls({ host: '127.0.0.1', port: server.port, timeoutMs: 3000 });
    expect(['reset', 'tls-failure']).toContain(r.status);
    expect(r.evidence.phase).toBe('tls-handshake');
  });

  it('reports a closed port as refused before any TLS', async () => {
    const r = await probeTls({ host: '127.0.0.1', port: await closedPort(), timeoutMs: 3000 });
    expect(r.status).toBe('refused');
    expect(r.evidence.handshakeMs).toBeUndefined();
  });
});

describe('probeMysql against loopback stand-ins', () => {
  const probeStandIn = (port: number, timeoutMs = 3000) =>
    probeMysql({ host: '127.0.0.1', port, timeoutMs, ...noLimit });

  it('reports a server that accepts and never greets as timeout in the greeting phase', async () => {
    await using server = await silentServer();
    const r = await probeStandIn(server.port, 500);
    expect(r.status).toBe('timeout');
    expect(r.evidence.phase).toBe('greeting');
    expect(r.evidence.connectMs).toBeTypeOf('number');
  });

  it('reads an ERR 1129 (host blocked) packet', async () => {
    const message =
      "Host '10.0.1.23' is blocked because of many connection errors; unblock with 'mariadb-admin flush-hosts'";
    await using server = await speakingServer(mysqlErrPacket(1129, message));
    const r = await probeStandIn(server.port);
    expect(r.status).toBe('blocked');
    expect(r.evidence).toMatchObject({ errorCode: 1129, errorMessage: message });
    expect(r.error).toMatchObject({ errno: 1129 });
  });

  it('reads ERR 1130 (host not allowed) as access-denied and 1040 as throttled', async () => {
    await using denied = await speakingServer(
      mysqlErrPacket(1130, "Host '10.0.1.23' is not allowed to connect to this MySQL server"),
    );
    await using busy = await speakingServer(mysqlErrPacket(1040, 'Too many connections'));
    expect((await probeStandIn(denied.port)).status).toBe('access-denied');
    expect((await probeStandIn(busy.port)).status).toBe('throttled');
  });

  it('reports a peer that speaks another protocol as protocol-error', async () => {
    await using server = await speakingServer(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'));
    const r = await probeStandIn(server.port);
    expect(r.status).toBe('protocol-error');
    expect(r.evidence.firstBytes).toBe(Buffer.from('SSH-2.0-OpenSSH_').toString('hex'));
  });

  it('reports a server that closes before greeting as reset', async () => {
    await using server = await closingServer();
    const r = await probeStandIn(server.port);
    expect(r.status).toBe('reset');
    expect(r.evidence.phase).toBe('greeting');
  });

  it('reports a closed port as refused', async () => {
    const r = await probeStandIn(await closedPort());
    expect(r.status).toBe('refused');
  });

  it('rate-limits probes per host:port without opening a connection', async () => {
    await using server = await silentServer();
    await using counting = await speakingServer(mysqlErrPacket(1040, 'Too many connections'));
    const limiter = new ProbeRateLimiter({ maxProbes: 2, windowMs: 60_000 });
    const probe = () =>
      probeMysql({ host: '127.0.0.1', port: counting.port, rateLimiter: limiter, timeoutMs: 2000 });
    const first = await probe();
    const second = await probe();
    const third = await probe();
    const connections = [first, second, third].filter((r) => r.evidence.attempts.length > 0).length;
    expect([first.status, second.status]).toEqual(['throttled', 'throttled']);
    expect(third.status).toBe('rate-limited');
    expect(third.evidence.retryAfterMs).toBeGreaterThan(0);
    expect(third.evidence.attempts).toEqual([]);
    expect(connections).toBe(2);
    // Another port is another key.
    const other = await probeMysql({
      host: '127.0.0.1',
      port: server.port,
      rateLimiter: limiter,
      timeoutMs: 200,
    });
    expect(other.status).toBe('timeout');
  });
});
