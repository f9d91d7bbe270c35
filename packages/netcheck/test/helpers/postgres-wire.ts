import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import type { TestServer } from './servers.js';

// PostgreSQL backend messages as bytes, and a loopback stand-in that answers a probe with
// them: for what a real server cannot be made to send.

/** A backend message: type byte, Int32 length (itself included), body. */
export function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

export const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

export const SASL = message('R', Buffer.concat([int32(10), Buffer.from('SCRAM-SHA-256\0\0')]));

export function errorResponse(fields: Record<string, string>): Buffer {
  const text = Object.entries(fields)
    .map(([k, v]) => `${k}${v}\0`)
    .join('');
  return message('E', Buffer.from(`${text}\0`));
}

/**
 * Answers the 8-byte SSLRequest with `sslAnswer`, then the StartupMessage with `reply`
 * (`reply` undefined: says nothing more).
 */
export async function scriptedServer(sslAnswer: Buffer, reply?: Buffer): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    let received = 0;
    socket.on('data', (chunk) => {
      const before = received;
      received += chunk.length;
      if (before < 8 && received >= 8) socket.write(sslAnswer);
      else if (before >= 8 && reply) socket.end(reply);
    });
  });
  server.listen({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port: (server.address() as { port: number }).port, close, [Symbol.asyncDispose]: close };
}
