import { describe, expect, it } from 'vitest';
import { parsePostgresGreeting, probePostgres } from '../src/index.js';
import { errorResponse, int32, message, SASL, scriptedServer } from './helpers/postgres-wire.js';
import { blackholeServer, speakingServer } from './helpers/servers.js';

// A peer that is not PostgreSQL must be `protocol-error`, never `ok`. The stand-ins listen on
// 127.0.0.1 and answer the SSLRequest and the StartupMessage with scripted bytes; the real
// servers' answers are tested in postgres.integ.test.ts.

const probe = (port: number) => probePostgres({ host: '127.0.0.1', port, timeoutMs: 3000 });

function expectProtocolError(r: Awaited<ReturnType<typeof probe>>, problem: RegExp): void {
  expect(r.status).toBe('protocol-error');
  expect(r.ok).toBe(false);
  expect(r.evidence.authRequest).toBeUndefined();
  expect(r.evidence.greetingProblem).toMatch(problem);
  expect(r.error).toMatchObject({ code: 'PROTOCOL_ERROR' });
  expect(r.error?.message).toContain(r.evidence.greetingProblem);
}

describe('probePostgres against peers that are not PostgreSQL', () => {
  it('reads a scripted SCRAM request as ok (the stand-in itself is sound)', async () => {
    await using server = await scriptedServer(Buffer.from('N'), SASL);
    const r = await probe(server.port);
    expect(r.status).toBe('ok');
    expect(r.evidence).toMatchObject({
      sslResponse: 'N',
      authRequest: 'sasl',
      saslMechanisms: ['SCRAM-SHA-256'],
    });
  });

  it('reports an HTTP server that answers on connect as protocol-error', async () => {
    await using server = await speakingServer(
      Buffer.from('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'),
    );
    const r = await probe(server.port);
    expectProtocolError(r, /answered the SSLRequest with 0x48, neither 'S' nor 'N'/);
    expect(r.evidence.firstBytes).toBe(Buffer.from('HTTP/1.1 400 Bad').toString('hex'));
  });

  it("reports bytes sent after the one-byte 'S' as protocol-error (no TLS over injected data)", async () => {
    await using server = await scriptedServer(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'));
    expectProtocolError(
      await probe(server.port),
      /sent 20 more bytes after its one-byte SSLRequest answer/,
    );
  });

  it('reports junk, an oversized message and a truncated one after N as protocol-error', async () => {
    await using junk = await scriptedServer(Buffer.from('N'), Buffer.from('<html>nope</html>'));
    expectProtocolError(
      await probe(junk.port),
      /message type 0x3c is neither an authentication request/,
    );
    const huge = Buffer.concat([Buffer.from('R'), int32(1 << 24), int32(10)]);
    await using oversized = await scriptedServer(Buffer.from('N'), huge);
    expectProtocolError(await probe(oversized.port), /declares a 16777216-byte message, more than/);
    await using truncated = await scriptedServer(Buffer.from('N'), SASL.subarray(0, 12));
    expectProtocolError(await probe(truncated.port), /truncated: 12 of the 24 bytes arrived/);
  });

  it('reads an ErrorResponse by its SQLSTATE (57P03 starting up is server-error)', async () => {
    const starting = errorResponse({
      S: 'FATAL',
      V: 'FATAL',
      C: '57P03',
      M: 'the database system is starting up',
    });
    await using server = await scriptedServer(Buffer.from('N'), starting);
    const r = await probe(server.port);
    expect(r.status).toBe('server-error');
    expect(r.evidence).toMatchObject({ sqlState: '57P03', severity: 'FATAL' });
    const tooMany = errorResponse({ S: 'FATAL', C: '53300', M: 'sorry, too many clients already' });
    await using busy = await scriptedServer(Buffer.from('N'), tooMany);
    expect((await probe(busy.port)).status).toBe('throttled');
  });

  it('reports a peer that accepts the SSLRequest answer and then stays silent as a greeting timeout', async () => {
    await using server = await scriptedServer(Buffer.from('N'));
    const r = await probePostgres({ host: '127.0.0.1', port: server.port, timeoutMs: 400 });
    expect(r.status).toBe('timeout');
    expect(r.evidence.phase).toBe('greeting');
  });
});

describe('probePostgres within its budget', () => {
  it('ends a connect the peer silently drops at the deadline (phase connect)', async () => {
    await using hole = await blackholeServer();
    const r = await probePostgres({ host: '127.0.0.1', port: hole.port, timeoutMs: 400 });
    expect(r.status).toBe('timeout');
    expect(r.evidence.phase).toBe('connect');
  });

  it("ends a TLS handshake that never completes after 'S' at the deadline (phase tls-handshake)", async () => {
    await using server = await scriptedServer(Buffer.from('S'));
    const r = await probePostgres({ host: '127.0.0.1', port: server.port, timeoutMs: 400 });
    expect(r.status).toBe('timeout');
    expect(r.evidence.sslResponse).toBe('S');
    expect(r.evidence.phase).toBe('tls-handshake');
  });

  it('stops at once when the caller aborts', async () => {
    await using server = await scriptedServer(Buffer.from('N'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const r = await probePostgres({
      host: '127.0.0.1',
      port: server.port,
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    expect(r.status).toBe('aborted');
  });
});

describe('parsePostgresGreeting', () => {
  it.each([
    ['AuthenticationOk', message('R', int32(0)), { kind: 'auth', request: 'ok' }],
    ['cleartext', message('R', int32(3)), { kind: 'auth', request: 'cleartext' }],
    [
      'md5 with its salt',
      message('R', Buffer.concat([int32(5), Buffer.from('salt')])),
      { kind: 'auth', request: 'md5' },
    ],
    [
      'SASL with two mechanisms',
      message(
        'R',
        Buffer.concat([int32(10), Buffer.from('SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0')]),
      ),
      { kind: 'auth', request: 'sasl', saslMechanisms: ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'] },
    ],
    [
      'a pg_hba.conf rejection',
      errorResponse({ S: 'FATAL', V: 'FATAL', C: '28000', M: 'no pg_hba.conf entry' }),
      { kind: 'error', sqlState: '28000', severity: 'FATAL', message: 'no pg_hba.conf entry' },
    ],
  ])('reads %s', (_name, bytes, expected) => {
    expect(parsePostgresGreeting(bytes)).toEqual(expected);
  });

  it.each([
    [
      'an md5 request without its salt',
      message('R', int32(5)),
      /a md5 request of 8 bytes, expected 12/,
    ],
    [
      'an authentication code that cannot start a login',
      message('R', int32(12)),
      /authentication code 12/,
    ],
    [
      'a SASL request naming nothing',
      message('R', Buffer.concat([int32(10), Buffer.from('\0')])),
      /names no mechanism/,
    ],
    [
      'an ErrorResponse without a SQLSTATE',
      errorResponse({ S: 'FATAL', M: 'x' }),
      /no valid SQLSTATE/,
    ],
    [
      'an ErrorResponse missing its final NUL',
      message('E', Buffer.from('SFATAL\0C28000\0')),
      /not NUL-terminated/,
    ],
  ])('calls %s unknown', (_name, bytes, problem) => {
    const greeting = parsePostgresGreeting(bytes);
    expect(greeting.kind).toBe('unknown');
    if (greeting.kind === 'unknown') expect(greeting.problem).toMatch(problem);
  });
});
