#!/usr/bin/env node
// Packs every publishable package and checks that its `exports` resolve for Node (ESM and
// CJS) and bundlers, with types, using @arethetypeswrong/cli. Run after `pnpm build`.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');
let failed = 0;
for (const dir of readdirSync(packagesDir)) {
  const pkgDir = join(packagesDir, dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  try {
    // node10 resolution cannot see subpath exports; we support Node 20+ and bundlers.
    execFileSync(
      'npx',
      ['attw', '--pack', '.', '--profile', 'node16', '--format', 'table-flipped'],
      {
        cwd: pkgDir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    console.log(`exports ok: ${pkg.name}`);
  } catch (error) {
    failed++;
    console.error(`exports FAILED: ${pkg.name}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}
process.exit(failed ? 1 : 0);
