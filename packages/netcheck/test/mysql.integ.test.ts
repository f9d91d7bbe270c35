import { testMysql } from '@rotakit/testing/vitest';
import { describe, expect, it, vi } from 'vitest';
import { ProbeRateLimiter, probeMysql } from '../src/index.js';

// The real ephemeral MariaDB from the test harness (loopback). MySQL keeps no host-error
// counts for loopback clients, so these greeting probes cannot get 127.0.0.1 blocked.

describe('probeMysql against the real MariaDB', () => {
  const db = testMysql();
  const limiter = new ProbeRateLimiter({ maxProbes: 10, windowMs: 60_000 });

  it('reads the greeting: server version, flavor, TLS offer and auth plugin', async () => {
    const r = await probeMysql({
      host: db.host,
      port: db.port,
      timeoutMs: 5000,
      rateLimiter: limiter,
    });
    expect(r.status).toBe('ok');
    expect(r.evidence.protocolVersion).toBe(10);
    expect(r.evidence.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.evidence.serverVersion).not.toMatch(/^5\.5\.5-/);
    expect(['mariadb', 'mysql']).toContain(r.evidence.flavor);
    expect(r.evidence.ssl).toBeTypeOf('boolean');
    expect(r.evidence.authPlugin).toMatch(/password/);
    expect(r.evidence.connectionId).toBeGreaterThan(0);
    expect(r.evidence.greetingMs).toBeTypeOf('number');
    expect(r.evidence.address?.scope).toBe('loopback');
  });

  it('logs in with the right credentials and never reports the password', async () => {
    const r = await probeMysql({
      host: db.host,
      port: db.port,
      timeoutMs: 10_000,
      rateLimiter: limiter,
      login: { user: db.adminUser, password: db.adminPassword },
    });
    expect(r.status).toBe('ok');
    expect(r.evidence.login).toMatchObject({ user: db.adminUser, ok: true, status: 'ok' });
    expect(JSON.stringify(r)).not.toContain(db.adminPassword);
  });

  it('reports a wrong password as access-denied (1045) and does not echo it', async () => {
    const wrong = `wrong-${Math.random().toString(36).slice(2)}`;
    const r = await probeMysql({
      host: db.host,
      port: db.port,
      timeoutMs: 10_000,
      rateLimiter: limiter,
      login: { user: db.adminUser, password: wrong },
    });
    expect(r.status).toBe('access-denied');
    expect(r.evidence.serverVersion).toBeDefined();
    expect(r.evidence.login).toMatchObject({ ok: false, status: 'access-denied', errno: 1045 });
    expect(JSON.stringify(r)).not.toContain(wrong);
  });

  it('scrubs the password from a driver error that echoes it', async () => {
    // The real driver never echoes the password; a stand-in is the only way to reach this path.
    const password = `echoed-${Math.random().toString(36).slice(2)}`;
    vi.doMock('mysql2/promise', () => ({
      createConnection: () =>
        Promise.reject(
          Object.assign(new Error(`connect failed with password ${password}`), {
            code: 'ER_ACCESS_DENIED_ERROR',
            errno: 1045,
          }),
        ),
    }));
    try {
      const r = await probeMysql({
        host: db.host,
        port: db.port,
        timeoutMs: 10_000,
        rateLimiter: limiter,
        login: { user: db.adminUser, password },
      });
      expect(r.status).toBe('access-denied');
      expect(r.evidence.login?.message).toBe('connect failed with password [redacted]');
      expect(JSON.stringify(r)).not.toContain(password);
    } finally {
      vi.doUnmock('mysql2/promise');
    }
  });
});
