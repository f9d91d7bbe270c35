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
