import { describe, expect, test } from 'vitest';
import { ServiceError } from '../src/errors.js';
import { FaultRegistry } from '../src/faults.js';
import {
  LOWERCASE,
  NUMBERS,
  PUNCTUATION,
  randomPassword,
  UPPERCASE,
} from '../src/random-password.js';

const defaults = {
  passwordLength: 32,
  excludeCharacters: '',
  excludeNumbers: false,
  excludePunctuation: false,
  excludeUppercase: false,
  excludeLowercase: false,
  includeSpace: false,
  requireEachIncludedType: true,
};

describe('randomPassword', () => {
  test('draws every allowed character about equally often', () => {
    const pool = LOWERCASE + UPPERCASE + NUMBERS + PUNCTUATION;
    const counts = new Map<string, number>();
    const options = { ...defaults, passwordLength: 4096, requireEachIncludedType: false };
    const samples = Array.from({ length: 25 }, () => randomPassword(options)).join('');
    for (const c of samples) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(new Set(counts.keys())).toEqual(new Set(pool));
    const expected = samples.length / pool.length;
    for (const [, n] of counts) {
      expect(n).toBeGreaterThan(expected * 0.7);
      expect(n).toBeLessThan(expected * 1.3);
    }
  });

  test('a type whose characters are all excluded is not required', () => {
    const pw = randomPassword({
      ...defaults,
      passwordLength: 3,
      excludeCharacters: NUMBERS,
      excludePunctuation: true,
      requireEachIncludedType: true,
    });
    expect(pw).toMatch(/^[A-Za-z]{3}$/);
  });

  test('no character left is a ServiceError', () => {
    expect(() =>
      randomPassword({
        ...defaults,
        excludeCharacters: LOWERCASE + UPPERCASE + NUMBERS + PUNCTUATION,
      }),
    ).toThrow(ServiceError);
  });
});

describe('FaultRegistry.decide', () => {
  test('latencies add up, the first error fault wins, and spent faults remove themselves', () => {
    const faults = new FaultRegistry();
    faults.add({ operation: '*', kind: 'latency', latencyMs: 10 });
    faults.add({ operation: 'GetSecretValue', kind: 'latency', latencyMs: 5 });
    const throttle = faults.add({ operation: 'GetSecretValue', kind: 'throttle', times: 1 });
    const internal = faults.add({ operation: 'GetSecretValue', kind: 'internal-error', times: 1 });
    expect(faults.decide('GetSecretValue')).toEqual({ latencyMs: 15, action: 'throttle' });
    expect(throttle.hits).toBe(1);
    expect(internal.hits).toBe(0);
    expect(faults.decide('GetSecretValue')).toEqual({ latencyMs: 15, action: 'internal-error' });
    expect(faults.decide('GetSecretValue')).toEqual({ latencyMs: 15 });
    expect(faults.decide('ListSecrets')).toEqual({ latencyMs: 10 });
    expect(faults.list()).toHaveLength(2);
  });
});
