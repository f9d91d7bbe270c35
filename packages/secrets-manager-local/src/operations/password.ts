import { randomPassword } from '../random-password.js';
import type { Operation } from './context.js';

export const getRandomPassword: Operation = (input) => {
  const password = randomPassword({
    passwordLength: input.integer('PasswordLength', { min: 1, max: 4096 }) ?? 32,
    excludeCharacters: input.string('ExcludeCharacters', { max: 4096 }) ?? '',
    excludeNumbers: input.boolean('ExcludeNumbers') ?? false,
    excludePunctuation: input.boolean('ExcludePunctuation') ?? false,
    excludeUppercase: input.boolean('ExcludeUppercase') ?? false,
    excludeLowercase: input.boolean('ExcludeLowercase') ?? false,
    includeSpace: input.boolean('IncludeSpace') ?? false,
    requireEachIncludedType: input.boolean('RequireEachIncludedType') ?? true,
  });
  return { RandomPassword: password };
};
