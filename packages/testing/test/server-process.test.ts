import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PostgresStartError, TestingError } from '../src/errors.js';
import { ServerProcess, type ServerStartOptions } from '../src/server-process.js';
import { isRunning } from './process-utils.js';

/** A stand-in server: a node process running `script` (the port in argv), ready once it listens. */
class ScriptServer extends ServerProcess {
  constructor(
    readonly script: string,
    options: ServerStartOptions = {},
    readonly giveUp?: TestingError,
  ) {
    super({
      command: process.execPath,
      dirPrefix: 'rotakit-server-process-test-',
      logName: 'server.log',
      logOutput: true,
      processGroup: true,
      host: '127.0.0.1',
      readiness: 'accept connections',
      portTaken: /EADDRINUSE/,
      startError: PostgresStartError.of,
      options,
    });
  }

  protected override serverArgs(): string[] {
    return ['-e', this.script, String(this.port)];
  }

  protected override checkReady(): Promise<void> {
    if (this.giveUp) return Promise.reject(this.giveUp);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: this.port });
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', reject);
    });
  }
}

const LISTEN = `require('node:net').createServer().listen(Number(process.argv[1]), '127.0.0.1', () => console.error('listening'))`;
const IDLE = 'setInterval(() => {}, 1000)';

async function startFailure(server: ScriptServer): Promise<unknown> {
  try {
    return await server.startOnFreePort().then(() => 'started');
  } catch (error) {
    return error;
  } finally {
    await server.remove('SIGKILL');
  }
}

describe('ServerProcess', () => {
  it('is ready once the probe succeeds; remove() ends it and its temp dir', async () => {
    const server = new ScriptServer(LISTEN);
    await server.startOnFreePort();
    const pid = server.entry.child?.pid;
    expect(pid !== undefined && isRunning(pid)).toBe(true);
    await server.remove('SIGTERM');
    expect(isRunning(pid!)).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
  });

  it('a server that exits during startup fails with the typed error and its log tail', async () => {
    const error = await startFailure(
      new ScriptServer(`console.error('bad setting'); process.exit(3)`),
    );
    expect(error).toBeInstanceOf(PostgresStartError);
    expect((error as PostgresStartError).message).toMatch(
      /exited during startup \(code 3, signal null\)/,
    );
    expect((error as PostgresStartError).logTail).toBe('bad setting');
  });

  it('a server that never gets ready fails at the deadline, naming the last error', async () => {
    const error = await startFailure(new ScriptServer(IDLE, { startupTimeoutMs: 400 }));
    expect(error).toBeInstanceOf(PostgresStartError);
    expect((error as PostgresStartError).message).toMatch(
      /did not accept connections on 127\.0\.0\.1:\d+ within 400 ms \(last error ECONNREFUSED\)/,
    );
    expect((error as PostgresStartError).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a probe that gives up with a TestingError ends the wait at once', async () => {
    const giveUp = new TestingError('cannot create the admin');
    const started = Date.now();
    const error = await startFailure(new ScriptServer(IDLE, { startupTimeoutMs: 30_000 }, giveUp));
    expect(error).toBe(giveUp);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('an abort ends the wait with an AbortError', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const error = await startFailure(new ScriptServer(IDLE, { signal: controller.signal }));
    expect(error).toMatchObject({ name: 'AbortError' });
  });
});
