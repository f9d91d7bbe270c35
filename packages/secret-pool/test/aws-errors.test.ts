import { describe, expect, it } from 'vitest';
import { describeAwsError } from '../src/cache/aws-errors.js';

const sdkError = (name: string, httpStatusCode?: number) =>
  Object.assign(new Error('the service said no'), {
    name,
    ...(httpStatusCode === undefined ? {} : { $metadata: { httpStatusCode } }),
  });

// secret-pool's policy on @rotakit/core's classification: the background refresh keeps
// retrying unless someone has to change something first.
describe('describeAwsError', () => {
  it.each([
    ['ResourceNotFoundException', 400],
    ['AccessDeniedException', 400],
    ['UnrecognizedClientException', 400],
    ['InvalidSignatureException', 400],
    ['DecryptionFailure', 400],
    ['InvalidParameterException', 400],
    ['InvalidRequestException', 400],
    ['ValidationException', 400],
  ])('%s is permanent', (name, status) => {
    expect(describeAwsError(sdkError(name, status))).toEqual({
      code: name,
      retryable: false,
      status,
    });
  });

  it.each([
    ['ThrottlingException', 400],
    ['InternalServiceError', 500],
    ['ExpiredTokenException', 400],
    ['TimeoutError', undefined],
    ['CredentialsProviderError', undefined],
    ['SomethingNew', 400],
  ])('%s is retried', (name, status) => {
    expect(describeAwsError(sdkError(name, status))).toMatchObject({ code: name, retryable: true });
  });

  it('has no code for a plain socket error, and retries it', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(describeAwsError(reset)).toEqual({
      code: undefined,
      retryable: true,
      status: undefined,
    });
    expect(describeAwsError('not an error')).toEqual({
      code: undefined,
      retryable: true,
      status: undefined,
    });
  });
});
