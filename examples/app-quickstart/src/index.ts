export {
  type AppOptions,
  createApp,
  jsonLog,
  type Log,
  type RunningServer,
  type StartServerOptions,
  startServer,
} from './app.js';
export { type AppConfig, DB_ENGINES, type DbEngine, readConfig } from './config.js';
export { ConfigurationError, QuickstartError } from './errors.js';
export { type RunningApp, type RunOptions, run } from './run.js';
export {
  failureReason,
  type Item,
  type ItemStore,
  type StorePoolOptions,
} from './store/items.js';
export { type MysqlPool, mysqlStore, openMysqlStore } from './store/mysql.js';
export { openPostgresStore, type PostgresPool, postgresStore } from './store/postgres.js';
