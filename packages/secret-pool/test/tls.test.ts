// The mysql2 ssl option for a secret with "ssl": true: Node's CAs plus Amazon RDS's, verified.
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { rdsCas, splitPem } from '@rotakit/rds-trust';
import { describe, expect, it } from 'vitest';
import { secretSslOptions } from '../src/pool/tls.js';

const normalize = (pem: string) => pem.replace(/\s+/g, '');

describe('secretSslOptions', () => {
  const ssl = secretSslOptions();
  const pems = (ssl.ca as string[]).flatMap((entry) => splitPem(entry));
  const given = new Set(pems.map(normalize));

  it('verifies the certificate and the host name', () => {
    expect(ssl.rejectUnauthorized).toBe(true);
    expect(ssl.verifyIdentity).toBe(true);
  });

  it('trusts the Amazon RDS CAs', () => {
    const names = new Set(
      pems.map((pem) => new X509Certificate(pem).subject.match(/^CN=(.*)$/m)?.[1] ?? ''),
    );
    expect(names).toContain('Amazon RDS us-east-1 Root CA RSA2048 G1');
    expect(names).toContain('Amazon RDS eu-central-1 Root CA RSA4096 G1');
    expect([...names].filter((n) => n.startsWith('Amazon RDS')).length).toBeGreaterThanOrEqual(100);
    for (const pem of rdsCas()) expect(given.has(normalize(pem))).toBe(true);
  });

  it("keeps Node's root CAs (a `ca` option replaces them otherwise)", () => {
    expect(tls.rootCertificates.length).toBeGreaterThan(100);
    expect(tls.rootCertificates.filter((pem) => !given.has(normalize(pem)))).toEqual([]);
  });

  it('builds a TLS context', () => {
    expect(() => tls.createSecureContext({ ca: ssl.ca })).not.toThrow();
  });
});
