// Timing and error-path tests: the Secrets Manager client here is a stand-in whose `send()`
// the test controls, because a real server cannot be made to hang for exactly one call or
// fail on cue per attempt. The behaviour against the real SDK and the local Secrets Manager
// is covered in secret-cache.integ.test.ts.
import diagnosticsChannel from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import type {
  GetSecretValueCommand,
  GetSecretValueCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ClosedError,
  channels,
  InvalidOptionError,
  SecretCache,
  type SecretCacheOptions,
  SecretFetchError,
  SecretFormatError,
  type SecretsManagerLike,
} from '../src/index.js';

const PASSWORD = 'hunter2-very-secret-Pa55';

interface Call {
  input: GetSecretValueCommand['input'];
  resolve(output: Partial<GetSecretValueCommandOutput>): void;
  reject(error: unknown): void;
}

/** A client whose every call waits until the test answers it (or answers by a rule). */
class ScriptedClient implements SecretsManagerLike {
  readonly calls: Call[] = [];
  rule: ((input: GetSecretValueCommand['input'], n: number) => unknown) | undefined;

  send(command: GetSecretValueCommand): Promise<GetSecretValueCommandOutput> {
    return new Promise((resolve, reject) => {
      const call: Call = {
        input: command.input,
        resolve: (output) => resolve({ $metadata: {}, ...output }),
        reject,
      };
      this.calls.push(call);
      if (this.rule) {
        try {
          const result = this.rule(command.input, this.calls.length);
          if (result instanceof Error) reject(result);
          else if (result !== undefined) call.resolve(result as GetSecretValueCommandOutput);
        } catch (error) {
          reject(error);
        }
      }
    });
  }

  answer(
    index: number,
    versionId: string,
    secret: object = { username: 'app', password: PASSWORD },
  ) {
    const call = this.calls[index];
    if (!call) throw new Error(`no call #${index}`);
    call.resolve(value(versionId, secret));
  }
}

function value(versionId: string, secret: object = { username: 'app', password: PASSWORD }) {
  return {
    ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
    Name: 'db',
    VersionId: versionId,
    VersionStages: ['AWSCURRENT'],
    SecretString: JSON.stringify(secret),
  };
}

function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name}: simulated`), {
    name,
    $metadata: { httpStatusCode: status },
  });
}

const caches: SecretCache[] = [];
function makeCache(client: SecretsManagerLike, options: Partial<SecretCacheOptions> = {}) {
  const cache = new SecretCache({ client, ...options } as SecretCacheOptions);
  caches.push(cache);
  return cache;
}

afterEach(async () => {
  for (const cache of caches.splice(0)) await cache.close();
});

/** Lets pending promise callbacks run. */
const settle = () => sleep(5);

describe('SecretCache', () => {
  it('serves a fresh value from the cache without calling Secrets Manager again', async () => {
    const client = new ScriptedClient();
    client.rule = () => value('v1');
    const cache = makeCache(client);
    const first = await cache.get('db');
    const second = await cache.get('db');
    expect(second).toBe(first);
    expect(client.calls).toHaveLength(1);
    expect(client.calls[0]?.input).toEqual({ SecretId: 'db', VersionStage: 'AWSCURRENT' });
    expect(cache.stats()).toMatchObject({ fetches: 1, misses: 1, hits: 1, staleServes: 0 });
  });

  it('makes one call for many concurrent readers (single-flight per secret and stage)', async () => {
    const client = new ScriptedClient();
    const cache = makeCache(client);
    const readers = Array.from({ length: 50 }, () => cache.get('db'));
    const pendingReaders = Array.from({ length: 5 }, () =>
      cache.get('db', { stage: 'AWSPENDING' }),
    );
    expect(client.calls).toHaveLength(2);
    client.answer(0, 'v1');
    client.answer(1, 'v2');
    const values = await Promise.all(readers);
    expect(new Set(values.map((v) => v.versionId))).toEqual(new Set(['v1']));
    expect((await Promise.all(pendingReaders))[0]?.versionId).toBe('v2');
    expect(cache.stats()).toMatchObject({ fetches: 2, sharedFetches: 53 });
  });

  it('serves a stale value at once and refreshes it in the background', async () => {
    const client = new ScriptedClient();
    const cache = makeCache(client, { ttlMs: 20, ttlJitter: 0 });
    const loading = cache.get('db');
    client.answer(0, 'v1');
    await loading;
    await sleep(40);
    // The refresh call stays unanswered: the reader must not wait for it.
    const stale = await cache.get('db');
    expect(stale.versionId).toBe('v1');
    expect(client.calls).toHaveLength(2);
    expect(await cache.get('db')).toBe(stale);
    expect(client.calls).toHaveLength(2);
    client.answer(1, 'v2');
    await settle();
    expect((await cache.get('db')).versionId).toBe('v2');
    expect(cache.stats()).toMatchObject({ staleServes: 2, backgroundRefreshes: 1, fetches: 2 });
  });

  it('keeps serving the last good value while Secrets Manager throttles, without waiting on backoff', async () => {
    const client = new ScriptedClient();
    // Delays of ten minutes: a call that waited on the backoff would time the test out.
    const cache = makeCache(client, {
      ttlMs: 10,
      ttlJitter: 0,
      backoff: { retries: 3, minDelayMs: 600_000, maxDelayMs: 600_000 },
    });
    client.rule = () => value('v1');
    await cache.get('db');
    await sleep(20);
    client.rule = () => awsError('ThrottlingException');
    for (let i = 0; i < 20; i++) {
      expect((await cache.get('db')).versionId).toBe('v1');
      expect((await cache.get('db', { forceRefresh: true })).versionId).toBe('v1');
    }
    await settle();
    // One refresh started; it failed and is now sleeping its backoff in the background.
    expect(client.calls).toHaveLength(2);
    expect(cache.stats().fetchFailures).toBe(1);
    // Each forced refresh either joined the failing call or was refused: none made a call.
    const stats = cache.stats();
    expect(stats.forcedRefreshesRefused + stats.forcedRefreshesShared).toBe(20);
    expect(stats.forcedRefreshes).toBe(0);
  });

  it('fails fast with a SecretFetchError when nothing was ever fetched', async () => {
    const client = new ScriptedClient();
    client.rule = () => awsError('InternalServiceError', 500);
    const cache = makeCache(client, {
      backoff: { retries: 3, minDelayMs: 600_000, maxDelayMs: 600_000 },
    });
    const error = await cache.get('db').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFetchError);
    expect(error).toMatchObject({
      secretId: 'db',
      stage: 'AWSCURRENT',
      code: 'InternalServiceError',
      retryable: true,
    });
    // While the background refresh sleeps, readers get the error at once, with no new call.
    const again = await cache.get('db').catch((e: unknown) => e);
    expect(again).toBeInstanceOf(SecretFetchError);
    expect((again as SecretFetchError).message).toMatch(/retrying in the background/);
    expect(client.calls).toHaveLength(1);
  });

  it('retries a failed refresh in the background with bounded backoff, then cools down', async () => {
    const client = new ScriptedClient();
    const cache = makeCache(client, {
      backoff: { retries: 2, minDelayMs: 5, maxDelayMs: 600_000 },
    });
    client.rule = () => awsError('ThrottlingException');
    await expect(cache.get('db')).rejects.toBeInstanceOf(SecretFetchError);
    await expect.poll(() => client.calls.length, { timeout: 2000 }).toBe(3);
    await sleep(60);
    expect(client.calls).toHaveLength(3);
    // Readers in the cool-down get the error without a call.
    await expect(cache.get('db')).rejects.toBeInstanceOf(SecretFetchError);
    expect(client.calls).toHaveLength(3);
  });

  it('recovers in the background: a retry that succeeds fills the cache', async () => {
    const client = new ScriptedClient();
    const cache = makeCache(client, { backoff: { retries: 4, minDelayMs: 5, maxDelayMs: 10 } });
    client.rule = (_input, n) => (n < 3 ? awsError('ThrottlingException') : value('v1'));
    await expect(cache.get('db')).rejects.toBeInstanceOf(SecretFetchError);
    await expect.poll(() => cache.getCached('db')?.versionId, { timeout: 2000 }).toBe('v1');
    expect(client.calls).toHaveLength(3);
  });

  it('does not retry permanent errors such as ResourceNotFoundException', async () => {
    const client = new ScriptedClient();
    client.rule = () => awsError('ResourceNotFoundException');
    const cache = makeCache(client, { backoff: { retries: 5, minDelayMs: 1, maxDelayMs: 2 } });
    const error = await cache.get('db', { stage: 'AWSPENDING' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ResourceNotFoundException', retryable: false });
    await sleep(30);
    expect(client.calls).toHaveLength(1);
  });

  it('caps forced refreshes per secret per window and serves the cached value beyond it', async () => {
    const client = new ScriptedClient();
    client.rule = (_input, n) => value(`v${n}`);
    const cache = makeCache(client, { forcedRefresh: { max: 2, windowMs: 600_000 } });
    const refused: string[] = [];
    cache.on('refreshRefused', (e) => refused.push(e.reason));
    await cache.get('db');
    const versions: string[] = [];
    for (let i = 0; i < 5; i++) {
      versions.push((await cache.get('db', { forceRefresh: true })).versionId);
    }
    expect(versions).toEqual(['v2', 'v3', 'v3', 'v3', 'v3']);
    expect(refused).toEqual(['cap', 'cap', 'cap']);
    expect(cache.stats()).toMatchObject({ forcedRefreshes: 2, forcedRefreshesRefused: 3 });
    // Another stage has its own budget.
    expect((await cache.get('db', { stage: 'AWSPENDING', forceRefresh: true })).versionId).toBe(
      'v4',
    );
  });

  it('bypassCap: a forced refresh the cap would refuse still reaches Secrets Manager and uses none of the cap', async () => {
    const client = new ScriptedClient();
    client.rule = (_input, n) => value(`v${n}`);
    const cache = makeCache(client, { forcedRefresh: { max: 1, windowMs: 600_000 } });
    const refused: string[] = [];
    cache.on('refreshRefused', (e) => refused.push(e.reason));
    await cache.get('db');
    const versions: string[] = [];
    for (let i = 0; i < 3; i++) {
      versions.push((await cache.get('db', { forceRefresh: true, bypassCap: true })).versionId);
    }
    expect(versions).toEqual(['v2', 'v3', 'v4']);
    // The one capped refresh is still there for a per-request caller, and only one.
    expect((await cache.get('db', { forceRefresh: true })).versionId).toBe('v5');
    expect((await cache.get('db', { forceRefresh: true })).versionId).toBe('v5');
    expect(refused).toEqual(['cap']);
    expect(cache.stats()).toMatchObject({ forcedRefreshes: 4, forcedRefreshesRefused: 1 });
  });

  it('shares one forced refresh between callers that saw the same failure (fetchedAfter)', async () => {
    const client = new ScriptedClient();
    client.rule = (_input, n) => value(`v${n}`);
    const cache = makeCache(client);
    await cache.get('db');
    const failureSeenAt = Date.now();
    await sleep(2);
    const a = await cache.get('db', { forceRefresh: true, fetchedAfter: failureSeenAt });
    const b = await cache.get('db', { forceRefresh: true, fetchedAfter: failureSeenAt });
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, () =>
        cache.get('db', { forceRefresh: true, fetchedAfter: Date.now() }),
      ),
    );
    expect(a.versionId).toBe('v2');
    expect(b).toBe(a);
    expect(new Set(concurrent.map((v) => v.versionId)).size).toBe(1);
    expect(client.calls).toHaveLength(3);
  });

  it('emits fetch, versionChanged and fetchError events and publishes on diagnostics_channel', async () => {
    const client = new ScriptedClient();
    client.rule = (_input, n) => (n === 3 ? awsError('ThrottlingException') : value(`v${n}`));
    const cache = makeCache(client, { backoff: { retries: 0 } });
    const events: string[] = [];
    cache.on('fetch', (e) => events.push(`fetch:${e.reason}:${e.versionId}`));
    cache.on('versionChanged', (e) =>
      events.push(`changed:${e.previousVersionId}->${e.versionId}`),
    );
    cache.on('fetchError', (e) => events.push(`error:${e.code}`));
    const published: unknown[] = [];
    const listener = (message: unknown) => published.push(message);
    diagnosticsChannel.subscribe(channels.fetch, listener);
    try {
      await cache.get('db');
      await cache.get('db', { forceRefresh: true });
      await cache.get('db', { forceRefresh: true });
    } finally {
      diagnosticsChannel.unsubscribe(channels.fetch, listener);
    }
    expect(events).toEqual([
      'fetch:miss:v1',
      'fetch:forced:v2',
      'changed:v1->v2',
      'error:ThrottlingException',
    ]);
    expect(published).toHaveLength(3);
    expect(JSON.stringify(published)).not.toContain(PASSWORD);
  });

  it('never prints the secret: SecretValue, parsed JSON and format errors are redacted', async () => {
    const client = new ScriptedClient();
    client.rule = (input) =>
      input.VersionStage === 'AWSPENDING'
        ? { ...value('bad'), SecretString: `{"password": "${PASSWORD}"` }
        : value('v1', { username: 'app', password: PASSWORD, host: 'db.local' });
    const cache = makeCache(client);
    const secret = await cache.get('db');
    const json = await cache.getJson('db');
    expect(json.password).toBe(PASSWORD);
    expect(secret.secretString).toContain(PASSWORD);
    for (const printed of [
      inspect(secret),
      String(secret),
      JSON.stringify(secret),
      inspect(json),
      JSON.stringify(json),
      inspect(cache, { depth: 10 }),
    ]) {
      expect(printed).not.toContain(PASSWORD);
    }
    expect(inspect(json)).toContain('db.local');
    const error = await cache.getJson('db', { stage: 'AWSPENDING' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(inspect(error)).not.toContain(PASSWORD);
    expect((error as Error).message).toMatch(/not valid JSON/);
  });

  it('evicts the least recently used entries beyond maxEntries', async () => {
    const client = new ScriptedClient();
    client.rule = (input) => value(`${input.SecretId}`);
    const cache = makeCache(client, { maxEntries: 2 });
    await cache.get('a');
    await cache.get('b');
    await cache.get('a');
    await cache.get('c');
    expect(cache.getCached('b')).toBeUndefined();
    expect(cache.getCached('a')?.versionId).toBe('a');
    expect(cache.stats().entries).toBe(2);
  });

  it('aborts a call that exceeds fetchTimeoutMs', async () => {
    const client: SecretsManagerLike = {
      send: (_command, options) =>
        new Promise((_resolve, reject) => {
          options?.abortSignal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
          );
        }),
    };
    const cache = makeCache(client, { fetchTimeoutMs: 20, backoff: { retries: 0 } });
    await expect(cache.get('db')).rejects.toMatchObject({
      name: 'SecretFetchError',
      code: 'AbortError',
    });
  });

  it('stops waiting when the signal aborts, while the shared fetch goes on for others', async () => {
    const client = new ScriptedClient();
    const cache = makeCache(client);
    const controller = new AbortController();
    const mine = cache.get('db', { signal: controller.signal });
    const other = cache.get('db');
    controller.abort(new Error('caller gave up'));
    await expect(mine).rejects.toThrow('caller gave up');
    client.answer(0, 'v1');
    expect((await other).versionId).toBe('v1');
    expect(client.calls).toHaveLength(1);
    await expect(cache.get('db', { signal: AbortSignal.abort() })).rejects.toThrow();
  });

  it('rejects calls after close() and stops background retries', async () => {
    const client = new ScriptedClient();
    client.rule = () => awsError('ThrottlingException');
    const cache = makeCache(client, { backoff: { retries: 10, minDelayMs: 20, maxDelayMs: 20 } });
    await expect(cache.get('db')).rejects.toBeInstanceOf(SecretFetchError);
    await cache.close();
    await sleep(80);
    expect(client.calls).toHaveLength(1);
    await expect(cache.get('db')).rejects.toBeInstanceOf(ClosedError);
  });

  it('validates options and names the option at fault', () => {
    const client = new ScriptedClient();
    expect(() => new SecretCache({ client, ttlMs: -1 })).toThrow(/`ttlMs`/);
    expect(() => new SecretCache({ client, backoff: { minDelayMs: 10, maxDelayMs: 5 } })).toThrow(
      /`backoff.maxDelayMs`/,
    );
    expect(
      () =>
        new SecretCache({
          client,
          clientConfig: { region: 'us-east-1' },
        } as unknown as SecretCacheOptions),
    ).toThrow(InvalidOptionError);
    expect(() => new SecretCache({} as SecretCacheOptions)).toThrow(/`client`/);
    expect(() => new SecretCache({ client: {} as SecretsManagerLike })).toThrow(/send\(\)/);
    const cache = makeCache(client);
    return expect(cache.get('')).rejects.toThrow(/`secretId`/);
  });
});
