/** AWS error names after which retrying cannot help until someone changes something. */
const PERMANENT = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'DecryptionFailure',
  'InvalidParameterException',
  'InvalidRequestException',
  'ValidationException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
]);

export interface AwsErrorInfo {
  code: string | undefined;
  retryable: boolean;
  /** HTTP status, when the SDK attached one. */
  status: number | undefined;
}

/** Reads the SDK error's name and HTTP status without trusting its message. */
export function describeAwsError(error: unknown): AwsErrorInfo {
  if (error === null || typeof error !== 'object') {
    return { code: undefined, retryable: true, status: undefined };
  }
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const code = typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
  const status =
    typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  // Throttling, 5xx, timeouts, aborted sockets and unknown failures are all worth a later retry.
  const retryable = code === undefined || !PERMANENT.has(code);
  return { code, retryable, status };
}
