// Which CAs to trust for TLS to RDS and Aurora: Node's defaults plus the Amazon RDS CAs.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultTrustedCas, nodeDefaultCas, rdsCas, splitPem } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rotakit-rds-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const normalize = (pem: string) => pem.replace(/\s+/g, '');

describe('rdsCas', () => {
  it('lists the Amazon RDS root CAs of every region and key type', () => {
    const names = new Set(
      rdsCas().map((pem) => new X509Certificate(pem).subject.match(/^CN=(.*)$/m)?.[1] ?? ''),
    );
    expect(names).toContain('Amazon RDS us-east-1 Root CA RSA2048 G1');
    expect(names).toContain('Amazon RDS eu-west-1 Root CA RSA2048 G1');
    expect(names).toContain('Amazon RDS us-east-1 Root CA ECC384 G1');
    expect(names.size).toBeGreaterThanOrEqual(100);
  });
});

describe('defaultTrustedCas', () => {
  const cas = defaultTrustedCas();
  const given = new Set(cas.map(normalize));

  it('holds every root CA Node trusts by default and every RDS CA', () => {
    expect(tls.rootCertificates.filter((pem) => !given.has(normalize(pem)))).toEqual([]);
    expect(rdsCas().filter((pem) => !given.has(normalize(pem)))).toEqual([]);
  });

  it('is computed once and frozen', () => {
    expect(defaultTrustedCas()).toBe(cas);
    expect(Object.isFrozen(cas)).toBe(true);
  });

  it('builds a TLS context', () => {
    expect(() => tls.createSecureContext({ ca: [...cas] })).not.toThrow();
  });
});

describe('splitPem', () => {
  it('splits a bundle into certificates and ignores text around them', () => {
    const [a, b] = rdsCas() as string[];
    expect(splitPem(`# bundle\n${a}\nnoise\n${b}\n`).map(normalize)).toEqual(
      [a, b].map((p) => normalize(p!)),
    );
    expect(splitPem('no certificates here')).toEqual([]);
  });
});

describe("Node's default CAs", () => {
  const getCaCertificates = (tls as { getCACertificates?: (type: string) => string[] })
    .getCACertificates;

  it('adds the certificates of NODE_EXTRA_CA_CERTS', () => {
    const extra = [rdsCas()[1] as string, rdsCas()[2] as string];
    const file = join(dir, 'extra.pem');
    writeFileSync(file, `# a comment\n${extra.join('\n')}\n`);
    const cas = nodeDefaultCas(file);
    if (getCaCertificates) {
      // Node 22.15+ reports its own store, NODE_EXTRA_CA_CERTS included.
      expect(cas).toEqual(getCaCertificates('default'));
    } else {
      expect(cas.slice(0, tls.rootCertificates.length)).toEqual([...tls.rootCertificates]);
      expect(cas.slice(tls.rootCertificates.length).map(normalize)).toEqual(extra.map(normalize));
    }
  });

  it('ignores an unreadable NODE_EXTRA_CA_CERTS, as Node does', () => {
    const cas = nodeDefaultCas(join(dir, 'missing.pem'));
    expect(cas).toEqual(getCaCertificates ? getCaCertificates('default') : tls.rootCertificates);
  });
});
