import { networkErrorMeaning } from '../network/codes.js';

/**
 * What an AWS SDK (v3) call's failure means, read from the error's name, code, `$fault` and
 * `$metadata` only: messages vary and may quote the request.
 * - `timeout`: the call was aborted or timed out before an answer.
 * - `throttled`: the service asked us to slow down.
 * - `access-denied`: the service refused the caller's identity or permissions.
 * - `credentials`: the SDK has no usable credentials (none found, or the token expired).
 * - `region`: the client has no Region.
 * - `not-found`, `exists`, `invalid-request`, `invalid-parameter`, `decryption`: the service
 *   answered that the request cannot succeed as it is.
 * - `service`: the service failed (5xx, `$fault: 'server'`).
 * - `network`: no answer: the endpoint could not be reached or the socket broke.
 * - `other`: none of the above.
 */
export type AwsErrorKind =
  | 'timeout'
  | 'throttled'
  | 'access-denied'
  | 'credentials'
  | 'region'
  | 'not-found'
  | 'exists'
  | 'invalid-request'
  | 'invalid-parameter'
  | 'decryption'
  | 'service'
  | 'network'
  | 'other';

export interface AwsErrorInfo {
  kind: AwsErrorKind;
  /** Worth retrying later without anyone changing anything (the default policy). */
  retryable: boolean;
  /** The service's error name (`ThrottlingException`), else the Node error code. */
  code: string | undefined;
  /** The error's `name`, unless it is the generic `Error`. */
  name: string | undefined;
  /** The HTTP status when the service answered. */
  httpStatus: number | undefined;
  requestId: string | undefined;
  /** Attempts the SDK made, including retries. */
  attempts: number | undefined;
  /** Milliseconds the SDK spent waiting between retries. */
  totalRetryDelayMs: number | undefined;
}

const TIMEOUT_NAMES = new Set(['AbortError', 'TimeoutError', 'RequestTimeout']);
const THROTTLED_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'Throttling',
]);
const ACCESS_DENIED_NAMES = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'MissingAuthenticationTokenException',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'KMSAccessDeniedException',
]);
const CREDENTIALS_NAMES = new Set([
  'CredentialsProviderError',
  'ExpiredTokenException',
  'ExpiredToken',
]);
const REQUEST_NAMES: ReadonlyMap<string, AwsErrorKind> = new Map([
  ['ResourceNotFoundException', 'not-found'],
  ['ResourceExistsException', 'exists'],
  ['InvalidRequestException', 'invalid-request'],
  ['ValidationException', 'invalid-request'],
  ['InvalidParameterException', 'invalid-parameter'],
  ['DecryptionFailure', 'decryption'],
]);
const RETRYABLE = new Set<AwsErrorKind>(['timeout', 'throttled', 'service', 'network']);

interface SdkErrorFields {
  name: string | undefined;
  code: string | undefined;
  message: string;
  fault: unknown;
  httpStatus: number | undefined;
}

function fieldsOf(error: unknown): SdkErrorFields {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const metadata = (e.$metadata ?? {}) as Record<string, unknown>;
  return {
    name: typeof e.name === 'string' && e.name !== 'Error' && e.name !== '' ? e.name : undefined,
    code: typeof e.code === 'string' && e.code !== '' ? e.code : undefined,
    message: typeof e.message === 'string' ? e.message : String(error),
    fault: e.$fault,
    httpStatus: typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined,
  };
}

function kindOf({
  name = '',
  code = '',
  message,
  fault,
  httpStatus,
}: SdkErrorFields): AwsErrorKind {
  if (TIMEOUT_NAMES.has(name) || code === 'ETIMEDOUT' || code === 'ABORT_ERR') return 'timeout';
  if (THROTTLED_NAMES.has(name) || httpStatus === 429) return 'throttled';
  if (CREDENTIALS_NAMES.has(name)) return 'credentials';
  if (ACCESS_DENIED_NAMES.has(name) || httpStatus === 401 || httpStatus === 403) {
    return 'access-denied';
  }
  const request = REQUEST_NAMES.get(name);
  if (request) return request;
  if (name === 'InternalServiceError' || fault === 'server' || (httpStatus ?? 0) >= 500) {
    return 'service';
  }
  const network = networkErrorMeaning(code || undefined);
  if (network === 'timeout' || network === 'aborted') return 'timeout';
  if (network || /socket hang up|ECONNRESET|EPIPE/i.test(message)) return 'network';
  // The SDK's own message when no Region is configured anywhere.
  if (/region is missing/i.test(message)) return 'region';
  return 'other';
}

/**
 * Classifies any error an AWS SDK v3 client call throws (service errors, Node socket errors,
 * aborts, credential-provider errors). Never reads or keeps the message beyond matching it.
 *
 * @example
 * const { kind, retryable } = classifyAwsError(error); // 'throttled', true
 */
export function classifyAwsError(error: unknown): AwsErrorInfo {
  const fields = fieldsOf(error);
  const kind = kindOf(fields);
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const metadata = (e.$metadata ?? {}) as Record<string, unknown>;
  return {
    kind,
    retryable: RETRYABLE.has(kind),
    code: fields.name ?? fields.code ?? (kind === 'network' ? 'ECONNRESET' : undefined),
    name: fields.name,
    httpStatus: fields.httpStatus,
    requestId: typeof metadata.requestId === 'string' ? metadata.requestId : undefined,
    attempts: typeof metadata.attempts === 'number' ? metadata.attempts : undefined,
    totalRetryDelayMs:
      typeof metadata.totalRetryDelay === 'number' ? metadata.totalRetryDelay : undefined,
  };
}
