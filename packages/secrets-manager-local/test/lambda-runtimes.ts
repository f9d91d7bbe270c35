// Where the Lambda runtime interface clients the Lambda-faithful tests run under are:
// scripts/lambda-runtimes.mjs builds them once into a cache outside the clone and writes
// their paths to <cache>/lambda-runtimes/manifest.json.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface LambdaRuntime {
  /** `ric-3.3.0-node20`, `ric-4.0.2-node22`. */
  readonly name: string;
  readonly ricVersion: string;
  /** The aws-lambda-ric package folder (`runtimeClient`). */
  readonly runtimeClient: string;
  readonly nodeExecutable: string;
  readonly nodeVersion: string;
}

/** The runtime interface clients every Lambda-faithful suite runs under. */
const REQUIRED_RIC_VERSIONS = ['3.3.0', '4.0.2'];

/** The manifest's runtimes; throws, naming the script to run, when it is missing. */
export function lambdaRuntimes(): LambdaRuntime[] {
  const cache = process.env.ROTAKIT_CACHE_DIR ?? join(homedir(), '.cache', 'rotakit');
  const manifest = join(cache, 'lambda-runtimes', 'manifest.json');
  if (!existsSync(manifest)) {
    throw new Error(
      `${manifest} is missing: run \`node scripts/lambda-runtimes.mjs\` once (it builds ` +
        'aws-lambda-ric 3.3.0 and 4.0.2 and fetches Node 22; .ci/run does it before the tests)',
    );
  }
  const { runtimes } = JSON.parse(readFileSync(manifest, 'utf8')) as { runtimes: LambdaRuntime[] };
  // Both behaviours must run: 3.x reports a drained loop as success, 4.x exits unposted.
  const versions = runtimes.map((runtime) => runtime.ricVersion).sort();
  if (versions.join() !== REQUIRED_RIC_VERSIONS.join()) {
    throw new Error(
      `${manifest} lists aws-lambda-ric ${versions.join(', ') || 'none'}, not ` +
        `${REQUIRED_RIC_VERSIONS.join(' and ')}: run node scripts/lambda-runtimes.mjs`,
    );
  }
  for (const runtime of runtimes) {
    if (!existsSync(runtime.runtimeClient) || !existsSync(runtime.nodeExecutable)) {
      throw new Error(
        `${runtime.name} is gone from the cache: run node scripts/lambda-runtimes.mjs`,
      );
    }
  }
  return runtimes;
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
