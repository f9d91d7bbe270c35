export {
  type AppOptions,
  type AppPool,
  createApp,
  jsonLog,
  type Log,
  type RunningServer,
  type StartServerOptions,
  startServer,
} from './app.js';
export { type AppConfig, readConfig } from './config.js';
export { ConfigurationError, QuickstartError } from './errors.js';
export { type RunningApp, type RunOptions, run } from './run.js';
