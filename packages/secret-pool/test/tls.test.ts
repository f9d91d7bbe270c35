// The mysql2 ssl option for a secret with "ssl": true: Node's CAs plus Amazon RDS's, verified.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeDefaultCas, rdsCas, secretSslOptions, splitPem } from '../src/pool/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'secret-pool-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

describe('nodeDefaultCas', () => {
  const getCaCertificates = (tls as { getCACertificates?: (type: string) => string[] })
    .getCACertificates;

  it('adds NODE_EXTRA_CA_CERTS and ignores it when unreadable', () => {
    const extra = rdsCas()[5] as string;
    const file = join(dir, 'extra.pem');
    writeFileSync(file, extra);
    if (getCaCertificates) {
      // Node 22.15+ reports its own store, NODE_EXTRA_CA_CERTS included.
      expect(nodeDefaultCas(file)).toEqual(getCaCertificates('default'));
    } else {
      expect(nodeDefaultCas(file).map(normalize)).toEqual(
        [...tls.rootCertificates, extra].map(normalize),
      );
      expect(nodeDefaultCas(join(dir, 'missing.pem'))).toEqual(tls.rootCertificates);
    }
  });
});
