// Packs the publishable packages as `pnpm publish` would (publishConfig applied,
// `workspace:` ranges replaced by versions) and reads back what each tarball holds.
import { execFileSync } from 'node:child_process';

export const root = new URL('..', import.meta.url).pathname;

/**
 * `pnpm pack`s every package under packages/ that is not private into `destination` (one recursive pack: a
 * pnpm start per package costs seconds); returns, per package, its name, the tarball's
 * path, the file names in it (without `package/`) and its package.json, sorted by name.
 */
export function packAll(destination) {
  const output = execFileSync(
    'npx',
    [
      '-y',
      'pnpm@10',
      '-r',
      '--filter',
      './packages/*',
      'pack',
      '--json',
      '--pack-destination',
      destination,
    ],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 },
  );
  const packed = JSON.parse(output.slice(output.indexOf('[')));
  return packed
    .map(({ name, filename: tarball }) => ({ name, tarball, ...contentsOf(tarball) }))
    .filter(({ manifest }) => !manifest.private)
    .sort((a, b) => a.name.localeCompare(b.name));
}

function contentsOf(tarball) {
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((file) => file.replace(/^package\//, ''));
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
  );
  return { files, manifest };
}
