import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';

// Loopback-only servers the live probe tests talk to. Nothing here binds or connects to
// anything but 127.0.0.1.

export interface TestServer extends AsyncDisposable {
  port: number;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  server.listen({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  return address.port;
}

function wrap(server: Server, port: number, sockets: Set<Socket>): TestServer {
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port, close, [Symbol.asyncDispose]: close };
}

function tracked(onConnection: (socket: Socket) => void = () => {}) {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  return { server, sockets };
}

/** A port that was free a moment ago and has nothing listening now. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Accepts connections and never sends a byte (a greeting or TLS handshake that never comes). */
export async function silentServer(): Promise<TestServer> {
  const { server, sockets } = tracked();
  return wrap(server, await listen(server), sockets);
}

/** Writes `bytes` to every connection, then keeps it open. */
export async function speakingServer(bytes: Buffer): Promise<TestServer> {
  const { server, sockets } = tracked((socket) => socket.write(bytes));
  return wrap(server, await listen(server), sockets);
}

/** Accepts and immediately closes every connection. */
export async function closingServer(): Promise<TestServer> {
  const { server, sockets } = tracked((socket) => socket.end());
  return wrap(server, await listen(server), sockets);
}

/** A MySQL ERR packet as a server sends it before the handshake (sequence 0, no SQL state). */
export function mysqlErrPacket(code: number, message: string): Buffer {
  const text = Buffer.from(message, 'utf8');
  const payload = Buffer.concat([Buffer.from([0xff, code & 0xff, code >> 8]), text]);
  const header = Buffer.from([
    payload.length & 0xff,
    (payload.length >> 8) & 0xff,
    payload.length >> 16,
    0,
  ]);
  return Buffer.concat([header, payload]);
}

export interface TlsFixture extends TestServer {
  cert: string;
}

/**
 * A TLS server on 127.0.0.1 with a self-signed certificate for `localhost` and 127.0.0.1,
 * made with openssl at test time. It answers one line and closes.
 */
export async function selfSignedTlsServer(): Promise<TlsFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'netcheck-tls-'));
  try {
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    const [key, cert] = await Promise.all([
      readFile(join(dir, 'key.pem'), 'utf8'),
      readFile(join(dir, 'cert.pem'), 'utf8'),
    ]);
    const sockets = new Set<Socket>();
    const server = createTlsServer({ key, cert }, (socket) => {
      socket.on('error', () => {});
      socket.end('hello\n');
    });
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });
    server.on('tlsClientError', () => {});
    const port = await listen(server);
    return { ...wrap(server, port, sockets), cert };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A listening socket whose accept queue is full: the kernel drops new SYNs silently, which
 * is how a security group or NACL drop looks to a client. The listener lives in a worker
 * thread whose event loop is blocked, so nothing ever accepts; filler connections take the
 * queue's slots. Loopback only, no privileges needed (iptables/netem are not available here).
 */
export async function blackholeServer(): Promise<TestServer> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `
    const { parentPort, workerData } = require('node:worker_threads');
    const net = require('node:net');
    const server = net.createServer();
    server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
      parentPort.postMessage(server.address().port);
      while (Atomics.load(workerData, 0) === 0) Atomics.wait(workerData, 0, 0, 1000);
      server.close();
    });
    `,
    { eval: true, workerData: flag },
  );
  worker.unref();
  const [port] = (await once(worker, 'message')) as [number];
  const fillers: Socket[] = [];
  // Take the queue's slots until a connection no longer completes.
  for (let i = 0; i < 16; i++) {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    fillers.push(socket);
    const connected = await Promise.race([
      once(socket, 'connect').then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300).unref()),
    ]);
    if (!connected) break;
  }
  const close = async () => {
    for (const s of fillers) s.destroy();
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    await worker.terminate();
  };
  return { port, close, [Symbol.asyncDispose]: close };
}
