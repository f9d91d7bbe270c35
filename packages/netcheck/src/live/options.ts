import { InvalidOptionError } from '../errors.js';

export const DEFAULT_PROBE_TIMEOUT_MS = 5000;

export function checkTimeout(
  value: unknown,
  option = 'timeoutMs',
  fallback = DEFAULT_PROBE_TIMEOUT_MS,
): number {
  const timeoutMs = value ?? fallback;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw InvalidOptionError.of(
      option,
      `expected a positive number of milliseconds, got ${String(value)}`,
    );
  }
  return timeoutMs;
}

export function checkHost(value: unknown, option = 'host'): string {
  if (typeof value !== 'string' || value.trim() === '' || /[\s/]/.test(value)) {
    throw InvalidOptionError.of(
      option,
      `expected a host name or IP address, got ${JSON.stringify(value)}`,
    );
  }
  return value.replace(/^\[|\]$/g, '');
}

export function checkPort(value: unknown, option = 'port', fallback?: number): number {
  const port = value ?? fallback;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw InvalidOptionError.of(option, `expected a TCP port 1-65535, got ${String(value)}`);
  }
  return port;
}

export function checkSignal(value: unknown, option = 'signal'): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal))
    throw InvalidOptionError.of(option, 'expected an AbortSignal');
  return value;
}
