import { MYSQL_DEFAULT_PORT } from '@rotakit/engine-mysql';
import type { PoolConnection as CorePoolConnection, SslOptions } from 'mysql2';
import { REDACTED } from '../redact.js';
import type { ConnectionCredentials, ExplicitConnectionFields } from './credentials.js';
import type { CredentialTarget, Generation } from './generations.js';
import type { Mysql2PoolAdapter } from './mysql2-internals.js';
import { secretSslOptions } from './tls.js';

/** How mysql2's pool takes a secret version: a connection config of its own per version. */
export class Mysql2CredentialTarget implements CredentialTarget<CorePoolConnection> {
  readonly defaultPort = MYSQL_DEFAULT_PORT;
  readonly #adapter: Mysql2PoolAdapter<Generation>;
  readonly #explicit: ExplicitConnectionFields;
  /** The `ssl` option for secrets with `"ssl": true`, shared by their connections. */
  #secretSsl: SslOptions | undefined;

  constructor(adapter: Mysql2PoolAdapter<Generation>, explicit: ExplicitConnectionFields) {
    this.#adapter = adapter;
    this.#explicit = explicit;
  }

  use(gen: Generation): void {
    this.#adapter.useConfig(this.#configFor(gen));
  }

  generationOf(connection: CorePoolConnection): Generation | undefined {
    return this.#adapter.tagOf(connection);
  }

  /** user@host:port (the database name plays no part in a login's count). */
  accountOf(credentials: ConnectionCredentials): string {
    const defaults = this.#adapter.defaults;
    const where = this.#explicit.socketPath ?? credentials.host ?? defaults.host;
    const port = credentials.port ?? defaults.port ?? MYSQL_DEFAULT_PORT;
    return `${credentials.user}@${String(where)}:${String(port)}`;
  }

  /** One object per pool: mysql2 builds the TLS context once per `ssl` object, not per connection. */
  #secretSslOptions(): SslOptions {
    this.#secretSsl ??= secretSslOptions();
    return this.#secretSsl;
  }

  /** A mysql2 connection config of its own per version: it tells a connection's version for retirement. */
  #configFor(gen: Generation): Record<PropertyKey, unknown> {
    const defaults = this.#adapter.defaults;
    const { credentials } = gen;
    const fields = {
      user: credentials.user,
      password: credentials.password,
      host: credentials.host ?? defaults.host,
      port: credentials.port ?? defaults.port,
      database: credentials.database ?? defaults.database,
      ssl: credentials.tls ? this.#secretSslOptions() : undefined,
    };
    return this.#adapter.configWith(fields, gen, () => ({
      user: fields.user,
      password: REDACTED,
      host: fields.host,
      port: fields.port,
      database: fields.database,
      tls: Boolean(fields.ssl ?? this.#adapter.defaults.ssl),
      secretVersionId: gen.value.versionId,
    }));
  }
}
