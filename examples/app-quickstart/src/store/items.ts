import type { SecretPoolStats, SecretSourceOptions } from '@rotakit/secret-pool';

/** One row of the items table, as the routes return it. */
export interface Item {
  id: number;
  name: string;
  createdAt: Date;
}

/**
 * What the app calls on its database: the one seam between the HTTP routes and an engine
 * (src/store/mysql.ts, src/store/postgres.ts). A second engine plugs in here.
 */
export interface ItemStore {
  /** The newest items first, at most `limit`. */
  listNewest(limit: number): Promise<Item[]>;
  /** Inserts one item; resolves with its id. */
  insert(name: string): Promise<number>;
  /** A round trip to the database (`SELECT 1`): rejects when it cannot be reached. */
  ping(): Promise<void>;
  /** The pool's counters for GET /health, when its pool has them (a rotakit pool does). */
  stats(): SecretPoolStats | undefined;
  /** Ends the pool. */
  end(): Promise<void>;
}

/** What every engine's rotakit pool is opened with: the secret, where to read it, how often. */
export type StorePoolOptions = SecretSourceOptions & {
  secretId: string;
  /** The most connections open at once. */
  size: number;
  credentialCheckIntervalMs?: number;
};

/**
 * A short name for a failed database call, safe to answer a client with: the error's name
 * (`AuthenticationError`, `ConnectionError`, ...), or for the drivers' own untyped errors their
 * code. rotakit's, mysql2's and pg's messages name the user and host, never the password;
 * this keeps even those out of the answer.
 */
export function failureReason(error: unknown): string {
  const name = error instanceof Error ? error.name : 'Error';
  const code = (error as { code?: unknown } | null)?.code;
  // mysql2's errors are plain Errors (code ER_ACCESS_DENIED_ERROR, ...); pg's server errors
  // are named 'error' after the protocol message, their code the SQLSTATE (28P01, 42P01, ...).
  const untyped = name === 'Error' || name === 'error';
  return untyped && typeof code === 'string' ? code : name;
}
