import { describe, expect, it } from 'vitest';
import { classifyDriverError } from '../src/database/mysql/errors.js';

const server = (errno: number, sqlState = 'HY000') =>
  Object.assign(new Error('text is never read'), { errno, sqlState });
const coded = (code: string) => Object.assign(new Error('socket'), { code });

// rotation-core's policy on @rotakit/engine-mysql's vocabulary: `access-denied` makes a step
// try the other credentials.
describe('classifyDriverError', () => {
  it.each([
    [1045, 'access-denied'],
    [1698, 'access-denied'],
    [1044, 'access-denied'], // a grant of this account: the other account may have it
    [1862, 'access-denied'],
    [1820, 'access-denied'],
    [3118, 'access-denied'],
    [3955, 'access-denied'],
    [4150, 'access-denied'],
    [4151, 'access-denied'],
    [1049, 'unknown-database'],
    [1129, 'host-blocked'],
    [1130, 'other'], // this host, whichever credentials
    [1040, 'too-many-connections'],
    [1203, 'too-many-connections'],
    [1226, 'too-many-connections'],
    [3159, 'tls'],
    [1053, 'connection-lost'],
    [2013, 'connection-lost'],
    [1064, 'other'],
  ])('errno %i is %s', (errno, reason) => {
    expect(classifyDriverError(server(errno))).toBe(reason);
  });

  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['PROTOCOL_SEQUENCE_TIMEOUT', 'timeout'],
    ['ENOTFOUND', 'dns'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ECONNRESET', 'connection-lost'],
    ['PROTOCOL_CONNECTION_LOST', 'connection-lost'],
    ['HANDSHAKE_SSL_ERROR', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['ABORT_ERR', 'aborted'],
    ['ER_PARSE_ERROR', 'other'],
  ])('code %s is %s', (code, reason) => {
    expect(classifyDriverError(coded(code))).toBe(reason);
  });

  it("reads the first member of an AggregateError and mysql2's closed-state message", () => {
    const aggregate = new AggregateError([coded('ECONNREFUSED'), coded('ETIMEDOUT')], 'connect');
    expect(classifyDriverError(aggregate)).toBe('refused');
    expect(
      classifyDriverError(new Error("Can't add new command when connection is in closed state")),
    ).toBe('connection-lost');
  });

  it('takes an AbortError as aborted and SQLSTATE 28000 as access denied', () => {
    expect(classifyDriverError(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(
      'aborted',
    );
    expect(classifyDriverError(server(9999, '28000'))).toBe('access-denied');
  });
});
