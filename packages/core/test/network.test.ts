import { describe, expect, it } from 'vitest';
import { networkErrorMeaning } from '../src/network/codes.js';

describe('networkErrorMeaning', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['ESOCKETTIMEDOUT', 'timeout'],
    ['ECONNABORTED', 'timeout'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ESERVFAIL', 'dns'],
    ['EHOSTUNREACH', 'unreachable'],
    ['EACCES', 'unreachable'],
    ['ECONNRESET', 'connection-lost'],
    ['EPIPE', 'connection-lost'],
    ['UND_ERR_SOCKET', 'connection-lost'],
    ['EPROTO', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['ABORT_ERR', 'aborted'],
  ])('%s means %s', (code, meaning) => {
    expect(networkErrorMeaning(code)).toBe(meaning);
  });

  it('knows nothing of codes that are not about the network', () => {
    for (const code of ['ENOENT', 'ER_PARSE_ERROR', 'constructor', undefined]) {
      expect(networkErrorMeaning(code)).toBeUndefined();
    }
  });
});
