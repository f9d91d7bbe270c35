import { invalidParameter, validation } from '../errors.js';
import type { Input } from '../input.js';
import type { SecretRecord, SecretStore } from '../store.js';
import { primaryRegionOf } from './context.js';

const FILTER_KEYS = [
  'description',
  'name',
  'tag-key',
  'tag-value',
  'primary-region',
  'owning-service',
  'all',
];
const FILTER_VALUE = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/;
/** A run of capitals not followed by lowercase (an acronym), a word, or a number. */
const WORD = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g;

export type SecretFilter = (secret: SecretRecord) => boolean;

/** ListSecrets/BatchGetSecretValue filters: values of one filter OR, filters AND. */
export function readFilters(input: Input, store: SecretStore): SecretFilter | undefined {
  const filters = input.structures('Filters', { max: 10 });
  if (filters === undefined) return undefined;
  const predicates = filters.map((filter) => {
    const key = filter.string('Key');
    if (key === undefined || !FILTER_KEYS.includes(key)) {
      throw validation(
        `Value ${key === undefined ? 'null' : `'${key}'`} at 'filters.member.key' failed to satisfy constraint: Member must satisfy enum value set: [${FILTER_KEYS.join(', ')}]`,
      );
    }
    const values = filter.stringList('Values', { min: 1, max: 10 }, { max: 512 }) ?? [];
    for (const value of values) {
      if (!FILTER_VALUE.test(value)) {
        throw invalidParameter(`Invalid filter value ${JSON.stringify(value)}.`);
      }
    }
    return (secret: SecretRecord) => values.some((value) => matches(store, secret, key, value));
  });
  return (secret) => predicates.every((predicate) => predicate(secret));
}

/**
 * Splits as the user guide says the service does: at spaces and punctuation, at case changes
 * and at letter/number changes ("credsDatabase#892" -> creds, Database, 892).
 */
export function wordsOf(text: string): string[] {
  return text.match(WORD) ?? [];
}

/**
 * Word matching, not case-sensitive: every word of the search value starts a word of the
 * attributes, in any order ("one two" finds "one and two"). A search that starts a whole
 * attribute matches too, as the prefix filters do.
 */
function wordMatch(search: string, attributes: readonly string[]): boolean {
  const lower = search.toLowerCase();
  if (attributes.some((attribute) => attribute.toLowerCase().startsWith(lower))) return true;
  const wanted = wordsOf(search).map((w) => w.toLowerCase());
  if (wanted.length === 0) return false;
  const words = attributes.flatMap(wordsOf).map((w) => w.toLowerCase());
  return wanted.every((word) => words.some((w) => w.startsWith(word)));
}

/** The attribute values one filter key looks at; prefix keys compare case-sensitively. */
function attributesOf(store: SecretStore, secret: SecretRecord, key: string): string[] {
  const source = store.primaryOf(secret);
  switch (key) {
    case 'name':
      return [secret.name];
    case 'description':
      return source.description === undefined ? [] : [source.description];
    case 'tag-key':
      return [...source.tags.keys()];
    case 'tag-value':
      return [...source.tags.values()];
    case 'primary-region': {
      const primary = primaryRegionOf(secret);
      return primary === undefined ? [] : [primary];
    }
    case 'owning-service':
      // Only the simulated RDS-managed secrets have one.
      return source.owningService === undefined ? [] : [source.owningService];
    default:
      return [
        secret.name,
        ...(source.description === undefined ? [] : [source.description]),
        ...source.tags.keys(),
        ...source.tags.values(),
      ];
  }
}

/**
 * `description` (user guide: "matches the words in secret descriptions") and `all` ("breaks
 * the filter value string into words and then searches all attributes") match words; the
 * other keys are case-sensitive prefix matches. "!value" negates: the secret matches when
 * nothing matches `value`.
 */
function matches(store: SecretStore, secret: SecretRecord, key: string, raw: string): boolean {
  const negate = raw.startsWith('!');
  const value = negate ? raw.slice(1) : raw;
  const attributes = attributesOf(store, secret, key);
  const hit =
    key === 'description' || key === 'all'
      ? wordMatch(value, attributes)
      : attributes.some((attribute) => attribute.startsWith(value));
  return negate ? !hit : hit;
}
