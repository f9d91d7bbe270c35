import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { testMysql } from '@rotakit/testing/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseGreeting, probeMysql } from '../src/index.js';
import { speakingServer, type TestServer } from './helpers/servers.js';

// A peer that is not MySQL must be `protocol-error`, never `ok` with a made-up version. The
// stand-ins listen on 127.0.0.1; the real greeting comes from the harness's MariaDB.

const db = testMysql();
const probe = (port: number) =>
  probeMysql({ host: '127.0.0.1', port, timeoutMs: 3000, rateLimiter: false });

/** A MySQL packet: 3-byte length, sequence id, payload. */
function packet(payload: Buffer, sequenceId = 0): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = sequenceId;
  return Buffer.concat([header, payload]);
}

/** Writes `bytes` to every connection, then closes it. */
async function speakAndCloseServer(bytes: Buffer): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.end(bytes);
  });
  server.listen({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port: (server.address() as { port: number }).port, close, [Symbol.asyncDispose]: close };
}

/** The harness MariaDB's own first packet, read off the wire. */
async function realGreeting(): Promise<Buffer> {
  const socket = connect({ host: db.host, port: db.port });
  socket.on('error', () => {});
  try {
    let buffer = Buffer.alloc(0);
    for await (const chunk of socket) {
      buffer = Buffer.concat([buffer, chunk as Buffer]);
      if (buffer.length >= 4 && buffer.length >= 4 + buffer.readUIntLE(0, 3)) break;
    }
    return buffer.subarray(0, 4 + buffer.readUIntLE(0, 3));
  } finally {
    socket.destroy();
  }
}

/** Where the fields after the NUL-terminated server version start, as a payload offset. */
const afterVersion = (greeting: Buffer) => greeting.indexOf(0, 5) + 1 - 4;

function expectProtocolError(r: Awaited<ReturnType<typeof probe>>, problem: RegExp): void {
  expect(r.status).toBe('protocol-error');
  expect(r.ok).toBe(false);
  expect(r.evidence.serverVersion).toBeUndefined();
  expect(r.evidence.greetingProblem).toMatch(problem);
  expect(r.error).toMatchObject({ code: 'PROTOCOL_ERROR' });
  expect(r.error?.message).toContain(r.evidence.greetingProblem);
}

describe('probeMysql against peers that are not MySQL', () => {
  it('reports an HTTP server that answers on connect as protocol-error', async () => {
    await using server = await speakingServer(
      Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
    );
    const r = await probe(server.port);
    expectProtocolError(r, /first payload byte 0x2f is neither protocol 10/);
    expect(r.evidence.firstBytes).toBe(Buffer.from('HTTP/1.1 400 Bad').toString('hex'));
  });

  it('reports an oversized first packet that starts with 0x0a as protocol-error', async () => {
    const payload = Buffer.concat([
      Buffer.from([0x0a]),
      Buffer.from('8.0.39\0'),
      Buffer.alloc(70_000),
    ]);
    await using server = await speakingServer(packet(payload));
    expectProtocolError(await probe(server.port), /declares a 70008-byte payload/);
  });

  it('reports 0x0a followed by junk as protocol-error, not a greeting', async () => {
    // The packet that used to pass: a well-framed 0x0a then text, read as a server version.
    const junk = Buffer.concat([Buffer.from([0x0a]), Buffer.from('GET / HTTP/1.1 junk junk junk')]);
    await using server = await speakingServer(packet(junk));
    expectProtocolError(await probe(server.port), /server version has no NUL terminator/);
  });

  it('reports 0x0a, a printable version and then junk as protocol-error', async () => {
    const junk = Buffer.concat([
      Buffer.from([0x0a]),
      Buffer.from('GET / HTTP/1.1\0'),
      Buffer.from('Host: db.example.invalid\r\nAccept: */*\r\n\r\n'),
    ]);
    await using server = await speakingServer(packet(junk));
    expectProtocolError(await probe(server.port), /filler byte|CLIENT_PROTOCOL_41|auth-plugin/);
  });

  it('reports a greeting cut short inside its frame as protocol-error', async () => {
    const greeting = await realGreeting();
    // Frame the version, the connection id and half the scramble, and nothing after.
    const cut = 4 + afterVersion(greeting) + 8;
    await using server = await speakingServer(packet(greeting.subarray(4, cut)));
    expectProtocolError(await probe(server.port), /^truncated: the payload ends inside/);
  });

  it('reports a peer that closes in the middle of its first packet as protocol-error', async () => {
    const greeting = await realGreeting();
    await using server = await speakAndCloseServer(greeting.subarray(0, 40));
    expectProtocolError(
      await probe(server.port),
      new RegExp(`^truncated: 36 of the ${greeting.length - 4} payload bytes arrived`),
    );
  });
});

describe('the real MariaDB greeting', () => {
  let greeting: Buffer;
  beforeAll(async () => {
    greeting = await realGreeting();
  });

  it('is still ok through probeMysql', async () => {
    const r = await probeMysql({
      host: db.host,
      port: db.port,
      timeoutMs: 5000,
      rateLimiter: false,
    });
    expect(r.status).toBe('ok');
    expect(r.evidence.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.evidence.greetingProblem).toBeUndefined();
  });

  it('is still a handshake when replayed by a stand-in', async () => {
    await using server = await speakingServer(greeting);
    const r = await probe(server.port);
    expect(r.status).toBe('ok');
    expect(r.evidence.authPlugin).toMatch(/password/);
  });

  const mutate = (edit: (payload: Buffer) => void, sequenceId = 0) => {
    const payload = Buffer.from(greeting.subarray(4));
    edit(payload);
    return packet(payload, sequenceId);
  };

  it.each([
    ['sequence id 1', () => mutate(() => {}, 1), /sequence id 1, expected 0/],
    [
      'a version byte that is not printable',
      () => mutate((p) => p.writeUInt8(0x07, 2)),
      /server version has bytes that are not printable/,
    ],
    [
      'a non-zero filler',
      () => mutate((p) => p.writeUInt8(1, afterVersion(greeting) + 12)),
      /filler byte is 1, expected 0/,
    ],
    [
      'no CLIENT_PROTOCOL_41',
      () =>
        mutate((p) => {
          const at = afterVersion(greeting) + 13;
          p.writeUInt16LE(p.readUInt16LE(at) & ~0x0200, at);
        }),
      /lack CLIENT_PROTOCOL_41/,
    ],
    [
      'an auth-plugin-data length shorter than the scramble',
      () => mutate((p) => p.writeUInt8(8, afterVersion(greeting) + 20)),
      /auth-plugin-data length 8, less than 21/,
    ],
  ])('is rejected with %s', (_name, build, problem) => {
    const parsed = parseGreeting(build());
    expect(parsed.kind).toBe('unknown');
    expect(parsed.kind === 'unknown' && parsed.problem).toMatch(problem);
  });
});
