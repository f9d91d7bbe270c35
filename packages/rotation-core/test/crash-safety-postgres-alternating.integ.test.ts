// Crash safety on PostgreSQL 17, alternating users (see crash-harness.ts): 16 changed what a
// CREATEROLE master may do, so the newer major. The account sync is one transaction: a crash
// anywhere inside it rolls everything back, so the boundaries of its read-only SELECTs are
// equivalent to each other; the first and the last are crashed (sampling the claim), and
// every other boundary of setSecret (logins, BEGIN, each write, COMMIT, the Secrets Manager
// calls) and createSecret's logins.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerLocal, startSecretsManager } from '@rotakit/secrets-manager-local';
import { type PostgresServer, startPostgres } from '@rotakit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrashHarness } from './crash-harness.js';
import { postgresCrashEngine } from './postgres-stack.js';

let sm: SecretsManagerLocal;
let client: SecretsManagerClient;
let server: PostgresServer;
let harness: CrashHarness;

beforeAll(async () => {
  sm = await startSecretsManager();
  client = sm.client({ maxAttempts: 1 });
  server = await startPostgres({ major: 17, tls: false });
  harness = new CrashHarness(sm, client, await postgresCrashEngine(client, server));
});
afterAll(async () => {
  await harness?.close();
  await server?.stop();
  await sm.close();
});

const isSelect = (boundary: string) => /:sql:SELECT#/.test(boundary);

/** Every boundary but the in-transaction SELECTs between the first and the last. */
function sampleTransaction(boundaries: string[]): string[] {
  const begin = boundaries.findIndex((b) => b.includes(':sql:BEGIN#'));
  const commit = boundaries.findLastIndex((b) => b.includes(':sql:COMMIT#'));
  const selects = boundaries
    .map((b, i) => (i > begin && i < commit && isSelect(b) ? i : -1))
    .filter((i) => i >= 0);
  const kept = new Set([selects[0], selects[1], selects.at(-2), selects.at(-1)]);
  return boundaries.filter((_b, i) => !selects.includes(i) || kept.has(i));
}

/**
 * setSecret's boundaries (the account sync), and createSecret's logins (the clone name's
 * length check): the rest of createSecret, testSecret and finishSecret is the engine-neutral
 * code that crash-safety-postgres.integ.test.ts crashes at every boundary.
 */
const alternatingSteps = (boundaries: string[]) =>
  sampleTransaction(boundaries).filter(
    (b) => b.startsWith('setSecret:') || (b.startsWith('createSecret:') && b.includes(':sql:')),
  );

async function crashTest(prepare: 'new' | 'existing') {
  const started = performance.now();
  const result =
    prepare === 'new'
      ? await harness.injectEverywhere('alternating-users', async () => {}, alternatingSteps)
      : await harness.injectEverywhere('alternating-users', harness.oneRotation, alternatingSteps);
  console.info(
    `alternating users (${prepare} clone): ${result.injected.length} of ${result.boundaries.length} boundaries crashed and retried in ${Math.round(performance.now() - started)} ms`,
  );
  return result;
}

describe('PostgreSQL 17: crash at the boundaries of alternating users, then the service retries', () => {
  it('creating the clone', async () => {
    const { boundaries, injected, problems } = await crashTest('new');
    expect(injected.some((b) => b.includes('sql:CREATE ROLE'))).toBe(true);
    expect(injected.some((b) => b.includes('sql:GRANT'))).toBe(true);
    expect(injected.some((b) => b.includes('sql:COMMIT'))).toBe(true);
    expect(injected.length).toBeGreaterThan(25);
    expect(boundaries.length).toBeGreaterThan(injected.length);
    expect(problems).toEqual([]);
  }, 600_000);

  it('updating the existing other user (setSecret)', async () => {
    const { injected, problems } = await crashTest('existing');
    expect(injected.some((b) => b.includes('sql:ALTER ROLE'))).toBe(true);
    expect(injected.some((b) => b.includes('sql:CREATE ROLE'))).toBe(false);
    expect(problems).toEqual([]);
  }, 600_000);
});
