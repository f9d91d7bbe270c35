import { type AwsErrorKind, classifyAwsError } from '@rotakit/core';

/**
 * secret-pool's retry policy on @rotakit/core's classification: a background refresh keeps
 * trying after anything but these, which need someone to change something first (throttling,
 * 5xx, timeouts, aborted sockets, expired or missing AWS credentials that a provider may
 * renew, and unknown failures are all worth a later retry).
 */
const PERMANENT = new Set<AwsErrorKind>([
  'not-found',
  'access-denied',
  'decryption',
  'invalid-parameter',
  'invalid-request',
]);

export interface AwsErrorInfo {
  /** The SDK error's name (`ThrottlingException`), unless it is the generic `Error`. */
  code: string | undefined;
  retryable: boolean;
  /** HTTP status, when the SDK attached one. */
  status: number | undefined;
}

/** Reads the SDK error's name and HTTP status without trusting its message. */
export function describeAwsError(error: unknown): AwsErrorInfo {
  const { kind, name, httpStatus } = classifyAwsError(error);
  return { code: name, retryable: !PERMANENT.has(kind), status: httpStatus };
}
