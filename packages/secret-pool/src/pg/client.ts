import { createSecureContext, type SecureContext } from 'node:tls';
import { POSTGRES_DEFAULT_DATABASE, POSTGRES_DEFAULT_PORT } from '@rotakit/engine-postgres';
import { defaultTrustedCas } from '@rotakit/rds-trust';
import pg, { type Client, type ClientConfig } from 'pg';
import type { FailureKind } from '../pool/auth-errors.js';
import type { PoolBasics } from '../pool/context.js';
import type { ConnectionCredentials } from '../pool/credentials.js';
import type { CredentialGenerations, CredentialTarget, Generation } from '../pool/generations.js';
import { classifyPgConnectError } from './failures.js';
import type { LoginTicket, PgLoginGate } from './login-gate.js';

type ConnectCallback = (error: Error | null | undefined) => void;

/**
 * How pg's clients take a secret version: each client is built with the current version's
 * user, host, port, database and TLS, and its `password` is a function (pg's public API)
 * that answers with the password of the login the gate started.
 */
export class PgCredentialTarget implements CredentialTarget<Client> {
  readonly defaultPort = POSTGRES_DEFAULT_PORT;
  readonly #generationOf = new WeakMap<Client, Generation>();
  /** Clients logged in and not ended: retirement looks for old ones among them. */
  readonly clients = new Set<Client>();
  /** One TLS context per pool for secrets with `"ssl": true`: ~260 CAs parsed once, not per login. */
  #secureContext: SecureContext | undefined;

  /** Nothing to point: each new client reads the current version when it is built. */
  use(_gen: Generation): void {}

  generationOf(client: Client): Generation | undefined {
    return this.#generationOf.get(client);
  }

  tag(client: Client, gen: Generation): void {
    this.#generationOf.set(client, gen);
  }

  /** user@host:port (the database plays no part in the server's count of failed logins). */
  accountOf(credentials: ConnectionCredentials): string {
    return `${credentials.user}@${credentials.host ?? 'localhost'}:${credentials.port ?? POSTGRES_DEFAULT_PORT}`;
  }

  /** The client config fields of a version (the password comes later, per login). */
  fieldsOf(gen: Generation | undefined): ClientConfig {
    if (gen === undefined) return {};
    const { credentials } = gen;
    const fields: ClientConfig = {
      user: credentials.user,
      host: credentials.host,
      // The RDS format's default; pg's own would be the user's name.
      database: credentials.database ?? POSTGRES_DEFAULT_DATABASE,
    };
    if (credentials.port !== undefined) fields.port = credentials.port;
    if (credentials.tls) fields.ssl = this.#secretSsl();
    return fields;
  }

  /** Node's CAs plus the Amazon RDS CAs, certificate and host name verified. */
  #secretSsl(): ClientConfig['ssl'] {
    this.#secureContext ??= createSecureContext({ ca: [...defaultTrustedCas()] });
    return { secureContext: this.#secureContext, rejectUnauthorized: true };
  }
}

export interface PgClientParts extends PoolBasics {
  readonly generations: CredentialGenerations<Client>;
  readonly gate: PgLoginGate;
  readonly target: PgCredentialTarget;
  /** The login a failed `connect()` made, for the pool's retry decision. */
  readonly loginErrors: WeakMap<Error, LoginFailure>;
}

/** A login that failed: its ticket, and for a refused password the shared refresh it started. */
export interface LoginFailure {
  readonly ticket: LoginTicket;
  readonly kind: FailureKind;
  readonly recovery: Promise<void> | undefined;
}

/**
 * A refused password starts the shared refresh at once (as the mysql2 pool does), before the
 * gate lets the next login go: the others then wait for it instead of sending the same password.
 */
function loginFailure(parts: PgClientParts, ticket: LoginTicket, kind: FailureKind): LoginFailure {
  if (kind !== 'auth') return { ticket, kind, recovery: undefined };
  ticket.gen.verified = false;
  const recovery = parts.generations.recover(ticket.gen, ticket.startedAt);
  recovery.catch(() => undefined);
  return { ticket, kind, recovery };
}

/**
 * The `Client` class a pool hands to pg's Pool: its `connect()` waits for the gate, then
 * logs in with the admitted version's password; pg's Pool does everything else as usual.
 */
export function secretClientClass(partsOf: () => PgClientParts): typeof pg.Client {
  return class SecretPgClient extends pg.Client {
    readonly #built: Generation | undefined;
    readonly #login: { ticket?: LoginTicket };

    constructor(config: ClientConfig) {
      const parts = partsOf();
      const built = parts.generations.current;
      const login: { ticket?: LoginTicket } = {};
      const password = () => (login.ticket?.gen ?? built)?.credentials.password ?? '';
      super({ ...config, ...parts.target.fieldsOf(built), password });
      this.#built = built;
      this.#login = login;
    }

    override connect(): Promise<Client>;
    override connect(callback: ConnectCallback): void;
    override connect(callback?: ConnectCallback): Promise<Client> | undefined {
      if (callback === undefined) {
        return new Promise((resolve, reject) =>
          this.connect((error) => (error ? reject(error) : resolve(this))),
        );
      }
      partsOf()
        .gate.admit(this.#built)
        .then(
          (ticket) => this.#logIn(ticket, callback),
          (error: Error) => callback(error),
        );
      return undefined;
    }

    #logIn(ticket: LoginTicket, callback: ConnectCallback): void {
      const parts = partsOf();
      this.#login.ticket = ticket;
      parts.target.tag(this, ticket.gen);
      super.connect((error: Error | null | undefined) => {
        const failed = error ?? undefined;
        const kind = failed && classifyPgConnectError(failed);
        if (failed === undefined) this.#loggedIn(parts);
        else parts.loginErrors.set(failed, loginFailure(parts, ticket, kind as FailureKind));
        // After the outcome is known: a refusal has started its refresh, so waiting logins wait for it.
        parts.gate.ended(ticket, kind);
        callback(failed);
      });
    }

    #loggedIn(parts: PgClientParts): void {
      parts.counters.connectionsOpened++;
      parts.target.clients.add(this);
      this.once('end', () => parts.target.clients.delete(this));
      parts.generations.loggedIn(this);
    }
  };
}
