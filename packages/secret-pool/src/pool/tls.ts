import { defaultTrustedCas } from '@rotakit/rds-trust';
import type { SslOptions } from 'mysql2';

/**
 * The mysql2 `ssl` option for a secret with `"ssl": true`: Node's default CAs plus the Amazon
 * RDS CAs (Lambda's Node.js runtimes no longer load them from nodejs20.x on), certificate and
 * host name verified. One object per pool: mysql2 builds the TLS context (parsing ~260 CAs)
 * once per `ssl` object, not per connection.
 */
export function secretSslOptions(): SslOptions {
  return { ca: [...defaultTrustedCas()], rejectUnauthorized: true, verifyIdentity: true };
}
