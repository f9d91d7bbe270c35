import { describe, expect, it } from 'vitest';
import {
  classifyAddress,
  classifyNetworkError,
  InvalidOptionError,
  isNetworkError,
  ProbeRateLimiter,
  parseGreeting,
  resolveServiceEndpoint,
} from '../src/index.js';
import { mysqlErrPacket } from './helpers/servers.js';

function withCode(code: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(`connect ${code} 10.0.1.23:443`), { code, ...extra });
}

describe('classifyAddress', () => {
  it.each([
    ['10.0.1.23', 'private'],
    ['172.31.255.1', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['169.254.169.254', 'link-local'],
    ['127.0.0.1', 'loopback'],
    ['52.94.133.131', 'public'],
    ['172.32.0.1', 'public'],
    ['::1', 'loopback'],
    ['fd00::2', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['2600:1f18::1', 'public'],
  ])('%s is %s', (address, scope) => {
    const c = classifyAddress(address);
    expect(c.scope).toBe(scope);
    expect(c.private).toBe(scope !== 'public');
  });

  it('rejects a non-address', () => {
    expect(() => classifyAddress('example.com')).toThrow(TypeError);
  });
});

describe('classifyNetworkError / isNetworkError', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['ENOTFOUND', 'dns-failure'],
    ['EAI_AGAIN', 'dns-failure'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['ECONNRESET', 'reset'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls-failure'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls-failure'],
    ['PROTOCOL_CONNECTION_LOST', 'reset'],
  ])('%s -> %s, network-class', (code, status) => {
    const info = classifyNetworkError(withCode(code));
    expect(info.status).toBe(status);
    expect(info.network).toBe(true);
    expect(isNetworkError(withCode(code))).toBe(true);
  });

  it('recognises the SDK TimeoutError by name', () => {
    const e = Object.assign(new Error('Connection timed out after 1000 ms'), {
      name: 'TimeoutError',
    });
    expect(classifyNetworkError(e)).toMatchObject({
      network: true,
      status: 'timeout',
      name: 'TimeoutError',
    });
  });

  it('unwraps AggregateError (happy eyeballs) and cause chains', () => {
    const aggregate = new AggregateError(
      [withCode('ETIMEDOUT', { address: '52.94.1.1', port: 443 })],
      'all failed',
    );
    expect(classifyNetworkError(aggregate)).toMatchObject({
      status: 'timeout',
      address: '52.94.1.1',
      port: 443,
    });
    const wrapped = new Error('step createSecret failed', {
      cause: withCode('ENOTFOUND', { hostname: 'db.invalid' }),
    });
    expect(classifyNetworkError(wrapped)).toMatchObject({
      network: true,
      status: 'dns-failure',
      hostname: 'db.invalid',
    });
  });

  it('treats an error the service answered with as not network-class', () => {
    const answered = Object.assign(new Error('User is not authorized'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(isNetworkError(answered)).toBe(false);
    expect(isNetworkError(new Error("A previous rotation isn't complete"))).toBe(false);
    expect(isNetworkError(undefined)).toBe(false);
    expect(isNetworkError('ETIMEDOUT')).toBe(false);
  });

  it('treats MySQL 1129 (host blocked) as network-class and 1045 as not', () => {
    expect(
      classifyNetworkError(
        Object.assign(new Error('blocked'), { errno: 1129, code: 'ER_HOST_IS_BLOCKED' }),
      ),
    ).toMatchObject({
      network: true,
      status: 'blocked',
    });
    expect(
      isNetworkError(
        Object.assign(new Error('Access denied'), { errno: 1045, code: 'ER_ACCESS_DENIED_ERROR' }),
      ),
    ).toBe(false);
  });

  it('does not treat an abort as a network failure', () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(classifyNetworkError(abort)).toMatchObject({ network: false, status: 'aborted' });
  });
});

describe('parseGreeting', () => {
  function handshake(version: string, caps: number, plugin: string): Buffer {
    const parts = [
      Buffer.from([0x0a]),
      Buffer.from(`${version}\0`, 'latin1'),
      Buffer.from([7, 0, 0, 0]), // connection id 7
      Buffer.alloc(8, 1), // auth-plugin-data-part-1
      Buffer.from([0]),
      Buffer.from([caps & 0xff, (caps >> 8) & 0xff]),
      Buffer.from([33]), // charset
      Buffer.from([2, 0]), // status
      Buffer.from([(caps >> 16) & 0xff, (caps >> 24) & 0xff]),
      Buffer.from([21]), // auth data length
      Buffer.alloc(10),
      Buffer.alloc(13, 2),
      Buffer.from(`${plugin}\0`, 'latin1'),
    ];
    const payload = Buffer.concat(parts);
    return Buffer.concat([
      Buffer.from([payload.length & 0xff, payload.length >> 8, 0, 0]),
      payload,
    ]);
  }

  it('reads version, connection id, TLS capability and auth plugin', () => {
    const g = parseGreeting(handshake('8.0.39', 0x0008_0800 | 0x0200, 'caching_sha2_password'));
    expect(g).toEqual({
      kind: 'handshake',
      protocolVersion: 10,
      serverVersion: '8.0.39',
      flavor: 'mysql',
      connectionId: 7,
      ssl: true,
      authPlugin: 'caching_sha2_password',
    });
  });

  it("strips MariaDB's 5.5.5- prefix", () => {
    const g = parseGreeting(
      handshake('5.5.5-10.11.6-MariaDB', 0x0008_0200, 'mysql_native_password'),
    );
    expect(g).toMatchObject({ serverVersion: '10.11.6-MariaDB', flavor: 'mariadb', ssl: false });
  });

  it('reads an ERR packet with and without SQL state', () => {
    expect(parseGreeting(mysqlErrPacket(1129, 'Host blocked'))).toEqual({
      kind: 'error',
      errorCode: 1129,
      message: 'Host blocked',
    });
    const withState = Buffer.concat([
      Buffer.from([0xff, 0x10, 0x04]),
      Buffer.from('#08004Too many connections'),
    ]);
    const packet = Buffer.concat([Buffer.from([withState.length, 0, 0, 0]), withState]);
    expect(parseGreeting(packet)).toEqual({
      kind: 'error',
      errorCode: 1040,
      sqlState: '08004',
      message: 'Too many connections',
    });
  });
});

describe('ProbeRateLimiter', () => {
  it('allows maxProbes per window per key, then tells how long to wait', () => {
    let now = 0;
    const limiter = new ProbeRateLimiter({ maxProbes: 2, windowMs: 1000 }, () => now);
    expect(limiter.tryAcquire('db:3306')).toEqual({ allowed: true });
    now = 100;
    expect(limiter.tryAcquire('db:3306')).toEqual({ allowed: true });
    now = 200;
    expect(limiter.tryAcquire('db:3306')).toEqual({ allowed: false, retryAfterMs: 800 });
    expect(limiter.tryAcquire('other:3306')).toEqual({ allowed: true });
    now = 1000;
    expect(limiter.tryAcquire('db:3306')).toEqual({ allowed: true });
    limiter.reset();
    expect(limiter.tryAcquire('db:3306')).toEqual({ allowed: true });
  });

  it('validates its options', () => {
    expect(() => new ProbeRateLimiter({ maxProbes: 0 })).toThrow(InvalidOptionError);
    expect(() => new ProbeRateLimiter({ windowMs: -1 })).toThrow(/windowMs/);
  });
});

describe('resolveServiceEndpoint', () => {
  const region = 'us-east-1';
  it('defaults to the regional host', () => {
    expect(resolveServiceEndpoint({ region, env: {} })).toMatchObject({
      host: 'secretsmanager.us-east-1.amazonaws.com',
      port: 443,
      source: 'default',
      awsHost: true,
      vpceSpecific: false,
    });
  });

  it('applies the variables in order: SECRETS_MANAGER_ENDPOINT, AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL', () => {
    const env = {
      SECRETS_MANAGER_ENDPOINT: 'https://a.example.test',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'https://b.example.test',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
    };
    expect(resolveServiceEndpoint({ region, env }).source).toBe('SECRETS_MANAGER_ENDPOINT');
    const { SECRETS_MANAGER_ENDPOINT: _a, ...second } = env;
    expect(resolveServiceEndpoint({ region, env: second })).toMatchObject({
      source: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
      host: 'b.example.test',
    });
    const { AWS_ENDPOINT_URL_SECRETS_MANAGER: _b, ...third } = second;
    expect(resolveServiceEndpoint({ region, env: third })).toMatchObject({
      source: 'AWS_ENDPOINT_URL',
      host: '127.0.0.1',
      port: 4566,
      protocol: 'http:',
      awsHost: false,
    });
    expect(
      resolveServiceEndpoint({
        region,
        env: { ...third, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      }).source,
    ).toBe('default');
  });

  it('uses the -fips host with AWS_USE_FIPS_ENDPOINT and China domains in cn- regions', () => {
    expect(resolveServiceEndpoint({ region, env: { AWS_USE_FIPS_ENDPOINT: 'true' } }).host).toBe(
      'secretsmanager-fips.us-east-1.amazonaws.com',
    );
    expect(resolveServiceEndpoint({ region: 'cn-north-1', env: {} }).host).toBe(
      'secretsmanager.cn-north-1.amazonaws.com.cn',
    );
  });

  it('recognises endpoint-specific names', () => {
    const r = resolveServiceEndpoint({
      region,
      env: {
        SECRETS_MANAGER_ENDPOINT:
          'https://vpce-0abc123def4567890-1a2b3c4d.secretsmanager.us-east-1.vpce.amazonaws.com',
      },
    });
    expect(r).toMatchObject({
      vpceSpecific: true,
      vpceId: 'vpce-0abc123def4567890',
      awsHost: true,
    });
  });

  it('rejects a bad region or URL, naming the option', () => {
    expect(() => resolveServiceEndpoint({ region: '', env: {} })).toThrow(/`region`/);
    expect(() => resolveServiceEndpoint({ region, env: { AWS_ENDPOINT_URL: 'ftp://x' } })).toThrow(
      /AWS_ENDPOINT_URL/,
    );
  });
});

describe('hints and summary (no traffic to public addresses is ever sent by the tests)', () => {
  it('names the missing way out when a public address times out', async () => {
    const { hintContext, tcpHint } = await import('../src/live/path/hints.js');
    const hint = tcpHint(hintContext('rotation'), {
      status: 'timeout',
      host: 'secretsmanager.us-east-1.amazonaws.com',
      port: 443,
      address: classifyAddress('52.94.133.131'),
      peer: 'interface endpoint',
    });
    expect(hint).toBe(
      'secretsmanager.us-east-1.amazonaws.com resolved to public 52.94.133.131; no route out: create an interface endpoint with private DNS or a NAT route',
    );
    const app = tcpHint(hintContext('app'), {
      status: 'timeout',
      host: 'h',
      port: 443,
      address: classifyAddress('52.94.133.131'),
      peer: 'interface endpoint',
    });
    expect(app).toContain('public IP with an internet gateway route');
  });

  it('names the security groups and NACLs when a private address times out', async () => {
    const { hintContext, tcpHint } = await import('../src/live/path/hints.js');
    const hint = tcpHint(hintContext('rotation'), {
      status: 'timeout',
      host: 'secretsmanager.us-east-1.amazonaws.com',
      port: 443,
      address: classifyAddress('10.0.1.23'),
      peer: 'interface endpoint',
    });
    expect(hint).toMatch(
      /interface endpoint security group must accept TCP 443 from the rotation function's security group/,
    );
    expect(hint).toMatch(/1024-65535/);
  });

  it('leads the summary with R5 (no route out) over R4 and lists the other failures', async () => {
    const { summarize } = await import('../src/live/path.js');
    const check = (id: string, status: string, hint?: string) => ({
      id,
      name: id,
      status,
      detail: 'd',
      evidence: {},
      durationMs: 1,
      ...(hint ? { hint } : {}),
    });
    const summary = summarize({
      aborted: false,
      durationMs: 10,
      checks: [
        check('R4', 'fail', 'timeout'),
        check('R5', 'fail', 'no route out'),
        check('R6', 'fail', 'api'),
      ] as never,
    });
    expect(summary).toBe('R5 R5: no route out (+2 more failing: R4, R6)');
  });
});
