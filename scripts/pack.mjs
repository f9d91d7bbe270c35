// Packs the publishable packages as `pnpm publish` would (publishConfig applied,
// `workspace:` ranges replaced by versions) and reads back what each tarball holds.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

/** The non-private packages under packages/: `{ name, dir }`. */
export function publishablePackages() {
  const packagesDir = join(root, 'packages');
  return readdirSync(packagesDir)
    .map((entry) => join(packagesDir, entry))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ dir, manifest }) => ({ name: manifest.name, dir }));
}

/**
 * `pnpm pack`s every publishable package into `destination`; returns, per package, the
 * tarball's path, the file names in it (without `package/`) and its package.json.
 */
export function packAll(destination) {
  return publishablePackages().map(({ name, dir }) => {
    const output = execFileSync(
      'npx',
      ['-y', 'pnpm@10', 'pack', '--json', '--pack-destination', destination],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const tarball = JSON.parse(output.slice(output.indexOf('{'))).filename;
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((file) => file.replace(/^package\//, ''));
    const manifest = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    );
    return { name, dir, tarball, files, manifest };
  });
}
