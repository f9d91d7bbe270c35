import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Lambda's limit for a synchronous invocation's response payload. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const PREFIX = '/2018-06-01/runtime';

/** What a runtime posts to `.../error` or `init/error`: Lambda's error shape. */
export interface FunctionError {
  readonly errorType: string;
  readonly errorMessage: string;
}

/** One invocation offered to the runtime. */
export interface OfferedInvocation {
  readonly requestId: string;
  /** The event, as JSON text. */
  readonly payload: string;
  readonly invokedFunctionArn: string;
  readonly traceId: string;
  readonly timeoutMs: number;
}

/** What the runtime did, as the server saw it. */
export interface RuntimeApiListener {
  /** The runtime took the invocation; its handler runs until `deadlineMs` (epoch ms). */
  taken(requestId: string, deadlineMs: number): void;
  response(requestId: string, payload: string): void;
  error(requestId: string, error: FunctionError): void;
  initError(error: FunctionError): void;
}

/**
 * The Lambda Runtime API (2018-06-01) for one sandbox, on loopback: the runtime interface
 * client long-polls `invocation/next`, then posts the outcome of that invocation.
 */
export class RuntimeApiServer {
  readonly #server: http.Server;
  readonly #listener: RuntimeApiListener;
  #offered: OfferedInvocation | undefined;
  #taken: string | undefined;
  #waiting: ServerResponse | undefined;

  private constructor(server: http.Server, listener: RuntimeApiListener) {
    this.#server = server;
    this.#listener = listener;
  }

  static async start(listener: RuntimeApiListener): Promise<RuntimeApiServer> {
    // No request timeout: `invocation/next` is held open until there is an invocation.
    const server = http.createServer({ noDelay: true, requestTimeout: 0, keepAlive: true });
    server.keepAliveTimeout = 0;
    const api = new RuntimeApiServer(server, listener);
    server.on('request', (req, res) => api.#route(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return api;
  }

  /** `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`. */
  get address(): string {
    return `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Hands the invocation to the runtime now if it is waiting, else at its next poll. */
  offer(invocation: OfferedInvocation): void {
    this.#offered = invocation;
    this.#taken = undefined;
    if (this.#waiting !== undefined) this.#handOut(this.#waiting);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method === 'GET' && path === `${PREFIX}/invocation/next`) {
      this.#next(res);
      return;
    }
    const posted = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === 'POST' && posted !== null) {
      void this.#invocationResult(req, res, decodeURIComponent(posted[1] ?? ''), posted[2]);
      return;
    }
    if (req.method === 'POST' && path === `${PREFIX}/init/error`) {
      void readBody(req).then(({ text }) => {
        reply(res, 202, { status: 'OK' });
        this.#listener.initError(parseFunctionError(text, req));
      });
      return;
    }
    reply(res, 404, { errorType: 'NotFound', errorMessage: `No route ${req.method} ${path}` });
  }

  #next(res: ServerResponse): void {
    if (this.#offered !== undefined && this.#taken === undefined) {
      this.#handOut(res);
      return;
    }
    this.#waiting = res;
    res.once('close', () => {
      if (this.#waiting === res) this.#waiting = undefined;
    });
  }

  #handOut(res: ServerResponse): void {
    const invocation = this.#offered;
    if (invocation === undefined) return;
    this.#waiting = undefined;
    this.#taken = invocation.requestId;
    const deadlineMs = Date.now() + invocation.timeoutMs;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(invocation.payload),
      'Lambda-Runtime-Aws-Request-Id': invocation.requestId,
      'Lambda-Runtime-Deadline-Ms': String(deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': invocation.invokedFunctionArn,
      'Lambda-Runtime-Trace-Id': invocation.traceId,
    });
    res.end(invocation.payload);
    this.#listener.taken(invocation.requestId, deadlineMs);
  }

  async #invocationResult(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    kind: string | undefined,
  ): Promise<void> {
    const { text, tooLarge } = await readBody(req);
    if (requestId !== this.#taken) {
      reply(res, 400, { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });
      return;
    }
    this.#offered = undefined;
    this.#taken = undefined;
    if (kind === 'response' && tooLarge) {
      reply(res, 413, {
        errorType: 'RequestEntityTooLarge',
        errorMessage: `Exceeded maximum allowed payload size (${MAX_PAYLOAD_BYTES} bytes).`,
      });
      this.#listener.error(requestId, {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage:
          'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      });
      return;
    }
    reply(res, 202, { status: 'OK' });
    if (kind === 'response') this.#listener.response(requestId, text);
    else this.#listener.error(requestId, parseFunctionError(text, req));
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

async function readBody(req: IncomingMessage): Promise<{ text: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Keep reading to the end so the connection stays usable, but stop keeping bytes.
    if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk as Buffer);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > MAX_PAYLOAD_BYTES };
}

function parseFunctionError(text: string, req: IncomingMessage): FunctionError {
  const header = req.headers['lambda-runtime-function-error-type'];
  let errorType = typeof header === 'string' && header.length > 0 ? header : 'Unhandled';
  let errorMessage = '';
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) {
      const body = parsed as Record<string, unknown>;
      if (typeof body.errorType === 'string' && body.errorType.length > 0) {
        errorType = body.errorType;
      }
      if (typeof body.errorMessage === 'string') errorMessage = body.errorMessage;
    }
  } catch {
    // Lambda passes a body that is not JSON on as it is.
    errorMessage = text;
  }
  return { errorType, errorMessage };
}
