// The rotation steps done by hand (PutSecretValue AWSPENDING + ALTER USER = setSecret,
// UpdateSecretVersionStage = finishSecret) under concurrent load, on the real MariaDB and the
// local Secrets Manager. The RotateSecret-driven version with rotation-core is load.integ.test.ts.
import net from 'node:net';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import {
  createDatabaseUser,
  describeLoadErrors,
  startQueryLoad,
  waitForLoadProgress,
} from '@rotakit/testing';
import { testMysql } from '@rotakit/testing/vitest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CreatePoolOptions, createPool } from '../src/index.js';
import {
  alterPassword,
  createDbSecret,
  finish,
  newPassword,
  putPending,
  sessionsOf,
} from './helpers.js';

const server = testMysql();
let sm: SecretsManagerLocal;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
});
afterAll(() => sm?.close());
beforeEach(() => sm.faults.clear());

/** 32 workers against 8 connections that keep being replaced. */
const LOADED: Partial<CreatePoolOptions> = {
  connectionLimit: 8,
  maxIdle: 2,
  idleTimeout: 200,
};

describe('rotation window under load', () => {
  it('a rotation stopped after setSecret: new connections keep succeeding with AWSPENDING', async () => {
    const secret = await createDbSecret(server, client);
    await using pool = createPool({
      secretId: secret.name,
      client,
      ...LOADED,
      cacheOptions: { ttlMs: 200 },
    } as CreatePoolOptions);
    const load = startQueryLoad(pool);
    try {
      await waitForLoadProgress(load, 200);
      const password = newPassword();
      const pending = await putPending(client, secret.name, { ...secret.value, password });
      await alterPassword(server, secret.user.username, password);
      const openedAtSetSecret = pool.stats().connectionsOpened;
      // The rotation never finishes: AWSCURRENT stays stale while the load goes on.
      await waitForLoadProgress(load, 1500);
      const stats = pool.stats();
      expect(stats.connectionsOpened - openedAtSetSecret).toBeGreaterThan(20);
      expect(stats.credentials).toMatchObject({ versionId: pending, source: 'AWSPENDING' });
      expect(stats.pendingProbeSuccesses).toBe(1);
      expect(stats.authFailures).toBeGreaterThanOrEqual(1);
    } finally {
      const result = await load.stop();
      expect(result.failed, describeLoadErrors(result)).toBe(0);
    }
  });

  it('Secrets Manager throttling or down during load: zero failed queries while a value is cached', async () => {
    const secret = await createDbSecret(server, client);
    await using pool = createPool({
      secretId: secret.name,
      client,
      ...LOADED,
      cacheOptions: { ttlMs: 50, backoff: { retries: 2, minDelayMs: 20, maxDelayMs: 200 } },
      credentialCheckIntervalMs: 20,
    } as CreatePoolOptions);
    const load = startQueryLoad(pool);
    try {
      await waitForLoadProgress(load, 200);
      const throttle = sm.faults.add({ operation: 'GetSecretValue', kind: 'throttle' });
      const opened = pool.stats().connectionsOpened;
      await waitForLoadProgress(load, 800);
      throttle.remove();
      sm.faults.add({ operation: 'GetSecretValue', kind: 'drop-connection' });
      await waitForLoadProgress(load, 800);
      const stats = pool.stats();
      expect(stats.connectionsOpened - opened).toBeGreaterThan(20);
      expect(stats.cache.fetchFailures).toBeGreaterThan(0);
      expect(stats.cache.staleServes).toBeGreaterThan(0);
    } finally {
      const result = await load.stop();
      expect(result.failed, describeLoadErrors(result)).toBe(0);
    }
  });

  it('alternating users: new connections switch to the new user and old-user connections are retired gradually', async () => {
    const secret = await createDbSecret(server, client);
    const clone = await createDatabaseUser(server, {
      username: `${secret.user.username}_clone`,
      database: secret.user.database,
    });
    await using pool = createPool({
      secretId: secret.name,
      client,
      ...LOADED,
      maxIdle: 8,
      idleTimeout: 60_000,
      cacheOptions: { ttlMs: 100 },
      credentialCheckIntervalMs: 25,
      retireConnections: { overMs: 300 },
    } as CreatePoolOptions);
    const retired: string[] = [];
    pool.on('connectionRetired', (e) => retired.push(e.versionId));
    // No churn: only retirement can move the steady connections to the new user.
    const load = startQueryLoad(pool, { churnEvery: 0 });
    try {
      await waitForLoadProgress(load, 300);
      // All 8 connections open (under load the pool may still be opening the last ones).
      await expect
        .poll(() => sessionsOf(server, secret.user.username), { timeout: 10_000 })
        .toBe(8);
      const next = await putPending(client, secret.name, {
        ...secret.value,
        username: clone.username,
        password: clone.password,
      });
      await finish(client, secret.name, next);
      await expect
        .poll(() => sessionsOf(server, secret.user.username), { timeout: 10_000 })
        .toBe(0);
      expect(await sessionsOf(server, clone.username)).toBeGreaterThan(0);
      expect(pool.stats()).toMatchObject({
        credentials: { versionId: next, username: clone.username },
        authFailures: 0,
      });
      expect(retired.length).toBe(8);
      expect(new Set(retired)).toEqual(new Set([secret.versionId]));
      await waitForLoadProgress(load, 200);
    } finally {
      const result = await load.stop();
      expect(result.failed, describeLoadErrors(result)).toBe(0);
    }
  });

  it('a port change in the secret applies to new connections (through a loopback proxy)', async () => {
    const secret = await createDbSecret(server, client);
    let proxied = 0;
    const proxy = net.createServer((socket) => {
      proxied++;
      const upstream = net.connect(server.port, server.host);
      socket.pipe(upstream).pipe(socket);
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', close);
      upstream.on('error', close);
      socket.on('close', close);
      upstream.on('close', close);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyPort = (proxy.address() as net.AddressInfo).port;
    try {
      await using pool = createPool({
        secretId: secret.name,
        client,
        ...LOADED,
        cacheOptions: { ttlMs: 100 },
        credentialCheckIntervalMs: 25,
        retireConnections: { overMs: 200 },
      } as CreatePoolOptions);
      const load = startQueryLoad(pool);
      try {
        await waitForLoadProgress(load, 200);
        expect(proxied).toBe(0);
        const moved = await putPending(client, secret.name, { ...secret.value, port: proxyPort });
        await finish(client, secret.name, moved);
        await expect.poll(() => pool.stats().credentials.versionId, { timeout: 5000 }).toBe(moved);
        await waitForLoadProgress(load, 500);
        expect(proxied).toBeGreaterThan(0);
        const through = proxied;
        await waitForLoadProgress(load, 500);
        // Churned connections now all open through the proxy.
        expect(proxied).toBeGreaterThan(through);
      } finally {
        const result = await load.stop();
        expect(result.failed, describeLoadErrors(result)).toBe(0);
      }
    } finally {
      proxy.close();
    }
  });
});
