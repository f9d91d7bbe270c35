import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceError, serialization } from './errors.js';
import type { FaultRegistry } from './faults.js';
import { Input } from './input.js';
import { MUTATING, OPERATIONS, type Operation, type OperationContext } from './operations/index.js';

const TARGET_PREFIX = 'secretsmanager.';
/** Room for a 65,536-byte SecretString even when every character is JSON-escaped as \uXXXX. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Past this we stop draining an oversized body and drop the connection. */
const DISCARD_LIMIT = 16 * 1024 * 1024;
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface AwsHandlerDeps {
  readonly context: OperationContext;
  readonly faults: FaultRegistry;
  count(operation: string): void;
  /** Waits until state changed by a mutating call is on disk (no-op without a data file). */
  flush(): Promise<void>;
  /** Writes eventually (reads that touched LastAccessedDate). */
  schedule(): void;
  reportError(error: unknown): void;
  /** Aborted when the server closes: a request still waiting then gets no answer. */
  readonly closed: AbortSignal;
}

class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** Serves one AWS JSON 1.1 request: auth check, body limits, faults, dispatch, error shape. */
export async function handleAwsRequest(
  deps: AwsHandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
  try {
    const { target, operation, run } = operationOf(req);
    deps.count(run === undefined ? '(unknown)' : (operation as string));
    const raw = await readRequestBody(req);
    // The client went away mid-body: there is no one to answer.
    if (raw === undefined) return;
    checkSignature(req);
    if (req.method !== 'POST' || operation === undefined || run === undefined) {
      throw ServiceError.of('UnknownOperationException', `Unknown operation ${target ?? '(none)'}`);
    }
    if (!(await passFaults(deps, operation, req))) return;
    const result = await runOperation(deps, req, operation, run, raw);
    send(res, 200, result, requestId);
  } catch (error) {
    sendError(deps, res, error, requestId);
  }
}

/** The `X-Amz-Target` operation and its implementation, when there is one. */
function operationOf(req: IncomingMessage) {
  const target = headerOf(req, 'x-amz-target');
  const operation = target?.startsWith(TARGET_PREFIX)
    ? target.slice(TARGET_PREFIX.length)
    : undefined;
  // Own keys only: `constructor` or `__proto__` must not reach Object.prototype.
  const run =
    operation !== undefined && Object.hasOwn(OPERATIONS, operation)
      ? OPERATIONS[operation]
      : undefined;
  return { target, operation, run };
}

/** The body, or undefined when the client went away before sending all of it. */
async function readRequestBody(req: IncomingMessage): Promise<Buffer | undefined> {
  try {
    return await readBody(req);
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) {
      req.destroy();
      return undefined;
    }
    throw ServiceError.of(
      'RequestEntityTooLargeException',
      `Request body exceeds the ${MAX_BODY_BYTES} bytes secrets-manager-local accepts.`,
      413,
    );
  }
}

/**
 * Applies the injected fault for the operation: waits, throws the service error, or drops the
 * connection. False when the connection is gone and nothing more may happen.
 */
async function passFaults(
  deps: AwsHandlerDeps,
  operation: string,
  req: IncomingMessage,
): Promise<boolean> {
  const decision = deps.faults.decide(operation);
  if (decision.latencyMs > 0) {
    try {
      await sleep(decision.latencyMs, undefined, { signal: deps.closed, ref: false });
    } catch {
      // Closed meanwhile: the request must not change state the server has already saved.
      req.socket.destroy();
      return false;
    }
  }
  if (decision.action === 'drop-connection') {
    req.socket.destroy();
    return false;
  }
  if (decision.action === 'throttle') throw ServiceError.of('ThrottlingException', 'Rate exceeded');
  if (decision.action === 'internal-error') {
    throw ServiceError.of('InternalServiceError', 'An error occurred on the server side.', 500);
  }
  return true;
}

/** Runs the operation in the request's region; a change is on disk before a mutation answers. */
async function runOperation(
  deps: AwsHandlerDeps,
  req: IncomingMessage,
  operation: string,
  run: Operation,
  raw: Buffer,
): Promise<Record<string, unknown>> {
  const { store } = deps.context;
  const context = { ...deps.context, store: store.inRegion(regionOf(req) ?? store.region) };
  const generation = store.generation;
  const result = run(new Input(parseBody(raw)), context);
  if (store.generation !== generation) {
    if (MUTATING.has(operation)) await deps.flush();
    else deps.schedule();
  }
  return result;
}

/** A ServiceError is answered in the service's shape; anything else is ours, reported as a 500. */
function sendError(
  deps: AwsHandlerDeps,
  res: ServerResponse,
  error: unknown,
  requestId: string,
): void {
  if (error instanceof ServiceError) {
    send(res, error.statusCode, { __type: error.type, message: error.message }, requestId);
    return;
  }
  deps.reportError(error);
  send(
    res,
    500,
    { __type: 'InternalServiceError', message: 'An error occurred on the server side.' },
    requestId,
  );
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The service refuses requests without a SigV4 signature. The signature itself cannot be
 * verified here (any access key is accepted), but its presence and shape are checked.
 */
function checkSignature(req: IncomingMessage): void {
  const authorization = headerOf(req, 'authorization');
  const presigned = req.url?.includes('X-Amz-Signature=') ?? false;
  if (authorization === undefined || authorization === '') {
    if (presigned) return;
    throw ServiceError.of(
      'MissingAuthenticationTokenException',
      'Missing Authentication Token',
      403,
    );
  }
  if (!authorization.startsWith('AWS4-HMAC-SHA256 ')) {
    throw ServiceError.of(
      'IncompleteSignatureException',
      `Authorization header requires the AWS4-HMAC-SHA256 algorithm.`,
      403,
    );
  }
  for (const part of ['Credential=', 'SignedHeaders=', 'Signature=']) {
    if (!authorization.includes(part)) {
      throw ServiceError.of(
        'IncompleteSignatureException',
        `Authorization header requires '${part.slice(0, -1)}' parameter.`,
        403,
      );
    }
  }
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * The region a request is for, as the service sees it: the SigV4 credential scope
 * (`Credential=AKID/20261201/us-west-2/secretsmanager/aws4_request`, or `X-Amz-Credential` of a
 * presigned URL). Undefined when there is none (the server's default region applies).
 */
export function regionOf(req: IncomingMessage): string | undefined {
  const authorization = headerOf(req, 'authorization') ?? '';
  let credential = /Credential=([^,\s]+)/.exec(authorization)?.[1];
  if (credential === undefined && req.url !== undefined) {
    credential = new URL(req.url, 'http://local').searchParams.get('X-Amz-Credential') ?? undefined;
  }
  const region = credential?.split('/')[2];
  return region !== undefined && REGION.test(region) ? region : undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DISCARD_LIMIT) {
        req.destroy();
        return;
      }
      if (size > MAX_BODY_BYTES) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () =>
      tooLarge ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks, size)),
    );
    req.on('error', reject);
  });
}

function parseBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw serialization('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw serialization('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

export function send(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(payload),
    'x-amzn-RequestId': requestId,
  });
  res.end(payload);
}
