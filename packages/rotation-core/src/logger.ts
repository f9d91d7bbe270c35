/**
 * The logging interface the engine calls: the subset of Powertools' `Logger` it needs, so a
 * Powertools `Logger` (2.x) and `console` can be passed as they are. The engine passes at most
 * one object of extra keys per line.
 */
export interface Logger {
  // A rest parameter, not `extra?`: Powertools types its extras as
  // `[Error | string] | LogAttributes[]`, which an optional tuple element does not fit.
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

const LEVELS: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: 100 };

export interface JsonLoggerOptions {
  /** @default 'INFO' */
  level?: LogLevel;
  /** @default 'rotakit-rotation' */
  service?: string;
  /** Where each JSON line goes. @default process.stdout */
  write?: (line: string) => void;
}

// Keys whose values are never written, whatever a caller passes by mistake.
const SECRET_KEYS = /^(password|secretstring|secret_string|randompassword|masterpassword)$/i;

/**
 * A logger that writes one JSON object per line (Powertools' shape: `level`, `message`,
 * `timestamp`, `service`, then the extra keys). Errors are flattened to their safe fields.
 *
 * @example
 * const logger = jsonLogger({ level: 'DEBUG' });
 * logger.info('rotation started', { secretId });
 */
export function jsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? 'INFO'];
  const service = options.service ?? 'rotakit-rotation';
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const emit = (
    level: Exclude<LogLevel, 'SILENT'>,
    message: string,
    extras: Record<string, unknown>[],
  ) => {
    if (LEVELS[level] < threshold) return;
    const entry: Record<string, unknown> = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service,
    };
    for (const extra of extras) {
      for (const [key, value] of Object.entries(extra ?? {})) {
        if (key in entry) continue;
        entry[key] = sanitize(key, value, 0);
      }
    }
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    debug: (message, ...extras) => emit('DEBUG', message, extras),
    info: (message, ...extras) => emit('INFO', message, extras),
    warn: (message, ...extras) => emit('WARN', message, extras),
    error: (message, ...extras) => emit('ERROR', message, extras),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});

function sanitize(key: string, value: unknown, depth: number): unknown {
  if (SECRET_KEYS.test(key)) return '[redacted]';
  if (value instanceof Error) return serializeError(value, depth);
  if (depth > 4) return '[truncated]';
  if (Array.isArray(value)) return value.map((item) => sanitize('', item, depth + 1));
  if (value && typeof value === 'object') {
    const toJSON = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === 'function') return sanitize(key, toJSON.call(value), depth + 1);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = sanitize(k, v, depth + 1);
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

// Fields of our errors and of mysql2/SDK errors that carry no secret. mysql2's `sql` is left
// out on purpose: it can hold a password literal.
const SAFE_ERROR_FIELDS = [
  'step',
  'secretId',
  'versionId',
  'field',
  'source',
  'option',
  'reason',
  'credentials',
  'host',
  'port',
  'errno',
  'code',
  'sqlState',
  'statement',
  'operation',
  'kind',
  'httpStatusCode',
  'requestId',
  'attempts',
  'limit',
  'remainingMs',
  'stages',
] as const;

/** Turns an error (and its causes) into a loggable object without secrets. @internal */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  const record = error as unknown as Record<string, unknown>;
  for (const field of SAFE_ERROR_FIELDS) {
    const value = record[field];
    if (value !== undefined && typeof value !== 'function') out[field] = sanitize(field, value, 1);
  }
  if (error.cause !== undefined && depth < 3) out.cause = serializeError(error.cause, depth + 1);
  return out;
}
