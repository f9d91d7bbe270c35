// Runs a built Lambda bundle the way the Lambda Node.js runtime would: alone in a directory
// (like /var/task) next to nothing but the AWS SDK the runtime provides, in a fresh node
// process with the template's environment variables, invoked over loopback HTTP.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNTIME = fileURLToPath(new URL('./lambda-runtime.mjs', import.meta.url));

export interface BundledFunction extends AsyncDisposable {
  /** The invoke URL to give `registerRotationFunction`. */
  readonly url: string;
  /** Everything the function wrote to stdout and stderr so far. */
  output(): string;
  close(): Promise<void>;
}

export interface StartBundledFunctionOptions {
  /** The example folder, e.g. `examples/rotation-lambda-single-user`. */
  exampleDir: string;
  /** The function's environment variables (AWS_REGION and dummy credentials are added). */
  env: Record<string, string>;
  /** How long each invocation may run (the Lambda timeout). @default 60000 */
  timeoutMs?: number;
}

/** The bundle a `Handler: index.handler` function would load, or a clear error if not built. */
export function bundlePath(exampleDir: string): string {
  const bundle = join(exampleDir, 'dist', 'index.mjs');
  if (!existsSync(bundle)) {
    throw new Error(
      `${bundle} is missing: run pnpm build first (the root \`pnpm test\` builds before testing, ` +
        `or: pnpm --filter ./${join('examples', basename(exampleDir))} build)`,
    );
  }
  return bundle;
}

/**
 * A fresh directory like Lambda's /var/task: the bundle alone as index.mjs, next to nothing
 * but the AWS SDK the runtime provides (any other import left outside the bundle fails).
 */
export function prepareTaskDirectory(exampleDir: string): { dir: string; remove(): void } {
  const bundle = bundlePath(exampleDir);
  const dir = mkdtempSync(join(tmpdir(), 'rotakit-lambda-'));
  copyFileSync(bundle, join(dir, 'index.mjs'));
  const sdk = realpathSync(join(exampleDir, 'node_modules', '@aws-sdk', 'client-secrets-manager'));
  mkdirSync(join(dir, 'node_modules', '@aws-sdk'), { recursive: true });
  symlinkSync(sdk, join(dir, 'node_modules', '@aws-sdk', 'client-secrets-manager'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies the bundle to a fresh directory and starts it in its own node process. */
export async function startBundledFunction(
  options: StartBundledFunctionOptions,
): Promise<BundledFunction> {
  const { dir: task, remove: cleanup } = prepareTaskDirectory(options.exampleDir);

  let output = '';
  const child: ChildProcess = spawn(process.execPath, [RUNTIME, join(task, 'index.mjs')], {
    cwd: task,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Not the test's environment: only what a Lambda function would have, so nothing (a
    // profile, real credentials, a proxy) leaks in, and no call can leave loopback.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: task,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_CONFIG_FILE: join(task, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(task, 'aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_LAMBDA_FUNCTION_NAME: basename(options.exampleDir),
      LAMBDA_TIMEOUT_MS: String(options.timeoutMs ?? 60_000),
      ...options.env,
    },
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the bundle did not start within 30 s:\n${output}`)),
        30_000,
      );
      timer.unref();
      child.once('message', (message) => {
        clearTimeout(timer);
        resolve((message as { port: number }).port);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the bundle exited (${signal ?? code}) before serving:\n${output}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    cleanup();
    throw error;
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      cleanup();
    })();
    return closing;
  };
  return {
    url: `http://127.0.0.1:${port}/2015-03-31/functions/${basename(options.exampleDir)}/invocations`,
    output: () => output,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The example folder of a test file (its parent's parent). */
export function exampleDirOf(testFileUrl: string): string {
  return dirname(dirname(fileURLToPath(testFileUrl)));
}
