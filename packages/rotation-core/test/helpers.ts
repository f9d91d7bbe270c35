import type { ConnectOptions } from '../src/database/driver.js';
import type { Logger } from '../src/logger.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  extra: Record<string, unknown> | undefined;
}

/** A logger that keeps what it is given, for assertions. */
export type CapturingLogger = Logger & { entries: LogEntry[]; text(): string };

export function captureLogger(): CapturingLogger {
  const entries: LogEntry[] = [];
  const push = (level: LogEntry['level']) => (message: string, extra?: Record<string, unknown>) => {
    entries.push({ level, message, extra });
  };
  return {
    entries,
    debug: push('debug'),
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
    text: () => entries.map((e) => JSON.stringify(e)).join('\n'),
  };
}

export function connectOptions(overrides: Partial<ConnectOptions> = {}): ConnectOptions {
  return {
    credentials: 'current',
    connectTimeoutMs: 5000,
    queryTimeoutMs: 15_000,
    signal: new AbortController().signal,
    tls: { strict: false, ca: undefined },
    logger: captureLogger(),
    ...overrides,
  };
}
