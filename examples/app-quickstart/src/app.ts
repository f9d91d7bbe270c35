import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { ConfigurationError } from './errors.js';
import { failureReason, type ItemStore } from './store/items.js';

/** One JSON line per event; never given a secret. */
export type Log = (
  level: 'info' | 'warn' | 'error',
  message: string,
  fields?: Record<string, unknown>,
) => void;

/** Writes JSON lines to stdout. */
export const jsonLog: Log = (level, message, fields) => {
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`,
  );
};

export interface AppOptions {
  /** The database behind the routes: `mysqlStore(pool)`, `postgresStore(pool)`, or your own. */
  store: ItemStore;
  /** @default JSON lines on stdout */
  log?: Log;
}

const MAX_BODY_BYTES = 16 * 1024;
const MAX_NAME_LENGTH = 200;

class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body must be JSON, e.g. {"name": "first"}');
  }
}

async function listItems(store: ItemStore, url: URL): Promise<unknown> {
  const raw = url.searchParams.get('limit') ?? '100';
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new HttpError(400, 'limit must be an integer from 1 to 1000');
  }
  return store.listNewest(limit);
}

async function createItem(store: ItemStore, req: IncomingMessage): Promise<unknown> {
  const body = await readJson(req);
  const name = (body as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_LENGTH) {
    throw new HttpError(
      400,
      `name must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`,
    );
  }
  return { id: await store.insert(name), name };
}

async function health(store: ItemStore): Promise<unknown> {
  await store.ping();
  const stats = store.stats();
  // Which secret version the pool logs in with: watch it change as the secret rotates.
  return {
    status: 'ok',
    ...(stats
      ? {
          secretVersion: stats.credentials.versionId,
          credentialSource: stats.credentials.source,
          connections: stats.connections.total,
        }
      : {}),
  };
}

async function route(store: ItemStore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://app.invalid');
  const method = req.method ?? 'GET';
  const allow = (methods: string[]) => {
    if (!methods.includes(method)) {
      res.setHeader('allow', methods.join(', '));
      throw new HttpError(405, `${method} is not allowed on ${url.pathname}`);
    }
  };
  switch (url.pathname) {
    case '/health':
      allow(['GET']);
      return send(res, 200, await health(store));
    case '/items':
      allow(['GET', 'POST']);
      if (method === 'GET') return send(res, 200, await listItems(store, url));
      return send(res, 201, await createItem(store, req));
    default:
      throw new HttpError(404, `no route for ${url.pathname}`);
  }
}

/**
 * The HTTP server (not yet listening): GET /health, GET /items, POST /items.
 *
 * @example
 * const server = createApp({ store: mysqlStore(createPool({ secretId: 'app/db', clientConfig: {} })) });
 * server.listen(3000);
 */
export function createApp(options: AppOptions): http.Server {
  if (!options?.store || typeof options.store.listNewest !== 'function') {
    throw new ConfigurationError('store', 'must be an ItemStore, e.g. mysqlStore(createPool(...))');
  }
  const { store } = options;
  const log = options.log ?? jsonLog;
  return http.createServer((req, res) => {
    route(store, req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        send(res, error.status, { error: error.message });
        return;
      }
      const reason = failureReason(error);
      log('error', 'request failed', {
        method: req.method,
        path: req.url,
        error: reason,
        detail: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent) send(res, 503, { error: 'database unavailable', reason });
      else res.destroy();
    });
  });
}

export interface StartServerOptions extends AppOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** How long close() lets requests in flight finish before cutting them off. @default 10000 */
  shutdownTimeoutMs?: number;
}

/** A listening server. */
export interface RunningServer extends AsyncDisposable {
  readonly server: http.Server;
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  /** Stops accepting, lets requests in flight finish, then closes. Does not end the store. */
  close(): Promise<void>;
}

/**
 * Creates the app and listens.
 *
 * @example
 * const running = await startServer({ store, port: 3000 });
 * await running.close();
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigurationError('port', 'must be an integer from 0 to 65535');
  }
  if (!Number.isInteger(shutdownTimeoutMs) || shutdownTimeoutMs < 0) {
    throw new ConfigurationError('shutdownTimeoutMs', 'must be a non-negative integer');
  }
  const server = createApp(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), shutdownTimeoutMs);
      // Unref'd: the open connections hold the loop (docs/architecture.md "Timers and the event loop").
      force.unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      // Keep-alive sockets with no request in flight would hold close() open until they time out.
      server.closeIdleConnections();
    });
    return closing;
  };
  return {
    server,
    port: actualPort,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
