import { UsageError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * Parses a duration flag such as `90s`, `10m`, `1h` or `500ms` into milliseconds. A bare
 * number is refused: "10" could mean seconds or minutes, and a guess here decides whether
 * a rotation counts as stuck.
 */
export function parseDuration(value: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h)$/.exec(value.trim());
  if (!match) {
    throw new UsageError(
      `${option} must be a duration with a unit, such as 90s, 10m or 1h (got ${JSON.stringify(value)})`,
      { option },
    );
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
}

/** `10 min`, `90 s`, `2 h`, `250 ms`: a duration for messages, in the largest exact unit. */
export function describeDuration(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms > 0 && ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
