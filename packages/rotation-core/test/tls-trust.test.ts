// Which CAs a TLS login trusts: by default Node's plus Amazon RDS's, an explicit bundle alone.
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { defaultTrustedCas, rdsCas, splitPem } from '@rotakit/rds-trust';
import { describe, expect, it } from 'vitest';
import { mysqlSslOptions } from '../src/database/mysql/driver.js';

function caList(ca: unknown): string[] {
  if (typeof ca === 'string') return splitPem(ca);
  expect(Array.isArray(ca)).toBe(true);
  return (ca as string[]).flatMap((entry) => splitPem(entry));
}

function commonNames(pems: readonly string[]): Set<string> {
  return new Set(
    pems.map((pem) => {
      const cn = new X509Certificate(pem).subject.split('\n').find((l) => l.startsWith('CN='));
      return cn?.slice(3) ?? '';
    }),
  );
}

const normalize = (pem: string) => pem.replace(/\s+/g, '');

describe('default TLS trust for the database', () => {
  const ssl = mysqlSslOptions({ strict: false, ca: undefined });
  const pems = caList(ssl.ca);

  it('verifies the certificate and the host name', () => {
    expect(ssl.rejectUnauthorized).toBe(true);
    expect(ssl.verifyIdentity).toBe(true);
  });

  it('includes the Amazon RDS CAs (the rds-ca-rsa2048-g1 roots among them)', () => {
    const names = commonNames(pems);
    expect(names).toContain('Amazon RDS us-east-1 Root CA RSA2048 G1');
    expect(names).toContain('Amazon RDS eu-west-1 Root CA RSA2048 G1');
    expect(names).toContain('Amazon RDS us-east-1 Root CA ECC384 G1');
    const rds = [...names].filter((name) => name.startsWith('Amazon RDS'));
    expect(rds.length).toBeGreaterThanOrEqual(100);
    const given = new Set(pems.map(normalize));
    for (const pem of rdsCas()) expect(given.has(normalize(pem))).toBe(true);
  });

  it('keeps every root CA Node trusts by default (passing `ca` would drop them)', () => {
    expect(tls.rootCertificates.length).toBeGreaterThan(100);
    const given = new Set(pems.map(normalize));
    const missing = tls.rootCertificates.filter((pem) => !given.has(normalize(pem)));
    expect(missing).toEqual([]);
    expect(pems.length).toBeGreaterThanOrEqual(tls.rootCertificates.length + rdsCas().length);
  });

  it('parses into a usable TLS context', () => {
    expect(() => tls.createSecureContext({ ca: ssl.ca })).not.toThrow();
  });

  it('gives every login its own ssl object (mysql2 resumes TLS sessions per object)', () => {
    const again = mysqlSslOptions({ strict: false, ca: undefined });
    expect(again).not.toBe(ssl);
    expect(again.ca).not.toBe(ssl.ca);
    expect(again.ca).toEqual(ssl.ca);
    expect(defaultTrustedCas()).toBe(defaultTrustedCas());
  });
});

describe('an explicit CA bundle', () => {
  const explicit = rdsCas()[0] as string;

  it('replaces the default trust: neither Node nor the other RDS CAs are added', () => {
    const ssl = mysqlSslOptions({ strict: false, ca: explicit });
    expect(ssl.ca).toBe(explicit);
    expect(caList(ssl.ca)).toHaveLength(1);
    expect(ssl.rejectUnauthorized).toBe(true);
    expect(ssl.verifyIdentity).toBe(true);
  });
});
