#!/usr/bin/env node
// Packs every publishable package as `pnpm publish` would (publishConfig applied, so without
// the workspace-only `@rotakit/source` condition) and checks that the tarball's `exports`
// resolve for Node (ESM and CJS) and bundlers, with types, using @arethetypeswrong/cli.
// Run after `pnpm build`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packAll } from './pack.mjs';

const destination = mkdtempSync(join(tmpdir(), 'rotakit-exports-'));
let failed = 0;
try {
  for (const { name, tarball } of packAll(destination)) {
    try {
      // node10 resolution cannot see subpath exports; we support Node 20+ and bundlers.
      execFileSync('npx', ['attw', tarball, '--profile', 'node16', '--format', 'table-flipped'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      console.log(`exports ok: ${name}`);
    } catch (error) {
      failed++;
      console.error(`exports FAILED: ${name}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
