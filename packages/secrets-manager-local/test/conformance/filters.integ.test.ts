/**
 * ListSecrets filters against the API reference (`Filter`) and the user guide ("Find secrets
 * in AWS Secrets Manager"). Each case names the sentence it checks; quotes are the docs'
 * words, checked against the published pages. Where the two documents disagree
 * (`description`: the reference says "Prefix match, not case-sensitive", the user guide
 * "Matches the words in secret descriptions"), the case says which one it follows.
 */
import {
  CreateSecretCommand,
  type FilterNameStringType,
  ListSecretsCommand,
  ReplicateSecretToRegionsCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { caught, uniqueName } from '../helpers.js';
import { type Conformance, startConformance } from './harness.js';

let c: Conformance;
let prefix: string;

beforeAll(async () => {
  c = await startConformance();
  prefix = uniqueName('flt');
  const secrets = [
    { Name: `${prefix}/AppBeta/x`, Description: 'DescTwo' },
    { Name: `${prefix}/creds`, Description: 'credsDatabase#892' },
    { Name: `${prefix}/words`, Description: 'one and two' },
    { Name: `${prefix}/pair`, Description: 'one two' },
    {
      Name: `${prefix}/tagged`,
      Description: 'Tagged',
      Tags: [
        { Key: 'CostCenter', Value: 'Finance-42' },
        { Key: 'env', Value: 'prod' },
      ],
    },
  ];
  for (const secret of secrets) {
    await c.sdk().send(new CreateSecretCommand({ ...secret, SecretString: 'x' }));
  }
});
afterAll(() => c?.close());

type Filter = { Key: FilterNameStringType; Values: string[] };

/** The short names (after the prefix) that a ListSecrets with `filters` returns, sorted. */
async function found(filters: Filter[], region?: string): Promise<string[]> {
  const res = await c.sdk(region).send(new ListSecretsCommand({ Filters: filters }));
  return (res.SecretList ?? [])
    .map((s) => s.Name ?? '')
    .filter((name) => name.startsWith(`${prefix}/`))
    .map((name) => name.slice(prefix.length + 1))
    .sort();
}

describe('ListSecrets filters', () => {
  test('all: "Breaks the filter value string into words": credsDatabase#892 -> creds, Database, 892', async () => {
    // User guide: "The words are separated by any change from uppercase to lowercase, from
    // letter to number, or from number/letter to punctuation. For example, entering the search
    // term credsDatabase#892 searches for creds, Database, and 892 in name, description, and
    // tag key and value." (Whether a word must start an attribute's word, so that "atabase"
    // misses, is not documented: ours.)
    for (const word of ['creds', 'Database', '892']) {
      expect(await found([{ Key: 'all', Values: [word] }])).toContain('creds');
    }
    expect(await found([{ Key: 'all', Values: ['atabase'] }])).not.toContain('creds');
  });

  test('all: words split at case changes in names and descriptions (Beta finds prod/AppBeta/x, Two finds DescTwo)', async () => {
    expect(await found([{ Key: 'all', Values: ['Beta'] }])).toEqual(['AppBeta/x']);
    expect(await found([{ Key: 'all', Values: ['Two'] }])).toEqual(['AppBeta/x', 'pair', 'words']);
    // "Not case-sensitive."
    expect(await found([{ Key: 'all', Values: ['beta'] }])).toEqual(['AppBeta/x']);
  });

  test('all: searches tag keys and values too ("and then searches all attributes for matches")', async () => {
    expect(await found([{ Key: 'all', Values: ['Center'] }])).toEqual(['tagged']);
    expect(await found([{ Key: 'all', Values: ['42'] }])).toEqual(['tagged']);
  });

  // User guide: "Matches the words in secret descriptions, not case-sensitive. For example,
  // Description: My Description matches secrets with the following descriptions: My
  // Description, my description, My basic description, Description of my secret". The API
  // reference says "description: Prefix match, not case-sensitive."; a value that starts the
  // whole description matches here too, so both readings hold.
  test("description: the user guide's example: My Description finds My basic description and Description of my secret", async () => {
    const guide = uniqueName('flt-guide');
    const descriptions = [
      'My Description',
      'my description',
      'My basic description',
      'Description of my secret',
      'Unrelated text',
    ];
    for (const [i, Description] of descriptions.entries()) {
      await c
        .sdk()
        .send(new CreateSecretCommand({ Name: `${guide}/${i}`, Description, SecretString: 'x' }));
    }
    const res = await c.sdk().send(
      new ListSecretsCommand({
        Filters: [
          { Key: 'name', Values: [`${guide}/`] },
          { Key: 'description', Values: ['My Description'] },
        ],
      }),
    );
    const matched = (res.SecretList ?? []).map((s) => s.Description).sort();
    expect(matched).toEqual(descriptions.slice(0, 4).sort());
    // "Prefix match, not case-sensitive" (API reference): the start of the description.
    const prefixed = await c.sdk().send(
      new ListSecretsCommand({
        Filters: [
          { Key: 'name', Values: [`${guide}/`] },
          { Key: 'description', Values: ['my basic desc'] },
        ],
      }),
    );
    expect((prefixed.SecretList ?? []).map((s) => s.Description)).toEqual(['My basic description']);
  });

  test('description: "Matches the words in secret descriptions": one and two each find "one two"; "one two" finds "one and two"', async () => {
    expect(await found([{ Key: 'description', Values: ['one'] }])).toEqual(['pair', 'words']);
    // Words split at case changes here too: "DescTwo" holds the word Two.
    expect(await found([{ Key: 'description', Values: ['two'] }])).toEqual([
      'AppBeta/x',
      'pair',
      'words',
    ]);
    expect(await found([{ Key: 'description', Values: ['one two'] }])).toEqual(['pair', 'words']);
    // "Not case-sensitive."
    expect(await found([{ Key: 'description', Values: ['ONE'] }])).toEqual(['pair', 'words']);
    expect(await found([{ Key: 'description', Values: ['three'] }])).toEqual([]);
  });

  // User guide: "Matches the beginning of secret names; case-sensitive. For example, Name:
  // Data returns a secret named DatabaseSecret, but not databaseSecret or MyData."
  test('name: "Prefix match, case-sensitive"', async () => {
    expect(await found([{ Key: 'name', Values: [`${prefix}/App`] }])).toEqual(['AppBeta/x']);
    expect(await found([{ Key: 'name', Values: [`${prefix}/app`] }])).toEqual([]);
    expect(await found([{ Key: 'name', Values: ['Beta'] }])).toEqual([]);
  });

  // User guide: "Matches the beginning of tag keys; case-sensitive. For example, Tag key:
  // Prod returns secrets with the tag Production and Prod1, but not secrets with the tag prod
  // or 1 Prod." (tag values alike).
  test('tag-key and tag-value: "Prefix match, case-sensitive"', async () => {
    expect(await found([{ Key: 'tag-key', Values: ['Cost'] }])).toEqual(['tagged']);
    expect(await found([{ Key: 'tag-key', Values: ['cost'] }])).toEqual([]);
    expect(await found([{ Key: 'tag-value', Values: ['Fin'] }])).toEqual(['tagged']);
    expect(await found([{ Key: 'tag-value', Values: ['fin'] }])).toEqual([]);
  });

  test('"!" negation: "prefix your search value with an exclamation mark (!) in order to perform negation filters"', async () => {
    const everything = await found([{ Key: 'name', Values: [prefix] }]);
    expect(everything).toHaveLength(5);
    expect(await found([{ Key: 'description', Values: ['!one'] }])).toEqual([
      'AppBeta/x',
      'creds',
      'tagged',
    ]);
    expect(await found([{ Key: 'tag-key', Values: ['!env'] }])).toEqual(
      everything.filter((n) => n !== 'tagged'),
    );
  });

  // Not stated in the Filter reference (paraphrase of the service's observed behaviour, as
  // other emulators implement it): the values of one filter are alternatives, filters combine.
  test('values of one filter OR, several filters AND', async () => {
    expect(await found([{ Key: 'description', Values: ['DescTwo', 'Tagged'] }])).toEqual([
      'AppBeta/x',
      'tagged',
    ]);
    expect(
      await found([
        { Key: 'description', Values: ['one'] },
        { Key: 'name', Values: [`${prefix}/w`] },
      ]),
    ).toEqual(['words']);
  });

  test('primary-region: "Prefix match, case-sensitive" on the Region of a replicated secret', async () => {
    const name = `${prefix}/replicated`;
    await c.sdk().send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    await c.sdk().send(
      new ReplicateSecretToRegionsCommand({
        SecretId: name,
        AddReplicaRegions: [{ Region: 'eu-west-3' }],
      }),
    );
    expect(await found([{ Key: 'primary-region', Values: ['us-east'] }])).toEqual(['replicated']);
    // The replica, listed in its own Region, names the primary's Region.
    expect(await found([{ Key: 'primary-region', Values: ['us-east-1'] }], 'eu-west-3')).toEqual([
      'replicated',
    ]);
    expect(await found([{ Key: 'primary-region', Values: ['eu-'] }], 'eu-west-3')).toEqual([]);
  });

  // API reference: "owning-service: Prefix match, case-sensitive." (The user guide says "not
  // case-sensitive"; we follow the reference, see Known differences.)
  test('owning-service: no local secret is managed by another service; its negation matches all', async () => {
    expect(await found([{ Key: 'owning-service', Values: ['rds'] }])).toEqual([]);
    const all = await found([{ Key: 'name', Values: [prefix] }]);
    expect(await found([{ Key: 'owning-service', Values: ['!rds'] }])).toEqual(all);
  });

  // API reference: "Valid Values: description | name | tag-key | tag-value | primary-region |
  // owning-service | all"
  test("an unknown Key fails the service model's enum check", async () => {
    const error = await caught(() =>
      c.sdk().send(
        new ListSecretsCommand({
          Filters: [{ Key: 'colour' as FilterNameStringType, Values: ['x'] }],
        }),
      ),
    );
    expect(error.name).toBe('ValidationException');
  });

  test('the AWS CLI: list-secrets --filters Key=all,Values=Beta finds prod/AppBeta/x', async () => {
    const out = await c.cli(['list-secrets', '--filters', 'Key=all,Values=Beta']);
    const names = (out.SecretList as Array<{ Name: string }>).map((s) => s.Name);
    expect(names).toContain(`${prefix}/AppBeta/x`);
    expect(names).not.toContain(`${prefix}/creds`);
    const described = await c.cli(['list-secrets', '--filters', 'Key=description,Values=one two']);
    const matched = (described.SecretList as Array<{ Name: string }>)
      .map((s) => s.Name)
      .filter((n) => n.startsWith(prefix))
      .sort();
    expect(matched).toEqual([`${prefix}/pair`, `${prefix}/words`]);
  });
});
