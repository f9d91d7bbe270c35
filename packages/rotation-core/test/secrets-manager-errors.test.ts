import { describe, expect, it } from 'vitest';
import { SecretsManagerError } from '../src/errors.js';
import { isRetryable, toSecretsManagerError } from '../src/secrets-manager.js';

const sdkError = (name: string, httpStatusCode: number, fault = 'client') =>
  Object.assign(new Error('the service said no'), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode, requestId: 'req-9' },
  });

// rotation-core's names and retry policy on @rotakit/core's classification.
describe('toSecretsManagerError', () => {
  it.each([
    [sdkError('ThrottlingException', 400), 'throttling', true],
    [sdkError('AccessDeniedException', 400), 'access-denied', false],
    [sdkError('ExpiredTokenException', 400), 'access-denied', false],
    [sdkError('ResourceNotFoundException', 400), 'not-found', false],
    [sdkError('ResourceExistsException', 400), 'exists', false],
    [sdkError('InvalidRequestException', 400), 'invalid-request', false],
    [sdkError('InvalidParameterException', 400), 'invalid-parameter', false],
    [sdkError('DecryptionFailure', 400), 'decryption', false],
    [sdkError('InternalServiceError', 500, 'server'), 'internal', true],
    [Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 'network', true],
    [Object.assign(new Error('aborted'), { name: 'AbortError' }), 'timeout', true],
    [sdkError('SomethingNew', 400), 'other', false],
  ])('%s is %s (retryable %s)', (error, kind, retryable) => {
    const mapped = toSecretsManagerError('GetSecretValue', error);
    expect(mapped).toBeInstanceOf(SecretsManagerError);
    expect(mapped).toMatchObject({ kind, operation: 'GetSecretValue' });
    expect(isRetryable(mapped)).toBe(retryable);
  });

  it('keeps the code, HTTP status and request id', () => {
    const mapped = toSecretsManagerError('PutSecretValue', sdkError('ThrottlingException', 400), 3);
    expect(mapped).toMatchObject({
      code: 'ThrottlingException',
      httpStatusCode: 400,
      requestId: 'req-9',
      attempts: 3,
    });
    expect(mapped.message).toBe(
      'PutSecretValue throttled by Secrets Manager (ThrottlingException, HTTP 400): the service said no after 3 attempts',
    );
  });
});
