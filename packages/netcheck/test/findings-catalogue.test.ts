import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FINDING_CODES } from '../src/index.js';

// The catalogue is the one source of each code's condition and meaning; the docs table
// repeats it for readers and must not drift.

describe('the findings catalogue', () => {
  it('docs/netcheck.md lists every finding code with its condition, in catalogue order', () => {
    const doc = readFileSync(new URL('../../../docs/netcheck.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (R\d) \|/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(Object.entries(FINDING_CODES).map(([code, e]) => [code, e.condition]));
  });

  it('is frozen and gives every code a condition and a one-line meaning', () => {
    expect(Object.isFrozen(FINDING_CODES)).toBe(true);
    for (const [code, entry] of Object.entries(FINDING_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z_]+[A-Z]$/);
      expect(entry.condition).toMatch(/^R[1-9]$/);
      expect(entry.meaning).toMatch(/^\S.{20,}\.$/);
      expect(entry.meaning).not.toContain('\n');
    }
  });
});
