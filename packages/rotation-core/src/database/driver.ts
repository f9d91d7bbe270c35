import type { CredentialRole, DatabaseError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Where and as whom to log in. */
export interface DatabaseTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  /** Database to select on login. */
  database?: string | undefined;
  /** The secret's `ssl` key: true (TLS only), false (plaintext), undefined (try TLS first). */
  ssl: boolean | undefined;
  /** The secret's `engine` (`mysql`, `aurora-mysql`, `postgres`, ...), when it names one. */
  engine?: string | undefined;
}

/** TLS settings shared by every connection. */
export interface DatabaseTlsSettings {
  /** No plaintext ever: an absent `ssl` key means TLS only, and `ssl: false` is refused. */
  readonly strict: boolean;
  /**
   * PEM text of the configured CA bundle, trusted alone. Undefined: Node's default CAs plus
   * the Amazon RDS CAs.
   */
  readonly ca: string | undefined;
}

/** A statement boundary, reported before and after each statement (and the login). */
export type StatementHook = (phase: 'before' | 'after', statement: string) => Promise<void>;

export interface ConnectOptions {
  /** Which secret these credentials came from, for error messages. */
  credentials: CredentialRole;
  /** Connect timeout, already fitted into the remaining time budget. */
  connectTimeoutMs: number;
  /** Upper bound for each statement. */
  queryTimeoutMs: number;
  /** Aborts the login and every later statement (time budget). */
  signal: AbortSignal;
  tls: DatabaseTlsSettings;
  logger: Logger;
  /** Called around every statement and the login; may throw (fault injection). */
  onStatement?: StatementHook | undefined;
}

/** An account on the server (`'user'@'host'` in MySQL). */
export interface DatabaseAccount {
  username: string;
  /** The account's host part; `'%'` when the engine has no such notion. */
  host: string;
}

export interface SyncAccountParams {
  /** The account whose privileges are copied (the one in AWSCURRENT). */
  source: DatabaseAccount;
  /** The username to create or update; it gets the source's host. */
  targetUsername: string;
  /** The target's new password. */
  password: string;
  /** Revoke what the target has and the source has not. */
  revokeExtra: boolean;
}

export interface SyncAccountResult {
  target: DatabaseAccount;
  created: boolean;
  /** Number of privileges/roles granted and revoked (not counting the password). */
  granted: number;
  revoked: number;
}

/** A logged-in connection. */
export interface DatabaseSession extends AsyncDisposable {
  /** Whether the connection is encrypted. */
  readonly tls: boolean;
  /** The server's version string. */
  readonly serverVersion: string;
  /** Runs a trivial query. */
  ping(): Promise<void>;
  /** The account the server authenticated this session as. */
  currentAccount(): Promise<DatabaseAccount>;
  /** The longest username the server accepts, as far as this session can tell. */
  maxUsernameLength(): Promise<number>;
  /** Sets this session's own password (single user). */
  changeOwnPassword(password: string): Promise<void>;
  /**
   * Sets another account's password, as the master (single user on a driver with
   * `singleUserAsMaster`).
   */
  changePasswordOf?(account: DatabaseAccount, password: string): Promise<void>;
  /** Creates or updates an account as a copy of another (alternating users, run as master). */
  syncAccount(params: SyncAccountParams): Promise<SyncAccountResult>;
  close(): Promise<void>;
}

/**
 * The engine-specific part of rotation. The core only talks to this interface, so another
 * engine is a new driver, not a change to the steps.
 */
export interface DatabaseDriver {
  /** A short name for logs (`mysql`). */
  readonly name: string;
  /** The secret `engine` values this driver handles. */
  readonly engines: readonly string[];
  /** Port used when the secret has none. */
  readonly defaultPort: number;
  /**
   * Single user with a `masterarn` in the secret: the master changes the user's password
   * (after the user's own login proves the secret), for servers where a user may not change
   * its own (RDS for PostgreSQL's `rds.restrict_password_commands`). @default false
   */
  readonly singleUserAsMaster?: boolean;
  /**
   * A driver serving several engines: the driver for one secret's engine (see `byEngine()`).
   * A single-engine driver has none and serves every target itself.
   */
  forEngine?(engine: string | undefined): DatabaseDriver;
  /**
   * Logs in. Throws `DatabaseLoginError` (or `TlsRequiredError`) with the reason when it
   * cannot; never a bare driver error.
   */
  connect(target: DatabaseTarget, options: ConnectOptions): Promise<DatabaseSession>;
  /**
   * True for a failed statement worth running the (idempotent) step again for: a dropped
   * connection, a server shutting down, a lock wait timeout, a deadlock. Without it, no
   * statement failure is retried.
   */
  isTransientError?(error: DatabaseError): boolean;
}
