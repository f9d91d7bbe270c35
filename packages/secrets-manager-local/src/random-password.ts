import { randomInt } from 'node:crypto';
import { invalidParameter } from './errors.js';

export const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
export const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const NUMBERS = '0123456789';
export const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export interface RandomPasswordOptions {
  passwordLength: number;
  excludeCharacters: string;
  excludeNumbers: boolean;
  excludePunctuation: boolean;
  excludeUppercase: boolean;
  excludeLowercase: boolean;
  includeSpace: boolean;
  requireEachIncludedType: boolean;
}

/**
 * GetRandomPassword: uniform draws from `crypto.randomInt`. With RequireEachIncludedType,
 * one character of each included type is placed first and the positions are shuffled,
 * so every type appears without rejection loops.
 */
export function randomPassword(options: RandomPasswordOptions): string {
  const excluded = new Set(options.excludeCharacters);
  const keep = (chars: string) => [...chars].filter((c) => !excluded.has(c)).join('');
  const types = [
    options.excludeLowercase ? '' : keep(LOWERCASE),
    options.excludeUppercase ? '' : keep(UPPERCASE),
    options.excludeNumbers ? '' : keep(NUMBERS),
    options.excludePunctuation ? '' : keep(PUNCTUATION),
  ].filter((chars) => chars.length > 0);
  const space = options.includeSpace && !excluded.has(' ') ? ' ' : '';
  const pool = types.join('') + space;
  if (pool.length === 0) {
    throw invalidParameter(
      "The password can't be generated because the request excludes every character type.",
    );
  }
  const required = options.requireEachIncludedType ? types : [];
  if (required.length > options.passwordLength) {
    throw invalidParameter(
      `PasswordLength ${options.passwordLength} is too short to include each of the ${required.length} included character types.`,
    );
  }
  const chars: string[] = required.map((type) => pick(type));
  while (chars.length < options.passwordLength) chars.push(pick(pool));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const tmp = chars[i]!;
    chars[i] = chars[j]!;
    chars[j] = tmp;
  }
  return chars.join('');
}

function pick(chars: string): string {
  return chars[randomInt(chars.length)]!;
}
