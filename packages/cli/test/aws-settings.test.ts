import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inCliTerms } from '../src/commands/rotate.js';
import { describeDuration, parseDuration } from '../src/duration.js';
import { RegionMissingError, resolveAwsSettings, UsageError } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rotakit-cli-config-'));
const configFile = join(dir, 'config');
writeFileSync(
  configFile,
  [
    '# a comment',
    '[default]',
    'region = us-west-2',
    'output = json',
    '',
    '[profile prod]',
    'region=eu-central-1 ; trailing comment',
    's3 =',
    '  region = not-this-one',
    '',
    '[profile noregion]',
    'output = text',
  ].join('\n'),
);
// No HOME fallback to the real ~/.aws/config: every case names its config file.
const base = { AWS_CONFIG_FILE: configFile };

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveAwsSettings: the Region as the AWS CLI finds it', () => {
  it.each([
    [
      '--region',
      { region: 'ap-south-1' },
      { AWS_REGION: 'x', AWS_DEFAULT_REGION: 'y' },
      'ap-south-1',
    ],
    ['AWS_REGION', {}, { AWS_REGION: 'sa-east-1', AWS_DEFAULT_REGION: 'y' }, 'sa-east-1'],
    ['AWS_DEFAULT_REGION', {}, { AWS_DEFAULT_REGION: 'eu-west-3' }, 'eu-west-3'],
    ['profile "default" in', {}, {}, 'us-west-2'],
    ['profile "prod" in', {}, { AWS_PROFILE: 'prod' }, 'eu-central-1'],
    ['profile "prod" in', { profile: 'prod' }, { AWS_PROFILE: 'noregion' }, 'eu-central-1'],
  ])('from %s', (source, flags, env, region) => {
    const settings = resolveAwsSettings(flags, { ...base, ...env });
    expect(settings.region).toBe(region);
    expect(settings.regionSource.startsWith(source)).toBe(true);
  });

  it('says where it looked when there is no Region, naming the profile', () => {
    const run = () => resolveAwsSettings({}, { ...base, AWS_PROFILE: 'noregion' });
    expect(run).toThrow(RegionMissingError);
    expect(run).toThrow(/AWS_DEFAULT_REGION.*profile "noregion" of .*config/);
  });

  it('uses us-east-1 for a local endpoint with no Region anywhere', () => {
    const settings = resolveAwsSettings(
      { endpointUrl: 'http://127.0.0.1:4584' },
      { AWS_CONFIG_FILE: join(dir, 'missing') },
    );
    expect(settings).toMatchObject({ region: 'us-east-1', local: true });
    // ...but a Region that is set wins, AWS_DEFAULT_REGION included.
    expect(
      resolveAwsSettings(
        { endpointUrl: 'http://127.0.0.1:4584' },
        { AWS_DEFAULT_REGION: 'eu-west-1' },
      ).region,
    ).toBe('eu-west-1');
  });

  it('names the public endpoint in messages when none is configured', () => {
    expect(resolveAwsSettings({ region: 'eu-west-1' }, base).endpointDisplay).toBe(
      'https://secretsmanager.eu-west-1.amazonaws.com',
    );
  });

  it.each([
    ['notaurl', '--endpoint-url'],
    ['127.0.0.1:33589', '--endpoint-url'],
    ['ftp://127.0.0.1:21', '--endpoint-url'],
  ])('refuses --endpoint-url %s as a usage error naming the flag', (url, option) => {
    const run = () => resolveAwsSettings({ endpointUrl: url }, base);
    expect(run).toThrow(UsageError);
    expect(run).toThrow(new RegExp(`^${option} must be an http`));
  });

  it('names the environment variable when the bad URL came from there', () => {
    expect(() =>
      resolveAwsSettings({}, { ...base, AWS_ENDPOINT_URL_SECRETS_MANAGER: 'localhost:4584' }),
    ).toThrow(/^AWS_ENDPOINT_URL_SECRETS_MANAGER must be/);
  });
});

describe('durations and wording', () => {
  it('parses --stuck-after durations with a unit and refuses bare numbers', () => {
    expect(parseDuration('90s', '--stuck-after')).toBe(90_000);
    expect(parseDuration('10m', '--stuck-after')).toBe(600_000);
    expect(parseDuration('1.5h', '--stuck-after')).toBe(5_400_000);
    expect(parseDuration('0s', '--stuck-after')).toBe(0);
    expect(parseDuration('250ms', '--stuck-after')).toBe(250);
    expect(() => parseDuration('10', '--stuck-after')).toThrow(/--stuck-after must be a duration/);
    expect(() => parseDuration('soon', '--stuck-after')).toThrow(UsageError);
    expect(describeDuration(600_000)).toBe('10 min');
    expect(describeDuration(90_000)).toBe('90 s');
    expect(describeDuration(0)).toBe('0 ms');
  });

  it("names the CLI flag where the engine's messages name its tls.strict option", () => {
    const warning =
      'TLS to the database failed; falling back to an UNENCRYPTED connection because the secret has no "ssl" key. Set "ssl": true in the secret or tls.strict to forbid this.';
    expect(inCliTerms(warning)).toContain(
      'Set "ssl": true in the secret or pass --strict-tls to forbid this.',
    );
    expect(inCliTerms('the secret says "ssl": false and tls.strict is on')).toBe(
      'the secret says "ssl": false and --strict-tls is on',
    );
  });
});
