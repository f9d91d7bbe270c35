import type { NetworkErrorMeaning } from '../network/codes.js';

/**
 * The one vocabulary of database errors, for every engine: what a server error (a MySQL
 * errno, a PostgreSQL SQLSTATE), a driver code or a Node socket code means. Each engine
 * package maps its codes onto these names (`@rotakit/engine-mysql`, `@rotakit/engine-postgres`)
 * and names the subset it produces; each package that acts on them keeps its own policy
 * table (retry, try other credentials, report a status), which can then serve both engines.
 */
export type DatabaseErrorMeaning =
  /** The server refused the user name and password (or the auth plugin's proof). */
  | 'access-denied'
  /** The account needs a password and none was sent. */
  | 'access-denied-no-password'
  /**
   * The login succeeded but the account has no privilege on the database it asked for: a
   * grant of this account, not a wrong password.
   */
  | 'database-access-denied'
  | 'unknown-database'
  /** The server blocks the client host after max_connect_errors failed connects, until FLUSH HOSTS. */
  | 'host-blocked'
  /** No account matches this user from this client host. */
  | 'host-not-allowed'
  /**
   * The server's access rules refused the login whatever the password: PostgreSQL's 28000
   * (no pg_hba.conf entry, or a `reject` one, for this host, user, database and encryption; a
   * role without LOGIN; under trust/peer/cert authentication, a role that does not exist).
   */
  | 'rejected'
  /** The server's connection limit reached (for PostgreSQL also a role's or database's CONNECTION LIMIT). */
  | 'too-many-connections'
  /** The account's own limit (max_user_connections, MAX_*_PER_HOUR) reached. */
  | 'user-connection-limit'
  /** ACCOUNT LOCK, or locked after FAILED_LOGIN_ATTEMPTS / max_password_errors. */
  | 'account-locked'
  | 'password-expired'
  /** require_secure_transport is on and the connection is not TLS. */
  | 'insecure-transport'
  /** The server is shutting down, or ended the session for a shutdown. */
  | 'server-shutdown'
  /**
   * The server does not accept connections now (PostgreSQL's 57P03: starting up, in recovery
   * or not yet consistent, shutting down); trying again later may succeed.
   */
  | 'starting-up'
  /** A statement the role may not run (PostgreSQL's 42501), or at login a database without CONNECT privilege. */
  | 'insufficient-privilege'
  /** A role membership that cannot be granted (PostgreSQL's 0LP01, e.g. a circular one). */
  | 'invalid-grant'
  /** A write on a read-only server or transaction (a replica, an Aurora reader endpoint). */
  | 'read-only'
  /** The object (a role, ...) to create exists already. */
  | 'already-exists'
  /** The object (a role, ...) named does not exist. */
  | 'does-not-exist'
  /** A statement waited longer than the lock timeout; running it again may succeed. */
  | 'lock-wait-timeout'
  /** The server rolled the transaction back to break a deadlock; running it again may succeed. */
  | 'deadlock'
  /** Network meanings (refused, timeout, dns, ...), from the client errno or the socket code. */
  | NetworkErrorMeaning;
