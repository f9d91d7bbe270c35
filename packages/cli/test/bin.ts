import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built bin: these tests run it the way a person does, as its own process. */
export const BUILT_CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(BUILT_CLI)) {
    throw new Error(
      `${BUILT_CLI} is missing: run \`npx -y pnpm@10 --filter @rotakit/cli... build\` first`,
    );
  }
}

export interface BuiltRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `node dist/cli.js …` with its output so far. */
export interface BuiltCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout or stderr contains `text`. */
  waitFor(text: string): Promise<void>;
  exited: Promise<BuiltRun>;
}

/** The environment of the child: only what the test gives, plus PATH and HOME for node. */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}

export function startBuiltCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  stdio: 'pipe' | 'stdout-closed' = 'pipe',
): BuiltCli {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const check = () => {
    for (const w of waiters.splice(0)) {
      if (out.includes(w.text) || err.includes(w.text)) w.resolve();
      else waiters.push(w);
    }
  };
  // Like `| head -1` having exited: nobody reads, and the child's writes fail with EPIPE.
  if (stdio === 'stdout-closed') child.stdout?.destroy();
  else
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      check();
    });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    check();
  });
  const exited = new Promise<BuiltRun>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ text, resolve });
        check();
        exited.then(() =>
          reject(new Error(`exited before printing ${JSON.stringify(text)}:\n${out}\n${err}`)),
        );
      }),
    exited,
  };
}

export function runBuiltCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<BuiltRun> {
  return startBuiltCli(args, env).exited;
}

/**
 * A loopback HTTP proxy in front of the local Secrets Manager that can hold one operation
 * until the test releases it: a way to know that the CLI is inside a given step.
 */
export interface GateProxy {
  endpoint: string;
  /** Holds the next requests for `operation` (e.g. `GetRandomPassword`) until `release()`. */
  hold(operation: string): { arrived: Promise<void>; release(): void };
  close(): Promise<void>;
}

export async function startGateProxy(target: string): Promise<GateProxy> {
  let gate: { operation: string; arrived: () => void; released: Promise<void> } | undefined;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
    if (gate && gate.operation === operation) {
      gate.arrived();
      await gate.released;
    }
    const upstream = http.request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(Buffer.concat(chunks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let releaseAll = () => {};
  return {
    endpoint: `http://127.0.0.1:${port}`,
    hold(operation) {
      let arrived!: () => void;
      let release!: () => void;
      const arrivedPromise = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      gate = { operation, arrived, released };
      releaseAll = release;
      return {
        arrived: arrivedPromise,
        release: () => {
          gate = undefined;
          release();
        },
      };
    },
    async close() {
      gate = undefined;
      releaseAll();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
