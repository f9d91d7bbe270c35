// The CI runs the whole suite under Node 20, 22 and 24 (.ci/run). This file proves which Node
// ran it: ROTAKIT_EXPECT_NODE (set by .ci/run per run) must be the test worker's version, and
// whatever runs must be a version the packages' `engines` claim.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const engines = (path: string): string =>
  (
    JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
      engines: { node: string };
    }
  ).engines.node;

/** Whether `version` (x.y.z) satisfies a range of `^x.y.z` alternatives joined by `||`. */
function satisfiesCaretRanges(version: string, range: string): boolean {
  const [major, minor, patch] = version.split('.').map(Number);
  return range.split('||').some((alternative) => {
    const match = /^\s*\^(\d+)\.(\d+)\.(\d+)\s*$/.exec(alternative);
    if (!match) throw new Error(`unexpected engines alternative ${JSON.stringify(alternative)}`);
    const [want, wantMinor, wantPatch] = match.slice(1).map(Number);
    if (major !== want) return false;
    return (
      (minor as number) > (wantMinor as number) ||
      (minor === wantMinor && (patch as number) >= (wantPatch as number))
    );
  });
}

describe('the Node version under test', () => {
  it('is the one .ci/run asked for (ROTAKIT_EXPECT_NODE), when it asks', () => {
    const expected = process.env.ROTAKIT_EXPECT_NODE;
    // Printed so a CI log shows which Node each run used.
    console.log(`node ${process.versions.node} (${process.execPath})`);
    if (expected !== undefined) {
      expect(process.versions.node).toBe(expected);
    } else {
      expect(process.versions.node).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('is one the engines field claims, and every package claims the same range', () => {
    const range = engines('../package.json');
    const root = new URL('../../../', import.meta.url);
    const manifests = ['package.json'].concat(
      ...['packages', 'examples'].map((group) =>
        readdirSync(new URL(`${group}/`, root))
          .map((dir) => `${group}/${dir}/package.json`)
          .filter((path) => existsSync(new URL(path, root))),
      ),
    );
    expect(manifests.length).toBeGreaterThan(10);
    for (const manifest of manifests) {
      expect(engines(new URL(manifest, root).href), manifest).toBe(range);
    }
    expect(
      satisfiesCaretRanges(process.versions.node, range),
      `${process.versions.node} in ${range}`,
    ).toBe(true);
    // The parser itself: the versions the range must keep out.
    expect(satisfiesCaretRanges('18.20.0', range)).toBe(false);
    expect(satisfiesCaretRanges('23.11.0', range)).toBe(false);
  });
});
