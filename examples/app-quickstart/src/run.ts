import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { jsonLog, type Log, type RunningServer, startServer } from './app.js';
import { type AppConfig, type DbEngine, readConfig } from './config.js';
import type { ItemStore, StorePoolOptions } from './store/items.js';
import { openMysqlStore } from './store/mysql.js';
import { openPostgresStore } from './store/postgres.js';

/** Where each engine plugs in: DB_ENGINE picks the store, and with it the pool. */
const OPEN_STORE: Readonly<Record<DbEngine, (options: StorePoolOptions) => ItemStore>> = {
  mysql: openMysqlStore,
  postgres: openPostgresStore,
};

export interface RunOptions {
  /** Where the configuration comes from. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** A Secrets Manager client to use instead of one built from AWS_REGION / AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  client?: SecretsManagerClient;
  /** Aborting it shuts the service down (server first, then the store's pool). */
  signal?: AbortSignal;
  /** @default JSON lines on stdout */
  log?: Log;
}

/** The cache's TTL, and a look at the cache at least as often (its default is every 30 s). */
function refreshEvery(ms: number) {
  return {
    cacheOptions: { ttlMs: ms },
    credentialCheckIntervalMs: Math.min(ms, 30_000),
  };
}

/** The running service. */
export interface RunningApp extends AsyncDisposable {
  readonly config: AppConfig;
  /** The database behind the routes; its pool is the engine's rotakit pool. */
  readonly store: ItemStore;
  readonly server: RunningServer;
  /** Settles once the server and the pool are closed. */
  readonly closed: Promise<void>;
  /** Stops the server (requests in flight finish), then ends the store's pool. */
  close(): Promise<void>;
}

/**
 * Reads the configuration, opens the engine's store and starts the server; shuts down when `signal`
 * aborts.
 *
 * @example
 * const controller = new AbortController();
 * process.once('SIGTERM', () => controller.abort());
 * const app = await run({ signal: controller.signal });
 * await app.closed;
 */
export async function run(options: RunOptions = {}): Promise<RunningApp> {
  const config = readConfig(options.env ?? process.env);
  const log = options.log ?? jsonLog;
  options.signal?.throwIfAborted();
  const store = OPEN_STORE[config.engine]({
    secretId: config.secretId,
    ...(options.client
      ? { client: options.client }
      : {
          clientConfig: {
            ...(config.region ? { region: config.region } : {}),
            ...(config.endpoint ? { endpoint: config.endpoint } : {}),
          },
        }),
    size: config.poolSize,
    ...refreshEvery(config.secretRefreshMs),
  });
  let server: RunningServer;
  try {
    server = await startServer({ store, port: config.port, host: config.host, log });
  } catch (error) {
    await store.end();
    throw error;
  }
  log('info', 'listening', { url: server.url, engine: config.engine, secretId: config.secretId });

  let settle!: () => void;
  const closed = new Promise<void>((resolve) => {
    settle = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      options.signal?.removeEventListener('abort', onAbort);
      log('info', 'shutting down');
      try {
        await server.close();
      } finally {
        try {
          await store.end();
        } finally {
          settle();
        }
      }
      log('info', 'stopped');
    })();
    return closing;
  };
  function onAbort() {
    close().catch((error: unknown) =>
      log('error', 'shutdown failed', { error: error instanceof Error ? error.name : 'Error' }),
    );
  }
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // Aborted while the server was starting: the listener came too late to hear it.
  if (options.signal?.aborted) onAbort();
  return {
    config,
    store,
    server,
    closed,
    close,
    [Symbol.asyncDispose]: close,
  };
}
