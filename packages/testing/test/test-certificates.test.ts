import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTestCertificates } from '../src/index.js';

describe('createTestCertificates', () => {
  it('makes a CA and a server certificate it signed for the given names', async () => {
    const certs = await createTestCertificates({
      dnsNames: ['localhost', 'db.test'],
      ipAddresses: ['127.0.0.1'],
    });
    try {
      const ca = new X509Certificate(certs.caPem);
      const server = new X509Certificate(readFileSync(certs.certFile));
      expect(server.verify(ca.publicKey)).toBe(true);
      expect(server.checkHost('db.test')).toBe('db.test');
      expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(server.checkHost('other.test')).toBeUndefined();
      expect(certs.serverArgs).toEqual([
        `--ssl-ca=${certs.caFile}`,
        `--ssl-cert=${certs.certFile}`,
        `--ssl-key=${certs.keyFile}`,
      ]);
    } finally {
      certs.remove();
    }
    expect(existsSync(certs.dir)).toBe(false);
  });
});
