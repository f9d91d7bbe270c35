import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { ServiceError } from '../src/errors.js';
import { SecretValue } from '../src/secret-value.js';
import { AWSCURRENT, AWSPENDING, SecretStore } from '../src/store.js';

const v = (text: string) => SecretValue.fromString(text);
const id = (n: number) => `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;

function store(now = () => 1_000_000) {
  return new SecretStore({ region: 'us-east-1', accountId: '123456789012', now });
}

function thrown(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw error;
  }
  throw new Error('expected a ServiceError');
}

describe('SecretStore', () => {
  test('AWSCURRENT moves, AWSPREVIOUS follows, and the third version is deprecated', () => {
    const s = store();
    const { secret } = s.create({ name: 'a', token: id(1), value: v('1') });
    s.putValue(secret, id(2), v('2'), [AWSCURRENT]);
    s.putValue(secret, id(3), v('3'), [AWSCURRENT]);
    expect(s.stagesOf(secret, id(1))).toEqual([]);
    expect(s.stagesOf(secret, id(2))).toEqual(['AWSPREVIOUS']);
    expect(s.stagesOf(secret, id(3))).toEqual(['AWSCURRENT']);
  });

  test('resolves names, full ARNs and partial ARNs, and nothing else', () => {
    const s = store();
    const { secret } = s.create({ name: 'app/db-x', token: id(1) });
    expect(s.find('app/db-x')).toBe(secret);
    expect(s.find(secret.arn)).toBe(secret);
    expect(s.find(secret.arn.slice(0, -7))).toBe(secret);
    expect(s.find(`${secret.arn.slice(0, -6)}aaaaaa`)).toBeUndefined();
    expect(s.find('arn:aws:secretsmanager:us-east-1:123456789012:secret:app')).toBeUndefined();
    expect(thrown(() => s.resolve('nope')).type).toBe('ResourceNotFoundException');
  });

  test('a pending version blocks a second one until AWSCURRENT reaches it', () => {
    const s = store();
    const { secret } = s.create({ name: 'r', token: id(1), value: v('1') });
    s.createPendingVersion(secret, id(2));
    expect(s.pendingVersionId(secret)).toBe(id(2));
    expect(thrown(() => s.createPendingVersion(secret, id(3))).message).toBe(
      "A previous rotation isn't complete. That rotation will be reattempted.",
    );
    expect(thrown(() => s.readValue(secret, id(2), AWSPENDING)).type).toBe(
      'ResourceNotFoundException',
    );
    s.putValue(secret, id(2), v('2'), [AWSPENDING]);
    s.updateStage(secret, AWSCURRENT, id(2), id(1));
    expect(s.pendingVersionId(secret)).toBeUndefined();
    expect(s.stagesOf(secret, id(2))).toEqual([AWSCURRENT, AWSPENDING]);
    s.createPendingVersion(secret, id(3));
    expect(s.stagesOf(secret, id(3))).toEqual([AWSPENDING]);
  });

  test('deletion windows end on the store clock', () => {
    let now = 0;
    const s = store(() => now);
    const { secret } = s.create({ name: 'd', token: id(1) });
    s.scheduleDeletion(secret, 7);
    now += 7 * 86_400_000 - 1;
    expect(s.find('d')).toBe(secret);
    now += 1;
    expect(s.find('d')).toBeUndefined();
  });

  test('pruning keeps labelled versions even when they are the oldest', () => {
    const s = store();
    const { secret } = s.create({ name: 'p', token: id(0), value: v('0') });
    s.updateStage(secret, 'pinned', id(0), undefined);
    for (let i = 1; i <= 120; i++) s.putValue(secret, id(i), v(String(i)), [AWSCURRENT]);
    expect(secret.versions.size).toBe(100);
    expect(secret.versions.has(id(0))).toBe(true);
    expect(secret.versions.has(id(1))).toBe(false);
  });

  test('inspecting the state never shows a secret value', () => {
    const s = store();
    const { secret } = s.create({ name: 'i', token: id(1), value: v('hunter2-value') });
    expect(inspect(secret, { depth: 10 })).not.toContain('hunter2');
    expect(JSON.stringify([...secret.versions.values()])).not.toContain('hunter2');
    expect(String(secret.versions.get(id(1))?.value)).toBe('[redacted]');
  });

  test('a region view sees its own names and ARNs; the service-wide store finds an ARN in any region', () => {
    const s = store();
    const west = s.inRegion('us-west-2');
    const { secret } = west.create({ name: 'w', token: id(1), value: v('1') });
    expect(secret.arn).toMatch(/^arn:aws:secretsmanager:us-west-2:123456789012:secret:w-/);
    expect(west.find('w')).toBe(secret);
    expect(s.find('w')).toBeUndefined();
    expect(s.inRegion('us-east-1').find(secret.arn)).toBeUndefined();
    expect(s.find(secret.arn)).toBe(secret);
    expect(s.list()).toEqual([secret]);
    expect(s.inRegion('eu-west-1').list()).toEqual([]);
    const before = s.generation;
    west.putValue(secret, id(2), v('2'), [AWSCURRENT]);
    expect(s.generation).toBeGreaterThan(before);
  });

  test('the first version gets AWSCURRENT whatever VersionStages says; later ones do not', () => {
    const s = store();
    const { secret } = s.create({ name: 'empty', token: id(1) });
    s.putValue(secret, id(2), v('a'), [AWSPENDING]);
    expect(s.stagesOf(secret, id(2))).toEqual([AWSCURRENT, AWSPENDING]);
    s.putValue(secret, id(3), v('b'), ['CUSTOM']);
    expect(s.stagesOf(secret, id(3))).toEqual(['CUSTOM']);
  });

  test('a token reused with another value names the token and the ARN, not the value', () => {
    const s = store();
    const { secret } = s.create({ name: 'tok', token: id(1), value: v('one') });
    const error = thrown(() => s.putValue(secret, id(1), v('other-value'), [AWSCURRENT]));
    expect(error.type).toBe('ResourceExistsException');
    expect(error.message).toBe(
      `You can't use ClientRequestToken ${id(1)} because that value is already in use for a version of secret ${secret.arn}.`,
    );
  });
});
