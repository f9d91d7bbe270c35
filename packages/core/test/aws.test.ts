import { describe, expect, it } from 'vitest';
import { classifyAwsError } from '../src/aws/classify.js';

/** An error shaped as the AWS SDK v3 throws it for a service answer. */
function serviceError(name: string, httpStatusCode: number, fault = 'client') {
  return Object.assign(new Error('the service said no'), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode, requestId: 'req-1', attempts: 2, totalRetryDelay: 150 },
  });
}

const codeError = (code: string, message = 'socket failure') =>
  Object.assign(new Error(message), { code });

describe('classifyAwsError', () => {
  it.each([
    ['ThrottlingException', 400, 'throttled', true],
    ['TooManyRequestsException', 400, 'throttled', true],
    ['RequestLimitExceeded', 400, 'throttled', true],
    ['Throttling', 400, 'throttled', true],
    ['SomethingNew', 429, 'throttled', true],
    ['AccessDeniedException', 400, 'access-denied', false],
    ['AccessDenied', 403, 'access-denied', false],
    ['UnrecognizedClientException', 400, 'access-denied', false],
    ['InvalidSignatureException', 400, 'access-denied', false],
    ['SignatureDoesNotMatch', 403, 'access-denied', false],
    ['MissingAuthenticationTokenException', 403, 'access-denied', false],
    ['IncompleteSignature', 400, 'access-denied', false],
    ['InvalidClientTokenId', 403, 'access-denied', false],
    ['KMSAccessDeniedException', 400, 'access-denied', false],
    ['SomethingNew', 401, 'access-denied', false],
    ['SomethingNew', 403, 'access-denied', false],
    ['ExpiredTokenException', 400, 'credentials', false],
    ['ExpiredToken', 400, 'credentials', false],
    ['ResourceNotFoundException', 400, 'not-found', false],
    ['ResourceExistsException', 400, 'exists', false],
    ['InvalidRequestException', 400, 'invalid-request', false],
    ['ValidationException', 400, 'invalid-request', false],
    ['InvalidParameterException', 400, 'invalid-parameter', false],
    ['DecryptionFailure', 400, 'decryption', false],
    ['InternalServiceError', 500, 'service', true],
    ['ServiceUnavailable', 503, 'service', true],
    ['SomethingNew', 400, 'other', false],
  ])('%s (HTTP %i) is %s, retryable %s', (name, status, kind, retryable) => {
    const info = classifyAwsError(serviceError(name, status));
    expect(info).toEqual({
      kind,
      retryable,
      code: name,
      name,
      httpStatus: status,
      requestId: 'req-1',
      attempts: 2,
      totalRetryDelayMs: 150,
    });
  });

  it('takes $fault "server" as a service failure whatever the status', () => {
    expect(classifyAwsError(serviceError('Odd', 400, 'server')).kind).toBe('service');
  });

  it.each([
    ['ECONNREFUSED', 'network'],
    ['ECONNRESET', 'network'],
    ['EPIPE', 'network'],
    ['ENOTFOUND', 'network'],
    ['EAI_AGAIN', 'network'],
    ['EHOSTUNREACH', 'network'],
    ['ENETUNREACH', 'network'],
    ['ERR_SOCKET_CLOSED', 'network'],
    ['CERT_HAS_EXPIRED', 'network'],
    ['ECONNABORTED', 'timeout'],
    ['ESOCKETTIMEDOUT', 'timeout'],
    ['UND_ERR_SOCKET', 'network'],
    ['ETIMEDOUT', 'timeout'],
    ['ABORT_ERR', 'timeout'],
  ])('a transport failure with code %s is %s and retryable', (code, kind) => {
    const info = classifyAwsError(codeError(code));
    expect(info).toMatchObject({ kind, retryable: true, code, name: undefined });
    expect(info.httpStatus).toBeUndefined();
  });

  it('reads "socket hang up" without a code as a network failure', () => {
    expect(classifyAwsError(new Error('socket hang up'))).toMatchObject({
      kind: 'network',
      code: 'ECONNRESET',
    });
  });

  it.each([
    ['AbortError', 'timeout', true],
    ['TimeoutError', 'timeout', true],
    ['CredentialsProviderError', 'credentials', false],
  ])('an SDK-side %s is %s', (name, kind, retryable) => {
    const error = Object.assign(new Error('no answer'), { name });
    expect(classifyAwsError(error)).toMatchObject({ kind, retryable, code: name, name });
  });

  it('recognises the SDK error for a client without a Region', () => {
    expect(classifyAwsError(new Error('Region is missing')).kind).toBe('region');
  });

  it('survives values that are not errors', () => {
    for (const value of [undefined, null, 'text', 42]) {
      expect(classifyAwsError(value)).toMatchObject({ kind: 'other', code: undefined });
    }
  });
});
